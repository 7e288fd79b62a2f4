/* locale_writer: the C side of mlflow_locale. Switches to a comma-decimal locale
   (fr_FR.UTF-8; fails if setlocale fails) and logs metrics and params that must
   read back with '.' decimals.
   usage: locale_writer <root> <run-id-out> */
#define _POSIX_C_SOURCE 200809L
#include <locale.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run_desc rd = {0};
    mll_run *run = NULL;
    char buf[64];
    FILE *f;
    if (argc != 3) mlt_die("usage: locale_writer <root> <run-id-out>");
    if (!setlocale(LC_ALL, "fr_FR.UTF-8")) mlt_die("setlocale(LC_ALL, \"fr_FR.UTF-8\") returned NULL: generate the locale (scripts/setup-test-env.sh)");
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    if (strcmp(buf, "0,5") != 0) mlt_die("fr_FR.UTF-8 is active but printf gave '%s', not '0,5'", buf);
    sd.root = argv[1];
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    rd.experiment_name = "locale fr_FR";
    rd.run_name = "virgule";
    MLT_OK(mll_start_run(&run, st, &rd));
    MLT_OK(mll_log_metric(run, "half", 0.5, 0));
    MLT_OK(mll_log_metric_at(run, "half", 0.5, 1, 1700000000000LL));
    MLT_OK(mll_log_metric_at(run, "mixed", 1234567.891, 0, 1700000000000LL));
    MLT_OK(mll_log_metric_at(run, "mixed", 1e-5, 1, 1700000000001LL));
    MLT_OK(mll_log_metric_at(run, "mixed", -2.25, 2, 1700000000002LL));
    MLT_OK(mll_log_paramf(run, "x", "%.3f", 0.5));
    MLT_OK(mll_log_paramf(run, "g", "%g|%e|%.2f", 0.25, 1500.0, -3.5));
    MLT_OK(mll_log_param_double(run, "d", 0.5));
    MLT_OK(mll_set_tagf(run, "t", "%.1f", 2.5));
    /* the caller's locale is untouched */
    snprintf(buf, sizeof buf, "%.1f", 0.5);
    if (strcmp(buf, "0,5") != 0) mlt_die("mlflow_lite changed the caller's locale: printf gave '%s'", buf);
    f = fopen(argv[2], "w");
    if (!f) mlt_die("cannot open %s", argv[2]);
    fprintf(f, "%s\n", mll_run_id(run));
    fclose(f);
    MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
    MLT_OK(mll_close(st));
    return 0;
}
