/* Unit tests of the planner (tools/plan.c): a run's files against its sync
 * record, with no I/O. Label "unit;tool" (also run under ASan+UBSan). */
#define _POSIX_C_SOURCE 200809L
#include "plan.h"
#include "mll_test.h"

#include <math.h>

typedef struct fixture {
    src_exp exp;
    src_run run;
    src_run_files files;
    src_metric_file mf[3];
    src_artifacts arts;
    src_artifact art[2];
    st_run rec;
} fixture;

static void fixture_init(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->exp.id = (char *)"1";
    f->exp.name = (char *)"exp";
    f->run.id = (char *)"r1";
    f->run.exp = &f->exp;
    f->run.name = (char *)"run one";
    f->run.status = SRC_FINISHED;
    f->run.has_end = 1;
    f->run.end_time = 1700000009999LL;
    f->run.parent_id = (char *)"p0";
    kv_add(&f->files.params, "lr", "0.1");
    kv_add(&f->files.params, "layers", "3");
    kv_add(&f->files.tags, "team", "hpc");
    kv_add(&f->files.tags, PARENT_TAG, "p0");
    kv_add(&f->files.tags, SYNC_TAG, "should never be planned");
    f->mf[0].key = (char *)"acc";
    f->mf[0].size = 100;
    f->mf[1].key = (char *)"loss";
    f->mf[1].size = 250;
    f->mf[2].key = (char *)"train/lr";
    f->mf[2].size = 40;
    f->files.metrics = f->mf;
    f->files.nmetrics = 3;
    f->art[0].rel = (char *)"model.txt";
    f->art[0].size = 9;
    f->art[0].mtime_ns = 1000;
    f->art[1].rel = (char *)"dir/data.bin";
    f->art[1].size = 70000;
    f->art[1].mtime_ns = 2000;
    f->arts.v = f->art;
    f->arts.n = 2;
    f->rec.end_time = -1;
}

/* A record saying everything of the fixture was sent (parent remote "P0"). */
static void record_all(fixture *f)
{
    char h[17], stamp[48];
    size_t i;
    f->rec.remote_id = xstrdup("R1");
    f->rec.name = xstrdup("run one");
    f->rec.status = SRC_FINISHED;
    f->rec.end_time = 1700000009999LL;
    for (i = 0; i < f->files.params.n; i++) {
        state_value_hash(f->files.params.v[i].value, h);
        hmap_put(&f->rec.param_hash, f->files.params.v[i].key, h, 0, 0);
    }
    state_value_hash("hpc", h);
    hmap_put(&f->rec.tag_hash, "team", h, 0, 0);
    state_value_hash("P0", h);
    hmap_put(&f->rec.tag_hash, PARENT_TAG, h, 0, 0);
    for (i = 0; i < f->files.nmetrics; i++) hmap_put(&f->rec.metric, f->mf[i].key, NULL, f->mf[i].size, 7);
    for (i = 0; i < f->arts.n; i++) {
        plan_artifact_stamp(&f->art[i], stamp);
        hmap_put(&f->rec.artifact, f->art[i].rel, stamp, 0, 0);
    }
}

static void fixture_free(fixture *f)
{
    kv_free(&f->files.params);
    kv_free(&f->files.tags);
    free(f->rec.remote_id);
    free(f->rec.name);
    hmap_free(&f->rec.param_hash);
    hmap_free(&f->rec.tag_hash);
    hmap_free(&f->rec.metric);
    hmap_free(&f->rec.artifact);
    hmap_free(&f->rec.refused);
}

static int plan_of(fixture *f, int with_record, const char *parent_remote, run_plan *p)
{
    plan_in in;
    memset(&in, 0, sizeof in);
    in.run = &f->run;
    in.files = &f->files;
    in.arts = &f->arts;
    in.rec = with_record ? &f->rec : NULL;
    in.parent_remote = parent_remote;
    return plan_run(&in, p);
}

TEST(new_run_sends_everything)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    CHECK_EQ(plan_of(&f, 0, "P0", &p), 0);
    CHECK_EQ(p.known, 0);
    CHECK_EQ(p.nothing, 0);
    CHECK_EQ(p.params.n, 2);
    CHECK_EQ(p.tags.n, 2);                                   /* the marker tag is never planned */
    CHECK_STR(kv_get(&p.tags, PARENT_TAG), "P0");            /* remapped to the remote parent */
    CHECK(!kv_get(&p.tags, SYNC_TAG));
    CHECK_EQ(p.nmetrics, 3);
    CHECK_EQ(p.metrics[1].from, 0);
    CHECK_EQ(p.metrics[1].to, 250);
    CHECK_EQ(p.metrics[1].from_line, 1);
    CHECK_EQ(p.metric_bytes, 390);
    CHECK_EQ(p.narts, 2);
    CHECK_EQ(p.art_bytes, 70009);
    CHECK_EQ(p.update_meta, 1);                              /* FINISHED with an end time */
    CHECK_EQ(p.parent_waits, 0);
    plan_free(&p);
    fixture_free(&f);
}

