/* tools/rest_registry.c — registered models and model versions: bodies,
 * calls, and the checks of every answer. See rest_registry.h. */
#include "rest_registry.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { VERSION_PAGE = 1000, VERSION_MAX_PAGES = 1000 };

void rest_version_free(rest_version *v)
{
    if (!v) return;
    free(v->source);
    free(v->run_id);
    free(v->description);
    free(v->stage);
    free(v->model_id);
    free(v->status);
    kv_free(&v->tags);
    memset(v, 0, sizeof *v);
}

void rest_versions_free(rest_version *v, size_t n)
{
    size_t i;
    for (i = 0; v && i < n; i++) rest_version_free(&v[i]);
    free(v);
}

void rest_model_free(rest_model *m)
{
    if (!m) return;
    free(m->name);
    free(m->description);
    kv_free(&m->tags);
    kv_free(&m->aliases);
    memset(m, 0, sizeof *m);
}

/* "version" is a string in the proto ("1"); some servers send a number:
   either way a positive decimal that fits an int, or the answer is refused */
static int rest_version_number(const cJSON *o, const char *k, int *out)
{
    const char *s;
    if (json_get_str(o, k, &s) == 0 && (!*s || *s < '1' || *s > '9' || strlen(s) > 10)) return -1; /* canonical */
    return json_get_int(o, k, 1, INT_MAX, out);
}

/* [{"key","value"}] into l; entries that are not two strings are refused */
static int rest_parse_kv(const cJSON *arr, const char *kname, const char *vname, kvlist *l)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, arr)
    {
        const char *k, *v;
        if (json_get_str(t, kname, &k) != 0 || json_get_str(t, vname, &v) != 0) return -1;
        if (kv_add(l, k, v) != 0) return -1;
    }
    return 0;
}

static char *rest_dup_opt(const cJSON *o, const char *k)
{
    const char *s;
    return json_get_str(o, k, &s) == 0 ? xstrdup(s) : NULL;
}

static int rest_parse_version_obj(const cJSON *mv, const char *name, rest_version *out, int write, rest_err *e)
{
    const char *n;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(mv)) return rest_bad_answer(e, write, "the answer holds no model_version object");
    if (rest_version_number(mv, "version", &out->version) != 0)
        return rest_bad_answer(e, write, "a model version in the answer has no valid version number");
    if (name && (json_get_str(mv, "name", &n) != 0 || strcmp(n, name) != 0))
        return rest_bad_answer(e, write, "version %d in the answer belongs to another model", out->version);
    out->source = rest_dup_opt(mv, "source");
    out->run_id = rest_dup_opt(mv, "run_id");
    out->description = rest_dup_opt(mv, "description");
    out->stage = rest_dup_opt(mv, "current_stage");
    out->model_id = rest_dup_opt(mv, "model_id");
    out->status = rest_dup_opt(mv, "status");
    if (rest_parse_kv(json_get_arr(mv, "tags"), "key", "value", &out->tags) != 0) {
        rest_version_free(out);
        return rest_bad_answer(e, write, "a model version in the answer has malformed tags");
    }
    return 0;
}

int rest_parse_version(const cJSON *a, const char *name, int write, rest_version *out, rest_err *e)
{
    return rest_parse_version_obj(json_get_obj(a, "model_version"), name, out, write, e);
}

int rest_parse_model(const cJSON *a, const char *name, rest_model *out, rest_err *e)
{
    const cJSON *rm = json_get_obj(a, "registered_model"), *al, *t;
    const char *n;
    memset(out, 0, sizeof *out);
    if (!rm || json_get_str(rm, "name", &n) != 0 || strcmp(n, name) != 0)
        return rest_bad_answer(e, 0, "registered-models/get answered without the model '%s'", name);
    out->name = xstrdup(n);
    out->description = rest_dup_opt(rm, "description");
    al = json_get_arr(rm, "aliases");
    if (!out->name || rest_parse_kv(json_get_arr(rm, "tags"), "key", "value", &out->tags) != 0) goto bad;
    cJSON_ArrayForEach(t, al)
    {
        const char *alias;
        int v;
        char num[16];
        if (json_get_str(t, "alias", &alias) != 0 || rest_version_number(t, "version", &v) != 0) goto bad;
        snprintf(num, sizeof num, "%d", v);
        if (kv_add(&out->aliases, alias, num) != 0) goto bad;
    }
    return 0;
bad:
    rest_model_free(out);
    return rest_bad_answer(e, 0, "registered-models/get answered malformed tags or aliases for '%s'", name);
}

