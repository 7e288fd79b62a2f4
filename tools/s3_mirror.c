/* tools/s3_mirror.c — `mlflow-lite sync SRC s3://bucket/prefix`; the plan
 * and its execution are described in s3_mirror.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "s3_mirror.h"
#include "exitcodes.h"
#include "msgs.h"
#include "s3.h"
#include "s3_record.h"
#include "s3_util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

enum { ACT_SKIP = 0, ACT_UPLOAD = 1, ACT_CHECK = 2, ACT_HEAD = 3 };

/* Up to this many files whose record is missing or stale are checked with
   one HEAD each; above it, one listing of the prefix is cheaper. */
#define MIR_HEAD_MAX 64

typedef struct mfile {
    char *rel, *key;
    long long size, mtime_ns;
    const char *remote_etag;   /* the bucket's ETag (listing or HEAD), NULL if absent */
    char head_etag[80];        /* ETag from a HEAD (ACT_HEAD) */
    int action, done, failed, uploaded;
    char etag[80];             /* what the bucket holds now, for the record */
} mfile;

typedef struct robj {
    char *key;
    long long size;
    char etag[80];
    int matched;
} robj;

typedef struct mirror {
    const struct s3_mirror_opts *o;
    const char *src;
    char *bucket, *prefix;     /* prefix ends with '/' unless empty */
    s3_client *c;
    mfile *f; size_t nf, capf;
    robj *r; size_t nr, capr;
    s3rec rec;
    size_t *tasks; size_t ntasks, next;
    int stop;                  /* a fatal error (credentials): stop handing out work */
    int exit_code;
    pthread_mutex_t mu;
    long long bytes, uploaded, unchanged, deleted, failed, checked;
} mirror;

/* ---- walk ---------------------------------------------------------------- */

static int mir_add_file(mirror *m, const char *rel, const struct stat *st)
{
    mfile *x;
    size_t klen;
    if (m->nf == m->capf) {
        size_t nc = m->capf ? 2 * m->capf : 1024;
        mfile *p = realloc(m->f, nc * sizeof *p);
        if (!p) return -1;
        m->f = p;
        m->capf = nc;
    }
    x = &m->f[m->nf];
    memset(x, 0, sizeof *x);
    x->rel = strdup(rel);
    klen = strlen(m->prefix) + strlen(rel) + 1;
    x->key = malloc(klen);
    if (!x->rel || !x->key) {
        free(x->rel);
        free(x->key);
        return -1;
    }
    snprintf(x->key, klen, "%s%s", m->prefix, rel);
    x->size = (long long)st->st_size;
    x->mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL + (long long)st->st_mtim.tv_nsec;
    m->nf++;
    return 0;
}

/* rel: "" for SRC itself, else "a/b" (no leading or trailing '/'). */
static int mir_walk(mirror *m, const char *rel)
{
    char path[2 * PATH_MAX + 2], child[PATH_MAX];
    DIR *d;
    struct dirent *de;
    int rc = 0;

    snprintf(path, sizeof path, "%s%s%s", m->src, rel[0] ? "/" : "", rel);
    d = opendir(path);
    if (!d) {
        errorf(EXIT_SOURCE, "cannot read the folder %s: %s: check the path and its permissions", path,
               strerror(errno));
        return -1;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        struct stat st;
        char full[2 * PATH_MAX + 2];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        /* local sync state of this tool at the root is not part of the store */
        if (!rel[0] && strncmp(de->d_name, ".mlflow-lite-", 13) == 0) continue;
        if ((size_t)snprintf(child, sizeof child, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name) >= sizeof child)
            continue;
        if ((size_t)snprintf(full, sizeof full, "%s/%s", m->src, child) >= sizeof full) continue;
        if (lstat(full, &st) != 0) {
            warnf("skipping %s: %s", full, strerror(errno));
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = mir_walk(m, child);
        } else if (S_ISLNK(st.st_mode)) {
            if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) rc = mir_add_file(m, child, &st);
            else verbosef("not following the symbolic link %s", full);
        } else if (S_ISREG(st.st_mode)) {
            rc = mir_add_file(m, child, &st);
        }
    }
    closedir(d);
    if (rc != 0 && errno == ENOMEM) errorf(EXIT_FAILED, "out of memory while walking %s", m->src);
    return rc;
}

