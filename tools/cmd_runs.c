/* tools/cmd_runs.c — `mlflow-lite runs`: one row per run, filtered and ordered
 * as MLflow's search_runs (runsel.c), with the columns asked for (--columns:
 * attributes, params.X, metrics.X, tags.X, and params.* / metrics.* / tags.*
 * for every key the rows have), as a table, --csv or --json. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"
#include "runsel.h"
#include "table.h"

#include <stdlib.h>
#include <string.h>

/* columns that are not run attributes MLflow searches */
enum { COL_EXPERIMENT_ID = 100, COL_EXPERIMENT, COL_DURATION, COL_LIFECYCLE };

typedef struct col {
    int kind;                          /* SF_METRIC, SF_PARAM, SF_TAG, SF_ATTR, or 0 for COL_* */
    int attr;                          /* sf_attr or COL_* */
    char *key;
    char *title;
} col;

typedef struct cols {
    col *v; size_t n, cap;
} cols;

static int cols_add(cols *c, int kind, int attr, const char *key)
{
    size_t i;
    sbuf t = {0};
    for (i = 0; i < c->n; i++) /* each column once */
        if (c->v[i].kind == kind && c->v[i].attr == attr && (!key || !strcmp(c->v[i].key, key))) return 0;
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 16;
        col *nv = realloc(c->v, nc * sizeof *nv);
        if (!nv) return -1;
        c->v = nv;
        c->cap = nc;
    }
    if (kind == SF_ATTR) sb_puts(&t, sf_attr_name(attr));
    else if (kind == 0) sb_puts(&t, attr == COL_EXPERIMENT_ID ? "experiment_id" : attr == COL_EXPERIMENT ? "experiment"
                                    : attr == COL_DURATION ? "duration" : "lifecycle_stage");
    else sb_printf(&t, "%s.%s", kind == SF_METRIC ? "metrics" : kind == SF_PARAM ? "params" : "tags", key ? key : "");
    c->v[c->n].kind = kind;
    c->v[c->n].attr = attr;
    c->v[c->n].key = key ? xstrdup(key) : NULL;
    c->v[c->n].title = t.s;
    if (!c->v[c->n].title || (key && !c->v[c->n].key)) return free(c->v[c->n].key), sb_free(&t), -1;
    c->n++;
    return 0;
}

static void cols_free(cols *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) free(c->v[i].key), free(c->v[i].title);
    free(c->v);
}

/* ---- --columns ------------------------------------------------------------------------------ */

/* a bare name: an attribute, or one of ours. 0 when unknown */
static int bare_column(cols *c, const char *s, int *rc)
{
    static const struct { const char *name; int kind, attr; } v[] = {
        {"run_id", SF_ATTR, SF_A_RUN_ID},           {"id", SF_ATTR, SF_A_RUN_ID},
        {"run_name", SF_ATTR, SF_A_RUN_NAME},       {"name", SF_ATTR, SF_A_RUN_NAME},
        {"status", SF_ATTR, SF_A_STATUS},           {"user_id", SF_ATTR, SF_A_USER_ID},
        {"user", SF_ATTR, SF_A_USER_ID},            {"artifact_uri", SF_ATTR, SF_A_ARTIFACT_URI},
        {"start_time", SF_ATTR, SF_A_START_TIME},   {"start", SF_ATTR, SF_A_START_TIME},
        {"end_time", SF_ATTR, SF_A_END_TIME},       {"end", SF_ATTR, SF_A_END_TIME},
        {"experiment_id", 0, COL_EXPERIMENT_ID},    {"experiment", 0, COL_EXPERIMENT},
        {"duration", 0, COL_DURATION},              {"lifecycle_stage", 0, COL_LIFECYCLE}};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcmp(s, v[i].name)) return *rc = cols_add(c, v[i].kind, v[i].attr, NULL), 1;
    return 0;
}

