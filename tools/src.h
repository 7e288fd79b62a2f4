/* tools/src.h — the SRC reader: the one door for everything mlflow-lite reads
 * from an MLflow file store (an mlruns/ folder written by MLflow 1.x-3.x, by
 * hand or by mlflow_lite.h). Nothing else in tools/ opens a file under SRC.
 *
 * What it guarantees to the rest of the tool:
 *   - Every file is opened relative to SRC's directory descriptor without
 *     following symlinks (openat + O_NOFOLLOW, one component at a time), so
 *     no link inside SRC can make the tool read /proc/self/environ or
 *     ~/.aws/credentials. A metadata file (meta.yaml, params, tags, metrics,
 *     inputs, registry files) that is a link, a FIFO or a device is skipped
 *     with a problem record naming it.
 *   - Artifacts follow Python MLflow's log_artifacts for links inside the
 *     run's artifact folder: a file link that resolves inside SRC is read; a
 *     directory link is never descended; a link resolving outside SRC is read
 *     only with follow_symlinks (--follow-symlinks); a loop or a dangling link
 *     is skipped with a problem naming the link. An artifact location outside
 *     SRC (a file: artifact_uri elsewhere on this machine) is likewise read only
 *     with follow_symlinks.
 *   - YAML is size-limited (SRC_YAML_MAX_BYTES) and depth-limited
 *     (SRC_YAML_MAX_DEPTH, the order of PyYAML's own limit); a linear pre-scan
 *     refuses a too-deep document before libyaml sees it, so parsing is linear
 *     in the file size and never recursive.
 *   - Every folder or file it skips is named in a problem record (MLflow itself
 *     logs "Malformed experiment" for an experiment folder without meta.yaml);
 *     the caller prints them as warnings. A damaged run never stops the others.
 *   - Everything is handed on as plain structs of owned strings: nobody after
 *     this door parses file contents again.
 *
 * Thread-safety: src_store_open/src_store_close are single-threaded for the
 * caller (src_store_open reads run folders ahead on two threads of its own and
 * joins them before it returns); once open, the per-run readers (src_run_read, src_metric_read, src_artifact_open,
 * ...) may be called from many threads for different runs.
 */
#ifndef MLL_TOOLS_SRC_H
#define MLL_TOOLS_SRC_H

#include "errors.h"
#include "util.h"

#include <stddef.h>

enum {
    SRC_YAML_MAX_BYTES = 4 << 20,      /* a meta.yaml larger than this is refused */
    SRC_YAML_MAX_DEPTH = 1000,         /* nesting (flow or block) deeper than this is refused */
    SRC_VALUE_MAX_BYTES = 16 << 20,    /* a param/tag/description file larger than this is refused */
    SRC_METRIC_LINE_MAX = 4096         /* a metric line longer than this is malformed */
};

typedef enum src_problem_kind {
    SRC_SKIPPED_FOLDER = 1,            /* a folder MLflow would not read either (no meta.yaml, bad id) */
    SRC_SKIPPED_FILE,                  /* a file that is a link, not regular, too large, unreadable */
    SRC_MALFORMED,                     /* a file whose contents MLflow could not parse (bad YAML, bad line) */
    SRC_SKIPPED_LINK                   /* an artifact link not followed (outside SRC, loop, dangling, dir) */
} src_problem_kind;

typedef struct src_problem {
    int kind;                          /* src_problem_kind */
    char *path;                        /* relative to SRC */
    char *why;
    long line;                         /* 1-based line for SRC_MALFORMED in line files, else 0 */
} src_problem;

typedef struct src_problems {
    src_problem *v;
    size_t n, cap;
} src_problems;

/* ---- store, experiments, runs (src_store.c) -------------------------------- */

typedef enum src_status { SRC_RUNNING = 1, SRC_SCHEDULED, SRC_FINISHED, SRC_FAILED, SRC_KILLED } src_status;

