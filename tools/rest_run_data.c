/* tools/rest_run_data.c — what goes into a run after it exists: the
 * log-batch builder and call, dataset inputs, model outputs, and metric
 * history (read back to resolve an in-doubt batch). See rest_tracking.h. */
#include "rest_tracking.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { HISTORY_PAGE = 25000, HISTORY_MAX_PAGES = 100000 };

/* ---- log-batch -------------------------------------------------------------------- */

static size_t rest_batch_bytes(const rest_batch *b) { return b->m.len + b->p.len + b->t.len; }

int rest_batch_empty(const rest_batch *b) { return b->nm + b->np + b->nt == 0; }

/* 1 when one more item of `len` bytes would break a limit (an empty batch
   takes any single item: the server then judges it alone) */
static int rest_batch_full(const rest_batch *b, int *kind_count, int kind_max, size_t len)
{
    if (rest_batch_empty(b)) return 0;
    if (b->nm + b->np + b->nt + 1 > REST_BATCH_MAX_ITEMS || *kind_count + 1 > kind_max) return 1;
    return rest_batch_bytes(b) + len + 1 > (size_t)REST_BATCH_MAX_BYTES;
}

static int rest_batch_put(rest_batch *b, sbuf *dst, int *count, int max, const sbuf *item)
{
    if (item->oom) return -1;
    if (rest_batch_full(b, count, max, item->len)) return 1;
    if (*count) sb_add(dst, ",", 1);
    sb_add(dst, item->s, item->len);
    if (dst->oom) return -1;
    (*count)++;
    return 0;
}

int rest_batch_add_metric(rest_batch *b, const char *key, double value, long long ts, long long step)
{
    sbuf it = {0};
    int rc;
    sb_puts(&it, "{\"key\":");
    json_str(&it, key);
    sb_puts(&it, ",\"value\":");
    json_double(&it, value);
    sb_printf(&it, ",\"timestamp\":%lld,\"step\":%lld}", ts, step);
    rc = rest_batch_put(b, &b->m, &b->nm, REST_BATCH_MAX_ITEMS, &it);
    sb_free(&it);
    return rc;
}

static int rest_batch_kv(rest_batch *b, sbuf *dst, int *count, int max, const char *key, const char *value)
{
    sbuf it = {0};
    int rc;
    sb_puts(&it, "{\"key\":");
    json_str(&it, key);
    sb_puts(&it, ",\"value\":");
    json_str(&it, value);
    sb_puts(&it, "}");
    rc = rest_batch_put(b, dst, count, max, &it);
    sb_free(&it);
    return rc;
}

int rest_batch_add_param(rest_batch *b, const char *key, const char *value)
{
    return rest_batch_kv(b, &b->p, &b->np, REST_BATCH_MAX_PARAMS, key, value);
}

int rest_batch_add_tag(rest_batch *b, const char *key, const char *value)
{
    return rest_batch_kv(b, &b->t, &b->nt, REST_BATCH_MAX_TAGS, key, value);
}

void rest_batch_reset(rest_batch *b)
{
    b->m.len = b->p.len = b->t.len = 0;
    b->nm = b->np = b->nt = 0;
}

void rest_batch_free(rest_batch *b)
{
    sb_free(&b->m);
    sb_free(&b->p);
    sb_free(&b->t);
    memset(b, 0, sizeof *b);
}

static void rest_add_list(sbuf *body, const char *name, const sbuf *items)
{
    sb_printf(body, ",\"%s\":[", name);
    if (items->len) sb_add(body, items->s, items->len);
    sb_puts(body, "]");
}

/* Sent with REST_RETRY_UNSENT: a file-store server may have written part of
   a batch it then answered 5xx to, so any failure after sending comes back
   ambiguous and the caller asks the server (metric history) what arrived. */
int rest_log_batch(const rest_ctx *c, const char *run_id, const rest_batch *b, rest_err *e)
{
    sbuf body = {0};
    rest_err_clear(e);
    if (rest_batch_empty(b)) return 0;
    sb_puts(&body, "{\"run_id\":");
    json_str(&body, run_id);
    rest_add_list(&body, "metrics", &b->m);
    rest_add_list(&body, "params", &b->p);
    rest_add_list(&body, "tags", &b->t);
    sb_puts(&body, "}");
    if (b->m.oom || b->p.oom || b->t.oom) body.oom = 1;
    return rest_send(c, "POST", "/api/2.0/mlflow/runs/log-batch", &body, REST_RETRY_UNSENT, NULL, e);
}

/* ---- inputs and outputs ------------------------------------------------------------- */

/* Datasets are identified by (name, digest) on the server: logging the same
   input again is a no-op, so this is retried like any idempotent write. */
int rest_log_inputs(const rest_ctx *c, const char *run_id, const rest_dataset_input *d, size_t n, rest_err *e)
{
    sbuf b = {0};
    size_t i;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    sb_puts(&b, ",\"datasets\":[");
    for (i = 0; i < n; i++) {
        sb_puts(&b, i ? ",{\"tags\":" : "{\"tags\":");
        json_kv_array(&b, d[i].tags);
        sb_puts(&b, ",\"dataset\":{\"name\":");
        json_str(&b, d[i].name ? d[i].name : "");
        rest_add_str(&b, "digest", d[i].digest ? d[i].digest : "");
        rest_add_str(&b, "source_type", d[i].source_type ? d[i].source_type : "");
        rest_add_str(&b, "source", d[i].source ? d[i].source : "");
        rest_add_str(&b, "schema", d[i].schema);
        rest_add_str(&b, "profile", d[i].profile);
        sb_puts(&b, "}}");
    }
    sb_puts(&b, "]}");
    return rest_send(c, "POST", "/api/2.0/mlflow/runs/log-inputs", &b, REST_RETRY, NULL, e);
}

