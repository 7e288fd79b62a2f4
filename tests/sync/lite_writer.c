/* tests/sync/lite_writer.c — writes a source folder with mlflow_lite.h for the
 * sync test (test_source_mlflow_lite.py): an experiment with tags, a parent
 * run and nested children with params, tags, metric histories (NaN, inf,
 * explicit timestamps and steps) and artifacts.
 * Usage: sync_lite_writer ROOT ARTIFACT_FILE */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what, mll_result r)
{
    fprintf(stderr, "lite_writer: %s: %s\n", what, mll_strerror(r));
    return 1;
}

int main(int argc, char **argv)
{
    mll_store *store = NULL;
    mll_store_desc sd;
    mll_run_desc rd;
    mll_run *parent = NULL, *child = NULL;
    mll_result r;
    char parent_id[64];
    int c, s;

    if (argc < 3) return 2;
    memset(&sd, 0, sizeof sd);
    sd.root = argv[1];
    sd.ignore_env = 1;
    if ((r = mll_open(&store, &sd)) != MLL_OK) return fail("open", r);

    memset(&rd, 0, sizeof rd);
    rd.experiment_name = "lite exp";
    rd.run_name = "lite-parent";
    rd.user = "carol";
    rd.start_time_ms = 1700000000000;
    if ((r = mll_start_run(&parent, store, &rd)) != MLL_OK) return fail("start parent", r);
    snprintf(parent_id, sizeof parent_id, "%s", mll_run_id(parent));
    if ((r = mll_set_experiment_tag(store, mll_run_experiment_id(parent), "owner", "carol")) != MLL_OK)
        return fail("experiment tag", r);
    mll_log_param(parent, "sweep", "grid");
    mll_log_metric_at(parent, "best", 0.25, 0, 1700000000500);
    for (c = 0; c < 3; c++) {
        char name[32];
        snprintf(name, sizeof name, "lite-child-%d", c);
        memset(&rd, 0, sizeof rd);
        rd.experiment_name = "lite exp";
        rd.run_name = name;
        rd.user = "carol";
        rd.parent_run_id = parent_id;
        rd.start_time_ms = 1700000001000 + c;
        if ((r = mll_start_run(&child, store, &rd)) != MLL_OK) return fail("start child", r);
        mll_log_param_int(child, "child", c);
        mll_log_param_double(child, "lr", 0.001 * (c + 1));
        mll_set_tag(child, "stage", c == 1 ? "eval" : "train");
        for (s = 0; s < 400; s++) {
            mll_log_metric_at(child, "train/loss", 1.0 / (s + 1) + c, s, 1700000002000 + s);
            mll_log_metric_at(child, "lr", 0.001 * (c + 1), s, 1700000002000 + s);
        }
        mll_log_metric_at(child, "odd", NAN, 0, 1700000003000);
        mll_log_metric_at(child, "odd", INFINITY, 1, 1700000003001);
        mll_log_metric_at(child, "odd", 1e-310, 2, 1700000003002);
        if ((r = mll_log_artifact(child, argv[2], "inputs")) != MLL_OK) return fail("artifact", r);
        if ((r = mll_log_text(child, "hello from mlflow_lite\n", "notes/readme.txt")) != MLL_OK)
            return fail("text", r);
        if ((r = mll_end_run(child, c == 2 ? MLL_RUN_FAILED : MLL_RUN_FINISHED)) != MLL_OK) return fail("end", r);
    }
    if ((r = mll_end_run(parent, MLL_RUN_FINISHED)) != MLL_OK) return fail("end parent", r);
    if ((r = mll_close(store)) != MLL_OK) return fail("close", r);
    return 0;
}
