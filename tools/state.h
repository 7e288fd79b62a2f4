/* tools/state.h — the sync state: what was already acknowledged by one DEST.
 *
 * Typed records, one per experiment, run, registered model, model version and
 * LoggedModel, each with its to/from JSON in state_records.c; the journal file
 * (state.c) is JSON lines, append-only, compacted on close.
 *
 * Where: SRC/.mlflow-lite-sync-<16 hex of hash(DEST without userinfo)>.jsonl
 * (MLflow never reads plain files at the root of a file store), else
 * <state_dir>/sync-<hash of SRC's real path and DEST>.jsonl when SRC is not
 * writable (state_dir comes from config.c: $XDG_STATE_HOME/mlflow-lite or
 * ~/.local/state/mlflow-lite); --state FILE overrides. Created mode 0600 (and
 * set to 0600, with a warning, if found wider). Neither the file nor its name
 * holds a secret: DEST is recorded without userinfo, query or fragment.
 *
 * Journal format (one JSON object per line):
 *   {"mlflow_lite_sync":2,"dest":"https://host/prefix"}           header (line 1)
 *   {"k":"run","id":LOCAL,"v":{record}}                             a record put
 *   {"k":"run","id":LOCAL,"v":null}                                 a record dropped
 *   {"k":"ver","id":MODEL,"n":VERSION,"v":...}                      model versions
 *   {"k":"prog","id":RUN,"m":[[KEY,OFFSET,NEXT_LINE],...]}          metric progress of one batch
 *   {"k":"intent","id":RUN,"r":[[KEY,FROM,TO,FROM_LINE],...]}       a batch in doubt
 * kinds: "exp", "run", "model", "ver", "lm" (LoggedModel), "prog", "intent".
 * Strings that are not valid UTF-8 (a metric file named in Latin-1, say) are
 * written reversibly as "\u0001" + hex, so every line is valid UTF-8 and a line
 * that is not is damage. A format-1 file (mlflow-lite 0.1: {"kind":...} lines,
 * named after the DEST as given, possibly with a password in it) is read,
 * rewritten as format 2 under the new name on close, and removed.
 *
 * Trust: the file is input like any other. The file and its lock must be
 * regular files owned by the user (no symlinks: O_NOFOLLOW). A line that is not
 * JSON, a record with a field of the wrong type or out of range, a record of an
 * unknown kind, a line longer than STATE_LINE_MAX, invalid UTF-8, a torn or
 * truncated last line: that record is treated as unknown ("check with the
 * server": the id's record is dropped) with one warning naming the file and the
 * line, never a crash. A file whose header is damaged is ignored as a whole
 * (its records cannot be tied to this DEST). Deleting the file is always safe.
 *
 * Ordering: a record is appended only after what it describes was
 * acknowledged, so a crash leaves the state behind the server, never ahead.
 * Metric progress is recorded per acknowledged batch (state_run_progress: one
 * short line), and a batch that is about to be sent can be marked in doubt
 * first (state_run_intent): after a crash the next pass sees the intent and
 * asks the server what arrived before sending that range again. Replay is
 * linear: every lookup is hashed.
 *
 * Memory: the records of the open journal are not kept parsed, only where
 * their lines are (state_int.h, state_table.c): a getter reads its record
 * back from the file. A pass over 10,000 runs holds ~1 MiB of index, not the
 * records (~3 KiB a run parsed).
 */
#ifndef MLL_TOOLS_STATE_H
#define MLL_TOOLS_STATE_H

#include "errors.h"
#include "util.h"

enum {
    STATE_FORMAT = 2,                  /* the "mlflow_lite_sync" number this tool writes */
    STATE_LINE_MAX = 64 << 20          /* a longer journal line is damage (a run with ~1M metric keys fits) */
};

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
    char *remote_id, *artifact_uri, *remote_exp;   /* remote_id NULL: only an intent (creating) */
    char *name;                        /* run name last sent */
    int status;                        /* last status sent (src_status), 0 = none */
    long long end_time;                /* last end time sent, -1 = none */
    long long creating;                /* ms: a runs/create was about to be sent (intent); 0 = none */
    long inputs_sent;                  /* dataset inputs acknowledged */
    long outputs_sent;                 /* model outputs acknowledged */
    hmap metric;                       /* key -> ival = byte offset acknowledged, ival2 = next line number
                                          (0 = unknown: a record of format 1) */
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
    char *artifact_location;           /* the remote copy's, where its artifacts go (NULL: a record before it was kept) */
    int finalized;                     /* the status below was sent and acknowledged */
    int status;                        /* the status sent (REST_LM_*: 2 READY, 3 FAILED), 0 = none (PENDING) */
    long metrics_sent;                 /* read only: a record of before metric_lines counted the lines of all
                                          keys together (>0: which arrived is asked of the server) */
    hmap metric_lines;                 /* metric key -> lines of models/<id>/metrics/<key> acknowledged (sval, decimal) */
    int metrics_doubt;                 /* intent: the lines after those may have been sent (their answers never
                                          came): the server is asked before any is sent again */
    hmap artifact;                     /* rel -> stamp */
    hmap tag_hash;                     /* tag key -> value hash (sval): the tags the remote copy has from us */
    hmap param_hash;                   /* param key -> value hash (sval): the params it has from us */
} st_logged_model;

typedef struct state state;

