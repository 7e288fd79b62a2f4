/* Number formatting: exact round trip of every double class, Python repr spelling,
   integers, and the YAML reader/writer on the shapes PyYAML and libyaml produce. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"
#include <float.h>
#include <math.h>

static long g_random_count = 2000000; /* argv[1] lowers it under valgrind */

/* Both generators: the exact one (mll_format_double) and the metric path's Grisu2. */
static int roundtrips_with(double v, int exact) {
    char buf[64];
    double back;
    uint64_t a, b;
    size_t n = mll__fmt_double_with(v, buf, exact);
    buf[n] = '\0';
    if (n == 0 || n >= 32) return 0;
    back = strtod(buf, NULL);
    memcpy(&a, &v, 8);
    memcpy(&b, &back, 8);
    if (v != v) return back != back;
    return a == b;
}

static int roundtrips(double v) { return roundtrips_with(v, 0) && roundtrips_with(v, 1); }

TEST(python_repr_spelling) {
    static const struct { double v; const char *text; } cases[] = {
        {0.0, "0.0"}, {-0.0, "-0.0"}, {1.0, "1.0"}, {5.0, "5.0"}, {-2.5, "-2.5"}, {0.1, "0.1"},
        {1e-05, "1e-05"}, {0.0001, "0.0001"}, {1e16, "1e+16"}, {1234567890123456.0, "1234567890123456.0"},
        {1e15, "1000000000000000.0"}, {123456789.123, "123456789.123"}, {1.0 / 3, "0.3333333333333333"},
        {2.0 / 3, "0.6666666666666666"}, {1e22, "1e+22"}, {1e-7, "1e-07"}, {1.5e300, "1.5e+300"},
        {5e-324, "5e-324"}, {DBL_MAX, "1.7976931348623157e+308"}, {DBL_MIN, "2.2250738585072014e-308"},
        {100.0, "100.0"}, {0.5, "0.5"}, {123.456, "123.456"}, {-1e-300, "-1e-300"},
        /* where Grisu2 alone is longer or not the closest (FINDINGS.md F1) */
        {1e23, "1e+23"}, {1e126, "1e+126"}, {13.54600000000005, "13.54600000000005"},
        {0.000758479, "0.000758479"}, {0.00032994100000000005, "0.00032994100000000005"}};
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        mll_format_double(cases[i].v, buf, sizeof(buf));
        CHECK_STR(buf, cases[i].text);
    }
}

TEST(special_values) {
    char buf[64];
    mll_format_double(NAN, buf, sizeof(buf));
    CHECK_STR(buf, "nan");
    mll_format_double(INFINITY, buf, sizeof(buf));
    CHECK_STR(buf, "inf");
    mll_format_double(-INFINITY, buf, sizeof(buf));
    CHECK_STR(buf, "-inf");
    CHECK_EQ(mll_format_double(1.0, buf, 31), 0); /* cap too small: nothing written */
    CHECK_EQ(mll_format_double(1.0, NULL, 64), 0);
}

TEST(extremes_and_subnormals_roundtrip) {
    uint64_t bits;
    double v;
    int i;
    CHECK(roundtrips(5e-324));
    CHECK(roundtrips(-5e-324));
    bits = 0x000FFFFFFFFFFFFFULL; /* largest subnormal */
    memcpy(&v, &bits, 8);
    CHECK(roundtrips(v));
    CHECK(roundtrips(DBL_MIN));
    CHECK(roundtrips(DBL_MAX));
    CHECK(roundtrips(-DBL_MAX));
    CHECK(roundtrips(DBL_EPSILON));
    for (i = -323; i <= 308; i++) { /* powers of ten and their neighbours */
        double p = pow(10.0, i);
        CHECK(roundtrips(p));
        CHECK(roundtrips(nextafter(p, 0)));
        CHECK(roundtrips(nextafter(p, INFINITY)));
    }
    for (i = -1074; i <= 1023; i++) { /* powers of two (lower boundary closer) */
        CHECK(roundtrips(ldexp(1.0, i)));
        CHECK(roundtrips(nextafter(ldexp(1.0, i), 0)));
    }
}

TEST(random_bit_patterns_roundtrip) {
    uint64_t s = 0x1234567887654321ULL;
    long i, bad = 0;
    for (i = 0; i < g_random_count; i++) {
        uint64_t bits;
        double v;
        s = mll__mix64(s);
        bits = s;
        memcpy(&v, &bits, 8);
        if (!roundtrips(v)) {
            if (bad++ < 5) fprintf(stderr, "no round trip: %016llx\n", (unsigned long long)bits);
        }
    }
    CHECK_EQ(bad, 0);
}

/* The hot path (Grisu3 + fallback) spells every value exactly like the exact algorithm,
   which is Python's repr(float) (checked against Python in tests/mlflow). */
