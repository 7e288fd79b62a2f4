/* tools/rest_tracking.c — experiments and runs: request bodies, calls, and
 * the checks of every answer (see rest_tracking.h). Run data (log-batch,
 * inputs, outputs, metric history) is in rest_run_data.c, LoggedModels in
 * rest_logged_models.c. */
#include "rest_tracking.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { SEARCH_PAGE = 1000, SEARCH_MAX_PAGES = 50 };

/* ---- experiments --------------------------------------------------------------- */

void rest_exp_free(rest_exp *x)
{
    if (!x) return;
    free(x->id);
    free(x->name);
    memset(x, 0, sizeof *x);
}

int rest_parse_exp_get(const cJSON *a, rest_exp *out, rest_err *e)
{
    const cJSON *x = json_get_obj(a, "experiment");
    const char *id, *name, *stage = NULL;
    memset(out, 0, sizeof *out);
    if (!x) return rest_bad_answer(e, 0, "experiments/get-by-name answered without an experiment object");
    if (json_get_id(x, "experiment_id", &id) != 0)
        return rest_bad_answer(e, 0, "experiments/get-by-name answered without a valid experiment_id");
    if (json_get_str(x, "name", &name) != 0) name = "";
    (void)json_get_str(x, "lifecycle_stage", &stage);
    out->id = xstrdup(id);
    out->name = xstrdup(name);
    out->deleted = stage && strcmp(stage, "deleted") == 0;
    if (!out->id || !out->name) {
        rest_exp_free(out);
        e->code = EXIT_FAILED;
        snprintf(e->msg, sizeof e->msg, "out of memory");
        return EXIT_FAILED;
    }
    return 0;
}

int rest_exp_get_by_name(const rest_ctx *c, const char *name, rest_exp *out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&p, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=");
    url_encode(&p, name, 0);
    rc = rest_get(c, &p, &j, e);
    if (rc != 0) return rest_is_absent(e) ? 0 : -rc;
    rc = rest_parse_exp_get(j, out, e);
    cJSON_Delete(j);
    return rc ? -rc : 1;
}

int rest_parse_exp_create(const cJSON *a, char **id, rest_err *e)
{
    const char *s;
    *id = NULL;
    if (json_get_id(a, "experiment_id", &s) != 0)
        return rest_bad_answer(e, 1, "experiments/create answered without a valid experiment_id");
    if (!(*id = xstrdup(s))) return rest_bad_answer(e, 1, "out of memory");
    return 0;
}

int rest_exp_create(const rest_ctx *c, const char *name, const kvlist *tags, char **id, rest_err *e)
{
    sbuf b = {0};
    cJSON *j;
    int rc;
    *id = NULL;
    sb_puts(&b, "{\"name\":");
    json_str(&b, name);
    sb_puts(&b, ",\"tags\":");
    json_kv_array(&b, tags);
    sb_puts(&b, "}");
    if ((rc = rest_send(c, "POST", "/api/2.0/mlflow/experiments/create", &b, REST_RETRY_UNSENT, &j, e)) != 0) return rc;
    rc = rest_parse_exp_create(j, id, e);
    cJSON_Delete(j);
    return rc;
}

/* POST of a small body built from key/value string pairs (NULL-terminated), answer {} or anything JSON */
static int rest_post_pairs(const rest_ctx *c, const char *path, const char *const *kv, rest_err *e)
{
    sbuf b = {0};
    int i;
    sb_puts(&b, "{");
    for (i = 0; kv[i]; i += 2) {
        sb_printf(&b, "%s\"%s\":", i ? "," : "", kv[i]);
        json_str(&b, kv[i + 1]);
    }
    sb_puts(&b, "}");
    return rest_send(c, "POST", path, &b, REST_RETRY, NULL, e);
}

int rest_exp_restore(const rest_ctx *c, const char *id, rest_err *e)
{
    const char *kv[] = {"experiment_id", id, NULL};
    return rest_post_pairs(c, "/api/2.0/mlflow/experiments/restore", kv, e);
}

int rest_exp_set_tag(const rest_ctx *c, const char *id, const char *key, const char *value, rest_err *e)
{
    const char *kv[] = {"experiment_id", id, "key", key, "value", value, NULL};
    return rest_post_pairs(c, "/api/2.0/mlflow/experiments/set-experiment-tag", kv, e);
}

/* ---- runs ------------------------------------------------------------------------- */

