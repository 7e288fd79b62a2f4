/* One run's files: params and tags, the metric file list (nested keys, sizes,
   sorted), dataset and model inputs, LoggedModel outputs, in the layout MLflow
   3.18's FileStore writes (log_inputs, log_outputs); a run folder that vanished
   fails only that run. */
#include "src_test_util.h"

static const char *run_with_everything(void)
{
    const char *root = mll_test_tmpdir();
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "run", 0);
    putf(at(root, "1/r/params/lr"), "0.01");
    putf(at(root, "1/r/tags/mlflow.runName"), "run");
    putf(at(root, "1/r/metrics/loss"), "1 0.5 0\n2 0.4 1\n");
    putf(at(root, "1/r/metrics/train/acc"), "1 0.9 0\n");
    putf(at(root, "1/r/metrics/bad'key"), "1 1 1\n");
    putf(at(root, "1/datasets/5d41402abc4b2a76/meta.yaml"),
         "digest: 5d41402a\nname: iris\nprofile: '{\"num_rows\": 150}'\nschema: '{\"mlflow_colspec\": [{\"type\": "
         "\"double\", \"name\": \"x\"}]}'\nsource: '{\"uri\": \"/data/iris.csv\"}'\nsource_type: local\n");
    putf(at(root, "1/r/inputs/aaa/meta.yaml"), "destination_id: 5d41402abc4b2a76\ndestination_type: RUN\n"
                                               "source_id: 5d41402abc4b2a76\nsource_type: DATASET\n"
                                               "tags:\n  mlflow.data.context: train\n");
    putf(at(root, "1/r/inputs/bbb/meta.yaml"), "destination_id: m-0123\ndestination_type: RUN\nsource_id: m-0123\n"
                                               "source_type: MODEL\ntags: {}\n");
    putf(at(root, "1/r/inputs/ccc/meta.yaml"), "destination_id: nope\ndestination_type: RUN\nsource_id: nope\n"
                                               "source_type: DATASET\ntags: {}\n");
    putf(at(root, "1/r/outputs/m-0456/meta.yaml"), "destination_id: m-0456\ndestination_type: MODEL_OUTPUT\n"
                                                   "source_id: m-0456\nsource_type: RUN_OUTPUT\nstep: 3\ntags: {}\n");
    return root;
}

TEST(everything_of_a_run)
{
    const char *root = run_with_everything();
    src_store *s;
    src_run_files f;
    tool_err e;
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "r"), SRC_READ_ALL, &f, &e), 0);
    print_problems(&f.problems);
    CHECK_STR(kv_get(&f.params, "lr"), "0.01");
    CHECK_STR(kv_get(&f.tags, "mlflow.runName"), "run");
    CHECK_EQ(f.nmetrics, 2);
    CHECK_STR(f.metrics[0].key, "loss");
    CHECK_EQ(f.metrics[0].size, 16);
    CHECK_STR(f.metrics[1].key, "train/acc");
    CHECK(find_problem(&f.problems, "metrics/bad'key", "not a valid MLflow key") != NULL);
    CHECK_EQ(f.ninputs, 1);
    CHECK_STR(f.inputs[0].name, "iris");
    CHECK_STR(f.inputs[0].digest, "5d41402a");
    CHECK_STR(f.inputs[0].source_type, "local");
    CHECK_STR(f.inputs[0].schema, "{\"mlflow_colspec\": [{\"type\": \"double\", \"name\": \"x\"}]}");
    CHECK_STR(kv_get(&f.inputs[0].tags, "mlflow.data.context"), "train");
    CHECK_EQ(f.nmodel_inputs, 1);
    CHECK_STR(f.model_inputs[0], "m-0123");
    CHECK(find_problem(&f.problems, "1/datasets/nope/meta.yaml", "missing") != NULL);
    CHECK_EQ(f.noutputs, 1);
    CHECK_STR(f.outputs[0].model_id, "m-0456");
    CHECK_EQ(f.outputs[0].step, 3);
    CHECK_EQ(f.problems.n, 2);
    src_run_files_free(&f);
    src_store_close(s);
}

TEST(only_what_was_asked)
{
    const char *root = run_with_everything();
    src_store *s;
    src_run_files f;
    tool_err e;
    char *v;
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "r"), SRC_READ_METRICS, &f, &e), 0);
    CHECK(f.params.n == 0 && f.tags.n == 0 && f.ninputs == 0 && f.noutputs == 0 && f.nmetrics == 2);
    src_run_files_free(&f);
    v = src_run_read_value(s, src_store_find_run(s, "r"), "params", "lr");
    CHECK_STR(v, "0.01");
    free(v);
    CHECK(src_run_read_value(s, src_store_find_run(s, "r"), "params", "../tags/mlflow.runName") == NULL);
    src_store_close(s);
}

TEST(a_vanished_run_fails_alone)
{
    const char *root = run_with_everything();
    char cmd[4200];
    src_store *s;
    src_run_files f;
    tool_err e;
    make_run(root, "1", "other", "o", 0);
    CHECK((s = open_store(root, 0)) != NULL);
    snprintf(cmd, sizeof cmd, "rm -rf '%s/1/r'", root);
    CHECK_EQ(system(cmd), 0);
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "r"), SRC_READ_ALL, &f, &e), EXIT_SOURCE);
    CHECK(strstr(e.what, "1/r") != NULL);
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "other"), SRC_READ_ALL, &f, &e), 0);
    src_run_files_free(&f);
    src_store_close(s);
}

int main(void)
{
    RUN(everything_of_a_run);
    RUN(only_what_was_asked);
    RUN(a_vanished_run_fails_alone);
    return mll_test_summary();
}
