/* tools/s3_mirror.c — `mlflow-lite sync SRC s3://bucket/prefix`; the plan
 * and its execution are described in s3_mirror.h. SRC is read through the
 * SRC reader only (src_list_all_files, src_open_file), so its link policy
 * holds here too: no link out of SRC is ever read unless --follow-symlinks. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath */
#include "s3_mirror.h"
#include "errors.h"
#include "msgs.h"
#include "s3.h"
#include "s3_record.h"
#include "s3_util.h"
#include "src.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    summary *sum;
    src_store *store;
    char *bucket, *prefix;     /* ends with '/' unless empty: a listing of "p" would also hold "p2/..." */
    s3_client *c;
    mfile *f; size_t nf, capf;
    robj *r; size_t nr, capr;
    s3rec rec;
    size_t *tasks; size_t ntasks, next;
    int stop;                  /* a global error (credentials, link down): stop handing out work */
    int exit_code;
    pthread_mutex_t mu;
} mirror;

/* ---- errors ---------------------------------------------------------------- */

static int mir_exit_for(const s3_err *e)
{
    if (e->source) return EXIT_SOURCE;
    if (e->status == 401 || e->status == 403 || strcmp(e->code, "InvalidToken") == 0 ||
        strcmp(e->code, "ExpiredToken") == 0 || strcmp(e->code, "TokenRefreshRequired") == 0)
        return EXIT_AUTH;
    if (e->status == 0 && e->curl_code != CURLE_OK) return EXIT_CONNECT;
    if (e->status) return EXIT_REJECTED;
    return EXIT_PARTIAL;
}

static void mir_set_exit(mirror *m, int code)
{
    pthread_mutex_lock(&m->mu);
    if (exit_is_global(code)) __atomic_store_n(&m->stop, 1, __ATOMIC_RELAXED);
    if (m->exit_code == EXIT_OK || code == EXIT_AUTH) m->exit_code = code;
    pthread_mutex_unlock(&m->mu);
}

/* One failure: said now (as the tracking sync does), kept for the summary, and its class. */
static void mir_fail(mirror *m, int code, const char *what, const char *why)
{
    tool_err te;
    if (exit_is_global(code) && __atomic_load_n(&m->stop, __ATOMIC_RELAXED))
        return; /* the same refusal from requests already in flight: said once */
    err_set(&te, code, what, "%s", why);
    err_report(&te);
    summary_fail(m->sum, code, NULL, what, why);
    mir_set_exit(m, code);
}

static void mir_report(mirror *m, const char *what, const s3_err *e)
{
    char why[700], full[900];
    s3_err_format(e, why, sizeof why);
    snprintf(full, sizeof full, "%s: %s", why, s3_err_hint(e));
    mir_fail(m, mir_exit_for(e), what, full);
}

/* ---- the local files, through the SRC reader ------------------------------------- */

/* prefix ("p/" or "") + rel */
static char *mir_key(const char *prefix, const char *rel)
{
    sbuf k = {0};
    sb_puts(&k, prefix);
    sb_puts(&k, rel);
    if (k.oom) sb_free(&k);
    return k.s;
}

static int mir_add_file(mirror *m, const src_artifact *a)
{
    mfile *x;
    if (m->nf == m->capf) {
        size_t nc = m->capf ? 2 * m->capf : 1024;
        mfile *p = realloc(m->f, nc * sizeof *p);
        if (!p) return -1;
        m->f = p;
        m->capf = nc;
    }
    x = &m->f[m->nf];
    memset(x, 0, sizeof *x);
    x->rel = xstrdup(a->rel);
    x->key = mir_key(m->prefix, a->rel);
    if (!x->rel || !x->key) {
        free(x->rel);
        free(x->key);
        return -1;
    }
    x->size = a->size;
    x->mtime_ns = a->mtime_ns;
    m->nf++;
    return 0;
}

/* Every regular file of SRC (root files named .mlflow-lite-*, local sync
   state, are not part of the store); links not followed are named. */
