/* Experiments and runs (defects 10 and 11 of issue 9): every folder that is skipped
   is a problem naming it, one bad run or experiment never stops the others, and
   what is loaded agrees with MLflow 3.18's FileStore (which folders it takes as
   experiments and runs, which meta.yaml keys it needs, ids that must match). */
#include "src_test_util.h"

static src_store *open_filtered(const char *root, const src_filter *f, tool_err *e)
{
    src_store *s = NULL;
    src_opts o;
    memset(&o, 0, sizeof o);
    if (src_store_open(&s, root, &o, f, e) != 0) return NULL;
    return s;
}

/* a store with one good experiment next to every kind of bad folder */
static const char *messy_store(void)
{
    const char *root = mll_test_tmpdir();
    make_exp(root, "1", "good");
    make_run(root, "1", "r1", "one", 0);
    make_run(root, "1", "r2", "two", 1);
    mkdirs(root, "2/abc");                                   /* no meta.yaml: 'Malformed experiment' */
    make_run(root, "3", "lost1", "x", 0);                    /* empty meta.yaml: its runs are lost */
    make_run(root, "3", "lost2", "x", 0);
    put(at(root, "3/meta.yaml"), "", 0);
    make_exp(root, "4", "mismatch");                         /* its meta says another id */
    putf(at(root, "4/meta.yaml"), "experiment_id: '44'\nname: x\nartifact_location: ''\nlifecycle_stage: active\n");
    make_exp(root, "mlruns/7", "nested");                    /* SRC one level too high? */
    mkdirs(root, "mlartifacts/1/r1/artifacts");              /* mlflow server --artifacts-destination */
    make_exp(root, ".trash/5", "deleted-exp");
    make_run(root, ".trash/5", "rd", "in-trash", 0);
    make_exp(root, ".mll-stage-12.trash", "staging");        /* mlflow_lite.h staging: MLflow skips it */
    mkdirs(root, "models/m1");
    put(at(root, "README"), "plain files at the top are ignored", 34);
    return root;
}

TEST(bad_experiments_are_named_and_the_rest_loads)
{
    const char *root = messy_store();
    src_store *s;
    const src_problems *p;
    CHECK((s = open_store(root, 0)) != NULL);
    p = src_store_problems(s);
    print_problems(p);
    CHECK_EQ(src_store_nexps(s), 1);
    CHECK_STR(src_store_exp(s, 0)->name, "good");
    CHECK_EQ(src_store_nruns(s), 2);
    CHECK(find_problem(p, "2", "Malformed experiment") != NULL);
    CHECK(find_problem(p, "3/meta.yaml", "empty") != NULL);
    CHECK(find_problem(p, "3/meta.yaml", "2 runs are skipped") != NULL);
    CHECK(find_problem(p, "4", "'44'") != NULL);
    CHECK(find_problem(p, "mlruns", "nested mlruns") != NULL);
    CHECK(find_problem(p, "mlartifacts", "artifact") != NULL);
    CHECK(find_problem(p, "staging", NULL) == NULL && find_problem(p, "models", NULL) == NULL);
    CHECK(find_problem(p, ".trash/5", NULL) == NULL); /* deleted: not loaded, not a problem */
    CHECK_EQ(p->n, 5);
    CHECK_EQ(src_store_nskipped_runs(s), 2 + 1); /* 3's two runs, and nested mlruns' experiment 7 */
    src_store_close(s);
}

