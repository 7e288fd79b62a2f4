/* Metric lines as MLflow 3.18's FileStore parses them (_get_metric_from_line:
   strip(), split(" "), 2/3/5 fields, Python int()/float()), and the incremental
   reader: whole lines from an offset, line numbers, malformed lines skipped as
   problems, an unterminated last line left for later, a shrunk file detected. */
#include "src_test_util.h"

#include <locale.h>
#include <math.h>

static int parses(const char *line, long long ts, double v, long long step)
{
    src_point p;
    int ok;
    if (src_parse_metric_line(line, strlen(line), &p) != 0) return 0;
    ok = p.timestamp == ts && p.step == step && (isnan(v) ? isnan(p.value) : p.value == v);
    src_point_free(&p);
    return ok;
}

static int refused(const char *line)
{
    src_point p;
    const char *why = NULL;
    if (src_parse_metric_line_why(line, strlen(line), &p, &why) == 0) {
        src_point_free(&p);
        return 0;
    }
    return why != NULL;
}

TEST(line_shapes_mlflow_reads)
{
    CHECK(parses("1714000000000 0.5 3", 1714000000000LL, 0.5, 3));
    CHECK(parses("1714000000000 0.5", 1714000000000LL, 0.5, 0));        /* MLflow < 1.x: no step */
    CHECK(parses("1 2 3          ", 1, 2, 3));                             /* mlflow_lite.h page padding */
    CHECK(parses("1 2 3\r", 1, 2, 3));                                     /* CRLF files */
    CHECK(parses("  1 2 3\t", 1, 2, 3));
    CHECK(parses("1 \t5 3", 1, 5, 3));                                     /* float() strips the tab */
    CHECK(parses("1 nan 0", 1, NAN, 0));
    CHECK(parses("1 NaN 0", 1, NAN, 0));
    CHECK(parses("1 inf 0", 1, INFINITY, 0));
    CHECK(parses("1 -inf 0", 1, -INFINITY, 0));
    CHECK(parses("1 -Infinity 0", 1, -INFINITY, 0));
    CHECK(parses("1 +INF 0", 1, INFINITY, 0));
    CHECK(parses("1 1e400 0", 1, INFINITY, 0));                             /* Python's float() agrees */
    CHECK(parses("1 1e-400 0", 1, 0.0, 0));
    CHECK(parses("1 1_000.5 3", 1, 1000.5, 3));                             /* PEP 515 underscores */
    CHECK(parses("1_000 2 3_0", 1000, 2, 30));
    CHECK(parses("+5 .5 -2", 5, 0.5, -2));
    CHECK(parses("5 5. 2", 5, 5.0, 2));
    CHECK(parses("5 1E5 007", 5, 1e5, 7));                                  /* int("007") is 7 */
    CHECK(parses("-1 0.1 0", -1, 0.1, 0));                                  /* MLflow reads a negative time */
    CHECK(parses("1 2 3\xC2\xA0", 1, 2, 3));                                /* U+00A0 is str.strip() space */
}

TEST(five_fields_keep_the_dataset_and_the_written_step)
{
    src_point p;
    const char *l = "1714000000000 0.25 7 eval_ds 3f2a9c";
    CHECK_EQ(src_parse_metric_line(l, strlen(l), &p), 0);
    CHECK_EQ(p.step, 7); /* FileStore reads 0 here; migrate-filestore and we keep 7 */
    CHECK_STR(p.dataset_name, "eval_ds");
    CHECK_STR(p.dataset_digest, "3f2a9c");
    src_point_free(&p);
}

TEST(malformed_lines_are_refused_with_a_reason)
{
    CHECK(refused(""));
    CHECK(refused("     "));
    CHECK(refused("1"));
    CHECK(refused("1 2 3 4"));               /* MLflow: 2, 3 or 5 fields */
    CHECK(refused("1 2 3 4 5 6"));
    CHECK(refused("1  2"));                   /* split(" ") gives an empty field */
    CHECK(refused("1.5 2 3"));
    CHECK(refused("1 abc 3"));
    CHECK(refused("1 0x10 3"));               /* float() refuses hex */
    CHECK(refused("1 nan(1) 3"));
    CHECK(refused("1 1__0 3"));
    CHECK(refused("1 _1 3"));
    CHECK(refused("1 1_ 3"));
    CHECK(refused("1 2 3.0"));
    CHECK(refused("99999999999999999999 1 2"));
    CHECK(refused("1 2 3 ds \xff\xfe"));      /* MLflow fails to decode it */
    CHECK(refused("1\t2\t3"));
}

