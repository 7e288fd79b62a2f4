/* tools/args.c — the option tables and the parser (see args.h). Prints nothing. */
#include "args.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ONE_WEEK 604800.0
#define CFG(field) offsetof(tool_cfg, field)

/* Valid before and after the command. Sorted by long name. */
static const args_opt common_opts[] = {
    {"help", 'h', ARG_ACTION, NULL, "this help (after a command: that command's help)", NULL, 0, 0, 0, 0, ARGS_HELP, 0},
    {"json", 0, ARG_FLAG, NULL, "results as one JSON object per line on stdout; errors too",
     "A failure on the command line or in the configuration prints {\"exit_code\":N,\"class\":...,\"error\":...}.",
     CFG(json), 0, 0, 0, 0, 0},
    {"show-error", 'S', ARG_FLAG, NULL, "with --silent, still show errors", NULL, CFG(show_error), 0, 0, 0, 0, 0},
    {"silent", 's', ARG_FLAG, NULL, "no notes, warnings or progress", NULL, CFG(silent), 0, 0, 0, 0, 0},
    {"verbose", 'v', ARG_FLAG, NULL, "one line per request (method, URL without query, status); no secrets", NULL,
     CFG(verbose), 0, 0, 0, 0, 0},
    {"version", 'V', ARG_ACTION, NULL, "print the version", NULL, 0, 0, 0, 0, ARGS_VERSION, 0},
};

static const args_opt sync_opts[] = {
    {"cacert", 0, ARG_STR, "FILE", "CA bundle to verify the server (MLFLOW_TRACKING_SERVER_CERT_PATH)", NULL,
     CFG(cacert), 0, 0, 0, 0, 0},
    {"cert", 0, ARG_STR, "FILE", "client certificate, PEM (MLFLOW_TRACKING_CLIENT_CERT_PATH)", NULL, CFG(cert), 0, 0,
     0, 0, 0},
    {"connect-timeout", 0, ARG_SECS, "SECONDS", "time allowed to connect (default 10)", NULL, CFG(connect_timeout_s),
     0, 0, ONE_WEEK, 0, 0},
    {"delete", 0, ARG_FLAG, NULL, "S3 mirror: delete objects under the prefix that have no local file", NULL,
     CFG(delete_extra), 0, 0, 0, 0, 0},
    {"dry-run", 'n', ARG_FLAG, NULL, "print the plan; send nothing, write no state", NULL, CFG(dry_run), 0, 0, 0, 0,
     0},
    {"experiment", 'e', ARG_LIST, "NAME", "sync only this experiment (name or local id; repeatable)", NULL,
     CFG(experiments), CFG(nexperiments), 0, 0, 0, 0},
    {"experiment-prefix", 0, ARG_STR, "PATH", "prepend PATH to remote experiment names (Databricks: /Users/<you>/)",
     NULL, CFG(experiment_prefix), 0, 0, 0, 0, 0},
    {"follow-symlinks", 0, ARG_FLAG, NULL, "also upload artifacts whose links lead out of SRC",
     "Without it, an artifact that is a link resolving outside SRC, and an artifact location outside SRC, are "
     "skipped with a warning naming the link. Metadata files (meta.yaml, params, tags, metrics) that are links "
     "are never read.",
     CFG(follow_symlinks), 0, 0, 0, 0, 0},
    {"insecure", 'k', ARG_FLAG, NULL, "skip TLS verification (MLFLOW_TRACKING_INSECURE_TLS=true); test servers only",
     NULL, CFG(insecure), 0, 0, 0, 0, 0},
    {"jobs", 'j', ARG_INT, "N", "runs synced in parallel, one connection each (1..64, default 4)", NULL, CFG(jobs), 0,
     1, 64, 0, 0},
    {"key", 0, ARG_STR, "FILE", "client private key, PEM", NULL, CFG(key), 0, 0, 0, 0, 0},
    {"no-progress", 0, ARG_FLAG, NULL, "no progress meter (it is shown only when stderr is a terminal)", NULL,
     CFG(no_progress), 0, 0, 0, 0, 0},
    {"no-registry", 0, ARG_FLAG, NULL, "do not sync the model registry (SRC/models)", NULL, CFG(no_registry), 0, 0, 0,
     0, 0},
    {"reconcile", 0, ARG_FLAG, NULL, "ignore the sync state: check every run against the server (after a server reset)",
     NULL, CFG(reconcile), 0, 0, 0, 0, 0},
    {"retries", 0, ARG_INT, "N",
     "retries per request on connection errors, 408, 429, 5xx (0..100, default 7 or MLFLOW_HTTP_REQUEST_MAX_RETRIES)",
     NULL, CFG(retries), 0, 0, 100, 0, 0},
    {"retry-max-time", 0, ARG_SECS, "SECONDS", "total time one request may spend retrying (default 120)", NULL,
     CFG(retry_max_time_s), 0, 0, ONE_WEEK, 0, 0},
    {"run", 'r', ARG_LIST, "ID", "sync only this local run id (repeatable)", NULL, CFG(runs), CFG(nruns), 0, 0, 0, 0},
    {"state", 0, ARG_STR, "FILE", "sync state file (default SRC/.mlflow-lite-sync-<hash>.jsonl)", NULL,
     CFG(state_path), 0, 0, 0, 0, 0},
    {"timeout", 0, ARG_SECS, "SECONDS",
     "maximum time per request (default: MLFLOW_HTTP_REQUEST_TIMEOUT, else none; stalls > 60 s abort)", NULL,
     CFG(timeout_s), 0, 0, ONE_WEEK, 0, CFG(timeout_given) + 1},
    {"watch", 'w', ARG_SECS, "SECONDS", "sync again every SECONDS until interrupted", NULL, CFG(watch_s), 0, 0,
     ONE_WEEK, 0, 0},
};

