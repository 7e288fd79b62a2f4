/* tools/rest_logged_models.c — MLflow 3 LoggedModels: create, find by the
 * marker tag, finalize, tags, params, delete. See rest_tracking.h. */
#include "rest_tracking.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { LM_SEARCH_PAGE = 100, LM_SEARCH_MAX_PAGES = 50 };

void rest_logged_model_free(rest_logged_model *m)
{
    size_t i;
    if (!m) return;
    for (i = 0; i < m->nmetrics; i++) {
        free(m->metrics[i].key);
        free(m->metrics[i].run_id);
    }
    free(m->metrics);
    kv_free(&m->params);
    free(m->id);
    free(m->artifact_location);
    free(m->experiment_id);
    memset(m, 0, sizeof *m);
}

/* LoggedModelStatus by name or number: 1 PENDING, 2 READY, 3 UPLOAD_FAILED */
static int rest_lm_status(const cJSON *info)
{
    static const char *const names[] = {"LOGGED_MODEL_PENDING", "LOGGED_MODEL_READY", "LOGGED_MODEL_UPLOAD_FAILED"};
    return rest_enum(info, "status", names, 3);
}

static int rest_parse_lm_info(const cJSON *info, rest_logged_model *out, int write, rest_err *e)
{
    const char *id, *exp, *uri;
    memset(out, 0, sizeof *out);
    if (json_get_id(info, "model_id", &id) != 0)
        return rest_bad_answer(e, write, "the LoggedModel in the answer has no valid model_id");
    if (json_get_id(info, "experiment_id", &exp) != 0)
        return rest_bad_answer(e, write, "LoggedModel %s in the answer has no valid experiment_id", id);
    if (json_get_str(info, "artifact_uri", &uri) != 0 || !uri[0])
        return rest_bad_answer(e, write, "LoggedModel %s in the answer has no artifact_uri", id);
    out->id = xstrdup(id);
    out->experiment_id = xstrdup(exp);
    out->artifact_location = xstrdup(uri);
    out->status = rest_lm_status(info);
    if (!out->id || !out->experiment_id || !out->artifact_location) {
        rest_logged_model_free(out);
        return rest_bad_answer(e, write, "out of memory");
    }
    return 0;
}

/* {"model": {"info": {...}, "data": {...}}}: the answer to create and finalize */
int rest_parse_lm(const cJSON *a, int write, rest_logged_model *out, rest_err *e)
{
    return rest_parse_lm_info(json_get_obj(json_get_obj(a, "model"), "info"), out, write, e);
}

int rest_lm_create(const rest_ctx *c, const rest_lm_create_req *q, rest_logged_model *out, rest_err *e)
{
    sbuf b = {0};
    cJSON *j;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&b, "{\"experiment_id\":");
    json_str(&b, q->experiment_id);
    rest_add_str(&b, "name", q->name && q->name[0] ? q->name : "model");
    rest_add_str(&b, "model_type", q->model_type);
    rest_add_str(&b, "source_run_id", q->source_run_id);
    sb_puts(&b, ",\"params\":");
    json_kv_array(&b, q->params);
    sb_puts(&b, ",\"tags\":");
    json_kv_array(&b, q->tags);
    sb_puts(&b, "}");
    if ((rc = rest_send(c, "POST", "/api/2.0/mlflow/logged-models", &b, REST_RETRY_UNSENT, &j, e)) != 0) return rc;
    rc = rest_parse_lm(j, 1, out, e);
    cJSON_Delete(j);
    return rc;
}

/* data.params of a model: what a later pass must not send again (an SQL server refuses a repeat) */
static int rest_parse_lm_params(const cJSON *data, rest_logged_model *out)
{
    const cJSON *ps = json_get_arr(data, "params"), *p;
    cJSON_ArrayForEach(p, ps)
    {
        const char *key, *value;
        if (json_get_str(p, "key", &key) != 0 || json_get_str(p, "value", &value) != 0) continue;
        if (kv_add(&out->params, key, value) != 0) return -1;
    }
    return 0;
}

