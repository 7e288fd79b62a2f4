/* tmpfs_writer: the C side of torture_tmpfs (tmpfs_check.py), a real full disk. Steps,
   each started by a line on stdin, each answered by one line on stdout:
     (start)  open <root>, start a run, log OLD points of "old", flush   -> "ready <run dir>"
     "full"   (the driver filled the disk) log NEW points of the new key "new" and MORE of
              "old"; flush; end the run                                 -> "full <flush> <end>"
     "freed"  (the driver freed some room) flush                       -> "freed <flush>"
     "close"  (the driver freed everything) mll_close                   -> "closed <close>"
   Codes are mll_result numbers. Point i of a key is (value i / 4, step i, timestamp
   1700000000000 + i). usage: tmpfs_writer <root> <old> <new> <more> */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static void await(const char *what) {
    char line[64];
    if (!fgets(line, sizeof line, stdin) || strncmp(line, what, strlen(what)) != 0) {
        fprintf(stderr, "tmpfs_writer: expected '%s' on stdin\n", what);
        exit(2);
    }
}

static int log_points(mll_run *run, const char *key, long from, long to) {
    long i;
    for (i = from; i < to; i++) {
        mll_result r = mll_log_metric_at(run, key, (double)i / 4, i, 1700000000000LL + i);
        /* a write error still took the point (it stays buffered); anything else did not */
        if (r != MLL_OK && r != MLL_ERR_NO_SPACE) {
            fprintf(stderr, "tmpfs_writer: log %s %ld: %s\n", key, i, mll_strerror(r));
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run *run = NULL;
    long old, fresh, more;
    mll_result r1, r2;
    if (argc != 5) {
        fprintf(stderr, "usage: tmpfs_writer <root> <old> <new> <more>\n");
        return 2;
    }
    old = atol(argv[2]), fresh = atol(argv[3]), more = atol(argv[4]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    sd.no_flush_thread = 1; /* the driver decides when the disk changes: flush only on its word */
    sd.flush_interval_ms = 1000000;
    if ((r1 = mll_open(&st, &sd)) != MLL_OK || (r1 = mll_start_run(&run, st, NULL)) != MLL_OK) {
        fprintf(stderr, "tmpfs_writer: open/start: %s\n", mll_strerror(r1));
        return 1;
    }
    if (log_points(run, "old", 0, old) || (r1 = mll_flush(run)) != MLL_OK) return 1;
    printf("ready %s\n", mll_run_dir(run));
    fflush(stdout);
    await("full");
    if (log_points(run, "new", 0, fresh) || log_points(run, "old", old, old + more)) return 1;
    r1 = mll_flush(run);
    r2 = mll_end_run(run, MLL_RUN_FINISHED);
    printf("full %d %d\n", (int)r1, (int)r2);
    fflush(stdout);
    await("freed");
    printf("freed %d\n", (int)mll_flush(run));
    fflush(stdout);
    await("close");
    printf("closed %d\n", (int)mll_close(st));
    fflush(stdout);
    return 0;
}
