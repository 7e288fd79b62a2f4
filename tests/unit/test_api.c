/* The public API: layout, NULL safety, validation (nothing written on bad input, nothing
   outside the root), param immutability, reopening, environment, batches, artifacts. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"

static void quiet(mll_log_level level, mll_result code, const char *msg, const char *file, int line,
                  void *ud) {
    (void)level, (void)code, (void)msg, (void)file, (void)line, (void)ud;
}

static mll_store *open_store(const char *root) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.logger.func = quiet;
    if (mll_open(&s, &d) != MLL_OK) return NULL;
    return s;
}

static mll_run *start(mll_store *s, const char *exp, const char *name) {
    mll_run *r = NULL;
    mll_run_desc rd;
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = exp;
    rd.run_name = name;
    if (mll_start_run(&r, s, &rd) != MLL_OK) return NULL;
    return r;
}

static const char *runfile(mll_run *r, const char *rel) {
    static char p[8192];
    snprintf(p, sizeof(p), "%s/%s", mll_run_dir(r), rel);
    return p;
}

TEST(null_handles_never_crash) {
    mll_error e;
    mll_store *s = (mll_store *)1;
    mll_run *r = (mll_run *)1;
    CHECK_EQ(mll_open(NULL, NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_close(NULL), MLL_OK);
    CHECK_EQ(mll_start_run(&r, NULL, NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK_EQ(mll_start_run(NULL, s, NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_end_run(NULL, MLL_RUN_FINISHED), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_flush(NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_metric(NULL, "k", 1.0, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_metric_at(NULL, "k", 1.0, 0, 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_metrics(NULL, NULL, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_param(NULL, "k", "v"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_param_int(NULL, "k", 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_param_double(NULL, "k", 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_param_bool(NULL, "k", 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_paramf(NULL, "k", "%d", 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_set_tag(NULL, "k", "v"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_set_tagf(NULL, "k", "%d", 1), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_delete_tag(NULL, "k"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_set_run_name(NULL, "n"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_batch(NULL, NULL, 0, NULL, 0, NULL, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_artifact(NULL, "x", NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_text(NULL, "x", "y"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_bytes(NULL, "x", 1, "y"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_run_last_error(NULL, &e), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_store_last_error(NULL, &e), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_query_store_desc(NULL, NULL), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_set_experiment_tag(NULL, "0", "k", "v"), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_get_experiment_id(NULL, "x", NULL, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_STR(mll_run_id(NULL), "");
    CHECK_STR(mll_run_name(NULL), "");
    CHECK_STR(mll_run_experiment_id(NULL), "");
    CHECK_STR(mll_run_artifact_uri(NULL), "");
    CHECK_STR(mll_run_dir(NULL), "");
    CHECK_STR(mll_store_root(NULL), "");
}

TEST(strerror_and_version) {
    /* every listed code (numbers may leave gaps: each issue has its own range) */
#define LISTED(name, num, text) name,
    static const mll_result codes[] = {MLL__RESULTS(LISTED)};
#undef LISTED
    size_t i, n = sizeof(codes) / sizeof(codes[0]);
    int num, top = 0;
    for (i = 0; i < n; i++) {
        size_t j;
        CHECK(mll_strerror(codes[i]) != NULL);
        CHECK(mll_strerror(codes[i])[0] != '\0');
        CHECK(strcmp(mll_strerror(codes[i]), "unknown mlflow_lite result") != 0);
        for (j = 0; j < i; j++) {
            CHECK(codes[i] != codes[j]);
            CHECK(strcmp(mll_strerror(codes[i]), mll_strerror(codes[j])) != 0);
        }
        if ((int)codes[i] > top) top = (int)codes[i];
    }
    /* a number in a gap (a range not used yet) is no code: it gets the unknown text */
    for (num = 0; num <= top + 1; num++) {
        int listed = 0;
        for (i = 0; i < n; i++) listed |= (int)codes[i] == num;
        if (!listed) CHECK_STR(mll_strerror((mll_result)num), "unknown mlflow_lite result");
    }
    CHECK_STR(mll_strerror((mll_result)(MLL_ERR_NOT_A_DIRECTORY + 1000)), "unknown mlflow_lite result");
    CHECK_STR(mll_strerror((mll_result)9999), "unknown mlflow_lite result");
    CHECK_STR(mll_version(), MLL_VERSION_STRING);
    CHECK_EQ(MLL_VERSION_HEX, (MLL_VERSION_MAJOR << 16) | (MLL_VERSION_MINOR << 8) | MLL_VERSION_PATCH);
    {
        char v[32];
        snprintf(v, sizeof(v), "%d.%d.%d", MLL_VERSION_MAJOR, MLL_VERSION_MINOR, MLL_VERSION_PATCH);
        CHECK_STR(v, MLL_VERSION_STRING);
    }
}

