/* tools/sync_doubt.c — which metric points of a batch in doubt already
 * arrived, asked of the server (issue 15: exactly once without the server's
 * help). A batch is in doubt when its answer never came (the tool was killed
 * between its intent and its progress record, or the answer was lost or was a
 * 5xx: a file-store server may have written part of it). MLflow's SQL stores
 * drop a point identical to one they hold, its file stores keep both, and
 * Databricks cannot be tested here, so nothing is sent twice on trust.
 *
 * For one metric key, with `wanted` the points in doubt (identity -> local
 * copies): the server's history of the key is read (metric history), and so
 * are the key's local lines before the batch (and the items of the batch
 * already acknowledged, `sent_too`); the copies the server holds beyond those
 * arrived from the batch. Counting copies (not mere presence) keeps a file
 * that logs the same point twice exact on a server that keeps both. Values
 * are compared as the SQL store gives them back: -0.0 as 0.0, ±inf as
 * ±DBL_MAX, every NaN alike.
 */
#include "sync_run.h"
#include "msgs.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DOUBT_CHUNK_BYTES = 256 << 10 };
enum { DOUBT_SETTLE_MS = 3000, DOUBT_SETTLE_ROUNDS = 20 };  /* a batch still landing: read until it stands still */

void doubt_point_id(char out[DOUBT_ID_MAX], long long ts, long long step, double v)
{
    unsigned long long bits;
    if (isnan(v)) bits = 0x7ff8000000000000ULL;
    else {
        if (v == 0.0) v = 0.0;
        else if (isinf(v)) v = v > 0 ? DBL_MAX : -DBL_MAX;
        memcpy(&bits, &v, sizeof bits);
    }
    snprintf(out, DOUBT_ID_MAX, "%lld:%lld:%llx", ts, step, bits);
}

static int count_in(hmap *counts, const hmap *only, const char *id)
{
    hmap_entry *h;
    if (only && !hmap_get(only, id)) return 0;
    if ((h = hmap_get(counts, id)) != NULL) {
        h->ival++;
        return 0;
    }
    return hmap_put(counts, id, NULL, 1, 0) ? 0 : -1;
}

typedef int (*point_fn)(void *ud, const src_point *pt);

/* The points of metrics/<key> in bytes [from, to), in file order. */
static int doubt_read_points(run_exec *e, const char *key, long long from, long from_line, long long to, point_fn fn,
                      void *ud)
{
    long long pos = from;
    long line = from_line;
    int rc = 0;
    while (rc == 0 && pos < to) {
        src_metric_chunk c;
        long long want = to - pos < DOUBT_CHUNK_BYTES ? to - pos : DOUBT_CHUNK_BYTES;
        size_t i;
        memset(&c, 0, sizeof c);
        rc = src_metric_read(e->x->src, e->r, key, pos, line, want, e->r->status != SRC_RUNNING, &c, &e->err);
        for (i = 0; rc == 0 && i < c.n; i++)
            if (c.pts[i].end_offset <= to) rc = fn(ud, &c.pts[i]);
        if (rc == 0 && c.end_offset <= pos) pos = to; /* only an unfinished line is left */
        else {
            pos = c.end_offset;
            line = c.next_line;
        }
        src_metric_chunk_free(&c);
    }
    return rc;
}

typedef struct prefix_count {
    hmap *counts;
    const hmap *only;
} prefix_count;

static int prefix_point(void *ud, const src_point *pt)
{
    prefix_count *p = ud;
    char id[DOUBT_ID_MAX];
    doubt_point_id(id, pt->timestamp, pt->step, pt->value);
    return count_in(p->counts, p->only, id);
}

/* The server's copies of the wanted points of `key`. */
static int remote_counts_once(run_exec *e, const char *key, const hmap *wanted, hmap *counts, long long *total)
{
    rest_point *v = NULL;
    rest_err re;
    size_t n = 0, i;
    int rc = 0;
    *total = 0;
    if (rest_metric_history(e->rc, e->acked.remote_id, key, &v, &n, &re) != 0) {
        sbuf what = {0};
        sb_printf(&what, "metric history of '%s' (to see what of a batch in doubt arrived)", key);
        rc = exec_rest_failed(e, &re, what.s ? what.s : "metric history");
        sb_free(&what);
        return rc;
    }
    for (i = 0; rc == 0 && i < n; i++) {
        char id[DOUBT_ID_MAX];
        doubt_point_id(id, v[i].timestamp, v[i].step, v[i].value);
        rc = count_in(counts, wanted, id);
    }
    free(v);
    *total = (long long)n;
    return rc ? err_set(&e->err, EXIT_FAILED, "metric history", "out of memory") : 0;
}

