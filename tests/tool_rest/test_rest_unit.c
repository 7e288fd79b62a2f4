/* tests/tool_rest/test_rest_unit.c — the REST layer without a server: every
 * answer check fed the answers a proxy, a broken or a hostile server gives
 * (HTML 200, truncated JSON, arrays, missing fields, wrong types, numbers out
 * of range, repeated part numbers), the classification (transient,
 * ambiguous, TLS, malformed URL), the create-once protocol with fake
 * find/create functions, the log-batch builder's limits, filters for any
 * value, URL redaction and Retry-After. Label "unit;tool" (also under
 * ASan+UBSan) and a valgrind variant. */
#define _POSIX_C_SOURCE 200809L
#include "mll_test.h"

#include "artifacts.h"
#include "http.h"
#include "rest.h"
#include "rest_registry.h"
#include "rest_tracking.h"
#include "util.h"

#include <math.h>

/* an http_resp as http_do leaves it after an answer */
static http_resp answer(long status, const char *ctype, const char *body)
{
    http_resp r;
    memset(&r, 0, sizeof r);
    r.status = status;
    r.body = xstrdup(body);
    r.body_len = strlen(body);
    r.retry_after_ms = -1;
    r.request_sent = 1;
    snprintf(r.content_type, sizeof r.content_type, "%s", ctype);
    return r;
}

/* rest_check_answer on (status, type, body); *j kept when j != NULL */
static int check(long status, const char *ctype, const char *body, int write, cJSON **j, rest_err *e)
{
    http_resp r = answer(status, ctype, body);
    int rc = rest_check_answer(0, &r, write, j, e);
    http_resp_free(&r);
    return rc;
}

static cJSON *obj(const char *text)
{
    rest_err e;
    cJSON *j = NULL;
    if (check(200, "application/json", text, 0, &j, &e) != 0) return NULL;
    return j;
}

/* ---- every 2xx that is not a JSON object is a failure -------------------------- */

TEST(html_200_is_a_failure)
{
    rest_err e;
    cJSON *j = (cJSON *)1;
    CHECK_EQ(check(200, "text/html", "<html><body>Sign in</body></html>", 1, &j, &e), EXIT_REJECTED);
    CHECK(j == NULL);
    CHECK_EQ(e.code, EXIT_REJECTED);
    CHECK_EQ(e.status, 200);
    CHECK(e.ambiguous); /* a write: it may have happened behind the proxy */
    CHECK(strstr(e.msg, "text/html") != NULL);
    CHECK_EQ(check(200, "text/html", "<html/>", 0, NULL, &e), EXIT_REJECTED);
    CHECK(!e.ambiguous); /* a read changes nothing */
}

TEST(non_objects_are_failures)
{
    static const char *const bad[] = {"", "   ", "[]", "[{\"run_id\":\"x\"}]", "\"str\"", "42", "null", "true",
                                      "{\"run\": {\"info\": {\"run_id\": \"ab", "{", "{\"a\":}", "\x01\x02"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rest_err e;
        CHECK_EQ(check(200, "application/json", bad[i], 1, NULL, &e), EXIT_REJECTED);
        CHECK(e.ambiguous);
    }
}

TEST(objects_pass)
{
    rest_err e;
    cJSON *j = NULL;
    CHECK_EQ(check(200, "application/json", "{}", 1, &j, &e), 0);
    CHECK(cJSON_IsObject(j));
    cJSON_Delete(j);
    CHECK_EQ(check(201, "", "  {\"a\": 1} ", 1, NULL, &e), 0);
    CHECK_EQ(e.code, 0);
}

TEST(deep_nesting_refused)
{
    sbuf b = {0};
    rest_err e;
    int i;
    for (i = 0; i < 100000; i++) sb_puts(&b, "{\"a\":");
    CHECK(!b.oom);
    CHECK_EQ(check(200, "application/json", b.s, 0, NULL, &e), EXIT_REJECTED);
    sb_free(&b);
}

/* ---- errors: filled, classified, sanitized ------------------------------------- */

TEST(mlflow_error_body)
{
    rest_err e;
    CHECK_EQ(check(400, "application/json",
                   "{\"error_code\": \"INVALID_PARAMETER_VALUE\", \"message\": \"bad\\u001b[31m key\"}", 1, NULL, &e),
             EXIT_REJECTED);
    CHECK_STR(e.error_code, "INVALID_PARAMETER_VALUE");
    CHECK(strchr(e.msg, 0x1b) == NULL); /* an escape sequence from the server never reaches the terminal */
    CHECK(!e.transient && !e.ambiguous);
    CHECK_EQ(check(404, "application/json", "{\"error_code\": \"RESOURCE_DOES_NOT_EXIST\", \"message\": \"x\"}", 0,
                   NULL, &e),
             EXIT_REJECTED);
    CHECK(rest_is_absent(&e) && rest_is_not_found(&e));
    CHECK_EQ(check(404, "text/html", "<html>Not Found</html>", 0, NULL, &e), EXIT_REJECTED);
    CHECK(!rest_is_absent(&e)); /* a proxy's 404 is not "the experiment does not exist" */
    CHECK(rest_is_not_found(&e));
}