static const args_positional sync_pos[] = {
    {"SRC", "the mlruns folder (an MLflow file store)", CFG(src), 0, 0},
    {"DEST",
     "http(s)://[user:password@]host[:port][/prefix] | databricks | databricks://PROFILE | s3://bucket[/prefix] "
     "(default $MLFLOW_TRACKING_URI)",
     CFG(dest), 1, 1},
};

/* ---- the inspect commands (issue 12; inspect.h): options and arguments ------------------------------- */

#define OPT_EXPERIMENT(what)                                                                                      \
    {"experiment", 'e', ARG_LIST, "EXP", what " (name or id; repeatable)", NULL, CFG(experiments), CFG(nexperiments), \
     0, 0, 0, 0}
#define OPT_FILTER                                                                                                \
    {"filter", 0, ARG_STR, "EXPR", "MLflow's search_runs filter, e.g. \"metrics.acc > 0.9 AND params.lr = '0.01'\"", \
     "The syntax and meaning of MlflowClient.search_runs(filter_string=...) for a file store: metrics., params., " \
     "tags., attributes. (status, run_name, start_time, end_time, user_id, run_id, artifact_uri), datasets. " \
     "(name, digest, context), backquoted keys, = != < <= > >=, LIKE, ILIKE, IN, NOT IN, IS [NOT] NULL, AND. " \
     "A filter MLflow refuses is refused with MLflow's message (exit 2).",                                      \
     CFG(filter), 0, 0, 0, 0, 0}
#define OPT_ORDER                                                                                                 \
    {"order-by", 0, ARG_LIST, "EXPR", "order, e.g. 'metrics.acc DESC' (repeatable; MLflow's order_by)",          \
     "Runs are ordered by each --order-by in turn, then as MLflow orders them: start_time descending, then "     \
     "run_id. Runs without the value come last, NaN before them.",                                             \
     CFG(order_by), CFG(norder_by), 0, 0, 0, 0}
#define OPT_MAX(what) {"max", 0, ARG_INT, "N", what, NULL, CFG(max_rows), 0, 0, 10000000, 0, 0}
#define OPT_VIEW                                                                                                  \
    {"view", 0, ARG_STR, "WHICH", "active (default), deleted or all runs", NULL, CFG(view), 0, 0, 0, 0, 0}

