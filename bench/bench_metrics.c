/* bench_metrics: throughput of mll_log_metric (1 thread; 2 threads with a run each;
   2 threads sharing a run), the write() floor for the same bytes, RSS over 10 M
   points, steady-state allocations, and mll_format_double against glibc and
   stb_sprintf "%.17g". Prints "key value" lines; bench/run_bench.sh makes the table.
   usage: bench_metrics <scratch dir> [points per thread] */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
/* stb_sprintf for the "%.17g" comparison, included first as a program of its own would;
   the header then reuses this copy instead of compiling a second one. */
#define STB_SPRINTF_IMPLEMENTATION
#define STB_SPRINTF_STATIC
#define STB_SPRINTF_NOUNALIGNED
#include <stb/stb_sprintf.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, mll_result r) {
    fprintf(stderr, "bench: %s: %s\n", what, mll_strerror(r));
    exit(1);
}

static long rss_kib(void) {
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) kib = atol(line + 6);
    fclose(f);
    return kib;
}

static size_t n_allocs;
static void *count_alloc(size_t size, void *ud) {
    (void)ud;
    __atomic_add_fetch(&n_allocs, 1, __ATOMIC_RELAXED);
    return malloc(size);
}
static void count_free(void *p, void *ud) {
    (void)ud;
    free(p);
}

static mll_store *open_store(const char *root) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_result r;
    sd.root = root;
    sd.ignore_env = 1;
    sd.allocator.alloc = count_alloc;
    sd.allocator.free = count_free;
    if ((r = mll_open(&st, &sd)) != MLL_OK) die("mll_open", r);
    return st;
}

static mll_run *start(mll_store *st, const char *name) {
    mll_run_desc rd = {0};
    mll_run *run = NULL;
    mll_result r;
    rd.experiment_name = "bench";
    rd.run_name = name;
    if ((r = mll_start_run(&run, st, &rd)) != MLL_OK) die("mll_start_run", r);
    return run;
}

typedef struct job {
    mll_run *run;
    const char *key;
    long n;
} job;

static void *log_loop(void *arg) {
    job *j = (job *)arg;
    long i;
    for (i = 0; i < j->n; i++) {
        mll_result r = mll_log_metric(j->run, j->key, 1.0 / (double)(i + 1), i);
        if (r != MLL_OK) die("mll_log_metric", r);
    }
    return NULL;
}

/* Runs `threads` loggers of n points each; shared: one run for all. Returns seconds,
   including mll_end_run (the final flush). */
static double bench_threads(const char *root, int threads, int shared, long n) {
    mll_store *st = open_store(root);
    mll_run *runs[2];
    pthread_t th[2];
    job jobs[2];
    double t0, t1;
    int i;
    runs[0] = start(st, "bench");
    runs[1] = shared ? runs[0] : start(st, "bench-2");
    t0 = now_s();
    for (i = 0; i < threads; i++) {
        jobs[i].run = runs[i];
        jobs[i].key = i == 0 ? "train/loss" : "train/acc";
        jobs[i].n = n;
        pthread_create(&th[i], NULL, log_loop, &jobs[i]);
    }
    for (i = 0; i < threads; i++) pthread_join(th[i], NULL);
    mll_end_run(runs[0], MLL_RUN_FINISHED);
    if (!shared) mll_end_run(runs[1], MLL_RUN_FINISHED);
    t1 = now_s();
    mll_close(st);
    return t1 - t0;
}

/* The floor: the same lines, preformatted, written with write() in 1 MiB chunks. */
static double bench_write_floor(const char *dir, long n, size_t *bytes_out) {
    char path[4096], line[96], num[32];
    size_t cap = (size_t)n * 48 + 64, len = 0, off;
    char *buf = (char *)malloc(cap);
    long i;
    int fd;
    double t0, t1;
    int64_t ts = 1700000000000LL;
    if (!buf) exit(1);
    for (i = 0; i < n; i++) {
        mll_format_double(1.0 / (double)(i + 1), num, sizeof num);
        len += (size_t)snprintf(line, sizeof line, "%lld %s %ld\n", (long long)(ts + i / 1000), num, i);
        memcpy(buf + len - strlen(line), line, strlen(line));
    }
    snprintf(path, sizeof path, "%s/write-floor.txt", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) exit(1);
    t0 = now_s();
    for (off = 0; off < len;) {
        size_t chunk = len - off < (1u << 20) ? len - off : (1u << 20);
        ssize_t w = write(fd, buf + off, chunk);
        if (w <= 0) exit(1);
        off += (size_t)w;
    }
    close(fd);
    t1 = now_s();
    unlink(path);
    free(buf);
    *bytes_out = len;
    return t1 - t0;
}