TEST(auth_and_server_errors)
{
    rest_err e;
    char buf[700];
    CHECK_EQ(check(401, "text/plain", "Unauthorized\nmore", 0, NULL, &e), EXIT_AUTH);
    CHECK_STR(e.msg, "Unauthorized");
    CHECK_EQ(check(403, "", "", 1, NULL, &e), EXIT_AUTH);
    CHECK_EQ(check(500, "application/json", "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"boom\"}", 1, NULL, &e),
             EXIT_REJECTED);
    CHECK(e.ambiguous && !e.transient);
    CHECK(strstr(rest_errstr(&e, buf, sizeof buf), "HTTP 500 INTERNAL_ERROR: boom") != NULL);
}

TEST(overload_is_transient)
{
    rest_err e;
    /* what MLflow's SQL store answers when its connection pool is exhausted */
    CHECK_EQ(check(400, "application/json",
                   "{\"error_code\": \"BAD_REQUEST\", \"message\": \"(sqlalchemy.exc.TimeoutError) QueuePool limit of "
                   "size 5 overflow 10 reached, connection timed out, timeout 30.00\"}",
                   1, NULL, &e),
             EXIT_REJECTED);
    CHECK(e.transient && e.ambiguous);
    CHECK_EQ(check(503, "text/plain", "busy", 0, NULL, &e), EXIT_REJECTED);
    CHECK(e.transient && !e.ambiguous);
    CHECK_EQ(check(429, "", "", 1, NULL, &e), EXIT_REJECTED);
    CHECK(e.transient && !e.ambiguous); /* rate limited before any work */
    CHECK_EQ(check(500, "application/json", "{\"message\": \"sqlite3.OperationalError: database is locked\"}", 1,
                   NULL, &e),
             EXIT_REJECTED);
    CHECK(e.transient);
    /* MLflow's "already exists" text also says UNIQUE constraint: final, not transient */
    CHECK_EQ(check(400, "application/json",
                   "{\"error_code\": \"RESOURCE_ALREADY_EXISTS\", \"message\": \"Experiment(name=e1) already exists. "
                   "Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.workspace\"}",
                   1, NULL, &e),
             EXIT_REJECTED);
    CHECK(!e.transient && rest_is_exists(&e));
    /* the concurrent log-inputs race of one dataset */
    CHECK_EQ(check(400, "application/json",
                   "{\"error_code\": \"INVALID_PARAMETER_VALUE\", \"message\": \"UNIQUE constraint failed: "
                   "datasets.experiment_id, datasets.name, datasets.digest\"}",
                   1, NULL, &e),
             EXIT_REJECTED);
    CHECK(e.transient);
}

TEST(retry_after_reaches_the_caller)
{
    http_resp r = answer(503, "text/plain", "later");
    rest_err e;
    r.retry_after_ms = 7000;
    CHECK_EQ(rest_check_answer(0, &r, 0, NULL, &e), EXIT_REJECTED);
    CHECK_EQ(e.retry_after_ms, 7000);
    http_resp_free(&r);
}

static int transport(CURLcode cc, int sent, int write, rest_err *e)
{
    http_resp r;
    memset(&r, 0, sizeof r);
    r.curl_code = cc;
    r.request_sent = sent;
    snprintf(r.errbuf, sizeof r.errbuf, "%s", curl_easy_strerror(cc));
    return rest_check_answer(-1, &r, write, NULL, e);
}

TEST(transport_classes)
{
    rest_err e;
    CHECK_EQ(transport(CURLE_COULDNT_CONNECT, 0, 1, &e), EXIT_CONNECT);
    CHECK(!e.ambiguous); /* never sent */
    CHECK(strstr(e.msg, "connect") != NULL || strstr(e.msg, "Connect") != NULL);
    CHECK_EQ(transport(CURLE_RECV_ERROR, 1, 1, &e), EXIT_CONNECT);
    CHECK(e.ambiguous); /* sent, no answer: in doubt */
    CHECK_EQ(transport(CURLE_RECV_ERROR, 1, 0, &e), EXIT_CONNECT);
    CHECK(!e.ambiguous);
    CHECK_EQ(transport(CURLE_SSL_CONNECT_ERROR, 0, 1, &e), EXIT_CONNECT);
    CHECK(strstr(e.msg, "TLS handshake failed") != NULL);
    CHECK_EQ(transport(CURLE_URL_MALFORMAT, 0, 1, &e), EXIT_USAGE);
    CHECK_EQ(transport(CURLE_OUT_OF_MEMORY, 0, 1, &e), EXIT_FAILED);
}

