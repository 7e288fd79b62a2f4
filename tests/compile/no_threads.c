/* MLL_NO_THREADS: no pthreads at all; flushing happens inside log calls. */
#define MLL_NO_THREADS
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
int main(void) {
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_store_desc d = {0};
    d.root = "./mlruns";
    d.ignore_env = 1;
    if (mll_open(&s, &d) != MLL_OK || mll_start_run(&r, s, NULL) != MLL_OK) return 1;
    if (mll_log_metric(r, "m", 1.0, 0) != MLL_OK) return 1;
    return mll_end_run(r, MLL_RUN_FINISHED) == MLL_OK && mll_close(s) == MLL_OK ? 0 : 1;
}
