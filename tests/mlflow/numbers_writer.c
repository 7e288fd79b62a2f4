/* numbers_writer: the C side of mlflow_numbers. Logs every special double and
   ~100k random bit patterns as points of metric "v" (step = index) and writes the
   expected bit patterns to a side file ("<step> <16 hex digits>" per line).
   Special values are also logged as params with mll_log_param_double so the
   checker can compare them with Python's str(float).
   usage: numbers_writer <root> <expected.txt> <run-id-out> */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

static mll_run *run;
static FILE *expect;
static int64_t step;

static void point(double v) {
    MLT_OK(mll_log_metric_at(run, "v", v, step, 1700000000000LL + step));
    fprintf(expect, "%lld %016llx\n", (long long)step, (unsigned long long)mlt_bits(v));
    step++;
}

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run_desc rd = {0};
    uint64_t rng = 0x1234567890abcdefull;
    int k, i, np = 0;
    FILE *f;
    static const uint64_t special_bits[] = {
        0x0000000000000000ull, 0x8000000000000000ull, /* +0.0, -0.0 */
        0x0000000000000001ull, 0x8000000000000001ull, /* 5e-324 */
        0x000FFFFFFFFFFFFFull, 0x800FFFFFFFFFFFFFull, /* largest subnormal */
        0x0010000000000000ull, 0x8010000000000000ull, /* DBL_MIN */
        0x0010000000000001ull, 0x000FFFFFFFFFFFFEull, 0x0008000000000000ull,
        0x7FEFFFFFFFFFFFFFull, 0xFFEFFFFFFFFFFFFFull, /* DBL_MAX */
        0x7FEFFFFFFFFFFFFEull, 0x3FF0000000000000ull, 0x3FF0000000000001ull, 0x3FEFFFFFFFFFFFFFull,
        0x7FF0000000000000ull, 0xFFF0000000000000ull, /* +-inf */
        0x7FF8000000000000ull, 0xFFF8000000000000ull, 0x7FF0000000000001ull, 0x7FFFFFFFFFFFFFFFull, /* NaNs */
    };
    static const double special_vals[] = {
        1e16, 1e-5, 0.1, 0.2, 0.3, 1.0 / 3.0, 2.0 / 3.0, 1e15, 1e17, 9999999999999998.0,
        1e21, 1e22, 1e23, 123456789.123, 0.5, 1.0, 2.0, 5.0, 100.0, 9007199254740992.0,
        9007199254740993.0, 9223372036854775808.0, 1e-4, 1e-7, 0.0001, 0.001, 0.00011,
        1.7976931348623157e308, 2.2250738585072014e-308, 4.9406564584124654e-324,
        2.2250738585072009e-308, 1e-320, 123e-310, 0.30000000000000004, 1e300, 1e-300,
        3.141592653589793, 2.718281828459045, 6.02214076e23, 1.602176634e-19, -1.5, -1e-5,
        -1e16, 299792458.0, 4294967296.0, 4294967295.0, 65536.0, 1.5e-323,
    };
    if (argc != 4) mlt_die("usage: numbers_writer <root> <expected> <run-id-out>");
    expect = fopen(argv[2], "w");
    if (!expect) mlt_die("cannot open %s", argv[2]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    MLT_OK(mll_open(&st, &sd));
    rd.experiment_name = "numbers";
    rd.run_name = "every double";
    MLT_OK(mll_start_run(&run, st, &rd));

    for (i = 0; i < (int)(sizeof special_bits / sizeof special_bits[0]); i++) point(mlt_from_bits(special_bits[i]));
    for (i = 0; i < (int)(sizeof special_vals / sizeof special_vals[0]); i++) {
        point(special_vals[i]);
        point(-special_vals[i]);
    }
    /* params through mll_log_param_double: must read back as Python's str(float) */
    for (i = 0; i < (int)(sizeof special_vals / sizeof special_vals[0]); i++) {
        char key[32];
        snprintf(key, sizeof key, "p%03d", np++);
        MLT_OK(mll_log_param_double(run, key, special_vals[i]));
        fprintf(expect, "param %s %016llx\n", key, (unsigned long long)mlt_bits(special_vals[i]));
    }
    for (i = 0; i < (int)(sizeof special_bits / sizeof special_bits[0]); i++) {
        char key[32];
        double v = mlt_from_bits(special_bits[i]);
        if (isnan(v) && (special_bits[i] != 0x7FF8000000000000ull)) continue; /* one NaN is enough */
        snprintf(key, sizeof key, "p%03d", np++);
        MLT_OK(mll_log_param_double(run, key, v));
        fprintf(expect, "param %s %016llx\n", key, (unsigned long long)mlt_bits(v));
    }
    /* around every power of ten: the value and its neighbours */
    for (k = -323; k <= 308; k++) {
        char txt[16];
        double v;
        snprintf(txt, sizeof txt, "1e%d", k);
        v = strtod(txt, NULL);
        point(v);
        point(nextafter(v, 0.0));
        point(nextafter(v, INFINITY));
        point(v * 1.5);
    }
    /* short decimals (what training code logs most) */
    for (i = 0; i < 10000; i++) point((double)(mlt_rand(&rng) % 2000001) / 1000.0 - 1000.0);
    for (i = 0; i < 5000; i++) point((double)(mlt_rand(&rng) % 1000000) * 1e-9);
    /* random bit patterns over the whole range (NaNs included) */
    for (i = 0; i < 100000; i++) point(mlt_from_bits(mlt_rand(&rng)));
    MLT_OK(mll_flush(run));
    f = fopen(argv[3], "w");
    if (!f) mlt_die("cannot open %s", argv[3]);
    fprintf(f, "%s\n", mll_run_id(run));
    fclose(f);
    MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
    MLT_OK(mll_close(st));
    if (fclose(expect) != 0) mlt_die("write %s", argv[2]);
    return 0;
}
