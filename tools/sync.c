/* tools/sync.c — see sync.h */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"
#include "artifacts.h"
#include "exitcodes.h"
#include "http.h"
#include "msgs.h"
#include "progress.h"
#include "registry_sync.h"
#include "rest.h"
#include "scan.h"
#include "state.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { BATCH_MAX_ITEMS = 1000, BATCH_MAX_PARAMS = 100, BATCH_MAX_TAGS = 100, BATCH_MAX_BYTES = 900 * 1024 };

typedef struct ctx {
    const sync_cfg *cfg;
    scan_store store;
    state *st;
    rest_ctx rc;
    http_opts ho;
    char **remote_exp;           /* per store.exps index */
    scan_run **order;            /* runs sorted by depth */
    size_t nruns, next;
    int level;                   /* depth being processed */
    volatile int *stop;
    pthread_mutex_t lock;
    sync_summary *sum;
    long done;
    int first_fail_code, any_ok;
    int server_down;             /* a run failed with "unreachable": attempt no more runs */
} ctx;

/* ---- counters and failures --------------------------------------------- */

static void add_ll(long long *p, long long v) { __atomic_add_fetch(p, v, __ATOMIC_RELAXED); }
static void add_l(long *p, long v) { __atomic_add_fetch(p, v, __ATOMIC_RELAXED); }

static void fail_run(ctx *x, const scan_run *r, int code, const char *msg, int quiet)
{
    pthread_mutex_lock(&x->lock);
    x->sum->runs_failed++;
    if (!x->first_fail_code) x->first_fail_code = code;
    {
        char **a = realloc(x->sum->fail_runs, (x->sum->nfail + 1) * sizeof *a);
        char **b = a ? realloc(x->sum->fail_msgs, (x->sum->nfail + 1) * sizeof *b) : NULL;
        if (a) x->sum->fail_runs = a;
        if (b) {
            x->sum->fail_msgs = b;
            a[x->sum->nfail] = xstrdup(r->id);
            b[x->sum->nfail] = xstrdup(msg);
            x->sum->nfail++;
        }
    }
    if (code == EXIT_CONNECT) x->server_down = 1;
    pthread_mutex_unlock(&x->lock);
    if (!quiet) errorf(code, "run %s (experiment '%s') failed: %s", r->id, r->exp->name, msg);
}

static char *hash_hex(const char *s)
{
    char buf[17];
    snprintf(buf, sizeof buf, "%016llx", (unsigned long long)fnv1a64(s, strlen(s), FNV_SEED));
    return xstrdup(buf);
}

static const char *jget_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jget_num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static cJSON *jobj(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!v) v = cJSON_AddObjectToObject(o, k);
    return v;
}

static void jset_str(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddStringToObject(o, k, v);
}

static void jset_num(cJSON *o, const char *k, double v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddNumberToObject(o, k, v);
}

/* ---- experiments --------------------------------------------------------- */

static int sync_experiment_named(ctx *x, http_client *h, size_t i, const char *name)
{
    scan_exp *e = &x->store.exps[i];
    cJSON *rec = x->cfg->reconcile ? NULL : state_get(x->st, "exp", e->id), *tags;
    char *id = NULL, ebuf[700];
    rest_err re;
    size_t k;
    int changed = 0, rc;

    if (rec && jget_str(rec, "remote")) {
        tags = cJSON_GetObjectItemCaseSensitive(rec, "tags");
        for (k = 0; k < e->tags.n; k++) {
            char *hh = hash_hex(e->tags.v[k].value);
            const char *old = jget_str(tags, e->tags.v[k].key);
            if (!old || strcmp(old, hh) != 0) changed = 1;
            free(hh);
        }
        if (!changed) {
            x->remote_exp[i] = xstrdup(jget_str(rec, "remote"));
            cJSON_Delete(rec);
            return 0;
        }
        id = xstrdup(jget_str(rec, "remote"));
    }
    cJSON_Delete(rec);
    if (x->cfg->dry_run) {
        helpf("%s experiment '%s'%s\n", id ? "update" : "create-or-reuse", name, changed ? " (tags changed)" : "");
        x->remote_exp[i] = id ? id : xstrdup("?");
        return 0;
    }
    if (!id) {
        int deleted = 0;
        rc = rest_get_experiment_by_name(h, &x->rc, name, &id, &deleted, &re);
        if (rc == 1 && deleted) {
            notef("experiment '%s' is deleted on the server; restoring it", name);
            if (rest_restore_experiment(h, &x->rc, id, &re) != 0) goto fail;
        } else if (rc == 0) {
            if (rest_create_experiment(h, &x->rc, name, &e->tags, &id, &re) != 0) {
                /* a concurrent creator (400 or 409 RESOURCE_ALREADY_EXISTS): look it up again */
                if (strcmp(re.code, "RESOURCE_ALREADY_EXISTS") != 0 && strcmp(re.code, "ALREADY_EXISTS") != 0)
                    goto fail;
                if (rest_get_experiment_by_name(h, &x->rc, name, &id, &deleted, &re) != 1) goto fail;
            }
        } else if (rc < 0)
            goto fail;
    }
    rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "remote", id);
    cJSON_AddStringToObject(rec, "name", name);
    tags = cJSON_AddObjectToObject(rec, "tags");
    for (k = 0; k < e->tags.n; k++) {
        char *hh = hash_hex(e->tags.v[k].value);
        if (rest_set_experiment_tag(h, &x->rc, id, e->tags.v[k].key, e->tags.v[k].value, &re) != 0) {
            free(hh);
            cJSON_Delete(rec);
            goto fail;
        }
        cJSON_AddStringToObject(tags, e->tags.v[k].key, hh);
        free(hh);
    }
    if (state_put(x->st, "exp", e->id, rec) != 0)
        warnf("cannot append to the sync state %s: %s", state_path(x->st), strerror(errno));
    x->remote_exp[i] = id;
    x->sum->experiments++;
    return 0;
