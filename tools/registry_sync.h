/* tools/registry_sync.h — carry the model registry of SRC (SRC/models/, written by
 * mlflow_lite.h or by MLflow's registry file store; shared/spec/filestore.md §11)
 * to the tracking server, after the runs pass (shared/spec/rest-sync.md §2.5, §6.4).
 *
 * For every registered model (one at a time, one connection):
 *   1. the model: created when missing (tags, description); later only changed
 *      tags (set-tag / delete-tag) and a changed description (update);
 *   2. each local version, oldest first, exactly once: the remote copy is found
 *      from the sync state, else by its marker tag
 *        mlflow_lite.source_version = "<local model>/<local version>@<creation ms>"
 *      among the remote versions of the model (one search, paginated), else it is
 *      created with source = the remote run's artifact_uri + the path below the
 *      local run's artifact_uri (runs:/<local id>/p -> runs:/<remote id>/p; other
 *      sources, e.g. s3://, unchanged), run_id = the remote run, the local tags
 *      plus the marker and the description. model-versions/create is not
 *      idempotent: an intent record goes to the state before it is sent once;
 *      after an ambiguous failure the marker is searched before any new attempt;
 *      a pass that finds the intent of a killed pass waits 2 s for that create
 *      to land before searching again, and after such a create (or a retried
 *      one) other remote versions carrying the same marker are deleted (they
 *      can only be bare duplicates). Then changed tags, description, stage
 *      (transition-stage, archive_existing_versions=false: every version gets
 *      its local stage);
 *   3. aliases, pointed at the mapped remote version numbers.
 * What was acknowledged is appended to the sync state (records "registry:model:<name>"
 * and "registry:version:<name>/<N>"), so an unchanged registry costs no request; with
 * no state (lost, --reconcile) the server is compared instead and only differences
 * are sent. A version whose source is an MLflow 3 LoggedModel (models:/m-…) gets
 * that LoggedModel carried first, once (logged-models create with its params and
 * tags plus mlflow_lite.source_model_id = <local id>, found again by that tag;
 * artifacts uploaded; finalized READY; record "registry:logged-model:<id>"), and
 * then points at models:/<remote id> with model_id set. Versions whose run is
 * not synced yet wait for a later pass; versions whose source cannot be reached
 * from the server (a local path outside the run's artifacts or without a run,
 * models:/<name>/<version>) fail with a message and cost no request. */
#ifndef MLL_TOOLS_REGISTRY_SYNC_H
#define MLL_TOOLS_REGISTRY_SYNC_H
#include "config.h"
#include "http.h"
#include "rest.h"
#include "state.h"

#define REGISTRY_SYNC_TAG "mlflow_lite.source_version"

typedef struct registry_summary {
    long models, models_created, versions, versions_created, versions_waiting, failed;
    long long writes;            /* write requests sent (POST/PATCH/DELETE) */
} registry_summary;

/* One pass over SRC/models. Returns an exit code (exitcodes.h): 0, EXIT_PARTIAL
   when some items failed, or the class of the first failure when none went
   through (EXIT_CONNECT, EXIT_AUTH, EXIT_REJECTED, EXIT_SOURCE). */
int registry_sync(const sync_cfg *c, state *st, const rest_ctx *rc, const http_opts *ho, volatile int *stop,
                  registry_summary *sum);
#endif