static void bench_rss(const char *root) {
    mll_store *st = open_store(root);
    mll_run *run = start(st, "rss");
    long i, m;
    size_t allocs_before = 0;
    printf("rss_kib_0M %ld\n", rss_kib());
    for (m = 1; m <= 10; m++) {
        if (m == 3) allocs_before = __atomic_load_n(&n_allocs, __ATOMIC_RELAXED);
        for (i = (m - 1) * 1000000; i < m * 1000000; i++) {
            mll_result r = mll_log_metric(run, "train/loss", 1.0 / (double)(i + 1), i);
            if (r != MLL_OK) die("mll_log_metric", r);
        }
        printf("rss_kib_%ldM %ld\n", m, rss_kib());
    }
    printf("allocs_steady_8M %zu\n", __atomic_load_n(&n_allocs, __ATOMIC_RELAXED) - allocs_before);
    mll_end_run(run, MLL_RUN_FINISHED);
    mll_close(st);
}

static void bench_format(void) {
    enum { N = 1000000 };
    double *v = (double *)malloc(N * sizeof(double));
    char buf[64];
    size_t sink = 0;
    uint64_t s = 42;
    double t0, t1, t2, t3;
    int i;
    if (!v) exit(1);
    for (i = 0; i < N; i++) { /* loss-like values: uniform in (0, 1) with full precision */
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = (double)(s >> 11) * (1.0 / 9007199254740992.0);
    }
    t0 = now_s();
    for (i = 0; i < N; i++) sink += mll_format_double(v[i], buf, sizeof buf);
    t1 = now_s();
    for (i = 0; i < N; i++) sink += (size_t)snprintf(buf, sizeof buf, "%.17g", v[i]);
    t2 = now_s();
    for (i = 0; i < N; i++) sink += (size_t)stbsp_snprintf(buf, sizeof buf, "%.17g", v[i]);
    t3 = now_s();
    printf("fmt_mll_ns %.1f\nfmt_glibc_ns %.1f\nfmt_stb_ns %.1f\nfmt_sink %zu\n", (t1 - t0) * 1e9 / N,
           (t2 - t1) * 1e9 / N, (t3 - t2) * 1e9 / N, sink);
    free(v);
}

int main(int argc, char **argv) {
    char root[4096];
    long n = argc > 2 ? atol(argv[2]) : 5000000;
    double t;
    size_t bytes;
    if (argc < 2) {
        fprintf(stderr, "usage: bench_metrics <scratch dir> [points per thread]\n");
        return 1;
    }
    printf("points_per_thread %ld\n", n);
    snprintf(root, sizeof root, "%s/mlruns-1t", argv[1]);
    t = bench_threads(root, 1, 0, n);
    printf("mll_1t_s %.6f\nmll_1t_points %ld\n", t, n);
    snprintf(root, sizeof root, "%s/mlruns-2t", argv[1]);
    t = bench_threads(root, 2, 0, n);
    printf("mll_2t_own_s %.6f\nmll_2t_own_points %ld\n", t, 2 * n);
    snprintf(root, sizeof root, "%s/mlruns-2s", argv[1]);
    t = bench_threads(root, 2, 1, n);
    printf("mll_2t_shared_s %.6f\nmll_2t_shared_points %ld\n", t, 2 * n);
    t = bench_write_floor(argv[1], n, &bytes);
    printf("write_floor_s %.6f\nwrite_floor_points %ld\nwrite_floor_bytes %zu\n", t, n, bytes);
    snprintf(root, sizeof root, "%s/mlruns-rss", argv[1]);
    bench_rss(root);
    bench_format();
    return 0;
}
