/* tools/sync_batch.c — a run's params, tags and new metric lines, sent
 * through log-batch, exactly once:
 *
 *   - metric lines are read by the SRC reader in bounded chunks
 *     (src_metric_read), never a whole file at once;
 *   - items are packed into batches within MLflow's limits (rest_batch_add_*
 *     says when one is full);
 *   - batch_commit() is the one place that sends a batch and records it: it
 *     marks the batch's metric ranges in doubt (state_run_intent), sends it,
 *     and after the server's acknowledgement records the progress
 *     (state_run_progress). A later pass that finds an intent without its
 *     progress knows exactly which ranges may or may not have arrived, and
 *     asks the server's metric history which did (sync_doubt.c); an answer
 *     in doubt within the pass is settled the same way before the rest of
 *     the batch is sent again;
 *   - a batch the server refuses for good (HTTP 4xx: a negative timestamp, a
 *     changed param value, a value too long) is split in halves until the
 *     refused items are alone; those are recorded as refused (by key and
 *     line) and everything else arrives. Before the first item of a run is
 *     declared refused, one harmless write (the run's marker tag again)
 *     proves that the run itself takes writes, so a refusal of the whole run
 *     is never mistaken for refused items.
 */
#include "sync_run.h"
#include "logged_models.h"
#include "msgs.h"

#include <stdlib.h>
#include <string.h>

enum { METRIC_CHUNK_BYTES = 256 << 10 };   /* bytes of metric lines read at a time */

enum { ITEM_PENDING = 0, ITEM_ACKED, ITEM_REFUSED };

typedef struct bitem {
    char kind;                         /* PLAN_PARAM, PLAN_TAG, PLAN_METRIC */
    char state;                        /* ITEM_* */
    const char *key, *value;           /* borrowed from the plan */
    double v;
    long long ts, step;
    long line;
} bitem;

typedef struct bmark {                 /* one metric file's range covered by the batch */
    const char *key;
    long long from, to;
    long from_line, to_line;
} bmark;

typedef struct batch {
    run_exec *e;
    bitem *it; size_t n;               /* at most REST_BATCH_MAX_ITEMS */
    rest_batch rb;                     /* the same items as a request body (it knows the limits) */
    bmark *mk; size_t nmk, capmk;
    kvlist bad_lines;                  /* refused while reading (malformed lines): id -> why */
    long long points, params, tags;    /* acknowledged, for the summary */
    long long arrived;                 /* points of the record's batch in doubt found on the server */
} batch;

/* ---- recording what a batch did ---------------------------------------------------- */

static int record_refusal(run_exec *e, int kind, const char *key, long line, const char *why)
{
    sbuf id = {0};
    int rc = 0;
    plan_item_id(&id, kind, key, line);
    if (id.oom || !hmap_put(&e->acked.refused, id.s, why, 0, 0)) rc = -1;
    else e->refused_unrecorded = 1;
    sb_free(&id);
    return rc;
}

static int forget_refusal(run_exec *e, int kind, const char *key)
{
    sbuf id = {0};
    plan_item_id(&id, kind, key, 0);
    if (id.oom) return -1;
    if (hmap_del(&e->acked.refused, id.s)) e->refused_unrecorded = 1;
    sb_free(&id);
    return 0;
}

/* An acknowledged or refused param/tag: its hash goes into the record either
   way (a refused value is not sent again until it changes). */
static int apply_value(batch *b, const bitem *it)
{
    hmap *sent = it->kind == PLAN_PARAM ? &b->e->acked.param_hash : &b->e->acked.tag_hash;
    char h[17];
    state_value_hash(it->value, h);
    if (!hmap_put(sent, it->key, h, 0, 0)) return -1;
    if (it->state == ITEM_ACKED) {
        if (it->kind == PLAN_PARAM) b->params++;
        else b->tags++;
        return forget_refusal(b->e, it->kind, it->key);
    }
    return 0;
}

/* Everything in the batch was acknowledged or refused: into the record. */
static int batch_apply(batch *b)
{
    size_t i;
    for (i = 0; i < b->n; i++) {
        const bitem *it = &b->it[i];
        if (it->kind != PLAN_METRIC) {
            if (apply_value(b, it) != 0) return -1;
        } else if (it->state == ITEM_ACKED)
            b->points++;
    }
    for (i = 0; i < b->bad_lines.n; i++) {
        if (!hmap_put(&b->e->acked.refused, b->bad_lines.v[i].key, b->bad_lines.v[i].value, 0, 0)) return -1;
        b->e->refused_unrecorded = 1;
    }
    for (i = 0; i < b->nmk; i++)
        if (!hmap_put(&b->e->acked.metric, b->mk[i].key, NULL, b->mk[i].to, b->mk[i].to_line)) return -1;
    return 0;
}