TEST(a_comma_locale_changes_nothing)
{
    CHECK(setlocale(LC_NUMERIC, "fr_FR.UTF-8") != NULL); /* installed by scripts/setup-test-env.sh */
    CHECK(parses("1 2.5 3", 1, 2.5, 3));
    CHECK(refused("1 2,5 3"));
    setlocale(LC_NUMERIC, "C");
}

/* a store with one running run whose metrics/<key> holds body (n bytes; none when
   body is NULL); path gets that file's path */
static src_store *metric_file(const char *key, const char *body, size_t n, char *path, size_t pn, const src_run **r)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    make_exp(root, "1", "e");
    make_run(root, "1", "aaaa", "r", 1);
    snprintf(path, pn, "%s/1/aaaa/metrics/%s", root, key);
    if (body) put(path, body, n);
    s = open_store(root, 0);
    *r = s ? src_store_find_run(s, "aaaa") : NULL;
    return s;
}

TEST(incremental_reading_leaves_an_unterminated_line)
{
    char path[4200];
    const char *part1 = "1 0.1 0\n2 0.2 1\n3 0.3";
    const src_run *r;
    src_store *s = metric_file("loss", part1, strlen(part1), path, sizeof path, &r);
    src_metric_chunk c;
    tool_err e;
    CHECK(s && r);
    CHECK_EQ(src_metric_read(s, r, "loss", 0, 1, 0, 0, &c, &e), 0);
    CHECK_EQ(c.n, 2);
    CHECK_EQ(c.end_offset, 16);
    CHECK_EQ(c.next_line, 3);
    CHECK_EQ(c.pts[1].line, 2);
    CHECK_EQ(c.pts[1].end_offset, 16);
    src_metric_chunk_free(&c);
    putf(path, "%s0 2\n4 0.4 3\n", part1); /* the writer finished the line */
    CHECK_EQ(src_metric_read(s, r, "loss", 16, 3, 0, 0, &c, &e), 0);
    CHECK_EQ(c.n, 2);
    CHECK(c.pts[0].timestamp == 3 && c.pts[0].value == 0.30 && c.pts[0].step == 2 && c.pts[0].line == 3);
    CHECK_EQ(c.end_offset, (long long)strlen(part1) + 4 + 8);
    src_metric_chunk_free(&c);
    putf(path, "%s0 2\n4 0.4 3\n5 0.5 4", part1); /* the run ended with a line without '\n' */
    CHECK_EQ(src_metric_read(s, r, "loss", 33, 5, 0, 0, &c, &e), 0);
    CHECK_EQ(c.n, 0); /* still running: the last line may be half written */
    CHECK_EQ(c.end_offset, 33);
    src_metric_chunk_free(&c);
    CHECK_EQ(src_metric_read(s, r, "loss", 33, 5, 0, 1, &c, &e), 0);
    CHECK_EQ(c.n, 1);
    CHECK_EQ(c.pts[0].timestamp, 5);
    CHECK_EQ(c.end_offset, 40);
    CHECK_EQ(c.next_line, 6);
    src_metric_chunk_free(&c);
    src_store_close(s);
}

TEST(byte_limit_cuts_at_whole_lines)
{
    char path[4200];
    const src_run *r;
    src_store *s = metric_file("acc", NULL, 0, path, sizeof path, &r);
    src_metric_chunk c;
    tool_err e;
    long long off = 0;
    long line = 1;
    int total = 0, i;
    CHECK(s && r);
    {
        char buf[8192];
        size_t n = 0;
        for (i = 0; i < 300; i++) n += (size_t)snprintf(buf + n, sizeof buf - n, "%d %d.5 %d\n", 1000 + i, i, i);
        put(path, buf, n);
    }
    while (total < 300) {
        CHECK_EQ(src_metric_read(s, r, "acc", off, line, 100, 0, &c, &e), 0);
        CHECK(c.n > 0);
        CHECK(c.end_offset - off <= 100);
        CHECK_EQ(c.pts[0].timestamp, 1000 + total);
        CHECK_EQ(c.pts[0].line, line);
        CHECK_EQ(c.pts[c.n - 1].end_offset, c.end_offset);
        total += (int)c.n;
        off = c.end_offset;
        line = c.next_line;
        src_metric_chunk_free(&c);
    }
    CHECK_EQ(line, 301);
    src_store_close(s);
}

