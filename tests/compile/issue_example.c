/* The program from the API contract, unchanged: must compile as C99 and run. */
#include <stdio.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

int main(void) {
    mll_store *store = NULL;
    mll_run *run = NULL;
    /* NULL desc: root from $MLFLOW_TRACKING_URI (file: URI or plain path), else ./mlruns */
    if (mll_open(&store, NULL) != MLL_OK) return 1;
    mll_run_desc rd = {0};
    rd.experiment_name = "cifar10";          /* get-or-create by name */
    rd.run_name = "baseline";
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    mll_log_param(run, "lr", "0.01");
    for (int step = 0; step < 1000; step++)
        mll_log_metric(run, "train/loss", 1.0 / (step + 1), step);   /* timestamp: now, ms */
    mll_log_metric_at(run, "val/acc", 0.91, 999, 1732300000000LL);  /* explicit timestamp */
    mll_set_tag(run, "team", "vision");
    mll_log_artifact(run, "config.yaml", "configs");  /* -> artifacts/configs/config.yaml */
    mll_log_text(run, "hello\n", "notes/readme.txt"); /* -> artifacts/notes/readme.txt */
    printf("%s\n", mll_run_id(run));
    mll_end_run(run, MLL_RUN_FINISHED);               /* or MLL_RUN_FAILED, MLL_RUN_KILLED */
    mll_close(store);
    return 0;
}
