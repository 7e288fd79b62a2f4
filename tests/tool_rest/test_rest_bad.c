/* tests/tool_rest/test_rest_bad.c — the REST layer against
 * tests/badserver/badserver.py, a server that misbehaves on purpose where a
 * real MLflow cannot be made to (rules in bad_rules.json; each scenario has
 * its own path prefix, so one badserver serves them all): HTML 200 answers
 * to writes, 200s without the ids a call needs, truncated JSON, a real gzip
 * bomb, huge and dripping bodies, stalls, resets, 503 with Retry-After,
 * QueuePool overload, bad multipart answers, Databricks signed URLs, a TLS
 * handshake against plain HTTP, a malformed URL, a file that shrinks while it
 * is sent. Secrets (the token, presigned signatures) must never be printed.
 * URL in MLL_TEST_URL (run_peer.py). Label "tool". */
#define _POSIX_C_SOURCE 200809L
#include "mll_test.h"

#include "artifacts.h"
#include "http.h"
#include "msgs.h"
#include "rest.h"
#include "rest_registry.h"
#include "rest_tracking.h"
#include "util.h"

#include <fcntl.h>
#include <strings.h>
#include <sys/resource.h>

#define TOKEN "SECRET-TOKEN-123"

static const char *URL;
static http_client *H;
static FILE *MSGS;             /* every warning the layer printed */

/* a context whose base is the badserver plus a scenario prefix */
static rest_ctx ctx(const char *prefix)
{
    static char bases[16][256];
    static int k;
    rest_ctx c;
    char *b = bases[k++ % 16];
    snprintf(b, 256, "%s%s", URL, prefix);
    memset(&c, 0, sizeof c);
    c.h = H;
    c.base = b;
    c.bearer = TOKEN;
    return c;
}

static cJSON *bs_requests(void)
{
    sbuf u = {0};
    http_req rq;
    http_resp rs;
    cJSON *j = NULL;
    sb_printf(&u, "%s/__badserver/requests", URL);
    memset(&rq, 0, sizeof rq);
    rq.method = "GET";
    rq.url = u.s;
    if (http_do(H, &rq, &rs) == 0) j = cJSON_ParseWithLength(rs.body, rs.body_len);
    http_resp_free(&rs);
    sb_free(&u);
    return j;
}

/* requests seen whose path starts with prefix */
static int bs_count(const char *method, const char *prefix)
{
    cJSON *all = bs_requests(), *r;
    int n = 0;
    cJSON_ArrayForEach(r, all)
    {
        const char *m, *p;
        if (json_get_str(r, "method", &m) == 0 && json_get_str(r, "path", &p) == 0 && strcmp(m, method) == 0 &&
            strncmp(p, prefix, strlen(prefix)) == 0)
            n++;
    }
    cJSON_Delete(all);
    return n;
}

/* 1 when a request to a path with this prefix carried an Authorization header */
static int bs_had_auth(const char *prefix)
{
    cJSON *all = bs_requests(), *r;
    int hit = 0;
    cJSON_ArrayForEach(r, all)
    {
        const char *p;
        const cJSON *h = json_get_obj(r, "headers"), *x;
        if (json_get_str(r, "path", &p) != 0 || strncmp(p, prefix, strlen(prefix)) != 0) continue;
        cJSON_ArrayForEach(x, h) if (x->string && strcasecmp(x->string, "authorization") == 0) hit = 1;
    }
    cJSON_Delete(all);
    return hit;
}

static art_target target(const rest_ctx *c, const char *uri)
{
    art_target t;
    memset(&t, 0, sizeof t);
    t.rc = c;
    t.artifact_uri = uri;
    return t;
}

static int temp_fd(size_t n)
{
    char path[512], buf[4096];
    int fd;
    size_t done = 0;
    snprintf(path, sizeof path, "%s/bad-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if ((fd = mkstemp(path)) < 0) return -1;
    unlink(path);
    memset(buf, 'a', sizeof buf);
    while (done < n) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        if (write(fd, buf, k) != (ssize_t)k) return -1;
        done += k;
    }
    return fd;
}

/* ---- 2xx that are not what the API sends ------------------------------------------------ */

