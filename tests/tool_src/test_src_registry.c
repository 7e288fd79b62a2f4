/* The model registry (SRC/models) and MLflow 3 LoggedModels (<exp>/models/m-*),
   with files shaped exactly as MLflow 3.18 writes them (copied from a store made
   by MlflowClient: create_registered_model, create_model_version from runs:/ and
   models:/ sources, an alias, a stage, a deleted version; a LoggedModel with
   params, tags and a metric). Deleted versions are listed, marked deleted, so
   their numbers are known. */
#include "src_test_util.h"

#define LM "m-05fa228876ae4cd9b4836f7b36a8a024"
#define SRC_RUN_ID "27e03cd53a1149c3a6a2c16f44bef2c7"

static void version_meta(const char *root, int n, const char *stage, const char *source, const char *model_id)
{
    char rel[256];
    snprintf(rel, sizeof rel, "models/reg1/version-%d/meta.yaml", n);
    putf(at(root, rel),
         "creation_timestamp: 179602874269%d\ncurrent_stage: %s\ndeployment_job_state: null\ndescription: null\n"
         "last_updated_timestamp: 1796028743034\nmodel_id: %s\nname: reg1\nrun_id: %s\nrun_link: null\n"
         "source: %s\nstatus: READY\nstatus_message: null\nstorage_location: %s\nuser_id: null\nversion: %d\n"
         "workspace: default\n",
         n, stage, model_id, n == 3 ? "null" : SRC_RUN_ID, source, source, n);
}

static const char *registry_store(void)
{
    const char *root = mll_test_tmpdir();
    make_exp(root, "613132354969610693", "e1");
    putf(at(root, "models/reg1/meta.yaml"),
         "aliases:\n  champ: '2'\ncreation_timestamp: 1796028742687\ndeployment_job_id: null\n"
         "deployment_job_state: null\ndescription: desc\nlast_updated_timestamp: 1796028743173\nname: reg1\n"
         "workspace: default\n");
    putf(at(root, "models/reg1/tags/k"), "v");
    putf(at(root, "models/reg1/aliases/champ"), "2");
    putf(at(root, "models/reg1/aliases/junk"), "two");
    version_meta(root, 1, "Staging", "runs:/" SRC_RUN_ID "/model", "null");
    putf(at(root, "models/reg1/version-1/tags/vt"), "1");
    version_meta(root, 2, "None", "models:/" LM, LM);
    version_meta(root, 3, "Deleted_Internal", "s3://b/x", "null");
    putf(at(root, "models/reg1/version-4/meta.yaml"), "version: [\n");
    mkdirs(root, "models/nometa/version-1");
    mkdirs(root, "models/real");
    link_to("real", at(root, "models/linked"));
    return root;
}

TEST(registered_models_versions_aliases)
{
    const char *root = registry_store();
    src_store *s;
    src_registry g;
    tool_err e;
    const src_model *m;
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_registry_read(s, &g, &e), 0);
    print_problems(&g.problems);
    CHECK_EQ(g.n, 1); /* reg1; "nometa" and "real" have no meta.yaml: problems */
    m = &g.v[0];
    CHECK_STR(m->name, "reg1");
    CHECK_STR(m->description, "desc");
    CHECK_EQ(m->creation_time, 1796028742687LL);
    CHECK_STR(kv_get(&m->tags, "k"), "v");
    CHECK_STR(kv_get(&m->aliases, "champ"), "2");
    CHECK(kv_get(&m->aliases, "junk") == NULL && find_problem(&g.problems, "models/reg1/aliases/junk", "version"));
    CHECK_EQ(m->nv, 3);
    CHECK(m->v[0].version == 1 && !strcmp(m->v[0].stage, "Staging") && !m->v[0].deleted);
    CHECK_STR(m->v[0].run_id, SRC_RUN_ID);
    CHECK_STR(kv_get(&m->v[0].tags, "vt"), "1");
    CHECK(m->v[0].model_id == NULL && m->v[0].description == NULL);
    CHECK(m->v[1].version == 2 && !strcmp(m->v[1].model_id, LM) && !strcmp(m->v[1].source, "models:/" LM));
    CHECK(m->v[2].version == 3 && m->v[2].deleted && m->v[2].run_id == NULL);
    CHECK(find_problem(&g.problems, "models/reg1/version-4/meta.yaml", "skipped") != NULL);
    CHECK(find_problem(&g.problems, "models/nometa", "no meta.yaml") != NULL);
    CHECK(find_problem(&g.problems, "models/real", "no meta.yaml") != NULL);
    CHECK(find_problem(&g.problems, "models/linked", "symbolic link") != NULL);
    src_registry_free(&g);
    src_store_close(s);
}

