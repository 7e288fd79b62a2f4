/* Odd inputs that must be clear errors, refused when the call is made (nothing written,
   nothing cut short, nothing deferred to a flush that fails later): a tracking URI with
   %00, a root that is a file (file:///dev/null), a key whose whole path is too long for a
   root of 3,900 characters, blank run names. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"

static char g_log[4096];
static void remember(mll_log_level level, mll_result code, const char *msg, const char *file, int line,
                     void *ud) {
    size_t n = strlen(g_log);
    (void)level, (void)code, (void)file, (void)line, (void)ud;
    snprintf(g_log + n, sizeof(g_log) - n, "%s\n", msg);
}

static mll_result open_root(const char *root, mll_store **s) {
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.logger.func = remember;
    g_log[0] = '\0';
    return mll_open(s, &d);
}

TEST(encoded_nul_in_the_uri_is_refused) {
    const char *base = mll_test_tmpdir();
    char uri[1024], cut[1024];
    mll_store *s = NULL;
    mll_store_desc d;
    snprintf(uri, sizeof(uri), "file://%s/mlruns%%00-rest", base);
    snprintf(cut, sizeof(cut), "%s/mlruns", base);
    CHECK_EQ(open_root(uri, &s), MLL_ERR_INVALID_URI);
    CHECK(s == NULL);
    CHECK(!mll_test_exists(cut)); /* not silently cut at %00 */
    CHECK(strstr(g_log, "%00") != NULL);
    snprintf(uri, sizeof(uri), "file:");
    CHECK_EQ(open_root(uri, &s), MLL_ERR_INVALID_URI);
    /* the same from the environment: an error, not a silent ./mlruns */
    snprintf(uri, sizeof(uri), "file://%s/env%%00x", base);
    setenv("MLFLOW_TRACKING_URI", uri, 1);
    memset(&d, 0, sizeof(d));
    d.logger.func = remember;
    CHECK_EQ(mll_open(&s, &d), MLL_ERR_INVALID_URI);
    unsetenv("MLFLOW_TRACKING_URI");
    CHECK_EQ(mll_test_count_tree(base), 0);
    /* %2F and friends still decode as Python's unquote does */
    snprintf(uri, sizeof(uri), "file://%s/a%%20b", base);
    CHECK_EQ(open_root(uri, &s), MLL_OK);
    CHECK_STR(strrchr(mll_store_root(s), '/'), "/a b");
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(a_file_as_root_is_not_a_directory) {
    const char *base = mll_test_tmpdir();
    char path[1024];
    mll_store *s = NULL;
    FILE *f;
    CHECK_EQ(open_root("file:///dev/null", &s), MLL_ERR_NOT_A_DIRECTORY);
    CHECK(strstr(g_log, "not a directory") != NULL);
    CHECK(strstr(g_log, "exists") == NULL);
    CHECK_EQ(open_root("/dev/null/mlruns", &s), MLL_ERR_NOT_A_DIRECTORY);
    snprintf(path, sizeof(path), "%s/plain-file", base);
    f = fopen(path, "w");
    CHECK(f != NULL);
    fclose(f);
    CHECK_EQ(open_root(path, &s), MLL_ERR_NOT_A_DIRECTORY);
    snprintf(path, sizeof(path), "%s/plain-file/below", base);
    CHECK_EQ(open_root(path, &s), MLL_ERR_NOT_A_DIRECTORY);
    CHECK(s == NULL);
}

/* Makes <base>/xxx.../xxx... about `len` characters long (components of 200). */
static const char *deep_dir(const char *base, size_t len) {
    static char p[4096];
    size_t n = (size_t)snprintf(p, sizeof(p), "%s", base);
    while (n + 201 <= len) {
        p[n++] = '/';
        memset(p + n, 'd', 200);
        n += 200;
        p[n] = '\0';
        if (mkdir(p, 0777) != 0) return NULL;
    }
    return p;
}

