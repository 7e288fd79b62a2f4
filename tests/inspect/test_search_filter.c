/* tests/inspect/test_search_filter.c — the search_runs language without MLflow
 * (label "unit;tool"; check_filter_parser.py compares it with MLflow itself):
 * parsing (values as MLflow keeps them, aliases, refusals with MLflow's
 * messages), evaluation (Python's comparisons with NaN, LIKE as MLflow's
 * regular expression, datasets), the sort keys (NaN and absent values last in
 * both directions), and the pieces runsel and report stand on: the latest
 * value of a metric file and the downsampling of a long one. */
#define _POSIX_C_SOURCE 200809L
#include "downsample.h"
#include "mll_test.h"
#include "search_filter.h"
#include "src.h"

#include <fcntl.h>
#include <math.h>

static sf_filter parse_ok(const char *text, int *ok)
{
    sf_filter f;
    char err[512];
    *ok = sf_parse_filter(text, &f, err, sizeof err) == 0;
    if (!*ok) fprintf(stderr, "refused: %s: %s\n", text, err);
    return f;
}

/* refused, with a message that holds `want` */
static int refused(const char *text, const char *want)
{
    sf_filter f;
    char err[512] = "";
    if (sf_parse_filter(text, &f, err, sizeof err) == 0) {
        sf_filter_free(&f);
        fprintf(stderr, "accepted: %s\n", text);
        return 0;
    }
    if (!strstr(err, want)) fprintf(stderr, "%s: message '%s' lacks '%s'\n", text, err, want);
    return strstr(err, want) != NULL;
}

TEST(values_as_mlflow_keeps_them)
{
    int ok;
    sf_filter f = parse_ok("metrics.`my acc` >= -1.5e-3 and params.lr = 'it''s' AND tags.\"a.b\" LIKE \"%x\"", &ok);
    CHECK(ok);
    CHECK_EQ(f.n, 3);
    CHECK(f.v[0].kind == SF_METRIC && f.v[0].op == SF_GE && f.v[0].num == -1.5e-3);
    CHECK_STR(f.v[0].key, "my acc");
    CHECK_STR(f.v[1].str, "it''s"); /* MLflow strips the quotes and nothing else */
    CHECK(f.v[2].kind == SF_TAG && f.v[2].op == SF_LIKE);
    CHECK_STR(f.v[2].key, "a.b");
    CHECK_STR(f.v[2].str, "%x");
    sf_filter_free(&f);
    f = parse_ok("created > 5 AND `Run Name` = 'r' AND run_id NOT IN ('a', \"b\",) AND params.x IS NOT NULL", &ok);
    CHECK(ok);
    CHECK(f.v[0].kind == SF_ATTR && f.v[0].attr == SF_A_START_TIME);
    CHECK(f.v[1].attr == SF_A_RUN_NAME);
    CHECK(f.v[2].op == SF_NOT_IN && f.v[2].nlist == 2);
    CHECK_STR(f.v[2].list[1], "b");
    CHECK(f.v[3].op == SF_NOT_NULL);
    sf_filter_free(&f);
    f = parse_ok("", &ok);
    CHECK(ok && f.n == 0);
}

TEST(refusals_with_mlflow_messages)
{
    CHECK(refused("metrics.a > 1 OR metrics.b > 1", "Invalid clause(s) in filter string: 'OR'"));
    CHECK(refused("params.lr = 0.1", "Expected a quoted string value for parameter"));
    CHECK(refused("metrics.acc = '1'", "Expected numeric value type for metric"));
    CHECK(refused("status IN ('FINISHED')", "Only ['run_id'] attributes support comparison with a list"));
    CHECK(refused("foo.bar = 1", "Invalid entity type 'foo'"));
    CHECK(refused("lifecycle_stage = 'x'", "Invalid attribute key 'lifecycle_stage'"));
    CHECK(refused("metrics.a > 1; metrics.b > 1", "multiple expression"));
    CHECK(refused("   ", "Could not be parsed"));
    CHECK(refused("metrics.a IS NULL", "IS NULL / IS NOT NULL is only supported for tags and params"));
    CHECK(refused("metrics.a == 1", "Invalid comparator '=='"));
    CHECK(refused("params.a > 'x'", "Invalid comparator '>'"));
    CHECK(refused("run_id IN ()", "empty list"));
    CHECK(refused("run_id IN ('a', 1)", "different type"));
    CHECK(refused("status = FINISHED", "not quoted"));
}

