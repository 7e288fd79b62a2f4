/* lfs_check: 64-bit file offsets whatever _FILE_OFFSET_BITS the program was compiled with
   (issue 13, armhf). The driver (cross_linux.sh) builds it three ways for 32-bit ARM: the
   implementation first with no macro, -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -std=c99, and
   an explicit -D_FILE_OFFSET_BITS=32; then runs it under qemu-user.
     lfs_check <root> start          creates a run, logs "big" once, prints the run id
     lfs_check <root> reopen <id>    reopens the run by id (lists folders: readdir), logs
                                     "big" again and ends the run
   Between the two the driver grows metrics/big past 4 GiB (a sparse file) and leaves a torn
   last line, so that the reopen must stat, read (pread) and truncate (ftruncate) beyond
   2^32 and append there. Before the fix the reopen failed with "not found" (readdir gave
   EOVERFLOW) and, with the macros, mll_start_run failed with "out of memory". */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <stdio.h>
#include <string.h>

static int fail(const char *what, mll_result r) {
    fprintf(stderr, "lfs_check: %s: %s\n", what, mll_strerror(r));
    return 1;
}

int main(int argc, char **argv) {
    mll_store *s = NULL;
    mll_run *run = NULL;
    mll_store_desc sd;
    mll_run_desc rd;
    mll_result r;
    if (argc < 3) return 2;
    memset(&sd, 0, sizeof(sd));
    memset(&rd, 0, sizeof(rd));
    sd.root = argv[1];
    sd.ignore_env = 1;
    if ((r = mll_open(&s, &sd)) != MLL_OK) return fail("open", r);
    if (strcmp(argv[2], "start") == 0) {
        rd.experiment_name = "lfs";
        if ((r = mll_start_run(&run, s, &rd)) != MLL_OK) return fail("start run", r);
        if ((r = mll_log_metric_at(run, "big", 1.5, 1, 1700000000000LL)) != MLL_OK) return fail("log", r);
        printf("%s\n", mll_run_id(run));
    } else if (strcmp(argv[2], "reopen") == 0 && argc == 4) {
        rd.run_id = argv[3];
        if ((r = mll_start_run(&run, s, &rd)) != MLL_OK) return fail("reopen run by id", r);
        if ((r = mll_log_metric_at(run, "big", 2.5, 2, 1700000000001LL)) != MLL_OK) return fail("log", r);
        if ((r = mll_flush(run)) != MLL_OK) return fail("flush past 4 GiB", r);
    } else {
        return 2;
    }
    if ((r = mll_end_run(run, MLL_RUN_FINISHED)) != MLL_OK) return fail("end run", r);
    return mll_close(s) == MLL_OK ? 0 : 1;
}