TEST(bad_runs_are_named_and_the_rest_loads)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    const src_problems *p;
    const src_run *r;
    make_exp(root, "1", "e");
    make_run(root, "1", "good", "g", 0);
    make_run(root, "1", "empty", "x", 0);
    put(at(root, "1/empty/meta.yaml"), "", 0);                 /* stopped the whole sync before */
    make_run(root, "1", "broken", "x", 0);
    putf(at(root, "1/broken/meta.yaml"), "run_id: broken\nstart_time: [1\n");
    make_run(root, "1", "it's", "x", 0);                       /* MLflow: invalid run id */
    make_run(root, "1", "copy", "x", 0);
    putf(at(root, "1/copy/meta.yaml"), "run_id: good\nexperiment_id: '1'\nstart_time: 1\nuser_id: u\nstatus: 3\n");
    make_run(root, "1", "wrongexp", "x", 0);
    putf(at(root, "1/wrongexp/meta.yaml"), "run_id: wrongexp\nexperiment_id: '9'\nstart_time: 1\nstatus: 3\n");
    mkdirs(root, "1/notarun/params");
    mkdirs(root, "1/tags");
    mkdirs(root, "1/datasets/abc");
    mkdirs(root, "1/models/m-1");
    mkdirs(root, "1/traces/t1");
    make_run(root, "1", "gone", "x", 0);
    putf(at(root, "1/gone/meta.yaml"), "run_id: gone\nexperiment_id: '1'\nlifecycle_stage: deleted\nstart_time: 1\n"
                                       "status: 3\nuser_id: u\n");
    CHECK((s = open_store(root, 0)) != NULL);
    p = src_store_problems(s);
    print_problems(p);
    CHECK_EQ(src_store_nruns(s), 1);
    CHECK((r = src_store_find_run(s, "good")) != NULL);
    CHECK(find_problem(p, "1/empty/meta.yaml", "empty") != NULL);
    CHECK(find_problem(p, "1/broken/meta.yaml", "line 3") != NULL);
    CHECK(find_problem(p, "1/it's", "not a valid MLflow run id") != NULL);
    CHECK(find_problem(p, "1/copy", "run_id 'good'") != NULL);
    CHECK(find_problem(p, "1/wrongexp", "experiment_id '9'") != NULL);
    CHECK(find_problem(p, "1/notarun", "no meta.yaml") != NULL);
    CHECK_EQ(p->n, 6);
    CHECK_EQ(src_store_nskipped_runs(s), 5);
    src_store_close(s);
}

TEST(run_fields_as_mlflow_reads_them)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    const src_run *r;
    const src_exp *x;
    make_exp(root, "0", "Default");
    putf(at(root, "0/old/meta.yaml"), /* MLflow 1.x: int experiment_id, no run_name */
         "artifact_uri: /abs/0/old/artifacts\nend_time: null\nexperiment_id: 0\nlifecycle_stage: active\n"
         "run_id: old\nrun_uuid: old\nstart_time: 1580000000000\nstatus: 1\nuser_id: u\n");
    putf(at(root, "0/old/tags/mlflow.runName"), "from-tag");
    putf(at(root, "0/named/meta.yaml"), "experiment_id: '0'\nrun_id: named\nrun_name: n\nstart_time: 5\n"
                                        "status: FINISHED\nend_time: 9\n");
    putf(at(root, "0/odd/meta.yaml"), "experiment_id: '0'\nrun_id: odd\nstart_time: 5\nstatus: 42\n");
    CHECK((s = open_store(root, 0)) != NULL);
    print_problems(src_store_problems(s));
    CHECK((r = src_store_find_run(s, "old")) != NULL);
    CHECK_STR(r->name, "from-tag");
    CHECK_EQ(r->status, SRC_RUNNING);
    CHECK_EQ(r->has_end, 0);
    CHECK_EQ(r->start_time, 1580000000000LL);
    CHECK_STR(r->rel, "0/old");
    CHECK((r = src_store_find_run(s, "named")) != NULL);
    CHECK(r->status == SRC_FINISHED && r->has_end && r->end_time == 9 && !strcmp(r->user_id, ""));
    CHECK_EQ(src_store_find_run(s, "odd")->status, SRC_RUNNING);
    CHECK((x = src_store_find_exp(s, "0")) != NULL);
    CHECK(x->nruns == 3 && x->creation_time == 1714000000000LL);
    CHECK(src_store_find_run(s, "nope") == NULL && src_store_find_exp(s, "9") == NULL);
    CHECK_STR(src_status_name(src_status_parse("KILLED")), "KILLED");
    CHECK_EQ(src_status_parse("4"), SRC_FAILED);
    src_store_close(s);
}

