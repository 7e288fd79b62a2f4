/* tools/config.h — the tool's configuration: command-line values (args.c)
 * plus what comes from the environment and credential files, resolved and
 * validated once, in config_resolve(). This is the one door for flags and
 * environment variables: every number is parsed as an integer or a finite
 * number with a range, every boolean as MLflow spells booleans, and a bad
 * value is EXIT_CONFIG (environment, files) or EXIT_USAGE (command line) with
 * the variable or option named. After config_resolve() nothing in tools/ calls
 * getenv() (aws_config.c, the S3 door, excepted).
 *
 * DEST: parsed with libcurl's URL API. Userinfo in DEST
 * (http://user:pass@host) becomes the basic-auth credentials and is removed
 * from every printable form: `dest_shown` and `base` never carry it, and the
 * state file is keyed by the sanitized form. A malformed DEST (no host, an
 * unclosed IPv6 bracket, an unknown scheme, a query) is EXIT_USAGE at once; a
 * well-formed MLflow tracking URI the tool cannot sync to (file:, sqlite:,
 * postgresql:, databricks-uc:, a local path ...) is EXIT_UNSUPPORTED.
 *
 * Files: config_resolve (env + INI) in config.c; the readers of environment
 * variables and INI files, and the table of the variables (which --help and
 * the man page print), in config_env.c. */
#ifndef MLL_TOOLS_CONFIG_H
#define MLL_TOOLS_CONFIG_H

#include "artifacts.h"
#include "errors.h"

#include <stddef.h>

typedef enum tool_cmd {
    CMD_NONE = 0,
    CMD_SYNC,
    /* the inspect commands (inspect.h): they read (check --repair and relocate also write) a
       local folder and need no configuration from config_resolve() */
    CMD_LS, CMD_RUNS, CMD_SHOW, CMD_HISTORY, CMD_DIFF, CMD_REPORT, CMD_CHECK, CMD_RELOCATE
} tool_cmd;

typedef enum dest_kind { DEST_NONE = 0, DEST_TRACKING, DEST_DATABRICKS, DEST_S3 } dest_kind;

typedef struct tool_cfg {
    tool_cmd cmd;
    /* from the command line (args.c); strings borrowed from argv, except dest
       when args.c had to blank a password in argv (then it points at dest_buf) */
    const char *src, *dest;
    char *dest_buf;                    /* owned copy of DEST (wiped on free), or NULL */
    int jobs;                          /* 1..64, default 4 */
    int retries;                       /* 0..100; -1 before config_resolve = not given */
    double retry_max_time_s, timeout_s, connect_timeout_s, watch_s;   /* finite, 0 .. 1 week */
    int timeout_given;                 /* --timeout was on the command line (else MLFLOW_HTTP_REQUEST_TIMEOUT) */
    int dry_run, json, verbose, silent, show_error, insecure, no_progress, reconcile;
    int delete_extra;                  /* --delete (S3 mirror only) */
    int no_registry;                   /* --no-registry */
    int follow_symlinks;               /* --follow-symlinks */
    const char **experiments; size_t nexperiments;   /* arrays owned, strings borrowed */
    const char **runs; size_t nruns;
    const char *state_path;
    const char *experiment_prefix;
    const char *cacert, *cert, *key;
    /* the inspect commands (args.c's inspect tables; inspect.h) */
    const char *root;                  /* ROOT (default: MLFLOW_TRACKING_URI when a local store, else ./mlruns) */
    const char *run_arg, *run_arg2;    /* show/history RUN, diff RUN RUN */
    const char *key_arg;               /* history KEY */
    const char *filter;                /* --filter (MLflow's search_runs syntax) */
    const char **order_by; size_t norder_by;   /* --order-by, repeatable (array owned) */
    const char *columns;               /* --columns LIST */
    const char *view;                  /* --view active|deleted|all */
    const char *output;                /* report -o FILE */
    const char *title;                 /* report --title */
    int max_rows;                      /* --max N (0 = all) */
    int csv;                           /* --csv */
    int repair;                        /* check --repair */
    int max_points;                    /* report --max-points: points drawn per line */
    /* resolved by config_resolve() (owned) */
    dest_kind kind;
    char *base;                        /* REST base URL: scheme://host[:port][/prefix], no userinfo, no trailing '/' */
    char *dest_shown;                  /* DEST as printed and as keyed in the state: no userinfo/query.
                                          Tracking server and Databricks: = base; S3: s3://bucket[/prefix] */
    char *profile;                     /* Databricks profile used, else NULL */
    char *bearer, *userpwd;            /* secrets: never printed, wiped on free */
    char *ca_file, *client_cert, *client_key;
    const char *auth_kind;             /* "none", "bearer", "basic" (static) */
    const char *auth_source;           /* where the credentials came from, for -v: "DEST", "environment",
                                          "~/.mlflow/credentials", "Databricks profile" (static) */
    char *state_dir;                   /* where the state goes when SRC is not writable:
                                          $XDG_STATE_HOME/mlflow-lite, else ~/.local/state/mlflow-lite; NULL if
                                          neither HOME nor XDG_STATE_HOME is set */
    art_config art;                    /* multipart settings from MLFLOW_MULTIPART_* (chunk > 0) */
    long long s3_multipart_threshold;  /* MLFLOW_LITE_S3_MULTIPART_THRESHOLD, 0 = the S3 client's default */
    long long s3_part_size;            /* MLFLOW_LITE_S3_PART_SIZE, 0 = the S3 client's default */
} tool_cfg;