void rest_run_free(rest_run *r)
{
    if (!r) return;
    free(r->id);
    free(r->artifact_uri);
    free(r->experiment_id);
    memset(r, 0, sizeof *r);
}

void rest_runs_free(rest_run *v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++) rest_run_free(&v[i]);
    free(v);
}

/* RunStatus as a name or its number: the same numbering as src_status */
static int rest_run_status(const cJSON *info)
{
    static const char *const names[] = {"RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};
    return rest_enum(info, "status", names, 5);
}

/* one run's "info" object into out; write: the answer is to a create */
static int rest_parse_run_info(const cJSON *info, rest_run *out, int write, rest_err *e)
{
    const char *id, *exp = NULL, *uri = NULL, *stage = NULL;
    memset(out, 0, sizeof *out);
    if (!info || (json_get_id(info, "run_id", &id) != 0 && json_get_id(info, "run_uuid", &id) != 0))
        return rest_bad_answer(e, write, "the run in the answer has no valid run_id");
    if (json_get_id(info, "experiment_id", &exp) != 0)
        return rest_bad_answer(e, write, "run %s in the answer has no valid experiment_id", id);
    if (json_get_str(info, "artifact_uri", &uri) != 0) uri = "";
    (void)json_get_str(info, "lifecycle_stage", &stage);
    out->id = xstrdup(id);
    out->experiment_id = xstrdup(exp);
    out->artifact_uri = xstrdup(uri);
    out->deleted = stage && strcmp(stage, "deleted") == 0;
    out->status = rest_run_status(info);
    if (json_get_ll(info, "start_time", 0, LLONG_MAX, &out->start_time) != 0) out->start_time = -1;
    if (json_get_ll(info, "end_time", 0, LLONG_MAX, &out->end_time) != 0) out->end_time = -1;
    if (!out->id || !out->experiment_id || !out->artifact_uri) {
        rest_run_free(out);
        return rest_bad_answer(e, write, "out of memory");
    }
    return 0;
}

int rest_parse_run(const cJSON *a, int write, rest_run *out, rest_err *e)
{
    return rest_parse_run_info(json_get_obj(json_get_obj(a, "run"), "info"), out, write, e);
}

int rest_run_create(const rest_ctx *c, const rest_run_create_req *q, rest_run *out, rest_err *e)
{
    sbuf b = {0};
    cJSON *j;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&b, "{\"experiment_id\":");
    json_str(&b, q->experiment_id);
    rest_add_str(&b, "user_id", q->user_id ? q->user_id : "");
    /* must agree with an mlflow.runName tag, else 400 */
    rest_add_str(&b, "run_name", q->run_name && q->run_name[0] ? q->run_name : NULL);
    if (q->start_time >= 0) sb_printf(&b, ",\"start_time\":%lld", q->start_time);
    sb_puts(&b, ",\"tags\":");
    json_kv_array(&b, q->tags);
    sb_puts(&b, "}");
    if ((rc = rest_send(c, "POST", "/api/2.0/mlflow/runs/create", &b, REST_RETRY_UNSENT, &j, e)) != 0) return rc;
    rc = rest_parse_run(j, 1, out, e);
    cJSON_Delete(j);
    return rc;
}

int rest_parse_run_search(const cJSON *a, const char *key, const char *value, rest_run **v, size_t *n,
                          char **token, rest_err *e)
{
    const cJSON *runs = cJSON_GetObjectItemCaseSensitive(a, "runs"), *r;
    *token = NULL;
    if (runs && !cJSON_IsArray(runs)) return rest_bad_answer(e, 0, "runs/search answered runs that are not a list");
    cJSON_ArrayForEach(r, runs)
    {
        rest_run *nv;
        /* LIKE matches more; never trust a filter blindly */
        if (!rest_tags_have(json_get_arr(json_get_obj(r, "data"), "tags"), key, value)) continue;
        if (!(nv = realloc(*v, (*n + 1) * sizeof **v))) return rest_bad_answer(e, 0, "out of memory");
        *v = nv;
        if (rest_parse_run_info(json_get_obj(r, "info"), &(*v)[*n], 0, e) != 0) return e->code;
        (*n)++;
    }
    return rest_parse_token(a, token, e);
}

typedef struct run_search {
    const rest_ctx *c;
    const char *exp_id, *key, *value, *view;
    rest_run *v;
    size_t n;
} run_search;

