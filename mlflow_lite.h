/* mlflow_lite.h - v0.1.0 (TBD) - log MLflow runs into mlruns/ from C and C++, no server, no Python.
   Public domain / MIT dual license, see the end of the file.

   Do this:
       #define MLFLOW_LITE_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the implementation.
   (Or compile the two-line mlflow_lite.c beside this header.)

       #include ...
       #define MLFLOW_LITE_IMPLEMENTATION
       #include "mlflow_lite.h"

OVERVIEW
========
mlflow_lite writes experiments, runs, params, tags, metrics and artifacts straight
into MLflow's on-disk file store (the `mlruns/` folder), so that `mlflow ui`,
`MlflowClient`, `mlflow migrate-filestore` and `mlflow-lite sync` read them exactly
as if Python MLflow had written them. Verified against MLflow 3.18.0 (and read back
by MLflow 2.22); see MLL_MLFLOW_VERIFIED.

mlflow_lite does NOT:
    - talk to any network or server (use the `mlflow-lite sync` tool later),
    - need Python, a JSON or YAML library, or anything but libc (+ pthreads),
    - abort(), exit() or crash the training process because logging failed,
    - keep global mutable state: everything lives in mll_store / mll_run handles.

MLflow >= 3.13 refuses to read a file store unless MLFLOW_ALLOW_FILE_STORE=true is
set in the reading process (mlflow ui / server / your Python script). mlflow_lite
itself never needs it.

QUICK START
===========
    mll_store *store = NULL;
    mll_run *run = NULL;
    if (mll_open(&store, NULL) != MLL_OK) return 1;     // ./mlruns or $MLFLOW_TRACKING_URI
    mll_run_desc rd = {0};
    rd.experiment_name = "cifar10";                     // get-or-create by name
    rd.run_name = "baseline";
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    mll_log_param(run, "lr", "0.01");
    for (int step = 0; step < 1000; step++)
        mll_log_metric(run, "train/loss", 1.0 / (step + 1), step);
    mll_set_tag(run, "team", "vision");
    mll_log_artifact(run, "config.yaml", "configs");    // -> artifacts/configs/config.yaml
    mll_end_run(run, MLL_RUN_FINISHED);
    mll_close(store);

Then: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns

STEP BY STEP
============
1. mll_open(&store, &desc) opens (creating if needed) the root folder. A NULL desc
   or a zeroed one takes every default (see DESC STRUCTS AND DEFAULTS). The root gets
   `0/` (experiment "Default") and `.trash/` as MLflow expects.
2. mll_start_run(&run, store, &run_desc) finds or creates the experiment by name
   (or takes experiment_id), then creates a run, or reopens run_desc.run_id to keep
   appending after a job restart. System tags are written as Python MLflow does:
   mlflow.user, mlflow.source.name, mlflow.source.type=LOCAL, mlflow.runName, and
   mlflow.source.git.commit when the program runs inside a git work tree.
3. Log: mll_log_metric / mll_log_metric_at / mll_log_metrics (batch of points),
   mll_log_param (+ _int, _double, _bool, printf-style mll_log_paramf),
   mll_set_tag (+ mll_set_tagf), mll_delete_tag, mll_log_batch (metrics, params and
   tags validated together, all or nothing), mll_log_artifact (a file),
   mll_log_text / mll_log_bytes (memory to an artifact file),
   mll_set_experiment_tag, mll_set_run_name.
4. mll_flush(run) forces buffered points to disk (they are also flushed by a
   background thread at least every flush interval, when the buffer fills, at
   mll_end_run and at mll_close).
5. mll_end_run(run, MLL_RUN_FINISHED | MLL_RUN_FAILED | MLL_RUN_KILLED) flushes,
   records status and end time, and frees the handle.
6. mll_close(store) ends any run still open as FINISHED (as Python's atexit
   hook does), stops the flusher thread and frees everything.

CONFIGURATION MACROS
====================
    macro                     default                effect
    ------------------------  ---------------------  --------------------------------------------
    MLFLOW_LITE_IMPLEMENTATION (undefined)           emit the implementation in this translation unit
    MLL_API                   extern                 linkage of public functions
    MLL_STATIC                (undefined)            make every function static (private copy per TU)
    MLL_DLL                   (undefined)            export public functions (visibility/dllexport)
    MLL_ASSERT(c)             assert(c) in debug     programmer-error checks only; never for I/O or data
    MLL_USE_STB_SPRINTF       auto: 1 if <stb/stb_sprintf.h> is found by __has_include, else 0
                                                     1: stb_sprintf (Debian libstb-dev) is the printf engine
                                                     of mll_log_paramf / mll_set_tagf and of messages
    MLL_NO_THREADS            (undefined)            no pthreads: no background flusher, no locking
                                                     (flushing then happens inside log calls)
    MLL_NO_STDIO              (undefined)            the default logger prints nothing
    MLL_NO_DEFAULT_FS         (undefined)            no POSIX file system: every mll_fs hook must be set
    MLL_MAX_PATH              4096                   longest path built (bytes)

Numbers: metric values and mll_log_param_double() use the built-in shortest
round-trip formatter in every build (Grisu-class, ~30 ns): the output parses back
to the identical double, never depends on the locale, and spells values as Python's
repr(float) does ("0.1", "1e-05", "1e+16", "5.0", "-0.0", "nan", "inf", "-inf").
It is faster than any printf, stb_sprintf included, which is why the metric path
does not use printf at all. printf-style helpers use stb_sprintf when available,
else vsnprintf with the locale's decimal point replaced by '.'.

DESC STRUCTS AND DEFAULTS
=========================
Zero-initialise (`mll_store_desc d = {0};`); every 0 field means "default";
mll_query_store_desc() returns the resolved values.
    mll_store_desc.root               $MLFLOW_TRACKING_URI if it is a file: URI or a path,
                                      else "./mlruns". A server URI (http, https,
                                      databricks) still writes ./mlruns and says so
                                      once through the logger: use `mlflow-lite sync`.
    mll_store_desc.flush_interval_ms  1000 (points reach the file at most this late)
    mll_store_desc.buffer_bytes       1 MiB per run (a full buffer is flushed inline)
    mll_store_desc.max_pending_bytes  64 MiB per run: if flushing keeps failing (disk
                                      full), points are kept in memory up to this, then
                                      log calls return MLL_ERR_BUFFER_FULL
    mll_store_desc.durability         MLL_DURABILITY_DEFAULT = process-crash safe (write(),
                                      no fsync); MLL_DURABILITY_FSYNC also fsyncs on flush
    mll_store_desc.ignore_env         0: honour MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME,
                                      MLFLOW_EXPERIMENT_ID, MLFLOW_RUN_ID,
                                      MLFLOW_TRACKING_USERNAME
    mll_store_desc.allocator/fs/logger  hooks, see below
    mll_run_desc.experiment_name      $MLFLOW_EXPERIMENT_NAME, else experiment_id, else
                                      $MLFLOW_EXPERIMENT_ID, else "Default" (id "0")
    mll_run_desc.run_id               $MLFLOW_RUN_ID: reopen that run (so a C program
                                      started by `mlflow run` logs into it)
    mll_run_desc.run_name             random "adjective-noun-NNN", like MLflow
    mll_run_desc.start_time_ms        now
    mll_run_desc.user                 $MLFLOW_TRACKING_USERNAME, else the login name
    mll_run_desc.source_name          the program's path (/proc/self/exe)

ERRORS AND LOGGING
==================
Every call that can fail returns mll_result; MLL_OK is 0. mll_strerror() never
returns NULL. The last error of a run (code, errno, operation, key or path, message)
is kept and read with mll_run_last_error(); store-level failures (including a failed
mll_start_run) with mll_store_last_error(). A NULL handle gives
MLL_ERR_INVALID_ARGUMENT, never a crash. Bad input (invalid or traversing keys,
over-long values, invalid UTF-8, a changed param) returns an error and writes
nothing. The logger hook receives warnings (e.g. a server MLFLOW_TRACKING_URI)
and every error; the default one prints "mlflow_lite: ..." lines to stderr.

Validation follows MLflow 3.18 exactly: keys match ^[/\w.\- :]*$ with Python's
Unicode \w (table generated from Python 3.11's `re`), are at most 250 characters,
and must be normalised relative paths (no "", ".", "..", leading "/" or "..",
"./", "//", trailing "/"). Param values <= 6000 characters, run tag values <= 8000,
experiment tag values <= 5000, experiment names 1..500 characters. MLflow's client
silently truncates long values; mlflow_lite returns MLL_ERR_VALUE_TOO_LONG instead.
A param logged again with the same value is OK; another value is MLL_ERR_PARAM_CHANGED.

THREADS, PROCESSES AND MPI RANKS
================================
All functions are thread-safe. Many threads may log to one run (a mutex per run;
give each thread its own run for the highest throughput). Different processes may
log into the same root at once: experiment ids are derived from the experiment name
(18 digits, probing on collision) and published with an atomic rename, so 64 ranks
that start runs in a new experiment at once end with one experiment. Typical MPI use:
rank 0 creates the run and broadcasts mll_run_id(); other ranks reopen it with
run_desc.run_id and log under distinct keys (two processes appending to the same
metric file are safe on local file systems, not on NFS).

ON-DISK LAYOUT (checked against MLflow 3.18.0)
==============================================
    <root>/.trash/                          created if missing
    <root>/0/meta.yaml                      experiment "Default"
    <root>/<exp_id>/meta.yaml               artifact_location, creation_time, experiment_id,
                                            last_update_time, lifecycle_stage, name,
                                            workspace: default (keys sorted, as PyYAML)
    <root>/<exp_id>/tags/<key>              experiment tags
    <root>/<exp_id>/<run_id>/meta.yaml      artifact_uri, end_time, entry_point_name,
                                            experiment_id, lifecycle_stage, run_id, run_name,
                                            run_uuid (for 2.x readers), source_name,
                                            source_type: 4, source_version, start_time,
                                            status (int), tags: [], user_id
    <root>/<exp_id>/<run_id>/metrics/<key>  "<ts_ms> <value> <step>\n" lines
    <root>/<exp_id>/<run_id>/params/<key>   value, no trailing newline
    <root>/<exp_id>/<run_id>/tags/<key>     value, no trailing newline
    <root>/<exp_id>/<run_id>/artifacts/...  artifacts (when artifact_uri is local or
                                            not a file: URI, e.g. s3:// for a later sync)
Keys with '/' become sub-folders. Temporary files are named ".mll-tmp-*" and live
only in run and experiment folders (never in metrics/, params/, tags/); a staging
folder for a new experiment is "<root>/.mll-stage-*.trash", which MLflow skips.

CRASH AND FULL-DISK BEHAVIOUR
=============================
Metric points are buffered and written as whole lines with one write() per metric
file; a short write (disk full) is truncated back so files only ever hold whole
lines, and the unwritten points stay in memory to be retried on the next flush.
meta.yaml, params and tags are written to a temporary file and renamed into place
(params with link(), so two writers cannot both "create" one param). A process
killed with SIGKILL at any moment leaves a folder that MLflow reads, holding every
point that was flushed before the kill. With MLL_DURABILITY_FSYNC data also
survives power loss once mll_flush() returned.

MEMORY AND FILE-SYSTEM HOOKS
============================
    desc.allocator = (mll_allocator){ my_alloc, my_free, user_data };   both or neither
    desc.fs.write  = my_write;  ...  each mll_fs entry left NULL uses the POSIX default
                                     (all are required with MLL_NO_DEFAULT_FS)
    desc.logger    = (mll_logger){ my_log, user_data };
The fs hooks let embedded targets plug in their file system and let tests inject
faults (short writes, ENOSPC, failed renames). In steady state mll_log_metric
allocates nothing: per-key buffers grow to their working size and are reused.

PLATFORM NOTES
==============
POSIX (Linux, macOS, BSD) with pthreads. Windows is not supported yet (the fs,
thread and clock sections are the only platform code; MLL_NO_DEFAULT_FS and
MLL_NO_THREADS give a libc-only core for other targets).

PERFORMANCE (2-core Debian 12 box, gcc 12 -O2; bench/bench_metrics.c)
=====================================================================
See README.md "Performance": mll_log_metric costs tens of ns per point in steady
state; the shortest-digits formatter is ~4x faster than glibc "%.17g".

LICENSE
=======
See end of file.
*/
#ifndef MLFLOW_LITE_H
#define MLFLOW_LITE_H