static const args_opt ls_opts[] = {
    {"view", 0, ARG_STR, "WHICH", "active (default), deleted or all experiments", NULL, CFG(view), 0, 0, 0, 0, 0},
};
static const args_opt runs_opts[] = {
    {"columns", 0, ARG_STR, "LIST", "columns, e.g. run_id,status,params.lr,metrics.acc (params.*, metrics.*, tags.*)",
     "Attributes: run_id, experiment_id, experiment, run_name, status, start_time, end_time, duration, user_id, "
     "artifact_uri, lifecycle_stage. Default: run_id, experiment_id, run_name, status, start_time, duration, "
     "user_id and the params, metrics and tags the filter and the order name.",
     CFG(columns), 0, 0, 0, 0, 0},
    {"csv", 0, ARG_FLAG, NULL, "the table as CSV (RFC 4180) on stdout", NULL, CFG(csv), 0, 0, 0, 0, 0},
    OPT_EXPERIMENT("only runs of this experiment"),
    OPT_FILTER,
    OPT_MAX("at most N runs (after ordering; default all)"),
    OPT_ORDER,
    OPT_VIEW,
};
static const args_opt history_opts[] = {
    {"csv", 0, ARG_FLAG, NULL, "the points as CSV (step,timestamp,value) on stdout", NULL, CFG(csv), 0, 0, 0, 0, 0},
};
static const args_opt report_opts[] = {
    OPT_EXPERIMENT("runs of this experiment"),
    OPT_FILTER,
    OPT_MAX("at most N runs (after ordering; default 100)"),
    {"max-points", 0, ARG_INT, "N", "points drawn per line before it is downsampled (default 2000)", NULL,
     CFG(max_points), 0, 100, 1000000, 0, 0},
    {"output", 'o', ARG_STR, "FILE", "the HTML file to write (required)", NULL, CFG(output), 0, 0, 0, 0, 0},
    OPT_ORDER,
    {"run", 'r', ARG_LIST, "ID", "this run (repeatable)", NULL, CFG(runs), CFG(nruns), 0, 0, 0, 0},
    {"title", 0, ARG_STR, "TEXT", "the report's title", NULL, CFG(title), 0, 0, 0, 0, 0},
    OPT_VIEW,
};
static const args_opt check_opts[] = {
    {"repair", 0, ARG_FLAG, NULL, "fix what can be fixed (each change atomic and printed); default: show the plan",
     NULL, CFG(repair), 0, 0, 0, 0, 0},
};
static const args_opt relocate_opts[] = {
    {"dry-run", 'n', ARG_FLAG, NULL, "print what would be rewritten; change nothing", NULL, CFG(dry_run), 0, 0, 0, 0,
     0},
};

static const args_positional root_pos[] = {
    {"ROOT", "the mlruns folder (default: MLFLOW_TRACKING_URI when it is a local store, else ./mlruns)", CFG(root), 1,
     0},
};
static const args_positional show_pos[] = {
    {"RUN", "a run id (or a unique prefix of one)", CFG(run_arg), 0, 0},
    {"ROOT", "the mlruns folder", CFG(root), 1, 0},
};
static const args_positional history_pos[] = {
    {"RUN", "a run id (or a unique prefix of one)", CFG(run_arg), 0, 0},
    {"KEY", "the metric key", CFG(key_arg), 0, 0},
    {"ROOT", "the mlruns folder", CFG(root), 1, 0},
};
static const args_positional diff_pos[] = {
    {"RUN", "a run id (or a unique prefix of one)", CFG(run_arg), 0, 0},
    {"RUN2", "the run to compare it with", CFG(run_arg2), 0, 0},
    {"ROOT", "the mlruns folder", CFG(root), 1, 0},
};

