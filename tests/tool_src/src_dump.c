/* src_dump — what the SRC reader read, as one JSON object on stdout: every
 * experiment, every run with its info, params, tags, metric histories (all
 * points, file order), inputs, outputs and artifact list, the registry, the
 * LoggedModels, and every problem record. tests/tool_src/src_dump_check.py
 * compares it field by field with what MLflow 3.18 reads from the same folder.
 *
 *   src_dump [--deleted] [--follow-symlinks] SRC
 *
 * Numbers: a metric value that is NaN or infinite is written as the string
 * "NaN", "Infinity" or "-Infinity" (the protobuf JSON mapping). */
#define _POSIX_C_SOURCE 200809L
#include "json.h"
#include "src.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void str_or_null(sbuf *b, const char *s)
{
    if (s) json_str(b, s);
    else sb_puts(b, "null");
}

static void problems(sbuf *b, const src_problems *p)
{
    size_t i;
    sb_puts(b, "[");
    for (i = 0; i < p->n; i++) {
        sb_printf(b, "%s{\"kind\":%d,\"line\":%ld,\"path\":", i ? "," : "", p->v[i].kind, p->v[i].line);
        json_str(b, p->v[i].path);
        sb_puts(b, ",\"why\":");
        json_str(b, p->v[i].why);
        sb_puts(b, "}");
    }
    sb_puts(b, "]");
}

static void experiment(sbuf *b, const src_exp *x)
{
    sb_puts(b, "{\"id\":");
    json_str(b, x->id);
    sb_puts(b, ",\"name\":");
    json_str(b, x->name);
    sb_puts(b, ",\"artifact_location\":");
    json_str(b, x->artifact_location);
    sb_printf(b, ",\"deleted\":%s,\"creation_time\":%lld,\"last_update_time\":%lld,\"tags\":",
              x->deleted ? "true" : "false", x->creation_time, x->last_update_time);
    json_kv_object(b, &x->tags);
    sb_puts(b, "}");
}

/* every point of metrics/<key>, as [timestamp, value, step] */
static void history(sbuf *b, src_store *s, const src_run *r, const char *key, src_problems *p)
{
    src_metric_chunk c;
    tool_err e;
    size_t i;
    sb_puts(b, "[");
    if (src_metric_read(s, r, key, 0, 1, 0, 1, &c, &e) != 0) {
        src_problems_add(p, SRC_MALFORMED, e.what, 0, "%s", e.why);
    } else {
        for (i = 0; i < c.n; i++) {
            sb_printf(b, "%s[%lld,", i ? "," : "", c.pts[i].timestamp);
            json_double(b, c.pts[i].value);
            sb_printf(b, ",%lld]", c.pts[i].step);
        }
        src_problems_merge(p, &c.problems);
        src_metric_chunk_free(&c);
    }
    sb_puts(b, "]");
}

static void inputs(sbuf *b, const src_run_files *f)
{
    size_t i;
    sb_puts(b, ",\"inputs\":[");
    for (i = 0; i < f->ninputs; i++) {
        const src_dataset_input *d = &f->inputs[i];
        sb_puts(b, i ? ",{\"name\":" : "{\"name\":");
        str_or_null(b, d->name);
        sb_puts(b, ",\"digest\":");
        str_or_null(b, d->digest);
        sb_puts(b, ",\"source_type\":");
        str_or_null(b, d->source_type);
        sb_puts(b, ",\"source\":");
        str_or_null(b, d->source);
        sb_puts(b, ",\"schema\":");
        str_or_null(b, d->schema);
        sb_puts(b, ",\"profile\":");
        str_or_null(b, d->profile);
        sb_puts(b, ",\"tags\":");
        json_kv_object(b, &d->tags);
        sb_puts(b, "}");
    }
    sb_puts(b, "],\"model_inputs\":[");
    for (i = 0; i < f->nmodel_inputs; i++) {
        if (i) sb_puts(b, ",");
        json_str(b, f->model_inputs[i]);
    }
    sb_puts(b, "],\"outputs\":[");
    for (i = 0; i < f->noutputs; i++) {
        sb_puts(b, i ? ",{\"model_id\":" : "{\"model_id\":");
        json_str(b, f->outputs[i].model_id);
        sb_printf(b, ",\"step\":%lld}", f->outputs[i].step);
    }
    sb_puts(b, "]");
}