#define MLL_VERSION_MAJOR 0
#define MLL_VERSION_MINOR 1
#define MLL_VERSION_PATCH 0
#define MLL__STR2(x) #x
#define MLL__STR(x) MLL__STR2(x)
#define MLL_VERSION_STRING \
    MLL__STR(MLL_VERSION_MAJOR) "." MLL__STR(MLL_VERSION_MINOR) "." MLL__STR(MLL_VERSION_PATCH)
#define MLL_VERSION_HEX ((MLL_VERSION_MAJOR << 16) | (MLL_VERSION_MINOR << 8) | MLL_VERSION_PATCH)
/* The MLflow release whose file store this version was verified against. */
#define MLL_MLFLOW_VERIFIED "3.18.0"

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifndef MLL_API
#  if defined(MLL_STATIC)
#    define MLL_API static
#  elif defined(MLL_DLL) && defined(_WIN32)
#    define MLL_API __declspec(dllexport)
#  elif defined(MLL_DLL) && (defined(__GNUC__) || defined(__clang__))
#    define MLL_API __attribute__((visibility("default"))) extern
#  else
#    define MLL_API extern
#  endif
#endif

#if defined(__GNUC__) || defined(__clang__)
#  define MLL__PRINTF(fmt_idx, arg_idx) __attribute__((format(printf, fmt_idx, arg_idx)))
#else
#  define MLL__PRINTF(fmt_idx, arg_idx)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- results -------------------------------------------------------------
   One list, expanded into the enum and the mll_strerror() table. Numbers are
   stable and never reused. */