#define NOPTS(v) (sizeof v / sizeof v[0])
#define INSPECT_COMMANDS                                                                                          \
    {"check", CMD_CHECK, "find (and with --repair fix) what makes MLflow fail on a folder",                      \
     "Finds torn metric lines, empty param, tag and meta files, temporary files, repeated metric lines (they "   \
     "make `mlflow migrate-filestore` abort), run folders without metrics/ params/ artifacts/, experiment "     \
     "folders without meta.yaml and runs left RUNNING by a process that is gone. Without --repair it prints the " \
     "plan and changes nothing; with --repair each fix is made atomically and printed. Runs written by other "   \
     "programs are reported, never changed, where the fix needs to know who wrote them.",                      \
     check_opts, NOPTS(check_opts), root_pos, NOPTS(root_pos)},                                                   \
    {"diff", CMD_DIFF, "the params, tags and latest metrics that differ between two runs",                       \
     "Prints the params, tags and latest metric values that differ between two runs.", NULL, 0, diff_pos,      \
     NOPTS(diff_pos)},                                                                                            \
    {"history", CMD_HISTORY, "every point of one metric of a run",                                                \
     "Prints every point of metrics/KEY of a run: step, timestamp, value.", history_opts, NOPTS(history_opts),   \
     history_pos, NOPTS(history_pos)},                                                                            \
    {"ls", CMD_LS, "the experiments of a folder",                                                                 \
     "Lists the experiments: id, name, runs, active runs and the time of the last update.", ls_opts,            \
     NOPTS(ls_opts), root_pos, NOPTS(root_pos)},                                                                  \
    {"relocate", CMD_RELOCATE, "after a folder was moved: point its file: artifact locations at the new place",   \
     "Rewrites the absolute file: artifact_location and artifact_uri values that point at the folder's old "    \
     "place so that they point at ROOT, one meta.yaml at a time, atomically. Run it with --dry-run first.",     \
     relocate_opts, NOPTS(relocate_opts), root_pos, NOPTS(root_pos)},                                             \
    {"report", CMD_REPORT, "one self-contained HTML file with charts and tables of runs",                        \
     "Writes one HTML file that opens from disk without a network: a sortable runs table, one chart per metric " \
     "key with the runs overlaid (downsampled when long), and the params that differ between the runs.",        \
     report_opts, NOPTS(report_opts), root_pos, NOPTS(root_pos)},                                                 \
    {"runs", CMD_RUNS, "the runs of a folder, filtered and ordered as MLflow's search_runs",                      \
     "One row per run: id, experiment, name, status, start, duration, user, and the params and latest metrics "  \
     "chosen. --filter and --order-by take MLflow's search_runs syntax, and the runs and their order are what "  \
     "MlflowClient.search_runs returns for the same folder.",                                                     \
     runs_opts, NOPTS(runs_opts), root_pos, NOPTS(root_pos)},                                                     \
    {"show", CMD_SHOW, "one run: info, params, tags, latest metrics, artifacts",                                  \
     "Prints one run: its info, params, tags, latest metrics (value, step, time), dataset inputs and artifacts " \
     "with their sizes. --json carries the fields of MlflowClient.get_run plus the artifact list.", NULL, 0,    \
     show_pos, NOPTS(show_pos)},

static const args_command commands[] = {
    {"sync", CMD_SYNC, "copy an MLflow file store to a tracking server, Databricks or S3",
     "Copies the runs of an MLflow file store (mlruns/, written by MLflow 1.x-3.x or mlflow_lite.h) to an MLflow "
     "tracking server, Databricks or S3, incrementally and exactly once; to a tracking server also its model "
     "registry (mlruns/models: models, versions, tags, stages, aliases). Run it again at any time: it resumes, "
     "and sends only what is new.",
     sync_opts, sizeof sync_opts / sizeof sync_opts[0], sync_pos, sizeof sync_pos / sizeof sync_pos[0]},
    INSPECT_COMMANDS
};

const args_command *args_commands(size_t *n)
{
    *n = sizeof commands / sizeof commands[0];
    return commands;
}

const args_opt *args_common_opts(size_t *n)
{
    *n = sizeof common_opts / sizeof common_opts[0];
    return common_opts;
}

/* ---- lookups ---------------------------------------------------------------- */

static const args_opt *find_in(const args_opt *v, size_t n, const char *lname, size_t len, char sname)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (lname ? strlen(v[i].lname) == len && strncmp(v[i].lname, lname, len) == 0 : v[i].sname == sname)
            return &v[i];
    return NULL;
}

static const args_opt *find_opt(const args_command *cmd, const char *lname, size_t len, char sname)
{
    const args_opt *o = find_in(common_opts, sizeof common_opts / sizeof common_opts[0], lname, len, sname);
    if (!o && cmd) o = find_in(cmd->opts, cmd->nopts, lname, len, sname);
    return o;
}

/* The command whose table has the option: for "--jobs belongs after 'sync'". */
static const args_command *owner_of(const char *lname, size_t len, char sname)
{
    size_t i;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (find_in(commands[i].opts, commands[i].nopts, lname, len, sname)) return &commands[i];
    return NULL;
}