/* defect 7 of issue 9 inside a store: a run meta.yaml of 50,000 nested flow mappings
   (a stack overflow before) and one of 200,000 nested flow sequences (over 5 minutes
   before) each end fast with a problem naming that file; the other runs load */
TEST(deep_yaml_run_meta_fails_alone_and_fast)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    sbuf maps = {0}, seqs = {0};
    double t0, took;
    int i;
    make_exp(root, "1", "e");
    make_run(root, "1", "good", "g", 0);
    make_run(root, "1", "maps", "x", 0);
    make_run(root, "1", "seqs", "x", 0);
    sb_puts(&maps, "run_id: maps\nstart_time: ");
    for (i = 0; i < 50000; i++) sb_puts(&maps, "{a: ");
    for (i = 0; i < 50000; i++) sb_puts(&maps, "}");
    sb_puts(&seqs, "run_id: seqs\nstart_time: ");
    for (i = 0; i < 200000; i++) sb_puts(&seqs, "[");
    for (i = 0; i < 200000; i++) sb_puts(&seqs, "]");
    CHECK(!maps.oom && !seqs.oom && maps.len > 200000 && seqs.len > 400000);
    put(at(root, "1/maps/meta.yaml"), maps.s, maps.len);
    put(at(root, "1/seqs/meta.yaml"), seqs.s, seqs.len);
    sb_free(&maps);
    sb_free(&seqs);
    t0 = cpu_s();
    CHECK((s = open_store(root, 0)) != NULL);
    took = cpu_s() - t0;
    printf("    a store with both: opened in %.4f s\n", took);
    CHECK(took < (getenv("MLL_UNDER_VALGRIND") ? 60.0 : 1.0));
    CHECK_EQ(src_store_nruns(s), 1);
    CHECK(src_store_find_run(s, "good") != NULL);
    CHECK(find_problem(src_store_problems(s), "1/maps/meta.yaml", "nested more than 1000 levels") != NULL);
    CHECK(find_problem(src_store_problems(s), "1/seqs/meta.yaml", "nested more than 1000 levels") != NULL);
    CHECK_EQ(src_store_nskipped_runs(s), 2);
    src_store_close(s);
}

static void set_parent(const char *root, const char *run, const char *parent)
{
    char rel[256];
    snprintf(rel, sizeof rel, "1/%s/tags/mlflow.parentRunId", run);
    putf(at(root, rel), "%s", parent);
}

TEST(parents_come_before_children)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    size_t i;
    make_exp(root, "1", "e");
    make_run(root, "1", "a", "grandchild", 0);
    make_run(root, "1", "b", "child", 0);
    make_run(root, "1", "c", "parent", 0);
    make_run(root, "1", "x", "loop1", 0);
    make_run(root, "1", "y", "loop2", 0);
    set_parent(root, "a", "b");
    set_parent(root, "b", "c");
    set_parent(root, "x", "y");
    set_parent(root, "y", "x");
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_store_find_run(s, "c")->depth, 0);
    CHECK_EQ(src_store_find_run(s, "b")->depth, 1);
    CHECK_EQ(src_store_find_run(s, "a")->depth, 2);
    CHECK_STR(src_store_find_run(s, "a")->parent_id, "b");
    for (i = 1; i < src_store_nruns(s); i++) CHECK(src_store_run(s, i - 1)->depth <= src_store_run(s, i)->depth);
    CHECK(find_problem(src_store_problems(s), NULL, "cycle") != NULL);
    src_store_close(s);
}