typedef struct src_run {
    char *id;                          /* the run folder's name; MLflow's run_id */
    char *rel;                         /* "<exp id>/<run id>", relative to SRC */
    struct src_exp *exp;
    char *name;                        /* run_name, else the mlflow.runName tag, else "" */
    char *user_id;                     /* "" when absent */
    char *artifact_uri;                /* as written ("" when absent) */
    int status;                        /* src_status; an unknown value reads as RUNNING, as MLflow does */
    long long start_time, end_time;    /* ms; end_time valid when has_end */
    int has_end;
    int deleted;                       /* lifecycle_stage: deleted (MLflow hides it; sync skips it) */
    char *parent_id;                   /* the mlflow.parentRunId tag, or NULL */
    int depth;                         /* nesting depth among the runs of this store (parents first) */
} src_run;

typedef struct src_exp {
    char *id, *name;
    char *rel;                         /* "<exp id>" */
    char *artifact_location;           /* as written, "" when absent */
    int deleted;                       /* lifecycle_stage: deleted, or under .trash */
    long long creation_time, last_update_time; /* ms, 0 when absent (MLflow < 2.2) */
    kvlist tags;
    src_run **runs;                    /* pointers into the store's run array */
    size_t nruns;
} src_exp;

typedef struct src_filter {
    const char **experiments; size_t nexperiments;   /* names or ids; none = all */
    const char **runs; size_t nruns;                 /* run ids; none = all */
    int include_deleted;                             /* also deleted runs/experiments (inspect --view all) */
} src_filter;

typedef struct src_store src_store;    /* opaque: holds SRC's directory fd and the run index */

typedef struct src_opts {
    int follow_symlinks;               /* --follow-symlinks: links out of SRC may be read (artifacts only) */
} src_opts;

/* Opens SRC and reads every experiment's and run's meta.yaml (cheap: one
   small file per run). Returns 0, or an EXIT_* code with e filled when SRC
   itself cannot be read or holds no experiment (EXIT_SOURCE). Problems with
   single folders or files do not fail the call: they are listed in
   src_store_problems(). The filter selects what is loaded; names in the filter
   that match nothing are reported by src_store_unmatched(). */
int src_store_open(src_store **out, const char *root, const src_opts *o, const src_filter *f, tool_err *e);
void src_store_close(src_store *s);

const char *src_store_root(const src_store *s);
size_t src_store_nexps(const src_store *s);
src_exp *src_store_exp(const src_store *s, size_t i);
size_t src_store_nruns(const src_store *s);
src_run *src_store_run(const src_store *s, size_t i);      /* sorted: depth, then start_time, then id */
src_run *src_store_find_run(const src_store *s, const char *run_id);   /* hashed; NULL if absent */
src_exp *src_store_find_exp(const src_store *s, const char *exp_id);
const src_problems *src_store_problems(const src_store *s);
/* Filter entries (-e/-r values) that matched no experiment or run; NULL-terminated, owned by the store. */
const char *const *src_store_unmatched(const src_store *s);
size_t src_store_nskipped_runs(const src_store *s);        /* runs skipped (malformed, unreadable) */

const char *src_status_name(int status);                   /* "RUNNING".."KILLED" */
int src_status_parse(const char *s);                       /* name or number; 0 when unknown */

/* ---- one run's files (src_run.c) --------------------------------------------- */

typedef struct src_metric_file {
    char *key;                         /* "train/loss" (path below metrics/) */
    long long size;                    /* bytes, at the time of listing */
} src_metric_file;

typedef struct src_dataset_input {
    char *name, *digest, *source_type, *source, *schema, *profile;
    kvlist tags;                       /* input tags, e.g. mlflow.data.context */
} src_dataset_input;

typedef struct src_model_output {      /* MLflow 3 run outputs: run -> LoggedModel */
    char *model_id;
    long long step;
} src_model_output;

