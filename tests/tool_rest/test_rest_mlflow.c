/* tests/tool_rest/test_rest_mlflow.c — every endpoint wrapper of the REST
 * layer against a real `mlflow server` (MLflow 3.18.0; the judge): what we
 * send must be accepted, what it answers must pass our checks, and what we
 * read back must be what we sent. The server's URL comes in MLL_TEST_URL
 * (run_peer.py starts one). Names carry a per-process suffix, so the test
 * can also run against a server that is not fresh. Label "tool". */
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
#include <math.h>

static rest_ctx C;
static char SUFFIX[32];
static char *EXP_ID, *RUN_ID, *RUN_ART;

static const char *name(const char *base)
{
    static char buf[8][256];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, 256, "%s-%s", base, SUFFIX);
    return b;
}

TEST(experiments)
{
    rest_exp x;
    rest_err e;
    kvlist tags = {0};
    char *id = NULL, *id2 = NULL;
    CHECK_EQ(rest_exp_get_by_name(&C, name("absent"), &x, &e), 0);
    kv_add(&tags, "mlflow.note.content", "made by tool_rest_mlflow");
    CHECK_EQ(rest_exp_create(&C, name("rest exp"), &tags, &id, &e), 0);
    CHECK(id && id[0]);
    EXP_ID = id;
    CHECK_EQ(rest_exp_create(&C, name("rest exp"), NULL, &id2, &e), EXIT_REJECTED);
    CHECK(rest_is_exists(&e) && !e.transient); /* its text says UNIQUE constraint: still final */
    CHECK(id2 == NULL);
    CHECK_EQ(rest_exp_get_by_name(&C, name("rest exp"), &x, &e), 1);
    CHECK_STR(x.id, id);
    CHECK(!x.deleted);
    rest_exp_free(&x);
    CHECK_EQ(rest_exp_set_tag(&C, id, "k", "v\xc3\xa9", &e), 0);
    /* restoring an active experiment: MLflow 3.18 answers 404 RESOURCE_DOES_NOT_EXIST (no deleted one) */
    CHECK_EQ(rest_exp_restore(&C, id, &e), EXIT_REJECTED);
    CHECK(rest_is_absent(&e));
    kv_free(&tags);
}

static int make_run(const char *marker, rest_run *r, rest_err *e)
{
    kvlist tags = {0};
    rest_run_create_req q;
    int rc;
    kv_add(&tags, "mlflow_lite.source_run_id", marker);
    kv_add(&tags, "mlflow.runName", "r1");
    memset(&q, 0, sizeof q);
    q.experiment_id = EXP_ID;
    q.user_id = "alice";
    q.run_name = "r1";
    q.start_time = 1700000000000LL;
    q.tags = &tags;
    rc = rest_run_create(&C, &q, r, e);
    kv_free(&tags);
    return rc;
}

TEST(runs_and_markers_with_any_bytes)
{
    static const char *const markers[] = {"it's", "a\\'\"b", "plain-1234", "back\\slash\\", "x%_y"};
    size_t i;
    for (i = 0; i < sizeof markers / sizeof markers[0]; i++) {
        rest_run r, *found = NULL;
        rest_err e;
        size_t n = 0;
        CHECK(EXP_ID != NULL);
        CHECK_EQ(make_run(markers[i], &r, &e), 0);
        CHECK(strncmp(r.artifact_uri, "mlflow-artifacts:/", 18) == 0);
        CHECK_EQ(r.status, 1);
        CHECK_EQ(rest_run_search_by_tag(&C, EXP_ID, "mlflow_lite.source_run_id", markers[i], "ALL", &found, &n, &e), 0);
        CHECK_EQ(n, 1);
        CHECK_STR(found[0].id, r.id);
        rest_runs_free(found, n);
        if (i == 0) {
            RUN_ID = xstrdup(r.id);
            RUN_ART = xstrdup(r.artifact_uri);
        }
        rest_run_free(&r);
    }
    {
        rest_run *found = NULL;
        size_t n = 9;
        rest_err e;
        CHECK_EQ(rest_run_search_by_tag(&C, EXP_ID, "mlflow_lite.source_run_id", "itXs", "ALL", &found, &n, &e), 0);
        CHECK_EQ(n, 0); /* LIKE 'it_s' would match it's; the exact compare does not */
    }
}

