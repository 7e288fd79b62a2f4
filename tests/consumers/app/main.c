/* The program every consumer project builds (tests/consumers/README.md): one run in
   experiment "consumers", named after argv[1] (how it was built), with a param, a tag
   and ten points. Prints the run id. Root: ./mlruns or $MLFLOW_TRACKING_URI. */
#define MLFLOW_LITE_IMPLEMENTATION /* first: it then sets the feature-test macros it needs */
#include "mlflow_lite.h"
#include <stdio.h>

int main(int argc, char **argv) {
    mll_store *store = NULL;
    mll_run *run = NULL;
    mll_run_desc rd = {0};
    int step;
    if (mll_open(&store, NULL) != MLL_OK) return 1;
    rd.experiment_name = "consumers";
    rd.run_name = argc > 1 ? argv[1] : "c";
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    mll_log_param(run, "language", "c");
    mll_set_tag(run, "mlflow_lite.version", mll_version());
    for (step = 0; step < 10; step++) mll_log_metric(run, "loss", 1.0 / (step + 1), step);
    printf("%s\n", mll_run_id(run));
    return mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK && mll_close(store) == MLL_OK ? 0 : 1;
}