/* ---- remote listing ------------------------------------------------------ */

static int mir_list_cb(void *ud, const s3_object *o)
{
    mirror *m = ud;
    robj *x;
    if (m->nr == m->capr) {
        size_t nc = m->capr ? 2 * m->capr : 1024;
        robj *p = realloc(m->r, nc * sizeof *p);
        if (!p) return 1;
        m->r = p;
        m->capr = nc;
    }
    x = &m->r[m->nr];
    x->key = strdup(o->key);
    if (!x->key) return 1;
    x->size = o->size;
    snprintf(x->etag, sizeof x->etag, "%s", o->etag ? o->etag : "");
    x->matched = 0;
    m->nr++;
    return 0;
}

static int mir_robj_cmp(const void *a, const void *b)
{
    return strcmp(((const robj *)a)->key, ((const robj *)b)->key);
}

static robj *mir_remote_find(mirror *m, const char *key)
{
    robj k;
    if (!m->nr) return NULL;
    k.key = (char *)(uintptr_t)key;
    return bsearch(&k, m->r, m->nr, sizeof k, mir_robj_cmp);
}

/* ---- errors -------------------------------------------------------------- */

static int mir_exit_for(const s3_err *e)
{
    if (e->status == 401 || e->status == 403 || strcmp(e->code, "InvalidToken") == 0 ||
        strcmp(e->code, "ExpiredToken") == 0 || strcmp(e->code, "TokenRefreshRequired") == 0)
        return EXIT_AUTH;
    if (e->status == 0 && e->curl_code != CURLE_OK) return EXIT_CONNECT;
    if (e->status) return EXIT_REJECTED;
    return EXIT_PARTIAL;
}

static void mir_report(mirror *m, const char *what, const s3_err *e)
{
    char why[768];
    int code = mir_exit_for(e);
    if ((code == EXIT_AUTH || code == EXIT_CONNECT) && __atomic_load_n(&m->stop, __ATOMIC_RELAXED))
        return;  /* the same refusal from requests already in flight: said once */
    s3_err_format(e, why, sizeof why);
    errorf(code, "%s: %s: %s", what, why, s3_err_hint(e));
    pthread_mutex_lock(&m->mu);
    if (code == EXIT_AUTH || code == EXIT_CONNECT) __atomic_store_n(&m->stop, 1, __ATOMIC_RELAXED);
    if (m->exit_code == EXIT_OK || code == EXIT_AUTH) m->exit_code = code;
    pthread_mutex_unlock(&m->mu);
}

/* ---- work ---------------------------------------------------------------- */

static const char *mir_content_type(const char *rel)
{
    static const char *const map[][2] = {
        {".json", "application/json"}, {".yaml", "application/x-yaml"}, {".yml", "application/x-yaml"},
        {".txt", "text/plain"},        {".csv", "text/csv"},            {".html", "text/html"},
        {".png", "image/png"},         {".jpg", "image/jpeg"},          {".jpeg", "image/jpeg"},
        {".svg", "image/svg+xml"},     {".pkl", "application/octet-stream"}};
    const char *dot = strrchr(rel, '.');
    size_t i;
    if (!dot || strchr(dot, '/')) return NULL;
    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(dot, map[i][0]) == 0) return map[i][1];
    return NULL;
}

/* One file could not be checked or sent: say why, and count it. */
static void mir_file_failed(mirror *m, mfile *x, const char *what, const s3_err *e)
{
    mir_report(m, what, e);
    x->failed = 1;
    pthread_mutex_lock(&m->mu);
    m->failed++;
    pthread_mutex_unlock(&m->mu);
}

