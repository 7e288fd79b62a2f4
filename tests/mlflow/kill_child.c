/* kill_child: the C side of mlflow_sigkill. Logs metrics in a loop and reports
   on stdout, after each mll_flush() returned, how many points are durable:
       run <run id> <experiment id>
       flushed <points of "m"> <points of "nested/k">
   The driver SIGKILLs it at random moments. Point i of "m" has value i, step i and
   timestamp 1700000000000+i; "nested/k" gets a point (-i, i) every third i.
   usage: kill_child <root> <experiment name> <seed> [complete <n>] */
#define _POSIX_C_SOURCE 200809L
#include <time.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run_desc rd = {0};
    mll_run *run = NULL;
    uint64_t rng;
    long long i = 0, nk = 0, cap = 60000;
    int complete = argc == 6 && strcmp(argv[4], "complete") == 0;
    if (argc != 4 && !complete) mlt_die("usage: kill_child <root> <experiment> <seed> [complete <n>]");
    rng = strtoull(argv[3], NULL, 10);
    if (complete) cap = atoll(argv[5]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    switch (mlt_rand(&rng) % 3) { /* exercise the background flusher and inline flushes */
    case 0: break;
    case 1: sd.flush_interval_ms = 1; break;
    default: sd.flush_interval_ms = 5; sd.buffer_bytes = 4096; break;
    }
    MLT_OK(mll_open(&st, &sd));
    rd.experiment_name = argv[2];
    MLT_OK(mll_start_run(&run, st, &rd));
    printf("run %s %s\n", mll_run_id(run), mll_run_experiment_id(run));
    fflush(stdout);
    for (;;) {
        long long batch = 1 + (long long)(mlt_rand(&rng) % 500), j;
        for (j = 0; j < batch && i < cap; j++, i++) {
            MLT_OK(mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i));
            if (i % 3 == 0) {
                MLT_OK(mll_log_metric_at(run, "nested/k", (double)-i, i, 1700000000000LL + i));
                nk++;
            }
        }
        if (mlt_rand(&rng) % 4 == 0 || i >= cap) {
            MLT_OK(mll_flush(run));
            printf("flushed %lld %lld\n", i, nk);
            fflush(stdout);
        }
        if (i >= cap) break;
        if (mlt_rand(&rng) % 8 == 0) {
            struct timespec ts = {0, 200000}; /* 0.2 ms: a training step */
            nanosleep(&ts, NULL);
        }
    }
    if (complete) {
        MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
        MLT_OK(mll_close(st));
        return 0;
    }
    for (;;) { /* wait to be killed */
        struct timespec ts = {0, 10000000};
        nanosleep(&ts, NULL);
    }
}