TEST(fast_path_equals_exact_repr) {
    uint64_t s = 0xC0FFEE;
    long i, bad = 0, fallbacks = 0;
    for (i = 0; i < g_random_count; i++) {
        char fast[64], exact[64];
        uint64_t bits;
        double v;
        int k;
        char dig[24];
        s = mll__mix64(s);
        bits = s;
        if (i & 1) /* everyday magnitudes too, not only the extremes random bits favour */
            bits = (bits & 0x800FFFFFFFFFFFFFULL) | ((uint64_t)(1023 + (int)((s >> 40) % 60) - 30) << 52);
        memcpy(&v, &bits, 8);
        fast[mll__fmt_double_with(v, fast, 0)] = '\0';
        exact[mll__fmt_double_with(v, exact, 1)] = '\0';
        if (strcmp(fast, exact) != 0 && bad++ < 5) fprintf(stderr, "%s vs %s\n", fast, exact);
        if (v == v && v != 0 && (bits & 0x7FF0000000000000ULL) != 0x7FF0000000000000ULL) {
            double av = v < 0 ? -v : v;
            fallbacks += mll__grisu3(av, dig, &k) == 0;
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(fallbacks < g_random_count / 50); /* Grisu3 decides the vast majority (~0.5% fall back) */
}

TEST(integers) {
    char buf[32];
    buf[mll__fmt_i64(0, buf)] = 0;
    CHECK_STR(buf, "0");
    buf[mll__fmt_i64(-1, buf)] = 0;
    CHECK_STR(buf, "-1");
    buf[mll__fmt_i64(INT64_MAX, buf)] = 0;
    CHECK_STR(buf, "9223372036854775807");
    buf[mll__fmt_i64(INT64_MIN, buf)] = 0;
    CHECK_STR(buf, "-9223372036854775808");
    buf[mll__fmt_i64(1795376541000LL, buf)] = 0;
    CHECK_STR(buf, "1795376541000");
    buf[mll__fmt_u64(10, buf)] = 0;
    CHECK_STR(buf, "10");
}

static mll_allocator g_alloc = {mll__default_alloc, mll__default_free, NULL};

static mll__buf g_yaml_out;
static const char *yaml_get(const char *doc, const char *key, int *is_null, mll_result *res) {
    *res = mll__yaml_get(&g_alloc, doc, key, &g_yaml_out, is_null);
    return g_yaml_out.data;
}

TEST(yaml_reader_pyyaml_shapes) {
    int nul;
    mll_result r;
    const char *doc =
        "artifact_location: file:///tmp/x/mlruns/1\n"
        "creation_time: 1795376541005\n"
        "experiment_id: '414231622148822597'\n"
        "name: 'exp: yes #1'\n"
        "trace_location: null\n"
        "quoted: 'it''s'\n"
        "folded: 'aaaa bbbb\n"
        "  cccc\n"
        "\n"
        "  dddd'\n"
        "dq: \"tab\\there\\nnew \\u00e9 \\U0001F600 \\x41\\\n"
        "  \\ joined\"\n"
        "plainlong: word1 word2\n"
        "  word3\n"
        "comment: value # a comment\n"
        "tags: []\n";
    CHECK_STR(yaml_get(doc, "artifact_location", &nul, &r), "file:///tmp/x/mlruns/1");
    CHECK_EQ(r, MLL_OK);
    CHECK_STR(yaml_get(doc, "experiment_id", &nul, &r), "414231622148822597");
    CHECK_STR(yaml_get(doc, "name", &nul, &r), "exp: yes #1");
    yaml_get(doc, "trace_location", &nul, &r);
    CHECK_EQ(nul, 1);
    CHECK_STR(yaml_get(doc, "quoted", &nul, &r), "it's");
    CHECK_STR(yaml_get(doc, "folded", &nul, &r), "aaaa bbbb cccc\ndddd");
    CHECK_STR(yaml_get(doc, "dq", &nul, &r), "tab\there\nnew \xc3\xa9 \xf0\x9f\x98\x80 A joined");
    CHECK_STR(yaml_get(doc, "plainlong", &nul, &r), "word1 word2 word3");
    CHECK_STR(yaml_get(doc, "comment", &nul, &r), "value");
    yaml_get(doc, "missing", &nul, &r);
    CHECK_EQ(r, MLL_ERR_NOT_FOUND);
    yaml_get("name: 'unterminated\n", "name", &nul, &r);
    CHECK_EQ(r, MLL_ERR_CORRUPT);
}

TEST(yaml_writer_escapes_and_reads_back) {
    static const char *values[] = {"plain", "yes", "007", "null", "a: b # c", "it's \"q\" \\",
                                   "line1\nline2\ttab", "\xe2\x80\xa8sep\xc2\x85", "emoji \xf0\x9f\x98\x80",
                                   " lead and trail ", "-dash", "\x7f\x01"};
    size_t i;
    for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        mll__buf doc = {NULL, 0, 0};
        int nul;
        mll_result r;
        CHECK_EQ(mll__yaml_put_str(&g_alloc, &doc, "name", values[i]), MLL_OK);
        CHECK(strchr(doc.data, '\n') == doc.data + doc.len - 1); /* one line: no raw breaks */
        CHECK_STR(yaml_get(doc.data, "name", &nul, &r), values[i]);
        mll__buf_free(&g_alloc, &doc);
    }
    {
        mll__buf doc = {NULL, 0, 0};
        CHECK_EQ(mll__yaml_put_str(&g_alloc, &doc, "name", "bad \xff utf8"), MLL_ERR_INVALID_UTF8);
        mll__buf_free(&g_alloc, &doc);
    }
}

int main(int argc, char **argv) {
    if (argc > 1) g_random_count = atol(argv[1]);
    RUN(python_repr_spelling);
    RUN(special_values);
    RUN(extremes_and_subnormals_roundtrip);
    RUN(random_bit_patterns_roundtrip);
    RUN(fast_path_equals_exact_repr);
    RUN(integers);
    RUN(yaml_reader_pyyaml_shapes);
    RUN(yaml_writer_escapes_and_reads_back);
    mll__buf_free(&g_alloc, &g_yaml_out);
    return mll_test_summary();
}