/* The journal: progress lines normally; the whole record when refusals changed. */
static void batch_record(batch *b)
{
    run_exec *e = b->e;
    const char **keys;
    long long *offs;
    long *lines;
    size_t i;
    tool_err te;
    if (!b->nmk && !e->refused_unrecorded) return;
    keys = malloc(b->nmk * sizeof *keys);
    offs = malloc(b->nmk * sizeof *offs);
    lines = malloc(b->nmk * sizeof *lines);
    if (e->refused_unrecorded || !keys || !offs || !lines) exec_record(e);
    else {
        for (i = 0; i < b->nmk; i++) {
            keys[i] = b->mk[i].key;
            offs[i] = b->mk[i].to;
            lines[i] = b->mk[i].to_line;
        }
        if (state_run_progress(e->x->st, e->r->id, b->nmk, keys, offs, lines, &te) != 0) err_report(&te);
    }
    free(keys);
    free(offs);
    free(lines);
}

/* The batch's metric ranges, marked in doubt before the batch is sent. */
static void batch_intent(batch *b)
{
    st_metric_range *rg;
    size_t i;
    tool_err te;
    if (!b->nmk || !(rg = calloc(b->nmk, sizeof *rg))) return; /* without an intent the progress record alone must do */
    for (i = 0; i < b->nmk; i++) {
        rg[i].key = (char *)(size_t)b->mk[i].key; /* st_metric_range owns keys in records; here only read */
        rg[i].from = b->mk[i].from;
        rg[i].to = b->mk[i].to;
        rg[i].from_line = b->mk[i].from_line;
    }
    if (state_run_intent(b->e->x->st, b->e->r->id, b->nmk, rg, &te) != 0) err_report(&te);
    free(rg);
}

/* ---- sending, and isolating refused items ---------------------------------------------- */

static int add_item(rest_batch *rb, const bitem *it)
{
    if (it->kind == PLAN_PARAM) return rest_batch_add_param(rb, it->key, it->value);
    if (it->kind == PLAN_TAG) return rest_batch_add_tag(rb, it->key, it->value);
    return rest_batch_add_metric(rb, it->key, it->v, it->ts, it->step);
}

/* ---- a batch in doubt ------------------------------------------------------------------ */

static int has_metrics(const batch *b, size_t lo, size_t hi)
{
    size_t i;
    for (i = lo; i < hi; i++)
        if (b->it[i].kind == PLAN_METRIC && b->it[i].state == ITEM_PENDING) return 1;
    return 0;
}

static long long batch_from(const batch *b, const char *key)
{
    size_t i;
    for (i = 0; i < b->nmk; i++)
        if (b->mk[i].key == key) return b->mk[i].from;
    return 0;
}

static int count_item(hmap *h, const bitem *it)
{
    char id[DOUBT_ID_MAX];
    hmap_entry *x;
    doubt_point_id(id, it->ts, it->step, it->v);
    if ((x = hmap_get(h, id)) != NULL) {
        x->ival++;
        return 0;
    }
    return hmap_put(h, id, NULL, 1, 0) ? 0 : -1;
}

/* The pending points of `key` in [lo, hi) that the server holds already become acknowledged. */
static int settle_key(batch *b, const char *key, size_t lo, size_t hi)
{
    hmap wanted = {0}, sent = {0}, arrived = {0};
    size_t i;
    int rc = 0;
    for (i = 0; rc == 0 && i < b->n; i++) {
        const bitem *it = &b->it[i];
        if (it->kind != PLAN_METRIC || it->key != key) continue;
        if (it->state == ITEM_ACKED) rc = count_item(&sent, it);
        else if (it->state == ITEM_PENDING && i >= lo && i < hi) rc = count_item(&wanted, it);
    }
    if (rc != 0) rc = err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
    if (rc == 0) rc = doubt_arrived(b->e, key, batch_from(b, key), &wanted, &sent, &arrived, 1);
    for (i = lo; rc == 0 && i < hi; i++) {
        bitem *it = &b->it[i];
        char id[DOUBT_ID_MAX];
        hmap_entry *a;
        if (it->kind != PLAN_METRIC || it->key != key || it->state != ITEM_PENDING) continue;
        doubt_point_id(id, it->ts, it->step, it->v);
        if ((a = hmap_get(&arrived, id)) != NULL && a->ival > 0) {
            a->ival--;
            it->state = ITEM_ACKED;
        }
    }
    hmap_free(&wanted);
    hmap_free(&sent);
    hmap_free(&arrived);
    return rc;
}

