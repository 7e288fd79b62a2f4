/* tools/sync.c — one pass (see sync.h): SRC and the state opened, the
 * experiments, the runs level by level over --jobs workers, the registry,
 * and the exit code of the pass. */
#define _POSIX_C_SOURCE 200809L
#include "sync.h"
#include "artifacts.h"
#include "msgs.h"
#include "progress.h"
#include "logged_models.h"
#include "registry_sync.h"

#include <stdlib.h>
#include <string.h>

enum { SYNC_MAX_JOBS = 64 };

/* ---- failures --------------------------------------------------------------------- */

void sync_failed(sync_ctx *x, int code)
{
    int zero = 0;
    __atomic_compare_exchange_n(&x->first_code, &zero, code, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    zero = 0;
    if (exit_is_global(code))
        __atomic_compare_exchange_n(&x->global_code, &zero, code, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void sync_err_prefix(tool_err *e, const char *item)
{
    sbuf b = {0};
    size_t n;
    sb_puts(&b, item);
    if (e->what[0]) {
        sb_puts(&b, ": ");
        sb_puts(&b, e->what);
    }
    if (b.oom) return;
    n = b.len < sizeof e->what - 1 ? b.len : sizeof e->what - 1;
    memcpy(e->what, b.s, n);
    e->what[n] = '\0';
    sb_free(&b);
}

void sync_report_problems(sync_ctx *x, const src_problems *pr)
{
    size_t i;
    for (i = 0; i < pr->n; i++) {
        const char *why = pr->v[i].why ? pr->v[i].why : "";
        warnf("%s: %s%s", pr->v[i].path, why, strstr(why, "skip") ? "" : "; skipped");
        summary_skipped(x->sum, pr->v[i].path, why);
    }
}

int sync_stopped(const sync_ctx *x) { return *x->stop || __atomic_load_n(&x->global_code, __ATOMIC_RELAXED); }

void sync_http_opts(const tool_cfg *c, http_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = (long)(c->connect_timeout_s * 1000);
    o->timeout_ms = (long)(c->timeout_s * 1000);
    o->retry_max_time_s = c->retry_max_time_s;
    o->max_retries = c->retries == 0 ? -1 : c->retries; /* --retries 0: never */
    o->insecure = c->insecure;
    o->ca_file = c->ca_file;
    o->client_cert = c->client_cert;
    o->client_key = c->client_key;
    o->verbose = c->verbose;
}

void sync_s3_opts(const tool_cfg *c, s3_client_opts *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = c->jobs;
    o->multipart_threshold = c->s3_multipart_threshold;
    o->part_size = c->s3_part_size;
}

/* ---- opening SRC ------------------------------------------------------------------- */

static int in_list(const char *s, const char *const *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(s, v[i]) == 0) return 1;
    return 0;
}

/* -e/-r values that match nothing are a usage error, as curl treats a bad argument. */
static int check_filter(sync_ctx *x)
{
    const char *const *u = src_store_unmatched(x->src);
    int bad = 0;
    for (; u && *u; u++, bad++) {
        int exp = in_list(*u, x->cfg->experiments, x->cfg->nexperiments);
        errorf(EXIT_USAGE, "--%s '%s' matches no %s in %s: %s", exp ? "experiment" : "run", *u,
               exp ? "experiment (name or id)" : "run id", x->cfg->src, exit_hint(EXIT_USAGE));
    }
    return bad ? EXIT_USAGE : 0;
}

static int open_source(sync_ctx *x)
{
    const tool_cfg *c = x->cfg;
    src_opts so;
    src_filter f;
    tool_err te;
    memset(&so, 0, sizeof so);
    memset(&f, 0, sizeof f);
    so.follow_symlinks = c->follow_symlinks;
    f.experiments = c->experiments;
    f.nexperiments = c->nexperiments;
    f.runs = c->runs;
    f.nruns = c->nruns;
    err_clear(&te);
    if (src_store_open(&x->src, c->src, &so, &f, &te) != 0) {
        sbuf item = {0};
        sb_printf(&item, "cannot read the source %s", c->src);
        sync_err_prefix(&te, item.oom ? "cannot read the source" : item.s);
        sb_free(&item);
        err_report(&te);
        summary_fail(x->sum, te.code ? te.code : EXIT_SOURCE, NULL, te.what, te.why);
        return te.code ? te.code : EXIT_SOURCE;
    }
    sync_report_problems(x, src_store_problems(x->src));
    x->sum->runs_skipped = (long long)src_store_nskipped_runs(x->src);
    return check_filter(x);
}

/* The state of this SRC and DEST, locked for the pass (read only with --dry-run).
   With --experiment-prefix the runs land in other experiments of DEST, so the
   prefix is part of the state's identity (its file name and header): a new
   prefix starts a new state, and a --state FILE of another prefix is refused.
   (Without a prefix the identity is DEST alone, as before.) */
static int open_state(sync_ctx *x)
{
    const tool_cfg *c = x->cfg;
    const char *prefix = c->experiment_prefix;
    sbuf dest = {0};
    state_opts so;
    tool_err te;
    memset(&so, 0, sizeof so);
    sb_puts(&dest, c->dest_shown);
    if (prefix && prefix[0]) sb_printf(&dest, " --experiment-prefix=%s", prefix);
    if (dest.oom) {
        err_set(&te, EXIT_FAILED, "sync state", "out of memory");
        err_report(&te);
        summary_fail(x->sum, te.code, NULL, te.what, te.why);
        return te.code;
    }
    so.path = c->state_path;
    so.src = c->src;
    so.dest = dest.s;
    so.legacy_dest = prefix && prefix[0] ? NULL : c->dest; /* format 1 knew no prefix: that file is another pair's */
    so.state_dir = c->state_dir;
    so.readonly = c->dry_run;
    err_clear(&te);
    if (state_open(&x->st, &so, &te) != 0) {
        err_report(&te);
        summary_fail(x->sum, te.code, NULL, te.what, te.why);
    }
    sb_free(&dest);
    return te.code;
}

/* ---- experiments, then runs level by level ---------------------------------------------- */

static int sync_experiments(sync_ctx *x)
{
    http_client *h = http_client_new(&x->ho);
    rest_ctx rc = x->rest;
    size_t i, n = src_store_nexps(x->src);
    if (!h) return EXIT_FAILED;
    rc.h = h;
    for (i = 0; i < n && !sync_stopped(x); i++) sync_experiment(x, &rc, src_store_exp(x->src, i));
    http_client_free(h);
    return 0;
}

typedef struct level {
    sync_ctx *x;
    size_t next, end;                  /* store run indexes of this nesting level */
} level;

static void *worker(void *arg)
{
    level *lv = arg;
    sync_ctx *x = lv->x;
    http_client *h = http_client_new(&x->ho);
    rest_ctx rc = x->rest;
    if (!h) {
        sync_failed(x, EXIT_FAILED);
        return NULL;
    }
    rc.h = h;
    for (;;) {
        size_t i = __atomic_fetch_add(&lv->next, 1, __ATOMIC_RELAXED);
        long long done;
        if (i >= lv->end) break;
        sync_run(x, &rc, src_store_run(x->src, i));
        done = __atomic_add_fetch(&x->runs_done, 1, __ATOMIC_RELAXED);
        progress_step((long)done, (long)__atomic_load_n(&x->sum->runs_failed, __ATOMIC_RELAXED),
                      http_total_bytes_sent());
    }
    http_client_free(h);
    return NULL;
}

/* The runs of one nesting level [begin, end), --jobs at a time. */
static void run_level(sync_ctx *x, size_t begin, size_t end)
{
    pthread_t th[SYNC_MAX_JOBS];
    level lv;
    int n = x->cfg->jobs < 1 ? 1 : x->cfg->jobs > SYNC_MAX_JOBS ? SYNC_MAX_JOBS : x->cfg->jobs, t, started = 0;
    lv.x = x;
    lv.next = begin;
    lv.end = end;
    if ((size_t)n > end - begin) n = (int)(end - begin);
    for (t = 0; n > 1 && t < n; t++)
        if (pthread_create(&th[t], NULL, worker, &lv) == 0) started++;
    if (!started) worker(&lv);
    for (t = 0; t < started; t++) pthread_join(th[t], NULL);
}

static void sync_runs(sync_ctx *x)
{
    size_t i = 0, n = src_store_nruns(x->src);
    progress_start(!x->cfg->silent && !x->cfg->no_progress && !x->cfg->dry_run, (long)n);
    while (i < n) { /* parents before children: one level at a time */
        size_t end = i;
        int depth = src_store_run(x->src, i)->depth;
        while (end < n && src_store_run(x->src, end)->depth == depth) end++;
        run_level(x, i, end);
        i = end;
    }
    progress_end();
}

/* ---- the pass ---------------------------------------------------------------------------- */

static int pass_code(sync_ctx *x)
{
    summary *s = x->sum;
    if (*x->stop) return EXIT_INTERRUPTED;
    if (x->global_code) return x->global_code;
    if (s->runs_failed && !x->any_ok) return x->first_code ? x->first_code : EXIT_FAILED;
    if (s->runs_failed || s->refused.n || x->files_skipped || s->runs_skipped) return EXIT_PARTIAL;
    return x->first_code ? EXIT_PARTIAL : EXIT_OK; /* an experiment failed, its runs too */
}

/* LoggedModels and run outputs (logged_models_stage.c), then the registry: both
   need the runs, and registry versions may point at LoggedModels. */
static int sync_registry_step(sync_ctx *x, int code)
{
    http_client *h;
    rest_ctx rc = x->rest;
    int rr, lm;
    if (sync_stopped(x) || (code != EXIT_OK && code != EXIT_PARTIAL)) return code;
    if (!(h = http_client_new(&x->ho))) return EXIT_FAILED;
    rc.h = h;
    lm = logged_models_stage(x, &rc);
    rr = x->cfg->no_registry || sync_stopped(x) ? EXIT_OK : registry_sync(x, &rc);
    if (rr == EXIT_OK) rr = lm;
    http_client_free(h);
    if (*x->stop) return EXIT_INTERRUPTED;
    return code == EXIT_OK ? rr : code;
}

static void ctx_init(sync_ctx *x, const tool_cfg *c, volatile int *stop, summary *sum)
{
    memset(x, 0, sizeof *x);
    x->cfg = c;
    x->stop = stop;
    x->sum = sum;
    sync_http_opts(c, &x->ho);
    x->rest.base = c->base;
    x->rest.bearer = c->bearer;
    x->rest.userpwd = c->userpwd;
    x->rest.databricks = c->kind == DEST_DATABRICKS;
}

int sync_pass(const tool_cfg *c, volatile int *stop, summary *sum)
{
    sync_ctx x;
    tool_err te;
    double t0 = now_s();
    long long req0 = http_total_requests(), bytes0 = http_total_bytes_sent();
    int code;
    ctx_init(&x, c, stop, sum);
    err_clear(&te);
    code = open_source(&x);
    if (code == 0) code = open_state(&x);
    if (code == 0 && !c->dry_run) {
        s3_client_opts so;
        sync_s3_opts(c, &so);
        if (!(x.arts = art_session_new(&x.ho, &so))) code = EXIT_FAILED;
    }
    if (code == 0 && !(x.rest.gate = rest_gate_new(c->jobs, c->retries, c->retry_max_time_s, stop))) code = EXIT_FAILED;
    if (code == 0 && logged_models_hold_prepare(&x) != 0) code = EXIT_FAILED;
    if (code == 0) {
        verbosef("sync state: %s", state_path(x.st));
        sum->runs_total = (long long)src_store_nruns(x.src);
        code = sync_experiments(&x);
    }
    if (code == 0) {
        sync_runs(&x);
        code = sync_registry_step(&x, pass_code(&x));
    }
    if (x.st && state_close(x.st, &te) != 0) {
        err_report(&te);
        if (code == EXIT_OK || code == EXIT_PARTIAL) code = te.code;
    }
    src_store_close(x.src);
    art_session_free(x.arts);
    rest_gate_free(x.rest.gate);
    hmap_free(&x.exp_remote);
    hmap_free(&x.lm_held);
    sum->http_requests = http_total_requests() - req0;
    sum->bytes_sent = http_total_bytes_sent() - bytes0;
    sum->seconds = now_s() - t0;
    sum->exit_code = code;
    return code;
}