TEST(batch_history_update_get)
{
    rest_batch b;
    rest_err e;
    rest_point *pts = NULL;
    rest_run r;
    size_t n = 0;
    int i, sent = 0;
    CHECK(RUN_ID != NULL);
    memset(&b, 0, sizeof b);
    CHECK_EQ(rest_batch_add_param(&b, "lr", "0.01"), 0);
    CHECK_EQ(rest_batch_add_tag(&b, "t", "v"), 0);
    for (i = 0; i < 2500; i++) {
        double v = i == 0 ? NAN : i == 1 ? INFINITY : i == 2 ? -INFINITY : i * 0.5;
        int rc = rest_batch_add_metric(&b, "loss", v, 1700000000000LL + i, i);
        if (rc == 1) {
            CHECK_EQ(rest_log_batch(&C, RUN_ID, &b, &e), 0);
            sent++;
            rest_batch_reset(&b);
            rc = rest_batch_add_metric(&b, "loss", v, 1700000000000LL + i, i);
        }
        CHECK_EQ(rc, 0);
    }
    CHECK_EQ(rest_log_batch(&C, RUN_ID, &b, &e), 0);
    CHECK_EQ(sent, 2); /* 1000 + 1000 + 502 items */
    rest_batch_free(&b);
    CHECK_EQ(rest_metric_history(&C, RUN_ID, "loss", &pts, &n, &e), 0);
    CHECK_EQ(n, 2500);
    for (i = 0; i < (int)n; i++) {
        if (pts[i].step == 0) CHECK(isnan(pts[i].value));
        if (pts[i].step == 1) CHECK(pts[i].value > 1e308); /* the SQL store keeps +inf as DBL_MAX */
        if (pts[i].step == 7) CHECK(pts[i].value == 3.5 && pts[i].timestamp == 1700000000007LL);
    }
    free(pts);
    CHECK_EQ(rest_metric_history(&C, RUN_ID, "no-such-metric", &pts, &n, &e), 0);
    CHECK_EQ(n, 0);
    CHECK_EQ(rest_run_update(&C, RUN_ID, "FINISHED", 1700000009000LL, "r1", &e), 0);
    CHECK_EQ(rest_run_get(&C, RUN_ID, &r, &e), 0);
    CHECK_EQ(r.status, 3);
    CHECK_EQ(r.end_time, 1700000009000LL);
    CHECK_EQ(r.start_time, 1700000000000LL);
    rest_run_free(&r);
    CHECK_EQ(rest_run_delete_tag(&C, RUN_ID, "t", &e), 0);
    CHECK_EQ(rest_run_delete_tag(&C, RUN_ID, "t", &e), 0); /* gone already: done */
    CHECK_EQ(rest_run_delete_tag(&C, "0123456789abcdef0123456789abcdef", "t", &e), EXIT_REJECTED); /* no such run */
}

TEST(refused_point_is_definite)
{
    rest_batch b;
    rest_err e;
    memset(&b, 0, sizeof b);
    CHECK(RUN_ID != NULL);
    CHECK_EQ(rest_batch_add_metric(&b, "neg", 1.0, -5, 0), 0); /* MLflow refuses negative timestamps */
    CHECK_EQ(rest_log_batch(&C, RUN_ID, &b, &e), EXIT_REJECTED);
    CHECK_EQ(e.status, 400);
    CHECK(!e.ambiguous && !e.transient);
    rest_batch_free(&b);
}

TEST(inputs_outputs_logged_models)
{
    rest_dataset_input d;
    kvlist dtags = {0}, params = {0}, tags = {0};
    rest_lm_create_req q;
    rest_logged_model m, f;
    rest_err e;
    const char *ids[1];
    long long steps[1] = {3};
    CHECK(RUN_ID != NULL);
    kv_add(&dtags, "mlflow.data.context", "training");
    memset(&d, 0, sizeof d);
    d.name = "ds";
    d.digest = "abc123";
    d.source_type = "local";
    d.source = "{\"uri\": \"/x\"}";
    d.tags = &dtags;
    CHECK_EQ(rest_log_inputs(&C, RUN_ID, &d, 1, &e), 0);
    CHECK_EQ(rest_log_inputs(&C, RUN_ID, &d, 1, &e), 0); /* the same dataset again: a no-op */
    kv_add(&params, "alpha", "1");
    kv_add(&tags, "mlflow_lite.source_model_id", "m-local'1");
    memset(&q, 0, sizeof q);
    q.experiment_id = EXP_ID;
    q.name = "model";
    q.source_run_id = RUN_ID;
    q.model_type = "sk";
    q.params = &params;
    q.tags = &tags;
    CHECK_EQ(rest_lm_create(&C, &q, &m, &e), 0);
    CHECK_EQ(m.status, REST_LM_PENDING);
    CHECK(strncmp(m.artifact_location, "mlflow-artifacts:/", 18) == 0);
    CHECK_EQ(rest_lm_search_by_tag(&C, EXP_ID, "mlflow_lite.source_model_id", "m-local'1", &f, &e), 1);
    CHECK_STR(f.id, m.id);
    rest_logged_model_free(&f);
    CHECK_EQ(rest_lm_search_by_tag(&C, EXP_ID, "mlflow_lite.source_model_id", "m-localX1", &f, &e), 0);
    CHECK_EQ(rest_lm_set_tags(&C, m.id, &params, &e), 0);
    CHECK_EQ(rest_lm_log_params(&C, m.id, &tags, &e), 0);
    CHECK_EQ(rest_lm_finalize(&C, m.id, REST_LM_READY, &e), 0);
    ids[0] = m.id;
    CHECK_EQ(rest_log_outputs(&C, RUN_ID, ids, steps, 1, &e), 0);
    {
        rest_lm_create_req q2 = q;
        rest_logged_model m2;
        q2.tags = NULL;
        CHECK_EQ(rest_lm_create(&C, &q2, &m2, &e), 0);
        CHECK_EQ(rest_lm_delete(&C, m2.id, &e), 0);
        rest_logged_model_free(&m2);
    }
    rest_logged_model_free(&m);
    kv_free(&dtags);
    kv_free(&params);
    kv_free(&tags);
}

