/* Threads and time: many threads logging to one run lose nothing and interleave only
   whole lines; the background flusher writes points within the flush interval without
   any mll_flush; without the thread, log calls flush once the interval passed. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"
#include <pthread.h>
#include <time.h>

enum { THREADS = 4, POINTS = 20000 };
static mll_run *g_run;

static void *worker(void *arg) {
    long id = (long)(intptr_t)arg, i;
    char own[16];
    snprintf(own, sizeof(own), "thread/%ld", id);
    for (i = 0; i < POINTS; i++) {
        mll_log_metric(g_run, own, (double)i / 3.0, i);
        mll_log_metric(g_run, "shared", (double)id, i);
    }
    return NULL;
}

static long count_lines(const char *path) {
    size_t len;
    const char *t = mll_test_read(path, &len);
    long n = 0;
    size_t i;
    if (len && t[len - 1] != '\n') return -1;
    for (i = 0; i < len; i++) n += t[i] == '\n';
    return n;
}

static mll_store *open_store(const char *root, int interval_ms, int no_thread) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.flush_interval_ms = interval_ms;
    d.no_flush_thread = no_thread;
    d.buffer_bytes = 4096; /* many inline flushes, racing with the flusher thread */
    if (mll_open(&s, &d) != MLL_OK) return NULL;
    return s;
}

static void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

TEST(many_threads_one_run) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 20, 0);
    mll_run_desc rd;
    pthread_t th[THREADS];
    char path[4200];
    long i;
    CHECK(s != NULL);
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "threads";
    CHECK_EQ(mll_start_run(&g_run, s, &rd), MLL_OK);
    for (i = 0; i < THREADS; i++) CHECK(pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i) == 0);
    for (i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
    CHECK_EQ(mll_flush(g_run), MLL_OK);
    for (i = 0; i < THREADS; i++) {
        snprintf(path, sizeof(path), "%s/metrics/thread/%ld", mll_run_dir(g_run), i);
        CHECK_EQ(count_lines(path), POINTS);
    }
    snprintf(path, sizeof(path), "%s/metrics/shared", mll_run_dir(g_run));
    CHECK_EQ(count_lines(path), (long)THREADS * POINTS);
    CHECK_EQ(mll_end_run(g_run, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(background_flush_within_interval) {
    const char *root = mll_test_tmpdir();
    mll_store *s;
    mll_store_desc d;
    mll_run *r = NULL;
    char path[4200];
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.flush_interval_ms = 200;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "m", 1.0, 0), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    CHECK(!mll_test_exists(path)); /* buffered */
    sleep_ms(600);                 /* at most one interval late (+ scheduling slack) */
    CHECK_EQ(count_lines(path), 1);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(default_interval_is_at_most_one_second) {
    const char *root = mll_test_tmpdir();
    mll_store *s;
    mll_store_desc d;
    mll_run *r = NULL;
    char path[4200];
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "m", 1.0, 0), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    sleep_ms(1300);
    CHECK_EQ(count_lines(path), 1);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(without_thread_log_calls_flush_after_interval) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 100, 1);
    mll_run *r = NULL;
    char path[4200];
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    CHECK_EQ(mll_log_metric(r, "m", 1.0, 0), MLL_OK);
    sleep_ms(150);
    CHECK_EQ(mll_log_metric(r, "m", 2.0, 1), MLL_OK);
    CHECK_EQ(count_lines(path), 2);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(close_ends_open_runs_finished) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 1000, 0);
    mll_run *r = NULL;
    char path[4200];
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric(r, "m", 1.0, 0), MLL_OK);
    snprintf(path, sizeof(path), "%s", mll_run_dir(r));
    CHECK_EQ(mll_close(s), MLL_OK);
    strcat(path, "/meta.yaml");
    CHECK(strstr(mll_test_read(path, NULL), "status: 3\n") != NULL);
    strcpy(strrchr(path, '/'), "/metrics/m");
    CHECK_EQ(count_lines(path), 1);
}

int main(void) {
    RUN(many_threads_one_run);
    RUN(background_flush_within_interval);
    RUN(default_interval_is_at_most_one_second);
    RUN(without_thread_log_calls_flush_after_interval);
    RUN(close_ends_open_runs_finished);
    return mll_test_summary();
}
