/* src_lite_writer — writes an mlruns/ folder with mlflow_lite.h for the
 * cross-check (src_dump_check.py): a parent run and a nested child, params with
 * unicode, NaN and infinite values, a metric key with '/', and enough points
 * (flushed in several batches) that lines get the trailing-space padding
 * mlflow_lite.h adds at 4 KiB page boundaries, and a run left RUNNING.
 *
 *   src_lite_writer DIR */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check(mll_result r, const char *what)
{
    if (r != MLL_OK) fprintf(stderr, "src_lite_writer: %s: %s\n", what, mll_strerror(r));
    return r != MLL_OK;
}

static int write_runs(mll_store *s)
{
    mll_run *parent = NULL, *child = NULL, *open_run = NULL;
    mll_run_desc d;
    int i, bad = 0;
    memset(&d, 0, sizeof d);
    d.experiment_name = "lite-exp";
    d.run_name = "parent";
    d.start_time_ms = 1714000000000LL;
    if (check(mll_start_run(&parent, s, &d), "start parent")) return 1;
    bad |= check(mll_log_param(parent, "greeting", "gr\xc3\xbc\xc3\x9f dich \xe2\x9c\x93"), "param");
    bad |= check(mll_log_param_double(parent, "lr", 0.001), "param lr");
    bad |= check(mll_set_tag(parent, "team", "hpc"), "tag");
    for (i = 0; i < 3000; i++) {
        bad |= check(mll_log_metric_at(parent, "loss", 1.0 / (i + 1), i, 1714000000000LL + i), "metric");
        if (i % 700 == 0) bad |= check(mll_flush(parent), "flush"); /* many appends: page padding */
    }
    bad |= check(mll_log_metric_at(parent, "odd/nan", NAN, 0, 1714000000001LL), "nan");
    bad |= check(mll_log_metric_at(parent, "odd/nan", INFINITY, 1, 1714000000002LL), "inf");
    bad |= check(mll_log_metric_at(parent, "odd/nan", -INFINITY, 2, 1714000000003LL), "-inf");
    bad |= check(mll_log_metric_at(parent, "odd/nan", -0.0, 3, 1714000000004LL), "-0");
    bad |= check(mll_log_metric_at(parent, "odd/nan", 1e-310, 4, 1714000000005LL), "subnormal");
    d.run_name = "child";
    d.parent_run_id = mll_run_id(parent);
    if (check(mll_start_run(&child, s, &d), "start child")) return 1;
    bad |= check(mll_log_metric_at(child, "acc", 0.75, 1, 1714000000100LL), "child metric");
    bad |= check(mll_end_run(child, MLL_RUN_FINISHED), "end child");
    bad |= check(mll_end_run(parent, MLL_RUN_FAILED), "end parent");
    d.run_name = "still-running";
    d.parent_run_id = NULL;
    if (check(mll_start_run(&open_run, s, &d), "start open run")) return 1;
    bad |= check(mll_log_metric_at(open_run, "x", 2.5, 0, 1714000000200LL), "open metric");
    bad |= check(mll_flush(open_run), "flush open run");
    return bad;
}

int main(int argc, char **argv)
{
    mll_store *s = NULL;
    mll_store_desc d;
    int bad;
    if (argc != 2) {
        fprintf(stderr, "usage: src_lite_writer DIR\n");
        return 2;
    }
    memset(&d, 0, sizeof d);
    d.root = argv[1];
    d.ignore_env = 1;
    if (check(mll_open(&s, &d), "open")) return 1;
    bad = write_runs(s);
    /* mll_close flushes; the RUNNING run stays RUNNING in meta.yaml */
    bad |= check(mll_close(s), "close");
    return bad;
}
