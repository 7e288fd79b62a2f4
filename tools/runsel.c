/* tools/runsel.c — selecting runs: candidates by experiment and lifecycle,
 * MLflow's filter (clause by clause, values read lazily), its order, --max.
 * See runsel.h. */
#define _POSIX_C_SOURCE 200809L
#include "runsel.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct runsel_cell {
    int kind, attr;
    char *key;
    sf_value v;
    char *own;                         /* the string v.s points into, when read from a file */
} runsel_cell;

struct runsel_run {
    runsel_cell *cells; size_t n, cap;
    sf_dataset *ds; size_t nds;
    src_run_files inputs;              /* owns the dataset strings */
    int ds_loaded, matched;
    long bad_lines, read_errors;
};

/* ---- one value --------------------------------------------------------------------------- */

static void attr_value(const src_run *r, int attr, sf_value *v)
{
    memset(v, 0, sizeof *v);
    v->present = 1;
    switch (attr) {
    case SF_A_RUN_ID: v->s = r->id; break;
    case SF_A_RUN_NAME: v->s = r->name; break;
    case SF_A_STATUS: v->s = src_status_name(r->status); break;
    case SF_A_USER_ID: v->s = r->user_id; break;
    case SF_A_ARTIFACT_URI: v->s = r->artifact_uri; break;
    case SF_A_START_TIME: v->is_num = 1, v->d = (double)r->start_time; break;
    case SF_A_END_TIME: v->is_num = 1, v->d = (double)r->end_time, v->present = r->has_end; break;
    default: v->present = 0;
    }
}

int runsel_read_value(src_store *s, src_run *r, int kind, const char *key, int attr, sf_value *v, char **own,
                      long *bad_lines)
{
    tool_err e;
    src_point pt;
    long bad = 0;
    int rc;
    memset(v, 0, sizeof *v);
    *own = NULL;
    if (kind == SF_ATTR) return attr_value(r, attr, v), 0;
    if (kind == SF_METRIC) {
        rc = src_metric_latest(s, r, key, &pt, &bad, &e);
        if (bad_lines) *bad_lines += bad;
        v->present = rc == 1;
        v->is_num = 1;
        v->d = pt.value;
        return rc < 0 ? -1 : 0;
    }
    *own = src_run_read_value(s, r, kind == SF_PARAM ? "params" : "tags", key);
    v->present = *own != NULL;
    v->s = *own;
    return 0;
}

static runsel_cell *find_cell(runsel_run *rr, int kind, const char *key, int attr)
{
    size_t i;
    for (i = 0; i < rr->n; i++)
        if (rr->cells[i].kind == kind && rr->cells[i].attr == attr &&
            (kind == SF_ATTR || !strcmp(rr->cells[i].key, key)))
            return &rr->cells[i];
    return NULL;
}

/* the cached value, read now if it was not yet; NULL only when out of memory */
static const sf_value *cell_value(runsel *rs, size_t ci, int kind, const char *key, int attr)
{
    runsel_run *rr = &rs->rr[ci];
    runsel_cell *c = find_cell(rr, kind, key, attr);
    if (c) return &c->v;
    if (rr->n == rr->cap) {
        size_t nc = rr->cap ? rr->cap * 2 : 4;
        runsel_cell *nv = realloc(rr->cells, nc * sizeof *nv);
        if (!nv) return NULL;
        rr->cells = nv;
        rr->cap = nc;
    }
    c = &rr->cells[rr->n];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->attr = attr;
    if (kind != SF_ATTR && !(c->key = xstrdup(key))) return NULL;
    if (runsel_read_value(rs->store, rs->cand[ci], kind, key, attr, &c->v, &c->own, &rr->bad_lines) != 0)
        rr->read_errors++;
    rr->n++;
    return &c->v;
}

/* the run's dataset inputs, read once */
static int load_datasets(runsel *rs, size_t ci)
{
    runsel_run *rr = &rs->rr[ci];
    tool_err e;
    size_t i;
    if (rr->ds_loaded) return 0;
    rr->ds_loaded = 1;
    if (src_run_read(rs->store, rs->cand[ci], SRC_READ_INPUTS, &rr->inputs, &e) != 0) return rr->read_errors++, 0;
    if (!rr->inputs.ninputs) return 0;
    if (!(rr->ds = calloc(rr->inputs.ninputs, sizeof *rr->ds))) return -1;
    for (i = 0; i < rr->inputs.ninputs; i++) {
        const src_dataset_input *in = &rr->inputs.inputs[i];
        rr->ds[i].name = in->name;
        rr->ds[i].digest = in->digest;
        rr->ds[i].context = kv_get(&in->tags, "mlflow.data.context");
    }
    rr->nds = rr->inputs.ninputs;
    return 0;
}