int rest_model_get(const rest_ctx *c, const char *name, rest_model *out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&p, "/api/2.0/mlflow/registered-models/get?name=");
    url_encode(&p, name, 0);
    rc = rest_get(c, &p, &j, e);
    if (rc != 0) return rest_is_absent(e) ? 0 : -rc;
    rc = rest_parse_model(j, name, out, e);
    cJSON_Delete(j);
    return rc ? -rc : 1;
}

/* {"name": name[, "version": "N"], "k1": v1, ...}: string values (NULL ones
   left out), then `raw` (",\"flag\":false") as is */
static int rest_reg_call(const rest_ctx *c, const char *method, const char *path, const char *name, int version,
                         const char *const *kv, const char *raw, cJSON **out, rest_err *e)
{
    sbuf b = {0};
    int i;
    sb_puts(&b, "{\"name\":");
    json_str(&b, name);
    if (version > 0) sb_printf(&b, ",\"version\":\"%d\"", version);
    for (i = 0; kv && kv[i]; i += 2) rest_add_str(&b, kv[i], kv[i + 1]);
    if (raw) sb_puts(&b, raw);
    sb_puts(&b, "}");
    return rest_send(c, method, path, &b, REST_RETRY, out, e);
}

int rest_model_create(const rest_ctx *c, const char *name, const char *description, const kvlist *tags,
                      rest_err *e)
{
    sbuf b = {0};
    cJSON *j = NULL;
    const char *n;
    int rc;
    sb_puts(&b, "{\"name\":");
    json_str(&b, name);
    rest_add_str(&b, "description", description);
    sb_puts(&b, ",\"tags\":");
    json_kv_array(&b, tags);
    sb_puts(&b, "}");
    rc = rest_send(c, "POST", "/api/2.0/mlflow/registered-models/create", &b, REST_RETRY_UNSENT, &j, e);
    if (rc == 0 && (json_get_str(json_get_obj(j, "registered_model"), "name", &n) != 0 || strcmp(n, name) != 0))
        rc = rest_bad_answer(e, 1, "registered-models/create answered without the model '%s'", name);
    cJSON_Delete(j);
    return rc;
}

int rest_model_update(const rest_ctx *c, const char *name, const char *description, rest_err *e)
{
    const char *kv[] = {"description", description ? description : "", NULL};
    return rest_reg_call(c, "PATCH", "/api/2.0/mlflow/registered-models/update", name, 0, kv, NULL, NULL, e);
}

int rest_model_set_tag(const rest_ctx *c, const char *name, const char *key, const char *value, rest_err *e)
{
    const char *kv[] = {"key", key, "value", value, NULL};
    return rest_reg_call(c, "POST", "/api/2.0/mlflow/registered-models/set-tag", name, 0, kv, NULL, NULL, e);
}

int rest_model_delete_tag(const rest_ctx *c, const char *name, const char *key, rest_err *e)
{
    const char *kv[] = {"key", key, NULL};
    return rest_reg_call(c, "DELETE", "/api/2.0/mlflow/registered-models/delete-tag", name, 0, kv, NULL, NULL,
                         e);
}

/* Setting an alias that exists moves it: idempotent. */
int rest_model_set_alias(const rest_ctx *c, const char *name, const char *alias, int version, rest_err *e)
{
    char num[16];
    const char *kv[] = {"alias", alias, "version", num, NULL};
    snprintf(num, sizeof num, "%d", version);
    return rest_reg_call(c, "POST", "/api/2.0/mlflow/registered-models/alias", name, 0, kv, NULL, NULL, e);
}

/* DELETE with a JSON body: the 3.18 server reads the body, not the query. */
int rest_model_delete_alias(const rest_ctx *c, const char *name, const char *alias, rest_err *e)
{
    const char *kv[] = {"alias", alias, NULL};
    return rest_reg_call(c, "DELETE", "/api/2.0/mlflow/registered-models/alias", name, 0, kv, NULL, NULL, e);
}

/* ---- versions ----------------------------------------------------------------------- */

int rest_parse_version_search(const cJSON *a, const char *name, rest_version **v, size_t *n, char **token,
                              rest_err *e)
{
    const cJSON *mvs = cJSON_GetObjectItemCaseSensitive(a, "model_versions"), *mv;
    *token = NULL;
    if (mvs && !cJSON_IsArray(mvs)) return rest_bad_answer(e, 0, "model-versions/search answered a non-list");
    cJSON_ArrayForEach(mv, mvs)
    {
        const char *mn;
        rest_version *nv;
        if (json_get_str(mv, "name", &mn) != 0 || strcmp(mn, name) != 0) continue; /* LIKE matches more */
        if (!(nv = realloc(*v, (*n + 1) * sizeof *nv))) return rest_bad_answer(e, 0, "out of memory");
        *v = nv;
        if (rest_parse_version_obj(mv, name, &(*v)[*n], 0, e) != 0) return e->code;
        (*n)++;
    }
    return rest_parse_token(a, token, e);
}