static void mir_do_file(mirror *m, mfile *x)
{
    char path[2 * PATH_MAX + 2], what[PATH_MAX + 64];
    s3_put_result res;
    s3_err err;

    snprintf(path, sizeof path, "%s/%s", m->src, x->rel);
    if (x->action == ACT_HEAD) {
        long long rsize = -1;
        int h = s3_head(m->c, m->bucket, x->key, &rsize, x->head_etag, &err);
        if (h < 0) {
            snprintf(what, sizeof what, "checking s3://%s/%s", m->bucket, x->key);
            mir_file_failed(m, x, what, &err);
            return;
        }
        x->action = (h == 0 && rsize == x->size) ? ACT_CHECK : ACT_UPLOAD;
        x->remote_etag = h == 0 ? x->head_etag : NULL;
    }
    if (x->action == ACT_CHECK) {
        char want[80];
        if (s3_expected_etag(m->c, path, x->size, want, sizeof want) == 0 && x->remote_etag &&
            strcmp(want, x->remote_etag) == 0) {
            snprintf(x->etag, sizeof x->etag, "%s", want);
            x->done = 1;
            s3rec_append(&m->rec, x->rel, x->size, x->mtime_ns, x->etag);
            pthread_mutex_lock(&m->mu);
            m->unchanged++;
            m->checked++;
            pthread_mutex_unlock(&m->mu);
            return;
        }
        x->action = ACT_UPLOAD;
    }
    if (m->o->dry_run) {
        notef("would upload %s (%lld bytes)", x->rel, x->size);
        pthread_mutex_lock(&m->mu);
        m->uploaded++;
        m->bytes += x->size;
        pthread_mutex_unlock(&m->mu);
        return;
    }
    if (s3_put_file(m->c, m->bucket, x->key, path, x->size, mir_content_type(x->rel), &res, &err) != 0) {
        struct stat st;
        if (err.definite && stat(path, &st) != 0 && errno == ENOENT) {
            /* removed since the walk (a writer's temporary file): nothing to mirror */
            verbosef("%s vanished before it was sent; skipped", x->rel);
            return;
        }
        snprintf(what, sizeof what, "uploading %s", x->rel);
        mir_file_failed(m, x, what, &err);
        return;
    }
    snprintf(x->etag, sizeof x->etag, "%s", res.etag);
    x->done = x->uploaded = 1;
    if (s3rec_append(&m->rec, x->rel, x->size, x->mtime_ns, x->etag) != 0)
        warnf("cannot append to the record %s: %s", m->rec.path, strerror(errno));
    if (res.multipart)
        verbosef("uploaded %s: %d parts (%d sent, %d kept from an interrupted upload)", x->rel, res.parts_total,
                 res.parts_sent, res.parts_reused);
    else
        verbosef("uploaded %s (%lld bytes)", x->rel, x->size);
    pthread_mutex_lock(&m->mu);
    m->uploaded++;
    m->bytes += res.bytes_sent;
    pthread_mutex_unlock(&m->mu);
}

static void mir_delete_failed(void *ud, const char *key, const char *code, const char *msg)
{
    mirror *m = ud;
    errorf(EXIT_REJECTED, "deleting s3://%s/%s: %s%s%s: run again with --verbose", m->bucket, key,
           code[0] ? code : "refused", msg[0] ? ": " : "", msg);
    pthread_mutex_lock(&m->mu);
    m->failed++;
    m->deleted--;
    if (m->exit_code == EXIT_OK) m->exit_code = EXIT_REJECTED;
    pthread_mutex_unlock(&m->mu);
}

/* --delete: the listed objects no local file matched, by DeleteObjects */
static void mir_delete_extra(mirror *m)
{
    const char **keys = malloc((m->nr + 1) * sizeof *keys);
    size_t i, n = 0;
    s3_err err;
    char what[512];
    if (!keys) {
        errorf(EXIT_FAILED, "out of memory planning the deletions");
        m->exit_code = EXIT_FAILED;
        return;
    }
    for (i = 0; i < m->nr; i++)
        if (!m->r[i].matched) keys[n++] = m->r[i].key;
    verbosef("%zu objects under the prefix have no local file", n);
    for (i = 0; m->o->dry_run && i < n; i++) notef("would delete s3://%s/%s", m->bucket, keys[i]);
    m->deleted += (long long)n;
    if (n && !m->o->dry_run && s3_delete_many(m->c, m->bucket, keys, n, mir_delete_failed, m, &err) != 0) {
        snprintf(what, sizeof what, "deleting extra objects under s3://%s/%s", m->bucket, m->prefix);
        mir_report(m, what, &err);
        m->deleted = 0;
        m->failed += (long long)n;
    }
    free(keys);
}

