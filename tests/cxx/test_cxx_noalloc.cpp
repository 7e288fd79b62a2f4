// Proves that mll::run::log_metric allocates nothing beyond what the C path does: the
// global operator new is replaced by a counting one, and the store's allocator hook
// counts the C library's allocations. The same number of points goes through the C API
// and through the C++ handle (string literal, std::string and string_view keys, and
// small log_metrics batches); C++ must add 0 operator-new calls and the C side must see
// the same count in both loops (0 in steady state).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.hpp"
#include "mll_test.h"

static std::atomic<long> cxx_news{0};
static std::atomic<long> c_allocs{0};

void *operator new(std::size_t n) {
    cxx_news.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void *operator new[](std::size_t n) { return operator new(n); }
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
    cxx_news.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n ? n : 1);
}
void *operator new[](std::size_t n, const std::nothrow_t &t) noexcept { return operator new(n, t); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

static void *count_alloc(size_t n, void *) {
    c_allocs.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n);
}
static void count_free(void *p, void *) { std::free(p); }

enum { WARM = 20000, POINTS = 200000 };

struct counts {
    long news, allocs;
};
template <class F>
static counts measure(F &&loop) {
    long n0 = cxx_news.load(), a0 = c_allocs.load();
    loop();
    return {cxx_news.load() - n0, c_allocs.load() - a0};
}

TEST(log_metric_allocates_nothing_beyond_c) {
    std::string root = mll_test_tmpdir();
    mll_store_desc d{};
    d.root = root.c_str();
    d.allocator.alloc = count_alloc;
    d.allocator.free = count_free;
    mll::store s(d);
    CHECK(s);
    mll::run r = s.start_run("noalloc");
    CHECK(r);
    const std::string key_str = "train/loss_from_a_std_string";
    const char key_buf[] = {'v', 'a', 'l', '/', 'x', 'y', 'z'};
    const std::string_view key_view(key_buf, 5); // "val/x", no NUL after it: must be copied
    long failed = 0; // every call must succeed: the measured path is the logging one
    auto cxx_loop = [&](long from, long to) {
        for (long i = from; i < to; i++) {
            failed += r.log_metric("train/loss", 1.0 / double(i + 1), i) != MLL_OK;
            failed += r.log_metric(key_str, double(i), i) != MLL_OK;
            failed += r.log_metric(key_view, 0.5, i) != MLL_OK;
            failed += r.log_metrics({{"a", 1.0}, {"b", double(i)}}, i) != MLL_OK;
        }
    };
    auto c_loop = [&](long from, long to) {
        mll_run *h = r.get();
        for (long i = from; i < to; i++) {
            failed += mll_log_metric(h, "train/loss", 1.0 / double(i + 1), i) != MLL_OK;
            failed += mll_log_metric(h, key_str.c_str(), double(i), i) != MLL_OK;
            failed += mll_log_metric(h, "val/x", 0.5, i) != MLL_OK;
            mll_metric pts[2] = {{"a", 1.0, i, 0}, {"b", double(i), i, 0}};
            failed += mll_log_metrics(h, pts, 2) != MLL_OK;
        }
    };
    // the counters are live: one std::string past the small-string buffer is one new,
    // one new metric key is at least one C allocation
    counts probe = measure([&] {
        std::string big(100, 'x');
        r.log_metric("probe/" + big, 1.0, 0);
    });
    CHECK(probe.news >= 1);
    CHECK(probe.allocs >= 1);
    cxx_loop(0, WARM); // per-key buffers reach their working size
    c_loop(WARM, 2 * WARM);
    counts c = measure([&] { c_loop(2 * WARM, 2 * WARM + POINTS); });
    counts cxx = measure([&] { cxx_loop(2 * WARM + POINTS, 2 * WARM + 2 * POINTS); });
    std::printf("%d iterations x 5 points: C path %ld C allocations, %ld operator new; "
                "C++ path %ld C allocations, %ld operator new\n",
                POINTS, c.allocs, c.news, cxx.allocs, cxx.news);
    CHECK_EQ(failed, 0);
    CHECK_EQ(cxx.news, 0);
    CHECK_EQ(c.news, 0);
    CHECK_EQ(cxx.allocs, c.allocs);
    CHECK_EQ(r.flush(), MLL_OK);
    CHECK_EQ(r.end(), MLL_OK);
}

int main() {
    RUN(log_metric_allocates_nothing_beyond_c);
    return mll_test_summary();
}