static int rest_run_search_page(void *ud, const char *token, char **next, rest_err *e)
{
    run_search *q = ud;
    sbuf b = {0};
    cJSON *j = NULL;
    int rc;
    if (rest_marker_search_body(&b, q->exp_id, q->key, q->value, q->view, SEARCH_PAGE, token) != 0) b.oom = 1;
    rc = rest_send(q->c, "POST", "/api/2.0/mlflow/runs/search", &b, REST_RETRY, &j, e);
    if (rc == 0) rc = rest_parse_run_search(j, q->key, q->value, &q->v, &q->n, next, e);
    cJSON_Delete(j);
    return rc;
}

int rest_run_search_by_tag(const rest_ctx *c, const char *exp_id, const char *key, const char *value,
                           const char *view, rest_run **out, size_t *n, rest_err *e)
{
    run_search q = {c, exp_id, key, value, view, NULL, 0};
    int rc = rest_pages("runs/search", SEARCH_MAX_PAGES, rest_run_search_page, &q, e);
    if (rc != 0) {
        rest_runs_free(q.v, q.n);
        q.v = NULL;
        q.n = 0;
    }
    *out = q.v;
    *n = q.n;
    return rc;
}

int rest_run_get(const rest_ctx *c, const char *run_id, rest_run *out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&p, "/api/2.0/mlflow/runs/get?run_id=");
    url_encode(&p, run_id, 0);
    rc = rest_get(c, &p, &j, e);
    if (rc != 0) return rc;
    rc = rest_parse_run(j, 0, out, e);
    if (rc == 0 && strcmp(out->id, run_id) != 0) {
        rc = rest_bad_answer(e, 0, "runs/get for %s answered run %s", run_id, out->id);
        rest_run_free(out);
    }
    cJSON_Delete(j);
    return rc;
}

/* runs/update answers {"run_info": {...}}; a run_info of another run is a proxy mixing answers up */
int rest_parse_run_update(const cJSON *a, const char *run_id, rest_err *e)
{
    const cJSON *info = json_get_obj(a, "run_info");
    const char *id;
    if (!info) return 0; /* not every server sends it back */
    if (json_get_id(info, "run_id", &id) == 0 && strcmp(id, run_id) != 0)
        return rest_bad_answer(e, 1, "runs/update of %s answered for run %s", run_id, id);
    return 0;
}

int rest_run_update(const rest_ctx *c, const char *run_id, const char *status, long long end_time,
                    const char *run_name, rest_err *e)
{
    sbuf b = {0};
    cJSON *j;
    int rc;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    rest_add_str(&b, "run_uuid", run_id); /* servers before 1.x read only run_uuid */
    rest_add_str(&b, "status", status);
    if (end_time >= 0) sb_printf(&b, ",\"end_time\":%lld", end_time);
    rest_add_str(&b, "run_name", run_name && run_name[0] ? run_name : NULL);
    sb_puts(&b, "}");
    if ((rc = rest_send(c, "POST", "/api/2.0/mlflow/runs/update", &b, REST_RETRY, &j, e)) != 0) return rc;
    rc = rest_parse_run_update(j, run_id, e);
    cJSON_Delete(j);
    return rc;
}

int rest_run_delete(const rest_ctx *c, const char *run_id, rest_err *e)
{
    const char *kv[] = {"run_id", run_id, NULL};
    return rest_post_pairs(c, "/api/2.0/mlflow/runs/delete", kv, e);
}

int rest_run_restore(const rest_ctx *c, const char *run_id, rest_err *e)
{
    const char *kv[] = {"run_id", run_id, NULL};
    return rest_post_pairs(c, "/api/2.0/mlflow/runs/restore", kv, e);
}

/* A tag that is gone already counts as deleted: MLflow answers
   404 RESOURCE_DOES_NOT_EXIST "No tag with name: k in run with id ..." (a
   missing run says "Run ... not found" and stays an error). */
int rest_run_delete_tag(const rest_ctx *c, const char *run_id, const char *key, rest_err *e)
{
    const char *kv[] = {"run_id", run_id, "key", key, NULL};
    int rc = rest_post_pairs(c, "/api/2.0/mlflow/runs/delete-tag", kv, e);
    if (rc != 0 && rest_is_absent(e) && strncmp(e->msg, "No tag with name", 16) == 0) {
        rest_err_clear(e);
        return 0;
    }
    return rc;
}
