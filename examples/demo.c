/* demo.c - a small fake training loop that logs one run into ./mlruns.

   Shows: opening the default store (./mlruns, or $MLFLOW_TRACKING_URI), starting a run
   in an experiment found or created by name, typed params, per-step metrics, tags, a
   text artifact and a copied file artifact, error handling, and ending the run.
   Macros: only MLFLOW_LITE_IMPLEMENTATION (stb_sprintf is picked up when installed).

   Build and run:  cmake -S . -B build && cmake --build build && ./build/examples/demo
   Then look:      MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns */
/* The implementation first: it then sets the POSIX feature-test macros it needs itself,
   even under -std=c99 (see PLATFORM NOTES in mlflow_lite.h). */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <math.h>
#include <stdio.h>

static void check(mll_result r, const char *what) {
    if (r != MLL_OK) fprintf(stderr, "demo: %s: %s\n", what, mll_strerror(r));
}

int main(void) {
    mll_store *store = NULL;
    mll_run *run = NULL;
    mll_run_desc rd = {0};
    mll_result r;
    const double lr = 0.01;
    int epoch, step = 0;
    char summary[256];

    r = mll_open(&store, NULL);
    if (r != MLL_OK) {
        fprintf(stderr, "demo: cannot open the MLflow folder: %s\n", mll_strerror(r));
        return 1;
    }
    rd.experiment_name = "mlflow-lite-demo";
    rd.run_name = "fake-training";
    rd.description = "A fake training loop logged by mlflow_lite's examples/demo.c";
    r = mll_start_run(&run, store, &rd);
    if (r != MLL_OK) {
        mll_error e;
        mll_store_last_error(store, &e);
        fprintf(stderr, "demo: cannot start a run: %s\n", e.message);
        mll_close(store);
        return 1;
    }

    check(mll_log_param_double(run, "learning_rate", lr), "log param");
    check(mll_log_param_int(run, "epochs", 5), "log param");
    check(mll_log_param(run, "optimizer", "sgd"), "log param");
    check(mll_set_tag(run, "model", "tiny-mlp"), "set tag");

    for (epoch = 0; epoch < 5; epoch++) {
        int batch;
        double acc;
        for (batch = 0; batch < 100; batch++, step++) {
            double loss = 2.3 * exp(-step * lr * 0.5) + 0.05 * sin(step * 0.7);
            check(mll_log_metric(run, "train/loss", loss, step), "log metric");
        }
        acc = 1.0 - 0.9 * exp(-(epoch + 1) * 0.6);
        check(mll_log_metric(run, "val/accuracy", acc, epoch), "log metric");
    }
    snprintf(summary, sizeof(summary), "steps: %d\nfinal val/accuracy logged at epoch 4\n", step);
    check(mll_log_text(run, summary, "reports/summary.txt"), "log text");

    printf("logged run %s (experiment %s) into %s\n", mll_run_id(run), mll_run_experiment_id(run),
           mll_store_root(store));
    printf("look at it with the mlflow-lite tool (tools/, built by scripts/demo.sh):\n"
           "  mlflow-lite show %s %s\n  mlflow-lite report %s -o report.html\n",
           mll_run_id(run), mll_store_root(store), mll_store_root(store));
    printf("or sync it to a server with:\n  mlflow-lite sync %s http://127.0.0.1:5000\n",
           mll_store_root(store));
    r = mll_end_run(run, MLL_RUN_FINISHED);
    check(r, "end run");
    check(mll_close(store), "close");
    return r == MLL_OK ? 0 : 1;
}