TEST(registry)
{
    const char *mn = name("it's \"model\"");
    kvlist tags = {0};
    rest_model m;
    rest_version v, *vs = NULL;
    rest_version_create_req q;
    rest_err e;
    size_t n = 0;
    sbuf src = {0};
    CHECK(RUN_ID != NULL);
    CHECK_EQ(rest_model_get(&C, mn, &m, &e), 0);
    kv_add(&tags, "team", "a");
    CHECK_EQ(rest_model_create(&C, mn, "first", &tags, &e), 0);
    CHECK_EQ(rest_model_create(&C, mn, "first", &tags, &e), EXIT_REJECTED);
    CHECK(rest_is_exists(&e));
    CHECK_EQ(rest_model_update(&C, mn, "second", &e), 0);
    CHECK_EQ(rest_model_set_tag(&C, mn, "k", "v", &e), 0);
    CHECK_EQ(rest_model_delete_tag(&C, mn, "team", &e), 0);
    sb_printf(&src, "runs:/%s/model", RUN_ID);
    memset(&q, 0, sizeof q);
    q.name = mn;
    q.source = src.s;
    q.run_id = RUN_ID;
    q.description = "v1";
    q.tags = &tags;
    CHECK_EQ(rest_version_create(&C, &q, &v, &e), 0);
    CHECK_EQ(v.version, 1);
    rest_version_free(&v);
    CHECK_EQ(rest_version_create(&C, &q, &v, &e), 0);
    CHECK_EQ(v.version, 2);
    rest_version_free(&v);
    CHECK_EQ(rest_version_search(&C, mn, &vs, &n, &e), 0);
    CHECK_EQ(n, 2);
    CHECK_STR(kv_get(&vs[0].tags, "team"), "a");
    CHECK_STR(vs[0].source, src.s);
    rest_versions_free(vs, n);
    CHECK_EQ(rest_version_set_tag(&C, mn, 1, "vk", "vv", &e), 0);
    CHECK_EQ(rest_version_delete_tag(&C, mn, 1, "vk", &e), 0);
    CHECK_EQ(rest_version_update(&C, mn, 1, "v1 again", &e), 0);
    CHECK_EQ(rest_version_transition(&C, mn, 1, "Staging", &e), 0);
    CHECK_EQ(rest_model_set_alias(&C, mn, "champ", 2, &e), 0);
    CHECK_EQ(rest_model_get(&C, mn, &m, &e), 1);
    CHECK_STR(m.description, "second");
    CHECK_STR(kv_get(&m.aliases, "champ"), "2");
    CHECK_STR(kv_get(&m.tags, "k"), "v");
    CHECK(kv_get(&m.tags, "team") == NULL);
    rest_model_free(&m);
    CHECK_EQ(rest_model_delete_alias(&C, mn, "champ", &e), 0);
    CHECK_EQ(rest_version_delete(&C, mn, 2, &e), 0);
    CHECK_EQ(rest_version_delete(&C, mn, 2, &e), EXIT_REJECTED);
    CHECK(rest_is_absent(&e));
    CHECK_EQ(rest_version_search(&C, mn, &vs, &n, &e), 0);
    CHECK_EQ(n, 1);
    CHECK_STR(vs[0].stage, "Staging");
    rest_versions_free(vs, n);
    kv_free(&tags);
    sb_free(&src);
}