/* tasks[i]: index of a file to check or send */
static void *mir_worker(void *arg)
{
    mirror *m = arg;
    for (;;) {
        size_t t;
        pthread_mutex_lock(&m->mu);
        if (m->stop || m->next >= m->ntasks) {
            pthread_mutex_unlock(&m->mu);
            return NULL;
        }
        t = m->tasks[m->next++];
        pthread_mutex_unlock(&m->mu);
        mir_do_file(m, &m->f[t]);
    }
}

static void mir_run_pool(mirror *m, int nthreads)
{
    pthread_t th[64];
    int i, n = nthreads > 64 ? 64 : nthreads;
    if ((size_t)n > m->ntasks) n = (int)m->ntasks;
    m->next = 0;
    for (i = 0; i < n; i++)
        if (pthread_create(&th[i], NULL, mir_worker, m) != 0) break;
    if (i == 0) mir_worker(m);
    n = i;
    for (i = 0; i < n; i++) pthread_join(th[i], NULL);
}

/* ---- state location ------------------------------------------------------ */

static char *mir_state_path(const mirror *m, const char *dest_url)
{
    char real[PATH_MAX], buf[PATH_MAX + 128], id[65];
    const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    const aws_config *cfg = s3_client_config(m->c);
    char *key;
    size_t n;
    if (!realpath(m->src, real)) snprintf(real, sizeof real, "%s", m->src);
    n = strlen(real) + strlen(dest_url) + (cfg->endpoint_url ? strlen(cfg->endpoint_url) : 0) + 8;
    key = malloc(n);
    if (!key) return NULL;
    snprintf(key, n, "%s\n%s\n%s", real, dest_url, cfg->endpoint_url ? cfg->endpoint_url : "aws");
    s3u_sha256_hex(key, strlen(key), id);
    free(key);
    id[24] = '\0';
    if (base && base[0] == '/') snprintf(buf, sizeof buf, "%s/mlflow-lite/s3/%s.tsv", base, id);
    else snprintf(buf, sizeof buf, "%s/.local/state/mlflow-lite/s3/%s.tsv", home && *home ? home : "/tmp", id);
    return strdup(buf);
}

/* ---- main ---------------------------------------------------------------- */

static double mir_now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* JSON string body of s (quotes, backslashes and control bytes escaped). */
static void mir_json_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
}

static void mir_summary(mirror *m, const char *dest_url, double secs)
{
    long long reqs = http_total_requests();
    if (m->o->json) {
        fputs("{\"src\":\"", stdout);
        mir_json_str(stdout, m->src);
        fputs("\",\"dest\":\"", stdout);
        mir_json_str(stdout, dest_url);
        printf("\",\"dry_run\":%s,\"files\":%zu,\"uploaded\":%lld,\"unchanged\":%lld,\"hashed\":%lld,"
               "\"deleted\":%lld,\"failed\":%lld,\"bytes_sent\":%lld,\"requests\":%lld,\"seconds\":%.3f,"
               "\"exit_code\":%d}\n",
               m->o->dry_run ? "true" : "false", m->nf, m->uploaded, m->unchanged, m->checked, m->deleted, m->failed,
               m->bytes, reqs, secs, m->exit_code);
    } else {
        printf("%s %s to %s: %lld uploaded (%lld bytes), %lld unchanged, %lld deleted, %lld failed, "
               "%lld requests, %.2f s\n",
               m->o->dry_run ? "dry run:" : "synced", m->src, dest_url, m->uploaded, m->bytes, m->unchanged,
               m->deleted, m->failed, reqs, secs);
    }
    fflush(stdout);
}

static void mir_free(mirror *m)
{
    size_t i;
    for (i = 0; i < m->nf; i++) {
        free(m->f[i].rel);
        free(m->f[i].key);
    }
    for (i = 0; i < m->nr; i++) free(m->r[i].key);
    free(m->f);
    free(m->r);
    free(m->tasks);
    free(m->bucket);
    free(m->prefix);
    s3rec_free(&m->rec);
    s3_client_free(m->c);
    pthread_mutex_destroy(&m->mu);
}

static void *mir_large_files(void *arg)
{
    mirror *m = arg;
    size_t i;
    for (i = 0; i < m->nf && !__atomic_load_n(&m->stop, __ATOMIC_RELAXED); i++) {
        mfile *x = &m->f[i];
        if (x->action == ACT_SKIP || s3_part_size_for(m->c, x->size, NULL) == 0) continue;
        mir_do_file(m, x);
    }
    return NULL;
}