/* After an answer that leaves [lo, hi) in doubt: what arrived is acknowledged,
   the rest goes into *rest (params and tags again: MLflow takes a repeat). */
static int settle_batch(batch *b, size_t lo, size_t hi, rest_batch *rest)
{
    size_t i, k;
    int rc = 0;
    for (i = lo; rc == 0 && i < hi; i++) {
        const bitem *it = &b->it[i];
        for (k = lo; k < i; k++)
            if (b->it[k].kind == PLAN_METRIC && b->it[k].key == it->key) break;
        if (it->kind == PLAN_METRIC && it->state == ITEM_PENDING && k == i) rc = settle_key(b, it->key, lo, hi);
    }
    rest_batch_reset(rest);
    for (i = lo; rc == 0 && i < hi; i++)
        if (b->it[i].state == ITEM_PENDING && add_item(rest, &b->it[i]) != 0)
            rc = err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
    return rc;
}

/* One log-batch request for items [lo, hi) (lo == hi: rb alone, no points).
   An answer that leaves it in doubt (none after sending, a 5xx, an overload)
   is followed, after a pause, by a look at the server's metric history: only
   the points that did not arrive are sent again (a file-store server keeps
   repeats, and may have written part of a batch it answered 500), within
   --retries/--retry-max-time. Returns 0, or the class with *re filled; when
   the history itself could not be read, the class with e->err filled and
   re->code 0. */
static int send_request(batch *b, size_t lo, size_t hi, const rest_batch *rb, rest_err *re)
{
    const tool_cfg *c = b->e->x->cfg;
    double until = now_s() + (c->retry_max_time_s > 0 ? c->retry_max_time_s : HTTP_DEFAULT_RETRY_MAX_TIME_S);
    unsigned seed = (unsigned)(size_t)b;
    rest_batch rest;
    int k, rc;
    memset(&rest, 0, sizeof rest);
    for (k = 1;; k++) {
        char why[700];
        long ms;
        rc = rest_log_batch(b->e->rc, b->e->acked.remote_id, rb, re);
        if (rc == 0 || !re->ambiguous || re->code == EXIT_AUTH || k > c->retries || sync_stopped(b->e->x)) break;
        ms = re->retry_after_ms > 0 ? re->retry_after_ms : http_backoff_ms(k, &seed);
        if (now_s() + (double)ms / 1000.0 > until) break;
        warnf("run %s: log-batch: %s; in %.1f s the server's metric history says what arrived, and the rest is "
              "sent again (try %d/%d)", b->e->r->id, rest_errstr(re, why, sizeof why), (double)ms / 1000.0, k,
              c->retries);
        if (sleep_ms_or_stop(ms, b->e->x->stop)) break;
        if (lo < hi && has_metrics(b, lo, hi)) {
            if (settle_batch(b, lo, hi, &rest) != 0) {
                rc = b->e->err.code;
                re->code = 0;
                break;
            }
            rb = &rest;
            if (!rest.nm && !rest.np && !rest.nt) {
                rc = 0;
                break;
            }
        }
    }
    rest_batch_free(&rest);
    return rc;
}

/* A definite 4xx refusal of what was sent (not of who sent it, not a missing run). */
static int is_refusal(const rest_err *re)
{
    return re->code == EXIT_REJECTED && !re->ambiguous && !re->transient && re->status >= 400 &&
           re->status < 500 && re->status != 404 && re->status != 408;
}

/* Proves the run takes writes (its marker tag, sent again) before items are declared refused. */
static int probe_run(batch *b, rest_err *re)
{
    rest_batch rb;
    int rc;
    memset(&rb, 0, sizeof rb);
    rest_batch_add_tag(&rb, SYNC_TAG, b->e->r->id);
    rc = send_request(b, 0, 0, &rb, re);
    rest_batch_free(&rb);
    if (rc == 0) b->e->wrote = 1;
    return rc;
}

static void set_state(batch *b, size_t lo, size_t hi, char to)
{
    size_t i;
    for (i = lo; i < hi; i++) b->it[i].state = to;
}

static int refuse_item(batch *b, size_t i, const rest_err *re)
{
    char why[700];
    bitem *it = &b->it[i];
    rest_errstr(re, why, sizeof why);
    it->state = ITEM_REFUSED;
    warnf("run %s: the server refuses %s '%s'%s: %s", b->e->r->id, plan_item_kind_name(it->kind), it->key,
          it->kind == PLAN_METRIC ? " (a point)" : "", why);
    return record_refusal(b->e, it->kind, it->key, it->kind == PLAN_METRIC ? it->line : 0, why) == 0
               ? 0
               : err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
}

