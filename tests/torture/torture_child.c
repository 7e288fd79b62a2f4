/* torture_child: a random program of mlflow_lite calls (seeded), the C side of
   tests/torture/torture.py. It reports on stdout -- one write() per line, so lines from its
   threads never mix and a SIGKILL never tears one -- what the library acknowledged:

     cfg <interval_ms> <flusher 0/1> <threads>       the store's flush settings
     run <thread> <run_id> <experiment_id>            a run was started or reopened
     logged <run_id> <key> <n> <monotonic_ms>         n points of key were taken by then
     ack <run_id> <key> <n>                           mll_flush/mll_end_run returned OK:
                                                      the first n points of key are durable
     param <run_id> <key> <value>                     mll_log_param returned OK
     tag <run_id> <key> <value>                       mll_set_tag returned OK
     art <run_id> <path> <bytes> <fnv1a-64 hex>       mll_log_text returned OK
     model <name> <version> <run_id>                  mll_register_model returned OK
     alias <name> <alias> <version>                   mll_set_model_alias returned OK
     ended <run_id>                                   mll_end_run returned OK
     lost <run_id> <points>                           the library gave points up (reported)
     done                                             every run ended, mll_close returned OK

   Point i of a key is (value v(key, i), step i, timestamp 1700000000000 + i), so the
   checker can tell a point that is missing, doubled, out of order or made up.

   usage: torture_child kill <root> <seed>      runs until SIGKILLed
          torture_child faults <root> <seed>    fs hooks fail at random (ENOSPC, EIO, short
                                                writes, failed links and renames); a bounded
                                                program, then faults off, end, close: "done"
          torture_child resume <root> <seed> <run_id> <key>=<n> ...   reopens each run by id
                                                and continues each key from point n, ends */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

enum { MAX_THREADS = 3, MAX_KEYS = 3, MAX_RUN_KEYS = MAX_THREADS * MAX_KEYS };
/* Model versions a program registers: MLflow's file store reads every version's folder on
   each listing, and the judge lists after every trial (with no cap, a long trial made
   dozens and the judging took most of the stage's time). */
enum { MAX_MODELS = 4 };