TEST(layout_matches_mlflow) {
    const char *root = mll_test_tmpdir();
    char p[1024];
    mll_store *s = open_store(root);
    mll_run *r;
    const char *meta;
    CHECK(s != NULL);
    snprintf(p, sizeof(p), "%s/.trash", root);
    CHECK(mll_test_exists(p));
    snprintf(p, sizeof(p), "%s/0/meta.yaml", root);
    meta = mll_test_read(p, NULL);
    CHECK(strstr(meta, "experiment_id: \"0\"\n") != NULL);
    CHECK(strstr(meta, "name: \"Default\"\n") != NULL);
    r = start(s, "exp", "first");
    CHECK(r != NULL);
    CHECK_EQ(strlen(mll_run_id(r)), 32);
    CHECK_EQ(strlen(mll_run_experiment_id(r)), 18);
    CHECK(mll_test_exists(runfile(r, "metrics")));
    CHECK(mll_test_exists(runfile(r, "params")));
    CHECK(mll_test_exists(runfile(r, "artifacts")));
    CHECK_STR(mll_test_read(runfile(r, "tags/mlflow.runName"), NULL), "first");
    CHECK_STR(mll_test_read(runfile(r, "tags/mlflow.source.type"), NULL), "LOCAL");
    CHECK(mll_test_exists(runfile(r, "tags/mlflow.user")));
    CHECK(mll_test_exists(runfile(r, "tags/mlflow.source.name")));
    meta = mll_test_read(runfile(r, "meta.yaml"), NULL);
    CHECK(strstr(meta, "run_uuid: \"") != NULL);
    CHECK(strstr(meta, "status: 1\n") != NULL);
    CHECK(strstr(meta, "end_time: null\n") != NULL);
    CHECK_EQ(mll_log_metric_at(r, "m", 0.5, 7, 1700000000000LL), MLL_OK);
    CHECK_EQ(mll_log_param(r, "p", "v"), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FAILED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
    {
        /* nothing temporary left behind; the metric line and param as MLflow writes them */
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "find %s -name '.mll-*' | grep -q .", root);
        CHECK(system(cmd) != 0);
    }
}

TEST(defaults_are_resolved) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_store_desc d;
    CHECK(s != NULL);
    CHECK_EQ(mll_query_store_desc(s, &d), MLL_OK);
    CHECK_EQ(d.flush_interval_ms, 1000);
    CHECK_EQ(d.buffer_bytes, 1 << 20);
    CHECK_EQ(d.max_pending_bytes, 64 << 20);
    CHECK_EQ(d.durability, MLL_DURABILITY_WRITE);
    CHECK(d.fs.write != NULL && d.fs.list != NULL && d.allocator.alloc != NULL);
    CHECK_STR(d.root, root);
    CHECK_STR(mll_store_root(s), root);
    mll_close(s);
}