fail:
    free(id);
    rc = rest_err_exit(&re);
    errorf(rc, "experiment '%s' could not be created or found on %s: %s: %s", name, x->cfg->dest,
           rest_errstr(&re, ebuf, sizeof ebuf),
           rc == EXIT_AUTH     ? "check MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN"
           : rc == EXIT_CONNECT ? "is the server running? check DEST and --connect-timeout/--retry-max-time"
                               : "check the server log");
    return rc;
}

static int sync_experiment(ctx *x, http_client *h, size_t i)
{
    scan_exp *e = &x->store.exps[i];
    sbuf full = {0};
    int rc0;
    sb_puts(&full, x->cfg->experiment_prefix ? x->cfg->experiment_prefix : "");
    sb_puts(&full, e->name);
    if (full.oom) return EXIT_FAILED;
    rc0 = sync_experiment_named(x, h, i, full.s);
    sb_free(&full);
    return rc0;
}

/* ---- log-batch builder --------------------------------------------------- */

typedef struct batch {
    sbuf m, p, t;
    int nm, np, nt;
    ctx *x;
    http_client *h;
    const char *run_id;
    rest_err err;
    int failed;
} batch;

static int batch_flush(batch *b)
{
    sbuf body = {0};
    if (b->failed) return -1;
    if (!b->nm && !b->np && !b->nt) return 0;
    sb_puts(&body, "{\"run_id\":");
    json_str(&body, b->run_id);
    sb_puts(&body, ",\"metrics\":[");
    if (b->m.s) sb_add(&body, b->m.s, b->m.len);
    sb_puts(&body, "],\"params\":[");
    if (b->p.s) sb_add(&body, b->p.s, b->p.len);
    sb_puts(&body, "],\"tags\":[");
    if (b->t.s) sb_add(&body, b->t.s, b->t.len);
    sb_puts(&body, "]}");
    if (body.oom || rest_call(b->h, &b->x->rc, "POST", "/api/2.0/mlflow/runs/log-batch", body.s, NULL, &b->err) != 0)
        b->failed = 1;
    sb_free(&body);
    b->m.len = b->p.len = b->t.len = 0;
    b->nm = b->np = b->nt = 0;
    return b->failed ? -1 : 0;
}

static size_t batch_bytes(const batch *b) { return b->m.len + b->p.len + b->t.len; }

static int batch_need_flush(batch *b, int kind, size_t add)
{
    int total = b->nm + b->np + b->nt;
    if (total + 1 > BATCH_MAX_ITEMS || batch_bytes(b) + add > BATCH_MAX_BYTES) return 1;
    if (kind == 'p' && b->np + 1 > BATCH_MAX_PARAMS) return 1;
    if (kind == 't' && b->nt + 1 > BATCH_MAX_TAGS) return 1;
    return 0;
}

static int batch_kv(batch *b, int kind, const char *k, const char *v)
{
    sbuf item = {0};
    sbuf *dst = kind == 'p' ? &b->p : &b->t;
    int *n = kind == 'p' ? &b->np : &b->nt;
    sb_puts(&item, "{\"key\":");
    json_str(&item, k);
    sb_puts(&item, ",\"value\":");
    json_str(&item, v);
    sb_puts(&item, "}");
    if (batch_need_flush(b, kind, item.len + 1) && batch_flush(b) != 0) {
        sb_free(&item);
        return -1;
    }
    if (*n) sb_add(dst, ",", 1);
    sb_add(dst, item.s, item.len);
    (*n)++;
    sb_free(&item);
    return 0;
}

static int batch_metric(batch *b, const char *key, double v, long long ts, long long step)
{
    char head[64];
    size_t kl = strlen(key) + 80;
    if (batch_need_flush(b, 'm', kl) && batch_flush(b) != 0) return -1;
    if (b->nm) sb_add(&b->m, ",", 1);
    sb_puts(&b->m, "{\"key\":");
    json_str(&b->m, key);
    sb_puts(&b->m, ",\"value\":");
    json_double(&b->m, v);
    snprintf(head, sizeof head, ",\"timestamp\":%lld,\"step\":%lld}", ts, step);
    sb_puts(&b->m, head);
    b->nm++;
    return 0;
}

/* Parses one metric line "ts value [step [dataset digest]]"; 0 ok. */
static int parse_metric_line(char *line, long long *ts, double *v, long long *step)
{
    char *f[6], *save = NULL, *tok, *end;
    int n = 0;
    for (tok = strtok_r(line, " \r", &save); tok && n < 6; tok = strtok_r(NULL, " \r", &save)) f[n++] = tok;
    if (n < 2) return -1;
    errno = 0;
    *ts = strtoll(f[0], &end, 10);
    if (*end || errno) return -1;
    *v = strtod(f[1], &end); /* ERANGE (subnormal, 1e400) is fine: Python's float() agrees */
    if (*end || end == f[1]) return -1;
    *step = 0;
    if (n >= 3) {
        errno = 0;
        *step = strtoll(f[2], &end, 10);
        if (*end || errno) return -1;
    }
    return 0;
}