static void artifacts(sbuf *b, src_store *s, const src_run *r, src_problems *p)
{
    src_artifacts a;
    tool_err e;
    size_t i;
    sb_puts(b, ",\"artifacts\":[");
    if (src_artifacts_list(s, r, &a, &e) == 0) {
        for (i = 0; i < a.n; i++) {
            sb_printf(b, "%s{\"path\":", i ? "," : "");
            json_str(b, a.v[i].rel);
            sb_printf(b, ",\"size\":%lld}", a.v[i].size);
        }
        src_problems_merge(p, &a.problems);
        src_artifacts_free(&a);
    }
    sb_puts(b, "]");
}

static void run(sbuf *b, src_store *s, const src_run *r, src_problems *p)
{
    src_run_files f;
    tool_err e;
    size_t i;
    sb_puts(b, "{\"id\":");
    json_str(b, r->id);
    sb_puts(b, ",\"experiment_id\":");
    json_str(b, r->exp->id);
    sb_puts(b, ",\"name\":");
    json_str(b, r->name);
    sb_puts(b, ",\"user_id\":");
    json_str(b, r->user_id);
    sb_puts(b, ",\"artifact_uri\":");
    json_str(b, r->artifact_uri);
    sb_printf(b, ",\"status\":\"%s\",\"start_time\":%lld,\"end_time\":", src_status_name(r->status), r->start_time);
    if (r->has_end) sb_printf(b, "%lld", r->end_time);
    else sb_puts(b, "null");
    sb_printf(b, ",\"deleted\":%s,\"depth\":%d,\"parent_id\":", r->deleted ? "true" : "false", r->depth);
    str_or_null(b, r->parent_id);
    if (src_run_read(s, r, SRC_READ_ALL, &f, &e) != 0) {
        src_problems_add(p, SRC_SKIPPED_FOLDER, e.what, 0, "%s", e.why);
        sb_puts(b, "}");
        return;
    }
    sb_puts(b, ",\"params\":");
    json_kv_object(b, &f.params);
    sb_puts(b, ",\"tags\":");
    json_kv_object(b, &f.tags);
    sb_puts(b, ",\"metrics\":{");
    for (i = 0; i < f.nmetrics; i++) {
        if (i) sb_puts(b, ",");
        json_str(b, f.metrics[i].key);
        sb_puts(b, ":");
        history(b, s, r, f.metrics[i].key, p);
    }
    sb_puts(b, "}");
    inputs(b, &f);
    artifacts(b, s, r, p);
    src_problems_merge(p, &f.problems);
    src_run_files_free(&f);
    sb_puts(b, "}");
}

static void versions(sbuf *b, const src_model *m)
{
    size_t i;
    for (i = 0; i < m->nv; i++) {
        const src_version *v = &m->v[i];
        sb_printf(b, "%s{\"version\":%d,\"deleted\":%s,\"stage\":", i ? "," : "", v->version,
                  v->deleted ? "true" : "false");
        json_str(b, v->stage);
        sb_puts(b, ",\"source\":");
        json_str(b, v->source);
        sb_puts(b, ",\"run_id\":");
        str_or_null(b, v->run_id);
        sb_puts(b, ",\"model_id\":");
        str_or_null(b, v->model_id);
        sb_puts(b, ",\"description\":");
        str_or_null(b, v->description);
        sb_puts(b, ",\"status\":");
        str_or_null(b, v->status);
        sb_printf(b, ",\"creation_time\":%lld,\"last_updated_time\":%lld,\"tags\":", v->creation_time,
                  v->last_updated_time);
        json_kv_object(b, &v->tags);
        sb_puts(b, "}");
    }
}

static void registry(sbuf *b, src_store *s, src_problems *p)
{
    src_registry g;
    tool_err e;
    size_t i;
    sb_puts(b, ",\"registry\":[");
    if (src_registry_read(s, &g, &e) == 0) {
        for (i = 0; i < g.n; i++) {
            sb_puts(b, i ? ",{\"name\":" : "{\"name\":");
            json_str(b, g.v[i].name);
            sb_puts(b, ",\"description\":");
            str_or_null(b, g.v[i].description);
            sb_printf(b, ",\"creation_time\":%lld,\"last_updated_time\":%lld,\"tags\":", g.v[i].creation_time,
                      g.v[i].last_updated_time);
            json_kv_object(b, &g.v[i].tags);
            sb_puts(b, ",\"aliases\":");
            json_kv_object(b, &g.v[i].aliases);
            sb_puts(b, ",\"versions\":[");
            versions(b, &g.v[i]);
            sb_puts(b, "]}");
        }
        src_problems_merge(p, &g.problems);
        src_registry_free(&g);
    }
    sb_puts(b, "]");
}