/* "params.X" (param., parameter., metrics., metric., tags., tag., with `X` or "X") */
static int keyed_column(const char *s, int *kind, const char **key, size_t *klen)
{
    static const struct { const char *prefix; int kind; } v[] = {
        {"params.", SF_PARAM}, {"param.", SF_PARAM}, {"parameters.", SF_PARAM}, {"metrics.", SF_METRIC},
        {"metric.", SF_METRIC}, {"tags.", SF_TAG}, {"tag.", SF_TAG}};
    size_t i, n;
    for (i = 0; i < sizeof v / sizeof v[0]; i++) {
        n = strlen(v[i].prefix);
        if (strncmp(s, v[i].prefix, n)) continue;
        *kind = v[i].kind;
        *key = s + n;
        *klen = strlen(s + n);
        if (*klen >= 2 && strchr("`\"'", **key) && (*key)[*klen - 1] == **key) (*key)++, *klen -= 2;
        return *klen > 0;
    }
    return 0;
}

/* one item of --columns; "*" keys are expanded later (kind with key "*") */
static int parse_column(cols *c, char *item, tool_err *e)
{
    const char *key;
    size_t klen;
    int kind, rc = 0;
    item = trim(item);
    if (!strncmp(item, "attributes.", 11)) item += 11;
    else if (!strncmp(item, "attribute.", 10)) item += 10;
    if (bare_column(c, item, &rc)) return rc ? err_set(e, EXIT_FAILED, "--columns", "out of memory") : 0;
    if (!keyed_column(item, &kind, &key, &klen))
        return err_set(e, EXIT_USAGE, "--columns", "unknown column '%.80s' (an attribute such as run_id, status, "
                       "start_time, duration, or params.KEY, metrics.KEY, tags.KEY, params.*)", item);
    item[key - item + (ptrdiff_t)klen] = '\0';
    return cols_add(c, kind, 0, key) ? err_set(e, EXIT_FAILED, "--columns", "out of memory") : 0;
}

/* --columns split at commas outside `...` and "..." */
static int parse_columns(cols *c, const char *spec, tool_err *e)
{
    char *copy = xstrdup(spec), *start, q = 0;
    size_t i, n;
    int rc = 0;
    if (!copy) return err_set(e, EXIT_FAILED, "--columns", "out of memory");
    n = strlen(copy);
    for (i = 0, start = copy; i <= n && rc == 0; i++) {
        char ch = copy[i];
        if (q) {
            q = ch == q ? 0 : q;
            if (ch) continue;
        } else if (ch == '`' || ch == '"') {
            q = ch;
            continue;
        }
        if (ch && ch != ',') continue;
        if (q) rc = err_set(e, EXIT_USAGE, "--columns", "unclosed quote");
        copy[i] = '\0';
        if (rc == 0 && *trim(start)) rc = parse_column(c, start, e);
        start = copy + i + 1;
    }
    free(copy);
    return rc;
}

/* no --columns: the attributes, then the keys the filter and the order name */
static int default_columns(cols *c, const runsel *rs)
{
    static const int attrs[] = {SF_A_RUN_ID, COL_EXPERIMENT_ID, SF_A_RUN_NAME, SF_A_STATUS, SF_A_START_TIME,
                                COL_DURATION, SF_A_USER_ID};
    size_t i;
    int rc = 0;
    for (i = 0; i < sizeof attrs / sizeof attrs[0]; i++)
        rc |= cols_add(c, attrs[i] >= COL_EXPERIMENT_ID ? 0 : SF_ATTR, attrs[i], NULL);
    for (i = 0; i < rs->filter.n; i++) {
        const sf_clause *f = &rs->filter.v[i];
        if (f->kind == SF_METRIC || f->kind == SF_PARAM || f->kind == SF_TAG) rc |= cols_add(c, f->kind, 0, f->key);
    }
    for (i = 0; i < rs->norders; i++)
        if (rs->orders[i].kind != SF_ATTR) rc |= cols_add(c, rs->orders[i].kind, 0, rs->orders[i].key);
    return rc;
}