TEST(metric_lines_and_param_immutability) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_run *r = start(s, "exp", "r");
    mll_error e;
    CHECK(r != NULL);
    CHECK_EQ(mll_log_metric_at(r, "loss", 0.25, 3, 1700000000000LL), MLL_OK);
    CHECK_EQ(mll_log_metric_at(r, "loss", -1.5e-7, -2, 1700000000001LL), MLL_OK);
    CHECK_EQ(mll_log_metric_at(r, "a/b/c", 1.0, 0, 0), MLL_OK);
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "metrics/loss"), NULL),
              "1700000000000 0.25 3\n1700000000001 -1.5e-07 -2\n");
    CHECK_STR(mll_test_read(runfile(r, "metrics/a/b/c"), NULL), "0 1.0 0\n");
    CHECK_EQ(mll_log_param(r, "lr", "0.01"), MLL_OK);
    CHECK_EQ(mll_log_param(r, "lr", "0.01"), MLL_OK); /* same value: fine */
    CHECK_EQ(mll_log_param(r, "lr", "0.02"), MLL_ERR_PARAM_CHANGED);
    CHECK_STR(mll_test_read(runfile(r, "params/lr"), NULL), "0.01");
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_PARAM_CHANGED);
    CHECK_STR(e.subject, "lr");
    CHECK(strstr(e.message, "immutable") != NULL);
    CHECK_EQ(mll_log_param_int(r, "epochs", -42), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "params/epochs"), NULL), "-42");
    CHECK_EQ(mll_log_param_double(r, "wd", 1e-05), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "params/wd"), NULL), "1e-05");
    CHECK_EQ(mll_log_param_bool(r, "amp", 1), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "params/amp"), NULL), "True");
    CHECK_EQ(mll_log_paramf(r, "arch", "resnet%d", 50), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "params/arch"), NULL), "resnet50");
    CHECK_EQ(mll_set_tag(r, "t", "one"), MLL_OK);
    CHECK_EQ(mll_set_tag(r, "t", "two"), MLL_OK); /* tags can change */
    CHECK_STR(mll_test_read(runfile(r, "tags/t"), NULL), "two");
    CHECK_EQ(mll_set_tagf(r, "t2", "%s-%d", "x", 3), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "tags/t2"), NULL), "x-3");
    CHECK_EQ(mll_delete_tag(r, "t2"), MLL_OK);
    CHECK(!mll_test_exists(runfile(r, "tags/t2")));
    CHECK_EQ(mll_delete_tag(r, "t2"), MLL_ERR_NOT_FOUND);
    CHECK_EQ(mll_log_metric_at(r, "loss", 1, 0, -5), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(mll_set_run_name(r, "renamed"), MLL_OK);
    CHECK_STR(mll_run_name(r), "renamed");
    CHECK(strstr(mll_test_read(runfile(r, "meta.yaml"), NULL), "run_name: \"renamed\"") != NULL);
    CHECK_STR(mll_test_read(runfile(r, "tags/mlflow.runName"), NULL), "renamed");
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(bad_input_writes_nothing_and_never_escapes_root) {
    static const char *bad_keys[] = {"", ".", "..", "../x", "../../evil", "/abs", "a/../b", "a//b",
                                     "./a", "a/", "..x", "a/.", "a/./b", "sp#ace", "semi;colon",
                                     "back\\slash", "tab\tkey", "new\nline", "quote\"", "star*"};
    char root[1100], parent[1024], longkey[300];
    mll_store *s;
    mll_run *r;
    int before, parent_before;
    size_t i;
    snprintf(parent, sizeof(parent), "%s", mll_test_tmpdir()); /* a private parent to watch */
    snprintf(root, sizeof(root), "%s/mlruns", parent);
    s = open_store(root);
    r = start(s, "exp", "r");
    CHECK(r != NULL);
    before = mll_test_count_tree(root);
    parent_before = mll_test_count_tree(parent);
    for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
        mll_metric m;
        mll_param p;
        m.key = bad_keys[i];
        m.value = 1;
        m.step = 0;
        m.timestamp_ms = 0;
        p.key = bad_keys[i];
        p.value = "v";
        CHECK_EQ(mll_log_metric(r, bad_keys[i], 1.0, 0), MLL_ERR_INVALID_KEY);
        CHECK_EQ(mll_log_param(r, bad_keys[i], "v"), MLL_ERR_INVALID_KEY);
        CHECK_EQ(mll_set_tag(r, bad_keys[i], "v"), MLL_ERR_INVALID_KEY);
        CHECK_EQ(mll_log_metrics(r, &m, 1), MLL_ERR_INVALID_KEY);
        CHECK_EQ(mll_log_batch(r, NULL, 0, &p, 1, NULL, 0), MLL_ERR_INVALID_KEY);
        CHECK_EQ(mll_set_experiment_tag(s, mll_run_experiment_id(r), bad_keys[i], "v"), MLL_ERR_INVALID_KEY);
    }
    memset(longkey, 'k', 251);
    longkey[251] = '\0';
    CHECK_EQ(mll_log_metric(r, longkey, 1.0, 0), MLL_ERR_VALUE_TOO_LONG);
    longkey[250] = '\0';
    CHECK_EQ(mll_log_param(r, longkey, "v"), MLL_OK); /* exactly 250 is allowed */
    CHECK_EQ(mll_log_param(r, "bad\xff", "v"), MLL_ERR_INVALID_UTF8);
    CHECK_EQ(mll_log_param(r, "ok", "bad\xc0\x80"), MLL_ERR_INVALID_UTF8); /* overlong NUL */
    CHECK_EQ(mll_log_param(r, "ok", "\xed\xa0\x80"), MLL_ERR_INVALID_UTF8); /* surrogate */
    /* artifact paths */
    CHECK_EQ(mll_log_text(r, "x", "../escape.txt"), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_text(r, "x", "/tmp/abs.txt"), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_text(r, "x", "a/../../b.txt"), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_text(r, "x", "a//b.txt"), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_log_artifact(r, "/etc/hostname", "../.."), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_EQ(mll_test_count_tree(root), before + 1); /* only params/kkk...k */
    CHECK_EQ(mll_test_count_tree(parent), parent_before + 1);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(value_lengths_count_characters) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_run *r = start(s, "exp", "r");
    static char big[8002 * 2 + 1];
    size_t i;
    CHECK(r != NULL);
    memset(big, 'v', 6000);
    big[6000] = '\0';
    CHECK_EQ(mll_log_param(r, "p6000", big), MLL_OK);
    big[6000] = 'v';
    big[6001] = '\0';
    CHECK_EQ(mll_log_param(r, "p6001", big), MLL_ERR_VALUE_TOO_LONG);
    CHECK(!mll_test_exists(runfile(r, "params/p6001")));
    for (i = 0; i < 6000; i++) memcpy(big + 2 * i, "\xc3\xa9", 2); /* 6000 characters, 12000 bytes */
    big[12000] = '\0';
    CHECK_EQ(mll_log_param(r, "accents", big), MLL_OK);
    memset(big, 't', 8000);
    big[8000] = '\0';
    CHECK_EQ(mll_set_tag(r, "t8000", big), MLL_OK);
    big[8000] = 't';
    big[8001] = '\0';
    CHECK_EQ(mll_set_tag(r, "t8001", big), MLL_ERR_VALUE_TOO_LONG);
    {
        /* MLflow 3.18.0: experiment tag values up to 20000 characters */
        static char huge[20002];
        memset(huge, 'e', 20001);
        huge[20001] = '\0';
        CHECK_EQ(mll_set_experiment_tag(s, mll_run_experiment_id(r), "e", huge), MLL_ERR_VALUE_TOO_LONG);
        huge[20000] = '\0';
        CHECK_EQ(mll_set_experiment_tag(s, mll_run_experiment_id(r), "e", huge), MLL_OK);
    }
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(experiment_names) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    char name[600], id1[128], id2[128];
    mll_run *r = NULL;
    mll_run_desc rd;
    int before;
    CHECK(s != NULL);
    before = mll_test_count_tree(root);
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    CHECK(r == NULL);
    memset(name, 'n', 501);
    name[501] = '\0';
    rd.experiment_name = name;
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_VALUE_TOO_LONG);
    rd.experiment_name = "bad \xfe";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_UTF8);
    rd.experiment_name = " \t\n\xe3\x80\x80"; /* whitespace only (Python strip()) */
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    CHECK_EQ(mll_test_count_tree(root), before);
    name[500] = '\0';
    rd.experiment_name = name;
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    mll_end_run(r, MLL_RUN_FINISHED);
    /* get-or-create returns the same experiment */
    rd.experiment_name = "same: name #1";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    snprintf(id1, sizeof(id1), "%s", mll_run_experiment_id(r));
    mll_end_run(r, MLL_RUN_FINISHED);
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    CHECK_STR(mll_run_experiment_id(r), id1);
    mll_end_run(r, MLL_RUN_FINISHED);
    CHECK_EQ(mll_get_experiment_id(s, "same: name #1", id2, sizeof(id2)), MLL_OK);
    CHECK_STR(id2, id1);
    CHECK_EQ(mll_get_experiment_id(s, "missing", id2, sizeof(id2)), MLL_ERR_NOT_FOUND);
    /* a deleted experiment with that name: MLflow refuses to create another */
    {
        char from[1024], to[1024];
        snprintf(from, sizeof(from), "%s/%s", root, id1);
        snprintf(to, sizeof(to), "%s/.trash/%s", root, id1);
        CHECK(rename(from, to) == 0);
        CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_EXPERIMENT_DELETED);
    }
    rd.experiment_name = NULL;
    rd.experiment_id = "123456";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_NOT_FOUND);
    rd.experiment_id = "../x";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_ERR_INVALID_NAME);
    mll_close(s);
}