/* Sends items [lo, hi); `pre` is their request body when already built. */
static int batch_send(batch *b, size_t lo, size_t hi, const rest_batch *pre)
{
    rest_batch rb;
    rest_err re;
    size_t i, mid;
    int rc;
    memset(&rb, 0, sizeof rb);
    for (i = lo; !pre && i < hi; i++) /* points found on the server after an answer in doubt are not sent again */
        if (b->it[i].state == ITEM_PENDING) add_item(&rb, &b->it[i]);
    if (!pre && !rb.nm && !rb.np && !rb.nt) return 0;
    rc = send_request(b, lo, hi, pre ? pre : &rb, &re);
    rest_batch_free(&rb);
    if (rc == 0) {
        b->e->wrote = 1;
        set_state(b, lo, hi, ITEM_ACKED);
        return 0;
    }
    if (!re.code) return rc; /* settling the doubt failed: e->err says why */
    if (!is_refusal(&re)) return exec_rest_failed(b->e, &re, "log-batch");
    if (hi - lo == 1) {
        rest_err pe;
        if (!b->e->wrote && probe_run(b, &pe) != 0) return exec_rest_failed(b->e, is_refusal(&pe) ? &re : &pe, "log-batch");
        return refuse_item(b, lo, &re);
    }
    mid = lo + (hi - lo) / 2;
    rc = batch_send(b, lo, mid, NULL);
    return rc ? rc : batch_send(b, mid, hi, NULL);
}

static void batch_reset(batch *b)
{
    b->n = 0;
    b->nmk = 0;
    rest_batch_reset(&b->rb);
    kv_free(&b->bad_lines);
}

/* A failed batch stays in doubt in the run's record (the journal's intent would
   be replaced by the record that exec_run appends at the end). */
static void keep_intent(batch *b)
{
    st_run old;
    st_metric_range *rg = calloc(b->nmk ? b->nmk : 1, sizeof *rg);
    size_t i;
    if (!rg) return;
    for (i = 0; i < b->nmk && (rg[i].key = xstrdup(b->mk[i].key)) != NULL; i++) {
        rg[i].from = b->mk[i].from;
        rg[i].to = b->mk[i].to;
        rg[i].from_line = b->mk[i].from_line;
    }
    memset(&old, 0, sizeof old);
    old.in_doubt = b->e->acked.in_doubt;
    old.nin_doubt = b->e->acked.nin_doubt;
    st_run_free(&old);
    b->e->acked.in_doubt = rg;
    b->e->acked.nin_doubt = i;
}

/* The one place that sends a batch and records it (see the top of this file). */
static int batch_commit(batch *b)
{
    int rc = 0;
    if (!b->n && !b->nmk && !b->bad_lines.n) return 0;
    if (b->n) { /* ranges without a point to send (blank or malformed lines only) cannot be in doubt */
        batch_intent(b);
        rc = batch_send(b, 0, b->n, &b->rb);
        if (rc != 0) keep_intent(b); /* the run's record, written at its end, must still say so */
    }
    if (rc == 0 && batch_apply(b) != 0) rc = err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
    if (rc == 0) batch_record(b);
    batch_reset(b);
    return rc;
}

/* ---- filling batches ------------------------------------------------------------------ */

static int batch_add(batch *b, const bitem *it)
{
    int r = b->n >= REST_BATCH_MAX_ITEMS ? 1 : add_item(&b->rb, it);
    if (r == 1) { /* full: send it, then start the next one with this item (an empty batch takes any item) */
        int rc = batch_commit(b);
        if (rc) return rc;
        r = add_item(&b->rb, it);
    }
    if (r != 0) return err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
    b->it[b->n++] = *it;
    return 0;
}

/* The batch covers metrics/<key> up to `to` (a point's line end, or a chunk's end). */
static int batch_mark(batch *b, const char *key, long long from, long from_line, long long to, long to_line)
{
    bmark *m = b->nmk ? &b->mk[b->nmk - 1] : NULL;
    if (!m || m->key != key) {
        if (b->nmk == b->capmk) {
            size_t cap = b->capmk ? b->capmk * 2 : 16;
            bmark *nv = realloc(b->mk, cap * sizeof *nv);
            if (!nv) return err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
            b->mk = nv;
            b->capmk = cap;
        }
        m = &b->mk[b->nmk++];
        m->key = key;
        m->from = from;
        m->from_line = from_line;
    }
    m->to = to;
    m->to_line = to_line;
    return 0;
}