TEST(unchanged_run_is_nothing)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    record_all(&f);
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.known, 1);
    CHECK_EQ(p.nothing, 1);
    CHECK_EQ(p.params.n + p.tags.n + p.del_tags.n + p.nmetrics + p.narts, 0);
    plan_free(&p);
    fixture_free(&f);
}

TEST(changes_are_found)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    record_all(&f);
    free(f.files.params.v[0].value);
    f.files.params.v[0].value = xstrdup("0.2");              /* changed param */
    kv_add(&f.files.tags, "new", "tag");                     /* new tag */
    hmap_put(&f.rec.tag_hash, "deleted", "0000000000000000", 0, 0); /* deleted locally */
    f.mf[0].size = 160;                                      /* grown */
    f.mf[1].size = 10;                                       /* rewritten: smaller than acknowledged */
    f.art[0].mtime_ns = 1001;                                /* touched */
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.nothing, 0);
    CHECK_EQ(p.params.n, 1);
    CHECK_STR(p.params.v[0].key, "lr");
    CHECK_EQ(p.tags.n, 1);
    CHECK_STR(p.tags.v[0].key, "new");
    CHECK_EQ(p.del_tags.n, 1);
    CHECK_STR(p.del_tags.v[0].key, "deleted");
    CHECK_EQ(p.nmetrics, 2);
    CHECK_STR(p.metrics[0].key, "acc");
    CHECK_EQ(p.metrics[0].from, 100);
    CHECK_EQ(p.metrics[0].from_line, 7);
    CHECK_EQ(p.metrics[0].to, 160);
    CHECK_STR(p.metrics[1].key, "loss");
    CHECK_EQ(p.metrics[1].restart, 1);
    CHECK_EQ(p.metrics[1].from, 0);
    CHECK_EQ(p.metrics[1].from_line, 1);
    CHECK_EQ(p.narts, 1);
    CHECK_STR(p.arts[0].rel, "model.txt");
    CHECK_STR(p.arts[0].stamp, "9:1001");
    CHECK_EQ(p.meta_changed, 0);
    plan_free(&p);
    fixture_free(&f);
}

TEST(status_and_name)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    f.run.status = SRC_RUNNING;
    f.run.has_end = 0;
    CHECK_EQ(plan_of(&f, 0, "P0", &p), 0);
    CHECK_EQ(p.meta_changed, 1);
    CHECK_EQ(p.update_meta, 0);                              /* runs/create starts it RUNNING, named */
    plan_free(&p);
    record_all(&f);
    f.rec.status = SRC_RUNNING;
    f.rec.end_time = -1;
    f.run.name = (char *)"renamed";
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.update_meta, 1);                              /* a rename needs runs/update */
    CHECK_EQ(p.nothing, 0);
    plan_free(&p);
    fixture_free(&f);
}

TEST(parent_not_synced_waits)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    CHECK_EQ(plan_of(&f, 0, NULL, &p), 0);
    CHECK_EQ(p.parent_waits, 1);
    CHECK(!kv_get(&p.tags, PARENT_TAG));
    plan_free(&p);
    fixture_free(&f);
}

TEST(invalid_utf8_is_refused_once)
{
    fixture f;
    run_plan p;
    const hmap_entry *e;
    fixture_init(&f);
    record_all(&f);
    kv_add(&f.files.params, "bad", "caf\xe9");
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.params.n, 0);                                 /* never sent */
    CHECK((e = hmap_get(&p.refuse, "param:bad")) != NULL);
    CHECK(strstr(e->sval, "UTF-8") != NULL);
    CHECK_EQ(p.nothing, 0);                                  /* the refusal must be recorded */
    plan_free(&p);
    hmap_put(&f.rec.refused, "param:bad", "not valid UTF-8", 0, 0);
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.refuse.live, 0);                              /* recorded already: no new work */
    CHECK_EQ(p.nothing, 1);
    plan_free(&p);
    fixture_free(&f);
}