TEST(reopen_run_appends) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_run *r = start(s, "exp", "resumable"), *r2 = NULL;
    mll_run_desc rd;
    char id[300];
    CHECK(r != NULL);
    snprintf(id, sizeof(id), "%s", mll_run_id(r));
    CHECK_EQ(mll_log_metric_at(r, "loss", 1.0, 0, 10), MLL_OK);
    CHECK_EQ(mll_log_param(r, "lr", "0.1"), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_KILLED), MLL_OK);
    memset(&rd, 0, sizeof(rd));
    rd.run_id = id;
    CHECK_EQ(mll_start_run(&r2, s, &rd), MLL_OK);
    CHECK_STR(mll_run_name(r2), "resumable");
    CHECK(strstr(mll_test_read(runfile(r2, "meta.yaml"), NULL), "status: 1\n") != NULL);
    CHECK_EQ(mll_log_metric_at(r2, "loss", 0.5, 1, 11), MLL_OK);
    CHECK_EQ(mll_log_param(r2, "lr", "0.2"), MLL_ERR_PARAM_CHANGED);
    CHECK_EQ(mll_end_run(r2, MLL_RUN_FINISHED), MLL_OK);
    {
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s/%s/metrics/loss", root, "*", id);
    }
    rd.run_id = "0123456789abcdef0123456789abcdef";
    CHECK_EQ(mll_start_run(&r2, s, &rd), MLL_ERR_NOT_FOUND);
    mll_close(s);
}

