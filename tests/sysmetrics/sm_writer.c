/* sm_writer: a C program that logs a run with system metrics through the public API, for
   sm_check.py (tests/sysmetrics). It prints {"run_id": ..., "experiment_id": ...} on stdout
   and every logger call as "LOG <level> <code> <message>" on stderr.
     sm_writer ROOT SECONDS [--busy] [--interval-ms N] [--samples N] [--node ID] [--no-thread]
               [--explicit] [--reopen RUN_ID] [--experiment NAME] [--no-gpu] [--points N]
   Without --interval-ms/--explicit the run desc leaves system_metrics zero, so that the
   MLFLOW_*SYSTEM_METRICS* environment decides (as for Python's mlflow.start_run). --busy
   spins one thread for the whole time (a known CPU load); --points logs N metric points
   spread over the time (with --no-thread, sampling happens inside those calls). */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

static volatile int stop_busy;

static void *busy(void *arg) {
    volatile unsigned long x = 0;
    (void)arg;
    while (!stop_busy) x++;
    return NULL;
}

static void logger(mll_log_level level, mll_result code, const char *msg, const char *file, int line, void *ud) {
    (void)file;
    (void)line;
    (void)ud;
    fprintf(stderr, "LOG %d %d %s\n", (int)level, (int)code, msg);
}

static double now_s(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void sleep_s(double s) {
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv) {
    mll_store_desc sd;
    mll_run_desc rd;
    mll_system_metrics_desc smd;
    mll_store *store = NULL;
    mll_run *run = NULL;
    pthread_t th;
    int i, busy_on = 0, explicit_start = 0, points = 0;
    double seconds, t0;
    mll_result r;
    if (argc < 3) {
        fprintf(stderr, "usage: sm_writer ROOT SECONDS [options]\n");
        return 2;
    }
    memset(&sd, 0, sizeof(sd));
    memset(&rd, 0, sizeof(rd));
    memset(&smd, 0, sizeof(smd));
    sd.root = argv[1];
    sd.logger.func = logger;
    seconds = atof(argv[2]);
    rd.experiment_name = "sysmetrics";
    for (i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--busy")) busy_on = 1;
        else if (!strcmp(a, "--no-thread")) sd.no_flush_thread = 1;
        else if (!strcmp(a, "--explicit")) explicit_start = 1;
        else if (!strcmp(a, "--no-gpu")) smd.no_gpu = 1;
        else if (!strcmp(a, "--interval-ms")) smd.interval_ms = atoi(v), i++;
        else if (!strcmp(a, "--samples")) smd.samples_before_logging = atoi(v), i++;
        else if (!strcmp(a, "--node")) smd.node_id = v, i++;
        else if (!strcmp(a, "--reopen")) rd.run_id = v, i++;
        else if (!strcmp(a, "--experiment")) rd.experiment_name = v, i++;
        else if (!strcmp(a, "--points")) points = atoi(v), i++;
        else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (smd.interval_ms || smd.samples_before_logging || smd.node_id || smd.no_gpu)
        smd.enabled = MLL_SYSTEM_METRICS_ON;
    if (!explicit_start) rd.system_metrics = smd;
    if (mll_open(&store, &sd) != MLL_OK) return 1;
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    if (explicit_start && (r = mll_start_system_metrics(run, &smd)) != MLL_OK) {
        fprintf(stderr, "mll_start_system_metrics: %s\n", mll_strerror(r));
        return 1;
    }
    if (busy_on && pthread_create(&th, NULL, busy, NULL) != 0) return 1;
    t0 = now_s();
    for (i = 0; now_s() - t0 < seconds; i++) {
        if (points) {
            mll_log_metric(run, "train/loss", 1.0 / (i + 1), i);
            sleep_s(seconds / points);
        } else {
            sleep_s(0.01);
        }
    }
    if (busy_on) {
        stop_busy = 1;
        pthread_join(th, NULL);
    }
    printf("{\"run_id\": \"%s\", \"experiment_id\": \"%s\"}\n", mll_run_id(run), mll_run_experiment_id(run));
    r = mll_end_run(run, MLL_RUN_FINISHED);
    if (r != MLL_OK) fprintf(stderr, "mll_end_run: %s\n", mll_strerror(r));
    mll_close(store);
    return r == MLL_OK ? 0 : 1;
}
