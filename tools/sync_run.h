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
    st_run acked;                      /* what the server acknowledged so far: becomes the run's record */
    int created;                       /* the remote run was created in this pass */
    int wrote;                         /* some write to the remote run was acknowledged in this pass */
    int refused_unrecorded;            /* refusals in acked that are not in the journal yet */
    int gone;                          /* the recorded remote run does not exist any more (404) */
    int dedupe;                        /* created after an intent or a retried create: look for twins */
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

#endif
