/* many_child: the C side of mlflow_64_processes. Waits on a barrier (blocks reading
   one byte from an inherited pipe fd), then opens the store, starts a run in the
   given (new) experiment, logs, ends it and prints "<run id> <experiment id>".
   usage: many_child <root> <experiment name> <barrier fd> <index> */
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run_desc rd = {0};
    mll_run *run = NULL;
    char name[64], c;
    if (argc != 5) mlt_die("usage: many_child <root> <experiment> <fd> <index>");
    if (read(atoi(argv[3]), &c, 1) != 1) mlt_die("barrier read failed");
    sd.root = argv[1];
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    rd.experiment_name = argv[2];
    snprintf(name, sizeof name, "proc-%s", argv[4]);
    rd.run_name = name;
    MLT_OK(mll_start_run(&run, st, &rd));
    MLT_OK(mll_log_param(run, "index", argv[4]));
    MLT_OK(mll_log_metric_at(run, "rank", atof(argv[4]), 0, 1700000000000LL));
    printf("%s %s\n", mll_run_id(run), mll_run_experiment_id(run));
    MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
    MLT_OK(mll_close(st));
    return 0;
}
