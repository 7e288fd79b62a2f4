/* tools/config.h — the sync configuration: command-line values (args.c)
 * plus what comes from the environment and credential files, resolved once:
 * DEST (default $MLFLOW_TRACKING_URI), MLflow auth and TLS variables,
 * ~/.mlflow/credentials, Databricks DATABRICKS_* and ~/.databrickscfg. */
#ifndef MLL_TOOLS_CONFIG_H
#define MLL_TOOLS_CONFIG_H
#include <stddef.h>

typedef struct sync_cfg {
    /* from the command line */
    const char *src, *dest;
    int jobs, dry_run, json, verbose, silent, show_error, insecure, no_progress, reconcile;
    int delete_extra;            /* --delete (S3 mirror only) */
    int no_registry;             /* --no-registry: runs only, not SRC/models */
    double watch_s;
    const char **experiments; size_t nexperiments;
    const char **runs; size_t nruns;
    const char *state_path;
    const char *experiment_prefix; /* prepended to remote experiment names (Databricks: /Users/me/) */
    double timeout_s, connect_timeout_s, retry_max_time_s;
    int retries;                 /* -1 = default */
    const char *cacert, *cert, *key;
    /* resolved by config_resolve() */
    char *base;                  /* REST base URL, no trailing slash */
    char *bearer, *userpwd;      /* secrets: never printed */
    char *ca_file, *client_cert, *client_key;
    int databricks;
    char *auth_kind;             /* "none", "bearer", "basic" (for --verbose) */
} sync_cfg;

/* Returns 0, or an exit code with a message already printed. */
int config_resolve(sync_cfg *c);
void config_free(sync_cfg *c);
/* Reads key from [section] of an INI file; malloc'd or NULL. Exposed for tests. */
char *config_ini_get(const char *path, const char *section, const char *key);
#endif
