/* tools/sync_run.c — one run, start to end: its files and its record are
 * compared (plan.c), and what differs is sent in this order:
 *
 *   1. the remote run: from the record, else found by its marker tag
 *      (mlflow_lite.source_run_id = <local id>, deleted runs restored), else
 *      created once (create_once; an intent record goes first, so that a pass
 *      killed while its runs/create was in flight is followed by one that
 *      waits for it instead of creating a second run);
 *   2. params, tags and metric lines (sync_batch.c), progress per batch;
 *   3. tags deleted locally, dataset inputs, artifacts;
 *   4. runs/update with status, end time and name;
 *   5. after a create that may have raced an earlier one: other active
 *      remote runs with the same marker are deleted (they hold no data);
 *   6. the record, as acknowledged.
 * A run whose recorded remote copy is gone (404: the server was reset) is
 * searched and re-created once. A failure fails this run only; its class
 * decides (sync_failed) whether the pass goes on. */
#include "sync_run.h"
#include "artifacts.h"
#include "msgs.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CREATE_SETTLE_MS = 2000 };   /* how long a runs/create of a killed pass may still be in flight */

/* ---- helpers shared with sync_batch.c --------------------------------------------- */

int exec_rest_failed(run_exec *e, const rest_err *re, const char *what)
{
    if (rest_is_absent(re) && e->p->known && !e->created) e->gone = 1;
    return rest_err_to_tool(re, &e->err, what);
}

void exec_record(run_exec *e)
{
    tool_err te;
    if (e->x->cfg->dry_run) return;
    if (state_put_run(e->x->st, e->r->id, &e->acked, &te) != 0) err_report(&te);
    else e->refused_unrecorded = 0;
}

/* ---- 1. the remote run ---------------------------------------------------------------- */

typedef struct run_find {
    run_exec *e;
    int intent;                        /* the record says an earlier runs/create may be in flight */
    int rounds;                        /* finds so far */
    rest_err last_create;              /* why the previous create failed, for the message */
    rest_run found;
} run_find;

static int pick_run(run_find *f, rest_run *v, size_t n, char **id, rest_err *re)
{
    size_t i, pick = 0;
    for (i = 0; i < n; i++)
        if (!v[i].deleted) {
            pick = i;
            break;
        }
    rest_run_free(&f->found);
    f->found = v[pick];
    memset(&v[pick], 0, sizeof v[pick]);
    if (f->found.deleted) {
        notef("run %s: its remote copy %s is deleted; restoring it", f->e->r->id, f->found.id);
        if (rest_run_restore(f->e->rc, f->found.id, re) != 0) return -1;
        f->found.deleted = 0;
    }
    *id = xstrdup(f->found.id);
    return *id ? 1 : -1;
}

static int run_find_cb(void *ud, char **id, rest_err *re)
{
    run_find *f = ud;
    run_exec *e = f->e;
    rest_run *v = NULL;
    size_t n = 0;
    int rc;
    /* A file-store server answers runs/search by reading every run of the
       experiment with all its metric files: a search per new run made a first
       sync quadratic there. An experiment this pass created has no run to find. */
    if (f->rounds == 0 && e->exp_fresh && !f->intent) {
        f->rounds++;
        return 0;
    }
    if (f->rounds++ > 0 && f->last_create.code) {
        char why[700];
        warnf("run %s: runs/create failed (%s); checking whether the run was created anyway", e->r->id,
              rest_errstr(&f->last_create, why, sizeof why));
    }
    rc = rest_run_search_by_tag(e->rc, e->remote_exp, SYNC_TAG, e->r->id, "ALL", &v, &n, re);
    if (rc == 0 && n == 0 && f->intent && f->rounds == 1) {
        verbosef("run %s: an interrupted create may be in flight; waiting 2 s before searching again", e->r->id);
        sleep_ms(CREATE_SETTLE_MS);
        rc = rest_run_search_by_tag(e->rc, e->remote_exp, SYNC_TAG, e->r->id, "ALL", &v, &n, re);
    }
    if (rc != 0) rc = -1;
    else rc = n ? pick_run(f, v, n, id, re) : 0;
    rest_runs_free(v, n);
    return rc;
}