TEST(html_200_to_writes_is_failure)
{
    rest_ctx c = ctx("/html");
    rest_batch b;
    rest_err e;
    rest_dataset_input d;
    char *id = NULL;
    memset(&b, 0, sizeof b);
    rest_batch_add_metric(&b, "m", 1.0, 1, 0);
    CHECK_EQ(rest_log_batch(&c, "run1", &b, &e), EXIT_REJECTED);
    CHECK(e.ambiguous && e.status == 200); /* nothing may be marked sent */
    CHECK(strstr(e.msg, "text/html") != NULL);
    rest_batch_free(&b);
    CHECK_EQ(rest_run_update(&c, "run1", "FINISHED", 5, NULL, &e), EXIT_REJECTED);
    memset(&d, 0, sizeof d);
    d.name = "d";
    CHECK_EQ(rest_log_inputs(&c, "run1", &d, 1, &e), EXIT_REJECTED);
    CHECK_EQ(rest_exp_create(&c, "e", NULL, &id, &e), EXIT_REJECTED);
    CHECK(id == NULL && e.ambiguous);
}

TEST(html_200_to_artifact_put_is_failure)
{
    rest_ctx c = ctx("/html");
    art_target t = target(&c, "mlflow-artifacts:/1/r/artifacts");
    tool_err te;
    rest_err d;
    int fd = temp_fd(100);
    CHECK(fd >= 0);
    CHECK_EQ(art_upload(&t, fd, "a.txt", 100, &te, &d), EXIT_REJECTED);
    CHECK(strstr(te.why, "text/html") != NULL);
    CHECK_STR(te.what, "a.txt");
    close(fd);
}

TEST(answers_without_the_ids)
{
    rest_ctx c = ctx("/noid");
    rest_run_create_req q;
    rest_run r;
    rest_version v;
    rest_version_create_req vq;
    rest_err e;
    char *id = NULL;
    memset(&q, 0, sizeof q);
    q.experiment_id = "1";
    q.start_time = -1;
    CHECK_EQ(rest_run_create(&c, &q, &r, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "run_id") != NULL); /* said, never uninitialised memory */
    CHECK(e.ambiguous);                      /* so create-once searches before creating again */
    CHECK(r.id == NULL);
    CHECK_EQ(rest_exp_create(&c, "e", NULL, &id, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "experiment_id") != NULL);
    memset(&vq, 0, sizeof vq);
    vq.name = "m";
    vq.source = "s";
    CHECK_EQ(rest_version_create(&c, &vq, &v, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "version number") != NULL);
}

TEST(wrong_types_arrays_truncation)
{
    rest_ctx types = ctx("/types"), arr = ctx("/array"), trunc = ctx("/trunc"), shrt = ctx("/short");
    rest_run r;
    rest_err e;
    CHECK_EQ(rest_run_get(&types, "abc", &r, &e), EXIT_REJECTED);
    CHECK_EQ(rest_run_get(&arr, "abc", &r, &e), EXIT_REJECTED);
    CHECK_EQ(rest_run_get(&trunc, "abc", &r, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "not the JSON object") != NULL);
    CHECK(rest_run_get(&shrt, "abc", &r, &e) != 0); /* Content-Length longer than the body: transport */
    CHECK_EQ(e.status, 0);
}

/* ---- bodies capped after decompression ---------------------------------------------- */

static long max_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

TEST(gzip_bomb_costs_at_most_the_cap)
{
    rest_ctx c = ctx("/bomb");
    rest_run r;
    rest_err e;
    long before = max_rss_mib();
    double t0 = now_s();
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "larger than") != NULL);
    printf("     gzip bomb (2 GiB inflated): refused in %.2f s, max RSS %ld -> %ld MiB\n", now_s() - t0, before,
           max_rss_mib());
    /* the cap (64 MiB) and the copies of its growing buffer (more under ASan,
       whose quarantine keeps freed blocks), never the 2 GiB it inflates to */
    CHECK(max_rss_mib() - before < 400);
    /* not retried by the policy (at most curl's own fresh-connection retry
       when the kept-alive connection was closed under the first request) */
    CHECK(bs_count("GET", "/bomb/") <= 2);
}

TEST(huge_bodies_capped)
{
    rest_ctx c = ctx("/huge"), ch = ctx("/hugechunked"), he = ctx("/hugeerror");
    rest_run r;
    rest_err e;
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_REJECTED);   /* Content-Length over the cap: at once */
    CHECK_EQ(rest_run_get(&ch, "abc", &r, &e), EXIT_REJECTED);  /* no length: stopped at the cap */
    CHECK(strstr(e.msg, "larger than") != NULL);
    CHECK_EQ(rest_run_get(&he, "abc", &r, &e), EXIT_REJECTED);  /* an error page too */
}

/* ---- slow, stalled and broken links ---------------------------------------------------- */