static int add_values(batch *b, int kind, const kvlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        bitem it;
        int rc;
        memset(&it, 0, sizeof it);
        it.kind = (char)kind;
        it.key = l->v[i].key;
        it.value = l->v[i].value;
        if ((rc = batch_add(b, &it)) != 0) return rc;
    }
    return 0;
}

/* Malformed lines of a chunk: refused with their line numbers, recorded with the batch. */
static int add_bad_lines(batch *b, const char *key, const src_problems *pr)
{
    size_t i;
    for (i = 0; i < pr->n; i++) {
        sbuf id = {0};
        int rc;
        plan_item_id(&id, PLAN_METRIC, key, pr->v[i].line);
        warnf("run %s: metrics/%s line %ld is not a metric line MLflow can read (%s); it is not sent", b->e->r->id,
              key, pr->v[i].line, pr->v[i].why);
        rc = id.oom ? -1 : kv_add(&b->bad_lines, id.s, pr->v[i].why);
        sb_free(&id);
        if (rc != 0) return err_set(&b->e->err, EXIT_FAILED, "log-batch", "out of memory");
    }
    return 0;
}

static int add_chunk(batch *b, const plan_metric *m, const src_metric_chunk *c, long long *pos, long *line)
{
    size_t i;
    int rc = add_bad_lines(b, m->key, &c->problems);
    for (i = 0; rc == 0 && i < c->n; i++) {
        const src_point *pt = &c->pts[i];
        bitem it;
        memset(&it, 0, sizeof it);
        it.kind = PLAN_METRIC;
        it.key = m->key;
        it.v = pt->value;
        it.ts = pt->timestamp;
        it.step = pt->step;
        it.line = pt->line;
        if (doubt_take(b->e, m->key, pt)) b->arrived++; /* it came with a batch in doubt: only the progress */
        else if (!logged_models_holds(b->e->x, b->e->rc, b->e->remote_exp, b->e->r->id, m->key, pt))
            rc = batch_add(b, &it); /* else sent once by its LoggedModel (logged_models_hold.c): only the progress */
        if (rc == 0) rc = batch_mark(b, m->key, *pos, *line, pt->end_offset, pt->line + 1);
        *pos = pt->end_offset;
        *line = pt->line + 1;
    }
    if (rc == 0) rc = batch_mark(b, m->key, *pos, *line, c->end_offset, c->next_line);
    *pos = c->end_offset;
    *line = c->next_line;
    return rc;
}

/* New lines of one metric file, a chunk at a time. */
static int add_metric_file(batch *b, const plan_metric *m)
{
    run_exec *e = b->e;
    long long pos = m->from;
    long line = m->from_line;
    int finished = e->r->status != SRC_RUNNING; /* MLflow reads a last line without '\n' of an ended run */
    int rc = 0;
    while (rc == 0 && pos < m->to && !sync_stopped(e->x)) {
        src_metric_chunk c;
        long long want = m->to - pos < METRIC_CHUNK_BYTES ? m->to - pos : METRIC_CHUNK_BYTES;
        memset(&c, 0, sizeof c);
        rc = src_metric_read(e->x->src, e->r, m->key, pos, line, want, finished, &c, &e->err);
        if (rc == 0) {
            long long before = pos;
            rc = add_chunk(b, m, &c, &pos, &line);
            if (rc == 0 && pos <= before) pos = m->to; /* only an unfinished line is left: next pass */
        }
        src_metric_chunk_free(&c);
    }
    return rc;
}

int exec_batches(run_exec *e)
{
    batch b;
    size_t i;
    int rc;
    memset(&b, 0, sizeof b);
    b.e = e;
    b.it = calloc(REST_BATCH_MAX_ITEMS, sizeof *b.it);
    if (!b.it) return err_set(&e->err, EXIT_FAILED, "log-batch", "out of memory");
    rc = e->acked.nin_doubt ? doubt_resolve_record(e) : doubt_unrecorded(e);
    if (rc == 0) rc = add_values(&b, PLAN_PARAM, &e->p->params);
    if (rc == 0) rc = add_values(&b, PLAN_TAG, &e->p->tags);
    for (i = 0; rc == 0 && i < e->p->nmetrics; i++) rc = add_metric_file(&b, &e->p->metrics[i]);
    if (rc == 0) rc = batch_commit(&b);
    summary_add(&e->x->sum->metric_points, b.points);
    summary_add(&e->x->sum->params, b.params);
    summary_add(&e->x->sum->tags, b.tags);
    batch_reset(&b);
    rest_batch_free(&b.rb);
    free(b.it);
    free(b.mk);
    return rc;
}