static int run_create_cb(void *ud, char **id, rest_err *re)
{
    run_find *f = ud;
    run_exec *e = f->e;
    rest_run_create_req q;
    kvlist tags = {0};
    int rc;
    if (!f->intent) { /* before the request that cannot be repeated: the next pass will know */
        st_run mark;
        tool_err te;
        memset(&mark, 0, sizeof mark);
        mark.end_time = -1;
        mark.creating = now_ms();
        if (state_put_run(e->x->st, e->r->id, &mark, &te) != 0) err_report(&te);
        f->intent = 1;
    }
    memset(&q, 0, sizeof q);
    q.experiment_id = e->remote_exp;
    q.user_id = e->r->user_id;
    q.run_name = e->r->name;
    q.start_time = e->r->start_time;
    q.tags = &tags;
    rc = kv_add(&tags, SYNC_TAG, e->r->id) == 0 ? 0 : -1;
    rest_run_free(&f->found);
    if (rc == 0) rc = rest_run_create(e->rc, &q, &f->found, re);
    else err_set(&e->err, EXIT_FAILED, "runs/create", "out of memory");
    kv_free(&tags);
    f->last_create = *re;
    if (rc != 0) return -1;
    *id = xstrdup(f->found.id);
    return *id ? 0 : -1;
}

/* Finds or creates the remote run; the record then names it (written at once,
   so that progress records of the batches apply to it). */
static int exec_remote(run_exec *e, int intent)
{
    run_find f;
    create_once_ops ops;
    char *id = NULL;
    rest_err re;
    int created = 0, rc;
    if (e->p->known) return 0;
    memset(&f, 0, sizeof f);
    f.e = e;
    f.intent = intent;
    memset(&ops, 0, sizeof ops);
    ops.find = run_find_cb;
    ops.create = run_create_cb;
    ops.ud = &f;
    ops.settle_ms = CREATE_SETTLE_MS;
    rest_err_clear(&re);
    rc = create_once(&ops, &id, &created, &re);
    if (rc == 0) {
        e->created = created;
        e->acked.remote_id = id;
        e->acked.artifact_uri = xstrdup(f.found.artifact_uri ? f.found.artifact_uri : "");
        e->acked.remote_exp = xstrdup(e->remote_exp);
        e->acked.creating = 0;
        /* a create that may have raced one of a killed pass: look for a twin at the end */
        e->dedupe = created && (intent || f.rounds > 1);
        exec_record(e);
    } else {
        free(id);
        exec_rest_failed(e, &re, "finding or creating the remote run");
    }
    rest_run_free(&f.found);
    return rc == 0 ? 0 : e->err.code;
}

/* ---- 3. deleted tags, inputs, artifacts -------------------------------------------------- */

static int exec_deleted_tags(run_exec *e)
{
    size_t i;
    for (i = 0; i < e->p->del_tags.n; i++) {
        const char *k = e->p->del_tags.v[i].key;
        rest_err re;
        if (rest_run_delete_tag(e->rc, e->acked.remote_id, k, &re) != 0) /* a tag already gone counts as deleted */
            return exec_rest_failed(e, &re, "runs/delete-tag");
        hmap_del(&e->acked.tag_hash, k);
    }
    return 0;
}

static int exec_inputs(run_exec *e, const src_run_files *f)
{
    rest_dataset_input *d;
    rest_err re;
    size_t i;
    int rc;
    if (!e->p->send_inputs) return 0;
    d = calloc(f->ninputs, sizeof *d);
    if (!d) return err_set(&e->err, EXIT_FAILED, "log-inputs", "out of memory");
    for (i = 0; i < f->ninputs; i++) {
        const src_dataset_input *s = &f->inputs[i];
        d[i].name = s->name;
        d[i].digest = s->digest;
        d[i].source_type = s->source_type;
        d[i].source = s->source;
        d[i].schema = s->schema;
        d[i].profile = s->profile;
        d[i].tags = &s->tags;
    }
    rc = rest_log_inputs(e->rc, e->acked.remote_id, d, f->ninputs, &re);
    free(d);
    if (rc != 0) return exec_rest_failed(e, &re, "log-inputs");
    e->acked.inputs_sent = (long)f->ninputs;
    return 0;
}