/* Waits until the histories of the keys of the record's batch in doubt stand
   still (two reads DOUBT_SETTLE_MS apart agree): a batch of a killed pass may
   still be being written by the server (a file store writes it point by
   point), and what is read while it lands would be sent again. */
static int histories_still(run_exec *e)
{
    long long *before = calloc(e->acked.nin_doubt + 1, sizeof *before);
    hmap none = {0}, counts = {0};
    int round, rc = 0, moved = 1;
    size_t i;
    if (!before) return err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    for (round = 0; rc == 0 && moved && round < DOUBT_SETTLE_ROUNDS; round++) {
        if (round && sleep_ms_or_stop(DOUBT_SETTLE_MS, e->x->stop)) rc = err_set(&e->err, EXIT_INTERRUPTED, "", "stopped");
        for (i = 0, moved = round == 0; rc == 0 && i < e->acked.nin_doubt; i++) {
            long long now = 0;
            rc = remote_counts_once(e, e->acked.in_doubt[i].key, &none, &counts, &now);
            moved |= now != before[i];
            before[i] = now;
        }
    }
    free(before);
    hmap_free(&counts);
    if (rc == 0 && moved)
        rc = err_set(&e->err, EXIT_REJECTED, e->r->id, "the server's metric history kept changing for %d s while a "
                     "batch in doubt was checked; it is checked again on the next pass",
                     DOUBT_SETTLE_ROUNDS * DOUBT_SETTLE_MS / 1000);
    return rc;
}

/* The server's copies of the wanted points of `key`; with settle, read until two reads agree. */
static int remote_counts(run_exec *e, const char *key, const hmap *wanted, hmap *counts, int settle)
{
    long long before = -1, now = 0;
    int round, rc = 0;
    for (round = 0; round < DOUBT_SETTLE_ROUNDS; round++) {
        hmap_free(counts);
        memset(counts, 0, sizeof *counts);
        if ((rc = remote_counts_once(e, key, wanted, counts, &now)) != 0 || !settle || now == before) return rc;
        before = now;
        if (sleep_ms_or_stop(DOUBT_SETTLE_MS, e->x->stop)) return err_set(&e->err, EXIT_INTERRUPTED, key, "stopped");
    }
    return err_set(&e->err, EXIT_REJECTED, key, "the server's metric history kept changing for %d s while a batch "
                   "in doubt was checked; it is checked again on the next pass",
                   DOUBT_SETTLE_ROUNDS * DOUBT_SETTLE_MS / 1000);
}

int doubt_arrived(run_exec *e, const char *key, long long from, const hmap *wanted, const hmap *sent_too,
                  hmap *arrived, int settle)
{
    hmap remote = {0}, before = {0};
    prefix_count pc;
    const hmap_entry *w;
    int rc;
    pc.counts = &before;
    pc.only = wanted;
    rc = remote_counts(e, key, wanted, &remote, settle);
    if (rc == 0 && from > 0 && doubt_read_points(e, key, 0, 1, from, prefix_point, &pc) != 0)
        rc = e->err.code ? e->err.code : err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    HMAP_FOREACH(wanted, w)
    {
        const hmap_entry *r = hmap_get(&remote, w->key), *b = hmap_get(&before, w->key);
        const hmap_entry *s = sent_too ? hmap_get(sent_too, w->key) : NULL;
        long long got = (r ? r->ival : 0) - (b ? b->ival : 0) - (s ? s->ival : 0);
        if (rc != 0 || got <= 0) continue;
        if (!hmap_put(arrived, w->key, NULL, got < w->ival ? got : w->ival, 0))
            rc = err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    }
    hmap_free(&remote);
    hmap_free(&before);
    return rc;
}

/* ---- the record's in-doubt batch (a pass killed between intent and progress) ---- */

static int wanted_point(void *ud, const src_point *pt)
{
    char id[DOUBT_ID_MAX];
    doubt_point_id(id, pt->timestamp, pt->step, pt->value);
    return count_in(ud, NULL, id);
}