TEST(filters_and_what_they_did_not_match)
{
    const char *root = messy_store();
    const char *exps[] = {"good", "nosuch"}, *runs[] = {"r2", "zzz"};
    const char *const *u;
    src_filter f;
    tool_err e;
    src_store *s;
    memset(&f, 0, sizeof f);
    f.experiments = exps;
    f.nexperiments = 2;
    f.runs = runs;
    f.nruns = 2;
    CHECK((s = open_filtered(root, &f, &e)) != NULL);
    CHECK_EQ(src_store_nruns(s), 1);
    CHECK_STR(src_store_run(s, 0)->id, "r2");
    u = src_store_unmatched(s);
    CHECK(u[0] && u[1] && !u[2]);
    CHECK_STR(u[0], "nosuch");
    CHECK_STR(u[1], "zzz");
    src_store_close(s);
    exps[0] = "1"; /* by id */
    f.nexperiments = 1;
    f.nruns = 0;
    CHECK((s = open_filtered(root, &f, &e)) != NULL);
    CHECK_EQ(src_store_nruns(s), 2);
    CHECK(src_store_unmatched(s)[0] == NULL);
    src_store_close(s);
}

TEST(deleted_experiments_and_runs_on_request)
{
    const char *root = messy_store();
    src_filter f;
    tool_err e;
    src_store *s;
    memset(&f, 0, sizeof f);
    f.include_deleted = 1;
    make_run(root, "1", "del", "d", 0);
    putf(at(root, "1/del/meta.yaml"), "run_id: del\nexperiment_id: '1'\nlifecycle_stage: deleted\nstart_time: 1\n");
    make_exp(root, ".trash/1", "good"); /* also active: MLflow reads the active one */
    CHECK((s = open_filtered(root, &f, &e)) != NULL);
    CHECK_EQ(src_store_nexps(s), 2);
    CHECK(src_store_find_exp(s, "5") && src_store_find_exp(s, "5")->deleted);
    CHECK(!src_store_find_exp(s, "1")->deleted);
    CHECK(src_store_find_run(s, "rd") != NULL);
    CHECK(src_store_find_run(s, "del") && src_store_find_run(s, "del")->deleted);
    CHECK(find_problem(src_store_problems(s), ".trash/1", "also active") != NULL);
    src_store_close(s);
}

TEST(not_a_store_is_a_source_error)
{
    const char *root = mll_test_tmpdir();
    src_store *s = NULL;
    tool_err e;
    CHECK(open_filtered(root, NULL, &e) == NULL);
    CHECK_EQ(e.code, EXIT_SOURCE);
    CHECK(strstr(e.why, "no MLflow experiment") != NULL);
    make_exp(root, "mlruns/0", "Default");
    CHECK((s = open_filtered(root, NULL, &e)) == NULL);
    CHECK(strstr(e.why, "did you mean") != NULL);
    CHECK(open_filtered("/nonexistent/mlruns", NULL, &e) == NULL);
    CHECK_EQ(e.code, EXIT_SOURCE);
    mkdirs(root, "x/models");
    mkdirs(root, "x/models/m");
    CHECK((s = open_filtered(at(root, "x"), NULL, &e)) != NULL); /* a registry alone is a store */
    src_store_close(s);
}

TEST(one_run_id_in_two_experiments)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    make_exp(root, "1", "a");
    make_exp(root, "2", "b");
    make_run(root, "1", "same", "s", 0);
    make_run(root, "2", "same", "s", 0);
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_store_nruns(s), 1);
    CHECK_STR(src_store_find_run(s, "same")->exp->id, "1");
    CHECK(find_problem(src_store_problems(s), "2/same", "another experiment") != NULL);
    src_store_close(s);
}

int main(void)
{
    RUN(bad_experiments_are_named_and_the_rest_loads);
    RUN(bad_runs_are_named_and_the_rest_loads);
    RUN(run_fields_as_mlflow_reads_them);
    RUN(deep_yaml_run_meta_fails_alone_and_fast);
    RUN(parents_come_before_children);
    RUN(filters_and_what_they_did_not_match);
    RUN(deleted_experiments_and_runs_on_request);
    RUN(not_a_store_is_a_source_error);
    RUN(one_run_id_in_two_experiments);
    return mll_test_summary();
}