static int upload_one(run_exec *e, const art_target *t, const plan_artifact *a, tool_err *te)
{
    long long size = 0;
    int fd = src_artifact_open(e->x->src, e->r, a->rel, &size, te), rc;
    if (fd < 0) return te->code ? te->code : err_set(te, EXIT_SOURCE, a->rel, "cannot be opened");
    rc = art_upload(t, fd, a->rel, size, te, NULL);
    close(fd);
    if (rc == 0) {
        summary_add(&e->x->sum->artifacts, 1);
        summary_add(&e->x->sum->artifact_bytes, size);
    }
    return rc;
}

/* Every artifact is tried; the first failure fails the run (the others are recorded). */
static int exec_artifacts(run_exec *e)
{
    art_target t;
    size_t i;
    int first = 0;
    t.rc = e->rc;
    t.cfg = &e->x->cfg->art;
    t.artifact_uri = e->acked.artifact_uri;
    t.run_id = e->acked.remote_id;
    t.session = e->x->arts;
    for (i = 0; i < e->p->narts && !sync_stopped(e->x); i++) {
        const plan_artifact *a = &e->p->arts[i];
        tool_err te;
        err_clear(&te);
        if (upload_one(e, &t, a, &te) == 0) {
            if (!hmap_put(&e->acked.artifact, a->rel, a->stamp, 0, 0)) return err_set(&e->err, EXIT_FAILED, a->rel, "out of memory");
            continue;
        }
        if (!first) {
            e->err = te;
            first = te.code;
        }
        if (exit_is_global(te.code)) break;
    }
    return first;
}

/* ---- 4. status; 5. twins ------------------------------------------------------------------ */

static int exec_meta(run_exec *e)
{
    const src_run *r = e->r;
    if (e->p->update_meta) {
        rest_err re;
        if (rest_run_update(e->rc, e->acked.remote_id, src_status_name(r->status), r->has_end ? r->end_time : -1,
                            r->name, &re) != 0)
            return exec_rest_failed(e, &re, "runs/update");
    }
    free(e->acked.name);
    e->acked.name = xstrdup(r->name);
    e->acked.status = r->status;
    e->acked.end_time = r->has_end ? r->end_time : -1;
    return e->acked.name ? 0 : err_set(&e->err, EXIT_FAILED, "runs/update", "out of memory");
}

/* Other active remote runs with our marker can only be bare duplicates of a
   create whose answer never came: they are deleted. */
static void exec_dedupe(run_exec *e)
{
    rest_run *v = NULL;
    size_t n = 0, i;
    rest_err re;
    int nd = 0;
    if (!e->dedupe) return;
    if (rest_run_search_by_tag(e->rc, e->remote_exp, SYNC_TAG, e->r->id, "ACTIVE_ONLY", &v, &n, &re) != 0) {
        char why[700];
        warnf("run %s: cannot check for duplicate remote runs: %s", e->r->id, rest_errstr(&re, why, sizeof why));
        return;
    }
    for (i = 0; i < n; i++)
        if (strcmp(v[i].id, e->acked.remote_id) != 0 && rest_run_delete(e->rc, v[i].id, &re) == 0) nd++;
    if (nd) warnf("run %s: deleted %d empty duplicate remote run(s) left by an interrupted sync", e->r->id, nd);
    rest_runs_free(v, n);
}

/* ---- the whole run ---------------------------------------------------------------------------- */

static int exec_run(run_exec *e, const src_run_files *f, int intent)
{
    int rc = exec_remote(e, intent);
    if (rc == 0) rc = exec_batches(e);
    if (rc == 0) rc = exec_deleted_tags(e);
    if (rc == 0) rc = exec_inputs(e, f);
    if (rc == 0) rc = exec_artifacts(e);
    if (rc == 0 && !sync_stopped(e->x)) rc = exec_meta(e);
    if (rc == 0) exec_dedupe(e);
    if (e->acked.remote_id && !e->gone) exec_record(e);
    return rc;
}

/* ---- one run: load, plan, execute, count -------------------------------------------------------- */

typedef struct run_input {
    st_run rec;
    int have_rec;                      /* a record with a remote run (or an intent to create one) */
    src_run_files files;
    src_artifacts arts;
    char *parent_remote;
} run_input;

