/* tools/inspect.c — what the inspect commands share (see inspect.h): their
 * dispatch, ROOT, opening the store with warnings for what it skipped, finding
 * a run by id or prefix, and the spellings of times, durations and numbers. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"

#include "inspect_cmds.h"
#include "msgs.h"
#include "runsel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int inspect_is_command(tool_cmd cmd) { return cmd >= CMD_LS && cmd <= CMD_RELOCATE; }

int inspect_main(tool_cfg *c, volatile int *stop)
{
    (void)stop;
    switch (c->cmd) {
    case CMD_LS: return cmd_ls(c);
    case CMD_RUNS: return cmd_runs(c);
    case CMD_SHOW: return cmd_show(c);
    case CMD_HISTORY: return cmd_history(c);
    case CMD_DIFF: return cmd_diff(c);
    case CMD_REPORT: return cmd_report(c);
    case CMD_CHECK: return cmd_check(c);
    case CMD_RELOCATE: return cmd_relocate(c);
    default: return EXIT_FAILED;
    }
}

int inspect_view(const char *view, int *out, tool_err *e)
{
    if (!view || !strcmp(view, "active")) *out = RUNSEL_ACTIVE;
    else if (!strcmp(view, "deleted")) *out = RUNSEL_DELETED;
    else if (!strcmp(view, "all")) *out = RUNSEL_ALL;
    else return err_set(e, EXIT_USAGE, "--view", "'%.40s' is not one of active, deleted, all", view);
    return 0;
}

int inspect_fail(const tool_cfg *c, const tool_err *e)
{
    err_report(e);
    if (c->json) err_print_json(e);
    return e->code ? e->code : EXIT_FAILED;
}

/* ---- ROOT ------------------------------------------------------------------------------ */

const char *inspect_root(const tool_cfg *c)
{
    const char *uri = c->root && *c->root ? c->root : config_env_str("MLFLOW_TRACKING_URI");
    if (!uri || (c->root && *c->root)) return uri ? uri : "mlruns";
    if (!strncmp(uri, "file://", 7)) return uri[7] == '/' ? uri + 7 : uri + 7 + strcspn(uri + 7, "/");
    if (!strncmp(uri, "file:", 5)) return uri + 5;
    return strstr(uri, "://") || !strcmp(uri, "databricks") || !strncmp(uri, "databricks", 10) ? "mlruns" : uri;
}

/* ---- opening ------------------------------------------------------------------------------ */

void inspect_warn_problems(const src_problems *p, const char *what)
{
    size_t i;
    for (i = 0; i < p->n && i < INSPECT_MAX_WARNINGS; i++) {
        if (p->v[i].line) warnf("%s, line %ld: %s", p->v[i].path, p->v[i].line, p->v[i].why);
        else warnf("%s: %s", p->v[i].path, p->v[i].why);
    }
    if (p->n > INSPECT_MAX_WARNINGS)
        warnf("%zu more %s problems (mlflow-lite check lists them all)", p->n - INSPECT_MAX_WARNINGS, what);
}

int inspect_open(const tool_cfg *c, int flags, src_store **out, tool_err *e)
{
    src_filter f;
    const char *const *un;
    int rc;
    memset(&f, 0, sizeof f);
    f.experiments = c->experiments;
    f.nexperiments = c->nexperiments;
    f.runs = c->runs;
    f.nruns = c->nruns;
    f.include_deleted = (flags & INSPECT_DELETED) != 0;
    rc = src_store_open(out, inspect_root(c), NULL, &f, e);
    if (rc != 0) return rc;
    if (!(flags & INSPECT_QUIET)) inspect_warn_problems(src_store_problems(*out), "folder");
    un = src_store_unmatched(*out);
    if (un && un[0]) {
        rc = err_set(e, EXIT_USAGE, un[0], "no experiment or run with this name or id in %s", src_store_root(*out));
        src_store_close(*out);
        *out = NULL;
    }
    return rc;
}