TEST(malformed_lines_are_problems_with_line_numbers)
{
    char path[4200];
    const char *body = "1 1 0\n\n2 x 1\n3 3 2 4\n4 4 3\r5 5 4\r\n6 6 5   \n";
    const src_run *r;
    src_store *s = metric_file("m", body, strlen(body), path, sizeof path, &r);
    src_metric_chunk c;
    tool_err e;
    CHECK(s && r);
    CHECK_EQ(src_metric_read(s, r, "m", 0, 1, 0, 0, &c, &e), 0);
    CHECK_EQ(c.n, 4); /* lines 1, 5 (two points: a lone CR splits it, as str.splitlines() does), 6 */
    CHECK(c.pts[0].timestamp == 1 && c.pts[1].timestamp == 4 && c.pts[2].timestamp == 5 && c.pts[3].timestamp == 6);
    CHECK(c.pts[1].line == 5 && c.pts[2].line == 5 && c.pts[3].line == 6);
    CHECK(c.pts[1].end_offset < c.pts[2].end_offset); /* stopping after the 1st piece re-reads the line */
    CHECK_EQ(c.problems.n, 3);
    CHECK(c.problems.v[0].line == 2 && strstr(c.problems.v[0].why, "blank"));
    CHECK(c.problems.v[1].line == 3 && strstr(c.problems.v[1].why, "value"));
    CHECK(c.problems.v[2].line == 4 && strstr(c.problems.v[2].why, "4 fields"));
    CHECK(strstr(c.problems.v[0].path, "1/aaaa/metrics/m") != NULL);
    src_metric_chunk_free(&c);
    src_store_close(s);
}

TEST(a_very_long_line_is_skipped_and_reading_goes_on)
{
    char path[4200];
    const src_run *r;
    src_store *s;
    src_metric_chunk c;
    tool_err e;
    size_t n = 600000;
    char *buf = malloc(n + 32);
    CHECK(buf);
    memset(buf, '7', n);
    memcpy(buf + n, "\n9 9 9\n", 7);
    s = metric_file("long", buf, n + 7, path, sizeof path, &r);
    free(buf);
    CHECK(s && r);
    CHECK_EQ(src_metric_read(s, r, "long", 0, 1, 0, 0, &c, &e), 0);
    CHECK_EQ(c.n, 1);
    CHECK_EQ(c.pts[0].line, 2);
    CHECK_EQ(c.problems.n, 1);
    CHECK_EQ(c.problems.v[0].line, 1);
    src_metric_chunk_free(&c);
    src_store_close(s);
}

TEST(a_file_that_shrank_was_rewritten)
{
    char path[4200];
    const src_run *r;
    src_store *s = metric_file("m", NULL, 0, path, sizeof path, &r);
    src_metric_chunk c;
    tool_err e;
    CHECK(s && r);
    putf(path, "1 1 0\n");
    CHECK(src_metric_read(s, r, "m", 100, 10, 0, 0, &c, &e) != 0);
    CHECK_EQ(c.rewritten, 1);
    CHECK(strstr(e.why, "rewritten") != NULL);
    src_metric_chunk_free(&c);
    CHECK(src_metric_read(s, r, "../params/x", 0, 1, 0, 0, &c, &e) != 0); /* not a key */
    src_metric_chunk_free(&c);
    src_store_close(s);
}

TEST(a_metric_file_that_is_a_link_is_not_read)
{
    char path[4200];
    const src_run *r;
    src_store *s = metric_file("stolen", NULL, 0, path, sizeof path, &r);
    src_metric_chunk c;
    src_run_files f;
    tool_err e;
    CHECK(s && r);
    CHECK_EQ(symlink("/proc/self/environ", path), 0);
    CHECK(src_metric_read(s, r, "stolen", 0, 1, 0, 1, &c, &e) != 0);
    CHECK(strstr(e.why, "symbolic link") != NULL);
    CHECK_EQ(c.n, 0);
    src_metric_chunk_free(&c);
    CHECK_EQ(src_run_read(s, r, SRC_READ_METRICS, &f, &e), 0);
    CHECK_EQ(f.nmetrics, 0);
    CHECK(find_problem(&f.problems, "metrics/stolen", "symbolic link") != NULL);
    src_run_files_free(&f);
    src_store_close(s);
}

int main(void)
{
    RUN(line_shapes_mlflow_reads);
    RUN(five_fields_keep_the_dataset_and_the_written_step);
    RUN(malformed_lines_are_refused_with_a_reason);
    RUN(a_comma_locale_changes_nothing);
    RUN(incremental_reading_leaves_an_unterminated_line);
    RUN(byte_limit_cuts_at_whole_lines);
    RUN(malformed_lines_are_problems_with_line_numbers);
    RUN(a_very_long_line_is_skipped_and_reading_goes_on);
    RUN(a_file_that_shrank_was_rewritten);
    RUN(a_metric_file_that_is_a_link_is_not_read);
    return mll_test_summary();
}
