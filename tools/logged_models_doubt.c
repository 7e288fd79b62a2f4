/* tools/logged_models_doubt.c — which metric lines of a LoggedModel the
 * server already holds, asked of the server (issue 15: exactly once without
 * its help), for lines in doubt: a runs/log-metric whose answer never came
 * (lost, a 5xx, the tool killed between its intent and its record), or every
 * line of a model found by its marker after the sync state was lost.
 *
 * Two witnesses, because no single answer is whole on every server:
 *   - the model (logged-models/<id>, data.metrics): an SQL server gives every
 *     point (run, key, timestamp, step, value), a file-store server only the
 *     latest per key and dataset;
 *   - the line's run (metrics/get-history): log-metric with model_id writes
 *     the point into the run as well, and the run's own log-batch never sends
 *     such a line (logged_models_hold.c), so on a file-store server the run's
 *     copies of the point are the model's copies. An SQL server drops a
 *     repeated run point, and a file-store server reads a line that names a
 *     dataset with step 0 (its reader's bug), so a dataset line is matched
 *     there with step 0 too.
 * Copies of a point that arrived = the larger of the two counts, less the
 * copies of the model's lines already acknowledged (copies, not presence: a
 * model that logs one point twice stays exact). When another LoggedModel of SRC has
 * the same (run, key, timestamp, step, value), the run's copies cannot be told
 * apart and only the model's count is believed: at worst a repeat on a file
 * store, never a point taken for sent that is not there.
 */
#include "logged_models.h"
#include "msgs.h"
#include "rest_tracking.h"
#include "sync_run.h"

#include <stdlib.h>
#include <string.h>

enum { LMD_SETTLE_MS = 3000, LMD_SETTLE_ROUNDS = 20 };

typedef struct lmd {
    sync_ctx *x;
    const rest_ctx *rc;
    const char *model;                 /* the remote copy */
    const src_lm_metric *v;
    size_t n;
    const unsigned char *st;           /* LM_LINE_* of each line */
    char **remote;                     /* remote run of each line in doubt (NULL: not synced, or not in doubt) */
    hmap r2l;                          /* remote run -> local run (sval), for the runs of the lines in doubt */
    hmap want, before, shared;         /* tuple -> copies in doubt / acknowledged; tuples of several models */
    hmap mc, rh;                       /* the model's copies, the runs' copies (tuple -> copies) */
    long long seen;                    /* points read from the server, for settling */
    tool_err *te;
} lmd;

char *lm_remote_run(sync_ctx *x, const char *local_run)
{
    st_run r;
    char *id = NULL;
    if (local_run && state_get_run(x->st, local_run, &r)) {
        id = r.remote_id ? xstrdup(r.remote_id) : NULL;
        st_run_free(&r);
    }
    return id;
}

static int bump(hmap *h, const char *k, long long by)
{
    hmap_entry *e = hmap_get(h, k);
    if (e) {
        e->ival += by;
        return 0;
    }
    return hmap_put(h, k, NULL, by, 0) ? 0 : -1;
}

static long long count_of(const hmap *h, const char *k)
{
    const hmap_entry *e = hmap_get(h, k);
    return e ? e->ival : 0;
}

/* "<local run>\x1f<key>\x1f[D]<point id>": D for a point read with its dataset (step 0 on a file store) */
static int tuple(sbuf *b, const char *run, const char *key, int d, long long ts, long long step, double v)
{
    char id[DOUBT_ID_MAX];
    doubt_point_id(id, ts, d ? 0 : step, v);
    b->len = 0;
    if (b->s) b->s[0] = '\0';
    sb_printf(b, "%s\x1f%s\x1f%s%s", run ? run : "", key, d ? "D" : "", id);
    return b->oom ? -1 : 0;
}

static int line_tuple(sbuf *b, const src_lm_metric *m, int d)
{
    return tuple(b, m->run_id, m->key, d, m->timestamp, m->step, m->value);
}