typedef struct src_run_files {
    kvlist params;                     /* key -> value exactly as MLflow reads the file */
    kvlist tags;
    src_metric_file *metrics; size_t nmetrics;   /* sorted by key */
    src_dataset_input *inputs; size_t ninputs;
    char **model_inputs; size_t nmodel_inputs;   /* MLflow 3: LoggedModel ids the run used */
    src_model_output *outputs; size_t noutputs;
    src_problems problems;             /* files of this run that were skipped, and why */
} src_run_files;

enum { SRC_READ_PARAMS = 1, SRC_READ_TAGS = 2, SRC_READ_METRICS = 4, SRC_READ_INPUTS = 8, SRC_READ_OUTPUTS = 16,
       SRC_READ_ALL = 31 };

/* Reads the parts of one run named in `what`. Returns 0, or an EXIT_* code
   with e filled when the run folder itself cannot be read (the run fails,
   the others go on). Skipped files are in out->problems. */
int src_run_read(src_store *s, const src_run *r, unsigned what, src_run_files *out, tool_err *e);
void src_run_files_free(src_run_files *f);

/* One value file of a run (params/<key> or tags/<key>); NULL when absent or skipped. */
char *src_run_read_value(src_store *s, const src_run *r, const char *dir /* "params"|"tags" */, const char *key);

/* ---- metric lines (src_metric.c) --------------------------------------------- */

typedef struct src_point {
    long long timestamp;               /* ms */
    double value;                      /* NaN and +-inf as MLflow reads "nan", "inf", "-inf" */
    long long step;                    /* 0 when the line has no step (MLflow < 1.x files); for a
                                          5-field line the step written (MLflow's FileStore reads
                                          0 there, migrate-filestore the written one) */
    long line;                         /* 1-based line number in the file */
    long long end_offset;              /* byte offset just after this point's line */
    char *dataset_name, *dataset_digest;   /* 5-field lines only, else NULL; owned */
} src_point;

typedef struct src_metric_chunk {
    src_point *pts; size_t n, cap;
    long long end_offset;              /* byte offset after the last whole line consumed */
    long next_line;                    /* line number of the line at end_offset */
    int rewritten;                     /* set with the "rewritten" error: read again from 0 */
    src_problems problems;             /* malformed lines (with line numbers), skipped */
} src_metric_chunk;

/* Parses one metric line "timestamp value [step [dataset_name dataset_digest]]"
   as MLflow's reader does: str.strip() (trailing spaces, CR), split on single
   spaces, 2, 3 or 5 fields, Python's int() and float() (nan, inf, Infinity,
   1_000). 0 ok (free the dataset strings with src_point_free), -1 malformed
   (nothing to free; *why says what is wrong). */
int src_parse_metric_line(const char *line, size_t len, src_point *out);
/* Cuts buf into lines as str.splitlines() does; fn gets each line, its number
   (counting '\n's from 1) and whether it ends its '\n'-line. Stops at fn's
   first non-zero return and returns it. */
typedef int (*src_line_fn)(void *ctx, const char *line, size_t len, long lineno, int last_piece);
int src_split_lines(const char *buf, size_t n, src_line_fn fn, void *ctx);
int src_parse_metric_line_why(const char *line, size_t len, src_point *out, const char **why);
void src_point_free(src_point *p);

/* Reads whole lines of metrics/<key> from byte `from` (a line boundary, as a
   previous chunk's end_offset) up to at most max_bytes (0 = no limit). A last
   line without '\n' is taken only when take_unterminated (the run has ended:
   MLflow reads it too); otherwise it is left for the next pass. A file that
   shrank below `from` returns EXIT_SOURCE-class error "rewritten" so the caller
   can start over from 0. first_line is the line number at `from`. */
int src_metric_read(src_store *s, const src_run *r, const char *key, long long from, long first_line,
                    long long max_bytes, int take_unterminated, src_metric_chunk *out, tool_err *e);
void src_metric_chunk_free(src_metric_chunk *c);