static int mir_list_local(mirror *m)
{
    src_artifacts a;
    tool_err e;
    size_t i;
    if (src_list_all_files(m->store, &a, &e) != 0) {
        mir_fail(m, e.code, e.what, e.why);
        return -1;
    }
    for (i = 0; i < a.problems.n; i++) {
        warnf("skipping %s: %s", a.problems.v[i].path, a.problems.v[i].why);
        summary_skipped(m->sum, a.problems.v[i].path, a.problems.v[i].why);
    }
    for (i = 0; i < a.n; i++) {
        if (!strchr(a.v[i].rel, '/') && strncmp(a.v[i].rel, ".mlflow-lite-", 13) == 0) continue;
        if (mir_add_file(m, &a.v[i]) != 0) {
            src_artifacts_free(&a);
            mir_fail(m, EXIT_FAILED, m->src, "out of memory while listing");
            return -1;
        }
    }
    src_artifacts_free(&a);
    m->sum->files_total = (long long)m->nf;
    return 0;
}

/* ---- the bucket's listing -------------------------------------------------------- */

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
    if (!(x->key = xstrdup(o->key))) return 1;
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

/* ---- one file ------------------------------------------------------------------------ */

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

static void mir_file_failed(mirror *m, mfile *x, const char *what, const s3_err *e)
{
    mir_report(m, what, e);
    x->failed = 1;
    summary_add(&m->sum->files_failed, 1);
}

static void mir_recorded(mirror *m, mfile *x, const char *etag)
{
    snprintf(x->etag, sizeof x->etag, "%s", etag);
    x->done = 1;
    if (s3rec_append(&m->rec, x->rel, x->size, x->mtime_ns, x->etag) != 0)
        warnf("cannot append to the record %s: %s", m->rec.path, strerror(errno));
}

/* HEAD for a file the record did not vouch for: what the bucket holds */
static int mir_head(mirror *m, mfile *x)
{
    long long rsize = -1;
    s3_err err;
    char what[PATH_MAX + 64];
    int h = s3_head(m->c, m->bucket, x->key, &rsize, x->head_etag, &err);
    if (h < 0) {
        snprintf(what, sizeof what, "checking s3://%s/%s", m->bucket, x->key);
        mir_file_failed(m, x, what, &err);
        return -1;
    }
    x->action = (h == 0 && rsize == x->size) ? ACT_CHECK : ACT_UPLOAD;
    x->remote_etag = h == 0 ? x->head_etag : NULL;
    return 0;
}

/* The object has the file's size: equal bytes (MD5 or multipart ETag) need no upload. */
static int mir_same_bytes(mirror *m, mfile *x, int fd)
{
    char want[80];
    if (!x->remote_etag || s3_expected_etag_fd(m->c, fd, x->size, want, sizeof want) != 0 ||
        strcmp(want, x->remote_etag) != 0)
        return 0;
    mir_recorded(m, x, want);
    summary_add(&m->sum->files_unchanged, 1);
    summary_add(&m->sum->files_hashed, 1);
    return 1;
}

static void mir_upload(mirror *m, mfile *x, int fd)
{
    s3_put_result res;
    s3_err err;
    char what[PATH_MAX + 64];
    if (s3_put_fd(m->c, m->bucket, x->key, fd, x->size, mir_content_type(x->rel), &res, &err) != 0) {
        snprintf(what, sizeof what, "uploading %s", x->rel);
        mir_file_failed(m, x, what, &err);
        return;
    }
    x->uploaded = 1;
    mir_recorded(m, x, res.etag);
    if (res.multipart)
        verbosef("uploaded %s: %d parts (%d sent, %d kept from an interrupted upload)", x->rel, res.parts_total,
                 res.parts_sent, res.parts_reused);
    else
        verbosef("uploaded %s (%lld bytes)", x->rel, x->size);
    summary_add(&m->sum->files_uploaded, 1);
    summary_add(&m->sum->bytes_sent, res.bytes_sent);
}