TEST(capped_answer_is_rejected)
{
    http_resp r;
    rest_err e;
    memset(&r, 0, sizeof r);
    r.status = 200;
    r.body_capped = 1;
    r.curl_code = CURLE_WRITE_ERROR;
    snprintf(r.errbuf, sizeof r.errbuf, "the answer is larger than 67108864 bytes (the limit)");
    CHECK_EQ(rest_check_answer(-1, &r, 1, NULL, &e), EXIT_REJECTED);
    CHECK(e.ambiguous);
    CHECK(strstr(e.msg, "larger than") != NULL);
}

/* ---- http.c's pure parts ------------------------------------------------------ */

TEST(redact_url)
{
    char b[512];
    http_redact_url("https://alice:s3cr@t@host.example:8443/api/2.0/x?token=abc#frag", b, sizeof b);
    CHECK_STR(b, "https://host.example:8443/api/2.0/x?…");
    http_redact_url("http://user:pass@h/p", b, sizeof b);
    CHECK_STR(b, "http://h/p");
    http_redact_url("https://bucket.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA", b, sizeof b);
    CHECK(strstr(b, "deadbeef") == NULL && strstr(b, "AKIA") == NULL);
    http_redact_url("no-scheme/path?secret=1", b, sizeof b);
    CHECK(strstr(b, "secret") == NULL);
    http_redact_url("http://h", b, 5);
    CHECK_EQ(strlen(b), 4);
    http_redact_url("http://a@b@c/d", b, sizeof b);
    CHECK_STR(b, "http://c/d");
}

TEST(retry_policy_table)
{
    unsigned seed = 1;
    int n;
    CHECK(http_classify(CURLE_COULDNT_CONNECT, 0));
    CHECK(http_classify(CURLE_OPERATION_TIMEDOUT, 0));
    CHECK(!http_classify(CURLE_SSL_CONNECT_ERROR, 0)); /* https:// against plain HTTP: final at once */
    CHECK(!http_classify(CURLE_PEER_FAILED_VERIFICATION, 0));
    CHECK(!http_classify(CURLE_URL_MALFORMAT, 0));
    CHECK(http_classify(CURLE_OK, 503) && http_classify(CURLE_OK, 429) && http_classify(CURLE_OK, 408));
    CHECK(!http_classify(CURLE_OK, 400) && !http_classify(CURLE_OK, 404) && !http_classify(CURLE_OK, 501));
    CHECK(http_is_tls_error(CURLE_SSL_CONNECT_ERROR) && !http_is_tls_error(CURLE_COULDNT_CONNECT));
    for (n = 1; n < 40; n++) {
        long d = http_backoff_ms(n, &seed);
        CHECK(d >= HTTP_RETRY_SLEEP_FIRST_MS && d <= HTTP_RETRY_SLEEP_MAX_MS * 3 / 2);
    }
    CHECK_EQ(http_parse_retry_after("120"), 120000);
    CHECK_EQ(http_parse_retry_after(" 5\r\n"), 5000);
    CHECK_EQ(http_parse_retry_after("99999999999999999999"), (long)HTTP_RETRY_AFTER_MAX_S * 1000L);
    CHECK_EQ(http_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), 0); /* in the past */
    CHECK_EQ(http_parse_retry_after("soon"), -1);
    CHECK_EQ(http_parse_retry_after("12abc"), -1);
}

/* ---- filters for any value ------------------------------------------------------ */

TEST(filter_quoting)
{
    sbuf f = {0};
    CHECK_EQ(rest_eq_filter(&f, "tags.`k`", "abc-123"), 0);
    CHECK_STR(f.s, "tags.`k` = 'abc-123'");
    f.len = 0;
    CHECK_EQ(rest_eq_filter(&f, "tags.`k`", "it's"), 1);
    CHECK_STR(f.s, "tags.`k` LIKE 'it_s'");
    f.len = 0;
    CHECK_EQ(rest_eq_filter(&f, "name", "a\\'\"b\n"), 1);
    CHECK_STR(f.s, "name LIKE 'a__\"b_'");
    sb_free(&f);
}

/* ---- endpoint parsers fed bad answers --------------------------------------------- */

