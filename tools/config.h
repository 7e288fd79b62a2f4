/* tools/config.h — the tool's configuration: command-line values (args.c)
 * plus what comes from the environment and credential files, resolved and
 * validated once, in config_resolve(). This is the one door for flags and
 * environment variables: every number is parsed as an integer or a finite
 * number with a range, every boolean as MLflow spells booleans, and a bad
 * value is EXIT_CONFIG (environment, files) or EXIT_USAGE (command line) with
 * the variable or option named. Nothing after this reads getenv().
 *
 * DEST: parsed with libcurl's URL API. Userinfo in DEST
 * (http://user:pass@host) becomes the basic-auth credentials and is removed
 * from every printable form: `dest_shown` and `base` never carry it, and the
 * state file is keyed by the sanitized form. A malformed DEST (no host, an
 * unclosed IPv6 bracket, an unknown scheme) is EXIT_USAGE at once. */
#ifndef MLL_TOOLS_CONFIG_H
#define MLL_TOOLS_CONFIG_H

#include "artifacts.h"
#include "errors.h"

#include <stddef.h>

typedef enum tool_cmd {
    CMD_NONE = 0,
    CMD_SYNC
    /* inspect commands (ls, runs, show, history, diff, report, check, relocate) are added here */
} tool_cmd;

typedef enum dest_kind { DEST_NONE = 0, DEST_TRACKING, DEST_DATABRICKS, DEST_S3 } dest_kind;

typedef struct tool_cfg {
    tool_cmd cmd;
    /* from the command line (args.c); strings borrowed from argv */
    const char *src, *dest;
    int jobs;                          /* 1..64, default 4 */
    int retries;                       /* 0..100, -1 = default (7) */
    double retry_max_time_s, timeout_s, connect_timeout_s, watch_s;   /* finite, >= 0, <= 1 week */
    int dry_run, json, verbose, silent, show_error, insecure, no_progress, reconcile;
    int delete_extra;                  /* --delete (S3 mirror only) */
    int no_registry;                   /* --no-registry */
    int follow_symlinks;               /* --follow-symlinks */
    const char **experiments; size_t nexperiments;
    const char **runs; size_t nruns;
    const char *state_path;
    const char *experiment_prefix;
    const char *cacert, *cert, *key;
    /* resolved by config_resolve() (owned) */
    dest_kind kind;
    char *base;                        /* REST base URL: scheme://host[:port][/prefix], no userinfo */
    char *dest_shown;                  /* DEST as printed and as keyed in the state: no userinfo/query */
    char *bearer, *userpwd;            /* secrets: never printed, wiped on free */
    char *ca_file, *client_cert, *client_key;
    const char *auth_kind;             /* "none", "bearer", "basic" (static) */
    art_config art;                    /* multipart settings from MLFLOW_MULTIPART_* */
} tool_cfg;

/* Returns 0, or EXIT_USAGE / EXIT_CONFIG / EXIT_UNSUPPORTED with e filled
   (nothing printed: the caller reports, as text or as --json). */
int config_resolve(tool_cfg *c, tool_err *e);
void config_free(tool_cfg *c);

/* Reads key from [section] of an INI file (~/.databrickscfg,
   ~/.mlflow/credentials); malloc'd or NULL. Lines are length-limited. */
char *config_ini_get(const char *path, const char *section, const char *key);

/* Environment readers with validation (exposed for tests): 0 ok (absent
   leaves *out as is), -1 malformed (e filled, EXIT_CONFIG, variable named). */
int config_env_bool(const char *name, int *out, tool_err *e);
int config_env_ll(const char *name, long long lo, long long hi, long long *out, tool_err *e);

#endif