static int str_cmp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* params.* / metrics.* / tags.*: every key the rows have, sorted, in place of the "*" column */
static int expand_star(cols *c, size_t at, const runsel *rs)
{
    static const unsigned what[] = {0, SRC_READ_METRICS, SRC_READ_PARAMS, SRC_READ_TAGS};
    int kind = c->v[at].kind;
    hmap keys = {0};
    hmap_entry *h;
    cols out = {0};
    size_t i, k;
    int rc = 0;
    for (i = 0; i < rs->n && rc == 0; i++) {
        src_run_files f;
        tool_err e;
        const kvlist *kv;
        if (src_run_read(rs->store, rs->runs[i], what[kind], &f, &e) != 0) continue;
        kv = kind == SF_PARAM ? &f.params : &f.tags;
        for (k = 0; kind == SF_METRIC && k < f.nmetrics && rc == 0; k++) rc = !hmap_put(&keys, f.metrics[k].key, NULL, 0, 0);
        for (k = 0; kind != SF_METRIC && k < kv->n && rc == 0; k++) rc = !hmap_put(&keys, kv->v[k].key, NULL, 0, 0);
        src_run_files_free(&f);
    }
    for (i = 0; i < at && rc == 0; i++) rc = cols_add(&out, c->v[i].kind, c->v[i].attr, c->v[i].key);
    if (rc == 0) {
        const char **sorted = malloc((keys.live ? keys.live : 1) * sizeof *sorted);
        size_t n = 0;
        if (!sorted) rc = -1;
        HMAP_FOREACH(&keys, h) if (sorted) sorted[n++] = h->key;
        if (sorted) qsort(sorted, n, sizeof *sorted, str_cmp);
        for (k = 0; k < n && rc == 0; k++) rc = cols_add(&out, kind, 0, sorted[k]);
        free(sorted);
    }
    for (i = at + 1; i < c->n && rc == 0; i++) rc = cols_add(&out, c->v[i].kind, c->v[i].attr, c->v[i].key);
    hmap_free(&keys);
    if (rc) return cols_free(&out), -1;
    cols_free(c);
    *c = out;
    return 0;
}

static int resolve_columns(cols *c, const tool_cfg *cfg, const runsel *rs, tool_err *e)
{
    size_t i;
    int rc = cfg->columns ? parse_columns(c, cfg->columns, e) : default_columns(c, rs);
    if (rc && !e->code) rc = err_set(e, EXIT_FAILED, "--columns", "out of memory");
    for (i = 0; rc == 0 && i < c->n; i++)
        if (c->v[i].key && !strcmp(c->v[i].key, "*") && c->v[i].kind != SF_ATTR) {
            if (expand_star(c, i, rs) != 0) return err_set(e, EXIT_FAILED, "--columns", "out of memory");
            i = (size_t)-1; /* the columns moved: look again from the start */
        }
    return rc;
}

/* ---- cells ------------------------------------------------------------------------------------ */

/* the text of one cell (for the table and CSV) */
static void cell_text(sbuf *b, runsel *rs, size_t row, const col *k, int csv)
{
    const src_run *r = rs->runs[row];
    char tmp[64];
    const sf_value *v;
    if (k->kind == 0) {
        if (k->attr == COL_EXPERIMENT_ID) sb_puts(b, r->exp->id);
        else if (k->attr == COL_EXPERIMENT) sb_puts(b, r->exp->name);
        else if (k->attr == COL_LIFECYCLE) sb_puts(b, r->deleted ? "deleted" : "active");
        else inspect_fmt_duration(tmp, sizeof tmp, r->start_time, r->end_time, r->has_end), sb_puts(b, tmp);
        return;
    }
    v = runsel_value(rs, row, k->kind, k->key, k->attr);
    if (!v->present) return;
    if (k->kind == SF_ATTR && v->is_num && !csv) inspect_fmt_time(tmp, sizeof tmp, (long long)v->d), sb_puts(b, tmp);
    else if (k->kind == SF_ATTR && v->is_num) sb_printf(b, "%lld", (long long)v->d);
    else if (v->is_num) inspect_fmt_num(b, v->d);
    else sb_puts(b, v->s);
}

static int print_table(runsel *rs, const cols *c, int csv)
{
    const char **row = calloc(c->n ? c->n : 1, sizeof *row);
    sbuf *cells = calloc(c->n ? c->n : 1, sizeof *cells);
    table t;
    size_t i, k;
    int oom;
    if (!row || !cells) return free(row), free(cells), EXIT_FAILED;
    for (k = 0; k < c->n; k++) row[k] = c->v[k].title;
    table_init(&t, c->n, row);
    for (i = 0; i < rs->n; i++) {
        for (k = 0; k < c->n; k++) {
            cells[k].len = 0;
            if (cells[k].s) cells[k].s[0] = '\0';
            cell_text(&cells[k], rs, i, &c->v[k], csv);
            row[k] = cells[k].s ? cells[k].s : "";
        }
        table_add(&t, row);
    }
    if (!(oom = t.oom)) table_print(&t, csv);
    table_free(&t);
    for (k = 0; k < c->n; k++) sb_free(&cells[k]);
    free(cells);
    free(row);
    return oom ? EXIT_FAILED : EXIT_OK;
}

