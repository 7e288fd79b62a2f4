/* keys_writer: the C side of mlflow_keys and mlflow_path_traversal.
   keys <root> <cases>: each line is "<hex key>" ("-" = empty key); for each key a
       fresh run logs it as param, tag and metric (then flushes), and it is set as an
       experiment tag. Prints "<hex> <param> <tag> <metric> <flush> <exp tag> <run id>"
       with the mll_result codes.
   traversal <root> <outside-file>: tries every way to make mlflow_lite write
       outside <root> and prints "<code> <what>" per attempt; outside-file is an
       existing file outside the root used as a local artifact source. */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

static mll_store *open_store(const char *root) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    sd.root = root;
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    return st;
}

static int keys(const char *root, const char *cases) {
    mll_store *st = open_store(root);
    FILE *in = fopen(cases, "r");
    char *line;
    if (!in) mlt_die("cannot open %s", cases);
    while ((line = mlt_read_line(in)) != NULL) {
        mll_run_desc rd = {0};
        mll_run *run = NULL;
        char *key = mlt_unhex(strcmp(line, "-") == 0 ? "" : line, NULL);
        mll_result rp, rt, rm, rf, re;
        rd.experiment_name = "keys";
        MLT_OK(mll_start_run(&run, st, &rd));
        rp = mll_log_param(run, key, "v");
        rt = mll_set_tag(run, key, "v");
        rm = mll_log_metric_at(run, key, 1.0, 0, 1700000000000LL);
        rf = mll_flush(run);
        re = mll_set_experiment_tag(st, mll_run_experiment_id(run), key, "v");
        printf("%s %d %d %d %d %d %s\n", line, (int)rp, (int)rt, (int)rm, (int)rf, (int)re, mll_run_id(run));
        mll_end_run(run, MLL_RUN_FINISHED); /* may report the failed flush again */
        free(key);
        free(line);
    }
    fclose(in);
    MLT_OK(mll_close(st));
    return 0;
}

/* lengths <root> <cases>: lines "<param|tag|exptag|key> <n> <hex of one character>";
   the value (or, for "key", a param key) is that character repeated n times. Prints
   "<kind> <n> <hex> <code>". */
static int lengths(const char *root, const char *cases) {
    mll_store *st = open_store(root);
    FILE *in = fopen(cases, "r");
    char *line;
    if (!in) mlt_die("cannot open %s", cases);
    while ((line = mlt_read_line(in)) != NULL) {
        char kind[16], hex[64], *ch, *val;
        int n, i;
        size_t clen;
        mll_run_desc rd = {0};
        mll_run *run = NULL;
        mll_result r;
        if (sscanf(line, "%15s %d %63s", kind, &n, hex) != 3) mlt_die("bad line '%s'", line);
        ch = mlt_unhex(hex, &clen);
        val = (char *)malloc(clen * (size_t)n + 1);
        if (!val) mlt_die("out of memory");
        for (i = 0; i < n; i++) memcpy(val + clen * (size_t)i, ch, clen);
        val[clen * (size_t)n] = 0;
        rd.experiment_name = "lengths";
        MLT_OK(mll_start_run(&run, st, &rd));
        if (strcmp(kind, "param") == 0) r = mll_log_param(run, "p", val);
        else if (strcmp(kind, "tag") == 0) r = mll_set_tag(run, "t", val);
        else if (strcmp(kind, "exptag") == 0) {
            char key[96];
            snprintf(key, sizeof key, "e-%d-%s", n, hex); /* one tag per case */
            r = mll_set_experiment_tag(st, mll_run_experiment_id(run), key, val);
        }
        else r = mll_log_param(run, val, "v");
        printf("%s %d %s %d %s\n", kind, n, hex, (int)r, mll_run_id(run));
        MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
        free(val);
        free(ch);
        free(line);
    }
    fclose(in);
    MLT_OK(mll_close(st));
    return 0;
}

#define TRY(what, expr) printf("%d %s\n", (int)(expr), what)