TEST(order_by)
{
    sf_order o;
    char err[256];
    CHECK(sf_parse_order("metrics.`a b` DESC", &o, err, sizeof err) == 0);
    CHECK(o.kind == SF_METRIC && !o.ascending);
    CHECK_STR(o.key, "a b");
    sf_order_free(&o);
    CHECK(sf_parse_order("created", &o, err, sizeof err) == 0 && o.attr == SF_A_START_TIME && o.ascending);
    sf_order_free(&o);
    CHECK(sf_parse_order(" metrics.a", &o, err, sizeof err) != 0);
    CHECK(sf_parse_order("metrics.a DOWN", &o, err, sizeof err) != 0 && strstr(err, "Invalid ordering key"));
    CHECK(sf_parse_order("run name", &o, err, sizeof err) != 0);
}

static sf_value num(double d) { sf_value v = {1, 1, NULL, d}; return v; }
static sf_value str(const char *s) { sf_value v = {1, 0, s, 0}; return v; }

static int match(const char *filter, sf_value v)
{
    int ok, hit;
    sf_filter f = parse_ok(filter, &ok);
    if (!ok) return -1;
    hit = sf_match(&f.v[0], &v);
    sf_filter_free(&f);
    return hit;
}

TEST(comparisons_as_python_makes_them)
{
    sf_value none = {0, 0, NULL, 0};
    CHECK_EQ(match("metrics.a > 0.5", num(0.6)), 1);
    CHECK_EQ(match("metrics.a > 0.5", num(NAN)), 0);
    CHECK_EQ(match("metrics.a != 0.5", num(NAN)), 1);   /* nan != 0.5 is True */
    CHECK_EQ(match("metrics.a = 0", num(-0.0)), 1);
    CHECK_EQ(match("metrics.a < 1e309", num(INFINITY)), 0);
    CHECK_EQ(match("metrics.a > 0", none), 0);
    CHECK_EQ(match("params.a != 'x'", none), 0);          /* an absent value never matches */
    CHECK_EQ(match("params.a IS NULL", none), 1);
    CHECK_EQ(match("params.a IS NOT NULL", str("")), 1);
    CHECK_EQ(match("run_id IN ('a', 'b')", str("b")), 1);
    CHECK_EQ(match("run_id = ('b')", str("b")), 0);       /* a string is never equal to a tuple */
    CHECK_EQ(match("run_id != ('b')", str("b")), 1);
    CHECK_EQ(match("start_time >= 1700000000000", num(1700000000000.0)), 1);
}

/* found by fuzz_search_filter (corpus/search_filter/regress_*): a numeric attribute's
   clause holds no string, so a string value must not reach strcmp; an ill-formed list
   inside a list is refused without leaking the strings read before the error */
TEST(fuzz_regressions)
{
    CHECK_EQ(match("end_time= 1.5", str("1.5")), 0);
    CHECK_EQ(match("end_time= 1.5", num(1.5)), 1);
    CHECK_EQ(match("attributes.start_time < 2", str("1")), 0);
    CHECK(refused("run_id IN (('a', 'b'), 'c')", "different type"));
    CHECK(refused("run_id IN (un_id IN ('a',\x81'b')'a','b')", "ill-formed list"));
    CHECK(refused("run_id IN (('a', 'b' 'c', ,), 'd')", "ill-formed list"));
}

