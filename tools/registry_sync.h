/* tools/registry_sync.h — the model registry of SRC (SRC/models/, read by
 * src_registry.c) carried to the tracking server after the runs of a pass.
 *
 * For every registered model (one at a time, on one connection):
 *   1. the model: created when missing (tags, description); later only
 *      changed tags (set-tag / delete-tag) and a changed description;
 *   2. each local version, oldest first, exactly once: the remote copy comes
 *      from the sync state, else is found by its marker tag
 *        mlflow_lite.source_version = "<local model>/<local version>@<creation ms>"
 *      among the remote versions of the model, else it is created once
 *      (create_once: an intent record goes first; after an ambiguous failure
 *      the marker is searched before any new attempt; a pass that finds the
 *      intent of a killed pass waits 2 s for that create to land; other
 *      remote versions with the same marker are then deleted). Its source
 *      points at the synced remote run (plan_version_source); a LoggedModel
 *      source (models:/m-...) gets that LoggedModel carried first
 *      (logged_models.c). Then changed tags, description and stage;
 *   3. aliases, pointed at the mapped remote version numbers.
 * Records per model and version make an unchanged registry cost no request;
 * without them (state lost, --reconcile) the server is compared and only
 * differences are sent. A version whose run is not synced waits for a later
 * pass; a version whose source the server cannot reach fails with a message
 * and costs no request. A model deleted on the server is re-created with its
 * versions. */
#ifndef MLL_TOOLS_REGISTRY_SYNC_H
#define MLL_TOOLS_REGISTRY_SYNC_H

#include "sync.h"

/* One pass over SRC/models (rc: a connection of its own). Returns 0,
   EXIT_PARTIAL when some items failed, or the class of the first failure
   when none went through. Counts into x->sum (reg_*). */
int registry_sync(sync_ctx *x, const rest_ctx *rc);

#endif