#define MLL__RESULTS(X) \
    X(MLL_OK, 0, "success") \
    X(MLL_ERR_INVALID_ARGUMENT, 1, "invalid argument (NULL handle or pointer, or a bad desc field)") \
    X(MLL_ERR_INVALID_KEY, 2, "invalid key: MLflow allows word characters, '/', '.', '-', ' ' and ':' and a normalised relative path (no '..', leading '/', './', '//' or trailing '/')") \
    X(MLL_ERR_VALUE_TOO_LONG, 3, "value or key longer than MLflow allows") \
    X(MLL_ERR_INVALID_NAME, 4, "invalid experiment name, run name or id") \
    X(MLL_ERR_INVALID_UTF8, 5, "string is not valid UTF-8") \
    X(MLL_ERR_PARAM_CHANGED, 6, "param already logged with a different value (MLflow params are immutable)") \
    X(MLL_ERR_NOT_FOUND, 7, "experiment or run not found") \
    X(MLL_ERR_EXPERIMENT_DELETED, 8, "an experiment with that name is deleted (restore it or purge .trash)") \
    X(MLL_ERR_NO_MEMORY, 9, "out of memory") \
    X(MLL_ERR_IO, 10, "file-system error (see errno)") \
    X(MLL_ERR_NO_SPACE, 11, "no space left on device; unwritten points are kept in memory and retried") \
    X(MLL_ERR_PERMISSION, 12, "permission denied or read-only file system") \
    X(MLL_ERR_BUFFER_FULL, 13, "metric buffer full and cannot be flushed; this point was not logged") \
    X(MLL_ERR_CORRUPT, 14, "an existing MLflow file is malformed") \
    X(MLL_ERR_INVALID_VALUE, 15, "invalid value (negative timestamp, bad status)") \
    X(MLL_ERR_INVALID_STATE, 16, "run is deleted or not active") \
    X(MLL_ERR_EXISTS, 17, "file or directory already exists") \
    X(MLL_ERR_PATH_TOO_LONG, 18, "path longer than MLL_MAX_PATH") \
    X(MLL_ERR_UNSUPPORTED, 19, "unsupported tracking URI or operation")