/* One range: e->skip gets "<key>\x1f<id>" -> copies of that point not to send again. */
static int resolve_range(run_exec *e, const st_metric_range *rg)
{
    hmap wanted = {0}, arrived = {0};
    const hmap_entry *a;
    long long n = 0;
    int rc = doubt_read_points(e, rg->key, rg->from, rg->from_line, rg->to, wanted_point, &wanted);
    if (rc != 0 && !e->err.code) rc = err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    if (rc == 0 && wanted.n) rc = doubt_arrived(e, rg->key, rg->from, &wanted, NULL, &arrived, 0);
    HMAP_FOREACH(&arrived, a)
    {
        sbuf k = {0};
        sb_printf(&k, "%s\x1f%s", rg->key, a->key);
        if (rc == 0 && (k.oom || !hmap_put(&e->skip, k.s, NULL, a->ival, 0)))
            rc = err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
        n += a->ival;
        sb_free(&k);
    }
    if (rc == 0)
        verbosef("run %s: metric '%s': %lld of the points in doubt already arrived; they are not sent again",
                 e->r->id, rg->key, n);
    hmap_free(&wanted);
    hmap_free(&arrived);
    return rc;
}

/* Every range of e->acked.in_doubt, into e->skip; the ranges are then e->doubt. */
static int resolve_all(run_exec *e, int settle)
{
    size_t i, k;
    int rc = settle ? histories_still(e) : 0;
    for (i = 0; rc == 0 && i < e->acked.nin_doubt; i++) {
        const st_metric_range *rg = &e->acked.in_doubt[i];
        for (k = 0; k < e->p->nmetrics; k++)
            if (strcmp(e->p->metrics[k].key, rg->key) == 0) break;
        /* only a range the plan starts at (the file was not rewritten since) can be resolved */
        if (k == e->p->nmetrics || e->p->metrics[k].restart || e->p->metrics[k].from != rg->from) continue;
        rc = resolve_range(e, rg);
    }
    if (rc != 0) return rc; /* the record keeps its batch in doubt */
    e->doubt = e->acked.in_doubt; /* taken over: the record written at the end must not carry it again */
    e->ndoubt = e->acked.nin_doubt;
    e->acked.in_doubt = NULL;
    e->acked.nin_doubt = 0;
    return 0;
}

int doubt_resolve_record(run_exec *e) { return resolve_all(e, 1); }

int doubt_unrecorded(run_exec *e)
{
    size_t i, n = 0;
    st_metric_range *rg;
    if (e->created || e->p->known || !e->p->nmetrics || e->acked.nin_doubt) return 0;
    if (!(rg = calloc(e->p->nmetrics, sizeof *rg)))
        return err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    for (i = 0; i < e->p->nmetrics; i++) {
        const plan_metric *m = &e->p->metrics[i];
        if (m->from != 0) continue;
        if (!(rg[n].key = xstrdup(m->key))) break;
        rg[n].to = m->to;
        rg[n++].from_line = 1;
    }
    e->acked.in_doubt = rg;
    e->acked.nin_doubt = n;
    if (i < e->p->nmetrics) return err_set(&e->err, EXIT_FAILED, "metric history", "out of memory");
    return resolve_all(e, 0); /* no batch can be in flight: a pass writes the record before its first batch */
}

int doubt_take(run_exec *e, const char *key, const src_point *pt)
{
    size_t i;
    char id[DOUBT_ID_MAX];
    sbuf k = {0};
    hmap_entry *h;
    if (!e->skip.n) return 0;
    for (i = 0; i < e->ndoubt; i++)
        if (strcmp(e->doubt[i].key, key) == 0 && pt->end_offset > e->doubt[i].from && pt->end_offset <= e->doubt[i].to)
            break;
    if (i == e->ndoubt) return 0;
    doubt_point_id(id, pt->timestamp, pt->step, pt->value);
    sb_printf(&k, "%s\x1f%s", key, id);
    h = k.oom ? NULL : hmap_get(&e->skip, k.s);
    sb_free(&k);
    if (!h || h->ival <= 0) return 0;
    h->ival--;
    return 1;
}

void doubt_free(run_exec *e)
{
    st_run tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.in_doubt = e->doubt;
    tmp.nin_doubt = e->ndoubt;
    st_run_free(&tmp);
    e->doubt = NULL;
    e->ndoubt = 0;
    hmap_free(&e->skip);
}