static void input_free(run_input *in)
{
    if (in->have_rec) st_run_free(&in->rec);
    src_run_files_free(&in->files);
    src_artifacts_free(&in->arts);
    free(in->parent_remote);
    memset(in, 0, sizeof *in);
}

static void report_problems(sync_ctx *x, const src_problems *pr)
{
    sync_report_problems(x, pr);
    summary_add(&x->files_skipped, (long long)pr->n);
}

/* The run's files, its record and its parent's remote id. 0, or the EXIT_* class with te filled. */
static int load_run(sync_ctx *x, const src_run *r, int use_record, run_input *in, tool_err *te)
{
    memset(in, 0, sizeof *in);
    in->have_rec = use_record && !x->cfg->reconcile && state_get_run(x->st, r->id, &in->rec);
    if (in->have_rec && !in->rec.remote_id && !in->rec.creating) { /* nothing in it we can use */
        st_run_free(&in->rec);
        in->have_rec = 0;
    }
    if (r->parent_id) {
        st_run parent;
        if (state_get_run(x->st, r->parent_id, &parent)) {
            if (parent.remote_id) in->parent_remote = xstrdup(parent.remote_id);
            st_run_free(&parent);
        }
    }
    if (src_run_read(x->src, r, SRC_READ_ALL, &in->files, te) != 0) return te->code;
    if (src_artifacts_list(x->src, r, &in->arts, te) != 0) return te->code;
    report_problems(x, &in->files.problems);
    report_problems(x, &in->arts.problems);
    return 0;
}

static const st_run *usable_record(const run_input *in)
{
    return in->have_rec && in->rec.remote_id ? &in->rec : NULL;
}

static int plan_of(const src_run *r, const run_input *in, run_plan *p, tool_err *te)
{
    plan_in pi;
    memset(&pi, 0, sizeof pi);
    pi.run = r;
    pi.files = &in->files;
    pi.arts = &in->arts;
    pi.rec = usable_record(in);
    pi.parent_remote = in->parent_remote;
    return plan_run(&pi, p) == 0 ? 0 : err_set(te, EXIT_FAILED, "planning", "out of memory");
}

static void print_plan(const src_run *r, const run_plan *p)
{
    helpf("%s run %s (experiment '%s', %s): %zu params, %zu tags, %lld bytes of metric lines, %zu artifacts "
          "(%lld bytes)%s%s\n",
          p->known ? "update" : "create-or-reconcile", r->id, r->exp->name, src_status_name(r->status),
          p->params.n, p->tags.n, p->metric_bytes, p->narts, p->art_bytes, p->send_inputs ? ", inputs" : "",
          p->meta_changed ? ", status/end time" : "");
}

/* The refused items that remain after this pass, listed for the summary. */
static void report_refused(sync_ctx *x, const src_run *r, const hmap *refused)
{
    const hmap_entry *it;
    HMAP_FOREACH(refused, it)
    {
        int kind;
        char *key;
        long line;
        if (plan_item_parse(it->key, &kind, &key, &line) != 0) continue;
        summary_refused(x->sum, r->id, plan_item_kind_name(kind), key, line, it->sval ? it->sval : "");
        free(key);
    }
}

/* The record as it starts: the old one (moved out of in), with the plan's refusals merged in. */
static int start_record(run_exec *e, run_input *in)
{
    const hmap_entry *it;
    size_t i;
    memset(&e->acked, 0, sizeof e->acked);
    e->acked.end_time = -1;
    if (usable_record(in)) {
        e->acked = in->rec;
        memset(&in->rec, 0, sizeof in->rec);
        in->have_rec = 0;
    }
    HMAP_FOREACH(&e->p->refuse, it)
    {
        if (!hmap_put(&e->acked.refused, it->key, it->sval, 0, 0)) return -1;
        e->refused_unrecorded = 1;
    }
    for (i = 0; i < e->p->unrefuse.n; i++)
        if (hmap_del(&e->acked.refused, e->p->unrefuse.v[i].key)) e->refused_unrecorded = 1;
    return 0;
}