const sf_value *runsel_value(runsel *rs, size_t row, int kind, const char *key, int attr)
{
    static const sf_value absent = {0, 0, NULL, 0};
    const sf_value *v;
    if (row >= rs->n) return &absent;
    v = cell_value(rs, rs->row_cand[row], kind, key, attr);
    return v ? v : &absent;
}

/* ---- the filter, run by run ----------------------------------------------------------------- */

/* all clauses in order, stopping at the first false one (what MLflow's all() does) */
static int run_matches(runsel *rs, size_t ci)
{
    size_t k;
    for (k = 0; k < rs->filter.n; k++) {
        const sf_clause *c = &rs->filter.v[k];
        int hit;
        if (c->kind == SF_DATASET) {
            if (load_datasets(rs, ci) != 0) return -1;
            hit = sf_match_datasets(c, rs->rr[ci].ds, rs->rr[ci].nds);
        } else {
            const sf_value *v = cell_value(rs, ci, c->kind, c->key, c->attr);
            if (!v) return -1;
            hit = sf_match(c, v);
        }
        if (!hit) return 0;
    }
    return 1;
}

/* one candidate: filtered, and its order values read while we are at it */
static int visit(runsel *rs, size_t ci)
{
    size_t k;
    int m = run_matches(rs, ci);
    if (m < 0) return -1;
    rs->rr[ci].matched = m;
    for (k = 0; m && k < rs->norders; k++)
        if (!cell_value(rs, ci, rs->orders[k].kind, rs->orders[k].key, rs->orders[k].attr)) return -1;
    return 0;
}

typedef struct pool {
    runsel *rs;
    size_t next;
    int failed;
    pthread_mutex_t mu;
} pool;

static void *pool_worker(void *vp)
{
    pool *p = vp;
    for (;;) {
        size_t i, from;
        pthread_mutex_lock(&p->mu);
        from = p->next;
        p->next += 32;
        pthread_mutex_unlock(&p->mu);
        if (from >= p->rs->ncand) break;
        for (i = from; i < from + 32 && i < p->rs->ncand; i++)
            if (visit(p->rs, i) != 0) {
                pthread_mutex_lock(&p->mu);
                p->failed = 1;
                pthread_mutex_unlock(&p->mu);
            }
    }
    return NULL;
}

/* visit() for every candidate on RUNSEL_THREADS threads (fewer for few runs) */
static int visit_all(runsel *rs)
{
    pthread_t th[RUNSEL_THREADS];
    pool p;
    size_t k, nth = rs->ncand < 256 ? 1 : RUNSEL_THREADS, started = 0;
    memset(&p, 0, sizeof p);
    p.rs = rs;
    pthread_mutex_init(&p.mu, NULL);
    for (k = 1; k < nth; k++)
        if (pthread_create(&th[started], NULL, pool_worker, &p) == 0) started++;
    pool_worker(&p);
    for (k = 0; k < started; k++) pthread_join(th[k], NULL);
    pthread_mutex_destroy(&p.mu);
    return p.failed ? -1 : 0;
}

/* ---- the order ------------------------------------------------------------------------------ */

/* the order clauses in turn, then MLflow's base order: start_time descending, run_id */
static int row_cmp(const runsel *rs, size_t x, size_t y)
{
    const src_run *rx = rs->cand[x], *ry = rs->cand[y];
    size_t k;
    for (k = 0; k < rs->norders; k++) {
        const sf_order *o = &rs->orders[k];
        const runsel_cell *cx = find_cell(&rs->rr[x], o->kind, o->key, o->attr);
        const runsel_cell *cy = find_cell(&rs->rr[y], o->kind, o->key, o->attr);
        int c = sf_order_cmp(o, &cx->v, &cy->v);
        if (c) return c;
    }
    if (rx->start_time != ry->start_time) return rx->start_time > ry->start_time ? -1 : 1;
    return strcmp(rx->id, ry->id);
}