TEST(run_create_without_run_id)
{
    static const char *const bad[] = {
        "{}", "{\"run\": {}}", "{\"run\": {\"info\": {}}}", "{\"run\": []}",
        "{\"run\": {\"info\": {\"run_id\": 42, \"experiment_id\": \"1\"}}}",
        "{\"run\": {\"info\": {\"run_id\": \"\", \"experiment_id\": \"1\"}}}",
        "{\"run\": {\"info\": {\"run_id\": \"a b\", \"experiment_id\": \"1\"}}}",
        "{\"run\": {\"info\": {\"run_id\": \"abc\"}}}",
        "{\"run\": {\"info\": {\"run_id\": \"abc\", \"experiment_id\": {}}}}"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cJSON *j = obj(bad[i]);
        rest_run r;
        rest_err e;
        CHECK(j != NULL);
        CHECK_EQ(rest_parse_run(j, 1, &r, &e), EXIT_REJECTED);
        CHECK(e.ambiguous); /* the create may have happened: find it by marker, never create blind */
        CHECK(strstr(e.msg, "run_id") != NULL || strstr(e.msg, "experiment_id") != NULL);
        CHECK(r.id == NULL);
        cJSON_Delete(j);
    }
}

TEST(run_parse_good)
{
    cJSON *j = obj("{\"run\": {\"info\": {\"run_uuid\": \"c32d\", \"experiment_id\": \"1\", \"status\": \"FINISHED\","
                   "\"start_time\": 1700000000000, \"end_time\": \"1700000001000\", \"artifact_uri\": "
                   "\"mlflow-artifacts:/1/c32d/artifacts\", \"lifecycle_stage\": \"deleted\", \"run_id\": \"c32d\"}}}");
    rest_run r;
    rest_err e;
    CHECK(j != NULL);
    CHECK_EQ(rest_parse_run(j, 1, &r, &e), 0);
    CHECK_STR(r.id, "c32d");
    CHECK_STR(r.experiment_id, "1");
    CHECK_EQ(r.status, 3);
    CHECK_EQ(r.start_time, 1700000000000LL);
    CHECK_EQ(r.end_time, 1700000001000LL);
    CHECK(r.deleted);
    rest_run_free(&r);
    cJSON_Delete(j);
}