#define MLL__RESULT_ENUM(name, num, text) name = num,
typedef enum mll_result { MLL__RESULTS(MLL__RESULT_ENUM) MLL__RESULT_COUNT } mll_result;
#undef MLL__RESULT_ENUM

/* Run status, numbered as MLflow's RunStatus (written as this int in meta.yaml). */
typedef enum mll_run_status {
    MLL_RUN_STATUS_DEFAULT = 0, /* for mll_end_run: FINISHED */
    MLL_RUN_RUNNING = 1,
    MLL_RUN_SCHEDULED = 2,
    MLL_RUN_FINISHED = 3,
    MLL_RUN_FAILED = 4,
    MLL_RUN_KILLED = 5
} mll_run_status;

typedef enum mll_log_level {
    MLL_LOG_ERROR = 1,
    MLL_LOG_WARN = 2,
    MLL_LOG_INFO = 3,
    MLL_LOG_DEBUG = 4
} mll_log_level;

typedef enum mll_durability {
    MLL_DURABILITY_DEFAULT = 0, /* survive process crashes: data handed to the OS on flush */
    MLL_DURABILITY_WRITE = 1,   /* same as default, by name */
    MLL_DURABILITY_FSYNC = 2    /* also fsync metric files and renamed files: survive power loss */
} mll_durability;