/* ---- one run -------------------------------------------------------------- */

typedef struct run_plan {
    kvlist params, tags, mfiles, afiles;
    kvlist new_params, new_tags;           /* to send */
    kvlist del_tags;                       /* synced before, deleted locally since */
    long long *moff, *msize;               /* per mfiles: state offset, file size */
    long long *asize;
    char **astamp;                         /* "size:mtime" per afiles */
    int *asend;
    char *artdir;
    scan_dataset *ds;
    size_t nds;
    int meta_changed, inputs_new, nothing;
    long long metric_bytes;
    long nart;
    long long art_bytes;
} run_plan;

static void plan_free(run_plan *p)
{
    size_t i;
    kv_free(&p->params);
    kv_free(&p->tags);
    kv_free(&p->new_params);
    kv_free(&p->new_tags);
    kv_free(&p->del_tags);
    kv_free(&p->mfiles);
    for (i = 0; p->astamp && i < p->afiles.n; i++) free(p->astamp[i]);
    kv_free(&p->afiles);
    free(p->moff);
    free(p->msize);
    free(p->asize);
    free(p->astamp);
    free(p->asend);
    free(p->artdir);
    scan_datasets_free(p->ds, p->nds);
    memset(p, 0, sizeof *p);
}

static const char *remote_parent(ctx *x, const char *local_parent, char **owned)
{
    cJSON *pr = state_get(x->st, "run", local_parent);
    const char *rid = pr ? jget_str(pr, "remote") : NULL;
    *owned = rid ? xstrdup(rid) : NULL;
    cJSON_Delete(pr);
    return *owned;
}

