/* tools/plan.h — what to send for one run: its files (as the SRC reader
 * returned them) compared with its sync-state record. Pure: no I/O, no REST,
 * no clock; the executor (sync_run.c) does what the plan says.
 *
 * What differs, and how it is detected:
 *   params, tags     by value hash (state_value_hash) against the record;
 *   deleted tags     keys in the record that the folder no longer has;
 *   metric lines     by byte offset per metrics/<key> file: [acknowledged
 *                    offset, size at listing); a file smaller than its offset
 *                    was rewritten and is sent again from 0 (the server drops
 *                    identical points);
 *   artifacts        by "size:mtime_ns" stamp;
 *   inputs           by count (log-inputs with all of them when it grew);
 *   status, end time and run name, against what was last sent.
 * Items that cannot be sent are refused here rather than sent to fail: a
 * value or key that is not valid UTF-8 (MLflow's FileStore opens value files
 * with Python's strict UTF-8 decoding and fails the whole run on them, so its
 * own client never sends such a value). Refused items are reported by the
 * caller as "refused" (run, key, line), and kept in the record so that they
 * are not retried on every pass.
 *
 * Every lookup is hashed (hmap), so planning a run is linear in its number of
 * files: a no-op pass over 1,000,000 metric files stays linear. */
#ifndef MLL_TOOLS_PLAN_H
#define MLL_TOOLS_PLAN_H

#include "src.h"
#include "state.h"

#define SYNC_TAG "mlflow_lite.source_run_id"      /* marker tag: the remote run's local run id */
#define PARENT_TAG "mlflow.parentRunId"

typedef struct plan_metric {
    const char *key;                   /* borrowed from the run's src_run_files */
    long long from, to;                /* bytes [from, to) of metrics/<key> are new */
    long from_line;                    /* 1-based line number at `from` */
    int restart;                       /* the file shrank below the acknowledged offset: sent again from 0 */
} plan_metric;

typedef struct plan_artifact {
    const char *rel;                   /* borrowed from the src_artifacts list */
    long long size;
    char stamp[48];                    /* "size:mtime_ns", recorded once uploaded */
} plan_artifact;

typedef struct run_plan {
    int known;                         /* the record names a remote run */
    kvlist params, tags;               /* to send; the parent tag already remapped to the remote parent */
    kvlist del_tags;                   /* synced before, deleted locally since (values empty) */
    plan_metric *metrics; size_t nmetrics;
    long long metric_bytes;
    plan_artifact *arts; size_t narts;
    long long art_bytes;
    int send_inputs;                   /* log-inputs with every dataset input of the run */
    int meta_changed;                  /* status, end time or name differ from the record */
    int update_meta;                   /* ... and a runs/update request is needed */
    int parent_waits;                  /* the parent tag is held back: the parent run is not synced */
    hmap refuse;                       /* new refusals decided here: item id -> why */
    kvlist unrefuse;                   /* ids of refusals in the record whose item is gone or rewritten */
    int nothing;                       /* nothing to send and nothing to record: no request at all */
} run_plan;

typedef struct plan_in {
    const src_run *run;
    const src_run_files *files;
    const src_artifacts *arts;         /* NULL: artifacts not compared */
    const st_run *rec;                 /* NULL: no record (a new run, or --reconcile) */
    const char *parent_remote;         /* the parent's remote run id; NULL when none or not synced */
} plan_in;

/* Fills *out (zeroed first). Returns 0, or -1 when out of memory (out is freed). */
int plan_run(const plan_in *in, run_plan *out);
void plan_free(run_plan *p);

/* Ids of items in st_run.refused: "param:<key>", "tag:<key>", "metric:<key>:<line>". */
typedef enum plan_item_kind { PLAN_PARAM = 'p', PLAN_TAG = 't', PLAN_METRIC = 'm' } plan_item_kind;
void plan_item_id(sbuf *b, int kind, const char *key, long line);
/* Splits an id back: *kind, the key (malloc'd into *key), *line (0 for params and tags). 0 ok, -1 not an id. */
int plan_item_parse(const char *id, int *kind, char **key, long *line);
const char *plan_item_kind_name(int kind);            /* "param", "tag", "metric" */

/* The stamp of an artifact as the plan compares it ("size:mtime_ns"). */
void plan_artifact_stamp(const src_artifact *a, char out[48]);

/* ---- the model registry ---------------------------------------------------------- */

#define REGISTRY_SYNC_TAG "mlflow_lite.source_version"   /* marker tag of a remote model version */
#define LOGGED_MODEL_SYNC_TAG "mlflow_lite.source_model_id"  /* marker tag of a remote LoggedModel */

/* The marker of a local version: "<model>/<version>@<creation ms>" (malloc'd). */
char *plan_version_marker(const char *model, int version, long long creation_time);

/* "models:/m-abc" -> "m-abc" (a LoggedModel id); NULL for any other source. */
const char *plan_logged_model_id(const char *source);

/* Where a remote version must point, for a local one with `source` and
   (optionally) `run_id`, whose run is synced as remote_run with remote_art as
   its artifact_uri (local_art: the local run's artifact_uri):
     runs:/<local run>/p              -> runs:/<remote run>/p
     <local run artifact_uri>/p       -> <remote artifact_uri>/p (file: paths compared as paths)
     s3://, gs://, http(s)://, ...    -> unchanged (reachable as they are)
   A local path outside the run's artifacts, a local path without a run, and
   models:/<name>/<version> cannot be reached from the server: NULL with *why
   set. NULL with *why NULL: out of memory. */
char *plan_version_source(const char *source, const char *run_id, const char *local_art, const char *remote_art,
                          const char *remote_run, const char **why);

#endif