static uint64_t mix(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static uint64_t rnd(uint64_t *s) { return *s = mix(*s); }

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("torture_child: FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(3);
}

/* One line, one write(): atomic on a pipe (< PIPE_BUF), never torn by a kill. */
static void say(const char *fmt, ...) {
    char line[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof line - 1) die("ledger line too long");
    line[n++] = '\n';
    if (write(1, line, (size_t)n) != n) _exit(4); /* the reader is gone */
}

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double value_of(const char *key, long i) {
    uint64_t h = 1469598103934665603ULL;
    for (; *key; key++) h = (h ^ (unsigned char)*key) * 1099511628211ULL;
    return (double)(i % 1000) + (double)(h % 97) / 8.0; /* exact in binary and in text */
}

/* ---- fault injection (mode "faults") through the mll_fs hooks -------------------- */
static int g_faults;                 /* 1: hooks fail at random */
static unsigned g_fault_permille;    /* chance per hook call */
static pthread_mutex_t g_fault_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t g_fault_rng;
static long g_faults_injected;

static int fault(void) {
    int f;
    if (!__atomic_load_n(&g_faults, __ATOMIC_ACQUIRE)) return 0;
    pthread_mutex_lock(&g_fault_lock);
    f = rnd(&g_fault_rng) % 1000 < g_fault_permille;
    if (f) g_faults_injected++;
    pthread_mutex_unlock(&g_fault_lock);
    return f;
}
static mll_result fail_with(int e) {
    errno = e;
    return e == ENOSPC ? MLL_ERR_NO_SPACE : MLL_ERR_IO;
}
static int pick_errno(void) { return (mix((uint64_t)g_faults_injected) & 1) ? ENOSPC : EIO; }

static mll_result from_errno(void) {
    switch (errno) {
    case EEXIST: return MLL_ERR_EXISTS;
    case ENOENT: return MLL_ERR_NOT_FOUND;
    case ENOSPC: return MLL_ERR_NO_SPACE;
    case EACCES: return MLL_ERR_PERMISSION;
    case ENAMETOOLONG: return MLL_ERR_PATH_TOO_LONG;
    default: return MLL_ERR_IO;
    }
}
static mll_result h_mkdir(const char *p, void *ud) {
    (void)ud;
    if (fault()) return fail_with(pick_errno());
    return mkdir(p, 0777) == 0 ? MLL_OK : from_errno();
}
static mll_result h_open(const char *p, mll_open_mode m, intptr_t *h, void *ud) {
    int fl = m == MLL_OPEN_READ ? O_RDONLY
           : m == MLL_OPEN_APPEND ? O_WRONLY | O_APPEND | O_CREAT
           : m == MLL_OPEN_CREATE_EXCL ? O_WRONLY | O_CREAT | O_EXCL : O_WRONLY | O_CREAT | O_TRUNC;
    int fd;
    (void)ud;
    if (fault()) return fail_with(pick_errno());
    fd = open(p, fl | O_CLOEXEC, 0666);
    if (fd < 0) return from_errno();
    *h = fd;
    return MLL_OK;
}
static mll_result h_read(intptr_t h, uint64_t off, void *buf, size_t n, size_t *got, void *ud) {
    ssize_t r;
    (void)ud;
    *got = 0;
    if (fault()) return fail_with(EIO);
    r = pread((int)h, buf, n, (off_t)off);
    if (r < 0) return from_errno();
    *got = (size_t)r;
    return MLL_OK;
}
/* A fault here writes a random prefix (maybe mid-line), then fails with ENOSPC or EIO, or
   returns a short count with MLL_OK (the caller must write the rest). */
static mll_result h_write(intptr_t h, const void *buf, size_t n, size_t *written, void *ud) {
    size_t want = n;
    ssize_t r;
    int f = fault(), ok_short = 0;
    (void)ud;
    if (f) {
        uint64_t x = mix((uint64_t)g_faults_injected * 7919u + n);
        want = n ? (size_t)(x % n) : 0;
        ok_short = want > 0 && (x >> 32) % 3 == 0;
    }
    *written = 0;
    while (*written < want) {
        r = write((int)h, (const char *)buf + *written, want - *written);
        if (r < 0) {
            if (errno == EINTR) continue;
            return from_errno();
        }
        *written += (size_t)r;
    }
    if (f && !ok_short) return fail_with(pick_errno());
    return MLL_OK;
}
static mll_result h_sync(intptr_t h, void *ud) {
    (void)ud;
    if (fault()) return fail_with(EIO);
    return fsync((int)h) == 0 ? MLL_OK : from_errno();
}
static mll_result h_truncate(intptr_t h, uint64_t size, void *ud) {
    (void)ud;
    if (fault()) return fail_with(EIO);
    return ftruncate((int)h, (off_t)size) == 0 ? MLL_OK : from_errno();
}
/* close always closes; a fault reports a delayed write error (as NFS does) */
static mll_result h_close(intptr_t h, void *ud) {
    int r = close((int)h);
    (void)ud;
    if (fault()) return fail_with(EIO);
    return r == 0 ? MLL_OK : from_errno();
}
static mll_result h_rename(const char *a, const char *b, void *ud) {
    (void)ud;
    if (fault()) return fail_with(EIO);
    return rename(a, b) == 0 ? MLL_OK : from_errno();
}
static mll_result h_link(const char *a, const char *b, void *ud) {
    (void)ud;
    if (fault()) return fail_with(pick_errno());
    return link(a, b) == 0 ? MLL_OK : from_errno();
}
static mll_result h_remove(const char *p, void *ud) {
    (void)ud;
    if (fault()) return fail_with(EIO);
    return remove(p) == 0 ? MLL_OK : from_errno();
}
static mll_result h_stat(const char *p, mll_stat *st, void *ud) {
    struct stat sb;
    (void)ud;
    memset(st, 0, sizeof(*st));
    if (fault()) return fail_with(EIO);
    if (stat(p, &sb) != 0) return errno == ENOENT || errno == ENOTDIR ? MLL_OK : from_errno();
    st->exists = 1;
    st->is_dir = S_ISDIR(sb.st_mode);
    st->size = (uint64_t)sb.st_size;
    return MLL_OK;
}
static mll_result h_list(const char *dir, mll_list_fn fn, void *ctx, void *ud) {
    DIR *d;
    struct dirent *e;
    (void)ud;
    if (fault()) return fail_with(EIO);
    d = opendir(dir);
    if (!d) return from_errno();
    while ((e = readdir(d)) != NULL) {
        char full[4200];
        struct stat sb;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (fn(e->d_name, stat(full, &sb) == 0 && S_ISDIR(sb.st_mode), ctx)) break;
    }
    closedir(d);
    return MLL_OK;
}

/* ---- the program ------------------------------------------------------------------ */
typedef struct worker {
    int id;
    uint64_t rng;
    mll_store *store;
    mll_run *run;
    char run_id[260]; /* as mll_run_id() may return (a reopened run id up to 256) */
    int owns_run;  /* the only thread on its run: may end and reopen it */
    int nkeys;
    char keys[MAX_RUN_KEYS][32]; /* MAX_KEYS of its own; a resumed run has all its threads' */
    long count[MAX_RUN_KEYS];    /* points taken */
    long ops;             /* 0: until killed */
    long params, tags, arts, models;
    int faults;
} worker;

static int taken(mll_result r) {
    /* refused, nothing buffered: see the manual's ERRORS section */
    return r == MLL_OK || !(r == MLL_ERR_BUFFER_FULL || r == MLL_ERR_NO_MEMORY || r == MLL_ERR_RUN_ENDED ||
                            r == MLL_ERR_INVALID_ARGUMENT || r == MLL_ERR_INVALID_KEY || r == MLL_ERR_INVALID_UTF8 ||
                            r == MLL_ERR_VALUE_TOO_LONG || r == MLL_ERR_INVALID_VALUE ||
                            r == MLL_ERR_PATH_TOO_LONG);
}

/* In "kill" mode every call must succeed; in "faults" mode write errors are expected. */
static void expect(worker *w, mll_result r, const char *what) {
    if (r != MLL_OK && !w->faults) die("thread %d: %s: %s", w->id, what, mll_strerror(r));
}

static void ack_all(worker *w) {
    int k;
    for (k = 0; k < w->nkeys; k++) say("ack %s %s %ld", w->run_id, w->keys[k], w->count[k]);
}

static void log_one(worker *w, int k) {
    long i = w->count[k];
    mll_result r = mll_log_metric_at(w->run, w->keys[k], value_of(w->keys[k], i), i, 1700000000000LL + i);
    expect(w, r, "log metric");
    if (taken(r)) {
        w->count[k]++;
        if (w->count[k] % 50 == 0) say("logged %s %s %ld %lld", w->run_id, w->keys[k], w->count[k], (long long)mono_ms());
    }
}

static void log_batch(worker *w) {
    mll_metric m[16];
    long next[MAX_RUN_KEYS];
    int n = 1 + (int)(rnd(&w->rng) % 16), j, k;
    mll_result r;
    memcpy(next, w->count, sizeof next);
    for (j = 0; j < n; j++) {
        k = (int)(rnd(&w->rng) % (uint64_t)w->nkeys);
        m[j].key = w->keys[k];
        m[j].value = value_of(w->keys[k], next[k]);
        m[j].step = next[k];
        m[j].timestamp_ms = 1700000000000LL + next[k];
        next[k]++;
    }
    r = mll_log_metrics(w->run, m, (size_t)n);
    expect(w, r, "log metrics");
    if (taken(r)) { /* a batch is taken whole or not at all */
        memcpy(w->count, next, sizeof next);
        for (k = 0; k < w->nkeys; k++) say("logged %s %s %ld %lld", w->run_id, w->keys[k], w->count[k], (long long)mono_ms());
    }
}

static void flush_ack(worker *w) {
    mll_result r = mll_flush(w->run);
    expect(w, r, "flush");
    if (r == MLL_OK) ack_all(w);
}

static void param(worker *w) {
    char key[48], val[32];
    mll_result r;
    snprintf(key, sizeof key, "p/t%d/%ld", w->id, w->params);
    snprintf(val, sizeof val, "%ld", w->params * 7);
    r = mll_log_param(w->run, key, val);
    expect(w, r, "log param");
    if (r == MLL_OK) say("param %s %s %s", w->run_id, key, val);
    if (r == MLL_OK || !w->faults) w->params++; /* a failed param is tried again, same value */
}

static void tag(worker *w) {
    char key[32], val[32];
    mll_result r;
    snprintf(key, sizeof key, "tag/t%d", w->id);
    snprintf(val, sizeof val, "%ld", ++w->tags);
    r = mll_set_tag(w->run, key, val);
    expect(w, r, "set tag");
    if (r == MLL_OK) say("tag %s %s %s", w->run_id, key, val);
}

static void artifact(worker *w) {
    char path[64], text[600];
    size_t n = 1 + (size_t)(rnd(&w->rng) % (sizeof text - 1)), i;
    uint64_t h = 1469598103934665603ULL;
    mll_result r;
    for (i = 0; i < n; i++) {
        text[i] = (char)('a' + (w->arts + (long)i) % 26);
        h = (h ^ (unsigned char)text[i]) * 1099511628211ULL;
    }
    text[n] = '\0';
    snprintf(path, sizeof path, "a/t%d/%ld.txt", w->id, w->arts++);
    r = mll_log_text(w->run, text, path);
    expect(w, r, "log text");
    if (r == MLL_OK) say("art %s %s %lu %016llx", w->run_id, path, (unsigned long)n, (unsigned long long)h);
}

static void registry(worker *w) {
    int v = 0;
    mll_result r = mll_register_model(w->run, "model", "tmodel", &v);
    w->models++;
    expect(w, r, "register model");
    if (r != MLL_OK) return;
    say("model tmodel %d %s", v, w->run_id);
    if (rnd(&w->rng) % 2) {
        r = mll_set_model_alias(w->store, "tmodel", "champion", v);
        expect(w, r, "set alias");
        if (r == MLL_OK) say("alias tmodel champion %d", v);
    }
}

static void start(worker *w, const char *run_id) {
    mll_run_desc rd = {0};
    mll_result r;
    rd.experiment_name = w->id % 2 ? "torture-b" : "torture-a";
    rd.run_id = run_id;
    do {
        r = mll_start_run(&w->run, w->store, &rd);
        if (r != MLL_OK && !w->faults) die("thread %d: start run: %s", w->id, mll_strerror(r));
    } while (r != MLL_OK);
    snprintf(w->run_id, sizeof w->run_id, "%s", mll_run_id(w->run));
    say("run %d %s %s", w->id, w->run_id, mll_run_experiment_id(w->run));
}

/* Ends the run (retried while faults make it fail: it stays open and keeps its points). */
static void end(worker *w) {
    mll_result r;
    int tries = 0;
    while ((r = mll_end_run(w->run, MLL_RUN_FINISHED)) != MLL_OK) {
        if (r == MLL_ERR_POINTS_DROPPED) {
            mll_error e;
            unsigned long long lost = 0;
            const char *note;
            mll_store_last_error(w->store, &e);
            note = strstr(e.message, "; ");
            if (!note || sscanf(note + 2, "%llu points", &lost) != 1) die("no count in '%s'", e.message);
            say("lost %s %llu", w->run_id, lost);
            return;
        }
        if (!w->faults || ++tries > 1000) die("thread %d: end run: %s", w->id, mll_strerror(r));
    }
    ack_all(w);
    say("ended %s", w->run_id);
}

static void step(worker *w) {
    unsigned op = (unsigned)(rnd(&w->rng) % 100);
    if (op < 70) log_one(w, (int)(rnd(&w->rng) % (uint64_t)w->nkeys));
    else if (op < 80) log_batch(w);
    else if (op < 85) flush_ack(w);
    else if (op < 88) param(w);
    else if (op < 90) tag(w);
    else if (op < 92) artifact(w);
    else if (op < 93 && w->id == 0 && w->models < MAX_MODELS) registry(w);
    else if (op < 94 && w->owns_run) { /* end it and keep logging into it after a reopen */
        char id[sizeof w->run_id];
        end(w);
        snprintf(id, sizeof id, "%s", w->run_id);
        start(w, id);
    } else if (op >= 96) {
        struct timespec ts = {0, (long)(rnd(&w->rng) % 2000000)}; /* a training step */
        nanosleep(&ts, NULL);
    }
}

static void *worker_main(void *arg) {
    worker *w = (worker *)arg;
    long n;
    for (n = 0; w->ops == 0 || n < w->ops; n++) step(w);
    return NULL;
}

static mll_store *open_store(const char *root, uint64_t *rng, int faults) {
    static const int intervals[] = {1, 5, 20, 100, 0};
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_result r;
    sd.root = root;
    sd.ignore_env = 1;
    sd.flush_interval_ms = intervals[rnd(rng) % 5];
    sd.buffer_bytes = (size_t[]){4096, 65536, 0}[rnd(rng) % 3];
    sd.no_flush_thread = rnd(rng) % 5 == 0;
    sd.durability = rnd(rng) % 10 == 0 ? MLL_DURABILITY_FSYNC : MLL_DURABILITY_DEFAULT;
    sd.precise_timestamps = (int)(rnd(rng) % 2);
    if (faults) {
        sd.max_pending_bytes = (size_t[]){8192, 1 << 16, 0}[rnd(rng) % 3];
        sd.fs.mkdir = h_mkdir, sd.fs.open = h_open, sd.fs.read = h_read, sd.fs.write = h_write;
        sd.fs.sync = h_sync, sd.fs.truncate = h_truncate, sd.fs.close = h_close, sd.fs.rename = h_rename;
        sd.fs.link = h_link, sd.fs.remove = h_remove, sd.fs.stat = h_stat, sd.fs.list = h_list;
    }
    if ((r = mll_open(&st, &sd)) != MLL_OK) die("mll_open: %s", mll_strerror(r));
    say("cfg %d %d", sd.flush_interval_ms ? sd.flush_interval_ms : 1000, !sd.no_flush_thread);
    return st;
}

static int run_program(const char *mode, const char *root, uint64_t seed) {
    uint64_t rng = mix(seed);
    int faults = strcmp(mode, "faults") == 0;
    int nthreads = 1 + (int)(rnd(&rng) % MAX_THREADS), nruns = 1 + (int)(rnd(&rng) % (uint64_t)nthreads), t, k;
    worker w[MAX_THREADS];
    pthread_t th[MAX_THREADS];
    mll_store *st = open_store(root, &rng, faults);
    mll_result r;
    memset(w, 0, sizeof w);
    for (t = 0; t < nthreads; t++) {
        w[t].id = t;
        w[t].rng = mix(seed ^ (uint64_t)(t + 1) * 0x5851F42D4C957F2DULL);
        w[t].store = st;
        w[t].faults = faults;
        w[t].ops = faults ? 300 + (long)(rnd(&rng) % 3000) : 0;
        w[t].owns_run = t < nruns && (t + nruns >= nthreads); /* no other thread maps to it */
        w[t].nkeys = 1 + (int)(rnd(&rng) % MAX_KEYS);
        for (k = 0; k < w[t].nkeys; k++)
            snprintf(w[t].keys[k], sizeof w[t].keys[k], rnd(&rng) % 2 ? "n/t%d/k%d" : "t%d_k%d", t, k);
    }
    if (faults) { /* the program starts on a sound disk, then the disk turns bad */
        g_fault_rng = mix(seed ^ 0xFA17);
        g_fault_permille = 5 + (unsigned)(rnd(&rng) % 120);
    }
    for (t = 0; t < nruns; t++) start(&w[t], NULL);
    for (t = nruns; t < nthreads; t++) { /* threads sharing a run */
        w[t].run = w[t % nruns].run;
        memcpy(w[t].run_id, w[t % nruns].run_id, sizeof w[t].run_id);
    }
    if (faults) __atomic_store_n(&g_faults, 1, __ATOMIC_RELEASE);
    for (t = 0; t < nthreads; t++) pthread_create(&th[t], NULL, worker_main, &w[t]);
    for (t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
    __atomic_store_n(&g_faults, 0, __ATOMIC_RELEASE); /* the disk is sound again */
    for (t = 0; t < nthreads; t++) { /* every thread's points are durable: ack them */
        if (mll_flush(w[t].run) != MLL_OK) die("final flush");
        ack_all(&w[t]);
    }
    for (t = 0; t < nruns; t++) end(&w[t]);
    if ((r = mll_close(st)) != MLL_OK) die("mll_close: %s", mll_strerror(r));
    fprintf(stderr, "torture_child: %ld faults injected\n", g_faults_injected);
    say("done");
    return 0;
}

/* resume <root> <seed> <run_id> <key>=<n> ... [<run_id> <key>=<n> ...]: continues runs
   after a kill, each key from the point count MLflow read back. */
static int run_resume(const char *root, uint64_t seed, int argc, char **argv) {
    uint64_t rng = mix(seed);
    mll_store *st = open_store(root, &rng, 0);
    int i = 0;
    while (i < argc) {
        worker w;
        int k;
        memset(&w, 0, sizeof w);
        w.store = st;
        start(&w, argv[i++]);
        for (; i < argc && strchr(argv[i], '='); i++) {
            char *eq = strchr(argv[i], '=');
            if (w.nkeys == MAX_RUN_KEYS || (size_t)(eq - argv[i]) >= sizeof w.keys[0]) die("resume args");
            memcpy(w.keys[w.nkeys], argv[i], (size_t)(eq - argv[i]));
            w.count[w.nkeys++] = atol(eq + 1);
        }
        for (k = 0; k < w.nkeys; k++) {
            long n = 1 + (long)(rnd(&rng) % 300);
            while (n--) log_one(&w, k);
        }
        end(&w);
    }
    if (mll_close(st) != MLL_OK) die("mll_close");
    say("done");
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 4 && (strcmp(argv[1], "kill") == 0 || strcmp(argv[1], "faults") == 0))
        return run_program(argv[1], argv[2], strtoull(argv[3], NULL, 10));
    if (argc >= 4 && strcmp(argv[1], "resume") == 0)
        return run_resume(argv[2], strtoull(argv[3], NULL, 10), argc - 4, argv + 4);
    fprintf(stderr, "usage: torture_child kill|faults <root> <seed> | resume <root> <seed> <run_id> <key>=<n>...\n");
    return 2;
}