int rest_log_outputs(const rest_ctx *c, const char *run_id, const char *const *model_ids, const long long *steps,
                     size_t n, rest_err *e)
{
    sbuf b = {0};
    size_t i;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    sb_puts(&b, ",\"models\":[");
    for (i = 0; i < n; i++) {
        sb_puts(&b, i ? ",{\"model_id\":" : "{\"model_id\":");
        json_str(&b, model_ids[i]);
        sb_printf(&b, ",\"step\":%lld}", steps ? steps[i] : 0LL);
    }
    sb_puts(&b, "]}");
    return rest_send(c, "POST", "/api/2.0/mlflow/runs/outputs", &b, REST_RETRY, NULL, e);
}

/* The model ids of run.outputs.model_outputs in a runs/get answer (kvlist keys, value ""). */
int rest_parse_run_outputs(const cJSON *a, kvlist *out, rest_err *e)
{
    const cJSON *outs = json_get_obj(json_get_obj(a, "run"), "outputs"), *m;
    cJSON_ArrayForEach(m, json_get_arr(outs, "model_outputs"))
    {
        const char *id;
        if (json_get_id(m, "model_id", &id) != 0) return rest_bad_answer(e, 0, "runs/get answered a model output without a model_id");
        if (kv_add(out, id, "") != 0) return rest_oom(e);
    }
    return 0;
}

int rest_run_outputs(const rest_ctx *c, const char *run_id, kvlist *out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j = NULL;
    int rc;
    sb_puts(&p, "/api/2.0/mlflow/runs/get?run_id=");
    url_encode(&p, run_id, 0);
    rc = rest_get(c, &p, &j, e);
    if (rc == 0) rc = rest_parse_run_outputs(j, out, e);
    cJSON_Delete(j);
    return rc;
}

/* ---- metric history -------------------------------------------------------------------- */

/* a metric value: a number, or "NaN" / "Infinity" / "-Infinity" (protobuf JSON) */
int rest_metric_value(const cJSON *m, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
    if (cJSON_IsNumber(v)) {
        *out = v->valuedouble;
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring) return -1;
    if (strcmp(v->valuestring, "NaN") == 0) *out = NAN;
    else if (strcmp(v->valuestring, "Infinity") == 0) *out = INFINITY;
    else if (strcmp(v->valuestring, "-Infinity") == 0) *out = -INFINITY;
    else return -1;
    return 0;
}

int rest_parse_history(const cJSON *a, rest_point **v, size_t *n, size_t *cap, char **token, rest_err *e)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(a, "metrics"), *m;
    *token = NULL;
    if (ms && !cJSON_IsArray(ms)) return rest_bad_answer(e, 0, "metrics/get-history answered metrics that are not a list");
    cJSON_ArrayForEach(m, ms)
    {
        rest_point p;
        p.dataset = cJSON_GetObjectItemCaseSensitive(m, "dataset_name") != NULL;
        if (json_get_ll(m, "timestamp", LLONG_MIN, LLONG_MAX, &p.timestamp) != 0 ||
            json_get_ll(m, "step", LLONG_MIN, LLONG_MAX, &p.step) != 0 || rest_metric_value(m, &p.value) != 0)
            return rest_bad_answer(e, 0, "metrics/get-history answered a point without a valid timestamp, step "
                                         "and value");
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 256;
            rest_point *nv = realloc(*v, nc * sizeof *nv);
            if (!nv) return rest_bad_answer(e, 0, "out of memory");
            *v = nv;
            *cap = nc;
        }
        (*v)[(*n)++] = p;
    }
    if (rest_parse_token(a, token, e) != 0) return e->code;
    if (*token && !cJSON_GetArraySize(ms)) { /* a server that pages without progress would loop forever */
        free(*token);
        *token = NULL;
        return rest_bad_answer(e, 0, "metrics/get-history answered an empty page with a next page");
    }
    return 0;
}

typedef struct history {
    const rest_ctx *c;
    const char *run_id, *key;
    rest_point *v;
    size_t n, cap;
} history;

static int rest_history_page(void *ud, const char *token, char **next, rest_err *e)
{
    history *q = ud;
    sbuf p = {0};
    cJSON *j = NULL;
    int rc;
    sb_puts(&p, "/api/2.0/mlflow/metrics/get-history?run_id=");
    url_encode(&p, q->run_id, 0);
    sb_puts(&p, "&metric_key=");
    url_encode(&p, q->key, 0);
    sb_printf(&p, "&max_results=%d", HISTORY_PAGE);
    if (token) {
        sb_puts(&p, "&page_token=");
        url_encode(&p, token, 0);
    }
    if ((rc = rest_get(q->c, &p, &j, e)) == 0) rc = rest_parse_history(j, &q->v, &q->n, &q->cap, next, e);
    cJSON_Delete(j);
    return rc;
}

int rest_metric_history(const rest_ctx *c, const char *run_id, const char *key, rest_point **out, size_t *n,
                        rest_err *e)
{
    history q = {c, run_id, key, NULL, 0, 0};
    int rc = rest_pages("metrics/get-history", HISTORY_MAX_PAGES, rest_history_page, &q, e);
    if (rc != 0) {
        free(q.v);
        q.v = NULL;
        q.n = 0;
    }
    *out = q.v;
    *n = q.n;
    return rc;
}
