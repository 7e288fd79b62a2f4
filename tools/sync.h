/* tools/sync.h — one sync pass of SRC to an MLflow tracking server or
 * Databricks (docs/sync.md; docs/architecture.md shows how a run flows):
 *
 *   1. open SRC (src.h) and the sync state (state.h);
 *   2. experiments, one after another (sync_exp.c): found by name, restored
 *      or created once, tags;
 *   3. runs, parents before children, --jobs at a time, each worker with its
 *      own connection (sync_run.c): plan (plan.h) against the state record,
 *      nothing new = no request, else execute the plan;
 *   4. the model registry and the LoggedModels it points at (registry_sync.c);
 *   5. close the state (compacted), fill the summary.
 *
 * A failure of one run, file or point fails only that item. A failure whose
 * class is global in the error table (server unreachable, credentials
 * refused, state unwritable) stops the pass: the runs not yet started are not
 * attempted. */
#ifndef MLL_TOOLS_SYNC_H
#define MLL_TOOLS_SYNC_H

#include "config.h"
#include "rest.h"
#include "src.h"
#include "state.h"
#include "summary.h"

#include <pthread.h>

/* The pass, shared by the experiment, run and registry steps. */
typedef struct sync_ctx {
    const tool_cfg *cfg;
    src_store *src;
    state *st;
    summary *sum;
    volatile int *stop;                /* SIGINT/SIGTERM */
    http_opts ho;                      /* for each worker's http_client */
    rest_ctx rest;                     /* template: each worker copies it and sets its own .h */
    struct art_session *arts;          /* artifact uploads of the pass (the S3 client for s3:// URIs) */
    hmap exp_remote;                   /* local experiment id -> remote id (sval), ival 1 when this pass
                                          created it; read-only once runs start */
    int global_code;                   /* a global failure stopped the pass (atomic); 0 = none */
    int any_ok;                        /* some run synced or was unchanged (atomic) */
    int first_code;                    /* class of the first failed run (atomic: first writer wins) */
    long long files_skipped;           /* files of runs the SRC reader skipped (atomic) */
    long long runs_done;               /* for the progress meter (atomic) */
    int no_lm_endpoints;               /* the server answered logged-models with 404: MLflow 2.x (atomic) */
    hmap lm_held;                      /* run metric lines that are LoggedModel metrics (logged_models_hold.c);
                                          read-only once runs start */
    int lm_probe;                      /* does the server have LoggedModels: 0 not asked, 1 yes, 2 no (atomic) */
} sync_ctx;

/* One pass. Fills *sum (summary_init'ed by the caller) and returns the exit code. */
int sync_pass(const tool_cfg *c, volatile int *stop, summary *sum);
/* The HTTP settings of the configuration (timeouts, retries, TLS), for every client of a pass. */
void sync_http_opts(const tool_cfg *c, http_opts *o);
/* The S3 client settings of the configuration (part sizes), for s3:// artifacts and the S3 mirror. */
void sync_s3_opts(const tool_cfg *c, s3_client_opts *o);

/* Records a failed item: counts it, remembers the first class, stops the pass
   when the class is global. Thread-safe. */
void sync_failed(sync_ctx *x, int code);
int sync_stopped(const sync_ctx *x);              /* a signal or a global failure */
/* Warns about each thing of SRC the reader skipped, and lists it in the summary. */
void sync_report_problems(sync_ctx *x, const src_problems *pr);
/* Puts the failed item's name in front of e->what ("run X: log-batch"). */
void sync_err_prefix(tool_err *e, const char *item);

/* sync_exp.c: experiment i of the store. 0, or the EXIT_* class (reported). */
int sync_experiment(sync_ctx *x, const rest_ctx *rc, const src_exp *e);
/* sync_run.c: one run, start to end: plan, execute, record, count. Never fails the pass by itself. */
void sync_run(sync_ctx *x, const rest_ctx *rc, const src_run *r);

#endif