TEST(experiment_parsers)
{
    cJSON *j = obj("{\"experiment_id\": 7}");
    char *id = (char *)1;
    rest_exp x;
    rest_err e;
    CHECK_EQ(rest_parse_exp_create(j, &id, &e), EXIT_REJECTED); /* a number where the proto has a string */
    CHECK(id == NULL && e.ambiguous);
    cJSON_Delete(j);
    j = obj("{\"experiment_id\": \"7\"}");
    CHECK_EQ(rest_parse_exp_create(j, &id, &e), 0);
    CHECK_STR(id, "7");
    free(id);
    cJSON_Delete(j);
    j = obj("{\"experiment\": {\"name\": \"e\"}}");
    CHECK_EQ(rest_parse_exp_get(j, &x, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"experiment\": {\"experiment_id\": \"3\", \"name\": \"e\", \"lifecycle_stage\": \"deleted\"}}");
    CHECK_EQ(rest_parse_exp_get(j, &x, &e), 0);
    CHECK(x.deleted);
    CHECK_STR(x.id, "3");
    rest_exp_free(&x);
    cJSON_Delete(j);
}

TEST(run_search_compares_exactly)
{
    cJSON *j = obj("{\"runs\": [{\"info\": {\"run_id\": \"r1\", \"experiment_id\": \"1\"}, \"data\": {\"tags\": "
                   "[{\"key\": \"m\", \"value\": \"itXs\"}]}}, {\"info\": {\"run_id\": \"r2\", \"experiment_id\": \"1\"},"
                   " \"data\": {\"tags\": [{\"key\": \"m\", \"value\": \"it's\"}]}}], \"next_page_token\": \"t2\"}");
    rest_run *v = NULL;
    size_t n = 0;
    char *tok = NULL;
    rest_err e;
    CHECK_EQ(rest_parse_run_search(j, "m", "it's", &v, &n, &tok, &e), 0);
    CHECK_EQ(n, 1); /* LIKE 'it_s' matched both; only the exact one counts */
    CHECK_STR(v[0].id, "r2");
    CHECK_STR(tok, "t2");
    free(tok);
    rest_runs_free(v, n);
    cJSON_Delete(j);
    j = obj("{\"runs\": {\"info\": {}}}");
    v = NULL;
    n = 0;
    CHECK_EQ(rest_parse_run_search(j, "m", "x", &v, &n, &tok, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"runs\": [{\"info\": {\"run_id\": 5}, \"data\": {\"tags\": [{\"key\": \"m\", \"value\": \"x\"}]}}]}");
    CHECK_EQ(rest_parse_run_search(j, "m", "x", &v, &n, &tok, &e), EXIT_REJECTED);
    rest_runs_free(v, n);
    cJSON_Delete(j);
}

TEST(run_update_answer)
{
    cJSON *j = obj("{\"run_info\": {\"run_id\": \"other\"}}");
    rest_err e;
    CHECK_EQ(rest_parse_run_update(j, "mine", &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"run_info\": {\"run_id\": \"mine\"}}");
    CHECK_EQ(rest_parse_run_update(j, "mine", &e), 0);
    cJSON_Delete(j);
}

TEST(history_parser)
{
    cJSON *j = obj("{\"metrics\": [{\"key\": \"m\", \"value\": \"NaN\", \"timestamp\": 1, \"step\": 0}, {\"key\": \"m\","
                   " \"value\": -1.5, \"timestamp\": \"2\", \"step\": 1}, {\"value\": \"-Infinity\", \"timestamp\": 3, "
                   "\"step\": 2}], \"next_page_token\": \"eyJvZmZzZXQiOiAxfQ==\"}");
    rest_point *v = NULL;
    size_t n = 0, cap = 0;
    char *tok = NULL;
    rest_err e;
    CHECK_EQ(rest_parse_history(j, &v, &n, &cap, &tok, &e), 0);
    CHECK_EQ(n, 3);
    CHECK(isnan(v[0].value) && v[1].value == -1.5 && isinf(v[2].value) && v[2].value < 0);
    CHECK_EQ(v[1].timestamp, 2);
    CHECK(tok != NULL);
    free(tok);
    cJSON_Delete(j);
    j = obj("{\"metrics\": [{\"value\": \"nan\", \"timestamp\": 1, \"step\": 0}]}");
    CHECK_EQ(rest_parse_history(j, &v, &n, &cap, &tok, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"metrics\": [{\"value\": 1, \"timestamp\": 1.5, \"step\": 0}]}");
    CHECK_EQ(rest_parse_history(j, &v, &n, &cap, &tok, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"metrics\": [], \"next_page_token\": \"x\"}"); /* an endless loop in the making */
    CHECK_EQ(rest_parse_history(j, &v, &n, &cap, &tok, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    free(v);
}

TEST(logged_model_parsers)
{
    cJSON *j = obj("{\"model\": {\"info\": {\"model_id\": \"m-1\", \"experiment_id\": \"1\", \"artifact_uri\": "
                   "\"mlflow-artifacts:/1/models/m-1/artifacts\", \"status\": \"LOGGED_MODEL_READY\"}}}");
    rest_logged_model m;
    rest_err e;
    char *tok = NULL;
    CHECK_EQ(rest_parse_lm(j, 1, &m, &e), 0);
    CHECK_EQ(m.status, REST_LM_READY);
    rest_logged_model_free(&m);
    cJSON_Delete(j);
    j = obj("{\"model\": {\"info\": {\"model_id\": \"m-1\", \"experiment_id\": \"1\"}}}");
    CHECK_EQ(rest_parse_lm(j, 1, &m, &e), EXIT_REJECTED);
    CHECK(e.ambiguous);
    cJSON_Delete(j);
    j = obj("{\"models\": [{\"info\": {\"model_id\": \"m-2\", \"experiment_id\": \"1\", \"artifact_uri\": \"x\", "
            "\"tags\": [{\"key\": \"k\", \"value\": \"m-1x\"}]}}]}");
    CHECK_EQ(rest_parse_lm_search(j, "k", "m-1", &m, &tok, &e), 0);
    cJSON_Delete(j);
    j = obj("{\"models\": \"no\"}");
    CHECK(rest_parse_lm_search(j, "k", "m-1", &m, &tok, &e) < 0);
    cJSON_Delete(j);
}

TEST(version_numbers_range_checked)
{
    static const char *const bad[] = {"\"0\"", "\"-1\"", "\"abc\"", "\"99999999999\"", "\"1.5\"", "1.5", "-3",
                                      "\"01\"", "null", "[1]", "\"\"", "3000000000"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sbuf t = {0};
        cJSON *j;
        rest_version v;
        rest_err e;
        sb_printf(&t, "{\"model_version\": {\"name\": \"m\", \"version\": %s}}", bad[i]);
        j = obj(t.s);
        sb_free(&t);
        CHECK(j != NULL);
        CHECK_EQ(rest_parse_version(j, "m", 1, &v, &e), EXIT_REJECTED);
        cJSON_Delete(j);
    }
}

TEST(version_parsers)
{
    cJSON *j = obj("{\"model_version\": {\"name\": \"other\", \"version\": \"1\"}}");
    rest_version v, *vs = NULL;
    rest_model m;
    size_t n = 0;
    char *tok = NULL;
    rest_err e;
    CHECK_EQ(rest_parse_version(j, "m", 1, &v, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"model_version\": {\"name\": \"m\", \"version\": \"12\", \"current_stage\": \"Staging\", \"tags\": "
            "[{\"key\": \"a\", \"value\": \"b\"}]}}");
    CHECK_EQ(rest_parse_version(j, "m", 1, &v, &e), 0);
    CHECK_EQ(v.version, 12);
    CHECK_STR(v.stage, "Staging");
    CHECK_STR(kv_get(&v.tags, "a"), "b");
    rest_version_free(&v);
    cJSON_Delete(j);
    j = obj("{\"model_versions\": [{\"name\": \"m\", \"version\": \"1\"}, {\"name\": \"mm\", \"version\": \"2\"}, "
            "{\"name\": \"m\", \"version\": \"3\", \"tags\": [{\"key\": 1}]}]}");
    CHECK_EQ(rest_parse_version_search(j, "m", &vs, &n, &tok, &e), EXIT_REJECTED); /* malformed tags */
    rest_versions_free(vs, n);
    cJSON_Delete(j);
    j = obj("{\"registered_model\": {\"name\": \"m\", \"aliases\": [{\"alias\": \"champ\", \"version\": \"0\"}]}}");
    CHECK_EQ(rest_parse_model(j, "m", &m, &e), EXIT_REJECTED);
    cJSON_Delete(j);
    j = obj("{\"registered_model\": {\"name\": \"m\", \"description\": \"d\", \"aliases\": [{\"alias\": \"champ\", "
            "\"version\": \"4\"}]}}");
    CHECK_EQ(rest_parse_model(j, "m", &m, &e), 0);
    CHECK_STR(kv_get(&m.aliases, "champ"), "4");
    rest_model_free(&m);
    cJSON_Delete(j);
}

/* ---- multipart answers: part numbers exactly 1..N ---------------------------------- */

static int mpu(const char *text, int nparts)
{
    cJSON *j = obj(text);
    art_mpu m;
    rest_err e;
    int rc = art_parse_mpu_create(j, nparts, &m, &e);
    if (rc == 0) art_mpu_free(&m);
    cJSON_Delete(j);
    return rc;
}

TEST(mpu_part_numbers)
{
    const char *u = "\"url\": \"http://s3/k?partNumber=1&X-Amz-Signature=s\"";
    sbuf t = {0};
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 2}, {%s, \"part_number\": 1, "
                  "\"headers\": {\"x-amz-meta-a\": \"b\"}}]}", u, u);
    CHECK_EQ(mpu(t.s, 2), 0);
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 3}, {%s, \"part_number\": 1}]}", u, u);
    CHECK_EQ(mpu(t.s, 2), EXIT_REJECTED); /* out of range: once a heap overflow */
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 1}, {%s, \"part_number\": 1}]}", u, u);
    CHECK_EQ(mpu(t.s, 2), EXIT_REJECTED); /* repeated */
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 0}]}", u);
    CHECK_EQ(mpu(t.s, 1), EXIT_REJECTED);
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": -2147483648}]}", u);
    CHECK_EQ(mpu(t.s, 1), EXIT_REJECTED);
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 1e300}]}", u);
    CHECK_EQ(mpu(t.s, 1), EXIT_REJECTED);
    t.len = 0;
    sb_printf(&t, "{\"upload_id\": \"u1\", \"credentials\": [{%s, \"part_number\": 1}]}", u);
    CHECK_EQ(mpu(t.s, 2), EXIT_REJECTED); /* too few */
    CHECK_EQ(mpu("{\"credentials\": []}", 1), EXIT_REJECTED);
    CHECK_EQ(mpu("{\"upload_id\": \"u\", \"credentials\": [{\"url\": \"file:///etc/passwd\", \"part_number\": 1}]}", 1),
             EXIT_REJECTED);
    CHECK_EQ(mpu("{\"upload_id\": \"u\", \"credentials\": [{\"url\": \"http://h/p\", \"part_number\": 1, \"headers\": "
                 "{\"X-A\": \"v\\r\\nAuthorization: Bearer stolen\"}}]}", 1),
             EXIT_REJECTED); /* header injection */
    CHECK_EQ(mpu("{\"upload_id\": \"u\", \"credentials\": [{\"url\": \"http://h/p\", \"part_number\": 1, \"headers\": "
                 "{\"Bad Name\": \"v\"}}]}", 1),
             EXIT_REJECTED);
    sb_free(&t);
}

