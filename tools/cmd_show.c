/* tools/cmd_show.c — `mlflow-lite show RUN`: one run. As text: its info,
 * params, latest metrics (value, step, time), tags, dataset inputs and the
 * artifact tree with sizes. With --json: the fields and values of MLflow's
 * MlflowClient.get_run(RUN).to_dictionary() (info, data, inputs, outputs),
 * plus latest_metrics (with step and timestamp) and artifacts. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"
#include "run_view.h"
#include "table.h"

#include <stdio.h>
#include <string.h>

/* ---- --json: get_run's dictionary ------------------------------------------------------------- */

static void json_info(sbuf *b, const src_run *r)
{
    sb_puts(b, "\"info\":{\"artifact_uri\":");
    json_str(b, r->artifact_uri);
    sb_puts(b, ",\"end_time\":");
    if (r->has_end) sb_printf(b, "%lld", r->end_time);
    else sb_puts(b, "null");
    sb_puts(b, ",\"experiment_id\":");
    json_str(b, r->exp->id);
    sb_printf(b, ",\"lifecycle_stage\":\"%s\",\"run_id\":", r->deleted ? "deleted" : "active");
    json_str(b, r->id);
    sb_puts(b, ",\"run_name\":");
    json_str(b, r->name);
    sb_printf(b, ",\"start_time\":%lld,\"status\":\"%s\",\"user_id\":", r->start_time, src_status_name(r->status));
    json_str(b, r->user_id);
    sb_puts(b, "}");
}

static void json_data(sbuf *b, const run_view *v)
{
    size_t i;
    int first = 1;
    sb_puts(b, "\"data\":{\"metrics\":{");
    for (i = 0; i < v->files.nmetrics; i++) {
        if (!v->present[i]) continue;
        if (!first) sb_puts(b, ",");
        first = 0;
        json_str(b, v->files.metrics[i].key);
        sb_puts(b, ":");
        json_double(b, v->latest[i].value);
    }
    sb_puts(b, "},\"params\":");
    json_kv_object(b, &v->files.params);
    sb_puts(b, ",\"tags\":");
    json_kv_object(b, &v->files.tags);
    sb_puts(b, "}");
}

static void json_opt_str(sbuf *b, const char *k, const char *v, int comma)
{
    sb_printf(b, "%s\"%s\":", comma ? "," : "", k);
    if (v) json_str(b, v);
    else sb_puts(b, "null");
}

static void json_inputs(sbuf *b, const src_run_files *f)
{
    size_t i;
    sb_puts(b, "\"inputs\":{\"model_inputs\":[");
    for (i = 0; i < f->nmodel_inputs; i++) {
        sb_puts(b, i ? ",{\"model_id\":" : "{\"model_id\":");
        json_str(b, f->model_inputs[i]);
        sb_puts(b, "}");
    }
    sb_puts(b, "],\"dataset_inputs\":[");
    for (i = 0; i < f->ninputs; i++) {
        const src_dataset_input *d = &f->inputs[i];
        sb_puts(b, i ? ",{\"dataset\":{" : "{\"dataset\":{");
        json_opt_str(b, "name", d->name, 0);
        json_opt_str(b, "digest", d->digest, 1);
        json_opt_str(b, "source_type", d->source_type, 1);
        json_opt_str(b, "source", d->source, 1);
        json_opt_str(b, "schema", d->schema, 1);
        json_opt_str(b, "profile", d->profile, 1);
        sb_puts(b, "},\"tags\":");
        json_kv_object(b, &d->tags);
        sb_puts(b, "}");
    }
    sb_puts(b, "]},\"outputs\":{\"model_outputs\":[");
    for (i = 0; i < f->noutputs; i++) {
        sb_puts(b, i ? ",{\"model_id\":" : "{\"model_id\":");
        json_str(b, f->outputs[i].model_id);
        sb_printf(b, ",\"step\":%lld}", f->outputs[i].step);
    }
    sb_puts(b, "]}");
}

static void json_extras(sbuf *b, const run_view *v, const src_artifacts *a)
{
    size_t i;
    int first = 1;
    sb_puts(b, ",\"latest_metrics\":[");
    for (i = 0; i < v->files.nmetrics; i++) {
        if (!v->present[i]) continue;
        sb_puts(b, first ? "{\"key\":" : ",{\"key\":");
        first = 0;
        json_str(b, v->files.metrics[i].key);
        sb_puts(b, ",\"value\":");
        json_double(b, v->latest[i].value);
        sb_printf(b, ",\"step\":%lld,\"timestamp\":%lld}", v->latest[i].step, v->latest[i].timestamp);
    }
    sb_puts(b, "],\"artifacts\":[");
    for (i = 0; i < a->n; i++) {
        sb_puts(b, i ? ",{\"path\":" : "{\"path\":");
        json_str(b, a->v[i].rel);
        sb_printf(b, ",\"size\":%lld}", a->v[i].size);
    }
    sb_puts(b, "]");
}

static int print_json(const run_view *v, const src_artifacts *a)
{
    sbuf b = {0};
    sb_puts(&b, "{");
    json_info(&b, v->run);
    sb_puts(&b, ",");
    json_data(&b, v);
    sb_puts(&b, ",");
    json_inputs(&b, &v->files);
    json_extras(&b, v, a);
    sb_puts(&b, "}");
    if (b.oom) return sb_free(&b), EXIT_FAILED;
    helpf("%s\n", b.s);
    sb_free(&b);
    return EXIT_OK;
}

