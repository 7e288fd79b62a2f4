/* mlflow_lite_fortran.c - v0.2.0 (TBD) - the C half of the Fortran module mlflow_lite.f90.
   Public domain / MIT dual license, like mlflow_lite.h (see the end of that file).

   Compile it with a C compiler beside mlflow_lite.f90 (the CMake target
   mlflow_lite::fortran does both), with mlflow_lite.h on the include path:

       cc -c -std=c99 mlflow_lite_fortran.c
       gfortran -c mlflow_lite.f90
       gfortran app.f90 mlflow_lite.o mlflow_lite_fortran.o -lpthread

   It carries its own private copy of the implementation (MLL_STATIC), so a program
   whose C parts also define MLFLOW_LITE_IMPLEMENTATION links without clashes. Only the
   mll__f_* functions below are visible; the module binds to them with bind(C). They are
   the binding's internals, not an API: call the module's functions instead.

   Fortran strings arrive as (pointer, length) pairs. A string ends at its first NUL (so
   "name"//c_null_char works) and loses its trailing blanks (so blank-padded
   character(len=64) variables work); an empty result means "default", as 0 does in the
   C desc structs. */
#define MLL_STATIC
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- what the module binds to (bind(C, name="mll__f_...")) ---------------- */
int mll__f_open(mll_store **store, const char *root, size_t root_n, int flush_interval_ms,
                int ignore_env);
int mll__f_close(mll_store *store);
int mll__f_set_experiment_tag(mll_store *store, const char *id, size_t id_n, const char *key,
                              size_t key_n, const char *value, size_t value_n);
int mll__f_start_run(mll_run **run, mll_store *store, const char *fields, const size_t *lengths);
int mll__f_end_run(mll_run *run, int status);
int mll__f_flush(mll_run *run);
const char *mll__f_run_string(const mll_run *run, int which);
int mll__f_log_metric(mll_run *run, const char *key, size_t key_n, double value, int64_t step,
                      const int64_t *timestamp_ms);
int mll__f_log_metrics(mll_run *run, const char *keys, size_t key_len, const double *values,
                       size_t n, int64_t step, const int64_t *timestamp_ms);
int mll__f_log_param_number(mll_run *run, const char *key, size_t key_n, int kind, double value,
                            int64_t ivalue);
int mll__f_run_strings(mll_run *run, int what, const char *a, size_t a_n, const char *b, size_t b_n);
const char *mll__f_strerror(int code);
const char *mll__f_version(void);
int mll__f_last_error(void *handle, int is_run, char *buf, size_t cap, int *sys_errno);

/* A Fortran string made a C string: in `small` when it fits, else on the heap. */
typedef struct mll__fstr {
    char small[1024];
    char *heap;
    const char *s;
} mll__fstr;

/* How much of a Fortran string is the string: up to its first NUL, without trailing blanks. */
static size_t mll__fstr_len(const char *s, size_t n) {
    const char *nul = s && n ? (const char *)memchr(s, '\0', n) : NULL;
    if (!s) return 0;
    if (nul) n = (size_t)(nul - s);
    while (n > 0 && s[n - 1] == ' ') n--;
    return n;
}

