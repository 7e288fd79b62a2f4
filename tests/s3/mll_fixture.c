/* tests/s3/mll_fixture.c — writes an MLflow store with mlflow_lite.h for the
 * S3 mirror round trip: two experiments, runs whose names, keys and artifact
 * paths hold spaces, + = : @ and non-ASCII, metric histories, a text and a
 * binary artifact. usage: mll_fixture ROOT */
#include <stdio.h>
#include <string.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static int fails;

static void ck(mll_result r, const char *what)
{
    if (r != MLL_OK) {
        fprintf(stderr, "mll_fixture: %s: %s\n", what, mll_strerror(r));
        fails++;
    }
}

int main(int argc, char **argv)
{
    static const char *const exps[] = {"C exp: a+b=c @home é", "C second"};
    static const char *const arts[] = {"with space.txt", "a+b=c.txt", "k:v@host.txt", "ünïcødé 日本.txt",
                                       "dir +=:@ é/inner file.txt"};
    mll_store *store = NULL;
    mll_store_desc sd;
    unsigned char blob[3000];
    int e, r, i;
    if (argc != 2) {
        fprintf(stderr, "usage: mll_fixture ROOT\n");
        return 2;
    }
    memset(&sd, 0, sizeof sd);
    sd.root = argv[1];
    sd.ignore_env = 1;
    ck(mll_open(&store, &sd), "open");
    if (!store) return 1;
    for (i = 0; i < (int)sizeof blob; i++) blob[i] = (unsigned char)(i * 7 + 3);
    for (e = 0; e < 2; e++) {
        for (r = 0; r < 2; r++) {
            mll_run *run = NULL;
            mll_run_desc rd;
            char name[128], text[256];
            int s;
            size_t a;
            memset(&rd, 0, sizeof rd);
            rd.experiment_name = exps[e];
            snprintf(name, sizeof name, "c run %d a+b=c:d@é", r);
            rd.run_name = name;
            ck(mll_start_run(&run, store, &rd), "start run");
            if (!run) continue;
            ck(mll_log_param_double(run, "lr", 0.01 * (r + 1)), "param");
            ck(mll_log_param(run, "naïve key", "v=1+2@x:y"), "param");
            ck(mll_set_tag(run, "note", "a+b=c @ é"), "tag");
            for (s = 0; s < 50; s++) {
                ck(mll_log_metric(run, "loss", 1.0 / (s + 1) + r, s), "metric");
                if (s % 5 == 0) ck(mll_log_metric(run, "acc: top-1", s / 50.0, s), "metric");
            }
            for (a = 0; a < sizeof arts / sizeof arts[0]; a++) {
                char path[256];
                snprintf(path, sizeof path, "dir with space/%s", arts[a]);
                snprintf(text, sizeof text, "content of %s in run %d\n", arts[a], r);
                ck(mll_log_text(run, text, path), "log text");
            }
            ck(mll_log_bytes(run, blob, sizeof blob, "bin/blob.bin"), "log bytes");
            ck(mll_end_run(run, r ? MLL_RUN_FAILED : MLL_RUN_FINISHED), "end run");
        }
    }
    ck(mll_close(store), "close");
    return fails ? 1 : 0;
}