typedef struct version_search {
    const rest_ctx *c;
    const char *name;
    rest_version *v;
    size_t n;
} version_search;

static int rest_version_page(void *ud, const char *token, char **next, rest_err *e)
{
    version_search *q = ud;
    sbuf f = {0}, p = {0};
    cJSON *j = NULL;
    int rc;
    if (rest_eq_filter(&f, "name", q->name) < 0) return rest_oom(e);
    sb_puts(&p, "/api/2.0/mlflow/model-versions/search?filter=");
    url_encode(&p, f.s, 0);
    sb_free(&f);
    sb_printf(&p, "&max_results=%d", VERSION_PAGE);
    if (token) {
        sb_puts(&p, "&page_token=");
        url_encode(&p, token, 0);
    }
    if ((rc = rest_get(q->c, &p, &j, e)) == 0) rc = rest_parse_version_search(j, q->name, &q->v, &q->n, next, e);
    cJSON_Delete(j);
    return rc;
}

int rest_version_search(const rest_ctx *c, const char *name, rest_version **out, size_t *n, rest_err *e)
{
    version_search q = {c, name, NULL, 0};
    int rc = rest_pages("model-versions/search", VERSION_MAX_PAGES, rest_version_page, &q, e);
    if (rc != 0) {
        rest_versions_free(q.v, q.n);
        q.v = NULL;
        q.n = 0;
    }
    *out = q.v;
    *n = q.n;
    return rc;
}

int rest_version_create(const rest_ctx *c, const rest_version_create_req *q, rest_version *out, rest_err *e)
{
    sbuf b = {0};
    cJSON *j = NULL;
    int rc;
    memset(out, 0, sizeof *out);
    sb_puts(&b, "{\"name\":");
    json_str(&b, q->name);
    rest_add_str(&b, "source", q->source);
    rest_add_str(&b, "run_id", q->run_id);
    rest_add_str(&b, "model_id", q->model_id);
    rest_add_str(&b, "description", q->description);
    sb_puts(&b, ",\"tags\":");
    json_kv_array(&b, q->tags);
    sb_puts(&b, "}");
    rc = rest_send(c, "POST", "/api/2.0/mlflow/model-versions/create", &b, REST_RETRY_UNSENT, &j, e);
    if (rc == 0) rc = rest_parse_version(j, q->name, 1, out, e);
    cJSON_Delete(j);
    return rc;
}

int rest_version_update(const rest_ctx *c, const char *name, int version, const char *description, rest_err *e)
{
    const char *kv[] = {"description", description ? description : "", NULL};
    return rest_reg_call(c, "PATCH", "/api/2.0/mlflow/model-versions/update", name, version, kv, NULL, NULL, e);
}

int rest_version_set_tag(const rest_ctx *c, const char *name, int version, const char *key, const char *value,
                         rest_err *e)
{
    const char *kv[] = {"key", key, "value", value, NULL};
    return rest_reg_call(c, "POST", "/api/2.0/mlflow/model-versions/set-tag", name, version, kv, NULL, NULL, e);
}

int rest_version_delete_tag(const rest_ctx *c, const char *name, int version, const char *key, rest_err *e)
{
    const char *kv[] = {"key", key, NULL};
    return rest_reg_call(c, "DELETE", "/api/2.0/mlflow/model-versions/delete-tag", name, version, kv, NULL, NULL, e);
}

/* archive_existing_versions false: the folder says each version's stage. */
int rest_version_transition(const rest_ctx *c, const char *name, int version, const char *stage, rest_err *e)
{
    const char *kv[] = {"stage", stage, NULL};
    cJSON *j = NULL;
    rest_version v;
    int rc = rest_reg_call(c, "POST", "/api/2.0/mlflow/model-versions/transition-stage", name, version, kv,
                           ",\"archive_existing_versions\":false", &j, e);
    if (rc == 0 && (rc = rest_parse_version(j, name, 1, &v, e)) == 0) {
        if (v.version != version) rc = rest_bad_answer(e, 1, "transition-stage of version %d answered version %d",
                                                       version, v.version);
        rest_version_free(&v);
    }
    cJSON_Delete(j);
    return rc;
}

int rest_version_delete(const rest_ctx *c, const char *name, int version, rest_err *e)
{
    return rest_reg_call(c, "DELETE", "/api/2.0/mlflow/model-versions/delete", name, version, NULL, NULL, NULL, e);
}
