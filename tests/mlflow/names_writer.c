/* names_writer: the C side of mlflow_yaml_names. Reads cases from a file, one per
   line:
     V <hex name>                      create experiment <name> with a run named <name>
     I <hex name> <code>[,<code>...]   invalid name: mll_start_run with it as experiment
                                       name, as run name, and mll_set_run_name must
                                       return one of the codes and create nothing
   and prints "<hex name> <experiment id> <run id>" for every V case.
   usage: names_writer <root> <cases.txt> */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

static int failures;

/* Reports a failed expectation and keeps going, so one run shows every refused name. */
static void report(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failures++;
}

static int code_in(mll_result r, const char *codes) {
    char buf[64], *tok, *save = NULL;
    snprintf(buf, sizeof buf, "%s", codes);
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (atoi(tok) == (int)r) return 1;
    return 0;
}

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    FILE *in;
    char *line;
    int line_no = 0;
    if (argc != 3) mlt_die("usage: names_writer <root> <cases>");
    in = fopen(argv[2], "r");
    if (!in) mlt_die("cannot open %s", argv[2]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    while ((line = mlt_read_line(in)) != NULL) {
        char kind = line[0], hex[8192], codes[64] = "";
        char *name;
        line_no++;
        if (sscanf(line + 2, "%8191s %63s", hex, codes) < 1) mlt_die("bad case line %d", line_no);
        name = mlt_unhex(strcmp(hex, "-") == 0 ? "" : hex, NULL); /* "-" is the empty name */
        if (kind == 'V') {
            mll_run_desc rd = {0};
            mll_run *run = NULL, *again = NULL;
            char id[64];
            rd.experiment_name = name;
            rd.run_name = name;
            MLT_OK(mll_start_run(&run, st, &rd));
            if (strcmp(mll_run_name(run), name) != 0) mlt_die("line %d: run name changed", line_no);
            MLT_OK(mll_get_experiment_id(st, name, id, sizeof id));
            if (strcmp(id, mll_run_experiment_id(run)) != 0)
                mlt_die("line %d: mll_get_experiment_id gave %s, run is in %s", line_no, id, mll_run_experiment_id(run));
            rd.run_name = "second";
            MLT_OK(mll_start_run(&again, st, &rd)); /* same name again: must reuse */
            if (strcmp(mll_run_experiment_id(again), id) != 0)
                mlt_die("line %d: second start_run created experiment %s instead of reusing %s", line_no,
                        mll_run_experiment_id(again), id);
            printf("%s %s %s\n", hex, id, mll_run_id(run));
            MLT_OK(mll_end_run(again, MLL_RUN_FINISHED));
            MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
        } else if (kind == 'I') {
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            mll_result r;
            char id[64];
            rd.experiment_name = name;
            r = mll_start_run(&run, st, &rd);
            if (!code_in(r, codes) || run) report("line %d: experiment name %s: start_run gave %d (%s), want one of %s", line_no, hex, (int)r, mll_strerror(r), codes);
            r = mll_get_experiment_id(st, name, id, sizeof id);
            if (r == MLL_OK) report("line %d: mll_get_experiment_id found invalid name %s", line_no, hex);
            if (strchr(codes, '5')) {
                /* invalid UTF-8 is also an invalid *run* name (other cases are valid run names) */
                rd.experiment_name = "names: host for invalid run names";
                rd.run_name = name;
                r = mll_start_run(&run, st, &rd);
                if (!code_in(r, codes) || run) report("line %d: run name %s: start_run gave %d (%s), want one of %s", line_no, hex, (int)r, mll_strerror(r), codes);
                rd.run_name = "host";
                MLT_OK(mll_start_run(&run, st, &rd));
                r = mll_set_run_name(run, name);
                if (!code_in(r, codes)) report("line %d: mll_set_run_name(%s) gave %d (%s), want one of %s", line_no, hex, (int)r, mll_strerror(r), codes);
                if (strcmp(mll_run_name(run), "host") != 0) report("line %d: failed rename changed the name", line_no);
                MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
            }
        } else {
            mlt_die("bad case kind on line %d", line_no);
        }
        free(name);
        free(line);
    }
    MLT_OK(mll_close(st));
    return failures ? 1 : 0;
}