TEST(nested_run_and_initial_tags) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_run *parent = start(s, "exp", "parent"), *child = NULL;
    mll_run_desc rd;
    mll_tag tags[2];
    CHECK(parent != NULL);
    tags[0].key = "team";
    tags[0].value = "vision";
    tags[1].key = "stage/sub";
    tags[1].value = "1";
    memset(&rd, 0, sizeof(rd));
    rd.experiment_id = mll_run_experiment_id(parent);
    rd.parent_run_id = mll_run_id(parent);
    rd.tags = tags;
    rd.num_tags = 2;
    rd.description = "child run";
    CHECK_EQ(mll_start_run(&child, s, &rd), MLL_OK);
    CHECK_STR(mll_test_read(runfile(child, "tags/mlflow.parentRunId"), NULL), mll_run_id(parent));
    CHECK_STR(mll_test_read(runfile(child, "tags/team"), NULL), "vision");
    CHECK_STR(mll_test_read(runfile(child, "tags/stage/sub"), NULL), "1");
    CHECK_STR(mll_test_read(runfile(child, "tags/mlflow.note.content"), NULL), "child run");
    CHECK(strlen(mll_run_name(child)) > 4); /* random adjective-noun-NNN */
    CHECK(strchr(mll_run_name(child), '-') != NULL);
    mll_end_run(child, MLL_RUN_FINISHED);
    mll_end_run(parent, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(batch_is_all_or_nothing) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root);
    mll_run *r = start(s, "exp", "r");
    mll_metric m[2];
    mll_param p[2];
    mll_tag t[2];
    CHECK(r != NULL);
    m[0].key = "acc";
    m[0].value = 0.9;
    m[0].step = 1;
    m[0].timestamp_ms = 5;
    m[1] = m[0];
    m[1].key = "loss";
    p[0].key = "a";
    p[0].value = "1";
    p[1].key = "b";
    p[1].value = "2";
    t[0].key = "ok";
    t[0].value = "yes";
    t[1].key = "../bad";
    t[1].value = "no";
    CHECK_EQ(mll_log_batch(r, m, 2, p, 2, t, 2), MLL_ERR_INVALID_KEY);
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK(!mll_test_exists(runfile(r, "params/a")));
    CHECK(!mll_test_exists(runfile(r, "tags/ok")));
    CHECK(!mll_test_exists(runfile(r, "metrics/acc")));
    p[1].key = "a";
    p[1].value = "different";
    t[1].key = "fine";
    CHECK_EQ(mll_log_batch(r, m, 2, p, 2, t, 2), MLL_ERR_PARAM_CHANGED);
    CHECK(!mll_test_exists(runfile(r, "params/a")));
    p[1].key = "b";
    CHECK_EQ(mll_log_batch(r, m, 2, p, 2, t, 2), MLL_OK);
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "metrics/acc"), NULL), "5 0.9 1\n");
    CHECK_STR(mll_test_read(runfile(r, "params/b"), NULL), "different");
    CHECK_STR(mll_test_read(runfile(r, "tags/fine"), NULL), "no");
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(artifacts) {
    const char *root = mll_test_tmpdir();
    char src[1024];
    size_t len;
    FILE *f;
    mll_store *s = open_store(root);
    mll_run *r = start(s, "exp", "r");
    CHECK(r != NULL);
    snprintf(src, sizeof(src), "%s/../model.bin", root);
    f = fopen(src, "wb");
    CHECK(f != NULL);
    {
        int i;
        for (i = 0; i < 300000; i++) fputc(i * 7 & 255, f);
    }
    fclose(f);
    CHECK_EQ(mll_log_artifact(r, src, "models/v1"), MLL_OK);
    mll_test_read(runfile(r, "artifacts/models/v1/model.bin"), &len);
    CHECK_EQ(len, 300000);
    CHECK_EQ(mll_log_artifact(r, src, NULL), MLL_OK);
    CHECK(mll_test_exists(runfile(r, "artifacts/model.bin")));
    CHECK_EQ(mll_log_text(r, "hello\n", "notes/readme.txt"), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "artifacts/notes/readme.txt"), NULL), "hello\n");
    CHECK_EQ(mll_log_bytes(r, "\0\1\2", 3, "raw.bin"), MLL_OK);
    mll_test_read(runfile(r, "artifacts/raw.bin"), &len);
    CHECK_EQ(len, 3);
    CHECK_EQ(mll_log_artifact(r, "/nonexistent/file", NULL), MLL_ERR_NOT_FOUND);
    CHECK(strstr(mll_run_artifact_uri(r), "file://") == mll_run_artifact_uri(r));
    remove(src);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