static void logged_model(sbuf *b, src_store *s, const src_logged_model *m, src_problems *p)
{
    src_lm_metric *mv;
    size_t n, i;
    tool_err e;
    sb_puts(b, "{\"id\":");
    json_str(b, m->id);
    sb_puts(b, ",\"experiment_id\":");
    json_str(b, m->experiment_id);
    sb_puts(b, ",\"name\":");
    json_str(b, m->name);
    sb_puts(b, ",\"source_run_id\":");
    str_or_null(b, m->source_run_id);
    sb_puts(b, ",\"model_type\":");
    str_or_null(b, m->model_type);
    sb_printf(b, ",\"status\":%d,\"creation_time\":%lld,\"params\":", m->status, m->creation_time);
    json_kv_object(b, &m->params);
    sb_puts(b, ",\"tags\":");
    json_kv_object(b, &m->tags);
    sb_puts(b, ",\"metrics\":[");
    if (src_logged_model_metrics(s, m, &mv, &n, p, &e) == 0) {
        for (i = 0; i < n; i++) {
            sb_printf(b, "%s{\"key\":", i ? "," : "");
            json_str(b, mv[i].key);
            sb_printf(b, ",\"timestamp\":%lld,\"step\":%lld,\"value\":", mv[i].timestamp, mv[i].step);
            json_double(b, mv[i].value);
            sb_puts(b, ",\"run_id\":");
            str_or_null(b, mv[i].run_id);
            sb_puts(b, "}");
        }
        src_lm_metrics_free(mv, n);
    }
    sb_puts(b, "]}");
}

static void logged_models(sbuf *b, src_store *s, src_problems *p)
{
    size_t i, j, k = 0;
    sb_puts(b, ",\"logged_models\":[");
    for (i = 0; i < src_store_nexps(s); i++) {
        src_logged_models l;
        tool_err e;
        if (src_logged_models_read(s, src_store_exp(s, i), &l, &e) != 0) continue;
        for (j = 0; j < l.n; j++) {
            if (k++) sb_puts(b, ",");
            logged_model(b, s, &l.v[j], p);
        }
        src_problems_merge(p, &l.problems);
        src_logged_models_free(&l);
    }
    sb_puts(b, "]");
}

int main(int argc, char **argv)
{
    src_store *s = NULL;
    src_opts o;
    src_filter f;
    tool_err e;
    src_problems p = {0};
    sbuf b = {0};
    size_t i;
    int a;
    memset(&o, 0, sizeof o);
    memset(&f, 0, sizeof f);
    for (a = 1; a < argc - 1; a++) {
        if (!strcmp(argv[a], "--deleted")) f.include_deleted = 1;
        else if (!strcmp(argv[a], "--follow-symlinks")) o.follow_symlinks = 1;
        else break;
    }
    if (a != argc - 1) {
        fprintf(stderr, "usage: src_dump [--deleted] [--follow-symlinks] SRC\n");
        return 2;
    }
    if (src_store_open(&s, argv[a], &o, &f, &e) != 0) {
        fprintf(stderr, "src_dump: (%d) %s: %s\n", e.code, e.what, e.why);
        return e.code;
    }
    src_problems_merge(&p, src_store_problems(s));
    sb_puts(&b, "{\"experiments\":[");
    for (i = 0; i < src_store_nexps(s); i++) {
        if (i) sb_puts(&b, ",");
        experiment(&b, src_store_exp(s, i));
    }
    sb_puts(&b, "],\"runs\":[");
    for (i = 0; i < src_store_nruns(s); i++) {
        if (i) sb_puts(&b, ",");
        run(&b, s, src_store_run(s, i), &p);
    }
    sb_puts(&b, "]");
    registry(&b, s, &p);
    logged_models(&b, s, &p);
    sb_printf(&b, ",\"skipped_runs\":%zu,\"problems\":", src_store_nskipped_runs(s));
    problems(&b, &p);
    sb_puts(&b, "}\n");
    if (b.oom) return 1;
    fputs(b.s, stdout);
    sb_free(&b);
    src_problems_free(&p);
    src_store_close(s);
    return 0;
}