/* Returns 0, or EXIT_USAGE / EXIT_CONFIG / EXIT_UNSUPPORTED with e filled
   (nothing printed: the caller reports, as text or as --json). Neither e nor
   any field but bearer/userpwd ever holds a secret. Call once, after
   args_parse, before any thread starts. */
int config_resolve(tool_cfg *c, tool_err *e);
/* Frees what args_parse and config_resolve allocated; wipes secrets first. */
void config_free(tool_cfg *c);

/* ---- config_env.c: environment variables, INI files, numbers --------------- */

/* The number parsers of the tool (the command line and the environment):
   strict decimal integers (optional '-', digits, no overflow) and seconds
   (digits with at most one '.', no sign, exponent, inf or nan; locale-free).
   0, or -1 when s is not such a number. */
int config_parse_ll(const char *s, long long *out);
int config_parse_secs(const char *s, double *out);

enum { CONFIG_INI_LINE_MAX = 4096 };   /* a longer line in a credential file is an error */

/* The INI reader of the tool (~/.mlflow/credentials, ~/.databrickscfg, and
   the AWS files through aws_config.c). Calls cb for every key of [section];
   an indented "key = value" under a "parent =" line with no value is passed
   as "parent.key" (the AWS nested style). cb returns non-zero to stop.
   found_section (may be NULL) says whether [section] exists.
   Returns 0 (also when the file does not exist: nothing to read), or -1 with
   e filled (EXIT_CONFIG, the file named) when the path is a directory, cannot
   be read, or has a line longer than CONFIG_INI_LINE_MAX. */
typedef int (*config_ini_cb)(void *ud, const char *key, const char *value);
int config_ini_walk(const char *path, const char *section, config_ini_cb cb, void *ud, int *found_section,
                    tool_err *e);
/* key of [section]: *out is malloc'd, or NULL when the file, the section or
   the key is absent (the last one in the section wins). 0 or -1 as above. */
int config_ini_get(const char *path, const char *section, const char *key, char **out, tool_err *e);

/* Environment readers with validation (exposed for tests and for
   aws_config.c). An unset or empty variable leaves *out unchanged and returns
   0; a malformed one returns -1 with e filled (EXIT_CONFIG, variable named,
   its value shown unless the variable is a secret). */
const char *config_env_str(const char *name);          /* NULL when unset or empty */
/* MLflow's booleans: true/false/1/0, any case. */
int config_env_bool(const char *name, int *out, tool_err *e);
/* A decimal integer in lo..hi (no sign but '-', no fraction, no exponent). */
int config_env_ll(const char *name, long long lo, long long hi, long long *out, tool_err *e);
/* Like config_env_ll, with an optional K, M or G suffix (binary: 1024). */
int config_env_size(const char *name, long long lo, long long hi, long long *out, tool_err *e);

/* The variables the tool reads, for --help's and the man page's ENVIRONMENT
   section (args_help.c): name and one line. */
typedef struct config_env_doc {
    const char *name, *help;
} config_env_doc;
const config_env_doc *config_env_docs(size_t *n);

#endif
