/* tools/cmd_diff.c — `mlflow-lite diff RUN RUN2`: the params, tags and latest
 * metric values that differ between two runs (present in one only, or with
 * different values; metrics compared as numbers, NaN equal to NaN). */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"
#include "run_view.h"
#include "table.h"

#include <math.h>
#include <string.h>

typedef struct diff_out {
    table t;
    sbuf json;
    size_t n;
} diff_out;

static void add(diff_out *d, const char *kind, const char *key, const char *a, const char *b)
{
    const char *row[4];
    row[0] = kind, row[1] = key, row[2] = a ? a : "(none)", row[3] = b ? b : "(none)";
    table_add(&d->t, row);
    sb_puts(&d->json, d->n++ ? ",{\"kind\":" : "{\"kind\":");
    json_str(&d->json, kind);
    sb_puts(&d->json, ",\"key\":");
    json_str(&d->json, key);
    sb_puts(&d->json, ",\"a\":");
    if (a) json_str(&d->json, a);
    else sb_puts(&d->json, "null");
    sb_puts(&d->json, ",\"b\":");
    if (b) json_str(&d->json, b);
    else sb_puts(&d->json, "null");
    sb_puts(&d->json, "}");
}

/* keys of both lists, in a's order then b's extra ones */
static void diff_kv(diff_out *d, const char *kind, const kvlist *a, const kvlist *b)
{
    size_t i;
    for (i = 0; i < a->n; i++) {
        const char *vb = kv_get(b, a->v[i].key);
        if (!vb || strcmp(vb, a->v[i].value)) add(d, kind, a->v[i].key, a->v[i].value, vb);
    }
    for (i = 0; i < b->n; i++)
        if (!kv_get(a, b->v[i].key)) add(d, kind, b->v[i].key, NULL, b->v[i].value);
}

static int find_metric(const run_view *v, const char *key)
{
    size_t i;
    for (i = 0; i < v->files.nmetrics; i++)
        if (v->present[i] && !strcmp(v->files.metrics[i].key, key)) return (int)i;
    return -1;
}

static void diff_metric(diff_out *d, const run_view *a, int ia, const run_view *b, int ib, const char *key)
{
    sbuf sa = {0}, sb = {0};
    double x = ia >= 0 ? a->latest[ia].value : 0, y = ib >= 0 ? b->latest[ib].value : 0;
    if (ia >= 0 && ib >= 0 && (x == y || (isnan(x) && isnan(y)))) return;
    if (ia >= 0) inspect_fmt_num(&sa, x);
    if (ib >= 0) inspect_fmt_num(&sb, y);
    add(d, "metric", key, ia >= 0 ? sa.s : NULL, ib >= 0 ? sb.s : NULL);
    sb_free(&sa);
    sb_free(&sb);
}

static void diff_metrics(diff_out *d, const run_view *a, const run_view *b)
{
    size_t i;
    for (i = 0; i < a->files.nmetrics; i++)
        if (a->present[i]) diff_metric(d, a, (int)i, b, find_metric(b, a->files.metrics[i].key), a->files.metrics[i].key);
    for (i = 0; i < b->files.nmetrics; i++)
        if (b->present[i] && find_metric(a, b->files.metrics[i].key) < 0)
            diff_metric(d, a, -1, b, (int)i, b->files.metrics[i].key);
}

static int print(diff_out *d, const src_run *a, const src_run *b, int json)
{
    if (d->json.oom || d->t.oom) return EXIT_FAILED;
    if (json) {
        sbuf o = {0};
        sb_puts(&o, "{\"a\":");
        json_str(&o, a->id);
        sb_puts(&o, ",\"b\":");
        json_str(&o, b->id);
        sb_printf(&o, ",\"differences\":[%s]}", d->json.s ? d->json.s : "");
        helpf("%s\n", o.s ? o.s : "{}");
        sb_free(&o);
        return EXIT_OK;
    }
    helpf("a: %s (%s)\nb: %s (%s)\n", a->id, a->name, b->id, b->name);
    if (d->n) table_print(&d->t, 0);
    else helpf("no differences in params, tags or latest metrics\n");
    return EXIT_OK;
}

int cmd_diff(const tool_cfg *c)
{
    static const char *const head[] = {"kind", "key", "a", "b"};
    src_store *s = NULL;
    run_view va, vb;
    diff_out d;
    tool_err e;
    src_run *ra = NULL, *rb = NULL;
    int rc;
    memset(&va, 0, sizeof va);
    memset(&vb, 0, sizeof vb);
    memset(&d, 0, sizeof d);
    err_clear(&e);
    table_init(&d.t, 4, head);
    if ((rc = inspect_open(c, INSPECT_DELETED, &s, &e)) == 0 &&
        (!(ra = inspect_find_run(s, c->run_arg, &e)) || !(rb = inspect_find_run(s, c->run_arg2, &e))))
        rc = e.code;
    if (rc == 0 && (rc = run_view_read(s, ra, SRC_READ_PARAMS | SRC_READ_TAGS | SRC_READ_METRICS, &va, &e)) == 0 &&
        (rc = run_view_read(s, rb, SRC_READ_PARAMS | SRC_READ_TAGS | SRC_READ_METRICS, &vb, &e)) == 0) {
        diff_kv(&d, "param", &va.files.params, &vb.files.params);
        diff_metrics(&d, &va, &vb);
        diff_kv(&d, "tag", &va.files.tags, &vb.files.tags);
        rc = print(&d, ra, rb, c->json);
    }
    if (rc && e.code) rc = inspect_fail(c, &e);
    table_free(&d.t);
    sb_free(&d.json);
    run_view_free(&va);
    run_view_free(&vb);
    src_store_close(s);
    return rc;
}