static int traversal(const char *root, const char *outside) {
    static const char *bad_keys[] = {"../x", "../../x", "../../../x", "..", "../", "/x", "//x", "/tmp/x",
                                     "a/../../x", "a/../../../x", "./../x", "x/../..", "..x/../../y"};
    static const char *bad_paths[] = {"../escape.txt", "../../escape.txt", "../../../escape.txt",
                                      "a/../../escape.txt", "a/b/../../../escape.txt", "/abs-escape.txt",
                                      "..", ".", "", "./../escape.txt", "a/../..", "..\\escape.txt/../../x"};
    static const char *bad_ids[] = {"../../x", "..", "/tmp", "a/../../x", "../0", "0/..", "."};
    mll_store *st = open_store(root);
    mll_run_desc rd = {0};
    mll_run *run = NULL, *r2;
    char buf[8300], abs_path[4096];
    size_t i;
    rd.experiment_name = "../../evil-name";   /* a valid experiment name: must not become a path */
    rd.run_name = "../../evil-run";
    rd.source_name = "../../evil-source";
    MLT_OK(mll_start_run(&run, st, &rd));
    for (i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        char k[64]; /* a local copy: keeps gcc -O3's -Wformat-truncation from guessing NULL */
        snprintf(k, sizeof k, "%s", bad_keys[i]);
        snprintf(buf, sizeof buf, "param %s", k); TRY(buf, mll_log_param(run, k, "x"));
        snprintf(buf, sizeof buf, "tag %s", k); TRY(buf, mll_set_tag(run, k, "x"));
        snprintf(buf, sizeof buf, "delete_tag %s", k); TRY(buf, mll_delete_tag(run, k));
        snprintf(buf, sizeof buf, "metric %s", k); TRY(buf, mll_log_metric_at(run, k, 1.0, 0, 1));
        snprintf(buf, sizeof buf, "experiment_tag %s", k);
        TRY(buf, mll_set_experiment_tag(st, mll_run_experiment_id(run), k, "x"));
    }
    MLT_OK(mll_flush(run));
    snprintf(abs_path, sizeof abs_path, "%s/../abs-escape.txt", root);
    for (i = 0; i <= sizeof bad_paths / sizeof bad_paths[0]; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s", i < sizeof bad_paths / sizeof bad_paths[0] ? bad_paths[i] : abs_path);
        snprintf(buf, sizeof buf, "log_text %s", p); TRY(buf, mll_log_text(run, "x", p));
        snprintf(buf, sizeof buf, "log_bytes %s", p); TRY(buf, mll_log_bytes(run, "x", 1, p));
        if (p[0]) { /* "" is a valid artifact_dir (the root) for mll_log_artifact */
            snprintf(buf, sizeof buf, "log_artifact dir %s", p); TRY(buf, mll_log_artifact(run, outside, p));
        }
    }
    for (i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
        mll_run_desc d = {0};
        r2 = NULL;
        d.run_id = bad_ids[i];
        snprintf(buf, sizeof buf, "run_id %s", bad_ids[i]); TRY(buf, mll_start_run(&r2, st, &d));
        if (r2) mll_end_run(r2, MLL_RUN_FINISHED);
        memset(&d, 0, sizeof d);
        r2 = NULL;
        d.experiment_id = bad_ids[i];
        snprintf(buf, sizeof buf, "experiment_id %s", bad_ids[i]); TRY(buf, mll_start_run(&r2, st, &d));
        if (r2) mll_end_run(r2, MLL_RUN_FINISHED);
        memset(&d, 0, sizeof d);
        r2 = NULL;
        d.experiment_name = "host";
        d.parent_run_id = bad_ids[i];
        snprintf(buf, sizeof buf, "parent_run_id %s", bad_ids[i]); TRY(buf, mll_start_run(&r2, st, &d));
        if (r2) mll_end_run(r2, MLL_RUN_FINISHED);
        snprintf(buf, sizeof buf, "experiment_tag on experiment %s", bad_ids[i]);
        TRY(buf, mll_set_experiment_tag(st, bad_ids[i], "k", "v"));
    }
    printf("run %s %s\n", mll_run_id(run), mll_run_experiment_id(run));
    MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
    MLT_OK(mll_close(st));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "keys") == 0) return keys(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "lengths") == 0) return lengths(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "traversal") == 0) return traversal(argv[2], argv[3]);
    mlt_die("usage: keys_writer keys <root> <cases> | traversal <root> <outside-file>");
    return 1;
}
