/* tools/state.h — the local sync state: what was already sent to one DEST.
 *
 * Where: a plain file at the root of SRC named
 *   .mlflow-lite-sync-<16 hex of hash(DEST)>.jsonl
 * MLflow reads only *directories* at the root of a file store (every one of
 * them except `.trash` and `models` is taken as an experiment), and
 * migrate-filestore only integer-named ones, so a plain file there is never
 * seen by MLflow. When SRC is not writable the state goes to
 * $XDG_STATE_HOME/mlflow-lite/ (default ~/.local/state/mlflow-lite/), and
 * --state FILE overrides both.
 *
 * Format: JSON lines, an append-only journal. Line 1 is a header
 * {"mlflow_lite_sync":1,"dest":...}; every other line is one record
 * {"kind":"run"|"exp","id":LOCAL_ID,"v":{...}} and a later line for the same
 * id replaces an earlier one. A record is appended only after everything it
 * describes was acknowledged by the server, so a crash (SIGKILL) can only
 * leave the state *behind* the server, never ahead; the sync then re-sends
 * and the server de-duplicates (identical metric points, identical params,
 * tags overwrite, runs found by their sync tag). A torn last line is ignored.
 * state_close() compacts the journal (write a temp file, fsync, rename).
 * The state is an optimisation: deleting it is always safe.
 */
#ifndef MLL_TOOLS_STATE_H
#define MLL_TOOLS_STATE_H
#include <cjson/cJSON.h>

typedef struct state state;

/* path: explicit file, or NULL to derive it from src and dest. */
int state_open(state **out, const char *path, const char *src, const char *dest, int readonly, char *err,
               size_t errn);
const char *state_path(const state *s);
/* Deep copies (caller frees with cJSON_Delete); NULL when absent. Thread-safe. */
cJSON *state_get(state *s, const char *kind, const char *id);
/* Takes ownership of v; appends to the journal. Thread-safe. 0 or -1 (errno). */
int state_put(state *s, const char *kind, const char *id, cJSON *v);
int state_drop(state *s, const char *kind, const char *id);
/* Compacts and closes; 0 or -1. */
int state_close(state *s, char *err, size_t errn);
#endif
