/* test_ramdisk: the bare-metal example's fs hooks (examples/baremetal_ramdisk.c) on the
   host, with the same macros (MLL_NO_THREADS, MLL_NO_DEFAULT_FS, MLL_NO_STDIO,
   MLL_NO_REGISTRY). The run is logged into the RAM disk, checked through the hooks, then
   dumped to a real folder (argv[1], default: a fresh temporary folder) that
   ramdisk_check.py has MLflow 3.18 read. */
#define _GNU_SOURCE
#define BAREMETAL_RAMDISK_NO_MAIN
#include "../../examples/baremetal_ramdisk.c"
#include "mll_test.h"
#include <sys/stat.h>

static ramdisk g_disk;
static mll_fs g_fs;
static char g_run_id[64];
static const char *g_dump;

static const rd_node *node(const char *path) {
    int i = rd_find(&g_disk, path);
    return i >= 0 ? &g_disk.nodes[i] : NULL;
}

TEST(run_logged_into_the_ramdisk) {
    char path[RD_PATH];
    const rd_node *n;
    int lines = 0;
    size_t i;
    ramdisk_init(&g_disk, &g_fs);
    CHECK_EQ(log_training(&g_fs, 1795305600000LL, g_run_id, sizeof(g_run_id)), MLL_OK);
    CHECK(strlen(g_run_id) == 32);
    CHECK(node("/mlruns/.trash") && node("/mlruns/0/meta.yaml"));
    for (i = 0; i < RD_NODES; i++) /* the run folder, wherever its experiment is */
        if (strstr(g_disk.nodes[i].path, g_run_id) && strstr(g_disk.nodes[i].path, "/metrics/loss"))
            snprintf(path, sizeof(path), "%s", g_disk.nodes[i].path);
    n = node(path);
    CHECK(n != NULL);
    for (i = 0; i < n->size; i++) lines += n->data[i] == '\n';
    CHECK_EQ(lines, 200);
    CHECK(memcmp(n->data, "1795305600000 1.0 0\n", 20) == 0);
    for (i = 0; i < RD_FILES; i++) CHECK_EQ(g_disk.files[i].node, -1); /* every file closed */
    for (i = 0; i < RD_NODES; i++) CHECK(!strstr(g_disk.nodes[i].path, ".mll-tmp")); /* no temp left */
}

/* A full RAM disk: the error comes back, nothing is torn, and the run can still end. */
TEST(full_disk_is_an_error_not_a_crash) {
    static ramdisk small;
    mll_fs fs;
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_store_desc sd;
    mll_result got = MLL_OK;
    int step;
    ramdisk_init(&small, &fs);
    memset(&sd, 0, sizeof(sd));
    sd.root = "/mlruns";
    sd.fs = fs;
    sd.ignore_env = 1;
    sd.buffer_bytes = 4096;
    CHECK_EQ(mll_open(&s, &sd), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    small.arena_used = RD_ARENA - 512; /* almost no room left */
    for (step = 0; step < 5000 && got == MLL_OK; step++)
        got = mll_log_metric_at(r, "m", 0.5, step, 1795305600000LL + step);
    CHECK(got == MLL_ERR_NO_SPACE || got == MLL_ERR_BUFFER_FULL);
    mll_end_run(r, MLL_RUN_FAILED);
    mll_close(s);
}

/* The RAM disk's tree as real files below g_dump. */
TEST(dump_for_mlflow) {
    size_t i, len;
    char out[1024];
    for (len = 2; len < RD_PATH; len++) { /* folders, parents (shorter paths) first */
        for (i = 0; i < RD_NODES; i++) {
            const rd_node *n = &g_disk.nodes[i];
            if (!n->is_dir || strlen(n->path) != len) continue;
            snprintf(out, sizeof(out), "%s%s", g_dump, n->path);
            CHECK(mkdir(out, 0777) == 0);
        }
    }
    for (i = 0; i < RD_NODES; i++) {
        const rd_node *n = &g_disk.nodes[i];
        FILE *f;
        if (!n->path[0] || n->is_dir) continue;
        snprintf(out, sizeof(out), "%s%s", g_dump, n->path);
        f = fopen(out, "wb");
        CHECK(f != NULL);
        CHECK(n->size == 0 || fwrite(n->data, 1, n->size, f) == n->size);
        CHECK(fclose(f) == 0);
    }
    snprintf(out, sizeof(out), "%s/run_id", g_dump);
    {
        FILE *f = fopen(out, "w");
        CHECK(f != NULL);
        fputs(g_run_id, f);
        fclose(f);
    }
}

int main(int argc, char **argv) {
    g_dump = argc > 1 ? argv[1] : mll_test_tmpdir();
    RUN(run_logged_into_the_ramdisk);
    RUN(full_disk_is_an_error_not_a_crash);
    RUN(dump_for_mlflow);
    printf("RAM disk dumped to %s (run %s)\n", g_dump, g_run_id);
    return mll_test_summary();
}