/* The copies in doubt, those acknowledged, and which tuples other models share. */
static int count_local(lmd *d)
{
    hmap own = {0};
    sbuf b = {0}, h = {0};
    size_t i;
    int rc = 0;
    for (i = 0; rc == 0 && i < d->n; i++) {
        const src_lm_metric *m = &d->v[i];
        if (d->st[i] != LM_LINE_NEW) rc = line_tuple(&b, m, 0) || bump(d->st[i] == LM_LINE_ACKED ? &d->before : &d->want, b.s, 1);
        h.len = 0;
        if (rc == 0 && m->run_id)
            rc = logged_models_hold_id(&h, m->run_id, m->key, m->timestamp, m->step, m->value) || bump(&own, h.s, 1);
    }
    for (i = 0; rc == 0 && i < d->n; i++) {
        const src_lm_metric *m = &d->v[i];
        if (d->st[i] != LM_LINE_DOUBT || !m->run_id) continue;
        h.len = 0;
        rc = logged_models_hold_id(&h, m->run_id, m->key, m->timestamp, m->step, m->value);
        if (rc == 0 && logged_models_held_n(d->x, h.s) > count_of(&own, h.s))
            rc = line_tuple(&b, m, 0) || !hmap_put(&d->shared, b.s, NULL, 1, 0);
    }
    hmap_free(&own);
    sb_free(&b);
    sb_free(&h);
    return rc;
}

static int read_model(lmd *d)
{
    rest_logged_model m;
    rest_err re;
    sbuf b = {0};
    size_t i;
    int rc = 0;
    if (rest_lm_get(d->rc, d->model, &m, &re) != 0) return rest_err_to_tool(&re, d->te, "logged-models get (to see what arrived)");
    for (i = 0; rc == 0 && i < m.nmetrics; i++) {
        const hmap_entry *l = hmap_get(&d->r2l, m.metrics[i].run_id);
        if (!l) continue;
        rc = tuple(&b, l->sval, m.metrics[i].key, 0, m.metrics[i].timestamp, m.metrics[i].step, m.metrics[i].value) ||
             bump(&d->mc, b.s, 1);
    }
    d->seen += (long long)m.nmetrics;
    rest_logged_model_free(&m);
    sb_free(&b);
    return rc ? err_set(d->te, EXIT_FAILED, d->model, "out of memory") : 0;
}

/* The history of `key` in the remote copy of local run `run`, once per (run, key). */
static int read_run(lmd *d, const char *run, const char *remote, const char *key, hmap *done)
{
    rest_point *p = NULL;
    rest_err re;
    sbuf b = {0};
    size_t n = 0, i;
    int rc;
    if (tuple(&b, run, key, 0, 0, 0, 0) != 0) return err_set(d->te, EXIT_FAILED, key, "out of memory");
    if (hmap_get(done, b.s) || !hmap_put(done, b.s, NULL, 0, 0)) {
        sb_free(&b);
        return 0;
    }
    if (rest_metric_history(d->rc, remote, key, &p, &n, &re) != 0) {
        sb_free(&b);
        return rest_err_to_tool(&re, d->te, "metric history (to see what arrived)");
    }
    for (i = 0, rc = 0; rc == 0 && i < n; i++)
        rc = tuple(&b, run, key, p[i].dataset, p[i].timestamp, p[i].step, p[i].value) || bump(&d->rh, b.s, 1);
    d->seen += (long long)n;
    free(p);
    sb_free(&b);
    return rc ? err_set(d->te, EXIT_FAILED, key, "out of memory") : 0;
}

static int read_server(lmd *d)
{
    hmap done = {0};
    size_t i;
    int rc;
    hmap_free(&d->mc);
    hmap_free(&d->rh);
    d->seen = 0;
    rc = read_model(d);
    for (i = 0; rc == 0 && i < d->n; i++)
        if (d->remote[i]) rc = read_run(d, d->v[i].run_id, d->remote[i], d->v[i].key, &done);
    hmap_free(&done);
    return rc;
}