/* data.metrics of a model: what a pass whose state was lost, or whose answer was lost, must not send again */
static int rest_parse_lm_metrics(const cJSON *data, rest_logged_model *out)
{
    const cJSON *ms = json_get_arr(data, "metrics"), *m;
    size_t n = (size_t)cJSON_GetArraySize(ms);
    if (!n) return 0;
    if (!(out->metrics = calloc(n, sizeof *out->metrics))) return -1;
    cJSON_ArrayForEach(m, ms)
    {
        rest_lm_point *p = &out->metrics[out->nmetrics];
        const char *key, *run = NULL;
        if (json_get_str(m, "key", &key) != 0 || json_get_ll(m, "timestamp", LLONG_MIN, LLONG_MAX, &p->timestamp) != 0 ||
            json_get_ll(m, "step", LLONG_MIN, LLONG_MAX, &p->step) != 0 || rest_metric_value(m, &p->value) != 0)
            continue;
        if (json_get_str(m, "run_id", &run) != 0) run = "";
        if (!(p->key = xstrdup(key)) || !(p->run_id = xstrdup(run))) return -1;
        out->nmetrics++;
    }
    return 0;
}

/* One page of logged-models/search: 1 found (out filled), 0 not on this page. */
int rest_parse_lm_search(const cJSON *a, const char *key, const char *value, rest_logged_model *out, char **token,
                         rest_err *e)
{
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(a, "models"), *m;
    *token = NULL;
    if (ms && !cJSON_IsArray(ms)) return -rest_bad_answer(e, 0, "logged-models/search answered models that are not a list");
    cJSON_ArrayForEach(m, ms)
    {
        const cJSON *info = json_get_obj(m, "info");
        if (!rest_tags_have(json_get_arr(info, "tags"), key, value)) continue;
        if (rest_parse_lm_info(info, out, 0, e) != 0) return -e->code;
        if (rest_parse_lm_metrics(json_get_obj(m, "data"), out) != 0 || rest_parse_lm_params(json_get_obj(m, "data"), out) != 0) {
            rest_logged_model_free(out);
            return -rest_bad_answer(e, 0, "out of memory");
        }
        return 1;
    }
    return -rest_parse_token(a, token, e);
}

typedef struct lm_search {
    const rest_ctx *c;
    const char *exp_id, *key, *value;
    rest_logged_model *out;
    int found;
} lm_search;

static int rest_lm_search_page(void *ud, const char *token, char **next, rest_err *e)
{
    lm_search *q = ud;
    sbuf b = {0};
    cJSON *j = NULL;
    int rc;
    if (rest_marker_search_body(&b, q->exp_id, q->key, q->value, NULL, LM_SEARCH_PAGE, token) != 0) b.oom = 1;
    rc = rest_send(q->c, "POST", "/api/2.0/mlflow/logged-models/search", &b, REST_RETRY, &j, e);
    if (rc == 0) {
        rc = rest_parse_lm_search(j, q->key, q->value, q->out, next, e);
        q->found = rc == 1;
        rc = rc < 0 ? -rc : 0; /* found: no next page was asked for */
    }
    cJSON_Delete(j);
    return rc;
}

int rest_lm_search_by_tag(const rest_ctx *c, const char *exp_id, const char *key, const char *value,
                          rest_logged_model *out, rest_err *e)
{
    lm_search q = {c, exp_id, key, value, out, 0};
    int rc;
    memset(out, 0, sizeof *out);
    rc = rest_pages("logged-models/search", LM_SEARCH_MAX_PAGES, rest_lm_search_page, &q, e);
    if (rc != 0) {
        rest_logged_model_free(out);
        return -rc;
    }
    return q.found;
}

static int rest_lm_path(sbuf *p, const char *model_id, const char *tail)
{
    sb_puts(p, "/api/2.0/mlflow/logged-models/");
    url_encode(p, model_id, 0);
    sb_puts(p, tail);
    return p->oom ? -1 : 0;
}

int rest_lm_get(const rest_ctx *c, const char *model_id, rest_logged_model *out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j = NULL;
    const cJSON *data;
    int rc;
    memset(out, 0, sizeof *out);
    if (rest_lm_path(&p, model_id, "") != 0) {
        sb_free(&p);
        rc = rest_oom(e);
    } else
        rc = rest_get(c, &p, &j, e);
    if (rc == 0 && (rc = rest_parse_lm(j, 0, out, e)) == 0) {
        data = json_get_obj(json_get_obj(j, "model"), "data");
        if (rest_parse_lm_metrics(data, out) != 0 || rest_parse_lm_params(data, out) != 0) {
            rest_logged_model_free(out);
            rc = rest_bad_answer(e, 0, "out of memory");
        }
    }
    cJSON_Delete(j);
    return rc;
}

