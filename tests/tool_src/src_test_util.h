/* tests/tool_src/src_test_util.h — building small mlruns/ folders for the SRC
 * reader's tests: files with exact bytes, experiments and runs as MLflow 3
 * writes them, and a look-up of problem records. */
#ifndef MLL_TEST_SRC_UTIL_H
#define MLL_TEST_SRC_UTIL_H
#define _POSIX_C_SOURCE 200809L
#include "mll_test.h"
#include "src.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <time.h>

/* writes path (parent folders created) with exactly these bytes */
MLL_TEST_UNUSED static void put(const char *path, const char *bytes, size_t n)
{
    char dir[4096];
    char *slash;
    FILE *f;
    snprintf(dir, sizeof dir, "%s", path);
    for (slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    if (n) fwrite(bytes, 1, n, f);
    fclose(f);
}

MLL_TEST_UNUSED static void putf(const char *path, const char *fmt, ...)
{
    char buf[65536];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    put(path, buf, (size_t)n);
}

/* path = root/rel (static buffer, one at a time) */
MLL_TEST_UNUSED static const char *at(const char *root, const char *rel)
{
    static char p[4096];
    if (snprintf(p, sizeof p, "%s/%s", root, rel) >= (int)sizeof p) { /* checked: a test path never is this long */
        fprintf(stderr, "path too long: %s/%s\n", root, rel);
        exit(2);
    }
    return p;
}

/* a symbolic link at path (the test stops when it cannot make it) */
MLL_TEST_UNUSED static void link_to(const char *target, const char *path)
{
    if (symlink(target, path) != 0) {
        perror(path);
        exit(2);
    }
}

MLL_TEST_UNUSED static void mkdirs(const char *root, const char *rel)
{
    char p[4096];
    if (snprintf(p, sizeof p, "%s/%s/x", root, rel) >= (int)sizeof p) {
        fprintf(stderr, "path too long: %s/%s\n", root, rel);
        exit(2);
    }
    put(p, "", 0);
    unlink(p);
}

/* an experiment folder as MLflow 3.18 writes it; dir may have a parent (".trash/5"):
   the id is its last part */
MLL_TEST_UNUSED static void make_exp(const char *root, const char *dir, const char *name)
{
    char p[4096];
    const char *id = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    snprintf(p, sizeof p, "%s/%s/meta.yaml", root, dir);
    putf(p,
         "artifact_location: file://%s/%s\ncreation_time: 1714000000000\nexperiment_id: '%s'\n"
         "last_update_time: 1714000000000\nlifecycle_stage: %s\nname: %s\ntrace_location: null\n"
         "workspace: default\n",
         root, dir, id, strstr(dir, ".trash/") ? "deleted" : "active", name);
}

/* a run folder as MLflow 3.18 writes it (status FINISHED=3 unless running) */
MLL_TEST_UNUSED static void make_run(const char *root, const char *exp, const char *id, const char *name, int running)
{
    char p[4096];
    const char *eid = strrchr(exp, '/') ? strrchr(exp, '/') + 1 : exp;
    snprintf(p, sizeof p, "%s/%s/%s/meta.yaml", root, exp, id);
    putf(p,
         "artifact_uri: file://%s/%s/%s/artifacts\nend_time: %s\nentry_point_name: ''\nexperiment_id: '%s'\n"
         "lifecycle_stage: active\nrun_id: %s\nrun_name: %s\nrun_uuid: %s\nsource_name: ''\nsource_type: 4\n"
         "source_version: ''\nstart_time: 1714000000123\nstatus: %d\ntags: []\nuser_id: tester\n",
         root, exp, id, running ? "null" : "1714000009999", eid, id, name, id, running ? 1 : 3);
    snprintf(p, sizeof p, "%s/%s/%s", exp, id, "metrics");
    mkdirs(root, p);
    snprintf(p, sizeof p, "%s/%s/%s", exp, id, "params");
    mkdirs(root, p);
    snprintf(p, sizeof p, "%s/%s/%s", exp, id, "artifacts");
    mkdirs(root, p);
}

/* a problem whose path ends with `path_end` and whose text holds `why_part` (either may be NULL) */
MLL_TEST_UNUSED static const src_problem *find_problem(const src_problems *p, const char *path_end, const char *why_part)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        size_t pl = strlen(p->v[i].path), el = path_end ? strlen(path_end) : 0;
        if (path_end && (pl < el || strcmp(p->v[i].path + pl - el, path_end) != 0)) continue;
        if (why_part && !strstr(p->v[i].why, why_part)) continue;
        return &p->v[i];
    }
    return NULL;
}

MLL_TEST_UNUSED static void print_problems(const src_problems *p)
{
    size_t i;
    for (i = 0; i < p->n; i++) fprintf(stderr, "  problem: %s:%ld: %s\n", p->v[i].path, p->v[i].line, p->v[i].why);
}

MLL_TEST_UNUSED static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds of this process: what "parses in linear time / well under a second" measures,
   unmoved by other processes on a loaded machine (wall time stays for "does not hang") */
MLL_TEST_UNUSED static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* opens root as a store with no filter; NULL (and the error printed) on failure */
MLL_TEST_UNUSED static src_store *open_store(const char *root, int follow)
{
    src_store *s = NULL;
    src_opts o;
    tool_err e;
    memset(&o, 0, sizeof o);
    o.follow_symlinks = follow;
    if (src_store_open(&s, root, &o, NULL, &e) != 0) {
        fprintf(stderr, "src_store_open(%s): %s: %s\n", root, e.what, e.why);
        return NULL;
    }
    return s;
}
#endif