/* The latest value of metrics/<key> as MLflow's FileStore picks it for
   run.data.metrics: the point with the largest (step, timestamp, value), compared
   as Python compares tuples (a NaN value is never larger), over every line, the
   unterminated last one included; a 5-field line counts with step 0, as the
   FileStore reads it (out->step is then 0 too). 1 found (out filled, no dataset
   strings); 0 no such file, or no well-formed line; -1 with e filled. Malformed
   lines are skipped and counted in *nbad (may be NULL). Reads the file once, in
   bounded blocks, without keeping its points. */
int src_metric_latest(src_store *s, const src_run *r, const char *key, src_point *out, long *nbad, tool_err *e);

/* ---- artifacts (src_artifacts.c) ---------------------------------------------- */

typedef struct src_artifact {
    char *rel;                         /* path below the run's artifact root, '/'-separated */
    long long size;
    long long mtime_ns;
} src_artifact;

typedef struct src_artifacts {
    src_artifact *v; size_t n, cap;    /* regular files, sorted by rel */
    src_problems problems;             /* links not followed, unreadable entries */
} src_artifacts;

/* Lists a run's artifacts: <run>/artifacts, or the local folder its
   artifact_uri names (file:///..., /abs, file:///C:/... is never local here). */
int src_artifacts_list(src_store *s, const src_run *r, src_artifacts *out, tool_err *e);
void src_artifacts_free(src_artifacts *a);
/* Opens one listed artifact for reading (same link policy; O_NOFOLLOW on the
   last component). Returns an fd and its current size, or -1 with e filled
   (the file vanished, became a link, ...). */
int src_artifact_open(src_store *s, const src_run *r, const char *rel, long long *size, tool_err *e);

/* Every regular file under SRC (for the S3 mirror), relative paths, with the
   same link policy; sorted. */
int src_list_all_files(src_store *s, src_artifacts *out, tool_err *e);
int src_open_file(src_store *s, const char *rel, long long *size, tool_err *e);

/* ---- model registry: SRC/models (src_registry.c) -------------------------------- */

typedef struct src_version {
    int version;                       /* > 0 */
    char *source, *run_id, *description, *status, *user_id, *run_link, *storage_location;
    char *stage;                       /* "None", "Staging", "Production", "Archived" */
    char *model_id;                    /* MLflow 3: the LoggedModel id, NULL when absent */
    long long creation_time, last_updated_time;
    int deleted;                       /* current_stage Deleted_Internal: the number is taken, the version gone */
    kvlist tags;
} src_version;

typedef struct src_model {
    char *name, *description;
    long long creation_time, last_updated_time;
    kvlist tags;
    kvlist aliases;                    /* alias -> version number (decimal text) */
    src_version *v; size_t nv;         /* sorted by version */
} src_model;

typedef struct src_registry {
    src_model *v; size_t n;
    src_problems problems;
} src_registry;

/* Reads SRC/models (absent = empty registry, return 0). */
int src_registry_read(src_store *s, src_registry *out, tool_err *e);
void src_registry_free(src_registry *r);

/* ---- MLflow 3 LoggedModels: <exp>/models/<model_id>/ (src_logged_models.c) ------ */

typedef struct src_logged_model {
    char *id, *experiment_id, *name, *source_run_id, *model_type, *artifact_location;
    int status;                        /* 1 PENDING, 2 READY, 3 FAILED (MLflow's LoggedModelStatus), 0 unknown */
    char *status_message;
    long long creation_time, last_updated_time;
    kvlist params, tags;
    char *rel;                         /* "<exp>/models/<id>" */
} src_logged_model;

typedef struct src_logged_models {
    src_logged_model *v; size_t n;
    src_problems problems;
} src_logged_models;

int src_logged_models_read(src_store *s, const src_exp *x, src_logged_models *out, tool_err *e);
/* One LoggedModel by id, searched in every experiment folder of SRC (active and
   .trash, as MLflow does): 0; -1 when absent or deleted; an EXIT_* code with e
   filled when its folder cannot be read. */