/* Copies of the window's tuple of line m that arrived (at most those wanted); b is left holding the tuple. */
static long long arrived_copies(lmd *d, const src_lm_metric *m, sbuf *b)
{
    long long rh = 0, mc, got;
    int shared;
    if (m->dataset_name && line_tuple(b, m, 1) == 0) rh = count_of(&d->rh, b->s); /* a file store's reading */
    if (line_tuple(b, m, 0) != 0) return 0;
    shared = hmap_get(&d->shared, b->s) != NULL;
    rh = shared ? 0 : rh + count_of(&d->rh, b->s);
    mc = count_of(&d->mc, b->s);
    got = (mc > rh ? mc : rh) - count_of(&d->before, b->s);
    if (got > count_of(&d->want, b->s)) got = count_of(&d->want, b->s);
    return got < 0 ? 0 : got;
}

static int mark(lmd *d, unsigned char *arrived)
{
    hmap left = {0};
    sbuf b = {0};
    size_t i;
    int rc = 0;
    for (i = 0; rc == 0 && i < d->n; i++) {
        hmap_entry *e;
        arrived[i] = 0;
        if (!d->remote[i] || line_tuple(&b, &d->v[i], 0) != 0) continue;
        if (!(e = hmap_get(&left, b.s))) {
            long long a = arrived_copies(d, &d->v[i], &b);
            if (b.oom || !(e = hmap_put(&left, b.s, NULL, a, 0))) rc = -1;
        }
        if (e && e->ival > 0) {
            e->ival--;
            arrived[i] = 1;
        }
    }
    hmap_free(&left);
    sb_free(&b);
    return rc ? err_set(d->te, EXIT_FAILED, d->model, "out of memory") : 0;
}

/* The remote runs of the lines in doubt, and remote -> local for the model's answer. */
static int map_runs(lmd *d)
{
    size_t i;
    if (!(d->remote = calloc(d->n + 1, sizeof *d->remote))) return -1;
    for (i = 0; i < d->n; i++) {
        char *r = d->st[i] == LM_LINE_DOUBT ? lm_remote_run(d->x, d->v[i].run_id) : NULL;
        d->remote[i] = r;
        if (r && !hmap_get(&d->r2l, r) && !hmap_put(&d->r2l, r, d->v[i].run_id, 0, 0)) return -1;
    }
    return 0;
}

/* Reads until two reads LMD_SETTLE_MS apart agree: a request of a killed pass may still be landing. */
static int settle_read(lmd *d, int settle)
{
    long long last = -1;
    int round, rc;
    for (round = 0; round < LMD_SETTLE_ROUNDS; round++) {
        if ((rc = read_server(d)) != 0 || !settle || d->seen == last) return rc;
        last = d->seen;
        if (sleep_ms_or_stop(LMD_SETTLE_MS, d->x->stop)) return err_set(d->te, EXIT_INTERRUPTED, d->model, "stopped");
    }
    return err_set(d->te, EXIT_REJECTED, d->model, "the server's metrics kept changing for %d s while lines in doubt "
                   "were checked; they are checked again on the next pass", LMD_SETTLE_ROUNDS * LMD_SETTLE_MS / 1000);
}

int lm_doubt_arrived(sync_ctx *x, const rest_ctx *rc, const char *remote_model, const src_lm_metric *v, size_t n,
                     const unsigned char *st, unsigned char *arrived, int settle, tool_err *te)
{
    lmd d;
    size_t i;
    int code;
    memset(&d, 0, sizeof d);
    d.x = x;
    d.rc = rc;
    d.model = remote_model;
    d.v = v;
    d.n = n;
    d.st = st;
    d.te = te;
    if (map_runs(&d) != 0 || count_local(&d) != 0) code = err_set(te, EXIT_FAILED, remote_model, "out of memory");
    else if ((code = settle_read(&d, settle)) == 0) code = mark(&d, arrived);
    for (i = 0; d.remote && i < n; i++) free(d.remote[i]);
    free(d.remote);
    hmap_free(&d.r2l);
    hmap_free(&d.want);
    hmap_free(&d.before);
    hmap_free(&d.shared);
    hmap_free(&d.mc);
    hmap_free(&d.rh);
    return code;
}