/* ---- hooks ---------------------------------------------------------------- */
typedef struct mll_allocator {
    void *(*alloc)(size_t size, void *user_data); /* return NULL on failure */
    void (*free)(void *ptr, void *user_data);     /* ptr may be NULL */
    void *user_data;
} mll_allocator;

/* Called for warnings and errors. Must be re-entrant; strings are only valid during the call. */
typedef struct mll_logger {
    void (*func)(mll_log_level level, mll_result code, const char *message, const char *file,
                 int line, void *user_data);
    void *user_data;
} mll_logger;

typedef enum mll_open_mode {
    MLL_OPEN_READ = 1,        /* read an existing file */
    MLL_OPEN_APPEND = 2,      /* write at the end, create if missing (O_APPEND) */
    MLL_OPEN_CREATE_EXCL = 3, /* create a new file, MLL_ERR_EXISTS if it exists */
    MLL_OPEN_TRUNCATE = 4     /* create or truncate for writing */
} mll_open_mode;

typedef struct mll_stat {
    int exists;
    int is_dir;
    uint64_t size;
} mll_stat;

/* Called once per directory entry ("." and ".." excluded); return non-zero to stop. */
typedef int (*mll_list_fn)(const char *name, int is_dir, void *ctx);

/* File-system hooks. Every entry returns MLL_OK or an error code (MLL_ERR_EXISTS for an
   existing target where noted, MLL_ERR_NOT_FOUND, MLL_ERR_NO_SPACE, MLL_ERR_PERMISSION,
   MLL_ERR_IO) and should leave errno set. NULL entries use the POSIX default. */
typedef struct mll_fs {
    mll_result (*mkdir)(const char *path, void *user_data); /* MLL_ERR_EXISTS if present */
    mll_result (*open)(const char *path, mll_open_mode mode, intptr_t *handle, void *user_data);
    mll_result (*read)(intptr_t handle, void *buf, size_t size, size_t *got, void *user_data);
    mll_result (*write)(intptr_t handle, const void *buf, size_t size, size_t *written,
                        void *user_data); /* may write less than size: *written says how much */
    mll_result (*sync)(intptr_t handle, void *user_data);
    mll_result (*truncate)(intptr_t handle, uint64_t size, void *user_data);
    mll_result (*close)(intptr_t handle, void *user_data);
    mll_result (*rename)(const char *from, const char *to, void *user_data); /* replaces files */
    mll_result (*link)(const char *from, const char *to, void *user_data);   /* MLL_ERR_EXISTS if `to` exists */
    mll_result (*remove)(const char *path, void *user_data); /* file or empty directory */
    mll_result (*stat)(const char *path, mll_stat *st, void *user_data); /* missing: exists = 0, MLL_OK */
    mll_result (*list)(const char *dir, mll_list_fn fn, void *ctx, void *user_data);
    void *user_data;
} mll_fs;

