/* test_printf: mll_log_paramf / mll_set_tagf and every message go through mll__vsnprintf.
   Its output must equal libc's snprintf in the "C" locale for the integer extremes of every
   conversion and length modifier, whichever engine is compiled in (built twice, with
   MLL_USE_STB_SPRINTF=1 and =0, at -O2 in the normal build). Debian's stb_sprintf 1.10 alone
   prints INT_MIN as -18446744071562067968 at -O2, ignores h/hh and prints "%.0d" of 0 as
   "0" (issue 13). Under fr_FR.UTF-8, floats get '.', and a string argument is never
   rewritten. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mll_test.h"
#include <limits.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>

static int g_checks;

/* Neither has a format attribute: an int for "%hd" is what C passes anyway (promotion), and
   formats the compiler would reject are part of what this feeds in. */
static int raw(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = mll__vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}
static int libc(char *buf, size_t cap, const char *fmt, ...) {
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* Both through libc and through the header; a difference fails the case. */
#define SAME(fmt, ...)                                                                          \
    do {                                                                                        \
        char want_[256], got_[256];                                                             \
        int nw_ = libc(want_, sizeof(want_), fmt, __VA_ARGS__);                                 \
        int ng_ = raw(got_, sizeof(got_), fmt, __VA_ARGS__);                                    \
        g_checks++;                                                                             \
        if (nw_ != ng_ || strcmp(want_, got_) != 0) {                                           \
            fprintf(stderr, "  format \"%s\" (%s): libc \"%s\" (%d), mlflow_lite \"%s\" (%d)\n", \
                    fmt, #__VA_ARGS__, want_, nw_, got_, ng_);                                  \
            mll_test_failed_flag = 1;                                                           \
        }                                                                                       \
    } while (0)

TEST(signed_extremes) {
    SAME("%d", INT_MIN); SAME("%d", INT_MAX); SAME("%i", INT_MIN); SAME("%d", -1); SAME("%d", 0);
    SAME("%+d", INT_MIN); SAME("% d", INT_MIN); SAME("%12d", INT_MIN); SAME("%-12d|", INT_MIN);
    SAME("%012d", INT_MIN); SAME("%.12d", INT_MIN); SAME("%+d", INT_MAX); SAME("% d", 0);
    SAME("%ld", LONG_MIN); SAME("%ld", LONG_MAX); SAME("%li", LONG_MIN); SAME("%+ld", LONG_MIN);
    SAME("%lld", LLONG_MIN); SAME("%lld", LLONG_MAX); SAME("%lli", LLONG_MIN); SAME("%25lld", LLONG_MIN);
    SAME("%hd", SHRT_MIN); SAME("%hd", SHRT_MAX); SAME("%hd", 40000); SAME("%hd", -1);
    SAME("%hhd", SCHAR_MIN); SAME("%hhd", SCHAR_MAX); SAME("%hhd", 200); SAME("%hhd", -1);
    SAME("%jd", INTMAX_MIN); SAME("%jd", INTMAX_MAX); SAME("%td", PTRDIFF_MIN); SAME("%td", PTRDIFF_MAX);
    SAME("%zd", (size_t)PTRDIFF_MAX); SAME("%.0d", 0); SAME("%.0i", 0); SAME("%5.0d|", 0);
}

TEST(unsigned_extremes) {
    SAME("%u", UINT_MAX); SAME("%u", 0u); SAME("%lu", ULONG_MAX); SAME("%llu", ULLONG_MAX);
    SAME("%hu", (unsigned)USHRT_MAX); SAME("%hu", 65541u); SAME("%hhu", 300u); SAME("%hhu", (unsigned)UCHAR_MAX);
    SAME("%zu", SIZE_MAX); SAME("%ju", UINTMAX_MAX); SAME("%tu", PTRDIFF_MAX);
    SAME("%x", UINT_MAX); SAME("%X", UINT_MAX); SAME("%#x", UINT_MAX); SAME("%#x", 0u); SAME("%08x", 255u);
    SAME("%lx", ULONG_MAX); SAME("%llx", ULLONG_MAX); SAME("%#llX", ULLONG_MAX); SAME("%hx", 0x12345u);
    SAME("%hhx", 0x1FFu); SAME("%zx", SIZE_MAX); SAME("%jx", UINTMAX_MAX);
    SAME("%o", UINT_MAX); SAME("%#o", 0u); SAME("%#o", 8u); SAME("%lo", ULONG_MAX); SAME("%llo", ULLONG_MAX);
    SAME("%#llo", ULLONG_MAX); SAME("%ho", 0x1FFFFu); SAME("%hho", 0x1FFu);
    SAME("%.0u", 0u); SAME("%.0x", 0u); SAME("%#.0o", 0u); SAME("%.0o", 0u);
}

TEST(stars_strings_chars_pointers_floats) {
    SAME("[%*d]", 8, INT_MIN); SAME("[%*d]", -14, INT_MIN); SAME("[%-*d]", 14, 7); SAME("[%.*d]", 12, -5);
    SAME("[%.*d]", -1, 42); SAME("[%*.*lld]", 30, 25, LLONG_MIN); SAME("[%*d]", -1, 3);
    SAME("%s", "plain"); SAME("%.3s|", "abcdef"); SAME("%10s|", "r"); SAME("%-10s|", "l"); SAME("%*s|", -6, "x");
    SAME("%c%c", 'a', 'z'); SAME("%5c|", 'q'); SAME("%%d %d %%", INT_MIN); SAME("a%sb%dc", "", 0);
    SAME("%g", 0.1); SAME("%.17g", 0.1); SAME("%e", 1e-300); SAME("%f", -0.0); SAME("%.3f", 2.0005);
    SAME("%g", 1e300); SAME("%10.4f|", 3.14159); SAME("%-10.2e|", 12345.678); SAME("%G", 1e-10);
    SAME("%d %s %.2f %u %c", INT_MIN, "mix", 0.5, UINT_MAX, 'k');
    {
        char a[64], b[64];
        void *p = &g_checks;
        snprintf(a, sizeof(a), "%p", p);
        mll__snprintf(b, sizeof(b), "%p", p);
        CHECK_STR(b, a);
    }
}

TEST(truncation_and_refusals) {
    char small[8];
    int n = mll__snprintf(small, sizeof(small), "%d", INT_MIN);
    CHECK_EQ(n, 11); /* the length it needed, as snprintf */
    CHECK_STR(small, "-214748");
    n = mll__snprintf(small, sizeof(small), "ab%sd", "0123456789");
    CHECK_EQ(n, 13);
    CHECK_STR(small, "ab01234");
    CHECK_EQ(mll__snprintf(small, 0, "%d", 5), 1);
    CHECK(raw(small, sizeof(small), "%n", &n) < 0); /* never writes through a pointer */
    CHECK(raw(small, sizeof(small), "%q", 1) < 0);
    CHECK(raw(small, sizeof(small), "%", 1) < 0);
    CHECK(raw(small, sizeof(small), "%Ld", 1) < 0);
}

/* The case end to end: the param file holds exactly what Python's str(int) writes. */
TEST(log_paramf_extremes_reach_the_file) {
    const char *root = mll_test_tmpdir();
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_store_desc d;
    char path[MLL_MAX_PATH + 64];
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    CHECK_EQ(mll_open(&s, &d), MLL_OK);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_paramf(r, "k", "%d", INT_MIN), MLL_OK);
    CHECK_EQ(mll_log_paramf(r, "l", "%lld", LLONG_MIN), MLL_OK);
    CHECK_EQ(mll_set_tagf(r, "t", "%hd/%hhu/%.0d|", (short)-32768, (unsigned char)255, 0), MLL_OK);
    snprintf(path, sizeof(path), "%s/params/k", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "-2147483648");
    snprintf(path, sizeof(path), "%s/params/l", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "-9223372036854775808");
    snprintf(path, sizeof(path), "%s/tags/t", mll_run_dir(r));
    CHECK_STR(mll_test_read(path, NULL), "-32768/255/|");
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* fr_FR: floats get '.', a ',' inside a string argument stays (the old libc path rewrote
   every decimal point in the whole output). A missing locale fails, never a skip. */
TEST(locale_touches_floats_only) {
    static const char *const french[] = {"fr_FR.UTF-8", "French_France.1252"}; /* POSIX, Windows */
    char out[128];
    size_t i;
    for (i = 0; i < 2 && !setlocale(LC_ALL, french[i]); i++) {
    }
    if (i == 2 || localeconv()->decimal_point[0] != ',') {
        fprintf(stderr, "  fr_FR.UTF-8 locale missing (scripts/setup-test-env.sh generates it)\n");
        mll_test_failed_flag = 1;
        return;
    }
    mll__snprintf(out, sizeof(out), "%s=%.2f;%d;%s", "a,b", 0.5, INT_MIN, "1,5");
    setlocale(LC_ALL, "C");
    CHECK_STR(out, "a,b=0.50;-2147483648;1,5");
}

int main(void) {
    RUN(signed_extremes);
    RUN(unsigned_extremes);
    RUN(stars_strings_chars_pointers_floats);
    RUN(truncation_and_refusals);
    RUN(log_paramf_extremes_reach_the_file);
    RUN(locale_touches_floats_only);
    printf("%d formats compared with libc (engine: %s)\n", g_checks,
           MLL_USE_STB_SPRINTF ? "stb_sprintf for floats" : "libc");
    return mll_test_summary();
}