TEST(like_is_mlflow_regex)
{
    CHECK(sf_like("abc", "a%", 0) && sf_like("abc", "%c", 0) && sf_like("abc", "a_c", 0));
    CHECK(!sf_like("abc", "A%", 0) && sf_like("abc", "A%", 1));
    CHECK(sf_like("héllo", "h_llo", 0));                 /* _ is one character, not one byte */
    CHECK(sf_like("HÉLLO", "hé%", 1));                   /* ILIKE folds beyond ASCII */
    CHECK(!sf_like("a\nb", "%b", 0));                     /* % does not cross a line break */
    CHECK(sf_like("a\nb", "a%", 0));                      /* ... but the match need not reach the end */
    CHECK(sf_like("abc\n", "abc", 0));                    /* $ matches before a final newline */
    CHECK(sf_like("", "", 0) && sf_like("", "%", 0) && !sf_like("", "_", 0));
    CHECK(sf_like("a.b", "a.b", 0) && !sf_like("axb", "a.b", 0)); /* . is a literal */
}

TEST(datasets_any_input)
{
    sf_dataset d[2] = {{"train", "d1", "training"}, {"eval", "d2", NULL}};
    int ok;
    sf_filter f = parse_ok("datasets.context = 'training' AND datasets.name IN ('eval') AND datasets.digest != 'd1'", &ok);
    CHECK(ok);
    CHECK(sf_match_datasets(&f.v[0], d, 2));
    CHECK(sf_match_datasets(&f.v[1], d, 2));
    CHECK(sf_match_datasets(&f.v[2], d, 2));
    CHECK(!sf_match_datasets(&f.v[0], d + 1, 1)); /* an input without a context tag is not looked at */
    sf_filter_free(&f);
}

TEST(sort_keys_nan_and_absent_last)
{
    sf_order asc = {SF_METRIC, NULL, 0, 1}, desc = {SF_METRIC, NULL, 0, 0};
    sf_value a = num(1), b = num(2), n = num(NAN), none = {0, 0, NULL, 0};
    CHECK(sf_order_cmp(&asc, &a, &b) < 0 && sf_order_cmp(&desc, &a, &b) > 0);
    CHECK(sf_order_cmp(&asc, &b, &n) < 0 && sf_order_cmp(&desc, &b, &n) < 0);
    CHECK(sf_order_cmp(&asc, &n, &none) < 0 && sf_order_cmp(&desc, &n, &none) < 0);
    CHECK(sf_order_cmp(&asc, &none, &none) == 0);
}

/* ---- the latest value and the downsampling, on files ------------------------------------------ */

static src_store *one_run_store(const char *metric, const char *lines, const src_run **r)
{
    const char *d = mll_test_tmpdir();
    char p[2048];
    FILE *f;
    src_store *s;
    tool_err e;
    snprintf(p, sizeof p, "mkdir -p %s/1/r1/metrics %s/1/r1/params", d, d);
    if (system(p) != 0) return NULL;
    snprintf(p, sizeof p, "%s/1/meta.yaml", d);
    if (!(f = fopen(p, "w"))) return NULL;
    fputs("experiment_id: '1'\nname: e\nartifact_location: file:///x/1\nlifecycle_stage: active\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/1/r1/meta.yaml", d);
    if (!(f = fopen(p, "w"))) return NULL;
    fputs("run_id: r1\nexperiment_id: '1'\nstatus: 3\nstart_time: 1\nlifecycle_stage: active\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/1/r1/metrics/%s", d, metric);
    if (!(f = fopen(p, "w"))) return NULL;
    fputs(lines, f);
    fclose(f);
    if (src_store_open(&s, d, NULL, NULL, &e) != 0) return NULL;
    *r = src_store_run(s, 0);
    return s;
}