static void logged_model(const char *root, const char *exp, const char *id, const char *extra)
{
    char rel[512];
    snprintf(rel, sizeof rel, "%s/models/%s/meta.yaml", exp, id);
    putf(at(root, rel),
         "artifact_location: file://%s/%s/models/%s/artifacts\ncreation_timestamp: 1796028742537\n"
         "experiment_id: '%s'\nlast_updated_timestamp: 1796028742582\nmodel_id: %s\nmodel_type: agent\nname: lm1\n"
         "source_run_id: " SRC_RUN_ID "\nstatus: 2\nstatus_message: null\n%s",
         root, exp, id, exp, id, extra);
}

TEST(logged_models_of_an_experiment)
{
    const char *root = registry_store();
    src_store *s;
    src_logged_models l;
    src_logged_model m;
    src_lm_metric *mv;
    src_problems p = {0};
    src_artifacts a;
    size_t n;
    tool_err e;
    const char *x = "613132354969610693";
    char rel[512];
    logged_model(root, x, LM, "");
    logged_model(root, x, "m-deleted", "lifecycle_stage: deleted\n");
    logged_model(root, x, "m-other", "");
    putf(at(root, "613132354969610693/models/m-other/meta.yaml"), "model_id: m-else\nexperiment_id: '613132354969610693'\n");
    snprintf(rel, sizeof rel, "%s/models/%s/", x, LM);
    putf(at(root, "613132354969610693/models/" LM "/params/a"), "1");
    putf(at(root, "613132354969610693/models/" LM "/tags/t"), "x");
    putf(at(root, "613132354969610693/models/" LM "/metrics/acc"),
         "1796028742562 0.9 1 " SRC_RUN_ID "\n1796028742563 0.8 2 " SRC_RUN_ID " ds d1g\nbad line\n");
    putf(at(root, "613132354969610693/models/" LM "/artifacts/MLmodel"), "artifact_path: model\n");
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_logged_models_read(s, src_store_find_exp(s, x), &l, &e), 0);
    print_problems(&l.problems);
    CHECK_EQ(l.n, 1);
    CHECK(find_problem(&l.problems, "models/m-other", "model_id") != NULL);
    CHECK_STR(l.v[0].id, LM);
    CHECK(l.v[0].status == 2 && !strcmp(l.v[0].name, "lm1") && !strcmp(l.v[0].source_run_id, SRC_RUN_ID));
    CHECK_STR(l.v[0].model_type, "agent");
    CHECK_STR(kv_get(&l.v[0].params, "a"), "1");
    CHECK_STR(kv_get(&l.v[0].tags, "t"), "x");
    CHECK_EQ(src_logged_model_metrics(s, &l.v[0], &mv, &n, &p, &e), 0);
    CHECK_EQ(n, 2);
    CHECK(!strcmp(mv[0].key, "acc") && mv[0].step == 1 && mv[0].value == 0.9 && !strcmp(mv[0].run_id, SRC_RUN_ID));
    CHECK(mv[1].dataset_name && !strcmp(mv[1].dataset_name, "ds") && !strcmp(mv[1].dataset_digest, "d1g"));
    CHECK(p.n == 1 && p.v[0].line == 3);
    src_lm_metrics_free(mv, n);
    src_problems_free(&p);
    CHECK_EQ(src_logged_model_artifacts(s, &l.v[0], &a, &e), 0);
    CHECK(a.n == 1 && !strcmp(a.v[0].rel, "MLmodel"));
    src_artifacts_free(&a);
    src_logged_models_free(&l);
    CHECK_EQ(src_logged_model_find(s, LM, &m, &e), 0);
    CHECK_STR(m.experiment_id, x);
    src_logged_model_free(&m);
    CHECK_EQ(src_logged_model_find(s, "m-deleted", &m, &e), -1);
    CHECK_EQ(src_logged_model_find(s, "m-nope", &m, &e), -1);
    CHECK_EQ(src_logged_model_find(s, "../models", &m, &e), -1);
    src_store_close(s);
}

TEST(no_registry_is_an_empty_one)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    src_registry g;
    tool_err e;
    make_exp(root, "0", "Default");
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_registry_read(s, &g, &e), 0);
    CHECK(g.n == 0 && g.problems.n == 0);
    src_registry_free(&g);
    src_store_close(s);
}

int main(void)
{
    RUN(registered_models_versions_aliases);
    RUN(logged_models_of_an_experiment);
    RUN(no_registry_is_an_empty_one);
    return mll_test_summary();
}
