/* tests/fuzz/fuzz_json_resp.c — every check of a server's JSON answer: the
 * input bytes are an answer body (after a 2-byte prefix choosing the HTTP
 * status and the content type) run through rest_check_answer() and then
 * through every endpoint's parser, the artifact PUT check, the proxy's
 * multipart answer (for 1..N parts) and Databricks credentials. Nothing may
 * crash, leak or read out of bounds, whatever the bytes. */
#include "artifacts.h"
#include "rest.h"
#include "rest_registry.h"
#include "rest_tracking.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void parse_runs(const cJSON *j)
{
    rest_err e;
    rest_run r, *v = NULL;
    rest_exp x;
    size_t n = 0;
    char *id = NULL, *tok = NULL;
    if (rest_parse_run(j, 1, &r, &e) == 0) rest_run_free(&r);
    if (rest_parse_exp_get(j, &x, &e) == 0) rest_exp_free(&x);
    if (rest_parse_exp_create(j, &id, &e) == 0) free(id);
    rest_parse_run_search(j, "mlflow_lite.source_run_id", "it's", &v, &n, &tok, &e);
    rest_runs_free(v, n);
    free(tok);
    rest_parse_run_update(j, "abc", &e);
}

static void parse_data(const cJSON *j)
{
    rest_err e;
    rest_point *p = NULL;
    rest_logged_model m;
    size_t n = 0, cap = 0;
    char *tok = NULL;
    rest_parse_history(j, &p, &n, &cap, &tok, &e);
    free(p);
    free(tok);
    tok = NULL;
    if (rest_parse_lm(j, 1, &m, &e) == 0) rest_logged_model_free(&m);
    if (rest_parse_lm_search(j, "k", "m-1", &m, &tok, &e) == 1) rest_logged_model_free(&m);
    free(tok);
}

static void parse_registry(const cJSON *j)
{
    rest_err e;
    rest_model m;
    rest_version v, *vs = NULL;
    size_t n = 0;
    char *tok = NULL;
    if (rest_parse_model(j, "m", &m, &e) == 0) rest_model_free(&m);
    if (rest_parse_version(j, "m", 1, &v, &e) == 0) rest_version_free(&v);
    rest_parse_version_search(j, "m", &vs, &n, &tok, &e);
    rest_versions_free(vs, n);
    free(tok);
}

static void parse_artifacts(const cJSON *j, int nparts)
{
    rest_err e;
    art_mpu m;
    char *url = NULL;
    struct curl_slist *h = NULL;
    if (art_parse_mpu_create(j, nparts, &m, &e) == 0) art_mpu_free(&m);
    if (art_parse_dbfs_credential(j, &url, &h, &e) == 0) {
        free(url);
        curl_slist_free_all(h);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long statuses[] = {200, 201, 204, 400, 401, 403, 404, 429, 500, 503};
    static const char *const types[] = {"application/json", "text/html", "", "application/json; charset=utf-8"};
    http_resp r;
    rest_err e;
    cJSON *j = NULL;
    if (size < 2) return 0;
    memset(&r, 0, sizeof r);
    r.status = statuses[data[0] % 10];
    snprintf(r.content_type, sizeof r.content_type, "%s", types[data[1] % 4]);
    r.retry_after_ms = -1;
    r.body_len = size - 2;
    r.body = malloc(r.body_len + 1); /* as http.c hands it over: NUL-terminated */
    if (!r.body) return 0;
    memcpy(r.body, data + 2, r.body_len);
    r.body[r.body_len] = '\0';
    art_check_put_answer(&r, &e);
    if (rest_check_answer(0, &r, data[1] & 1, &j, &e) == 0) {
        parse_runs(j);
        parse_data(j);
        parse_registry(j);
        parse_artifacts(j, 1 + data[0] % 16);
        cJSON_Delete(j);
    }
    free(r.body);
    return 0;
}