static void mir_do_file(mirror *m, mfile *x)
{
    tool_err e;
    long long size;
    int fd;
    if (x->action == ACT_HEAD && mir_head(m, x) != 0) return;
    if (m->o->dry_run && x->action == ACT_UPLOAD) {
        notef("would upload %s (%lld bytes)", x->rel, x->size);
        summary_add(&m->sum->files_uploaded, 1);
        summary_add(&m->sum->bytes_sent, x->size);
        return;
    }
    fd = src_open_file(m->store, x->rel, &size, &e);
    if (fd < 0) {
        if (errno == ENOENT) { /* removed since the listing (a writer's temporary file): nothing to mirror */
            verbosef("%s vanished before it was sent; skipped", x->rel);
            return;
        }
        mir_fail(m, e.code, e.what, e.why);
        x->failed = 1;
        summary_add(&m->sum->files_failed, 1);
        return;
    }
    x->size = size; /* what is there now; the record says so, and the next pass checks again */
    if (x->action == ACT_CHECK && mir_same_bytes(m, x, fd)) {
        close(fd);
        return;
    }
    if (m->o->dry_run) {
        notef("would upload %s (%lld bytes)", x->rel, x->size);
        summary_add(&m->sum->files_uploaded, 1);
    } else
        mir_upload(m, x, fd);
    close(fd);
}

/* ---- the work ---------------------------------------------------------------------------- */

static void mir_delete_failed(void *ud, const char *key, const char *code, const char *msg)
{
    mirror *m = ud;
    char what[PATH_MAX + 64], why[700];
    snprintf(what, sizeof what, "deleting s3://%s/%s", m->bucket, key);
    snprintf(why, sizeof why, "%s%s%s", code[0] ? code : "refused", msg[0] ? ": " : "", msg);
    mir_fail(m, EXIT_REJECTED, what, why);
    summary_add(&m->sum->files_failed, 1);
    summary_add(&m->sum->files_deleted, -1);
}

