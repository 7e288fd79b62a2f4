/* tests/tool_state/bench_state_replay.c — not a test: times how long the
 * sync state takes to replay a journal of 1,000 runs x 1,000 metric keys
 * (1,000,000 metric progress entries), in the two shapes a journal has:
 *   compacted    one run record per run, each with its 1,000 keys (after state_close)
 *   journal      one run record per run, then one progress line per batch of
 *                100 keys (10 per run): what a killed pass leaves behind
 * Usage: bench_state_replay [RUNS [KEYS]]   (prints seconds; numbers go to the report) */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "msgs.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CPU seconds of this process: on a shared machine the wall clock says more about the neighbours */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double timed_open(const state_opts *o, long *nruns, double *cpu)
{
    state *s;
    tool_err e;
    double t0 = now_s(), c0 = cpu_s(), t;
    st_run r;
    if (state_open(&s, o, &e) != 0) {
        err_report(&e);
        exit(1);
    }
    t = now_s() - t0;
    *cpu = cpu_s() - c0;
    *nruns = state_get_run(s, "run-000000", &r) ? (long)r.metric.live : -1;
    st_run_free(&r);
    if (state_close(s, &e) != 0) err_report(&e);
    return t;
}

int main(int argc, char **argv)
{
    long runs = argc > 1 ? strtol(argv[1], NULL, 10) : 1000, keys = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
    char dir[] = "/tmp/mll-bench-state-XXXXXX", path[128], id[32], key[32];
    state_opts o;
    state *s;
    tool_err e;
    long i, k, got;
    double t_write, t_compacted, t_journal, c_compacted, c_journal;
    const char **kv = malloc((size_t)keys * sizeof *kv);
    long long *offs = malloc((size_t)keys * sizeof *offs);
    long *lines = malloc((size_t)keys * sizeof *lines);
    if (!mkdtemp(dir) || !kv || !offs || !lines) return 1;
    msgs_init(stderr, stdout);
    snprintf(path, sizeof path, "%s/state.jsonl", dir);
    memset(&o, 0, sizeof o);
    o.path = path;
    o.src = dir;
    o.dest = "http://bench";
    for (k = 0; k < keys; k++) {
        snprintf(key, sizeof key, "metric/key_%05ld", k);
        kv[k] = strdup(key);
        offs[k] = 1000000 + k;
        lines[k] = 20000 + k;
    }
    /* the journal shape: records, then progress in batches of 100 keys */
    if (state_open(&s, &o, &e) != 0) return 1;
    t_write = now_s();
    for (i = 0; i < runs; i++) {
        st_run r;
        memset(&r, 0, sizeof r);
        r.remote_id = (char *)(size_t) "0123456789abcdef0123456789abcdef";
        r.end_time = -1;
        snprintf(id, sizeof id, "run-%06ld", i);
        if (state_put_run(s, id, &r, &e) != 0) return 1;
        for (k = 0; k < keys; k += 100)
            if (state_run_progress(s, id, (size_t)(keys - k < 100 ? keys - k : 100), kv + k, offs + k, lines + k, &e) != 0)
                return 1;
    }
    t_write = now_s() - t_write;
    /* replay it before compaction: copy the journal aside first */
    {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "cp %s %s/journal.jsonl", path, dir);
        if (system(cmd) != 0) return 1;
    }
    if (state_close(s, &e) != 0) return 1;
    t_compacted = timed_open(&o, &got, &c_compacted);
    printf("compacted: %ld runs x %ld keys replayed in %.3f s (%.3f s CPU; run-000000 has %ld keys)\n", runs, keys,
           t_compacted, c_compacted, got);
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    t_journal = timed_open(&o, &got, &c_journal);
    printf("journal:   %ld run records + %ld progress lines replayed in %.3f s (%.3f s CPU; run-000000 has %ld keys)\n",
           runs, runs * ((keys + 99) / 100), t_journal, c_journal, got);
    printf("writing the journal (put + progress lines): %.3f s\n", t_write);
    {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "ls -l %s; rm -rf %s", dir, dir);
        if (system(cmd) != 0) return 1;
    }
    for (k = 0; k < keys; k++) free((void *)(size_t)kv[k]);
    free(kv), free(offs), free(lines);
    return 0;
}