int src_logged_model_find(src_store *s, const char *model_id, src_logged_model *out, tool_err *e);
void src_logged_model_free(src_logged_model *m);
void src_logged_models_free(src_logged_models *m);
/* LoggedModel metrics (models/<id>/metrics/<key>: "ts value step run_id [dataset_name dataset_digest]"). */
typedef struct src_lm_metric {
    char *key, *run_id, *dataset_name, *dataset_digest;
    long long timestamp, step;
    double value;
} src_lm_metric;
/* All lines of all metric files, in file order (MLflow's entity keeps only the latest
   per dataset; the history is what a server can take). Malformed lines are skipped
   with a problem in *problems. */
int src_logged_model_metrics(src_store *s, const src_logged_model *m, src_lm_metric **out, size_t *n,
                             src_problems *problems, tool_err *e);
void src_lm_metrics_free(src_lm_metric *v, size_t n);
/* Artifacts of a LoggedModel (its artifacts/ folder), same link policy. */
int src_logged_model_artifacts(src_store *s, const src_logged_model *m, src_artifacts *out, tool_err *e);
int src_logged_model_artifact_open(src_store *s, const src_logged_model *m, const char *rel, long long *size,
                                   tool_err *e);

/* ---- looking closer, and writing into SRC (src_write.c): check --repair, relocate ---- */

/* What an entry below SRC is, links not followed on the way or at the end. */
enum { SRC_E_NONE = 0, SRC_E_FILE, SRC_E_DIR, SRC_E_LINK, SRC_E_OTHER };
int src_entry(src_store *s, const char *rel, long long *size, long long *mtime_ms);

/* The entries of folder rel below SRC (links not followed), sorted, with SRC_E_* types.
   0, or an exit code with e filled. */
typedef struct src_dirent {
    char *name;
    int type;
} src_dirent;
int src_list_dir(src_store *s, const char *rel, src_dirent **out, size_t *n, tool_err *e);
void src_dirents_free(src_dirent *v, size_t n);

/* A whole regular file below SRC (link-safe) of at most max bytes, NUL-terminated,
   or NULL with e filled (EXIT_SOURCE). */
char *src_read_file(src_store *s, const char *rel, size_t max, size_t *len, tool_err *e);

/* The writers. Every path is reached from SRC's directory descriptor without
   following a link (the same walk as the reader's, openat2 where the kernel has
   it); a link where a file or folder is written is refused. Each change is atomic:
   src_write_replace writes a temporary file in tmp_dir (NULL: the file's own
   folder; pass the run folder for files below metrics/, params/ or tags/, where
   MLflow would list a temporary file as a key), fsyncs it, renames it over the
   file and fsyncs the folder; the file keeps its mode (a new one gets 0666 &
   ~umask). src_write_truncate cuts a file in one ftruncate. 0, or an exit code
   with e filled (what = the path below SRC). */
int src_write_replace(src_store *s, const char *rel, const char *tmp_dir, const char *data, size_t len, tool_err *e);
int src_write_truncate(src_store *s, const char *rel, long long size, tool_err *e);
int src_write_mkdir(src_store *s, const char *rel, tool_err *e);
int src_write_remove(src_store *s, const char *rel, tool_err *e);   /* a regular file */
/* The absolute path SRC resolves to (realpath), for file: URIs. */
const char *src_store_real_root(const src_store *s);
/* MLflow's rule for a param, tag or metric key found on disk (the reader skips the others). */
int src_valid_key(const char *key);

/* ---- problems ------------------------------------------------------------------ */

void src_problems_add(src_problems *p, int kind, const char *path, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Appends a copy of each of q's records to p (e.g. a run's into a summary). */
void src_problems_merge(src_problems *p, const src_problems *q);
void src_problems_free(src_problems *p);

#endif