/* ---- desc structs (zero-initialise; 0 = default) --------------------------- */
typedef struct mll_store_desc {
    uint32_t _start_canary;
    const char *root;             /* folder or file: URI; see DESC STRUCTS AND DEFAULTS */
    int flush_interval_ms;        /* 0: 1000 */
    size_t buffer_bytes;          /* 0: 1 MiB */
    size_t max_pending_bytes;     /* 0: 64 MiB */
    mll_durability durability;    /* 0: MLL_DURABILITY_DEFAULT */
    int ignore_env;               /* 1: do not read MLFLOW_* environment variables */
    int no_flush_thread;          /* 1: no background flusher; flush in log calls only */
    mll_allocator allocator;
    mll_fs fs;
    mll_logger logger;
    uint32_t _end_canary;
} mll_store_desc;

typedef struct mll_tag {
    const char *key;
    const char *value;
} mll_tag;
typedef mll_tag mll_param;

typedef struct mll_metric {
    const char *key;
    double value;
    int64_t step;
    int64_t timestamp_ms; /* 0: now (use mll_log_metric_at for a literal 0) */
} mll_metric;

typedef struct mll_run_desc {
    uint32_t _start_canary;
    const char *experiment_name;   /* get-or-create by name */
    const char *experiment_id;     /* or an existing experiment id */
    const char *run_name;          /* 0: random adjective-noun-NNN */
    const char *run_id;            /* reopen this run and keep appending */
    const char *parent_run_id;     /* nested run: tag mlflow.parentRunId */
    const mll_tag *tags;           /* initial tags */
    size_t num_tags;
    const char *description;       /* tag mlflow.note.content */
    const char *artifact_location; /* for a newly created experiment, e.g. "s3://bucket/path" */
    const char *user;              /* 0: $MLFLOW_TRACKING_USERNAME, else the login name */
    const char *source_name;       /* 0: the program's path */
    int64_t start_time_ms;         /* 0: now */
    uint32_t _end_canary;
} mll_run_desc;

/* Detail of the last error of a run or store. */
typedef struct mll_error {
    mll_result code;
    int sys_errno;          /* errno at the failure, 0 if none */
    const char *operation;  /* static string: "open", "write", "validate key", ... */
    char subject[512];      /* the key, name or path concerned */
    char message[512];      /* one line, for humans */
} mll_error;

typedef struct mll_store mll_store;
typedef struct mll_run mll_run;

/* ---- version and errors ---------------------------------------------------- */
/* Returns MLL_VERSION_STRING of the implementation (compare with the header's to detect a mismatch). */
MLL_API const char *mll_version(void);
/* Never NULL; unknown codes give "unknown mlflow_lite result". */
MLL_API const char *mll_strerror(mll_result result);

/* ---- store ----------------------------------------------------------------- */
/* Opens the root (creating it, 0/ and .trash/ if needed). desc may be NULL (all defaults).
   On failure *out is NULL and the error is returned (details go to the logger).
   Thread-safe: open as many stores as you like. */
MLL_API mll_result mll_open(mll_store **out, const mll_store_desc *desc);
/* Ends runs still open (FINISHED), flushes, stops the flusher and frees. NULL is a no-op (MLL_OK).
   Returns the first error met while flushing. Not to be called while other threads log. */
MLL_API mll_result mll_close(mll_store *store);
/* The resolved desc (defaults filled in; root is the absolute root path). */
MLL_API mll_result mll_query_store_desc(const mll_store *store, mll_store_desc *out);
/* Absolute root path; "" for NULL. */
MLL_API const char *mll_store_root(const mll_store *store);
/* Copies the last store-level error (e.g. of a failed mll_start_run); returns its code. */
MLL_API mll_result mll_store_last_error(mll_store *store, mll_error *out);
/* Sets a tag on an experiment (key <= 250, value <= 5000 characters). */
MLL_API mll_result mll_set_experiment_tag(mll_store *store, const char *experiment_id,
                                          const char *key, const char *value);
/* Finds an active experiment by name; writes its id (up to 64 bytes incl. NUL) to id_out. */
MLL_API mll_result mll_get_experiment_id(mll_store *store, const char *name, char *id_out,
                                         size_t id_cap);

/* ---- runs ------------------------------------------------------------------ */
/* Creates (or, with run_id / $MLFLOW_RUN_ID, reopens) a run. desc may be NULL.
   On failure *out is NULL; see mll_store_last_error(). */
