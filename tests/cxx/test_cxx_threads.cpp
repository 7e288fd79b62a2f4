// Many threads on one mll::run, as the manual allows: good points, refused keys (the C++
// layer's own errors) and C errors at once, with last_error() read meanwhile. Built with
// -fsanitize=thread (cxx_threads_tsan): a data race in the C++ layer fails the test.
#include <string>
#include <thread>
#include <vector>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.hpp"
#include "mll_test.h"

enum { THREADS = 4, POINTS = 5000 };

static int count_lines(const std::string &path) {
    size_t len = 0;
    const char *text = mll_test_read(path.c_str(), &len);
    int n = 0;
    for (size_t i = 0; i < len; i++) n += text[i] == '\n';
    return n;
}

TEST(threads_share_one_run) {
    mll::store s(mll_test_tmpdir());
    mll::run r = s.start_run("threads");
    CHECK(r);
    std::vector<std::thread> workers;
    std::vector<int> bad(THREADS, 0);
    for (int t = 0; t < THREADS; t++) {
        workers.emplace_back([&r, &bad, t] {
            std::string key = "t" + std::to_string(t);
            for (int i = 0; i < POINTS; i++) {
                if (r.log_metric(key, i, i) != MLL_OK) bad[t]++;
                if (i % 500 == 0) {
                    bad[t] += r.log_metric(std::string_view("n\0ul", 4), 1.0, i) != MLL_ERR_INVALID_KEY;
                    bad[t] += r.log_metric("../up", 1.0, i) != MLL_ERR_INVALID_KEY;
                    bad[t] += r.last_error().code != MLL_ERR_INVALID_KEY;
                }
            }
        });
    }
    for (auto &w : workers) w.join();
    workers.clear();
    // only the C++ layer's own errors: no C call (and its mutex) orders these threads
    for (int t = 0; t < THREADS; t++) {
        workers.emplace_back([&r, &bad, t] {
            for (int i = 0; i < 200; i++) {
                bad[t] += r.log_metric(std::string_view("n\0ul", 4), 1.0, i) != MLL_ERR_INVALID_KEY;
                bad[t] += r.last_error().subject != "n?ul";
            }
        });
    }
    for (auto &w : workers) w.join();
    for (int t = 0; t < THREADS; t++) CHECK_EQ(bad[t], 0);
    CHECK_EQ(r.flush(), MLL_OK);
    for (int t = 0; t < THREADS; t++) CHECK_EQ(count_lines(r.dir() + "/metrics/t" + std::to_string(t)), POINTS);
}

int main() {
    RUN(threads_share_one_run);
    return mll_test_summary();
}