TEST(put_answers)
{
    rest_err e;
    http_resp r = answer(200, "", "");
    CHECK_EQ(art_check_put_answer(&r, &e), 0); /* MLflow 3.18 under uvicorn: 200, no body */
    http_resp_free(&r);
    r = answer(200, "application/json", "{}");
    CHECK_EQ(art_check_put_answer(&r, &e), 0); /* MLflow 2.x / Flask */
    http_resp_free(&r);
    r = answer(200, "text/html", "<html>Sign in</html>");
    CHECK_EQ(art_check_put_answer(&r, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "text/html") != NULL);
    http_resp_free(&r);
    r = answer(200, "application/json", "[1]");
    CHECK_EQ(art_check_put_answer(&r, &e), EXIT_REJECTED);
    http_resp_free(&r);
}

TEST(dbfs_credentials)
{
    cJSON *j = obj("{\"credential_infos\": [{\"signed_uri\": \"https://b.s3/k?sig=1\", \"type\": \"AZURE_SAS_URI\"}]}");
    char *url = NULL;
    struct curl_slist *h = NULL;
    rest_err e;
    CHECK_EQ(art_parse_dbfs_credential(j, &url, &h, &e), EXIT_UNSUPPORTED);
    cJSON_Delete(j);
    j = obj("{\"credential_infos\": [{\"signed_uri\": \"https://b.s3/k?sig=1\", \"type\": 2, \"headers\": [{\"name\":"
            " \"x-amz-acl\", \"value\": \"private\"}]}]}");
    CHECK_EQ(art_parse_dbfs_credential(j, &url, &h, &e), 0);
    CHECK(h && strcmp(h->data, "x-amz-acl: private") == 0);
    free(url);
    curl_slist_free_all(h);
    cJSON_Delete(j);
    j = obj("{\"credential_infos\": [{\"signed_uri\": \"ftp://x\", \"type\": \"AWS_PRESIGNED_URL\"}]}");
    CHECK_EQ(art_parse_dbfs_credential(j, &url, &h, &e), EXIT_REJECTED);
    cJSON_Delete(j);
}