/* merge sort of candidate indices by row_cmp (qsort has no context argument) */
static void sort_rows(const runsel *rs, size_t *v, size_t *tmp, size_t n)
{
    size_t h = n / 2, i = 0, j = h, k = 0;
    if (n < 2) return;
    sort_rows(rs, v, tmp, h);
    sort_rows(rs, v + h, tmp, n - h);
    while (i < h && j < n) tmp[k++] = row_cmp(rs, v[j], v[i]) < 0 ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* ---- open and close -------------------------------------------------------------------------- */

/* the runs MLflow would look at: not in a deleted experiment unless -e named it, the view */
static int collect_candidates(runsel *rs, const runsel_opts *o)
{
    size_t i, n = src_store_nruns(rs->store);
    rs->cand = malloc((n ? n : 1) * sizeof *rs->cand);
    rs->rr = calloc(n ? n : 1, sizeof *rs->rr);
    if (!rs->cand || !rs->rr) return -1;
    for (i = 0; i < n; i++) {
        src_run *r = src_store_run(rs->store, i);
        if (r->exp->deleted && !o->has_experiments) continue;
        if ((o->view == RUNSEL_ACTIVE && r->deleted) || (o->view == RUNSEL_DELETED && !r->deleted)) continue;
        rs->cand[rs->ncand++] = r;
    }
    return 0;
}

static int parse_all(runsel *rs, const runsel_opts *o, tool_err *e)
{
    char err[1024];
    size_t k;
    if (sf_parse_filter(o->filter, &rs->filter, err, sizeof err) != 0)
        return err_set(e, EXIT_USAGE, "--filter", "%s", err);
    if (o->norder_by && !(rs->orders = calloc(o->norder_by, sizeof *rs->orders)))
        return err_set(e, EXIT_FAILED, "--order-by", "out of memory");
    for (k = 0; k < o->norder_by; k++, rs->norders++)
        if (sf_parse_order(o->order_by[k], &rs->orders[k], err, sizeof err) != 0)
            return err_set(e, EXIT_USAGE, "--order-by", "%s", err);
    return 0;
}

/* the matched candidates, sorted, cut to --max */
static int make_rows(runsel *rs, const runsel_opts *o)
{
    size_t i, *tmp;
    rs->row_cand = malloc((rs->ncand ? rs->ncand : 1) * sizeof *rs->row_cand);
    tmp = malloc((rs->ncand ? rs->ncand : 1) * sizeof *tmp);
    if (!rs->row_cand || !tmp) return free(tmp), -1;
    for (i = 0; i < rs->ncand; i++) {
        if (rs->rr[i].matched) rs->row_cand[rs->matched++] = i;
        rs->bad_lines += rs->rr[i].bad_lines;
        rs->read_errors += rs->rr[i].read_errors;
    }
    sort_rows(rs, rs->row_cand, tmp, rs->matched);
    free(tmp);
    rs->n = o->max > 0 && (size_t)o->max < rs->matched ? (size_t)o->max : rs->matched;
    if (!(rs->runs = malloc((rs->n ? rs->n : 1) * sizeof *rs->runs))) return -1;
    for (i = 0; i < rs->n; i++) rs->runs[i] = rs->cand[rs->row_cand[i]];
    return 0;
}

int runsel_open(runsel *rs, src_store *s, const runsel_opts *o, tool_err *e)
{
    int rc;
    memset(rs, 0, sizeof *rs);
    err_clear(e);
    rs->store = s;
    if ((rc = parse_all(rs, o, e)) != 0) return rc;
    if (collect_candidates(rs, o) != 0 || visit_all(rs) != 0 || make_rows(rs, o) != 0)
        return err_set(e, EXIT_FAILED, src_store_root(s), "out of memory while selecting runs");
    return 0;
}

void runsel_close(runsel *rs)
{
    size_t i, k;
    for (i = 0; rs->rr && i < rs->ncand; i++) {
        runsel_run *rr = &rs->rr[i];
        for (k = 0; k < rr->n; k++) free(rr->cells[k].key), free(rr->cells[k].own);
        free(rr->cells);
        free(rr->ds);
        if (rr->ds_loaded) src_run_files_free(&rr->inputs);
    }
    free(rs->rr);
    free(rs->cand);
    free(rs->row_cand);
    free(rs->runs);
    sf_filter_free(&rs->filter);
    for (k = 0; k < rs->norders; k++) sf_order_free(&rs->orders[k]);
    free(rs->orders);
    memset(rs, 0, sizeof *rs);
}