static const args_command *find_command(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

/* ---- storing values ------------------------------------------------------------- */

static void *field(tool_cfg *c, size_t off) { return (char *)c + off; }

static int push(tool_cfg *c, const args_opt *o, const char *val, tool_err *e)
{
    const char ***v = field(c, o->off);
    size_t *n = field(c, o->off2);
    const char **nv = realloc((void *)*v, (*n + 1) * sizeof *nv);
    if (!nv) return err_set(e, EXIT_FAILED, "command line", "out of memory");
    nv[(*n)++] = val;
    *v = nv;
    return 0;
}

static int store_number(tool_cfg *c, const args_opt *o, const char *val, tool_err *e)
{
    long long i = 0;
    double d = 0;
    int ok;
    if ((o->type & ARG_TYPE_MASK) == ARG_INT)
        ok = config_parse_ll(val, &i) == 0 && (double)i >= o->lo && (double)i <= o->hi;
    else
        ok = config_parse_secs(val, &d) == 0 && d >= o->lo && d <= o->hi;
    if (!ok) {
        char what[64];
        snprintf(what, sizeof what, "--%s", o->lname);
        return err_set(e, EXIT_USAGE, what, "'%.40s%s' is not %s in %.0f..%.0f", val, strlen(val) > 40 ? "..." : "",
                       (o->type & ARG_TYPE_MASK) == ARG_INT ? "an integer" : "a number of seconds", o->lo, o->hi);
    }
    if ((o->type & ARG_TYPE_MASK) == ARG_INT) *(int *)field(c, o->off) = (int)i;
    else *(double *)field(c, o->off) = d;
    if (o->set_flag) *(int *)field(c, (size_t)o->set_flag - 1) = 1;
    return 0;
}

/* Returns ARGS_RUN to go on, ARGS_HELP/ARGS_VERSION, or ARGS_ERROR. */
static args_action apply(tool_cfg *c, const args_opt *o, const char *val, tool_err *e)
{
    switch (o->type & ARG_TYPE_MASK) {
    case ARG_ACTION: return (args_action)o->action;
    case ARG_FLAG: *(int *)field(c, o->off) = 1; return ARGS_RUN;
    case ARG_INT:
    case ARG_SECS: return store_number(c, o, val, e) ? ARGS_ERROR : ARGS_RUN;
    case ARG_STR: *(const char **)field(c, o->off) = val; return ARGS_RUN;
    case ARG_LIST: return push(c, o, val, e) ? ARGS_ERROR : ARGS_RUN;
    }
    err_set(e, EXIT_FAILED, o->lname, "option table: unknown type");
    return ARGS_ERROR;
}

static int takes_value(const args_opt *o)
{
    int t = o->type & ARG_TYPE_MASK;
    return t != ARG_FLAG && t != ARG_ACTION;
}

/* ---- parsing -------------------------------------------------------------------- */

typedef struct parse_ctx {
    int argc;
    char **argv;
    int i;                             /* index of the current argument */
    const args_command *cmd;
    size_t npos;
    tool_cfg *c;
    tool_err *e;
} parse_ctx;

static args_action unknown_option(parse_ctx *p, const char *shown, const char *lname, size_t len, char sname)
{
    const args_command *owner = p->cmd ? NULL : owner_of(lname, len, sname);
    if (owner)
        err_set(p->e, EXIT_USAGE, NULL, "%s is an option of '%s': put it after the command (mlflow-lite %s %s ...)",
                shown, owner->name, owner->name, shown);
    else
        err_set(p->e, EXIT_USAGE, NULL, "unknown option: %s", shown);
    return ARGS_ERROR;
}

/* The value of o: inline (--x=v, -xv) or the next argument. */
static args_action take_value(parse_ctx *p, const args_opt *o, const char *inl, const char **val)
{
    if (inl) {
        *val = inl;
        return ARGS_RUN;
    }
    if (p->i + 1 >= p->argc) {
        err_set(p->e, EXIT_USAGE, NULL, "--%s needs a value (%s)", o->lname, o->argname ? o->argname : "?");
        return ARGS_ERROR;
    }
    *val = p->argv[++p->i];
    return ARGS_RUN;
}

static args_action long_option(parse_ctx *p, const char *a)
{
    const char *name = a + 2, *eq = strchr(name, '='), *val = NULL;
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const args_opt *o = find_opt(p->cmd, name, len, 0);
    char shown[80];
    snprintf(shown, sizeof shown, "--%.*s", (int)(len < 60 ? len : 60), name);
    if (!o) return unknown_option(p, shown, name, len, 0);
    if (!takes_value(o)) {
        if (eq) {
            err_set(p->e, EXIT_USAGE, NULL, "%s takes no value", shown);
            return ARGS_ERROR;
        }
        return apply(p->c, o, NULL, p->e);
    }
    if (take_value(p, o, eq ? eq + 1 : NULL, &val) != ARGS_RUN) return ARGS_ERROR;
    return apply(p->c, o, val, p->e);
}

/* -abc: flags may be grouped; an option that takes a value ends the group (-j4, -vj 4). */
static args_action short_options(parse_ctx *p, const char *a)
{
    const char *s;
    for (s = a + 1; *s; s++) {
        const args_opt *o = find_opt(p->cmd, NULL, 0, *s);
        const char *val = NULL;
        args_action r;
        char shown[3] = {'-', *s, '\0'};
        if (!o) return unknown_option(p, shown, NULL, 0, *s);
        if (!takes_value(o)) {
            if ((r = apply(p->c, o, NULL, p->e)) != ARGS_RUN) return r;
            continue;
        }
        if (take_value(p, o, s[1] ? s + 1 : NULL, &val) != ARGS_RUN) return ARGS_ERROR;
        return apply(p->c, o, val, p->e);
    }
    return ARGS_RUN;
}

/* http://user:pass@host in argv: keep a copy, overwrite the password in argv
   so that ps and /proc/PID/cmdline no longer show it. */
static int clear_password(parse_ctx *p, char *a)
{
    char *auth = strstr(a, "://"), *end, *at = NULL, *colon, *q;
    if (!auth) return 0;
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    for (q = auth; q < end; q++)
        if (*q == '@') at = q;
    if (!at || !(colon = memchr(auth, ':', (size_t)(at - auth))) || colon + 1 == at) return 0;
    if (!(p->c->dest_buf = xstrdup(a))) return err_set(p->e, EXIT_FAILED, "command line", "out of memory");
    p->c->dest = p->c->dest_buf;
    memset(colon + 1, '*', (size_t)(at - colon - 1));
    return 0;
}

/* "no command given" / "unknown command 'x'", with the list of commands */
static args_action command_error(parse_ctx *p, const char *given)
{
    sbuf names = {0};
    size_t i;
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) sb_printf(&names, "%s%s", i ? ", " : "", commands[i].name);
    if (given) err_set(p->e, EXIT_USAGE, NULL, "unknown command '%.60s' (commands: %s)", given, names.s ? names.s : "");
    else err_set(p->e, EXIT_USAGE, NULL, "no command given (commands: %s)", names.s ? names.s : "");
    sb_free(&names);
    return ARGS_ERROR;
}