/* ---- create once ---------------------------------------------------------------------- */

typedef struct fake {
    const char *script;      /* one letter per call: f = find absent, F = find found, x = find error,
                                c = create ok, a = create ambiguous, d = create definite failure,
                                e = create "already exists", t = create transient */
    size_t pos;
    char log[64];            /* 'f' / 'c' per call, in order */
    size_t nlog;
} fake;

static char fake_next(fake *f, char kind)
{
    char s = f->script[f->pos] ? f->script[f->pos++] : '?';
    if (f->nlog + 1 < sizeof f->log) f->log[f->nlog++] = kind;
    return s;
}

static int fake_find(void *ud, char **id, rest_err *e)
{
    char s = fake_next(ud, 'f');
    rest_err_clear(e);
    if (s == 'F') {
        *id = xstrdup("found-id");
        return 1;
    }
    if (s == 'x') {
        e->code = EXIT_CONNECT;
        return -1;
    }
    return 0;
}

static int fake_create(void *ud, char **id, rest_err *e)
{
    char s = fake_next(ud, 'c');
    rest_err_clear(e);
    switch (s) {
    case 'c': *id = xstrdup("new-id"); return 0;
    case 'a': e->code = EXIT_REJECTED; e->status = 502; e->ambiguous = 1; return -1;
    case 'e': e->code = EXIT_REJECTED; e->status = 400; snprintf(e->error_code, sizeof e->error_code,
                                                                  "RESOURCE_ALREADY_EXISTS"); return -1;
    case 't': e->code = EXIT_REJECTED; e->status = 429; e->transient = 1; return -1;
    default: e->code = EXIT_REJECTED; e->status = 400; return -1;
    }
}

static int run_create_once(fake *f, int skip_first, char **id, int *created, rest_err *e)
{
    create_once_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.find = fake_find;
    ops.create = fake_create;
    ops.ud = f;
    ops.settle_ms = 1;
    ops.skip_first_find = skip_first;
    return create_once(&ops, id, created, e);
}

/* never two creates without a find between them */
static int alternates(const fake *f)
{
    size_t i;
    for (i = 1; i < f->nlog; i++)
        if (f->log[i] == 'c' && f->log[i - 1] == 'c') return 0;
    return 1;
}