/* The server reads status as the enum's number (its schema asserts an int). */
int rest_lm_finalize(const rest_ctx *c, const char *model_id, int status, rest_err *e)
{
    sbuf p = {0}, b = {0};
    cJSON *j = NULL;
    rest_logged_model m;
    int rc;
    sb_puts(&b, "{\"model_id\":");
    json_str(&b, model_id);
    sb_printf(&b, ",\"status\":%d}", status);
    rc = rest_send(c, "PATCH", rest_lm_path(&p, model_id, "") == 0 ? p.s : NULL, &b, REST_RETRY, &j, e);
    sb_free(&p);
    if (rc == 0 && (rc = rest_parse_lm(j, 1, &m, e)) == 0) {
        if (strcmp(m.id, model_id) != 0 || m.status != status)
            rc = rest_bad_answer(e, 1, "finalizing LoggedModel %s answered model %s with status %d", model_id, m.id,
                                 m.status);
        rest_logged_model_free(&m);
    }
    cJSON_Delete(j);
    return rc;
}

static int rest_lm_kv(const rest_ctx *c, const char *method, const char *model_id, const char *tail,
                      const char *list, const kvlist *l, int once, rest_err *e)
{
    sbuf p = {0}, b = {0};
    int rc;
    sb_puts(&b, "{\"model_id\":");
    json_str(&b, model_id);
    sb_printf(&b, ",\"%s\":", list);
    json_kv_array(&b, l);
    sb_puts(&b, "}");
    rc = rest_send(c, method, rest_lm_path(&p, model_id, tail) == 0 ? p.s : NULL, &b, once, NULL, e);
    sb_free(&p);
    return rc;
}

int rest_lm_set_tags(const rest_ctx *c, const char *model_id, const kvlist *tags, rest_err *e)
{
    return rest_lm_kv(c, "PATCH", model_id, "/tags", "tags", tags, REST_RETRY, e);
}

int rest_lm_log_params(const rest_ctx *c, const char *model_id, const kvlist *params, rest_err *e)
{
    return rest_lm_kv(c, "POST", model_id, "/params", "params", params, REST_RETRY_UNSENT, e);
}

int rest_lm_delete_tag(const rest_ctx *c, const char *model_id, const char *key, rest_err *e)
{
    sbuf p = {0};
    int rc;
    if (rest_lm_path(&p, model_id, "/tags/") == 0) url_encode(&p, key, 0);
    rc = p.oom ? rest_oom(e) : rest_call(c, "DELETE", p.s, NULL, REST_RETRY, NULL, e);
    sb_free(&p);
    return rc;
}

int rest_lm_delete(const rest_ctx *c, const char *model_id, rest_err *e)
{
    sbuf p = {0};
    int rc = rest_lm_path(&p, model_id, "") != 0 ? rest_oom(e) : rest_call(c, "DELETE", p.s, NULL, REST_RETRY, NULL, e);
    sb_free(&p);
    return rc;
}

int rest_lm_log_metric(const rest_ctx *c, const rest_lm_metric *m, rest_err *e)
{
    sbuf b = {0};
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, m->run_id);
    rest_add_str(&b, "model_id", m->model_id);
    rest_add_str(&b, "key", m->key);
    sb_puts(&b, ",\"value\":");
    json_double(&b, m->value);
    sb_printf(&b, ",\"timestamp\":%lld,\"step\":%lld", m->timestamp, m->step);
    if (m->dataset_name && m->dataset_digest) {
        rest_add_str(&b, "dataset_name", m->dataset_name);
        rest_add_str(&b, "dataset_digest", m->dataset_digest);
    }
    sb_puts(&b, "}");
    return rest_send(c, "POST", "/api/2.0/mlflow/runs/log-metric", &b, REST_RETRY_UNSENT, NULL, e);
}

int rest_is_no_endpoint(const rest_err *e) { return e->status == 404 && !e->error_code[0]; }
