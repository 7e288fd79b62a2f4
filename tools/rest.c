/* tools/rest.c — see rest.h */
#include "rest.h"
#include "msgs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_str(sbuf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;
    sb_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
        sb_add(b, run, (size_t)(s - run));
        run = s + 1;
        switch (ch) {
        case '"': sb_add(b, "\\\"", 2); break;
        case '\\': sb_add(b, "\\\\", 2); break;
        case '\n': sb_add(b, "\\n", 2); break;
        case '\r': sb_add(b, "\\r", 2); break;
        case '\t': sb_add(b, "\\t", 2); break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
            sb_add(b, u, 6);
        }
        }
    }
    sb_add(b, run, (size_t)(s - run));
    sb_add(b, "\"", 1);
}

void json_double(sbuf *b, double v)
{
    char tmp[40];
    int prec;
    if (isnan(v)) {
        sb_puts(b, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        sb_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    if (v == 0.0) { /* "-0" would be read back as the integer 0: keep the sign */
        sb_puts(b, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    sb_puts(b, tmp);
}

static void rest_fill_err(rest_err *e, const http_resp *r, int transport)
{
    cJSON *j;
    memset(e, 0, sizeof *e);
    if (transport) {
        e->curl_code = (int)r->curl_code;
        snprintf(e->msg, sizeof e->msg, "%s", r->errbuf);
        return;
    }
    e->status = r->status;
    j = r->body ? cJSON_Parse(r->body) : NULL;
    if (j) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "error_code");
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "message");
        if (cJSON_IsString(c)) snprintf(e->code, sizeof e->code, "%s", c->valuestring);
        if (cJSON_IsString(m)) snprintf(e->msg, sizeof e->msg, "%s", m->valuestring);
        cJSON_Delete(j);
    }
    if (!e->msg[0] && r->body && r->body_len) {
        size_t k = 0, i;
        for (i = 0; i < r->body_len && k < 200; i++) /* a non-JSON body: first line only */
            if (r->body[i] == '\n') break;
            else e->msg[k++] = r->body[i];
        e->msg[k] = '\0';
    }
}

const char *rest_errstr(const rest_err *e, char *buf, size_t n)
{
    if (!e->status)
        snprintf(buf, n, "%s (curl %d)", e->msg[0] ? e->msg : "transport failure", e->curl_code);
    else
        snprintf(buf, n, "HTTP %ld%s%s%s%s", e->status, e->code[0] ? " " : "", e->code, e->msg[0] ? ": " : "",
                 e->msg);
    return buf;
}

int rest_err_exit(const rest_err *e)
{
    if (!e->status) return 4;
    if (e->status == 401 || e->status == 403) return 5;
    return 7;
}

int rest_call(http_client *h, const rest_ctx *c, const char *method, const char *path, const char *body,
              cJSON **out, rest_err *e)
{
    sbuf url = {0};
    struct curl_slist *hdrs = NULL;
    http_req rq;
    http_resp rs;
    int rc;

    if (out) *out = NULL;
    sb_puts(&url, c->base);
    sb_puts(&url, path);
    if (url.oom) {
        memset(e, 0, sizeof *e);
        snprintf(e->msg, sizeof e->msg, "out of memory");
        return -1;
    }
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "X-MLflow-Client-Version: mlflow-lite/0.1");
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.url = url.s;
    rq.headers = hdrs;
    rq.body = body;
    rq.body_len = body ? strlen(body) : 0;
    rq.bearer = c->bearer;
    rq.userpwd = c->userpwd;
    rq.no_retry = c->no_retry;
    rc = http_do(h, &rq, &rs);
    curl_slist_free_all(hdrs);
    sb_free(&url);
    if (rc != 0) {
        rest_fill_err(e, &rs, 1);
        http_resp_free(&rs);
        return -1;
    }
    if (rs.status < 200 || rs.status >= 300) {
        rest_fill_err(e, &rs, 0);
        http_resp_free(&rs);
        return -1;
    }
    if (out) {
        *out = cJSON_Parse(rs.body && rs.body_len ? rs.body : "{}");
        if (!*out) {
            memset(e, 0, sizeof *e);
            e->status = rs.status;
            snprintf(e->msg, sizeof e->msg, "the server's answer is not JSON");
            http_resp_free(&rs);
            return -1;
        }
    }
    http_resp_free(&rs);
    return 0;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int rest_get_experiment_by_name(http_client *h, const rest_ctx *c, const char *name, char **id, int *deleted,
                                rest_err *e)
{
    sbuf p = {0};
    cJSON *j = NULL;
    const cJSON *x;
    int rc;
    sb_puts(&p, "/api/2.0/mlflow/experiments/get-by-name?experiment_name=");
    url_encode(&p, name, 0);
    rc = rest_call(h, c, "GET", p.s, NULL, &j, e);
    sb_free(&p);
    if (rc != 0) {
        if (e->status == 404 || strcmp(e->code, "RESOURCE_DOES_NOT_EXIST") == 0) return 0;
        return -1;
    }
    x = cJSON_GetObjectItemCaseSensitive(j, "experiment");
    *id = xstrdup(jstr(x, "experiment_id"));
    *deleted = jstr(x, "lifecycle_stage") && strcmp(jstr(x, "lifecycle_stage"), "deleted") == 0;
    cJSON_Delete(j);
    return *id ? 1 : -1;
}

int rest_create_experiment(http_client *h, const rest_ctx *c, const char *name, const kvlist *tags, char **id,
                           rest_err *e)
{
    sbuf b = {0};
    cJSON *j = NULL;
    size_t i;
    int rc;
    sb_puts(&b, "{\"name\":");
    json_str(&b, name);
    sb_puts(&b, ",\"tags\":[");
    for (i = 0; tags && i < tags->n; i++) {
        sb_puts(&b, i ? ",{\"key\":" : "{\"key\":");
        json_str(&b, tags->v[i].key);
        sb_puts(&b, ",\"value\":");
        json_str(&b, tags->v[i].value);
        sb_puts(&b, "}");
    }
    sb_puts(&b, "]}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/experiments/create", b.s, &j, e);
    sb_free(&b);
    if (rc != 0) return -1;
    *id = xstrdup(jstr(j, "experiment_id"));
    cJSON_Delete(j);
    return *id ? 0 : -1;
}

int rest_restore_experiment(http_client *h, const rest_ctx *c, const char *id, rest_err *e)
{
    sbuf b = {0};
    int rc;
    sb_puts(&b, "{\"experiment_id\":");
    json_str(&b, id);
    sb_puts(&b, "}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/experiments/restore", b.s, NULL, e);
    sb_free(&b);
    return rc;
}

int rest_set_experiment_tag(http_client *h, const rest_ctx *c, const char *id, const char *k, const char *v,
                            rest_err *e)
{
    sbuf b = {0};
    int rc;
    sb_puts(&b, "{\"experiment_id\":");
    json_str(&b, id);
    sb_puts(&b, ",\"key\":");
    json_str(&b, k);
    sb_puts(&b, ",\"value\":");
    json_str(&b, v);
    sb_puts(&b, "}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/experiments/set-experiment-tag", b.s, NULL, e);
    sb_free(&b);
    return rc;
}

/* runs/search for the runs of one experiment whose tag equals value (a local run id:
   callers refuse values with quotes first). view is "ALL" or "ACTIVE_ONLY". */
static int search_runs_by_tag(http_client *h, const rest_ctx *c, const char *exp_id, const char *tag,
                              const char *value, const char *view, int max_results, cJSON **out, rest_err *e)
{
    sbuf b = {0}, f = {0};
    int rc;
    sb_printf(&f, "tags.`%s` = '%s'", tag, value);
    sb_puts(&b, "{\"experiment_ids\":[");
    json_str(&b, exp_id);
    sb_puts(&b, "],\"filter\":");
    json_str(&b, f.s);
    sb_printf(&b, ",\"run_view_type\":\"%s\",\"max_results\":%d}", view, max_results);
    sb_free(&f);
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/runs/search", b.s, out, e);
    sb_free(&b);
    return rc;
}

int rest_find_run(http_client *h, const rest_ctx *c, const char *exp_id, const char *tag, const char *value,
                  char **run_id, char **artifact_uri, int *deleted, rest_err *e)
{
    cJSON *j = NULL;
    const cJSON *runs, *r0, *info;
    int n;
    /* the value is a local run id ([A-Za-z0-9_-]); refuse anything that could break the quoting */
    if (strpbrk(value, "'\\`")) {
        memset(e, 0, sizeof *e);
        snprintf(e->msg, sizeof e->msg, "run id '%s' cannot be searched for", value);
        return -1;
    }
    if (search_runs_by_tag(h, c, exp_id, tag, value, "ALL", 10, &j, e) != 0) return -1;
    runs = cJSON_GetObjectItemCaseSensitive(j, "runs");
    n = cJSON_GetArraySize(runs);
    if (n <= 0) {
        cJSON_Delete(j);
        return 0;
    }
    /* prefer an active run; an interrupted sync may have left a (deleted) duplicate */
    r0 = NULL;
    {
        const cJSON *it;
        cJSON_ArrayForEach(it, runs)
        {
            const char *ls = jstr(cJSON_GetObjectItemCaseSensitive(it, "info"), "lifecycle_stage");
            if (!ls || strcmp(ls, "deleted") != 0) {
                r0 = it;
                break;
            }
        }
    }
    if (!r0) r0 = cJSON_GetArrayItem(runs, 0);
    info = cJSON_GetObjectItemCaseSensitive(r0, "info");
    *run_id = xstrdup(jstr(info, "run_id"));
    *artifact_uri = xstrdup(jstr(info, "artifact_uri") ? jstr(info, "artifact_uri") : "");
    *deleted = jstr(info, "lifecycle_stage") && strcmp(jstr(info, "lifecycle_stage"), "deleted") == 0;
    cJSON_Delete(j);
    return *run_id ? 1 : -1;
}

int rest_create_run(http_client *h, const rest_ctx *c, const char *exp_id, const char *user, const char *name,
                    long long start_time, const char *tag, const char *tagval, char **run_id, char **artifact_uri,
                    rest_err *e)
{
    sbuf b = {0};
    cJSON *j = NULL;
    const cJSON *info;
    int rc;
    sb_puts(&b, "{\"experiment_id\":");
    json_str(&b, exp_id);
    sb_puts(&b, ",\"user_id\":");
    json_str(&b, user);
    if (name && name[0]) {
        sb_puts(&b, ",\"run_name\":");
        json_str(&b, name);
    }
    sb_printf(&b, ",\"start_time\":%lld,\"tags\":[{\"key\":", start_time);
    json_str(&b, tag);
    sb_puts(&b, ",\"value\":");
    json_str(&b, tagval);
    sb_puts(&b, "}]}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/runs/create", b.s, &j, e);
    sb_free(&b);
    if (rc != 0) return -1;
    info = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "run"), "info");
    *run_id = xstrdup(jstr(info, "run_id"));
    *artifact_uri = xstrdup(jstr(info, "artifact_uri") ? jstr(info, "artifact_uri") : "");
    cJSON_Delete(j);
    return *run_id ? 0 : -1;
}