static int g_warned;
static void count_warnings(mll_log_level level, mll_result code, const char *msg, const char *file,
                           int line, void *ud) {
    (void)code;
    (void)file;
    (void)line;
    (void)ud;
    if (level == MLL_LOG_WARN && strstr(msg, "mlflow-lite sync")) g_warned++;
}

TEST(environment_like_mlflow) {
    const char *root = mll_test_tmpdir();
    char uri[1200], cwd[1024], id[300];
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_store_desc d;
    CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
    snprintf(uri, sizeof(uri), "file://%s", root);
    setenv("MLFLOW_TRACKING_URI", uri, 1);
    setenv("MLFLOW_EXPERIMENT_NAME", "from-env", 1);
    CHECK_EQ(mll_open(&s, NULL), MLL_OK);
    CHECK_STR(mll_store_root(s), root);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(id, sizeof(id), "%s", mll_run_id(r));
    CHECK(mll_get_experiment_id(s, "from-env", uri, sizeof(uri)) == MLL_OK);
    CHECK_STR(mll_run_experiment_id(r), uri);
    mll_end_run(r, MLL_RUN_FINISHED);
    /* MLFLOW_RUN_ID: reopen (as `mlflow run` launches a program) */
    setenv("MLFLOW_RUN_ID", id, 1);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_STR(mll_run_id(r), id);
    mll_end_run(r, MLL_RUN_FINISHED);
    unsetenv("MLFLOW_RUN_ID");
    unsetenv("MLFLOW_EXPERIMENT_NAME");
    mll_close(s);
    /* a server URI: warn once, write ./mlruns */
    CHECK(chdir(root) == 0);
    setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000", 1);
    memset(&d, 0, sizeof(d));
    d.logger.func = count_warnings;
    g_warned = 0;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    CHECK_EQ(g_warned, 1);
    snprintf(uri, sizeof(uri), "%s/mlruns", root);
    CHECK_STR(mll_store_root(s), uri);
    mll_close(s);
    /* a plain path, and ignore_env */
    setenv("MLFLOW_TRACKING_URI", "./other", 1);
    CHECK_EQ(mll_open(&s, NULL), MLL_OK);
    snprintf(uri, sizeof(uri), "%s/other", root);
    CHECK_STR(mll_store_root(s), uri);
    mll_close(s);
    d.ignore_env = 1;
    d.logger.func = NULL;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    snprintf(uri, sizeof(uri), "%s/mlruns", root);
    CHECK_STR(mll_store_root(s), uri);
    mll_close(s);
    setenv("MLFLOW_TRACKING_URI", "s3://bucket/x", 1);
    d.ignore_env = 0;
    d.root = "s3://bucket/x";
    CHECK_EQ(mll_open(&s, &d), MLL_ERR_UNSUPPORTED);
    unsetenv("MLFLOW_TRACKING_URI");
    CHECK(chdir(cwd) == 0);
}

