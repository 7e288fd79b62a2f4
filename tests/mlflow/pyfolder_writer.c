/* pyfolder_writer: the C side of mlflow_python_folder. Opens a folder that Python
   MLflow 3.18 wrote, finds each experiment by name, starts a run in it by name
   (must reuse, not duplicate), and reopens a Python-created run by id to append.
   cases file lines:  E <hex name> <expected id>   |   R <run id>
                      D <hex name>  (deleted by Python: MLL_ERR_EXPERIMENT_DELETED)
                      N <hex name>  (renamed away by Python: not found)
                      X <run id>    (deleted run: reopening is MLL_ERR_INVALID_STATE)
                      C <hex name>  (start a run by name, creating the experiment if needed)
   prints:            E <hex name> <new run id>     |   R <run id> done   |   <kind> ok
                      C <hex name> <experiment id> <run id>
   usage: pyfolder_writer <root> <cases.txt> */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    FILE *in;
    char *line;
    if (argc != 3) mlt_die("usage: pyfolder_writer <root> <cases>");
    in = fopen(argv[2], "r");
    if (!in) mlt_die("cannot open %s", argv[2]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    while ((line = mlt_read_line(in)) != NULL) {
        char a[8192], b[256];
        if (sscanf(line + 2, "%8191s %255s", a, b) < 1) mlt_die("bad line '%s'", line);
        if (line[0] == 'E') {
            char *name = mlt_unhex(a, NULL), id[64];
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            MLT_OK(mll_get_experiment_id(st, name, id, sizeof id));
            if (strcmp(id, b) != 0) mlt_die("experiment %s: mll_get_experiment_id gave %s, Python wrote %s", a, id, b);
            rd.experiment_name = name;
            rd.run_name = "from C";
            MLT_OK(mll_start_run(&run, st, &rd));
            if (strcmp(mll_run_experiment_id(run), b) != 0)
                mlt_die("experiment %s: mll_start_run used experiment %s, not the existing %s", a,
                        mll_run_experiment_id(run), b);
            MLT_OK(mll_log_metric_at(run, "c/metric", 1.5, 3, 1700000000000LL));
            MLT_OK(mll_log_param(run, "writer", "c"));
            MLT_OK(mll_log_text(run, "from C\n", "c.txt"));
            printf("E %s %s\n", a, mll_run_id(run));
            MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
            free(name);
        } else if (line[0] == 'R') {
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            int i;
            rd.run_id = a;
            MLT_OK(mll_start_run(&run, st, &rd));
            if (strcmp(mll_run_id(run), a) != 0) mlt_die("reopened run has id %s, not %s", mll_run_id(run), a);
            for (i = 10; i < 20; i++) MLT_OK(mll_log_metric_at(run, "loss", 1.0 / (i + 1), i, 1700000000000LL + i));
            MLT_OK(mll_log_param(run, "py.param", "from python")); /* same value: OK */
            MLT_EXPECT(mll_log_param(run, "py.param", "changed"), MLL_ERR_PARAM_CHANGED);
            MLT_OK(mll_log_param(run, "c.param", "from c"));
            MLT_OK(mll_set_tag(run, "py.tag", "overwritten by c"));
            MLT_OK(mll_log_text(run, "appended by C\n", "c/appended.txt"));
            MLT_OK(mll_end_run(run, MLL_RUN_KILLED));
            printf("R %s done\n", a);
        } else if (line[0] == 'D' || line[0] == 'N') {
            char *name = mlt_unhex(a, NULL), id[64];
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            mll_result r = mll_get_experiment_id(st, name, id, sizeof id);
            /* "finds an active experiment": a deleted one may also say why */
            if (!(r == MLL_ERR_NOT_FOUND || (line[0] == 'D' && r == MLL_ERR_EXPERIMENT_DELETED)))
                mlt_die("mll_get_experiment_id(%s) gave %d (%s)", a, (int)r, mll_strerror(r));
            if (line[0] == 'D') {
                rd.experiment_name = name;
                MLT_EXPECT(mll_start_run(&run, st, &rd), MLL_ERR_EXPERIMENT_DELETED);
                if (run) mlt_die("run handle returned for a deleted experiment");
            }
            printf("%c ok\n", line[0]);
            free(name);
        } else if (line[0] == 'C') {
            char *name = mlt_unhex(a, NULL);
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            rd.experiment_name = name;
            MLT_OK(mll_start_run(&run, st, &rd));
            MLT_OK(mll_log_metric_at(run, "c", 1.0, 0, 1700000000000LL));
            printf("C %s %s %s\n", a, mll_run_experiment_id(run), mll_run_id(run));
            MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
            free(name);
        } else if (line[0] == 'X') {
            mll_run_desc rd = {0};
            mll_run *run = NULL;
            rd.run_id = a;
            MLT_EXPECT(mll_start_run(&run, st, &rd), MLL_ERR_INVALID_STATE);
            if (run) mlt_die("run handle returned for a deleted run");
            printf("X ok\n");
        } else {
            mlt_die("bad line '%s'", line);
        }
        free(line);
    }
    MLT_OK(mll_close(st));
    return 0;
}