MLL_API mll_result mll_start_run(mll_run **out, mll_store *store, const mll_run_desc *desc);
/* Flushes, writes status and end time, frees the handle (also when an error is returned).
   MLL_RUN_STATUS_DEFAULT means FINISHED. */
MLL_API mll_result mll_end_run(mll_run *run, mll_run_status status);
/* Writes buffered points now. Returns MLL_ERR_NO_SPACE etc. if they could not be written
   (they stay buffered). */
MLL_API mll_result mll_flush(mll_run *run);
/* Accessors: never NULL ("" for a NULL run). Valid until mll_end_run. */
MLL_API const char *mll_run_id(const mll_run *run);
MLL_API const char *mll_run_experiment_id(const mll_run *run);
MLL_API const char *mll_run_name(const mll_run *run);
MLL_API const char *mll_run_artifact_uri(const mll_run *run);
MLL_API const char *mll_run_dir(const mll_run *run);
/* Copies the run's last error; returns its code (MLL_OK if none). */
MLL_API mll_result mll_run_last_error(mll_run *run, mll_error *out);

/* ---- metrics --------------------------------------------------------------- */
/* Logs one point with timestamp = now (ms). NaN and +-inf are allowed. */
MLL_API mll_result mll_log_metric(mll_run *run, const char *key, double value, int64_t step);
/* Same with an explicit timestamp in ms since the epoch (>= 0). */
MLL_API mll_result mll_log_metric_at(mll_run *run, const char *key, double value, int64_t step,
                                     int64_t timestamp_ms);
/* Logs n points; all keys are validated first: on a bad key nothing is logged. */
MLL_API mll_result mll_log_metrics(mll_run *run, const mll_metric *metrics, size_t n);

/* ---- params and tags ------------------------------------------------------- */
MLL_API mll_result mll_log_param(mll_run *run, const char *key, const char *value);
MLL_API mll_result mll_log_param_int(mll_run *run, const char *key, long long value);
/* Written as Python's str(float) would write it ("0.01", "1e-05"). */
MLL_API mll_result mll_log_param_double(mll_run *run, const char *key, double value);
/* Written as Python's str(bool): "True" / "False". */
MLL_API mll_result mll_log_param_bool(mll_run *run, const char *key, int value);
/* printf-style value, locale-independent ('.' as decimal point). */
MLL_API mll_result mll_log_paramf(mll_run *run, const char *key, const char *fmt, ...)
    MLL__PRINTF(3, 4);
MLL_API mll_result mll_set_tag(mll_run *run, const char *key, const char *value);
MLL_API mll_result mll_set_tagf(mll_run *run, const char *key, const char *fmt, ...)
    MLL__PRINTF(3, 4);
MLL_API mll_result mll_delete_tag(mll_run *run, const char *key);
/* Renames the run (meta.yaml run_name and tag mlflow.runName together). */
MLL_API mll_result mll_set_run_name(mll_run *run, const char *name);
/* Like MLflow's log_batch: everything is validated first (keys, lengths, UTF-8, param
   immutability); nothing is written unless all of it is valid. */
MLL_API mll_result mll_log_batch(mll_run *run, const mll_metric *metrics, size_t num_metrics,
                                 const mll_param *params, size_t num_params, const mll_tag *tags,
                                 size_t num_tags);

/* ---- artifacts ------------------------------------------------------------- */
/* Copies a local file to artifacts/<artifact_dir>/<basename>. artifact_dir may be NULL or "". */
MLL_API mll_result mll_log_artifact(mll_run *run, const char *local_path, const char *artifact_dir);
/* Writes text to artifacts/<artifact_file>. */
MLL_API mll_result mll_log_text(mll_run *run, const char *text, const char *artifact_file);
MLL_API mll_result mll_log_bytes(mll_run *run, const void *data, size_t size,
                                 const char *artifact_file);

/* ---- formatting (exposed for tests and for callers who want MLflow's spelling) ---- */
/* Shortest round-trip text of v as Python's repr(float); returns the length (< 32), or 0
   if cap < 32. Locale-independent. */
MLL_API size_t mll_format_double(double v, char *buf, size_t cap);

#ifdef __cplusplus
} /* extern "C" */
#endif
#endif /* MLFLOW_LITE_H */
