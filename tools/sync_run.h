/* tools/sync_run.h — one run being executed, shared by sync_run.c (the remote
 * run, inputs, artifacts, status, the record) and sync_batch.c (params, tags
 * and metric lines through log-batch). Internal to the executor. */
#ifndef MLL_TOOLS_SYNC_RUN_H
#define MLL_TOOLS_SYNC_RUN_H

#include "plan.h"
#include "rest_tracking.h"
#include "sync.h"

typedef struct run_exec {
    sync_ctx *x;
    const rest_ctx *rc;
    const src_run *r;
    const run_plan *p;
    const char *remote_exp;
    int exp_fresh;                     /* this pass created the remote experiment: it holds no run of ours */
    st_run acked;                      /* what the server acknowledged so far: becomes the run's record */
    int created;                       /* the remote run was created in this pass */
    int wrote;                         /* some write to the remote run was acknowledged in this pass */
    int refused_unrecorded;            /* refusals in acked that are not in the journal yet */
    int gone;                          /* the recorded remote run does not exist any more (404) */
    int dedupe;                        /* created after an intent or a retried create: look for twins */
    st_metric_range *doubt;            /* the record's batch in doubt (sync_doubt.c), taken from acked */
    size_t ndoubt;
    hmap skip;                         /* "<key>\x1f<point id>" -> copies of a point in doubt that arrived */
    tool_err err;                      /* the run's failure */
} run_exec;

/* Sets e->err from a REST failure of `what` (and e->gone on a 404 for a known
   run). Returns the EXIT_* class. */
int exec_rest_failed(run_exec *e, const rest_err *re, const char *what);
/* Appends the run's record as acknowledged so far; a failure is warned about
   (the next pass re-checks with the server). */
void exec_record(run_exec *e);

/* sync_batch.c: the plan's params, tags and new metric lines, through log-batch.
   Progress is recorded per acknowledged batch; items the server refuses for
   good are isolated and recorded in e->acked.refused. 0, or the EXIT_* class. */
int exec_batches(run_exec *e);

/* sync_doubt.c: what of a batch in doubt arrived (issue 15; see the file). */
enum { DOUBT_ID_MAX = 80 };
/* "<timestamp>:<step>:<value bits>", values as MLflow's SQL store gives them back */
void doubt_point_id(char out[DOUBT_ID_MAX], long long ts, long long step, double v);
/* wanted: point id -> local copies in doubt (ival). *arrived gets id -> copies the
   server holds beyond those of metrics/<key> before `from` and those in sent_too
   (id -> copies acknowledged; may be NULL). settle: read the history until it
   stands still (a batch may still be landing). 0, or the EXIT_* class (e->err set). */
int doubt_arrived(run_exec *e, const char *key, long long from, const hmap *wanted, const hmap *sent_too,
                  hmap *arrived, int settle);
/* The run record's batch in doubt (a pass killed between intent and progress),
   resolved into e->skip before the first batch. 0, or the EXIT_* class. */
int doubt_resolve_record(run_exec *e);
/* A run found on the server without a record (the state was lost or damaged):
   every metric line is in doubt, resolved the same way. 0, or the EXIT_* class. */
int doubt_unrecorded(run_exec *e);
/* 1: this point of metrics/<key> arrived with the batch in doubt; do not send it. */
int doubt_take(run_exec *e, const char *key, const src_point *pt);
/* Frees e->doubt and e->skip. */
void doubt_free(run_exec *e);

#endif
