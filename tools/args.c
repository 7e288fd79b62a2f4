/* tools/args.c — see args.h */
#include "args.h"
#include "exitcodes.h"
#include "msgs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { A_FLAG = 1, A_NUM = 2, A_STR = 4, A_LIST = 8 };

typedef struct opt {
    const char *lname;
    char sname;
    int type;
    const char *arg, *help;
} opt;

/* sorted by long name */
static const opt opts[] = {
    {"cacert", 0, A_STR, "FILE", "CA bundle to verify the server (MLFLOW_TRACKING_SERVER_CERT_PATH)"},
    {"cert", 0, A_STR, "FILE", "client certificate, PEM (MLFLOW_TRACKING_CLIENT_CERT_PATH)"},
    {"connect-timeout", 0, A_NUM, "SECONDS", "time allowed to connect (default 10)"},
    {"delete", 0, A_FLAG, NULL, "S3 mirror: delete objects under the prefix that have no local file"},
    {"dry-run", 'n', A_FLAG, NULL, "print the plan; send nothing, write no state"},
    {"experiment", 'e', A_LIST, "NAME", "sync only this experiment (name or local id; repeatable)"},
    {"experiment-prefix", 0, A_STR, "PATH", "prepend PATH to remote experiment names (Databricks: /Users/<you>/)"},
    {"help", 'h', A_FLAG, NULL, "this help"},
    {"insecure", 'k', A_FLAG, NULL, "skip TLS verification (MLFLOW_TRACKING_INSECURE_TLS=true); test servers only"},
    {"jobs", 'j', A_NUM, "N", "runs synced in parallel, one connection each (default 4)"},
    {"json", 0, A_FLAG, NULL, "print a JSON summary on stdout"},
    {"key", 0, A_STR, "FILE", "client private key, PEM"},
    {"no-progress", 0, A_FLAG, NULL, "no progress meter (it is shown only when stderr is a terminal)"},
    {"no-registry", 0, A_FLAG, NULL, "do not sync the model registry (SRC/models)"},
    {"reconcile", 0, A_FLAG, NULL, "ignore the sync state: check every run against the server (after a server reset)"},
    {"retries", 0, A_NUM, "N", "retries per request on connection errors, 408, 429, 5xx (default 7)"},
    {"retry-max-time", 0, A_NUM, "SECONDS", "total time one request may spend retrying (default 120)"},
    {"run", 'r', A_LIST, "ID", "sync only this local run id (repeatable)"},
    {"show-error", 'S', A_FLAG, NULL, "with --silent, still show errors"},
    {"silent", 's', A_FLAG, NULL, "no notes, warnings or progress"},
    {"state", 0, A_STR, "FILE", "sync state file (default SRC/.mlflow-lite-sync-<hash>.jsonl)"},
    {"timeout", 0, A_NUM, "SECONDS", "maximum time per request (default: none; stalls > 60 s abort)"},
    {"verbose", 'v', A_FLAG, NULL, "one line per request (method, URL without query, status); no secrets"},
    {"version", 'V', A_FLAG, NULL, "print the version"},
    {"watch", 'w', A_NUM, "SECONDS", "sync again every SECONDS until interrupted"},
};

const char *args_strerror(args_result r)
{
    switch (r) {
    case ARGS_OK: return "ok";
    case ARGS_HELP: return "help";
    case ARGS_VERSION: return "version";
    case ARGS_UNKNOWN_OPTION: return "unknown option";
    case ARGS_MISSING_VALUE: return "option needs a value";
    case ARGS_BAD_NUMBER: return "option needs a non-negative number";
    case ARGS_UNKNOWN_COMMAND: return "unknown command (the command is 'sync')";
    case ARGS_MISSING_SRC: return "missing SRC (the mlruns folder)";
    case ARGS_TOO_MANY: return "too many arguments";
    case ARGS_NO_MEMORY: return "out of memory";
    }
    return "?";
}

void args_help(void)
{
    size_t i;
    helpf("Usage: mlflow-lite sync [options] SRC [DEST]\n\n"
          "Copies the runs of an MLflow file store (mlruns/, written by MLflow 2.x/3.x or mlflow_lite.h) to an\n"
          "MLflow tracking server, Databricks or S3, incrementally and exactly once; to a tracking server also\n"
          "its model registry (mlruns/models: models, versions, tags, stages, aliases).\n\n"
          "  SRC   the mlruns folder\n"
          "  DEST  http(s)://host[:port][/prefix] | databricks | databricks://PROFILE | s3://bucket[/prefix]\n"
          "        (default $MLFLOW_TRACKING_URI)\n\nOptions:\n");
    for (i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        char left[64];
        if (opts[i].sname)
            snprintf(left, sizeof left, "-%c, --%s%s%s", opts[i].sname, opts[i].lname, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", opts[i].lname, opts[i].arg ? " " : "",
                     opts[i].arg ? opts[i].arg : "");
        helpf("  %-28s %s\n", left, opts[i].help);
    }
    helpf("\nEnvironment: MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD\n"
          "(or ~/.mlflow/credentials), MLFLOW_TRACKING_INSECURE_TLS, MLFLOW_TRACKING_SERVER_CERT_PATH,\n"
          "MLFLOW_TRACKING_CLIENT_CERT_PATH, DATABRICKS_HOST/TOKEN/CONFIG_PROFILE/CONFIG_FILE, ~/.databrickscfg.\n\n"
          "Exit codes: 0 ok, 1 internal failure, 2 usage, 3 SRC unreadable, 4 server unreachable,\n"
          "5 credentials refused (401/403), 6 some runs failed, 7 request rejected by the server,\n"
          "8 state file error, 9 unsupported destination/scheme, 10 bad configuration, 11 interrupted.\n"
          "Details: docs/sync.md\n");
}

