/* tools/state.h — the sync state: what was already acknowledged by one DEST.
 *
 * Typed records, one per experiment, run, registered model, model version and
 * LoggedModel, each with its to/from JSON in state_records.c; the journal file
 * (state.c) is JSON lines, append-only, compacted on close.
 *
 * Where: SRC/.mlflow-lite-sync-<16 hex of hash(DEST without userinfo)>.jsonl
 * (MLflow never reads plain files at the root of a file store), else
 * $XDG_STATE_HOME/mlflow-lite/ when SRC is not writable; --state FILE
 * overrides. Created mode 0600 (and re-chmodded if found wider). Neither the
 * file nor its name holds a secret: DEST is recorded without userinfo, query
 * or fragment.
 *
 * Trust: the file is input like any other. A line that is not JSON, a record
 * with a field of the wrong type or out of range, a torn or truncated file:
 * that record is treated as unknown ("check with the server") with one warning
 * naming the file and line, never a crash. Deleting the file is always safe.
 *
 * Ordering: a record is appended only after what it describes was
 * acknowledged, so a crash leaves the state behind the server, never ahead.
 * Metric progress is recorded per acknowledged batch (state_run_progress),
 * and a batch that is about to be sent can be marked in doubt first
 * (state_run_intent): after a crash the next pass sees the intent and asks the
 * server what arrived before sending that range again.
 */
#ifndef MLL_TOOLS_STATE_H
#define MLL_TOOLS_STATE_H

#include "errors.h"
#include "util.h"

typedef struct st_exp {
    char *remote_id;
    char *name;                        /* the remote name it was synced under */
    hmap tag_hash;                     /* tag key -> value hash (sval) */
} st_exp;

typedef struct st_metric_range {       /* one key's part of an in-doubt batch */
    char *key;
    long long from, to;                /* byte offsets in metrics/<key> */
    long from_line;
} st_metric_range;

typedef struct st_run {
    char *remote_id, *artifact_uri, *remote_exp;
    char *name;                        /* run name last sent */
    int status;                        /* last status sent (src_status), 0 = none */
    long long end_time;                /* last end time sent, -1 = none */
    long inputs_sent;                  /* dataset inputs acknowledged */
    long outputs_sent;                 /* model outputs acknowledged */
    hmap metric;                       /* key -> ival = byte offset acknowledged, ival2 = next line number */
    hmap param_hash, tag_hash;         /* key -> value hash (sval) */
    hmap artifact;                     /* rel path -> "size:mtime_ns" stamp (sval) */
    hmap refused;                      /* "metric:<key>:<line>" / "param:<key>" -> reason (sval): refused for good */
    st_metric_range *in_doubt;         /* intent of a batch whose answer never came */
    size_t nin_doubt;
} st_run;

typedef struct st_version {
    char *remote_version;              /* the remote version number (decimal) */
    char *marker;                      /* mlflow_lite.source_version value */
    int intent;                        /* 1: a create was sent and not confirmed */
    char *stage, *desc_hash;
    hmap tag_hash;
} st_version;

typedef struct st_model {
    char *remote_name;
    char *desc_hash;
    hmap tag_hash;
    hmap alias;                        /* alias -> remote version (sval) */
} st_model;

typedef struct st_logged_model {
    char *remote_id;
    int finalized;
    hmap artifact;                     /* rel -> stamp */
} st_logged_model;

typedef struct state state;

/* path: --state FILE or NULL for the default (derived from src and the
   sanitized dest). readonly: --dry-run (nothing is written, no lock taken).
   Takes an exclusive lock (<path>.lock): one sync per SRC and DEST at a time.
   Returns 0 or EXIT_STATE with e filled. Damaged lines are warned about, not fatal. */
int state_open(state **out, const char *path, const char *src, const char *dest, int readonly, tool_err *e);
const char *state_path(const state *s);
/* Compacts (temp file, fsync, rename, mode 0600) and closes. 0 or EXIT_STATE. */
int state_close(state *s, tool_err *e);
/* How many journal lines were ignored as damaged (for tests and --verbose). */
long state_damaged_lines(const state *s);

/* Getters copy the record into *out (caller frees with the matching _free);
   return 1 when found, 0 when absent or damaged. Thread-safe. */
int state_get_exp(state *s, const char *local_id, st_exp *out);
int state_get_run(state *s, const char *local_id, st_run *out);
int state_get_model(state *s, const char *name, st_model *out);
int state_get_version(state *s, const char *name, int version, st_version *out);
int state_get_logged_model(state *s, const char *local_id, st_logged_model *out);

/* Setters append the whole record (copied) and replace it in memory.
   0, or EXIT_STATE with e filled (the caller warns: the next pass re-checks). */
int state_put_exp(state *s, const char *local_id, const st_exp *v, tool_err *e);
int state_put_run(state *s, const char *local_id, const st_run *v, tool_err *e);
int state_put_model(state *s, const char *name, const st_model *v, tool_err *e);
int state_put_version(state *s, const char *name, int version, const st_version *v, tool_err *e);
int state_put_logged_model(state *s, const char *local_id, const st_logged_model *v, tool_err *e);
int state_drop_run(state *s, const char *local_id, tool_err *e);
int state_drop_model(state *s, const char *name, tool_err *e);   /* and its versions */

/* Metric progress of one run, per acknowledged batch: small journal lines
   applied onto the run record (keys[i] acknowledged up to offs[i], next line
   lines[i]); also clears the run's in-doubt intent. */
int state_run_progress(state *s, const char *local_id, size_t n, const char *const *keys, const long long *offs,
                       const long *lines, tool_err *e);
/* Marks a batch in doubt before it is sent (n ranges). */
int state_run_intent(state *s, const char *local_id, size_t n, const st_metric_range *ranges, tool_err *e);

void st_exp_free(st_exp *v);
void st_run_free(st_run *v);
void st_model_free(st_model *v);
void st_version_free(st_version *v);
void st_logged_model_free(st_logged_model *v);

/* The record <-> JSON mapping (state_records.c), exposed for tests and the fuzzer.
   from_json returns 0, or -1 when the object is not a valid record (wrong
   type, out of range): the caller then treats the record as unknown. */
struct cJSON;
struct cJSON *st_run_to_json(const st_run *v);
int st_run_from_json(const struct cJSON *j, st_run *out);
struct cJSON *st_exp_to_json(const st_exp *v);
int st_exp_from_json(const struct cJSON *j, st_exp *out);
struct cJSON *st_model_to_json(const st_model *v);
int st_model_from_json(const struct cJSON *j, st_model *out);
struct cJSON *st_version_to_json(const st_version *v);
int st_version_from_json(const struct cJSON *j, st_version *out);
struct cJSON *st_logged_model_to_json(const st_logged_model *v);
int st_logged_model_from_json(const struct cJSON *j, st_logged_model *out);

/* Loads a journal from memory (for the fuzzer): never crashes, counts damaged lines. */
int state_parse_journal(state *s, const char *buf, size_t len);

/* The hash used for params, tags and descriptions in records (16 hex + NUL). */
void state_value_hash(const char *value, char out[17]);

#endif