static int mir_plan_and_run(mirror *m)
{
    s3_err err;
    size_t i, nstale = 0;
    int use_list, big_started;
    pthread_t big;
    char what[512];

    /* 1: local files; 3: which of them the record knows unchanged */
    if (mir_walk(m, "") != 0) return m->exit_code = EXIT_SOURCE;
    m->tasks = malloc((m->nf + 1) * sizeof *m->tasks);
    if (!m->tasks) {
        errorf(EXIT_FAILED, "out of memory planning the sync");
        return m->exit_code = EXIT_FAILED;
    }
    for (i = 0; i < m->nf; i++) {
        const s3rec_entry *e = s3rec_find(&m->rec, m->f[i].rel);
        if (!(e && e->size == m->f[i].size && e->mtime_ns == m->f[i].mtime_ns && e->etag[0])) nstale++;
    }

    /* 2: the bucket's view, by one listing unless few files need a look */
    use_list = m->o->verify || m->o->delete_extra || nstale > MIR_HEAD_MAX;
    if (use_list) {
        if (s3_list(m->c, m->bucket, m->prefix, mir_list_cb, m, &err) != 0) {
            snprintf(what, sizeof what, "listing s3://%s/%s", m->bucket, m->prefix);
            mir_report(m, what, &err);
            return m->exit_code;
        }
        if (m->nr > 1) qsort(m->r, m->nr, sizeof *m->r, mir_robj_cmp);
        verbosef("%zu local files (%zu without a fresh record), %zu objects under s3://%s/%s", m->nf, nstale, m->nr,
                 m->bucket, m->prefix);
    } else {
        verbosef("%zu local files, %zu without a fresh record: checked by HEAD, no listing", m->nf, nstale);
    }

    /* 4: decide per file */
    for (i = 0; i < m->nf; i++) {
        mfile *x = &m->f[i];
        const s3rec_entry *e = s3rec_find(&m->rec, x->rel);
        int fresh = e && e->size == x->size && e->mtime_ns == x->mtime_ns && e->etag[0];
        if (!use_list) {
            if (fresh) {
                x->action = ACT_SKIP;
                snprintf(x->etag, sizeof x->etag, "%s", e->etag);
                x->done = 1;
                m->unchanged++;
            } else {
                x->action = ACT_HEAD;
            }
            continue;
        }
        {
            robj *r = mir_remote_find(m, x->key);
            if (r) r->matched = 1;
            if (!r || r->size != x->size) {
                x->action = ACT_UPLOAD;
            } else if (fresh && strcmp(e->etag, r->etag) == 0) {
                x->action = ACT_SKIP;
                snprintf(x->etag, sizeof x->etag, "%s", r->etag);
                x->done = 1;
                m->unchanged++;
            } else {
                x->action = ACT_CHECK;  /* no or stale record: compare the bytes' MD5 with the ETag */
                x->remote_etag = r->etag;
            }
        }
    }

    /* 5a: small files (single PUT) in the pool */
    m->ntasks = 0;
    for (i = 0; i < m->nf; i++)
        if (m->f[i].action != ACT_SKIP && s3_part_size_for(m->c, m->f[i].size, NULL) == 0) m->tasks[m->ntasks++] = i;
    verbosef("%zu small files to check or send", m->ntasks);
    /* 5b runs beside 5a: large files one at a time, parts in parallel
       inside s3_put_file, while the pool sends the small ones */
    big_started = pthread_create(&big, NULL, mir_large_files, m) == 0;
    mir_run_pool(m, m->o->jobs > 0 ? m->o->jobs : S3_DEFAULT_JOBS);
    if (big_started) pthread_join(big, NULL);
    else mir_large_files(m);
    /* 6: only after every upload, so a failed run never deletes first */
    if (m->o->delete_extra && !m->stop) mir_delete_extra(m);
    if (m->failed && m->exit_code == EXIT_OK) m->exit_code = EXIT_PARTIAL;
    if (m->failed && m->exit_code == EXIT_REJECTED && m->uploaded) m->exit_code = EXIT_PARTIAL;
    return m->exit_code;
}