static const opt *find_long(const char *name, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strlen(opts[i].lname) == n && strncmp(opts[i].lname, name, n) == 0) return &opts[i];
    return NULL;
}

static const opt *find_short(char c)
{
    size_t i;
    for (i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].sname == c) return &opts[i];
    return NULL;
}

static int push(const char ***v, size_t *n, const char *s)
{
    const char **nv = realloc((void *)*v, (*n + 1) * sizeof *nv);
    if (!nv) return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

static args_result apply(sync_cfg *c, const opt *o, const char *val)
{
    double d = 0;
    if (o->type == A_NUM) {
        char *end;
        errno = 0;
        d = strtod(val, &end);
        if (errno || end == val || *end || d < 0) return ARGS_BAD_NUMBER;
    }
    switch (o->lname[0] == 'c' && o->lname[1] == 'o' ? 'C' : o->lname[0]) {
    case 'C': c->connect_timeout_s = d; break;
    case 'c':
        if (!strcmp(o->lname, "cacert")) c->cacert = val;
        else c->cert = val;
        break;
    case 'd':
        if (!strcmp(o->lname, "delete")) c->delete_extra = 1;
        else c->dry_run = 1;
        break;
    case 'e':
        if (!strcmp(o->lname, "experiment-prefix")) {
            c->experiment_prefix = val;
            break;
        }
        return push(&c->experiments, &c->nexperiments, val) ? ARGS_NO_MEMORY : ARGS_OK;
    case 'h': return ARGS_HELP;
    case 'i': c->insecure = 1; break;
    case 'j':
        if (!strcmp(o->lname, "jobs")) c->jobs = (int)d;
        else c->json = 1;
        break;
    case 'k': c->key = val; break;
    case 'n':
        if (!strcmp(o->lname, "no-registry")) c->no_registry = 1;
        else c->no_progress = 1;
        break;
    case 'r':
        if (!strcmp(o->lname, "reconcile")) c->reconcile = 1;
        else if (!strcmp(o->lname, "retries")) c->retries = (int)d;
        else if (!strcmp(o->lname, "retry-max-time")) c->retry_max_time_s = d;
        else return push(&c->runs, &c->nruns, val) ? ARGS_NO_MEMORY : ARGS_OK;
        break;
    case 's':
        if (!strcmp(o->lname, "show-error")) c->show_error = 1;
        else if (!strcmp(o->lname, "silent")) c->silent = 1;
        else c->state_path = val;
        break;
    case 't': c->timeout_s = d; break;
    case 'v':
        if (!strcmp(o->lname, "verbose")) c->verbose = 1;
        else return ARGS_VERSION;
        break;
    case 'w': c->watch_s = d; break;
    default: return ARGS_UNKNOWN_OPTION;
    }
    return ARGS_OK;
}

args_result args_parse(int argc, char **argv, sync_cfg *c, const char **bad)
{
    int i, npos = 0, dashdash = 0, have_cmd = 0;
    c->jobs = 4;
    c->retries = -1;
    for (i = 1; i < argc; i++) {
        char *a = argv[i];
        args_result r;
        *bad = a;
        if (!dashdash && a[0] == '-' && a[1]) {
            const opt *o;
            const char *val = NULL;
            if (a[1] == '-' && !a[2]) {
                dashdash = 1;
                continue;
            }
            if (a[1] == '-') {
                const char *eq = strchr(a + 2, '=');
                o = find_long(a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
                if (!o) return ARGS_UNKNOWN_OPTION;
                if (eq) {
                    if (o->type == A_FLAG) return ARGS_UNKNOWN_OPTION;
                    val = eq + 1;
                }
            } else {
                o = find_short(a[1]);
                if (!o) return ARGS_UNKNOWN_OPTION;
                if (a[2]) {
                    if (o->type == A_FLAG) return ARGS_UNKNOWN_OPTION;
                    val = a + 2;
                }
            }
            if (o->type != A_FLAG && !val) {
                if (i + 1 >= argc) return ARGS_MISSING_VALUE;
                val = argv[++i];
            }
            r = apply(c, o, val);
            if (r != ARGS_OK) return r;
            continue;
        }
        if (!have_cmd) {
            if (strcmp(a, "sync") != 0) return ARGS_UNKNOWN_COMMAND;
            have_cmd = 1;
            continue;
        }
        if (npos == 0) c->src = a;
        else if (npos == 1) c->dest = a;
        else return ARGS_TOO_MANY;
        npos++;
    }
    *bad = NULL;
    if (!have_cmd) return ARGS_HELP;
    if (!c->src) return ARGS_MISSING_SRC;
    if (c->jobs < 1) c->jobs = 1;
    if (c->jobs > 64) c->jobs = 64;
    return ARGS_OK;
}
