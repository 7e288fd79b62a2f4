/* fuzz_header_reopen: the whole door for a meta.yaml someone else wrote. The input is the
   meta.yaml of a run folder; mll_start_run reopens the run by id (reads lifecycle_stage,
   start_time, user_id, run_name, artifact_uri, rewrites status and end_time), logs a
   point, flushes and ends it; every call returns a code, none crashes, nothing is
   written outside the run folder (artifacts are not logged: artifact_uri may name any
   folder, as in MLflow). Runs on real files under $TMPDIR. */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define RUN_ID "f00dfeedf00dfeedf00dfeedf00dfeed"

static mll_store *g_store;
static char g_meta[4096];

static void quiet(mll_log_level level, mll_result code, const char *msg, const char *file, int line, void *ud) {
    (void)level, (void)code, (void)msg, (void)file, (void)line, (void)ud;
}

static char root[512];

static void cleanup(void) {
    char cmd[600];
    mll_close(g_store);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) fprintf(stderr, "fuzz_header_reopen: could not remove %s\n", root);
}

static int setup(void) {
    char dir[1024];
    const char *tmp = getenv("TMPDIR");
    mll_store_desc d;
    snprintf(root, sizeof root, "%s/mll-fuzz-reopen-%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    memset(&d, 0, sizeof d);
    d.root = root;
    d.ignore_env = 1;
    d.no_flush_thread = 1;
    d.logger.func = quiet;
    if (mll_open(&g_store, &d) != MLL_OK) return -1;
    atexit(cleanup);
    snprintf(dir, sizeof dir, "%s/0/%s", root, RUN_ID);
    mkdir(dir, 0777);
    snprintf(g_meta, sizeof g_meta, "%s/meta.yaml", dir);
    strcat(dir, "/metrics");
    mkdir(dir, 0777);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mll_run_desc rd;
    mll_run *run = NULL;
    FILE *f;
    if (!g_store && setup() != 0) __builtin_trap();
    f = fopen(g_meta, "wb");
    if (!f) __builtin_trap();
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    memset(&rd, 0, sizeof rd);
    rd.run_id = RUN_ID;
    if (mll_start_run(&run, g_store, &rd) == MLL_OK) {
        mll_error e = {MLL_OK, 0, NULL, "", ""};
        (void)mll_run_name(run);
        (void)mll_run_artifact_uri(run);
        (void)mll_log_metric_at(run, "m", 1.0, 0, 1700000000000LL);
        (void)mll_set_run_name(run, "fuzzed");
        (void)mll_flush(run);
        (void)mll_end_run(run, MLL_RUN_FINISHED);
        /* ended, or still open (a failure a retry may mend): never an unknown handle */
        if (mll_run_last_error(run, &e) == MLL_ERR_INVALID_ARGUMENT) __builtin_trap();
        if (e.code != MLL_ERR_RUN_ENDED) (void)mll_end_run(run, MLL_RUN_FINISHED);
    }
    return 0;
}