static int plan_run(ctx *x, const scan_run *r, const cJSON *rec, run_plan *p, char *err, size_t errn)
{
    char *dir;
    size_t i;
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(rec, "p");
    const cJSON *stg = cJSON_GetObjectItemCaseSensitive(rec, "t");
    const cJSON *sm = cJSON_GetObjectItemCaseSensitive(rec, "m");
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(rec, "a");
    struct stat st;

    memset(p, 0, sizeof *p);
    dir = path_join(r->dir, "params");
    if (!dir || scan_read_kv_dir(dir, &p->params) != 0) goto ioerr;
    free(dir);
    dir = path_join(r->dir, "tags");
    if (!dir || scan_read_kv_dir(dir, &p->tags) != 0) goto ioerr;
    free(dir);
    dir = path_join(r->dir, "metrics");
    if (!dir || scan_list_files(dir, &p->mfiles) != 0) goto ioerr;
    for (i = 0; i < p->params.n; i++) {
        char *hh = hash_hex(p->params.v[i].value);
        const char *old = jget_str(sp, p->params.v[i].key);
        if (!old || strcmp(old, hh) != 0) kv_add(&p->new_params, p->params.v[i].key, p->params.v[i].value);
        free(hh);
    }
    for (i = 0; i < p->tags.n; i++) {
        const char *k = p->tags.v[i].key, *v = p->tags.v[i].value, *old;
        char *owned = NULL, *hh;
        if (strcmp(k, SYNC_TAG) == 0) continue;
        if (strcmp(k, "mlflow.parentRunId") == 0) {
            v = remote_parent(x, v, &owned);
            if (!v) { /* parent not synced (yet): send the tag later */
                if (!x->cfg->dry_run) warnf("run %s: parent run %s is not synced; its parent tag waits", r->id, p->tags.v[i].value);
                continue;
            }
        }
        hh = hash_hex(v);
        old = jget_str(stg, k);
        if (!old || strcmp(old, hh) != 0) kv_add(&p->new_tags, k, v);
        free(hh);
        free(owned);
    }
    {
        const cJSON *it;
        cJSON_ArrayForEach(it, stg)
        {
            if (!kv_get(&p->tags, it->string) && strcmp(it->string, SYNC_TAG) != 0)
                kv_add(&p->del_tags, it->string, "");
        }
    }
    p->moff = calloc(p->mfiles.n + 1, sizeof *p->moff);
    p->msize = calloc(p->mfiles.n + 1, sizeof *p->msize);
    if (!p->moff || !p->msize) goto ioerr;
    for (i = 0; i < p->mfiles.n; i++) {
        char *f = path_join(dir, p->mfiles.v[i].key);
        if (!f || stat(f, &st) != 0) {
            free(f);
            goto ioerr;
        }
        free(f);
        p->msize[i] = (long long)st.st_size;
        p->moff[i] = (long long)jget_num(sm, p->mfiles.v[i].key, 0);
        if (p->moff[i] > p->msize[i]) p->moff[i] = 0; /* rewritten: start over (server de-duplicates) */
        if (p->msize[i] > p->moff[i]) p->metric_bytes += p->msize[i] - p->moff[i];
    }
    free(dir);
    dir = NULL;
    p->artdir = scan_artifact_dir(r);
    if (!p->artdir || scan_list_files(p->artdir, &p->afiles) != 0) goto ioerr;
    p->asize = calloc(p->afiles.n + 1, sizeof *p->asize);
    p->astamp = calloc(p->afiles.n + 1, sizeof *p->astamp);
    p->asend = calloc(p->afiles.n + 1, sizeof *p->asend);
    if (!p->asize || !p->astamp || !p->asend) goto ioerr;
    for (i = 0; i < p->afiles.n; i++) {
        char *f = path_join(p->artdir, p->afiles.v[i].key), stamp[64];
        const char *old;
        if (!f || stat(f, &st) != 0) {
            free(f);
            goto ioerr;
        }
        free(f);
        snprintf(stamp, sizeof stamp, "%lld:%lld.%09ld", (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                 st.st_mtim.tv_nsec);
        p->asize[i] = (long long)st.st_size;
        p->astamp[i] = xstrdup(stamp);
        old = jget_str(sa, p->afiles.v[i].key);
        if (!old || strcmp(old, stamp) != 0) {
            p->asend[i] = 1;
            p->nart++;
            p->art_bytes += p->asize[i];
        }
    }
    if (scan_read_inputs(r, &p->ds, &p->nds, err, errn) != 0) return EXIT_SOURCE;
    p->inputs_new = (double)p->nds > jget_num(rec, "in", 0);
    p->meta_changed = !rec || (int)jget_num(rec, "status", 0) != r->status ||
                      (long long)jget_num(rec, "end", -1) != (r->has_end ? r->end_time : -1) ||
                      !jget_str(rec, "name") || strcmp(jget_str(rec, "name"), r->run_name) != 0;
    p->nothing = rec && !p->meta_changed && !p->inputs_new && !p->new_params.n && !p->new_tags.n && !p->nart &&
                 !p->metric_bytes && !p->del_tags.n;
    return 0;
ioerr:
    snprintf(err, errn, "cannot read %s: %s", dir ? dir : r->dir, strerror(errno ? errno : ENOMEM));
    free(dir);
    return EXIT_SOURCE;
}

static int send_inputs(ctx *x, http_client *h, const char *run_id, const run_plan *p, rest_err *re)
{
    sbuf b = {0};
    size_t i, k;
    int rc;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    sb_puts(&b, ",\"datasets\":[");
    for (i = 0; i < p->nds; i++) {
        const scan_dataset *d = &p->ds[i];
        sb_puts(&b, i ? ",{\"tags\":[" : "{\"tags\":[");
        for (k = 0; k < d->tags.n; k++) {
            sb_puts(&b, k ? ",{\"key\":" : "{\"key\":");
            json_str(&b, d->tags.v[k].key);
            sb_puts(&b, ",\"value\":");
            json_str(&b, d->tags.v[k].value);
            sb_puts(&b, "}");
        }
        sb_puts(&b, "],\"dataset\":{\"name\":");
        json_str(&b, d->name ? d->name : "");
        sb_puts(&b, ",\"digest\":");
        json_str(&b, d->digest ? d->digest : "");
        sb_puts(&b, ",\"source_type\":");
        json_str(&b, d->source_type ? d->source_type : "");
        sb_puts(&b, ",\"source\":");
        json_str(&b, d->source ? d->source : "");
        if (d->schema) {
            sb_puts(&b, ",\"schema\":");
            json_str(&b, d->schema);
        }
        if (d->profile) {
            sb_puts(&b, ",\"profile\":");
            json_str(&b, d->profile);
        }
        sb_puts(&b, "}}");
    }
    sb_puts(&b, "]}");
    rc = rest_call(h, &x->rc, "POST", "/api/2.0/mlflow/runs/log-inputs", b.s, NULL, re);
    sb_free(&b);
    return rc;
}

/* Returns 0, 1 = retry from scratch (remote run vanished), or an exit code with err set. */
static int execute_run(ctx *x, http_client *h, const scan_run *r, size_t ei, cJSON *rec, run_plan *p, char *err,
                       size_t errn)
{
    rest_err re;
    char ebuf[700];
    char *rid = NULL, *auri = NULL;
    int created = 0, rc = 0;
    size_t i;
    batch b;
    cJSON *nrec, *jm, *jp, *jt, *ja;
    const char *metrics_dir_rel = "metrics";
    char *mdir = path_join(r->dir, metrics_dir_rel);

    /* 1. the remote run */
    if (rec && jget_str(rec, "remote")) {
        rid = xstrdup(jget_str(rec, "remote"));
        auri = xstrdup(jget_str(rec, "art") ? jget_str(rec, "art") : "");
    } else {
        int deleted = 0, f = rest_find_run(h, &x->rc, x->remote_exp[ei], SYNC_TAG, r->id, &rid, &auri, &deleted, &re);
        if (f < 0) goto rest_fail;
        if (f == 0 && rec && cJSON_GetObjectItemCaseSensitive(rec, "creating")) {
            /* an earlier sync died while creating this run: its runs/create may still be in
               flight (proxies, a busy server). Give it a moment to land, then look again. */
            struct timespec ts = {2, 0};
            verbosef("run %s: an interrupted create may be in flight; waiting 2 s before searching again", r->id);
            nanosleep(&ts, NULL);
            f = rest_find_run(h, &x->rc, x->remote_exp[ei], SYNC_TAG, r->id, &rid, &auri, &deleted, &re);
            if (f < 0) goto rest_fail;
        }
        if (f == 0 && !rec) { /* remember the intent before the non-idempotent call */
            cJSON *mark = cJSON_CreateObject();
            cJSON_AddNumberToObject(mark, "creating", (double)now_ms());
            if (state_put(x->st, "run", r->id, mark) != 0)
                warnf("cannot append to the sync state %s: %s", state_path(x->st), strerror(errno));
        }
        if (f == 1 && deleted) {
            notef("run %s: its remote copy %s is deleted; restoring it", r->id, rid);
            if (rest_restore_run(h, &x->rc, rid, &re) != 0) goto rest_fail;
        }
        if (f == 0) {
            /* runs/create is not idempotent: never retry it blindly. After an ambiguous
               failure (transport error, 408/429/5xx) search for the sync tag first. */
            rest_ctx once = x->rc;
            unsigned seed = (unsigned)(size_t)r;
            int k;
            once.no_retry = 1;
            for (k = 0;; k++) {
                if (rest_create_run(h, &once, x->remote_exp[ei], r->user_id, r->run_name, r->start_time, SYNC_TAG,
                                    r->id, &rid, &auri, &re) == 0) {
                    created = 1;
                    break;
                }
                if (k >= 5 || !http_classify(re.status ? CURLE_OK : (CURLcode)re.curl_code, re.status)) goto rest_fail;
                warnf("run %s: runs/create failed (%s); checking whether the run was created anyway", r->id,
                      rest_errstr(&re, ebuf, sizeof ebuf));
                {
                    struct timespec ts;
                    long ms = http_backoff_ms(k + 1, &seed);
                    ts.tv_sec = ms / 1000;
                    ts.tv_nsec = (ms % 1000) * 1000000L;
                    nanosleep(&ts, NULL);
                }
                f = rest_find_run(h, &x->rc, x->remote_exp[ei], SYNC_TAG, r->id, &rid, &auri, &deleted, &re);
                if (f < 0) goto rest_fail;
                if (f == 1) break;
            }
        }
    }

    /* 2. params, tags, metrics */
    memset(&b, 0, sizeof b);
    b.x = x;
    b.h = h;
    b.run_id = rid;
    for (i = 0; i < p->new_params.n; i++) batch_kv(&b, 'p', p->new_params.v[i].key, p->new_params.v[i].value);
    for (i = 0; i < p->new_tags.n; i++) batch_kv(&b, 't', p->new_tags.v[i].key, p->new_tags.v[i].value);
    for (i = 0; i < p->mfiles.n && !b.failed; i++) {
        char *path, *buf = NULL, *line, *nl, *endp;
        FILE *f;
        long long want = p->msize[i] - p->moff[i], consumed = 0;
        if (want <= 0) continue;
        path = path_join(mdir, p->mfiles.v[i].key);
        f = path ? fopen(path, "rb") : NULL;
        buf = malloc((size_t)want + 1);
        if (!f || !buf || fseeko(f, (off_t)p->moff[i], SEEK_SET) != 0) {
            snprintf(err, errn, "cannot read %s: %s", path ? path : mdir, strerror(errno ? errno : ENOMEM));
            if (f) fclose(f);
            free(path);
            free(buf);
            rc = EXIT_SOURCE;
            goto out;
        }
        want = (long long)fread(buf, 1, (size_t)want, f);
        fclose(f);
        buf[want] = '\0';
        endp = buf + want;
        for (line = buf; line < endp; line = nl + 1) {
            long long ts, step;
            double v;
            nl = memchr(line, '\n', (size_t)(endp - line));
            if (!nl) {
                if (r->status == 1) break; /* a RUNNING run may be mid-write: take it next time */
                nl = endp;
            }
            *nl = '\0';
            consumed = (nl < endp ? nl + 1 : endp) - buf;
            if (line == nl || (nl - line == 1 && line[0] == '\r')) continue;
            if (parse_metric_line(line, &ts, &v, &step) != 0) {
                warnf("run %s: skipping a malformed line in %s", r->id, path);
                continue;
            }
            if (batch_metric(&b, p->mfiles.v[i].key, v, ts, step) != 0) break;
            add_ll(&x->sum->metrics, 1);
        }
        free(buf);
        free(path);
        p->moff[i] += consumed; /* recorded in the state only if everything below succeeds */
    }
    batch_flush(&b);
    sb_free(&b.m);
    sb_free(&b.p);
    sb_free(&b.t);
    if (b.failed) {
        re = b.err;
        goto rest_fail;
    }
    add_ll(&x->sum->params, (long long)p->new_params.n);
    add_ll(&x->sum->tags, (long long)p->new_tags.n);

    /* tags deleted locally since the last sync */
    for (i = 0; i < p->del_tags.n; i++) {
        sbuf d = {0};
        int drc;
        sb_puts(&d, "{\"run_id\":");
        json_str(&d, rid);
        sb_puts(&d, ",\"key\":");
        json_str(&d, p->del_tags.v[i].key);
        sb_puts(&d, "}");
        drc = rest_call(h, &x->rc, "POST", "/api/2.0/mlflow/runs/delete-tag", d.s, NULL, &re);
        sb_free(&d);
        if (drc != 0 && re.status != 404 && strcmp(re.code, "RESOURCE_DOES_NOT_EXIST") != 0 &&
            strcmp(re.code, "INVALID_PARAMETER_VALUE") != 0)
            goto rest_fail;
    }

    /* 3. inputs */
    if (p->inputs_new && p->nds && send_inputs(x, h, rid, p, &re) != 0) goto rest_fail;

    /* 4. artifacts */
    for (i = 0; i < p->afiles.n; i++) {
        art_target t;
        char *lp;
        if (!p->asend[i]) continue;
        t.h = h;
        t.rc = &x->rc;
        t.artifact_uri = auri;
        t.run_id = rid;
        lp = path_join(p->artdir, p->afiles.v[i].key);
        rc = lp ? art_upload(&t, lp, p->afiles.v[i].key, p->asize[i], err, errn) : EXIT_FAILED;
        free(lp);
        if (rc != 0) goto out;
        add_ll(&x->sum->artifacts, 1);
        add_ll(&x->sum->artifact_bytes, p->asize[i]);
    }

    /* 5. status, end time, name */
    if (p->meta_changed && (r->status != 1 || r->has_end ||
                            (rec && (!jget_str(rec, "name") || strcmp(jget_str(rec, "name"), r->run_name) != 0)))) {
        if (rest_update_run(h, &x->rc, rid, scan_status_name(r->status), r->has_end ? r->end_time : -1, r->run_name,
                            &re) != 0)
            goto rest_fail;
    }

    /* 6. a run created now: remove duplicates an interrupted earlier create may have left */
    if (created) {
        int nd = 0;
        if (rest_delete_duplicates(h, &x->rc, x->remote_exp[ei], SYNC_TAG, r->id, rid, &nd, &re) != 0) goto rest_fail;
        if (nd)
            warnf("run %s: deleted %d empty duplicate remote run(s) left by an interrupted sync", r->id, nd);
    }

    /* 7. the new state record */
    nrec = rec && jget_str(rec, "remote") ? cJSON_Duplicate(rec, 1) : cJSON_CreateObject();
    jset_str(nrec, "remote", rid);
    jset_str(nrec, "art", auri);
    jset_str(nrec, "exp", x->remote_exp[ei]);
    jset_num(nrec, "status", r->status);
    jset_num(nrec, "end", (double)(r->has_end ? r->end_time : -1));
    jset_str(nrec, "name", r->run_name);
    jset_num(nrec, "in", (double)p->nds);
    jm = jobj(nrec, "m");
    jp = jobj(nrec, "p");
    jt = jobj(nrec, "t");
    ja = jobj(nrec, "a");
    for (i = 0; i < p->mfiles.n; i++) jset_num(jm, p->mfiles.v[i].key, (double)p->moff[i]);
    for (i = 0; i < p->new_params.n; i++) {
        char *hh = hash_hex(p->new_params.v[i].value);
        jset_str(jp, p->new_params.v[i].key, hh);
        free(hh);
    }
    for (i = 0; i < p->new_tags.n; i++) {
        char *hh = hash_hex(p->new_tags.v[i].value);
        jset_str(jt, p->new_tags.v[i].key, hh);
        free(hh);
    }
    for (i = 0; i < p->afiles.n; i++) jset_str(ja, p->afiles.v[i].key, p->astamp[i]);
    for (i = 0; i < p->del_tags.n; i++) cJSON_DeleteItemFromObjectCaseSensitive(jt, p->del_tags.v[i].key);
    if (state_put(x->st, "run", r->id, nrec) != 0)
        warnf("cannot append to the sync state %s: %s (the next sync re-sends; the server de-duplicates)",
              state_path(x->st), strerror(errno));
    if (created) add_l(&x->sum->runs_created, 1);
    else add_l(&x->sum->runs_updated, 1);
    rc = 0;
    goto out;

rest_fail:
    if (rec && re.status == 404) { /* the remote run is gone (server reset?): start over */
        rc = 1;
        goto out;
    }
    rc = rest_err_exit(&re);
    snprintf(err, errn, "%s: %s", rest_errstr(&re, ebuf, sizeof ebuf),
             rc == EXIT_AUTH      ? "check the credentials (MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN)"
             : rc == EXIT_CONNECT ? "is the server up? run the sync again; it resumes where it stopped"
                                  : "see the server log");
out:
    free(mdir);
    free(rid);
    free(auri);
    return rc;
}

static void sync_one(ctx *x, http_client *h, scan_run *r)
{
    size_t ei = (size_t)(r->exp - x->store.exps);
    char err[1024];
    int attempt, rc = 0;
    err[0] = '\0';
    if (__atomic_load_n(&x->server_down, __ATOMIC_RELAXED)) {
        fail_run(x, r, EXIT_CONNECT, "not attempted: the server became unreachable", 1);
        __atomic_add_fetch(&x->done, 1, __ATOMIC_RELAXED);
        return;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        cJSON *rec = attempt == 0 && !x->cfg->reconcile ? state_get(x->st, "run", r->id) : NULL;
        run_plan p;
        rc = plan_run(x, r, rec, &p, err, sizeof err);
        if (rc == 0 && p.nothing) {
            add_l(&x->sum->runs_unchanged, 1);
        } else if (rc == 0 && x->cfg->dry_run) {
            helpf("%s run %s (experiment '%s', %s): %zu params, %zu tags, %lld bytes of metric lines, %ld artifacts "
                  "(%lld bytes)%s%s\n",
                  rec ? "update" : "create-or-reconcile", r->id, r->exp->name, scan_status_name(r->status),
                  p.new_params.n, p.new_tags.n, p.metric_bytes, p.nart, p.art_bytes, p.inputs_new ? ", inputs" : "",
                  p.meta_changed ? ", status/end time" : "");
            add_l(&x->sum->runs_updated, 1);
        } else if (rc == 0) {
            rc = execute_run(x, h, r, ei, rec, &p, err, sizeof err);
        }
        plan_free(&p);
        cJSON_Delete(rec);
        if (rc != 1) break;
        warnf("run %s: the remote run recorded in the sync state is gone; searching and re-creating", r->id);
        state_drop(x->st, "run", r->id);
    }
    if (rc != 0) fail_run(x, r, rc, err, 0);
    else {
        pthread_mutex_lock(&x->lock);
        x->any_ok = 1;
        pthread_mutex_unlock(&x->lock);
    }
    {
        long d = __atomic_add_fetch(&x->done, 1, __ATOMIC_RELAXED);
        progress_step(d, x->sum->runs_failed, http_total_bytes_sent());
    }
}

/* ---- workers -------------------------------------------------------------- */

typedef struct worker {
    ctx *x;
    size_t begin, end;          /* range of x->order for this level */
    size_t *next;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    http_client *h = http_client_new(&w->x->ho);
    if (!h) return NULL;
    for (;;) {
        size_t i = __atomic_fetch_add(w->next, 1, __ATOMIC_RELAXED);
        if (i >= w->end || *w->x->stop) break;
        sync_one(w->x, h, w->x->order[i]);
    }
    http_client_free(h);
    return NULL;
}

static int depth_cmp(const void *a, const void *b)
{
    const scan_run *ra = *(scan_run *const *)a, *rb = *(scan_run *const *)b;
    if (ra->depth != rb->depth) return ra->depth - rb->depth;
    return ra->start_time < rb->start_time ? -1 : ra->start_time > rb->start_time;
}

int sync_pass(const sync_cfg *c, volatile int *stop, sync_summary *sum)
{
    ctx x;
    char err[1024];
    scan_filter f;
    size_t i, j, k;
    int rc = EXIT_OK;
    http_client *h = NULL;
    double t0 = now_s();
    long long req0 = http_total_requests(), bytes0 = http_total_bytes_sent();

    memset(&x, 0, sizeof x);
    memset(sum, 0, sizeof *sum);
    x.cfg = c;
    x.stop = stop;
    x.sum = sum;
    pthread_mutex_init(&x.lock, NULL);
    x.rc.base = c->base;
    x.rc.bearer = c->bearer;
    x.rc.userpwd = c->userpwd;
    x.rc.databricks = c->databricks;
    x.ho.connect_timeout_ms = (long)(c->connect_timeout_s * 1000);
    x.ho.timeout_ms = (long)(c->timeout_s * 1000);
    x.ho.retry_max_time_s = c->retry_max_time_s;
    x.ho.max_retries = c->retries < 0 ? 0 : (c->retries == 0 ? -1 : c->retries);
    x.ho.insecure = c->insecure;
    x.ho.ca_file = c->ca_file;
    x.ho.client_cert = c->client_cert;
    x.ho.client_key = c->client_key;
    x.ho.verbose = c->verbose;

    f.experiments = c->experiments;
    f.nexperiments = c->nexperiments;
    f.runs = c->runs;
    f.nruns = c->nruns;
    if (scan_store_load(c->src, &f, &x.store, err, sizeof err) != 0) {
        errorf(EXIT_SOURCE, "cannot read the source %s: %s: give the mlruns folder (it holds <id>/meta.yaml)", c->src,
               err);
        scan_store_free(&x.store);
        return EXIT_SOURCE;
    }
    if (state_open(&x.st, c->state_path, c->src, c->dest, c->dry_run, err, sizeof err) != 0) {
        errorf(EXIT_STATE, "%s: pass --state FILE, or delete the file to reconcile with the server", err);
        scan_store_free(&x.store);
        return EXIT_STATE;
    }
    verbosef("sync state: %s", state_path(x.st));
    x.remote_exp = calloc(x.store.nexps + 1, sizeof *x.remote_exp);
    for (i = 0; i < x.store.nexps; i++) x.nruns += x.store.exps[i].nruns;
    x.order = calloc(x.nruns + 1, sizeof *x.order);
    if (!x.remote_exp || !x.order) {
        rc = EXIT_FAILED;
        goto done;
    }
    for (i = 0, k = 0; i < x.store.nexps; i++)
        for (j = 0; j < x.store.exps[i].nruns; j++) x.order[k++] = &x.store.exps[i].runs[j];
    qsort(x.order, x.nruns, sizeof *x.order, depth_cmp);
    sum->runs_total = (long)x.nruns;
    if (c->runs && x.nruns < c->nruns) warnf("%zu of the %zu --run ids were not found in %s", c->nruns - x.nruns, c->nruns, c->src);

    h = http_client_new(&x.ho);
    if (!h) {
        rc = EXIT_FAILED;
        goto done;
    }
    for (i = 0; i < x.store.nexps && rc == EXIT_OK; i++) rc = sync_experiment(&x, h, i);
    http_client_free(h);
    if (rc != EXIT_OK) goto done;

    progress_start(!c->silent && !c->no_progress && !c->dry_run, (long)x.nruns);
    for (i = 0; i < x.nruns && !*stop;) { /* one nesting level at a time */
        size_t end = i, next = i;
        int nthreads, t;
        pthread_t th[64];
        worker w;
        while (end < x.nruns && x.order[end]->depth == x.order[i]->depth) end++;
        w.x = &x;
        w.begin = i;
        w.end = end;
        w.next = &next;
        nthreads = c->jobs < (int)(end - i) ? c->jobs : (int)(end - i);
        if (nthreads <= 1) worker_main(&w);
        else {
            for (t = 0; t < nthreads; t++)
                if (pthread_create(&th[t], NULL, worker_main, &w) != 0) break;
            nthreads = t;
            if (!nthreads) worker_main(&w);
            for (t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
        }
        i = end;
    }
    progress_end();
    if (*stop) rc = EXIT_INTERRUPTED;
    else if (sum->runs_failed) rc = x.any_ok ? EXIT_PARTIAL : x.first_fail_code;
    if ((rc == EXIT_OK || rc == EXIT_PARTIAL) && !c->no_registry && !x.server_down) { /* registry_sync.h */
        registry_summary rs;
        int rr = registry_sync(c, x.st, &x.rc, &x.ho, stop, &rs);
        if (rr != EXIT_OK && rc == EXIT_OK) rc = rr;
        sum->reg_models = rs.models;
        sum->reg_versions = rs.versions;
        sum->reg_versions_created = rs.versions_created;
        sum->reg_failed = rs.failed;
        sum->reg_writes = rs.writes;
    }

done:
    if (state_close(x.st, err, sizeof err) != 0) {
        errorf(EXIT_STATE, "%s", err);
        if (rc == EXIT_OK) rc = EXIT_STATE;
    }
    for (i = 0; x.remote_exp && i < x.store.nexps; i++) free(x.remote_exp[i]);
    free(x.remote_exp);
    free(x.order);
    scan_store_free(&x.store);
    pthread_mutex_destroy(&x.lock);
    sum->requests = http_total_requests() - req0;
    sum->bytes_sent = http_total_bytes_sent() - bytes0;
    sum->seconds = now_s() - t0;
    return rc;
}

void sync_summary_free(sync_summary *s)
{
    size_t i;
    for (i = 0; i < s->nfail; i++) {
        free(s->fail_runs[i]);
        free(s->fail_msgs[i]);
    }
    free(s->fail_runs);
    free(s->fail_msgs);
    memset(s, 0, sizeof *s);
}

void sync_print_json(const sync_cfg *c, const sync_summary *s, int code)
{
    cJSON *o = cJSON_CreateObject(), *fl;
    char *txt;
    size_t i;
    cJSON_AddStringToObject(o, "source", c->src);
    cJSON_AddStringToObject(o, "dest", c->base ? c->base : c->dest);
    cJSON_AddBoolToObject(o, "dry_run", c->dry_run);
    cJSON_AddNumberToObject(o, "exit_code", code);
    cJSON_AddNumberToObject(o, "experiments_written", (double)s->experiments);
    cJSON_AddNumberToObject(o, "runs_total", (double)s->runs_total);
    cJSON_AddNumberToObject(o, "runs_created", (double)s->runs_created);
    cJSON_AddNumberToObject(o, "runs_updated", (double)s->runs_updated);
    cJSON_AddNumberToObject(o, "runs_unchanged", (double)s->runs_unchanged);
    cJSON_AddNumberToObject(o, "runs_failed", (double)s->runs_failed);
    cJSON_AddNumberToObject(o, "metric_points_sent", (double)s->metrics);
    cJSON_AddNumberToObject(o, "params_sent", (double)s->params);
    cJSON_AddNumberToObject(o, "tags_sent", (double)s->tags);
    cJSON_AddNumberToObject(o, "artifacts_uploaded", (double)s->artifacts);
    cJSON_AddNumberToObject(o, "artifact_bytes", (double)s->artifact_bytes);
    cJSON_AddNumberToObject(o, "http_requests", (double)s->requests);
    cJSON_AddNumberToObject(o, "bytes_sent", (double)s->bytes_sent);
    cJSON_AddNumberToObject(o, "seconds", s->seconds);
    cJSON_AddNumberToObject(o, "registry_models", (double)s->reg_models);
    cJSON_AddNumberToObject(o, "registry_versions", (double)s->reg_versions);
    cJSON_AddNumberToObject(o, "registry_versions_created", (double)s->reg_versions_created);
    cJSON_AddNumberToObject(o, "registry_failed", (double)s->reg_failed);
    cJSON_AddNumberToObject(o, "registry_writes", (double)s->reg_writes);
    fl = cJSON_AddArrayToObject(o, "failures");
    for (i = 0; i < s->nfail; i++) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "run", s->fail_runs[i]);
        cJSON_AddStringToObject(e, "error", s->fail_msgs[i]);
        cJSON_AddItemToArray(fl, e);
    }
    txt = cJSON_PrintUnformatted(o);
    if (txt) printf("%s\n", txt);
    fflush(stdout);
    free(txt);
    cJSON_Delete(o);
}