/* Executes the plan; returns as attempt_run does. */
static int execute(sync_ctx *x, const rest_ctx *rc, const src_run *r, run_input *in, const run_plan *p,
                   tool_err *te)
{
    run_exec e;
    const hmap_entry *ex = hmap_get(&x->exp_remote, r->exp->id); /* sync_run checked it is there */
    int intent = in->have_rec && !in->rec.remote_id && in->rec.creating, code;
    memset(&e, 0, sizeof e);
    e.x = x;
    e.rc = rc;
    e.r = r;
    e.p = p;
    e.remote_exp = ex->sval;
    e.exp_fresh = ex->ival == 1;
    err_clear(&e.err);
    if (start_record(&e, in) != 0) code = err_set(te, EXIT_FAILED, "the run's record", "out of memory");
    else {
        code = exec_run(&e, &in->files, intent);
        if (e.gone) code = -1;
        else if (code) *te = e.err;
        else summary_add(e.created ? &x->sum->runs_created : &x->sum->runs_updated, 1);
        if (!e.gone) report_refused(x, r, &e.acked.refused);
    }
    st_run_free(&e.acked);
    doubt_free(&e);
    return code;
}

/* One attempt: load, plan, then nothing / print / execute. Returns 0, the
   EXIT_* class, or -1 = the recorded remote run is gone: try again without it. */
static int attempt_run(sync_ctx *x, const rest_ctx *rc, const src_run *r, int use_record, tool_err *te)
{
    run_input in;
    run_plan p;
    int code = load_run(x, r, use_record, &in, te);
    memset(&p, 0, sizeof p);
    if (code == 0) code = plan_of(r, &in, &p, te);
    if (code == 0 && p.parent_waits && !x->cfg->dry_run)
        warnf("run %s: its parent run %s is not synced; the parent tag waits", r->id, r->parent_id);
    if (code == 0 && p.nothing) {
        summary_add(&x->sum->runs_unchanged, 1);
        report_refused(x, r, &in.rec.refused);
    } else if (code == 0 && x->cfg->dry_run) {
        print_plan(r, &p);
        summary_add(&x->sum->runs_updated, 1);
    } else if (code == 0)
        code = execute(x, rc, r, &in, &p, te);
    plan_free(&p);
    input_free(&in);
    return code;
}

static void run_failed(sync_ctx *x, const src_run *r, tool_err *te, int quiet)
{
    sbuf item = {0};
    sb_printf(&item, "run %s (experiment '%s')", r->id, r->exp->name);
    sync_err_prefix(te, item.oom ? "run" : item.s);
    sb_free(&item);
    if (!quiet) err_report(te);
    summary_add(&x->sum->runs_failed, 1);
    summary_fail(x->sum, te->code, r->id, te->what, te->why);
    sync_failed(x, te->code);
}

void sync_run(sync_ctx *x, const rest_ctx *rc, const src_run *r)
{
    const hmap_entry *ex = hmap_get(&x->exp_remote, r->exp->id);
    tool_err te;
    int attempt, code = -1;
    err_clear(&te);
    if (sync_stopped(x)) { /* listed when a global failure stopped the pass; after a signal, not */
        if (!x->global_code) return;
        err_set(&te, x->global_code, "", "not attempted: %s", exit_what(x->global_code));
        run_failed(x, r, &te, 1);
        return;
    }
    if (!ex || !ex->sval || (!ex->sval[0] && !x->cfg->dry_run)) {
        err_set(&te, EXIT_REJECTED, "", "its experiment could not be synced (see above)");
        run_failed(x, r, &te, 0);
        return;
    }
    for (attempt = 0; attempt < 2 && code == -1; attempt++) {
        tool_err de;
        err_clear(&te);
        code = attempt_run(x, rc, r, attempt == 0, &te);
        if (code != -1) break;
        warnf("run %s: the remote run recorded in the sync state is gone; searching and re-creating", r->id);
        if (state_drop_run(x->st, r->id, &de) != 0) err_report(&de);
    }
    if (code == -1) code = err_set(&te, EXIT_REJECTED, "", "its remote copy vanished twice while it was synced");
    if (code) run_failed(x, r, &te, 0);
    else __atomic_store_n(&x->any_ok, 1, __ATOMIC_RELAXED);
}