TEST(drip_and_stall_are_cut_off)
{
    rest_ctx c = ctx("/drip"), s = ctx("/stall");
    rest_run r;
    rest_err e;
    double t0 = now_s();
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_CONNECT);
    CHECK(now_s() - t0 < 60);
    t0 = now_s();
    CHECK_EQ(rest_run_get(&s, "abc", &r, &e), EXIT_CONNECT);
    CHECK(now_s() - t0 < 60);
    printf("     drip and stall cut off (stall_s 2, 1 retry)\n");
}

TEST(reset_is_retried_then_connect)
{
    rest_ctx c = ctx("/reset");
    rest_run r;
    rest_batch b;
    rest_err e;
    int before = bs_count("GET", "/reset/");
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_CONNECT);
    /* 1 + max_retries, plus at most one fresh-connection retry of curl's own
       when a kept-alive connection dies under the first request */
    CHECK(bs_count("GET", "/reset/") - before >= 2 && bs_count("GET", "/reset/") - before <= 3);
    CHECK(!e.ambiguous);                               /* a read */
    memset(&b, 0, sizeof b);
    rest_batch_add_metric(&b, "m", 1.0, 1, 0);
    before = bs_count("POST", "/reset/");
    CHECK_EQ(rest_log_batch(&c, "r", &b, &e), EXIT_CONNECT);
    CHECK(e.ambiguous);                                 /* sent, no answer: in doubt */
    CHECK_EQ(bs_count("POST", "/reset/") - before, 1); /* REST_RETRY_UNSENT: not repeated, not even by curl */
    rest_batch_free(&b);
}

TEST(tls_to_plain_http_is_final_at_once)
{
    char base[256];
    rest_ctx c = ctx("");
    rest_run r;
    rest_err e;
    double t0 = now_s();
    snprintf(base, sizeof base, "https://%s", URL + strlen("http://"));
    c.base = base;
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_CONNECT);
    CHECK(strstr(e.msg, "TLS handshake failed") != NULL);
    CHECK(now_s() - t0 < 5); /* not retried for two minutes */
}

TEST(malformed_url_is_usage)
{
    rest_ctx c = ctx("");
    rest_run r;
    rest_err e;
    double t0 = now_s();
    c.base = "http://[::1"; /* config.c refuses such a DEST first; the layer holds on its own too */
    CHECK_EQ(rest_run_get(&c, "abc", &r, &e), EXIT_USAGE);
    CHECK(now_s() - t0 < 2);
}

/* ---- overload ------------------------------------------------------------------------------ */

TEST(retry_after_honoured_with_one_line_each)
{
    rest_ctx c = ctx("/busy");
    rest_batch b;
    rest_err e;
    double t0 = now_s();
    long pos = ftell(MSGS);
    char line[1024];
    int warnings = 0;
    memset(&b, 0, sizeof b);
    rest_batch_add_metric(&b, "m", 1.0, 1, 0);
    /* 503 is an answer: not "unsent", so log-batch (REST_RETRY_UNSENT) takes it as is */
    CHECK_EQ(rest_log_batch(&c, "r", &b, &e), EXIT_REJECTED);
    CHECK(e.transient && e.retry_after_ms == 1000);
    rest_batch_free(&b);
    /* a read goes through the full policy: two 503s with Retry-After: 1, then {} */
    CHECK_EQ(rest_call(&c, "POST", "/api/2.0/mlflow/runs/log-batch", "{}", REST_RETRY, NULL, &e), 0);
    CHECK(now_s() - t0 >= 0.9);
    fflush(MSGS);
    fseek(MSGS, pos, SEEK_SET);
    while (fgets(line, sizeof line, MSGS))
        if (strstr(line, "answered HTTP 503") && strstr(line, "(Retry-After)")) warnings++;
    fseek(MSGS, 0, SEEK_END);
    CHECK_EQ(warnings, 1); /* one line per retry (the first 503 was log-batch's, not retried) */
}

TEST(queuepool_is_transient_for_create_once)
{
    rest_ctx c = ctx("/queuepool"), x = ctx("/exists");
    rest_run_create_req q;
    rest_run r;
    rest_err e;
    char *id = NULL;
    memset(&q, 0, sizeof q);
    q.experiment_id = "1";
    q.start_time = -1;
    CHECK_EQ(rest_run_create(&c, &q, &r, &e), EXIT_REJECTED);
    CHECK(e.transient && e.ambiguous);
    CHECK_EQ(rest_exp_create(&x, "e", NULL, &id, &e), EXIT_REJECTED);
    CHECK(!e.transient && rest_is_exists(&e));
}

