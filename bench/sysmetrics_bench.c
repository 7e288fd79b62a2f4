/* sysmetrics_bench: what system metrics cost (issue 11).
     1. CPU time of one sample: the readers alone (/proc/stat, /proc/meminfo, statvfs,
        /proc/net/dev, getrusage + /proc/self/status), then a sample that also logs its 11
        points, then the flush that writes them (at the default 10 s interval every sample is
        flushed on its own: one line per key per flush). Per hour at 10 s = 360 samples, and
        as a share of one core.
     2. mll_log_metric throughput in one run with sampling off and at 100 ms, in alternating
        rounds. The box is shared and its load drifts: each "on" round is compared with the
        "off" round just before it, and the median (and quartiles) of those ratios is the
        effect; the medians of the rounds are printed too.
   usage: sysmetrics_bench DIR [samples, default 3000] [points per round, default 300000] [rounds, default 61]
   (bench/run_sysmetrics_bench.sh builds it in Release and runs it) */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double thread_cpu_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static mll_run *new_run(mll_store *s, const char *name) {
    mll_run *run = NULL;
    mll_run_desc rd;
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "sysmetrics-bench";
    rd.run_name = name;
    if (mll_start_run(&run, s, &rd) != MLL_OK) exit(1);
    return run;
}

/* CPU seconds per call of what `what` selects, over n calls (run lock held, as on the flusher). */
static double per_sample(mll_run *run, int n, int samples_before_logging, int flush, double *wall) {
    mll_system_metrics_desc d;
    double c0, w0, c;
    int i;
    mll_result r;
    mll_run *body;
    memset(&d, 0, sizeof(d));
    d.interval_ms = 3600000; /* the flusher never samples on its own here */
    d.samples_before_logging = samples_before_logging;
    d.no_gpu = 1;
    if (mll_start_system_metrics(run, &d) != MLL_OK) exit(1);
    body = mll__run_lock(run, &r); /* the handle's run, locked */
    if (!body) exit(1);
    c0 = thread_cpu_s();
    w0 = wall_s();
    for (i = 0; i < n; i++) {
        mll__sm_sample(body, body->sysm);
        if (flush) mll__run_flush_locked(body);
    }
    c = (thread_cpu_s() - c0) / n;
    *wall = (wall_s() - w0) / n;
    mll__unlock(body->lock);
    mll_stop_system_metrics(run);
    mll_flush(run);
    return c;
}

/* ns per point of one round: wall time, and the logging thread's CPU time (less moved by
   other processes on a shared box) in *cpu_ns */
static double log_round(mll_run *run, long points, long *step, double *cpu_ns) {
    double w0 = wall_s(), c0 = thread_cpu_s();
    long i;
    for (i = 0; i < points; i++, ++*step) mll_log_metric(run, "train/loss", (double)(*step & 1023) * 0.5, *step);
    *cpu_ns = (thread_cpu_s() - c0) / (double)points * 1e9;
    return (wall_s() - w0) / (double)points * 1e9;
}

int main(int argc, char **argv) {
    mll_store *s = NULL;
    mll_store_desc sd;
    mll_run *run;
    int n = argc > 2 ? atoi(argv[2]) : 3000, rounds = argc > 4 ? atoi(argv[4]) : 61, i;
    long points = argc > 3 ? atol(argv[3]) : 300000, step = 0;
    double w_read, w_sample, w_flush, read, sample, flush, off[256], on[256], coff[256], con[256], ratio[256], cratio[256], per_hour, x;
    mll_system_metrics_desc d;
    if (argc < 2 || rounds < 1 || rounds > 256) {
        fprintf(stderr, "usage: sysmetrics_bench DIR [samples] [points per round] [rounds <= 256]\n");
        return 2;
    }
    memset(&sd, 0, sizeof(sd));
    sd.root = argv[1];
    sd.ignore_env = 1;
    if (mll_open(&s, &sd) != MLL_OK) return 1;

    run = new_run(s, "per-sample");
    read = per_sample(run, n, 1000000, 0, &w_read);  /* readers only: the window never fills */
    sample = per_sample(run, n, 1, 0, &w_sample);    /* + 11 points into the buffer */
    flush = per_sample(run, n, 1, 1, &w_flush);      /* + writing them, one line per key */
    mll_end_run(run, MLL_RUN_FINISHED);
    per_hour = 360 * flush;
    printf("system metrics, CPU time per sample (thread CPU, %d samples, no GPU):\n", n);
    printf("  readers only (stat, meminfo, statvfs, net/dev, getrusage+status)  %8.1f us  (wall %.1f us)\n",
           read * 1e6, w_read * 1e6);
    printf("  + aggregating and buffering 11 points                           %8.1f us  (wall %.1f us)\n",
           sample * 1e6, w_sample * 1e6);
    printf("  + flushing them (11 files, one line each, as at 10 s)            %8.1f us  (wall %.1f us)\n",
           flush * 1e6, w_flush * 1e6);
    printf("  per hour at the default 10 s interval (360 samples)              %8.2f ms CPU = %.5f%% of one core\n",
           per_hour * 1e3, per_hour / 3600 * 100);

    run = new_run(s, "throughput");
    memset(&d, 0, sizeof(d));
    d.interval_ms = 100;
    d.no_gpu = 1;
    log_round(run, points / 10, &step, &x); /* warm up: buffers at their working size */
    for (i = 0; i < rounds; i++) {
        off[i] = log_round(run, points, &step, &coff[i]);
        if (mll_start_system_metrics(run, &d) != MLL_OK) return 1;
        on[i] = log_round(run, points, &step, &con[i]);
        mll_stop_system_metrics(run);
        ratio[i] = on[i] / off[i];
        cratio[i] = con[i] / coff[i];
    }
    mll_end_run(run, MLL_RUN_FINISHED);
    mll_close(s);
    qsort(off, (size_t)rounds, sizeof(double), cmp_double);
    qsort(on, (size_t)rounds, sizeof(double), cmp_double);
    qsort(coff, (size_t)rounds, sizeof(double), cmp_double);
    qsort(con, (size_t)rounds, sizeof(double), cmp_double);
    qsort(ratio, (size_t)rounds, sizeof(double), cmp_double);
    qsort(cratio, (size_t)rounds, sizeof(double), cmp_double);
    printf("mll_log_metric, one thread, %ld points x %d alternating rounds in one run (median; range):\n", points,
           rounds);
    printf("                          wall ns/point              logging thread's CPU ns/point\n");
    printf("  sampling off            %7.1f (%.1f..%.1f)     %7.1f (%.1f..%.1f)\n", off[rounds / 2], off[0],
           off[rounds - 1], coff[rounds / 2], coff[0], coff[rounds - 1]);
    printf("  sampling every 100 ms   %7.1f (%.1f..%.1f)     %7.1f (%.1f..%.1f)\n", on[rounds / 2], on[0],
           on[rounds - 1], con[rounds / 2], con[0], con[rounds - 1]);
    printf("  effect, median of paired rounds (quartiles)\n");
    printf("                          %+6.1f%% (%+.1f%%..%+.1f%%)       %+6.1f%% (%+.1f%%..%+.1f%%)\n",
           (ratio[rounds / 2] - 1) * 100, (ratio[rounds / 4] - 1) * 100, (ratio[rounds * 3 / 4] - 1) * 100,
           (cratio[rounds / 2] - 1) * 100, (cratio[rounds / 4] - 1) * 100, (cratio[rounds * 3 / 4] - 1) * 100);
    return 0;
}