/* --delete: the listed objects no local file matched, by DeleteObjects */
static void mir_delete_extra(mirror *m)
{
    const char **keys = malloc((m->nr + 1) * sizeof *keys);
    size_t i, n = 0;
    s3_err err;
    char what[512];
    if (!keys) {
        mir_fail(m, EXIT_FAILED, "planning the deletions", "out of memory");
        return;
    }
    for (i = 0; i < m->nr; i++)
        if (!m->r[i].matched) keys[n++] = m->r[i].key;
    verbosef("%zu objects under the prefix have no local file", n);
    for (i = 0; m->o->dry_run && i < n; i++) notef("would delete s3://%s/%s", m->bucket, keys[i]);
    summary_add(&m->sum->files_deleted, (long long)n);
    if (n && !m->o->dry_run && s3_delete_many(m->c, m->bucket, keys, n, mir_delete_failed, m, &err) != 0) {
        snprintf(what, sizeof what, "deleting extra objects under s3://%s/%s", m->bucket, m->prefix);
        mir_report(m, what, &err);
        m->sum->files_deleted = 0;
        summary_add(&m->sum->files_failed, (long long)n);
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

/* large files one at a time, their parts in parallel inside s3_put_fd */
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

static int mir_fresh(const mfile *x, const s3rec_entry *e)
{
    return e && e->size == x->size && e->mtime_ns == x->mtime_ns && e->etag[0];
}

static void mir_unchanged(mirror *m, mfile *x, const char *etag)
{
    x->action = ACT_SKIP;
    snprintf(x->etag, sizeof x->etag, "%s", etag);
    x->done = 1;
    summary_add(&m->sum->files_unchanged, 1);
}

/* step 4: per file, from the record and (when listed) the bucket */
static void mir_decide(mirror *m, int listed)
{
    size_t i;
    for (i = 0; i < m->nf; i++) {
        mfile *x = &m->f[i];
        const s3rec_entry *e = s3rec_find(&m->rec, x->rel);
        robj *r;
        if (!listed) {
            if (mir_fresh(x, e)) mir_unchanged(m, x, e->etag);
            else x->action = ACT_HEAD;
            continue;
        }
        if ((r = mir_remote_find(m, x->key)) != NULL) r->matched = 1;
        if (!r || r->size != x->size) {
            x->action = ACT_UPLOAD;
        } else if (mir_fresh(x, e) && strcmp(e->etag, r->etag) == 0) {
            mir_unchanged(m, x, r->etag);
        } else {
            x->action = ACT_CHECK; /* no or stale record: compare the bytes' MD5 with the ETag */
            x->remote_etag = r->etag;
        }
    }
}

/* step 2: the bucket's view, by one listing unless few files need a look; 1 listed, 0 not, -1 failed */
static int mir_list_remote(mirror *m)
{
    s3_err err;
    char what[512];
    size_t i, nstale = 0;
    for (i = 0; i < m->nf; i++)
        if (!mir_fresh(&m->f[i], s3rec_find(&m->rec, m->f[i].rel))) nstale++;
    if (!m->o->verify && !m->o->delete_extra && nstale <= MIR_HEAD_MAX) {
        verbosef("%zu local files, %zu without a fresh record: checked by HEAD, no listing", m->nf, nstale);
        return 0;
    }
    if (s3_list(m->c, m->bucket, m->prefix, mir_list_cb, m, &err) != 0) {
        snprintf(what, sizeof what, "listing s3://%s/%s", m->bucket, m->prefix);
        mir_report(m, what, &err);
        return -1;
    }
    if (m->nr > 1) qsort(m->r, m->nr, sizeof *m->r, mir_robj_cmp);
    verbosef("%zu local files (%zu without a fresh record), %zu objects under s3://%s/%s", m->nf, nstale, m->nr,
             m->bucket, m->prefix);
    return 1;
}

static void mir_plan_and_run(mirror *m)
{
    size_t i;
    int listed, big_started;
    pthread_t big;
    if (mir_list_local(m) != 0) return;
    if (!(m->tasks = malloc((m->nf + 1) * sizeof *m->tasks))) {
        mir_fail(m, EXIT_FAILED, "planning the sync", "out of memory");
        return;
    }
    if ((listed = mir_list_remote(m)) < 0) return;
    mir_decide(m, listed);
    /* small files (single PUT) in the pool, and beside it the large ones one by one */
    m->ntasks = 0;
    for (i = 0; i < m->nf; i++)
        if (m->f[i].action != ACT_SKIP && s3_part_size_for(m->c, m->f[i].size, NULL) == 0) m->tasks[m->ntasks++] = i;
    verbosef("%zu small files to check or send", m->ntasks);
    big_started = pthread_create(&big, NULL, mir_large_files, m) == 0;
    mir_run_pool(m, m->o->jobs > 0 ? m->o->jobs : S3_DEFAULT_JOBS);
    if (big_started) pthread_join(big, NULL);
    else mir_large_files(m);
    /* only after every upload, so a failed run never deletes first */
    if (m->o->delete_extra && !m->stop) mir_delete_extra(m);
    if (m->sum->files_failed && m->exit_code == EXIT_OK) m->exit_code = EXIT_PARTIAL;
    if (m->sum->files_failed && m->exit_code == EXIT_REJECTED && m->sum->files_uploaded) m->exit_code = EXIT_PARTIAL;
}

/* ---- the record ------------------------------------------------------------------------------ */

/* <state_dir>/s3/<hash of SRC, DEST and endpoint>.tsv (state_dir: config.c's
   $XDG_STATE_HOME/mlflow-lite or ~/.local/state/mlflow-lite; never /tmp, where
   anyone could plant a record); NULL without one */
static char *mir_state_path(const mirror *m, const char *dest_url)
{
    char real[PATH_MAX], id[65];
    const aws_config *cfg = s3_client_config(m->c);
    sbuf key = {0}, out = {0};
    if (!m->o->state_dir) return NULL;
    if (!realpath(m->src, real)) snprintf(real, sizeof real, "%s", m->src);
    sb_printf(&key, "%s\n%s\n%s", real, dest_url, cfg->endpoint_url ? cfg->endpoint_url : "aws");
    if (key.oom) return NULL;
    s3u_sha256_hex(key.s, key.len, id);
    sb_free(&key);
    id[24] = '\0';
    sb_printf(&out, "%s/s3/%s.tsv", m->o->state_dir, id);
    return out.oom ? NULL : out.s;
}

static int mir_open_record(mirror *m, const char *dest_url)
{
    char *state = m->o->state_path ? xstrdup(m->o->state_path) : mir_state_path(m, dest_url);
    sbuf why = {0};
    if (!state && !m->o->state_path && !m->o->state_dir) {
        mir_fail(m, EXIT_CONFIG, "the mirror record", "neither HOME nor XDG_STATE_HOME is set: pass --state FILE");
        return -1;
    }
    if (!state || s3rec_load(&m->rec, state) != 0) {
        sb_printf(&why, "%s: remove it to rebuild it from the bucket", strerror(errno));
        mir_fail(m, EXIT_STATE, state ? state : "the mirror record", why.s ? why.s : "out of memory");
        free(state);
        sb_free(&why);
        return -1;
    }
    verbosef("mirror record: %s (%zu entries)", state, m->rec.n);
    free(state);
    if (m->o->dry_run || s3rec_open_journal(&m->rec) == 0) return 0;
    if (errno == EBUSY)
        sb_printf(&why, "another mlflow-lite sync of %s to %s is running (it holds the record): wait for it to end",
                  m->src, dest_url);
    else
        sb_printf(&why, "%s: check the folder or pass --state FILE", strerror(errno));
    mir_fail(m, EXIT_STATE, m->rec.path, why.s ? why.s : "out of memory");
    sb_free(&why);
    return -1;
}

/* compact: every file the bucket now holds as we have it */
static void mir_save_record(mirror *m)
{
    s3rec_entry *v = calloc(m->nf + 1, sizeof *v);
    size_t i, k = 0;
    if (!v) return;
    for (i = 0; i < m->nf; i++) {
        const s3rec_entry *old = s3rec_find(&m->rec, m->f[i].rel);
        if (m->f[i].done && m->f[i].etag[0]) {
            v[k].rel = m->f[i].rel;
            v[k].size = m->f[i].size;
            v[k].mtime_ns = m->f[i].mtime_ns;
            snprintf(v[k].etag, sizeof v[k].etag, "%s", m->f[i].etag);
            k++;
        } else if (old && !m->f[i].failed) {
            v[k++] = *old; /* not reached this time (stopped early): keep what we knew */
        }
    }
    if (m->rec.journal) {
        fclose(m->rec.journal);
        m->rec.journal = NULL;
    }
    if (s3rec_save(&m->rec, v, k) != 0)
        mir_fail(m, EXIT_STATE, m->rec.path, "cannot write the mirror record: the next sync will re-check files");
    free(v);
}

/* ---- main -------------------------------------------------------------------------------------- */

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
    src_store_close(m->store);
    pthread_mutex_destroy(&m->mu);
}

/* bucket and prefix (ending in '/'), the store, the S3 client: 0 or the class */
static int mir_setup(mirror *m, const char *dest_url)
{
    src_opts so;
    tool_err e;
    s3_client_opts co;
    char err[512], desc[512], *p;
    if (s3_parse_url(dest_url, &m->bucket, &m->prefix) != 0) {
        mir_fail(m, EXIT_USAGE, dest_url, "expected s3://bucket[/prefix]");
        return EXIT_USAGE;
    }
    if (m->prefix[0] && m->prefix[strlen(m->prefix) - 1] != '/') {
        if (!(p = mir_key(m->prefix, "/"))) return EXIT_FAILED;
        free(m->prefix);
        m->prefix = p;
    }
    memset(&so, 0, sizeof so);
    so.follow_symlinks = m->o->follow_symlinks;
    if (src_store_open(&m->store, m->src, &so, NULL, &e) != 0) {
        mir_fail(m, e.code, e.what, e.why);
        return e.code;
    }
    memset(&co, 0, sizeof co);
    if (m->o->s3) co = *m->o->s3;
    co.jobs = m->o->jobs;
    if (!(m->c = s3_client_new_from_env(m->o->http, &co, err, sizeof err))) {
        mir_fail(m, EXIT_CONFIG, "S3 configuration", err);
        return EXIT_CONFIG;
    }
    aws_config_describe(s3_client_config(m->c), desc, sizeof desc);
    verbosef("S3: %s", desc);
    return 0;
}

int s3_mirror_run(const char *src_dir, const char *dest_url, const struct s3_mirror_opts *opts, summary *sum)
{
    static const struct s3_mirror_opts defaults;
    mirror m;
    double t0 = now_s();
    memset(&m, 0, sizeof m);
    pthread_mutex_init(&m.mu, NULL);
    m.o = opts ? opts : &defaults;
    m.src = src_dir;
    m.sum = sum;
    if (mir_setup(&m, dest_url) == 0 && mir_open_record(&m, dest_url) == 0) {
        mir_plan_and_run(&m);
        if (!m.o->dry_run && m.nf && m.exit_code != EXIT_SOURCE) mir_save_record(&m);
    }
    sum->seconds = now_s() - t0;
    sum->http_requests = http_total_requests();
    sum->exit_code = m.exit_code;
    mir_free(&m);
    return sum->exit_code;
}