int s3_mirror_run(const char *src_dir, const char *dest_url, const struct s3_mirror_opts *opts)
{
    static const struct s3_mirror_opts defaults;
    mirror m;
    s3_client_opts co;
    char err[512], desc[512], *state = NULL;
    struct stat st;
    double t0 = mir_now();
    size_t n;

    memset(&m, 0, sizeof m);
    pthread_mutex_init(&m.mu, NULL);
    m.o = opts ? opts : &defaults;
    m.src = src_dir;
    if (s3_parse_url(dest_url, &m.bucket, &m.prefix) != 0) {
        errorf(EXIT_USAGE, "bad destination '%s': expected s3://bucket[/prefix]", dest_url);
        mir_free(&m);
        return EXIT_USAGE;
    }
    n = strlen(m.prefix);
    if (n && m.prefix[n - 1] != '/') {
        char *p = realloc(m.prefix, n + 2);
        if (!p) {
            mir_free(&m);
            return EXIT_FAILED;
        }
        m.prefix = p;
        m.prefix[n] = '/';
        m.prefix[n + 1] = '\0';
    }
    if (stat(src_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errorf(EXIT_SOURCE, "cannot read the source folder %s: %s: give the path of an mlruns folder", src_dir,
               errno ? strerror(errno) : "not a folder");
        mir_free(&m);
        return EXIT_SOURCE;
    }
    memset(&co, 0, sizeof co);
    co.jobs = m.o->jobs;
    m.c = s3_client_new_from_env(m.o->http, &co, err, sizeof err);
    if (!m.c) {
        errorf(EXIT_CONFIG, "S3 configuration: %s", err);
        mir_free(&m);
        return EXIT_CONFIG;
    }
    aws_config_describe(s3_client_config(m.c), desc, sizeof desc);
    verbosef("S3: %s", desc);

    state = m.o->state_path ? strdup(m.o->state_path) : mir_state_path(&m, dest_url);
    if (!state || s3rec_load(&m.rec, state) != 0) {
        errorf(EXIT_STATE, "cannot read the mirror record %s: %s: remove it to rebuild it from the bucket",
               state ? state : "?", strerror(errno));
        free(state);
        mir_free(&m);
        return EXIT_STATE;
    }
    verbosef("mirror record: %s (%zu entries)", state, m.rec.n);
    free(state);
    if (!m.o->dry_run && s3rec_open_journal(&m.rec) != 0) {
        if (errno == EBUSY)
            errorf(EXIT_STATE, "another mlflow-lite sync of %s to %s is running (it holds %s): wait for it to end",
                   src_dir, dest_url, m.rec.path);
        else
            errorf(EXIT_STATE, "cannot write the mirror record %s: %s: check the folder or pass --state FILE",
                   m.rec.path, strerror(errno));
        mir_free(&m);
        return EXIT_STATE;
    }

    mir_plan_and_run(&m);

    if (!m.o->dry_run && m.exit_code != EXIT_SOURCE && m.nf) {
        /* compact: every file the bucket now holds as we have it */
        s3rec_entry *v = calloc(m.nf, sizeof *v);
        size_t i, k = 0;
        if (v) {
            for (i = 0; i < m.nf; i++) {
                const s3rec_entry *old = s3rec_find(&m.rec, m.f[i].rel);
                if (m.f[i].done && m.f[i].etag[0]) {
                    v[k].rel = m.f[i].rel;
                    v[k].size = m.f[i].size;
                    v[k].mtime_ns = m.f[i].mtime_ns;
                    snprintf(v[k].etag, sizeof v[k].etag, "%s", m.f[i].etag);
                    k++;
                } else if (old && !m.f[i].failed) {
                    v[k++] = *old;  /* not reached this time (stopped early): keep what we knew */
                }
            }
            if (m.rec.journal) {
                fclose(m.rec.journal);
                m.rec.journal = NULL;
            }
            if (s3rec_save(&m.rec, v, k) != 0) {
                errorf(EXIT_STATE, "cannot write the mirror record %s: %s: the next sync will re-check files",
                       m.rec.path, strerror(errno));
                if (m.exit_code == EXIT_OK) m.exit_code = EXIT_STATE;
            }
            free(v);
        }
    }
    mir_summary(&m, dest_url, mir_now() - t0);
    {
        int rc = m.exit_code;
        mir_free(&m);
        return rc;
    }
}