/* ---- pages ------------------------------------------------------------------------------------- */

TEST(paging_and_loops)
{
    rest_ctx c = ctx("/hist"), l = ctx("/histloop"), s = ctx("/searchloop");
    rest_point *p = NULL;
    rest_run *runs = NULL;
    size_t n = 0;
    rest_err e;
    CHECK_EQ(rest_metric_history(&c, "r", "m", &p, &n, &e), 0);
    CHECK_EQ(n, 2);
    free(p);
    CHECK_EQ(rest_metric_history(&l, "r", "m", &p, &n, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "same page token") != NULL);
    CHECK_EQ(rest_run_search_by_tag(&s, "1", "k", "v", "ALL", &runs, &n, &e), EXIT_REJECTED);
    CHECK(strstr(e.msg, "same page token") != NULL);
}

/* ---- multipart through the proxy ------------------------------------------------------------- */

static int upload_big(const char *prefix, int fd, long long size, tool_err *te)
{
    rest_ctx c = ctx(prefix);
    art_config cfg = {1, 100};
    art_target t = target(&c, "mlflow-artifacts:/1/run/artifacts");
    rest_err d;
    t.cfg = &cfg;
    return art_upload(&t, fd, "w/big.bin", size, te, &d);
}

TEST(multipart_bad_part_numbers)
{
    tool_err te;
    int fd = temp_fd(150), before = bs_count("PUT", "/part/");
    CHECK(fd >= 0);
    CHECK_EQ(upload_big("/mpubad", fd, 150, &te), EXIT_REJECTED); /* part 9 of 2: refused, nothing written */
    CHECK(strstr(te.why, "outside 1..2") != NULL);
    CHECK_EQ(upload_big("/mpudup", fd, 150, &te), EXIT_REJECTED);
    CHECK(strstr(te.why, "twice") != NULL);
    CHECK_EQ(bs_count("PUT", "/part/"), before); /* no byte moved on a bad answer */
    close(fd);
}

TEST(multipart_good_and_fallbacks)
{
    tool_err te;
    cJSON *all, *r;
    int fd = temp_fd(150), complete = 0;
    CHECK(fd >= 0);
    CHECK_EQ(upload_big("/mpuok", fd, 150, &te), 0);
    CHECK_EQ(bs_count("PUT", "/part/"), 2);
    CHECK(!bs_had_auth("/part/")); /* presigned URLs never get the MLflow token */
    CHECK(bs_had_auth("/mpuok/"));
    all = bs_requests();
    cJSON_ArrayForEach(r, all)
    {
        const char *p, *b;
        if (json_get_str(r, "path", &p) == 0 && strstr(p, "/mpuok/api/2.0/mlflow-artifacts/mpu/complete/1/run/artifacts/w") &&
            json_get_str(r, "body", &b) == 0 && strstr(b, "\"upload_id\":\"u-ok\"") && strstr(b, "\"path\":\"big.bin\"") &&
            strstr(b, "\"part_number\":2,\"etag\":\"\\\"etag-of-part\\\"\""))
            complete = 1;
    }
    cJSON_Delete(all);
    CHECK(complete);
    /* a part answered without an ETag: the upload is aborted */
    CHECK_EQ(upload_big("/mpunoetag", fd, 50, &te), EXIT_REJECTED);
    CHECK(strstr(te.why, "ETag") != NULL);
    CHECK_EQ(bs_count("POST", "/mpunoetag/api/2.0/mlflow-artifacts/mpu/abort/"), 1);
    /* 501: one PUT instead */
    CHECK_EQ(upload_big("/mpu501", fd, 150, &te), 0);
    CHECK_EQ(bs_count("PUT", "/mpu501/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/w/big.bin"), 1);
    close(fd);
}

TEST(shrinking_file_is_the_files_failure)
{
    rest_ctx c = ctx("/put");
    art_target t = target(&c, "mlflow-artifacts:/1/run/artifacts");
    tool_err te;
    rest_err d;
    int fd = temp_fd(1000);
    CHECK(fd >= 0);
    CHECK_EQ(art_upload(&t, fd, "ok.bin", 1000, &te, &d), 0);
    CHECK_EQ(art_upload(&t, fd, "sub/shrunk.bin", 5000, &te, &d), EXIT_SOURCE); /* the file has 1000 bytes now */
    CHECK_STR(te.what, "sub/shrunk.bin");
    CHECK(strstr(te.why, "shrank") != NULL);
    CHECK(!exit_is_global(EXIT_SOURCE)); /* fails its run only; the other runs go on */
    close(fd);
}

