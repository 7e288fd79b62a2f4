/* src_bench_listing — how long the SRC reader takes to list a big store: a
 * no-op resync reads every run's meta.yaml and lists every metric file (issue 9,
 * defect 12: 1,000,000 metric files across 1,000 runs, whole no-op pass < 10 s).
 *
 *   src_bench_listing DIR [RUNS [FILES_PER_RUN]]     (default 1000 x 1000)
 *
 * Makes DIR as an mlruns folder with that many runs and metric files (one line
 * each) unless DIR/1/meta.yaml exists, then times src_store_open and
 * src_run_read(SRC_READ_METRICS) over all runs, twice (cold-ish, then warm page
 * cache). Not a test: run by hand, the numbers go to the README/bench rows. */
#define _POSIX_C_SOURCE 200809L
#include "src.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) used so far: on a shared machine the wall clock also
   counts the time other processes had the CPU */
static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    size_t n = strlen(text);
    int ok = fd >= 0 && write(fd, text, n) == (ssize_t)n;
    if (fd >= 0) close(fd);
    return ok ? 0 : -1;
}

static int make_store(const char *dir, int runs, int files)
{
    char p[4096], t[1024];
    int r, f;
    mkdir(dir, 0755);
    snprintf(p, sizeof p, "%s/1", dir);
    mkdir(p, 0755);
    for (r = 0; r < runs; r++) {
        snprintf(p, sizeof p, "%s/1/run%08d", dir, r);
        if (mkdir(p, 0755) != 0 && errno != EEXIST) return -1;
        snprintf(p, sizeof p, "%s/1/run%08d/metrics", dir, r);
        mkdir(p, 0755);
        snprintf(p, sizeof p, "%s/1/run%08d/meta.yaml", dir, r);
        snprintf(t, sizeof t, "artifact_uri: ''\nend_time: 2\nexperiment_id: '1'\nlifecycle_stage: active\n"
                              "run_id: run%08d\nrun_name: r\nstart_time: 1\nstatus: 3\nuser_id: u\n", r);
        if (write_file(p, t) != 0) return -1;
        for (f = 0; f < files; f++) {
            snprintf(p, sizeof p, "%s/1/run%08d/metrics/metric_%06d", dir, r, f);
            if (write_file(p, "1714000000000 0.5 0\n") != 0) return -1;
        }
    }
    snprintf(p, sizeof p, "%s/1/meta.yaml", dir);
    return write_file(p, "artifact_location: ''\nexperiment_id: '1'\nlifecycle_stage: active\nname: bench\n");
}

static int pass(const char *dir, int round)
{
    src_store *s = NULL;
    src_opts o;
    tool_err e;
    size_t i, files = 0;
    double t0 = now(), c0 = cpu(), t1, t2, c1;
    memset(&o, 0, sizeof o);
    if (src_store_open(&s, dir, &o, NULL, &e) != 0) {
        fprintf(stderr, "src_store_open: %s: %s\n", e.what, e.why);
        return -1;
    }
    t1 = now();
    c1 = cpu();
    for (i = 0; i < src_store_nruns(s); i++) {
        src_run_files f;
        if (src_run_read(s, src_store_run(s, i), SRC_READ_METRICS, &f, &e) != 0) {
            fprintf(stderr, "src_run_read: %s: %s\n", e.what, e.why);
            src_store_close(s);
            return -1;
        }
        files += f.nmetrics;
        src_run_files_free(&f);
    }
    t2 = now();
    {
        struct rusage u;
        getrusage(RUSAGE_SELF, &u);
        printf("(process so far: user %.3f s, system %.3f s)\n", (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6,
               (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6);
    }
    printf("pass %d: %zu runs, %zu metric files: src_store_open %.3f s (cpu %.3f s), listing metrics %.3f s "
           "(cpu %.3f s), total %.3f s (cpu %.3f s)\n",
           round, src_store_nruns(s), files, t1 - t0, c1 - c0, t2 - t1, cpu() - c1, t2 - t0, cpu() - c0);
    src_store_close(s);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 1000, files = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 1000;
    char meta[4096];
    struct stat st;
    if (argc < 2 || runs <= 0 || files < 0) {
        fprintf(stderr, "usage: src_bench_listing DIR [RUNS [FILES_PER_RUN]]\n");
        return 2;
    }
    snprintf(meta, sizeof meta, "%s/1/meta.yaml", argv[1]);
    if (stat(meta, &st) != 0) {
        double t0 = now();
        if (make_store(argv[1], runs, files) != 0) {
            perror(argv[1]);
            return 1;
        }
        printf("made %s: %d runs x %d metric files in %.1f s\n", argv[1], runs, files, now() - t0);
    }
    return pass(argv[1], 1) || pass(argv[1], 2) ? 1 : 0;
}