static mll_result mll__fstr_make(mll__fstr *f, const char *s, size_t n) {
    char *dst = f->small;
    f->heap = NULL;
    f->s = "";
    if (!s) return MLL_OK;
    n = mll__fstr_len(s, n);
    if (n >= sizeof(f->small)) {
        f->heap = (char *)malloc(n + 1);
        if (!f->heap) return MLL_ERR_NO_MEMORY;
        dst = f->heap;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
    f->s = dst;
    return MLL_OK;
}

static void mll__fstr_free(mll__fstr *f) { free(f->heap); }

/* NULL for an empty string: the C API's "default" */
static const char *mll__fstr_or_null(const mll__fstr *f) { return f->s[0] ? f->s : NULL; }

/* Up to four Fortran strings for one call, made and freed together. */
typedef struct mll__fargs {
    mll__fstr str[4];
    int count;
} mll__fargs;

static mll_result mll__fargs_add(mll__fargs *a, const char *s, size_t n) {
    return mll__fstr_make(&a->str[a->count++], s, n);
}

static void mll__fargs_free(mll__fargs *a) {
    int i;
    for (i = 0; i < a->count; i++) mll__fstr_free(&a->str[i]);
}

/* ---- store ---- */
int mll__f_open(mll_store **store, const char *root, size_t root_n, int flush_interval_ms,
                int ignore_env) {
    mll__fstr r;
    mll_store_desc d;
    mll_result rc = mll__fstr_make(&r, root, root_n);
    memset(&d, 0, sizeof(d));
    d.root = mll__fstr_or_null(&r);
    d.flush_interval_ms = flush_interval_ms;
    d.ignore_env = ignore_env;
    *store = NULL;
    if (rc == MLL_OK) rc = mll_open(store, &d);
    mll__fstr_free(&r);
    return (int)rc;
}

int mll__f_close(mll_store *store) { return (int)mll_close(store); }

int mll__f_set_experiment_tag(mll_store *store, const char *id, size_t id_n, const char *key,
                              size_t key_n, const char *value, size_t value_n) {
    mll__fargs a;
    mll_result rc;
    a.count = 0;
    rc = mll__fargs_add(&a, id, id_n);
    if (rc == MLL_OK) rc = mll__fargs_add(&a, key, key_n);
    if (rc == MLL_OK) rc = mll__fargs_add(&a, value, value_n);
    if (rc == MLL_OK) rc = mll_set_experiment_tag(store, a.str[0].s, a.str[1].s, a.str[2].s);
    mll__fargs_free(&a);
    return (int)rc;
}

/* ---- runs ---- */
/* fields: the 7 strings below end to end, lengths[i] characters each (0: absent) */
enum { MLL__F_RUN_FIELDS = 7 };

int mll__f_start_run(mll_run **run, mll_store *store, const char *fields, const size_t *lengths) {
    mll__fstr f[MLL__F_RUN_FIELDS];
    mll_run_desc d;
    mll_result rc = MLL_OK;
    size_t at = 0;
    int i, made = 0;
    *run = NULL;
    for (i = 0; i < MLL__F_RUN_FIELDS && rc == MLL_OK; i++, made++) {
        rc = mll__fstr_make(&f[i], fields + at, lengths[i]);
        at += lengths[i];
    }
    if (rc == MLL_OK) {
        memset(&d, 0, sizeof(d));
        d.experiment_name = mll__fstr_or_null(&f[0]);
        d.experiment_id = mll__fstr_or_null(&f[1]);
        d.run_name = mll__fstr_or_null(&f[2]);
        d.run_id = mll__fstr_or_null(&f[3]);
        d.parent_run_id = mll__fstr_or_null(&f[4]);
        d.description = mll__fstr_or_null(&f[5]);
        d.artifact_location = mll__fstr_or_null(&f[6]);
        rc = mll_start_run(run, store, &d);
    }
    for (i = 0; i < made; i++) mll__fstr_free(&f[i]);
    return (int)rc;
}

int mll__f_end_run(mll_run *run, int status) { return (int)mll_end_run(run, (mll_run_status)status); }

int mll__f_flush(mll_run *run) { return (int)mll_flush(run); }

/* 0 id, 1 experiment id, 2 name, 3 artifact URI, 4 folder; never NULL */
const char *mll__f_run_string(const mll_run *run, int which) {
    switch (which) {
    case 0: return mll_run_id(run);
    case 1: return mll_run_experiment_id(run);
    case 2: return mll_run_name(run);
    case 3: return mll_run_artifact_uri(run);
    case 4: return mll_run_dir(run);
    default: return "";
    }
}

/* ---- metrics ---- */
int mll__f_log_metric(mll_run *run, const char *key, size_t key_n, double value, int64_t step,
                      const int64_t *timestamp_ms) {
    mll__fstr k;
    mll_result rc = mll__fstr_make(&k, key, key_n);
    if (rc == MLL_OK)
        rc = timestamp_ms ? mll_log_metric_at(run, k.s, value, step, *timestamp_ms)
                          : mll_log_metric(run, k.s, value, step);
    mll__fstr_free(&k);
    return (int)rc;
}

/* n keys of key_len characters each (a Fortran character array), n values, one step. */
int mll__f_log_metrics(mll_run *run, const char *keys, size_t key_len, const double *values,
                       size_t n, int64_t step, const int64_t *timestamp_ms) {
    /* the keys, trimmed and NUL-terminated, side by side: on the stack for ordinary batches */
    mll_metric small_pts[16], *pts = small_pts;
    char small_keys[4096], *ckeys = small_keys;
    mll_result rc = MLL_OK;
    size_t i;
    if (n > 16) pts = (mll_metric *)malloc(n * sizeof(*pts));
    if (n * (key_len + 1) > sizeof(small_keys)) ckeys = (char *)malloc(n * (key_len + 1));
    if (!pts || !ckeys) rc = MLL_ERR_NO_MEMORY;
    for (i = 0; i < n && rc == MLL_OK; i++) {
        char *k = ckeys + i * (key_len + 1);
        size_t len = mll__fstr_len(keys + i * key_len, key_len);
        memcpy(k, keys + i * key_len, len);
        k[len] = '\0';
        pts[i].key = k;
        pts[i].value = values[i];
        pts[i].step = step;
        pts[i].timestamp_ms = timestamp_ms ? *timestamp_ms : 0;
    }
    if (rc == MLL_OK) rc = mll_log_metrics(run, pts, n);
    if (ckeys != small_keys) free(ckeys);
    if (pts != small_pts) free(pts);
    return (int)rc;
}

/* ---- params, tags, names, artifacts ---- */
/* The shortest decimal (1..9 significant digits) that reads back as f, as a double whose
   repr() is that decimal: 0.01 in real(4) -> "0.01", as Python writes numpy.float32.
   printf and strtod share the locale's decimal point, so the round trip holds in any locale. */
static double mll__f_shortest_float(float f) {
    char buf[48];
    int digits;
    if (f != f || f - f != 0.0f) return (double)f; /* NaN, +-inf */
    for (digits = 1; digits <= 9; digits++) {
        double d;
        snprintf(buf, sizeof(buf), "%.*e", digits - 1, (double)f);
        d = strtod(buf, NULL);
        if ((float)d == f) return d;
    }
    return (double)f;
}

/* kind: 0 real(8), 1 real(4) (value holds the float's value), 2 integer, 3 logical */
int mll__f_log_param_number(mll_run *run, const char *key, size_t key_n, int kind, double value,
                            int64_t ivalue) {
    mll__fstr k;
    mll_result rc = mll__fstr_make(&k, key, key_n);
    if (rc == MLL_OK) {
        switch (kind) {
        case 0: rc = mll_log_param_double(run, k.s, value); break;
        case 1: rc = mll_log_param_double(run, k.s, mll__f_shortest_float((float)value)); break;
        case 2: rc = mll_log_param_int(run, k.s, (long long)ivalue); break;
        default: rc = mll_log_param_bool(run, k.s, ivalue != 0); break;
        }
    }
    mll__fstr_free(&k);
    return (int)rc;
}

/* The run calls that take one or two strings (b: "" when the call takes one):
   what 0 log_param(a key, b value), 1 set_tag(a key, b value), 2 delete_tag(a key),
   3 set_run_name(a name), 4 log_artifact(a local path, b artifact folder or ""),
   5 log_text(a text, b artifact file) */
int mll__f_run_strings(mll_run *run, int what, const char *a, size_t a_n, const char *b, size_t b_n) {
    mll__fargs f;
    mll_result rc;
    const char *x, *y;
    f.count = 0;
    rc = mll__fargs_add(&f, a, a_n);
    if (rc == MLL_OK) rc = mll__fargs_add(&f, b, b_n);
    x = f.str[0].s;
    y = f.str[1].s;
    if (rc == MLL_OK) {
        switch (what) {
        case 0: rc = mll_log_param(run, x, y); break;
        case 1: rc = mll_set_tag(run, x, y); break;
        case 2: rc = mll_delete_tag(run, x); break;
        case 3: rc = mll_set_run_name(run, x); break;
        case 4: rc = mll_log_artifact(run, x, mll__fstr_or_null(&f.str[1])); break;
        case 5: rc = mll_log_bytes(run, x, strlen(x), y); break;
        default: rc = MLL_ERR_INVALID_ARGUMENT; break;
        }
    }
    mll__fargs_free(&f);
    return (int)rc;
}

/* ---- errors and version ---- */
const char *mll__f_strerror(int code) { return mll_strerror((mll_result)code); }

const char *mll__f_version(void) { return mll_version(); }

/* The last error of a run (is_run 1) or store: message into buf (NUL-terminated, cut to
   cap), errno into *sys_errno; returns the code. */
int mll__f_last_error(void *handle, int is_run, char *buf, size_t cap, int *sys_errno) {
    mll_error e;
    const char *message;
    memset(&e, 0, sizeof(e));
    if (is_run)
        mll_run_last_error((mll_run *)handle, &e);
    else
        mll_store_last_error((mll_store *)handle, &e);
    if (!handle) e.code = MLL_ERR_INVALID_ARGUMENT;
    message = handle ? e.message : "the handle is not open (no store or run)";
    *sys_errno = e.sys_errno;
    if (cap) {
        size_t n = strlen(message) < cap - 1 ? strlen(message) : cap - 1;
        memcpy(buf, message, n);
        buf[n] = '\0';
    }
    return (int)e.code;
}