TEST(latest_is_max_by_step_timestamp_value)
{
    const src_run *r;
    src_point p;
    tool_err e;
    long bad = 0;
    src_store *s = one_run_store("m", "5 1.0 3\n9 0.1 1\n4 2.0 3\n4 7.0 3\n4 nan 3\n2 9.0 3 train d1\nbroken\n7 0.25 3",
                                 &r);
    CHECK(s != NULL);
    CHECK_EQ(src_metric_latest(s, r, "m", &p, &bad, &e), 1);
    CHECK(p.step == 3 && p.timestamp == 7 && p.value == 0.25); /* the unterminated last line counts */
    CHECK_EQ(bad, 1);
    CHECK_EQ(src_metric_latest(s, r, "absent", &p, &bad, &e), 0);
    src_store_close(s);
    s = one_run_store("t", "1 nan 2\n1 5.0 2\n", &r); /* equal step and time: 5.0 > nan is False */
    CHECK(s != NULL && src_metric_latest(s, r, "t", &p, &bad, &e) == 1 && isnan(p.value));
    src_store_close(s);
}

/* 19 digits do not fit the plain line's fast reader (18 at most): the general parser reads
   them, and the fast one must give up before its arithmetic overflows */
TEST(latest_reads_19_digit_steps_and_times)
{
    const src_run *r;
    src_point p;
    tool_err e;
    long bad = 0;
    src_store *s = one_run_store("m", "1 0.5 9223372036854775807\n9223372036854775806 0.75 2\n", &r);
    CHECK(s != NULL);
    CHECK_EQ(src_metric_latest(s, r, "m", &p, &bad, &e), 1);
    CHECK(p.step == 9223372036854775807LL && p.timestamp == 1 && p.value == 0.5);
    CHECK_EQ(bad, 0);
    src_store_close(s);
    bad = 0; /* past int64 (UBSan caught the fast reader's overflow here): the general parser's skipped line */
    s = one_run_store("o", "9999999999999999999 0.5 1\n2 0.25 1\n", &r);
    CHECK(s != NULL);
    CHECK_EQ(src_metric_latest(s, r, "o", &p, &bad, &e), 1);
    CHECK(p.timestamp == 2 && p.step == 1 && p.value == 0.25);
    CHECK_EQ(bad, 1);
    src_store_close(s);
}

TEST(downsampling_keeps_extremes_and_gaps)
{
    const src_run *r;
    ds_series d;
    tool_err e;
    sbuf lines = {0};
    size_t i;
    int gap = 0, hi = 0, lo = 0;
    src_store *s;
    for (i = 0; i < 10000; i++)
        sb_printf(&lines, "%zu %s %zu\n", i, i == 5000 ? "nan" : i == 1234 ? "100" : i == 7777 ? "-100" : "0.5", i);
    s = one_run_store("long", lines.s, &r);
    CHECK(s != NULL);
    CHECK(ds_read(s, r, "long", 200, &d, &e) == 0);
    CHECK(d.downsampled && d.points == 10000 && d.n <= 200 + 110 && d.nonfinite == 1);
    for (i = 0; i < d.n; i++) gap |= isnan(d.y[i]), hi |= d.y[i] == 100, lo |= d.y[i] == -100;
    CHECK(gap && hi && lo);
    ds_free(&d);
    CHECK(ds_read(s, r, "long", 20000, &d, &e) == 0 && !d.downsampled && d.n == 10000);
    ds_free(&d);
    src_store_close(s);
    sb_free(&lines);
}

int main(void)
{
    RUN(values_as_mlflow_keeps_them);
    RUN(refusals_with_mlflow_messages);
    RUN(order_by);
    RUN(comparisons_as_python_makes_them);
    RUN(fuzz_regressions);
    RUN(like_is_mlflow_regex);
    RUN(datasets_any_input);
    RUN(sort_keys_nan_and_absent_last);
    RUN(latest_is_max_by_step_timestamp_value);
    RUN(latest_reads_19_digit_steps_and_times);
    RUN(downsampling_keeps_extremes_and_gaps);
    return mll_test_summary();
}