/* ---- text ------------------------------------------------------------------------------------------ */

static void line(const char *label, const char *value)
{
    sbuf b = {0};
    inspect_defang(&b, value ? value : "", 0);
    helpf("  %-14s %s\n", label, b.s ? b.s : "");
    sb_free(&b);
}

static void text_info(const src_run *r)
{
    char start[32], end[32], dur[32];
    sbuf exp = {0};
    inspect_fmt_time(start, sizeof start, r->start_time);
    inspect_fmt_time(end, sizeof end, r->has_end ? r->end_time : 0);
    inspect_fmt_duration(dur, sizeof dur, r->start_time, r->end_time, r->has_end);
    sb_printf(&exp, "%s (%s)", r->exp->id, r->exp->name);
    helpf("run %s\n", r->id);
    line("name", r->name);
    line("experiment", exp.s);
    line("status", src_status_name(r->status));
    line("start", start);
    line("end", end);
    line("duration", dur);
    line("user", r->user_id);
    line("lifecycle", r->deleted ? "deleted" : "active");
    line("artifact_uri", r->artifact_uri);
    if (r->parent_id) line("parent run", r->parent_id);
    sb_free(&exp);
}

static void text_kv(const char *title, const kvlist *l)
{
    static const char *const head[] = {"key", "value"};
    table t;
    size_t i;
    helpf("\n%s (%zu)\n", title, l->n);
    if (!l->n) return;
    table_init(&t, 2, head);
    for (i = 0; i < l->n; i++) {
        const char *row[2];
        row[0] = l->v[i].key, row[1] = l->v[i].value;
        table_add(&t, row);
    }
    table_print(&t, 0);
    table_free(&t);
}

static void text_metrics(const run_view *v)
{
    static const char *const head[] = {"key", "value", "step", "time"};
    table t;
    size_t i;
    helpf("\nmetrics, latest values (%zu)\n", v->files.nmetrics);
    if (!v->files.nmetrics) return;
    table_init(&t, 4, head);
    for (i = 0; i < v->files.nmetrics; i++) {
        sbuf val = {0};
        char step[32] = "", when[32] = "";
        const char *row[4];
        if (v->present[i]) {
            inspect_fmt_num(&val, v->latest[i].value);
            snprintf(step, sizeof step, "%lld", v->latest[i].step);
            inspect_fmt_time(when, sizeof when, v->latest[i].timestamp);
        }
        row[0] = v->files.metrics[i].key, row[1] = val.s ? val.s : "(no valid line)", row[2] = step, row[3] = when;
        table_add(&t, row);
        sb_free(&val);
    }
    table_print(&t, 0);
    table_free(&t);
}

static void text_inputs(const src_run_files *f)
{
    size_t i;
    if (!f->ninputs && !f->nmodel_inputs && !f->noutputs) return;
    helpf("\ninputs and outputs\n");
    for (i = 0; i < f->ninputs; i++) {
        const char *ctx = kv_get(&f->inputs[i].tags, "mlflow.data.context");
        sbuf b = {0};
        sb_printf(&b, "dataset %s (digest %s%s%s)", f->inputs[i].name ? f->inputs[i].name : "?",
                  f->inputs[i].digest ? f->inputs[i].digest : "?", ctx ? ", context " : "", ctx ? ctx : "");
        line("input", b.s);
        sb_free(&b);
    }
    for (i = 0; i < f->nmodel_inputs; i++) line("input", f->model_inputs[i]);
    for (i = 0; i < f->noutputs; i++) line("output model", f->outputs[i].model_id);
}

static void text_artifacts(const src_artifacts *a)
{
    static const char *const head[] = {"path", "bytes"};
    table t;
    long long total = 0;
    size_t i;
    for (i = 0; i < a->n; i++) total += a->v[i].size;
    helpf("\nartifacts (%zu files, %lld bytes)\n", a->n, total);
    if (!a->n) return;
    table_init(&t, 2, head);
    for (i = 0; i < a->n; i++) {
        char size[32];
        const char *row[2];
        snprintf(size, sizeof size, "%lld", a->v[i].size);
        row[0] = a->v[i].rel, row[1] = size;
        table_add(&t, row);
    }
    table_print(&t, 0);
    table_free(&t);
}

int cmd_show(const tool_cfg *c)
{
    src_store *s = NULL;
    src_artifacts a;
    run_view v;
    tool_err e;
    src_run *r;
    int rc;
    memset(&a, 0, sizeof a);
    memset(&v, 0, sizeof v);
    err_clear(&e);
    if ((rc = inspect_open(c, INSPECT_DELETED, &s, &e)) == 0 && !(r = inspect_find_run(s, c->run_arg, &e))) rc = e.code;
    if (rc == 0 && (rc = run_view_read(s, r, SRC_READ_ALL, &v, &e)) == 0) {
        if (src_artifacts_list(s, r, &a, &e) != 0) warnf("%s: %s", e.what, e.why), err_clear(&e);
        inspect_warn_problems(&v.files.problems, "file");
        inspect_warn_problems(&a.problems, "artifact");
        if (c->json) rc = print_json(&v, &a);
        else {
            text_info(r);
            text_kv("params", &v.files.params);
            text_metrics(&v);
            text_kv("tags", &v.files.tags);
            text_inputs(&v.files);
            text_artifacts(&a);
        }
    }
    if (rc && e.code) rc = inspect_fail(c, &e);
    src_artifacts_free(&a);
    run_view_free(&v);
    src_store_close(s);
    return rc;
}