/* the artifact as the server's proxy serves it back */
static char *download(const char *path, size_t *len)
{
    sbuf u = {0};
    http_req rq;
    http_resp rs;
    char *out = NULL;
    sb_printf(&u, "%s/api/2.0/mlflow-artifacts/artifacts/%s", C.base, path);
    memset(&rq, 0, sizeof rq);
    rq.method = "GET";
    rq.url = u.s;
    if (http_do(C.h, &rq, &rs) == 0 && rs.status == 200) {
        out = rs.body;
        *len = rs.body_len;
        rs.body = NULL;
    }
    http_resp_free(&rs);
    sb_free(&u);
    return out;
}

static int temp_file(const char *content, size_t n)
{
    char path[512];
    int fd;
    snprintf(path, sizeof path, "%s/art-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    fd = mkstemp(path);
    if (fd < 0) return -1;
    unlink(path);
    if (write(fd, content, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    return fd;
}

TEST(artifacts_through_the_proxy)
{
    art_config cfg = {1, 5 << 20}; /* every file "large": mpu/create, the server answers 501, one PUT */
    art_target t;
    tool_err te;
    rest_err d;
    sbuf p = {0};
    const char *body = "hello artifact\n";
    char *got;
    size_t len = 0;
    int fd = temp_file(body, strlen(body));
    CHECK(fd >= 0 && RUN_ART != NULL);
    memset(&t, 0, sizeof t);
    t.rc = &C;
    t.artifact_uri = RUN_ART;
    t.run_id = RUN_ID;
    CHECK_EQ(art_upload(&t, fd, "dir/it's a file.txt", (long long)strlen(body), &te, &d), 0);
    sb_printf(&p, "%s/dir/it%%27s%%20a%%20file.txt", RUN_ART + strlen("mlflow-artifacts:/"));
    got = download(p.s, &len);
    CHECK(got && len == strlen(body) && memcmp(got, body, len) == 0);
    free(got);
    t.cfg = &cfg;
    CHECK_EQ(art_upload(&t, fd, "big.bin", (long long)strlen(body), &te, &d), 0);
    /* a file that shrank under us: the file's failure, named, not the server's */
    CHECK_EQ(art_upload(&t, fd, "shrunk.bin", 100000, &te, &d), EXIT_SOURCE);
    CHECK_STR(te.what, "shrunk.bin");
    CHECK(strstr(te.why, "shrank") != NULL);
    close(fd);
    sb_free(&p);
}

/* create-once with the real runs/search and runs/create */
typedef struct co { const char *marker; } co;
static int co_find(void *ud, char **id, rest_err *e)
{
    rest_run *v = NULL;
    size_t n = 0;
    int rc = rest_run_search_by_tag(&C, EXP_ID, "mlflow_lite.source_run_id", ((co *)ud)->marker, "ALL", &v, &n, e);
    if (rc != 0) return -1;
    if (n) *id = xstrdup(v[0].id);
    rest_runs_free(v, n);
    return n ? 1 : 0;
}
static int co_create(void *ud, char **id, rest_err *e)
{
    rest_run r;
    if (make_run(((co *)ud)->marker, &r, e) != 0) return -1;
    *id = r.id;
    r.id = NULL;
    rest_run_free(&r);
    return 0;
}

TEST(create_once_real)
{
    co x = {"create-once-marker"};
    create_once_ops ops;
    char *id1 = NULL, *id2 = NULL;
    int created = 0;
    rest_err e;
    memset(&ops, 0, sizeof ops);
    ops.find = co_find;
    ops.create = co_create;
    ops.ud = &x;
    CHECK_EQ(create_once(&ops, &id1, &created, &e), 0);
    CHECK(created);
    CHECK_EQ(create_once(&ops, &id2, &created, &e), 0);
    CHECK(!created);
    CHECK_STR(id1, id2);
    CHECK_EQ(rest_run_delete(&C, id1, &e), 0);
    CHECK_EQ(rest_run_restore(&C, id1, &e), 0);
    free(id1);
    free(id2);
}

int main(void)
{
    http_opts ho;
    const char *url = getenv("MLL_TEST_URL");
    if (!url) {
        fprintf(stderr, "MLL_TEST_URL is not set (run through run_peer.py)\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    memset(&ho, 0, sizeof ho);
    memset(&C, 0, sizeof C);
    C.h = http_client_new(&ho);
    C.base = url;
    snprintf(SUFFIX, sizeof SUFFIX, "%ld-%lld", (long)getpid(), now_ms() % 100000000LL);
    RUN(experiments);
    RUN(runs_and_markers_with_any_bytes);
    RUN(batch_history_update_get);
    RUN(refused_point_is_definite);
    RUN(inputs_outputs_logged_models);
    RUN(registry);
    RUN(artifacts_through_the_proxy);
    RUN(create_once_real);
    http_client_free(C.h);
    free(EXP_ID);
    free(RUN_ID);
    free(RUN_ART);
    curl_global_cleanup();
    return mll_test_summary();
}