int rest_update_run(http_client *h, const rest_ctx *c, const char *run_id, const char *status, long long end_time,
                    const char *name, rest_err *e)
{
    sbuf b = {0};
    int rc;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    sb_puts(&b, ",\"run_uuid\":");
    json_str(&b, run_id);
    sb_puts(&b, ",\"status\":");
    json_str(&b, status);
    if (end_time >= 0) sb_printf(&b, ",\"end_time\":%lld", end_time);
    if (name && name[0]) {
        sb_puts(&b, ",\"run_name\":");
        json_str(&b, name);
    }
    sb_puts(&b, "}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/runs/update", b.s, NULL, e);
    sb_free(&b);
    return rc;
}

int rest_restore_run(http_client *h, const rest_ctx *c, const char *run_id, rest_err *e)
{
    sbuf b = {0};
    int rc;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, run_id);
    sb_puts(&b, "}");
    rc = rest_call(h, c, "POST", "/api/2.0/mlflow/runs/restore", b.s, NULL, e);
    sb_free(&b);
    return rc;
}

int rest_delete_duplicates(http_client *h, const rest_ctx *c, const char *exp_id, const char *tag, const char *value,
                           const char *keep, int *ndeleted, rest_err *e)
{
    cJSON *j = NULL;
    const cJSON *it;
    int rc;
    *ndeleted = 0;
    if (strpbrk(value, "'\\`")) return 0;
    if (search_runs_by_tag(h, c, exp_id, tag, value, "ACTIVE_ONLY", 100, &j, e) != 0) return -1;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "runs"))
    {
        const char *id = jstr(cJSON_GetObjectItemCaseSensitive(it, "info"), "run_id");
        sbuf d = {0};
        if (!id || strcmp(id, keep) == 0) continue;
        sb_puts(&d, "{\"run_id\":");
        json_str(&d, id);
        sb_puts(&d, "}");
        rc = rest_call(h, c, "POST", "/api/2.0/mlflow/runs/delete", d.s, NULL, e);
        sb_free(&d);
        if (rc != 0) {
            cJSON_Delete(j);
            return -1;
        }
        (*ndeleted)++;
    }
    cJSON_Delete(j);
    return 0;
}
