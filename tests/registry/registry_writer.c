/* Writes a model registry with mlflow_lite.h for registry_check.py: two models, versions
   from runs, aliases, tags, descriptions, stage transitions (with archive_existing), 16
   processes registering versions of one model at once, and rejected bad names. Prints a
   line per fact for the checker; exits non-zero if the C side saw an unexpected result. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define EXPECT(call, want)                                                                      \
    do {                                                                                        \
        mll_result got_ = (call);                                                               \
        if (got_ != (want)) {                                                                   \
            fprintf(stderr, "%s:%d: %s -> %s, want %s\n", __FILE__, __LINE__, #call,            \
                    mll_strerror(got_), mll_strerror(want));                                    \
            failures++;                                                                         \
        }                                                                                       \
    } while (0)

static void quiet(mll_log_level l, mll_result c, const char *m, const char *f, int n, void *u) {
    (void)l, (void)c, (void)m, (void)f, (void)n, (void)u;
}

static mll_store *open_root(const char *root) {
    mll_store *s = NULL;
    mll_store_desc d = {0};
    d.root = root;
    d.ignore_env = 1;
    d.logger.func = quiet;
    if (mll_open(&s, &d) != MLL_OK) {
        fprintf(stderr, "cannot open %s\n", root);
        exit(2);
    }
    return s;
}

int main(int argc, char **argv) {
    mll_store *s;
    mll_run *run = NULL;
    mll_run_desc rd = {0};
    int v1 = 0, v2 = 0, v3 = 0, i;
    pid_t kids[16];
    if (argc != 2) return 2;
    s = open_root(argv[1]);
    rd.experiment_name = "registry";
    rd.run_name = "train";
    EXPECT(mll_start_run(&run, s, &rd), MLL_OK);
    EXPECT(mll_log_text(run, "artifact_path: model\n", "model/MLmodel"), MLL_OK);
    EXPECT(mll_log_metric(run, "r2", 0.93, 0), MLL_OK);
    printf("run %s\n", mll_run_id(run));
    printf("artifact_uri %s\n", mll_run_artifact_uri(run));

    /* the seed tutorial: register, then promote when the metric passes a threshold */
    EXPECT(mll_register_model(run, "model", "Churn Model é", &v1), MLL_OK);
    EXPECT(mll_register_model(run, "model", "Churn Model é", &v2), MLL_OK);
    printf("versions %d %d\n", v1, v2);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "champion", v1), MLL_OK);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "challenger", v2), MLL_OK);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "champion", v2), MLL_OK); /* moves */
    EXPECT(mll_set_model_alias(s, "Churn Model é", "old", v1), MLL_OK);
    EXPECT(mll_delete_model_alias(s, "Churn Model é", "old"), MLL_OK);
    EXPECT(mll_set_registered_model_tag(s, "Churn Model é", "team", "growth"), MLL_OK);
    EXPECT(mll_set_registered_model_tag(s, "Churn Model é", "tmp", "x"), MLL_OK);
    EXPECT(mll_delete_registered_model_tag(s, "Churn Model é", "tmp"), MLL_OK);
    EXPECT(mll_set_model_version_tag(s, "Churn Model é", v2, "validated", "true"), MLL_OK);
    EXPECT(mll_set_registered_model_description(s, "Churn Model é", "Predicts churn: \"v2\"\nsecond line"), MLL_OK);
    EXPECT(mll_set_model_version_description(s, "Churn Model é", v1, "first try"), MLL_OK);
    EXPECT(mll_transition_model_version_stage(s, "Churn Model é", v1, MLL_STAGE_PRODUCTION, 0), MLL_OK);
    EXPECT(mll_transition_model_version_stage(s, "Churn Model é", v2, MLL_STAGE_PRODUCTION, 1), MLL_OK); /* v1 -> Archived */

    /* a version from an explicit source with tags */
    {
        mll_model_version_desc d = {0};
        mll_tag t[1];
        t[0].key = "framework";
        t[0].value = "onnx";
        d.source = "s3://bucket/models/onnx";
        d.description = "external";
        d.tags = t;
        d.num_tags = 1;
        EXPECT(mll_create_model_version(s, "external", &d, &v3), MLL_OK);
        printf("external %d\n", v3);
        EXPECT(mll_transition_model_version_stage(s, "external", v3, MLL_STAGE_STAGING, 0), MLL_OK);
    }

    /* bad input: an error and nothing created */
    EXPECT(mll_register_model(run, "model", "a/b", NULL), MLL_ERR_INVALID_NAME);
    EXPECT(mll_register_model(run, "model", "a:b", NULL), MLL_ERR_INVALID_NAME);
    EXPECT(mll_register_model(run, "model", "50%", NULL), MLL_ERR_INVALID_NAME);
    EXPECT(mll_register_model(run, "model", "   ", NULL), MLL_ERR_INVALID_NAME);
    EXPECT(mll_register_model(run, "model", "..", NULL), MLL_ERR_INVALID_NAME);
    EXPECT(mll_register_model(run, "../model", "ok", NULL), MLL_ERR_INVALID_KEY);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "latest", v1), MLL_ERR_INVALID_NAME);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "V12", v1), MLL_ERR_INVALID_NAME);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "bad alias", v1), MLL_ERR_INVALID_NAME);
    EXPECT(mll_set_model_alias(s, "Churn Model é", "ghost", 99), MLL_ERR_NOT_FOUND);
    EXPECT(mll_set_model_alias(s, "no such model", "a", 1), MLL_ERR_NOT_FOUND);
    EXPECT(mll_transition_model_version_stage(s, "external", v3, MLL_STAGE_ARCHIVED, 1), MLL_ERR_INVALID_VALUE);
    EXPECT(mll_end_run(run, MLL_RUN_FINISHED), MLL_OK);
    EXPECT(mll_close(s), MLL_OK);

    /* 16 processes register a version of one model at the same moment */
    fflush(stdout);
    for (i = 0; i < 16; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            mll_store *cs = open_root(argv[1]);
            mll_model_version_desc d = {0};
            int v = 0;
            char src[64];
            snprintf(src, sizeof(src), "file:///models/from-process-%d", i);
            d.source = src;
            usleep(1000);
            {
                mll_result cr = mll_create_model_version(cs, "concurrent", &d, &v);
                if (cr != MLL_OK) {
                    mll_error e;
                    mll_store_last_error(cs, &e);
                    fprintf(stderr, "process %d: %s\n", i, e.message);
                    _exit(1);
                }
            }
            mll_close(cs);
            printf("concurrent %d %s\n", v, src);
            fflush(stdout);
            _exit(0);
        }
    }
    for (i = 0; i < 16; i++) {
        int st = 0;
        waitpid(kids[i], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) failures++;
    }
    printf("failures %d\n", failures);
    return failures ? 1 : 0;
}
