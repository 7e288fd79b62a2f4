// mlflow_lite.hpp: handle semantics, error reporting and the files behind each call.
// (What MLflow reads back is judged by cxx_check.py; this checks the C++ layer itself.)
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.hpp"
#include "mll_test.h"

// CHECK_STR for std::string expressions (CHECK_STR would keep a pointer into a temporary)
#define CHECK_S(a, b)                                                                     \
    do {                                                                                  \
        std::string sa_ = (a), sb_ = (b);                                                 \
        if (sa_ != sb_) {                                                                 \
            fprintf(stderr, "%s:%d: CHECK_S failed: %s == %s (\"%s\" vs \"%s\")\n", __FILE__, \
                    __LINE__, #a, #b, sa_.c_str(), sb_.c_str());                          \
            mll_test_failed_flag = 1;                                                     \
            return;                                                                       \
        }                                                                                 \
    } while (0)

static_assert(!std::is_copy_constructible_v<mll::run> && !std::is_copy_assignable_v<mll::run>);
static_assert(!std::is_copy_constructible_v<mll::store> && !std::is_copy_assignable_v<mll::store>);
static_assert(std::is_nothrow_move_constructible_v<mll::run> && std::is_nothrow_move_assignable_v<mll::run>);
static_assert(std::is_nothrow_move_constructible_v<mll::store> && std::is_nothrow_move_assignable_v<mll::store>);
static_assert(noexcept(std::declval<mll::run &>().log_metric("k", 1.0, 0)));
static_assert(noexcept(std::declval<mll::run &>().log_param("k", 1.0)));
static_assert(noexcept(std::declval<mll::run &>().log_param("k", std::declval<const std::string &>())));
static_assert(noexcept(std::declval<mll::run &>().log_metrics({{"a", 1.0}}, 0)));
static_assert(noexcept(std::declval<mll::run &>().set_tag("k", "v")));
static_assert(noexcept(std::declval<mll::run &>().end()));
static_assert(noexcept(std::declval<mll::store &>().start_run("e", "r")));
static_assert(std::is_nothrow_default_constructible_v<mll::store>);

static std::string file_of(const mll::run &r, const std::string &rel) {
    return mll_test_read((r.dir() + "/" + rel).c_str(), nullptr);
}
static std::string file_at(const std::string &dir, const std::string &rel) {
    return mll_test_read((dir + "/" + rel).c_str(), nullptr);
}
static bool meta_has(const std::string &dir, const char *line) {
    return file_at(dir, "meta.yaml").find(line) != std::string::npos;
}

TEST(param_spellings) {
    mll::store s(mll_test_tmpdir());
    mll::run r = s.start_run("params");
    CHECK(r);
    CHECK_EQ(r.log_param("b1", true), MLL_OK);
    CHECK_EQ(r.log_param("b0", false), MLL_OK);
    CHECK_EQ(r.log_param("i", -5), MLL_OK);
    CHECK_EQ(r.log_param("u64", 18446744073709551615ull), MLL_OK);
    CHECK_EQ(r.log_param("i64", static_cast<long long>(-9223372036854775807ll - 1)), MLL_OK);
    CHECK_EQ(r.log_param("d", 0.01), MLL_OK);
    CHECK_EQ(r.log_param("d5", 5.0), MLL_OK);
    CHECK_EQ(r.log_param("f", 0.01f), MLL_OK);
    CHECK_EQ(r.log_param("f2", 0.1f), MLL_OK);
    CHECK_EQ(r.log_param("f3", 1e-5f), MLL_OK);
    CHECK_EQ(r.log_param("f4", 5.0f), MLL_OK);
    CHECK_EQ(r.log_param("f5", 3.4028235e38f), MLL_OK);
    CHECK_EQ(r.log_param("cstr", "adam"), MLL_OK);
    CHECK_EQ(r.log_param("str", std::string("sgd")), MLL_OK);
    CHECK_EQ(r.log_param("view", std::string_view("momentum=0.9xyz", 12)), MLL_OK);
    const char *want[][2] = {{"b1", "True"}, {"b0", "False"}, {"i", "-5"},
                             {"u64", "18446744073709551615"}, {"i64", "-9223372036854775808"},
                             {"d", "0.01"}, {"d5", "5.0"}, {"f", "0.01"}, {"f2", "0.1"},
                             {"f3", "1e-05"}, {"f4", "5.0"}, {"f5", "3.4028235e+38"},
                             {"cstr", "adam"}, {"str", "sgd"}, {"view", "momentum=0.9"}};
    for (auto &w : want) CHECK_S(file_of(r, std::string("params/") + w[0]), w[1]);
    CHECK_EQ(r.end(), MLL_OK);
}

TEST(errors_are_returned_and_readable) {
    mll::store s(mll_test_tmpdir());
    mll::run r = s.start_run("errors");
    CHECK(r);
    CHECK_EQ(r.log_metric("../up", 1.0, 0), MLL_ERR_INVALID_KEY);
    mll::error e = r.last_error();
    CHECK_EQ(e.code, MLL_ERR_INVALID_KEY);
    CHECK(e.message.find("../up") != std::string::npos);
    // a NUL inside a key would cut it short in C: refused here, and readable
    CHECK_EQ(r.log_metric(std::string_view("lo\0ss", 5), 1.0, 0), MLL_ERR_INVALID_KEY);
    e = r.last_error();
    CHECK_EQ(e.code, MLL_ERR_INVALID_KEY);
    CHECK_S(e.subject, "lo?ss");
    CHECK_EQ(r.set_tag("t", std::string_view("a\0b", 3)), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(r.last_error().code, MLL_ERR_INVALID_VALUE);
    // a later C failure is the current last error again
    CHECK_EQ(r.log_param("p", "1"), MLL_OK);
    CHECK_EQ(r.log_param("p", "2"), MLL_ERR_PARAM_CHANGED);
    CHECK_EQ(r.last_error().code, MLL_ERR_PARAM_CHANGED);
    CHECK(!mll_test_exists((r.dir() + "/metrics/lo").c_str()));
    CHECK(!mll_test_exists((r.dir() + "/tags/t").c_str()));
    // a key far longer than any MLflow key takes the heap path and is refused by C
    CHECK_EQ(r.log_metric(std::string(5000, 'k'), 1.0, 0), MLL_ERR_VALUE_TOO_LONG);
}

TEST(empty_and_failed_handles) {
    mll::run empty;
    CHECK(!empty);
    CHECK_EQ(empty.log_metric("a", 1.0, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(empty.end(), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(empty.last_error().code, MLL_ERR_INVALID_ARGUMENT);
    CHECK(empty.id().empty());

    std::string bad = std::string(mll_test_tmpdir()) + "/file";
    FILE *f = fopen(bad.c_str(), "w");
    CHECK(f != nullptr);
    fclose(f);
    mll_store_desc d{};
    std::string below_file = bad + "/mlruns"; // below a regular file: cannot be created
    d.root = below_file.c_str();
    mll::store s(d);
    CHECK(!s);
    mll::error e = s.last_error();
    CHECK(e.code != MLL_OK);
    CHECK(e.message.find(bad) != std::string::npos); // the logger's "cannot open MLflow root ..."
    mll::run r = s.start_run("x");
    CHECK(!r);
    CHECK(r.last_error().code != MLL_OK);

    mll::store ok(mll_test_tmpdir());
    mll::run_options o;
    o.run_id = "0123456789abcdef0123456789abcdef"; // no such run to reopen
    mll::run missing = ok.start_run(o);
    CHECK(!missing);
    CHECK_EQ(missing.last_error().code, ok.last_error().code);
    CHECK(missing.last_error().code != MLL_OK);
}

TEST(run_outlives_its_store) {
    mll::run r;
    std::string dir;
    {
        mll::store s(mll_test_tmpdir());
        r = s.start_run("outlive");
        CHECK(r);
        dir = r.dir();
    } // the store handle is gone; the run keeps it open
    CHECK_EQ(r.log_metric("m", 2.5, 7), MLL_OK);
    CHECK_EQ(r.flush(), MLL_OK);
    CHECK(file_at(dir, "metrics/m").find(" 2.5 7") != std::string::npos);
    r = mll::run(); // ends it (FINISHED) and closes the store
    CHECK(meta_has(dir, "status: 3"));
}

TEST(move_assignment_ends_the_old_run) {
    mll::store s(mll_test_tmpdir());
    mll::run a = s.start_run("moves", "a");
    std::string dir_a = a.dir();
    mll::run b = s.start_run("moves", "b");
    std::string dir_b = b.dir();
    a = std::move(b);
    CHECK(meta_has(dir_a, "status: 3"));
    CHECK(!b);
    CHECK_S(a.dir(), dir_b);
    mll::run c(std::move(a));
    CHECK(!a);
    CHECK_EQ(c.end(mll::status::killed), MLL_OK);
    CHECK(meta_has(dir_b, "status: 5"));
}

// A run that starts and ends inside a destructor running during unwinding is not failed:
// only exceptions thrown after the run started count.
struct starts_a_run_while_unwinding {
    mll::store *s;
    std::string *dir;
    ~starts_a_run_while_unwinding() {
        mll::run r = s->start_run("unwind", "cleanup");
        *dir = r.dir();
    }
};

TEST(unwinding_fails_only_runs_it_leaves) {
    mll::store s(mll_test_tmpdir());
    std::string failed_dir, cleanup_dir;
    try {
        starts_a_run_while_unwinding guard{&s, &cleanup_dir};
        mll::run r = s.start_run("unwind", "failing");
        failed_dir = r.dir();
        throw std::runtime_error("diverged");
    } catch (const std::exception &) {
    }
    CHECK(meta_has(failed_dir, "status: 4"));
    CHECK(meta_has(cleanup_dir, "status: 3"));
}

TEST(batches_small_and_large) {
    mll::store s(mll_test_tmpdir());
    mll::run r = s.start_run("batch");
    CHECK_EQ(r.log_metrics({{"a", 1.0}, {"b", 2.0}}, 3, 1700000000000), MLL_OK);
    std::vector<mll::metric> many;
    std::vector<std::string> keys;
    for (int i = 0; i < 40; i++) keys.push_back("metric_with_a_long_name_" + std::string(60, 'x') + std::to_string(i));
    for (int i = 0; i < 40; i++) many.push_back({keys[i], i * 0.5});
    CHECK_EQ(r.log_metrics(many.data(), many.size(), 9), MLL_OK); // > 16 points, > 2 KiB of keys
    many[39].key = "bad//key";
    CHECK_EQ(r.log_metrics(many.data(), many.size(), 10), MLL_ERR_INVALID_KEY);
    CHECK_EQ(r.flush(), MLL_OK);
    CHECK_S(file_of(r, "metrics/a"), "1700000000000 1.0 3\n");
    CHECK(file_of(r, "metrics/" + keys[39]).find(" 19.5 9\n") != std::string::npos);
    CHECK(file_of(r, "metrics/" + keys[0]).find(" 10\n") == std::string::npos); // nothing of the bad batch
    CHECK_EQ(r.log_metric_at("at", -1.0, -2, 5), MLL_OK);
    CHECK_EQ(r.flush(), MLL_OK);
    CHECK_S(file_of(r, "metrics/at"), "5 -1.0 -2\n");
}

TEST(tags_text_artifacts_name) {
    std::string root = mll_test_tmpdir();
    mll::store s(root);
    mll::run_options o;
    o.experiment_name = "misc";
    o.tags = {{"stage", "eval"}, {"k", "v"}};
    o.description = "a note";
    mll::run r = s.start_run(o);
    CHECK(r);
    CHECK_S(file_of(r, "tags/stage"), "eval");
    CHECK_S(file_of(r, "tags/mlflow.note.content"), "a note");
    CHECK_EQ(r.set_tag("team", std::string("vision")), MLL_OK);
    CHECK_EQ(r.delete_tag("k"), MLL_OK);
    CHECK(!mll_test_exists((r.dir() + "/tags/k").c_str()));
    CHECK_EQ(r.set_name("renamed"), MLL_OK);
    CHECK_S(r.name(), "renamed");
    CHECK_EQ(r.log_text("hello\n", "notes/readme.txt"), MLL_OK);
    CHECK_EQ(r.log_text("", "empty.txt"), MLL_OK);
    CHECK_S(file_of(r, "artifacts/notes/readme.txt"), "hello\n");
    std::string local = root + "/config.yaml";
    FILE *f = fopen(local.c_str(), "w");
    CHECK(f != nullptr);
    fputs("a: 1\n", f);
    fclose(f);
    CHECK_EQ(r.log_artifact(local, "configs"), MLL_OK);
    CHECK_EQ(r.log_artifact(local), MLL_OK);
    CHECK_S(file_of(r, "artifacts/configs/config.yaml"), "a: 1\n");
    CHECK_S(file_of(r, "artifacts/config.yaml"), "a: 1\n");
    CHECK_EQ(s.set_experiment_tag(r.experiment_id(), "owner", "me"), MLL_OK);
    CHECK_S(file_at(root + "/" + r.experiment_id(), "tags/owner"), "me");
    mll::run child;
    {
        mll::run_options c;
        c.experiment_id = r.experiment_id();
        c.parent_run_id = r.id();
        child = s.start_run(c);
    }
    CHECK_S(file_of(child, "tags/mlflow.parentRunId"), r.id());
}

static int user_log_calls;
static void user_logger(mll_log_level, mll_result, const char *, const char *, int, void *ud) {
    user_log_calls += *static_cast<int *>(ud);
}

TEST(user_logger_still_called) {
    int one = 1;
    mll_store_desc d{};
    std::string root = mll_test_tmpdir();
    d.root = root.c_str();
    d.logger.func = user_logger;
    d.logger.user_data = &one;
    mll::store s(d);
    mll::run r = s.start_run("logger");
    user_log_calls = 0;
    CHECK_EQ(r.log_metric("", 1.0, 0), MLL_ERR_INVALID_KEY);
    CHECK_EQ(user_log_calls, 1);
}

int main() {
    RUN(param_spellings);
    RUN(errors_are_returned_and_readable);
    RUN(empty_and_failed_handles);
    RUN(run_outlives_its_store);
    RUN(move_assignment_ends_the_old_run);
    RUN(unwinding_fails_only_runs_it_leaves);
    RUN(batches_small_and_large);
    RUN(tags_text_artifacts_name);
    RUN(user_logger_still_called);
    return mll_test_summary();
}