TEST(stale_refusals_are_dropped)
{
    fixture f;
    run_plan p;
    fixture_init(&f);
    record_all(&f);
    hmap_put(&f.rec.refused, "param:gone", "x", 0, 0);        /* the param was deleted */
    hmap_put(&f.rec.refused, "param:lr", "x", 0, 0);          /* still there: kept */
    hmap_put(&f.rec.refused, "metric:acc:3", "x", 0, 0);      /* file unchanged: kept */
    hmap_put(&f.rec.refused, "tag:lr", "x", 0, 0);            /* a tag "lr" does not exist: dropped */
    hmap_put(&f.rec.refused, "garbage", "x", 0, 0);           /* not an item id: dropped */
    f.mf[1].size = 5;                                         /* loss rewritten */
    hmap_put(&f.rec.refused, "metric:loss:2", "x", 0, 0);     /* void with the rewrite */
    CHECK_EQ(plan_of(&f, 1, "P0", &p), 0);
    CHECK_EQ(p.unrefuse.n, 4);
    CHECK(kv_get(&p.unrefuse, "param:gone") && kv_get(&p.unrefuse, "tag:lr") && kv_get(&p.unrefuse, "garbage") &&
          kv_get(&p.unrefuse, "metric:loss:2"));
    plan_free(&p);
    fixture_free(&f);
}

TEST(item_ids_round_trip)
{
    sbuf b = {0};
    int kind;
    char *key;
    long line;
    plan_item_id(&b, PLAN_METRIC, "a:b/c", 42);
    CHECK_STR(b.s, "metric:a:b/c:42");
    CHECK_EQ(plan_item_parse(b.s, &kind, &key, &line), 0);
    CHECK_EQ(kind, PLAN_METRIC);
    CHECK_STR(key, "a:b/c");
    CHECK_EQ(line, 42);
    free(key);
    sb_free(&b);
    CHECK_EQ(plan_item_parse("param:x:y", &kind, &key, &line), 0);
    CHECK_EQ(kind, PLAN_PARAM);
    CHECK_STR(key, "x:y");
    CHECK_EQ(line, 0);
    free(key);
    CHECK_EQ(plan_item_parse("metric:x", &kind, &key, &line), -1);
    CHECK_EQ(plan_item_parse("metric:x:-1", &kind, &key, &line), -1);
    CHECK_EQ(plan_item_parse("other:x", &kind, &key, &line), -1);
}

TEST(version_sources)
{
    const char *why;
    char *s;
    s = plan_version_source("runs:/L1/model", "L1", "file:///m/1/L1/artifacts", "mlflow-artifacts:/2/R1/artifacts",
                            "R1", &why);
    CHECK_STR(s, "runs:/R1/model");
    free(s);
    s = plan_version_source("file:///m/1/L1/artifacts/model", "L1", "file:///m/1/L1/artifacts",
                            "mlflow-artifacts:/2/R1/artifacts/", "R1", &why);
    CHECK_STR(s, "mlflow-artifacts:/2/R1/artifacts/model");
    free(s);
    s = plan_version_source("/m/1/L1/artifacts/model", "L1", "file:///m/1/L1/artifacts", "s3://b/R1", "R1", &why);
    CHECK_STR(s, "s3://b/R1/model");
    free(s);
    s = plan_version_source("s3://bucket/m", NULL, NULL, NULL, NULL, &why);
    CHECK_STR(s, "s3://bucket/m");
    free(s);
    CHECK(plan_version_source("/elsewhere/model", "L1", "file:///m/1/L1/artifacts", "x", "R1", &why) == NULL);
    CHECK(why && strstr(why, "outside the artifacts"));
    CHECK(plan_version_source("file:///x", NULL, NULL, NULL, NULL, &why) == NULL && why);
    CHECK(plan_version_source("models:/other/2", NULL, NULL, NULL, NULL, &why) == NULL && why);
    CHECK_STR(plan_logged_model_id("models:/m-abc"), "m-abc");
    CHECK(plan_logged_model_id("models:/name/1") == NULL);
    CHECK(plan_logged_model_id("models:/m-") == NULL);
    s = plan_version_marker("M é", 3, 1700000000123LL);
    CHECK_STR(s, "M é/3@1700000000123");
    free(s);
}

int main(void)
{
    RUN(new_run_sends_everything);
    RUN(unchanged_run_is_nothing);
    RUN(changes_are_found);
    RUN(status_and_name);
    RUN(parent_not_synced_waits);
    RUN(invalid_utf8_is_refused_once);
    RUN(stale_refusals_are_dropped);
    RUN(item_ids_round_trip);
    RUN(version_sources);
    return mll_test_summary();
}