TEST(create_once_protocol)
{
    fake f;
    char *id;
    int created;
    rest_err e;
    /* found at once */
    memset(&f, 0, sizeof f);
    f.script = "F";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), 0);
    CHECK_STR(id, "found-id");
    CHECK(!created);
    free(id);
    /* ambiguous create, then found: created by us, one create only */
    memset(&f, 0, sizeof f);
    f.script = "faF";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), 0);
    CHECK_STR(id, "found-id");
    CHECK(created);
    CHECK_STR(f.log, "fcf");
    free(id);
    /* definite failure: returned as is, no second create */
    memset(&f, 0, sizeof f);
    f.script = "fd";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), EXIT_REJECTED);
    CHECK(id == NULL);
    CHECK_STR(f.log, "fc");
    /* ambiguous, absent, create again: f c f c */
    memset(&f, 0, sizeof f);
    f.script = "fafc";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), 0);
    CHECK_STR(id, "new-id");
    CHECK(alternates(&f));
    free(id);
    /* always ambiguous: bounded rounds, a find after every create, the last error */
    memset(&f, 0, sizeof f);
    f.script = "afafafafafaf";
    CHECK_EQ(run_create_once(&f, 1, &id, &created, &e), EXIT_REJECTED);
    CHECK(e.ambiguous && e.status == 502);
    CHECK_STR(f.log, "cfcfcf");
    CHECK(alternates(&f));
    /* already exists (a race): find */
    memset(&f, 0, sizeof f);
    f.script = "feF";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), 0);
    CHECK(!created);
    free(id);
    /* overload: find, then create again */
    memset(&f, 0, sizeof f);
    f.script = "ftfc";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), 0);
    CHECK(alternates(&f));
    free(id);
    /* a failing find stops everything */
    memset(&f, 0, sizeof f);
    f.script = "fax";
    CHECK_EQ(run_create_once(&f, 0, &id, &created, &e), EXIT_CONNECT);
    CHECK(id == NULL);
}

/* ---- the log-batch builder ------------------------------------------------------------------ */

TEST(batch_limits)
{
    rest_batch b;
    int i;
    memset(&b, 0, sizeof b);
    for (i = 0; i < REST_BATCH_MAX_PARAMS; i++) {
        char k[16];
        snprintf(k, sizeof k, "p%d", i);
        CHECK_EQ(rest_batch_add_param(&b, k, "v"), 0);
    }
    CHECK_EQ(rest_batch_add_param(&b, "one-more", "v"), 1);
    CHECK_EQ(rest_batch_add_tag(&b, "t", "v"), 0);
    for (i = 0; i < REST_BATCH_MAX_ITEMS - REST_BATCH_MAX_PARAMS - 1; i++)
        CHECK_EQ(rest_batch_add_metric(&b, "m", NAN, 1, i), 0);
    CHECK_EQ(rest_batch_add_metric(&b, "m", 1.0, 1, 5), 1); /* 1000 items in total */
    CHECK_EQ(b.nm + b.np + b.nt, REST_BATCH_MAX_ITEMS);
    CHECK(strstr(b.m.s, "\"NaN\"") != NULL);
    rest_batch_reset(&b);
    CHECK(rest_batch_empty(&b));
    {
        /* bytes: a big value fits an empty batch alone; the next one waits */
        char *big = malloc(REST_BATCH_MAX_BYTES);
        CHECK(big != NULL);
        memset(big, 'x', REST_BATCH_MAX_BYTES - 1);
        big[REST_BATCH_MAX_BYTES - 1] = '\0';
        CHECK_EQ(rest_batch_add_tag(&b, "big", big), 0);
        CHECK_EQ(rest_batch_add_param(&b, "small", "v"), 1);
        free(big);
    }
    rest_batch_free(&b);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    RUN(html_200_is_a_failure);
    RUN(non_objects_are_failures);
    RUN(objects_pass);
    RUN(deep_nesting_refused);
    RUN(mlflow_error_body);
    RUN(auth_and_server_errors);
    RUN(overload_is_transient);
    RUN(retry_after_reaches_the_caller);
    RUN(transport_classes);
    RUN(capped_answer_is_rejected);
    RUN(redact_url);
    RUN(retry_policy_table);
    RUN(filter_quoting);
    RUN(run_create_without_run_id);
    RUN(run_parse_good);
    RUN(experiment_parsers);
    RUN(run_search_compares_exactly);
    RUN(run_update_answer);
    RUN(history_parser);
    RUN(logged_model_parsers);
    RUN(version_numbers_range_checked);
    RUN(version_parsers);
    RUN(mpu_part_numbers);
    RUN(put_answers);
    RUN(dbfs_credentials);
    RUN(create_once_protocol);
    RUN(batch_limits);
    curl_global_cleanup();
    return mll_test_summary();
}
