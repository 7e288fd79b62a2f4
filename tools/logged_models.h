/* tools/logged_models.h — MLflow 3 LoggedModels (<exp>/models/m-<id>/, read by
 * src_logged_models.c) carried to the tracking server, for the registry
 * versions that point at them (models:/m-...).
 *
 * A LoggedModel is created once in the remote copy of its experiment, with
 * its params and tags plus the marker mlflow_lite.source_model_id = <local
 * id> (found again by it: create_once), pointing at the remote copy of its
 * source run; its artifacts are uploaded to the remote artifact_location,
 * its metric lines sent (runs/log-metric with model_id, linked to the
 * remote copy of their run and to their dataset); then it is finalized to
 * its local status (READY or FAILED; a PENDING one stays PENDING). The
 * record (remote id, status sent, metric lines and artifact stamps
 * acknowledged) makes the next pass cost no request. */
#ifndef MLL_TOOLS_LOGGED_MODELS_H
#define MLL_TOOLS_LOGGED_MODELS_H

#include "sync.h"

enum { LM_READY = 0, LM_WAITS = -1 };

/* The remote copy of LoggedModel local_id, ready to be pointed at. Returns
   LM_READY (*remote_id malloc'd), LM_WAITS (its experiment or source run is
   not synced yet: a later pass), or the EXIT_* class with te filled. */
int logged_model_ensure(sync_ctx *x, const rest_ctx *rc, const char *local_id, char **remote_id, tool_err *te);
/* The same for a LoggedModel already read (remote_id may be NULL). */
int logged_model_sync(sync_ctx *x, const rest_ctx *rc, const src_logged_model *m, char **remote_id, tool_err *te);
/* The stage between runs and the registry: every LoggedModel of every
   experiment (logged_models_stage.c), then the runs' outputs (run -> model).
   Returns EXIT_OK or EXIT_PARTIAL; each failure is reported and counted. */
int logged_models_stage(sync_ctx *x, const rest_ctx *rc);
/* logged_models_hold.c: before the runs, the set of run metric lines that are
   also LoggedModel metric lines (-1: out of memory). During the runs: 1 when
   the point of the run's metrics/<key> is one of them and the server has
   LoggedModels; it is then left to the LoggedModel stage. */
int logged_models_hold_prepare(sync_ctx *x);
int logged_models_holds(sync_ctx *x, const rest_ctx *rc, const char *remote_exp, const char *run_id,
                        const char *key, const src_point *pt);
/* The identity of a point (local run, key, timestamp, step, value) appended to b (-1: out of
   memory), and how many lines of SRC's LoggedModels have it (prepared above). */
int logged_models_hold_id(sbuf *b, const char *run, const char *key, long long ts, long long step, double v);
long long logged_models_held_n(const sync_ctx *x, const char *id);
/* logged_models_doubt.c: which metric lines of a LoggedModel (all its lines v[0, n), each
   LM_LINE_ACKED, _DOUBT or _NEW in st) its remote copy already holds: arrived[i] = 1 for
   those in doubt that arrived. settle: read until the server stands still (a request of a
   killed pass may still be landing). 0 or the EXIT_* class with te filled. */
enum { LM_LINE_ACKED = 0, LM_LINE_DOUBT = 1, LM_LINE_NEW = 2 };
int lm_doubt_arrived(sync_ctx *x, const rest_ctx *rc, const char *remote_model, const src_lm_metric *v, size_t n,
                     const unsigned char *st, unsigned char *arrived, int settle, tool_err *te);
/* The remote copy of a local run, from the state (malloc'd), or NULL. */
char *lm_remote_run(sync_ctx *x, const char *local_run);

#endif