TEST(file_uri_copy)
{
    char root[1024], uri[3200], dst[1200];
    art_target t;
    tool_err te;
    rest_err d;
    rest_ctx c = ctx("");
    int fd = temp_fd(3000);
    size_t len;
    snprintf(root, sizeof root, "%s/copy root", mll_test_tmpdir());
    snprintf(uri, sizeof uri, "file://%s", root);
    for (char *p = uri + 7; *p; p++)
        if (*p == ' ') { /* "%20" in the URI */
            memmove(p + 3, p + 1, strlen(p + 1) + 1);
            memcpy(p, "%20", 3);
        }
    t = target(&c, uri);
    CHECK_EQ(art_upload(&t, fd, "a/b.txt", 3000, &te, &d), 0);
    snprintf(dst, sizeof dst, "%s/a/b.txt", root);
    mll_test_read(dst, &len);
    CHECK_EQ(len, 3000);
    CHECK_EQ(art_upload(&t, fd, "a/c.txt", 4000, &te, &d), EXIT_SOURCE);
    t.artifact_uri = "file:///C:/Users/x/mlruns/1/r/artifacts";
    CHECK_EQ(art_upload(&t, fd, "a.txt", 3000, &te, &d), EXIT_UNSUPPORTED);
    t.artifact_uri = "wasbs://c@a.blob.core.windows.net/x";
    CHECK_EQ(art_upload(&t, fd, "a.txt", 3000, &te, &d), EXIT_UNSUPPORTED);
    t.artifact_uri = "s3://bucket/x";
    CHECK_EQ(art_upload(&t, fd, "a.txt", 3000, &te, &d), EXIT_CONFIG); /* no S3 session given */
    close(fd);
}

TEST(databricks_signed_put)
{
    rest_ctx c = ctx("/dbfs");
    art_target t = target(&c, "dbfs:/databricks/mlflow-tracking/1/r/artifacts");
    tool_err te;
    rest_err d;
    int fd = temp_fd(10);
    c.databricks = 1;
    t.run_id = "r";
    CHECK_EQ(art_upload(&t, fd, "a.txt", 10, &te, &d), 0);
    CHECK_EQ(bs_count("PUT", "/signed/obj"), 1);
    CHECK(!bs_had_auth("/signed/")); /* the workspace token stays home */
    close(fd);
}

TEST(no_secret_printed)
{
    size_t n;
    char path[512];
    const char *all;
    fflush(MSGS);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fileno(MSGS));
    all = mll_test_read(path, &n);
    CHECK(n > 0); /* the retries above did print */
    CHECK(strstr(all, TOKEN) == NULL);
    CHECK(strstr(all, "SIGNATURE-SECRET") == NULL);
    CHECK(strstr(all, "SIGNED-SECRET") == NULL);
}

int main(void)
{
    http_opts ho;
    URL = getenv("MLL_TEST_URL");
    if (!URL) {
        fprintf(stderr, "MLL_TEST_URL is not set (run through run_peer.py)\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    MSGS = tmpfile();
    msgs_init(MSGS, stdout);
    msgs_set(0, 1, 1); /* verbose too: every URL the layer prints is checked for secrets */
    memset(&ho, 0, sizeof ho);
    ho.max_retries = 1;
    ho.retry_max_time_s = 30;
    ho.stall_s = 2;
    ho.connect_timeout_ms = 3000;
    H = http_client_new(&ho);
    RUN(html_200_to_writes_is_failure);
    RUN(html_200_to_artifact_put_is_failure);
    RUN(answers_without_the_ids);
    RUN(wrong_types_arrays_truncation);
    RUN(gzip_bomb_costs_at_most_the_cap);
    RUN(huge_bodies_capped);
    RUN(drip_and_stall_are_cut_off);
    RUN(reset_is_retried_then_connect);
    RUN(tls_to_plain_http_is_final_at_once);
    RUN(malformed_url_is_usage);
    RUN(retry_after_honoured_with_one_line_each);
    RUN(queuepool_is_transient_for_create_once);
    RUN(paging_and_loops);
    RUN(multipart_bad_part_numbers);
    RUN(multipart_good_and_fallbacks);
    RUN(shrinking_file_is_the_files_failure);
    RUN(file_uri_copy);
    RUN(databricks_signed_put);
    RUN(no_secret_printed);
    http_client_free(H);
    fclose(MSGS);
    curl_global_cleanup();
    return mll_test_summary();
}
