/* Output never depends on the caller's locale: under fr_FR.UTF-8 (comma decimal point)
   metric lines, typed params and printf-style params still use '.'. Built twice, with
   stb_sprintf and with the built-in formatter (MLL_USE_STB_SPRINTF=0/1). The locale
   must exist: a missing locale fails the test rather than testing "C" twice. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"
#include <locale.h>

TEST(comma_locale_is_active) {
    char buf[32];
    CHECK(setlocale(LC_ALL, "fr_FR.UTF-8") != NULL);
    snprintf(buf, sizeof(buf), "%.1f", 0.5);
    CHECK_STR(buf, "0,5"); /* the libc really formats with a comma now */
}

TEST(values_use_a_dot) {
    const char *root = mll_test_tmpdir();
    char path[4200];
    mll_store *s = NULL;
    mll_store_desc d;
    mll_run *r = NULL;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric_at(r, "m", 0.5, 1, 1700000000000LL), MLL_OK);
    CHECK_EQ(mll_log_param_double(r, "d", 1234.5678), MLL_OK);
    CHECK_EQ(mll_log_paramf(r, "f", "%.3f|%g|%e", 0.5, 2.25, 1.5e-7), MLL_OK);
    CHECK_EQ(mll_set_tagf(r, "t", "%.2f", 3.14159), MLL_OK);
    CHECK_EQ(mll_flush(r), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "1700000000000 0.5 1\n");
    snprintf(path, sizeof(path), "%s/params/d", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "1234.5678");
    snprintf(path, sizeof(path), "%s/params/f", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "0.500|2.25|1.500000e-07");
    snprintf(path, sizeof(path), "%s/tags/t", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "3.14");
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

int main(void) {
    printf("formatter: %s\n", MLL_USE_STB_SPRINTF ? "stb_sprintf" : "built-in");
    RUN(comma_locale_is_active);
    RUN(values_use_a_dot);
    return mll_test_summary();
}
