/* tools/scan.h — walk an MLflow file store (mlruns/) and read what a sync
 * needs. Reads only; never writes into SRC. Layout: shared/spec/filestore.md.
 *
 * scan_store_load() reads experiments and run meta.yaml files (cheap);
 * params, tags, metric files, inputs and artifacts are read per run on
 * demand by the sync workers. Experiments under .trash and runs whose
 * lifecycle_stage is deleted are skipped (counted in nskipped). */
#ifndef MLL_TOOLS_SCAN_H
#define MLL_TOOLS_SCAN_H
#include "util.h"

typedef struct scan_run {
    char *id, *dir, *exp_id;
    char *run_name, *user_id, *artifact_uri;
    int status;                  /* 1 RUNNING .. 5 KILLED */
    long long start_time, end_time;
    int has_end;
    char *parent;                /* local mlflow.parentRunId, or NULL */
    int depth;                   /* nesting depth among local runs */
    struct scan_exp *exp;
} scan_run;

typedef struct scan_exp {
    char *id, *name, *dir, *artifact_location;
    kvlist tags;
    scan_run *runs;
    size_t nruns, capruns;
} scan_exp;

typedef struct scan_store {
    char *root;
    scan_exp *exps;
    size_t nexps;
    size_t nskipped;
} scan_store;

typedef struct scan_filter {
    const char **experiments; size_t nexperiments;   /* names or ids */
    const char **runs; size_t nruns;                 /* local run ids */
} scan_filter;

typedef struct scan_dataset {
    char *name, *digest, *source_type, *source, *schema, *profile;
    kvlist tags;                 /* input tags, e.g. mlflow.data.context */
} scan_dataset;

/* Returns 0, or -1 with err set (SRC unreadable, not an mlruns folder). */
int scan_store_load(const char *root, const scan_filter *f, scan_store *out, char *err, size_t errn);
void scan_store_free(scan_store *s);

/* Reads every file under dir recursively: key = relative path, value =
   contents (no stripping). Missing dir = empty list. Returns 0 or -1 (errno). */
int scan_read_kv_dir(const char *dir, kvlist *out);
/* Sorted names of a folder's entries (not . and ..), *n of them; free with scan_freelist. */
char **scan_listdir(const char *dir, size_t *n);
void scan_freelist(char **v, size_t n);
/* Lists regular files under dir recursively (relative paths, sorted). */
int scan_list_files(const char *dir, kvlist *out /* key=relpath, value=unused */);
/* Dataset inputs of a run. */
int scan_read_inputs(const scan_run *r, scan_dataset **out, size_t *n, char *err, size_t errn);
void scan_datasets_free(scan_dataset *d, size_t n);
/* Local directory holding the run's artifacts (malloc'd). */
char *scan_artifact_dir(const scan_run *r);
const char *scan_status_name(int status);
#endif
