/* train_register.c - train, log, register the model, and promote it when a metric passes
   a threshold, as the MLflow tutorials do ("if r2 >= threshold, move the version to
   Production"), fully offline.

   Shows: mll_register_model (a run's artifact folder as a new model version), an alias
   ("champion"), a stage transition that archives the previous Production version, tags
   and a description. Macros: only MLFLOW_LITE_IMPLEMENTATION.
   Later, `mlflow-lite sync ./mlruns http://server:5000` carries runs and registry over.

   Run: ./build/examples/train_register [threshold]   (default threshold 0.8) */
/* The implementation first: it then sets the POSIX feature-test macros it needs itself,
   even under -std=c99 (see PLATFORM NOTES in mlflow_lite.h). */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MODEL_NAME "wine-quality"

int main(int argc, char **argv) {
    const double threshold = argc > 1 ? atof(argv[1]) : 0.8;
    mll_store *store = NULL;
    mll_run *run = NULL;
    mll_run_desc rd = {0};
    double r2 = 0.0;
    int epoch, version = 0;
    char mlmodel[256];

    if (mll_open(&store, NULL) != MLL_OK) return 1;
    rd.experiment_name = "wine-quality";
    rd.run_name = "elasticnet";
    if (mll_start_run(&run, store, &rd) != MLL_OK) {
        mll_error e;
        mll_store_last_error(store, &e);
        fprintf(stderr, "train_register: %s\n", e.message);
        return 1;
    }
    mll_log_param_double(run, "alpha", 0.5);
    mll_log_param_double(run, "l1_ratio", 0.1);
    for (epoch = 0; epoch < 20; epoch++) { /* a fake fit whose r2 approaches 0.86 */
        r2 = 0.86 * (1.0 - exp(-0.3 * (epoch + 1)));
        mll_log_metric(run, "r2", r2, epoch);
        mll_log_metric(run, "rmse", 0.9 - 0.4 * r2, epoch);
    }
    /* the "model": an MLmodel file in the run's artifacts/model folder */
    snprintf(mlmodel, sizeof(mlmodel), "artifact_path: model\nflavors:\n  custom:\n    r2: %.4f\n", r2);
    mll_log_text(run, mlmodel, "model/MLmodel");

    if (mll_register_model(run, "model", MODEL_NAME, &version) != MLL_OK) {
        fprintf(stderr, "train_register: registration failed\n");
        mll_end_run(run, MLL_RUN_FAILED);
        mll_close(store);
        return 1;
    }
    mll_set_model_version_tag(store, MODEL_NAME, version, "r2", "logged by train_register.c");
    mll_set_registered_model_description(store, MODEL_NAME, "ElasticNet on the wine-quality data");
    printf("registered %s version %d (r2 = %.4f)\n", MODEL_NAME, version, r2);
    if (r2 >= threshold) {
        mll_transition_model_version_stage(store, MODEL_NAME, version, MLL_STAGE_PRODUCTION, 1);
        mll_set_model_alias(store, MODEL_NAME, "champion", version);
        printf("r2 %.4f >= %.2f: version %d is now Production and @champion\n", r2, threshold, version);
    } else {
        mll_transition_model_version_stage(store, MODEL_NAME, version, MLL_STAGE_STAGING, 0);
        printf("r2 %.4f < %.2f: version %d stays in Staging\n", r2, threshold, version);
    }
    mll_end_run(run, MLL_RUN_FINISHED);
    return mll_close(store) == MLL_OK ? 0 : 1;
}
