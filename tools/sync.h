/* tools/sync.h — plan and execute one sync pass of SRC to a tracking server
 * (shared/spec/rest-sync.md §6). Experiments first (get-by-name, restore or
 * create, tags), then runs in nesting order (parents before children), N runs
 * at a time, each with its own connection:
 *
 *   1. read the run's files and compare them with the sync state: new metric
 *      lines (by byte offset), new or changed params and tags (by hash),
 *      new or changed artifacts (size, mtime), status/end time/name, inputs;
 *   2. nothing new: no request at all;
 *   3. remote run: from the state, else search by the sync tag
 *      (mlflow_lite.source_run_id = <local id>, view ALL), else create it;
 *   4. log-batch (<= 100 params, <= 100 tags, <= 1000 items, < 1 MB),
 *      log-inputs, artifacts, then runs/update with status and end time;
 *   5. append the run's new state record.
 * Anything re-sent after a crash is de-duplicated by the server. */
#ifndef MLL_TOOLS_SYNC_H
#define MLL_TOOLS_SYNC_H
#include "config.h"

#define SYNC_TAG "mlflow_lite.source_run_id"

typedef struct sync_summary {
    long experiments, runs_total, runs_created, runs_updated, runs_unchanged, runs_failed;
    long long metrics, params, tags, artifacts, artifact_bytes, requests, bytes_sent;
    double seconds;
    char **fail_runs, **fail_msgs; size_t nfail;
    long reg_models, reg_versions, reg_versions_created, reg_failed; /* registry_sync.h */
    long long reg_writes;
} sync_summary;

/* One pass. Returns an exit code (exitcodes.h). */
int sync_pass(const sync_cfg *c, volatile int *stop, sync_summary *sum);
void sync_summary_free(sync_summary *s);
void sync_print_json(const sync_cfg *c, const sync_summary *s, int code);
#endif