TEST(git_commit_tag_inside_work_tree) {
    const char *root = mll_test_tmpdir();
    char p[1024];
    FILE *f;
    mll_store *s;
    mll_run *r = NULL;
    mll_run_desc rd;
    /* a fake work tree: .git/HEAD -> refs/heads/main -> packed-refs */
    snprintf(p, sizeof(p), "%s/proj/.git/refs/heads", root);
    {
        char cmd[1200];
        snprintf(cmd, sizeof(cmd), "mkdir -p %s %s/proj/bin", p, root);
        CHECK(system(cmd) == 0);
    }
    snprintf(p, sizeof(p), "%s/proj/.git/HEAD", root);
    f = fopen(p, "w");
    fputs("ref: refs/heads/main\n", f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/proj/.git/packed-refs", root);
    f = fopen(p, "w");
    fputs("# pack-refs with: peeled fully-peeled sorted\n"
          "0123456789abcdef0123456789abcdef01234567 refs/heads/main\n", f);
    fclose(f);
    snprintf(p, sizeof(p), "%s/mlruns", root);
    s = open_store(p);
    memset(&rd, 0, sizeof(rd));
    snprintf(p, sizeof(p), "%s/proj/bin/train", root);
    rd.source_name = p;
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    CHECK_STR(mll_test_read(runfile(r, "tags/mlflow.source.git.commit"), NULL),
              "0123456789abcdef0123456789abcdef01234567");
    CHECK_STR(mll_test_read(runfile(r, "tags/mlflow.source.name"), NULL), p);
    CHECK_STR(mll_run_experiment_id(r), "0");
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(unreachable_root_is_an_error) {
    mll_store *s = NULL;
    mll_store_desc d;
    static char longroot[5000];
    memset(&d, 0, sizeof(d));
    d.ignore_env = 1;
    d.root = "/proc/mll-cannot-create";
    CHECK(mll_open(&s, &d) != MLL_OK);
    CHECK(s == NULL);
    memset(longroot, 'x', sizeof(longroot) - 1);
    longroot[0] = '/';
    d.root = longroot;
    CHECK_EQ(mll_open(&s, &d), MLL_ERR_PATH_TOO_LONG);
    d.root = "/tmp";
    d.allocator.alloc = mll__default_alloc; /* alloc without free */
    CHECK_EQ(mll_open(&s, &d), MLL_ERR_INVALID_ARGUMENT);
}

int main(void) {
    RUN(null_handles_never_crash);
    RUN(strerror_and_version);
    RUN(layout_matches_mlflow);
    RUN(defaults_are_resolved);
    RUN(metric_lines_and_param_immutability);
    RUN(bad_input_writes_nothing_and_never_escapes_root);
    RUN(value_lengths_count_characters);
    RUN(experiment_names);
    RUN(reopen_run_appends);
    RUN(nested_run_and_initial_tags);
    RUN(batch_is_all_or_nothing);
    RUN(artifacts);
    RUN(environment_like_mlflow);
    RUN(git_commit_tag_inside_work_tree);
    RUN(unreachable_root_is_an_error);
    return mll_test_summary();
}