src_run *inspect_find_run(src_store *s, const char *arg, tool_err *e)
{
    src_run *r = src_store_find_run(s, arg), *hit = NULL;
    size_t i, n = src_store_nruns(s), len = strlen(arg), nhit = 0;
    sbuf names = {0};
    if (r) return r;
    for (i = 0; len >= 4 && i < n; i++) {
        src_run *x = src_store_run(s, i);
        if (strncmp(x->id, arg, len) != 0) continue;
        if (nhit++ < 5) sb_printf(&names, "%s%s", nhit > 1 ? ", " : "", x->id);
        hit = x;
    }
    if (nhit == 1) return sb_free(&names), hit;
    if (nhit > 1)
        err_set(e, EXIT_USAGE, arg, "%zu runs start with it (%s%s): give more of the id", nhit, names.s,
                nhit > 5 ? ", ..." : "");
    else
        err_set(e, EXIT_USAGE, arg, "no run with this id%s in %s", len >= 4 ? " or prefix" : "", src_store_root(s));
    sb_free(&names);
    return NULL;
}

/* ---- spellings ------------------------------------------------------------------------------ */

void inspect_fmt_time(char *buf, size_t n, long long ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm)) {
        snprintf(buf, n, "-");
        return;
    }
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
}

void inspect_fmt_duration(char *buf, size_t n, long long start_ms, long long end_ms, int has_end)
{
    long long d = end_ms - start_ms;
    if (!has_end || start_ms <= 0 || d < 0) snprintf(buf, n, "-");
    else if (d < 60000) snprintf(buf, n, "%.1fs", (double)d / 1000.0);
    else if (d < 3600000) snprintf(buf, n, "%lldm%02llds", d / 60000, d / 1000 % 60);
    else snprintf(buf, n, "%lldh%02lldm%02llds", d / 3600000, d / 60000 % 60, d / 1000 % 60);
}

/* the shortest digits that read back as v ("%.*e"), as Python's repr finds them */
static int shortest_e(double v, char *tmp, size_t n)
{
    int prec;
    for (prec = 0; prec < 17; prec++) {
        snprintf(tmp, n, "%.*e", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    return prec;
}

void inspect_fmt_num(sbuf *b, double v)
{
    char tmp[40], digits[24];
    char *e;
    int exp10, nd = 0, k;
    if (isnan(v) || isinf(v) || v == 0) {
        sb_puts(b, isnan(v) ? "nan" : isinf(v) ? (v > 0 ? "inf" : "-inf") : signbit(v) ? "-0.0" : "0.0");
        return;
    }
    shortest_e(v, tmp, sizeof tmp);
    e = strchr(tmp, 'e');
    exp10 = (int)strtol(e + 1, NULL, 10);
    for (k = v < 0; tmp + k < e; k++)
        if (tmp[k] != '.') digits[nd++] = tmp[k];
    digits[nd] = '\0';
    if (v < 0) sb_puts(b, "-");
    if (exp10 < -4 || exp10 >= 16) { /* repr's scientific form: 1e+16, 1.5e-05 */
        sb_add(b, digits, 1);
        if (nd > 1) sb_printf(b, ".%s", digits + 1);
        sb_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 < 0) {
        sb_puts(b, "0.");
        for (k = 0; k < -exp10 - 1; k++) sb_add(b, "0", 1);
        sb_puts(b, digits);
    } else if (nd <= exp10 + 1) {
        sb_puts(b, digits);
        for (k = 0; k < exp10 + 1 - nd; k++) sb_add(b, "0", 1);
        sb_puts(b, ".0");
    } else
        sb_printf(b, "%.*s.%s", exp10 + 1, digits, digits + exp10 + 1);
}

void inspect_defang(sbuf *b, const char *s, size_t max)
{
    size_t chars = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c & 0xC0) != 0x80 && max && chars++ == max) {
            sb_puts(b, "...");
            return;
        }
        if (c < 0x20 || c == 0x7F) sb_add(b, "?", 1);
        else sb_add(b, s, 1);
    }
}