TEST(a_key_too_long_for_the_path_is_refused_at_once) {
    const char *root = deep_dir(mll_test_tmpdir(), 3900);
    mll_store *s = NULL;
    mll_run *r = NULL;
    char key[260], path[4200];
    mll_error e;
    mll_metric m;
    CHECK(root != NULL);
    CHECK(strlen(root) > 3800);
    CHECK_EQ(open_root(root, &s), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK); /* the run folder itself still fits */
    memset(key, 'k', 250);
    key[250] = '\0';
    CHECK_EQ(mll_log_metric(r, key, 1.0, 0), MLL_ERR_PATH_TOO_LONG);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_PATH_TOO_LONG);
    CHECK_STR(e.subject, key);
    m.key = key;
    m.value = 1;
    m.step = 0;
    m.timestamp_ms = 0;
    CHECK_EQ(mll_log_metrics(r, &m, 1), MLL_ERR_PATH_TOO_LONG);
    CHECK_EQ(mll_log_batch(r, &m, 1, NULL, 0, NULL, 0), MLL_ERR_PATH_TOO_LONG);
    CHECK_EQ(mll_log_param(r, key, "v"), MLL_ERR_PATH_TOO_LONG);
    CHECK_EQ(mll_set_tag(r, key, "v"), MLL_ERR_PATH_TOO_LONG);
    memset(key, 0xC3, 250); /* 125 x "é": 250 characters, but 500 bytes for one file name */
    for (size_t i = 1; i < 250; i += 2) key[i] = (char)0xA9;
    CHECK_EQ(mll_log_metric(r, key, 1.0, 0), MLL_ERR_PATH_TOO_LONG);
    CHECK_EQ(mll_log_metric(r, "short", 2.0, 0), MLL_OK); /* nothing else is affected */
    snprintf(path, sizeof(path), "%s/metrics/short", mll_run_dir(r));
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK); /* nothing buffered that cannot be written */
    CHECK(mll_test_exists(path));
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(blank_run_names_are_refused) {
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_run_desc rd;
    mll_tag tag;
    CHECK_EQ(open_root(mll_test_tmpdir(), &s), MLL_OK);
    memset(&rd, 0, sizeof(rd));
    rd.run_name = "";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    rd.run_name = "   ";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    rd.run_name = NULL;
    tag.key = "mlflow.runName";
    tag.value = "\t";
    rd.tags = &tag;
    rd.num_tags = 1;
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    CHECK(r == NULL);
    rd.num_tags = 0;
    rd.run_name = "kept";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    CHECK_EQ(mll_set_run_name(r, ""), MLL_ERR_INVALID_NAME);
    CHECK_EQ(mll_set_run_name(r, "   "), MLL_ERR_INVALID_NAME);
    CHECK_EQ(mll_log_batch(r, NULL, 0, NULL, 0, &tag, 1), MLL_ERR_INVALID_NAME);
    CHECK_STR(mll_run_name(r), "kept");
    CHECK_EQ(mll_set_run_name(r, " padded "), MLL_OK); /* not blank: kept as given */
    CHECK_STR(mll_run_name(r), " padded ");
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* MLflow's validation accepts "a" and "a/b", but its file store cannot hold both in one
   run (one is a file where the other needs a folder): the second is refused at once. */
TEST(clashing_metric_keys_are_refused) {
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_error e;
    CHECK_EQ(open_root(mll_test_tmpdir(), &s), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "a", 1.0, 0), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "a/b", 1.0, 0), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_INVALID_KEY);
    CHECK_STR(e.subject, "a/b");
    CHECK_EQ(mll_log_metric(r, "x/y/z", 1.0, 0), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "x/y", 1.0, 0), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_metric(r, "x", 1.0, 0), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_metric(r, "x/yz", 1.0, 0), MLL_OK); /* a prefix, not a folder */
    CHECK_EQ(mll_log_metric(r, "ab", 1.0, 0), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
}

int main(void) {
    RUN(encoded_nul_in_the_uri_is_refused);
    RUN(a_file_as_root_is_not_a_directory);
    RUN(a_key_too_long_for_the_path_is_refused_at_once);
    RUN(blank_run_names_are_refused);
    RUN(clashing_metric_keys_are_refused);
    return mll_test_summary();
}