typedef struct state_opts {
    const char *path;                  /* --state FILE, or NULL: derived from src and dest */
    const char *src;                   /* SRC */
    const char *dest;                  /* the sanitized DEST (tool_cfg.dest_shown): names and heads the file */
    const char *legacy_dest;           /* DEST as given (tool_cfg.dest), or NULL: finds a format-1 file named
                                          after it, which is read, rewritten under the new name and removed */
    const char *state_dir;             /* tool_cfg.state_dir: used when SRC is not writable (NULL: then an error) */
    int readonly;                      /* --dry-run: nothing is written, no lock taken */
} state_opts;

/* Takes an exclusive lock (<path>.lock): one sync per SRC and DEST at a time.
   Returns 0 or EXIT_STATE with e filled (locked by another sync, not owned by
   the user, a link, unwritable, written by a newer mlflow-lite, written for
   another DEST). Damaged lines are warned about, not fatal. */
int state_open(state **out, const state_opts *o, tool_err *e);
/* A state without a file (tests, the fuzzer): nothing is written; records
   come from state_parse_journal. */
int state_open_memory(state **out, const char *dest);
const char *state_path(const state *s);
/* Compacts (temp file, fsync, rename, mode 0600) when anything changed or the
   journal held more than the records, and closes. 0 or EXIT_STATE (the state
   is freed either way). */
int state_close(state *s, tool_err *e);
/* How many journal lines were ignored as damaged (for tests and --verbose). */
long state_damaged_lines(const state *s);

/* Getters copy the record into *out (caller frees with the matching _free);
   return 1 when found, 0 when absent or damaged (then *out is zeroed). Thread-safe. */
int state_get_exp(state *s, const char *local_id, st_exp *out);
int state_get_run(state *s, const char *local_id, st_run *out);
int state_get_model(state *s, const char *name, st_model *out);
int state_get_version(state *s, const char *name, int version, st_version *out);
int state_get_logged_model(state *s, const char *local_id, st_logged_model *out);

/* Setters append the whole record (copied) and replace it in memory.
   0, or EXIT_STATE with e filled (the caller warns: the next pass re-checks).
   Thread-safe; each line is one write(2) on an O_APPEND descriptor. */
int state_put_exp(state *s, const char *local_id, const st_exp *v, tool_err *e);
int state_put_run(state *s, const char *local_id, const st_run *v, tool_err *e);
int state_put_model(state *s, const char *name, const st_model *v, tool_err *e);
int state_put_version(state *s, const char *name, int version, const st_version *v, tool_err *e);
int state_put_logged_model(state *s, const char *local_id, const st_logged_model *v, tool_err *e);
int state_drop_run(state *s, const char *local_id, tool_err *e);
int state_drop_model(state *s, const char *name, tool_err *e);   /* and its versions */

/* Metric progress of one run, per acknowledged batch: one short journal line
   applied onto the run record (keys[i] acknowledged up to offs[i], next line
   lines[i]); also clears the run's in-doubt intent. The run must have a
   record (state_put_run after its create): else EXIT_STATE. */
int state_run_progress(state *s, const char *local_id, size_t n, const char *const *keys, const long long *offs,
                       const long *lines, tool_err *e);
/* Marks a batch in doubt before it is sent (n ranges); replaces the run's intent. */
int state_run_intent(state *s, const char *local_id, size_t n, const st_metric_range *ranges, tool_err *e);

void st_exp_free(st_exp *v);
void st_run_free(st_run *v);
void st_model_free(st_model *v);
void st_version_free(st_version *v);
void st_logged_model_free(st_logged_model *v);
/* Deep copies into a zeroed *dst: 0, or -1 out of memory (dst then freed). */
int st_exp_copy(st_exp *dst, const st_exp *src);
int st_run_copy(st_run *dst, const st_run *src);
int st_model_copy(st_model *dst, const st_model *src);
int st_version_copy(st_version *dst, const st_version *src);
int st_logged_model_copy(st_logged_model *dst, const st_logged_model *src);

/* The record <-> JSON mapping (state_records.c), exposed for tests and the fuzzer.
   from_json fills a zeroed *out and returns 0, or -1 when the object is not a
   valid record (wrong type, out of range, a string that does not decode): the
   caller then treats the record as unknown (*out is freed and zeroed). */
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

/* The small journal lines of state_run_progress and state_run_intent (one
   line each, "\n"-terminated, appended to b), and their replay onto a run
   record: apply validates the whole line first and changes nothing (-1) when
   any element is wrong. */
void st_progress_line(sbuf *b, const char *local_id, size_t n, const char *const *keys, const long long *offs,
                      const long *lines);
int st_progress_apply(st_run *run, const struct cJSON *line);
void st_intent_line(sbuf *b, const char *local_id, size_t n, const st_metric_range *ranges);
int st_intent_apply(st_run *run, const struct cJSON *line);

/* Strings in the journal: a string that is valid UTF-8 and does not start with
   \x01 is stored as is; any other as "\x01" + lowercase hex of its bytes.
   st_str_encode returns s itself or a malloc'd encoding (NULL: out of memory);
   st_str_decode returns a malloc'd string, or NULL when s is not a valid
   encoding (invalid UTF-8, bad hex). */
const char *st_str_encode(const char *s, char **owned);
char *st_str_decode(const char *s);

/* Loads a journal from memory (for the fuzzer and tests): never crashes,
   counts damaged lines. 0, or EXIT_STATE when the header says the file
   belongs to another DEST or a newer format. */
int state_parse_journal(state *s, const char *buf, size_t len, tool_err *e);

/* The hash used for params, tags and descriptions in records (16 hex + NUL). */
void state_value_hash(const char *value, char out[17]);

#endif