static args_action positional(parse_ctx *p, char *a)
{
    const args_positional *ps;
    if (!p->cmd) {
        if (!(p->cmd = find_command(a))) return command_error(p, a);
        p->c->cmd = p->cmd->cmd;
        return ARGS_RUN;
    }
    if (p->npos >= p->cmd->npos) {
        err_set(p->e, EXIT_USAGE, NULL, "too many arguments: '%.60s'", a);
        return ARGS_ERROR;
    }
    ps = &p->cmd->pos[p->npos++];
    *(const char **)field(p->c, ps->off) = a;
    if (ps->clear_password && clear_password(p, a) != 0) return ARGS_ERROR;
    return ARGS_RUN;
}

/* --json anywhere among the options: then even a parse error is printed as JSON. */
static int wants_json(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) break;
        if (strcmp(argv[i], "--json") == 0) return 1;
    }
    return 0;
}

static args_action finish(parse_ctx *p)
{
    size_t i;
    if (!p->cmd) return command_error(p, NULL);
    for (i = p->npos; i < p->cmd->npos; i++)
        if (!p->cmd->pos[i].optional) {
            err_set(p->e, EXIT_USAGE, NULL, "missing %s (%s)", p->cmd->pos[i].name, p->cmd->pos[i].help);
            return ARGS_ERROR;
        }
    return ARGS_RUN;
}

args_action args_parse(int argc, char **argv, tool_cfg *c, tool_err *e)
{
    parse_ctx p = {argc, argv, 0, NULL, 0, c, e};
    int dashdash = 0;
    err_clear(e);
    c->jobs = 4;
    c->retries = -1;
    c->json = wants_json(argc, argv);
    if (argc < 2) return ARGS_NO_ARGS;
    for (p.i = 1; p.i < argc; p.i++) {
        char *a = argv[p.i];
        args_action r;
        if (!dashdash && strcmp(a, "--") == 0) {
            dashdash = 1;
            continue;
        }
        if (!dashdash && a[0] == '-' && a[1]) r = a[1] == '-' ? long_option(&p, a) : short_options(&p, a);
        else r = positional(&p, a);
        if (r != ARGS_RUN) return r;
    }
    return finish(&p);
}