/* ---- --json ------------------------------------------------------------------------------------- */

/* "params": {...} with the values of the columns of one kind */
static void json_group(sbuf *b, runsel *rs, size_t row, const cols *c, int kind, const char *name)
{
    size_t k;
    int first = 1;
    sb_printf(b, ",\"%s\":{", name);
    for (k = 0; k < c->n; k++) {
        const sf_value *v;
        if (c->v[k].kind != kind) continue;
        v = runsel_value(rs, row, kind, c->v[k].key, 0);
        if (!v->present) continue;
        if (!first) sb_puts(b, ",");
        first = 0;
        json_str(b, c->v[k].key);
        sb_puts(b, ":");
        if (v->is_num) json_double(b, v->d);
        else json_str(b, v->s);
    }
    sb_puts(b, "}");
}

static void json_run(sbuf *b, runsel *rs, size_t row, const cols *c)
{
    const src_run *r = rs->runs[row];
    sb_puts(b, "{\"run_id\":");
    json_str(b, r->id);
    sb_puts(b, ",\"experiment_id\":");
    json_str(b, r->exp->id);
    sb_puts(b, ",\"experiment\":");
    json_str(b, r->exp->name);
    sb_puts(b, ",\"run_name\":");
    json_str(b, r->name);
    sb_puts(b, ",\"status\":");
    json_str(b, src_status_name(r->status));
    sb_printf(b, ",\"start_time\":%lld,\"end_time\":", r->start_time);
    if (r->has_end) sb_printf(b, "%lld", r->end_time);
    else sb_puts(b, "null");
    sb_puts(b, ",\"user_id\":");
    json_str(b, r->user_id);
    sb_printf(b, ",\"lifecycle_stage\":\"%s\",\"artifact_uri\":", r->deleted ? "deleted" : "active");
    json_str(b, r->artifact_uri);
    json_group(b, rs, row, c, SF_PARAM, "params");
    json_group(b, rs, row, c, SF_METRIC, "metrics");
    json_group(b, rs, row, c, SF_TAG, "tags");
    sb_puts(b, "}");
}

static int print_json(runsel *rs, const cols *c, const char *root)
{
    sbuf b = {0};
    size_t i;
    sb_puts(&b, "{\"root\":");
    json_str(&b, root);
    sb_printf(&b, ",\"matched\":%zu,\"count\":%zu,\"runs\":[", rs->matched, rs->n);
    for (i = 0; i < rs->n; i++) {
        if (i) sb_puts(&b, ",");
        json_run(&b, rs, i, c);
    }
    sb_puts(&b, "]}");
    if (b.oom) return sb_free(&b), EXIT_FAILED;
    helpf("%s\n", b.s);
    sb_free(&b);
    return EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------------------ */

int cmd_runs(const tool_cfg *c)
{
    src_store *s = NULL;
    runsel rs;
    runsel_opts o;
    cols k = {0};
    tool_err e;
    int rc;
    memset(&o, 0, sizeof o);
    memset(&rs, 0, sizeof rs);
    err_clear(&e);
    o.filter = c->filter;
    o.order_by = c->order_by;
    o.norder_by = c->norder_by;
    o.max = c->max_rows;
    o.has_experiments = c->nexperiments > 0;
    if ((rc = inspect_view(c->view, &o.view, &e)) == 0 && (rc = inspect_open(c, INSPECT_DELETED, &s, &e)) == 0 &&
        (rc = runsel_open(&rs, s, &o, &e)) == 0 && (rc = resolve_columns(&k, c, &rs, &e)) == 0) {
        rc = c->json ? print_json(&rs, &k, src_store_root(s)) : print_table(&rs, &k, c->csv);
        if (rs.bad_lines)
            warnf("%ld malformed metric lines were skipped (MLflow fails on them; 'mlflow-lite check' shows them)",
                  rs.bad_lines);
    }
    if (rc && e.code) rc = inspect_fail(c, &e);
    cols_free(&k);
    runsel_close(&rs);
    src_store_close(s);
    return rc;
}
