/* tools/logged_models_stage.c — the pass's stage between the runs and the
 * registry: every MLflow 3 LoggedModel of SRC (<exp>/models/m-*), whether a
 * registry version names it or not, carried by logged_models.c; then the
 * runs' outputs (<run>/outputs/<model id>: run -> model, with its step) sent
 * with runs/outputs once both ends exist remotely.
 *
 * A server without the logged-models endpoints (MLflow 2.x answers 404 with
 * an HTML page) is said once, by name, and the stage stops asking it; the
 * runs and the registry versions that do not need a LoggedModel still sync.
 * One model or run that fails never stops the others. */
#include "logged_models.h"
#include "msgs.h"
#include "rest_tracking.h"

#include <stdlib.h>
#include <string.h>

typedef struct lm_stage {
    sync_ctx *x;
    const rest_ctx *rc;
    long failed, waiting, unsent;      /* unsent: left out because the server has no endpoints */
    int said;                          /* the server's missing endpoints were reported */
} lm_stage;

static void stage_failed(lm_stage *g, const char *what, tool_err *te)
{
    sync_err_prefix(te, what);
    err_report(te);
    summary_fail(g->x->sum, te->code, NULL, te->what, te->why);
    g->failed++;
}

static void no_endpoints_once(lm_stage *g, const char *what)
{
    g->unsent++;
    if (g->said++) return;
    errorf(EXIT_PARTIAL, "%s: the server has no LoggedModel endpoints (POST /api/2.0/mlflow/logged-models/search answered "
           "HTTP 404 without MLflow's error body: an MLflow before 3.0, which has no LoggedModels); the LoggedModels of "
           "SRC, the run outputs that point at them and the registry versions made from them are not synced; "
           "the runs are",
           what);
}

static void stage_model(lm_stage *g, const src_logged_model *m)
{
    tool_err te;
    int code;
    char what[300];
    snprintf(what, sizeof what, "LoggedModel %s", m->id);
    err_clear(&te);
    if (__atomic_load_n(&g->x->no_lm_endpoints, __ATOMIC_RELAXED)) { /* found by an earlier request */
        no_endpoints_once(g, what);
        return;
    }
    code = logged_model_sync(g->x, g->rc, m, NULL, &te);
    if (code == LM_WAITS) {
        if (!g->x->cfg->dry_run) verbosef("%s waits: its experiment or source run is not synced", what);
        g->waiting++;
    } else if (code != 0 && __atomic_load_n(&g->x->no_lm_endpoints, __ATOMIC_RELAXED))
        no_endpoints_once(g, what);
    else if (code != 0)
        stage_failed(g, what, &te);
}

static void stage_experiment(lm_stage *g, const src_exp *e)
{
    src_logged_models ms;
    tool_err te;
    size_t i;
    memset(&ms, 0, sizeof ms);
    err_clear(&te);
    if (src_logged_models_read(g->x->src, e, &ms, &te) != 0) {
        stage_failed(g, e->rel, &te);
        return;
    }
    sync_report_problems(g->x, &ms.problems);
    for (i = 0; i < ms.n && !sync_stopped(g->x); i++) stage_model(g, &ms.v[i]);
    src_logged_models_free(&ms);
}

/* ---- run outputs -------------------------------------------------------------------------- */

/* The remote ids of the run's output models; 0, or an EXIT_* class with te filled. */
static int outputs_remote(lm_stage *g, const src_run_files *f, char **ids, tool_err *te)
{
    size_t i;
    for (i = 0; i < f->noutputs; i++) {
        st_logged_model lm;
        int have = state_get_logged_model(g->x->st, f->outputs[i].model_id, &lm);
        if (!have || !lm.remote_id) {
            if (have) st_logged_model_free(&lm);
            return err_set(te, EXIT_PARTIAL, f->outputs[i].model_id, "its LoggedModel is not synced");
        }
        ids[i] = lm.remote_id;
        lm.remote_id = NULL;
        st_logged_model_free(&lm);
    }
    return 0;
}

/* The outputs the remote run lacks (asked first: an SQL server refuses one it has), in one call. */
static int send_outputs(lm_stage *g, const st_run *rec, const src_run_files *f, tool_err *te)
{
    char **ids = calloc(f->noutputs, sizeof *ids);
    const char **send = calloc(f->noutputs, sizeof *send);
    long long *steps = calloc(f->noutputs, sizeof *steps);
    kvlist there = {0};
    rest_err re;
    size_t i, n = 0;
    int rc;
    if (!ids || !send || !steps) rc = err_set(te, EXIT_FAILED, "runs/outputs", "out of memory");
    else rc = outputs_remote(g, f, ids, te);
    if (rc == 0 && rest_run_outputs(g->rc, rec->remote_id, &there, &re) != 0) rc = rest_err_to_tool(&re, te, "runs/get");
    for (i = 0; rc == 0 && i < f->noutputs; i++) {
        if (kv_get(&there, ids[i])) continue;
        send[n] = ids[i];
        steps[n++] = f->outputs[i].step;
    }
    if (rc == 0 && n) {
        summary_add(&g->x->sum->reg_writes, 1);
        if (rest_log_outputs(g->rc, rec->remote_id, send, steps, n, &re) != 0) rc = rest_err_to_tool(&re, te, "runs/outputs");
    }
    kv_free(&there);
    free(send);
    for (i = 0; ids && i < f->noutputs; i++) free(ids[i]);
    free(ids);
    free(steps);
    return rc;
}

static void stage_outputs(lm_stage *g, const src_run *r)
{
    src_run_files f;
    st_run rec;
    tool_err te;
    char what[300];
    memset(&f, 0, sizeof f);
    err_clear(&te);
    snprintf(what, sizeof what, "run %s: outputs", r->id);
    if (src_run_read(g->x->src, r, SRC_READ_OUTPUTS, &f, &te) != 0) {
        stage_failed(g, what, &te);
        return;
    }
    /* a run without a remote copy failed or waits: its own sync said so */
    if (f.noutputs && state_get_run(g->x->st, r->id, &rec)) {
        if (rec.remote_id && rec.outputs_sent < (long)f.noutputs) {
            if (__atomic_load_n(&g->x->no_lm_endpoints, __ATOMIC_RELAXED)) g->unsent++;
            else if (send_outputs(g, &rec, &f, &te) != 0) stage_failed(g, what, &te);
            else {
                rec.outputs_sent = (long)f.noutputs;
                if (state_put_run(g->x->st, r->id, &rec, &te) != 0) err_report(&te);
            }
        }
        st_run_free(&rec);
    }
    src_run_files_free(&f);
}

int logged_models_stage(sync_ctx *x, const rest_ctx *rc)
{
    lm_stage g;
    size_t i;
    memset(&g, 0, sizeof g);
    g.x = x;
    g.rc = rc;
    for (i = 0; i < src_store_nexps(x->src) && !sync_stopped(x); i++) stage_experiment(&g, src_store_exp(x->src, i));
    for (i = 0; i < src_store_nruns(x->src) && !sync_stopped(x) && !x->cfg->dry_run; i++)
        stage_outputs(&g, src_store_run(x->src, i));
    if (g.waiting && !x->cfg->dry_run) notef("%ld LoggedModel(s) wait for their experiment or source run (a later pass)", g.waiting);
    if (*x->stop) return EXIT_INTERRUPTED;
    return g.failed || g.unsent ? EXIT_PARTIAL : EXIT_OK;
}
