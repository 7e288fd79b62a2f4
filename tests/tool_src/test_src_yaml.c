/* The YAML door: meta.yaml files of every MLflow version read as PyYAML's
   SafeLoader types them; deep or deep-and-wide documents refused in well under a
   second with a clear reason (defect 7 of issue 9: 50,000 nested flow mappings
   overflowed the stack, 200,000 nested flow sequences took over 5 minutes); what
   MLflow never writes (aliases, unknown tags, several documents) refused. */
#include "src_test_util.h"

#include "src_int.h"

/* the time limit: 1 s, more under valgrind (set by the valgrind test) */
static double limit_s(void) { return getenv("MLL_UNDER_VALGRIND") ? 60.0 : 1.0; }

static int parse(const char *text, src_ydoc *d, char *why, size_t n)
{
    return src_yaml_parse(text, strlen(text), d, why, n);
}

TEST(mlflow3_experiment_and_run)
{
    char why[512];
    src_ydoc d;
    long long v = 0;
    const char *exp = "artifact_location: file:///home/u/mlruns/123456789012345678\ncreation_time: 1714000000000\n"
                      "experiment_id: '123456789012345678'\nlast_update_time: 1714000000000\nlifecycle_stage: active\n"
                      "name: my-exp\ntrace_location: null\nworkspace: default\n";
    CHECK_EQ(parse(exp, &d, why, sizeof why), 0);
    CHECK_STR(src_ystr(&d, 0, "experiment_id"), "123456789012345678");
    CHECK_STR(src_ystr(&d, 0, "name"), "my-exp");
    CHECK(src_ystr(&d, 0, "trace_location") == NULL);
    CHECK(src_ystr(&d, 0, "missing") == NULL);
    CHECK_EQ(src_yint(&d, 0, "creation_time", &v), 1);
    CHECK_EQ(v, 1714000000000LL);
    src_ydoc_free(&d);
}

TEST(mlflow1_run_meta_with_legacy_keys)
{
    char why[512];
    src_ydoc d;
    long long v = 0;
    const char *run = "artifact_uri: /abs/mlruns/0/abc/artifacts\nend_time: null\nentry_point_name: ''\n"
                      "experiment_id: 0\nlifecycle_stage: active\nname: ''\nrun_id: abc\nrun_uuid: abc\n"
                      "source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1580000000000\nstatus: 3\n"
                      "tags: []\nuser_id: u\n";
    CHECK_EQ(parse(run, &d, why, sizeof why), 0);
    CHECK_STR(src_ystr(&d, 0, "experiment_id"), "0"); /* an int; MLflow casts it to "0" */
    CHECK_EQ(src_yget(&d, 0, "experiment_id")->type, SRC_Y_INT);
    CHECK_EQ(src_yint(&d, 0, "end_time", &v), 0); /* null */
    CHECK_EQ(src_yint(&d, 0, "status", &v), 1);
    CHECK_EQ(v, 3);
    CHECK_EQ(src_yget(&d, 0, "tags")->type, SRC_Y_SEQ);
    src_ydoc_free(&d);
}

TEST(pyyaml_types_of_plain_scalars)
{
    char why[512];
    src_ydoc d;
    const char *t = "a: 010\nb: 0x1F\nc: 1_000\nd: 1:30\ne: yes\nf: ~\ng: 1.5\nh: 2024-01-02\ni: '010'\n"
                    "j: \"yes\"\nk: 1e5\nl: .inf\nm: Off\nn: -0b11\no: 99999999999999999999\np: !!str 12\nq: !!int '12'\n";
    CHECK_EQ(parse(t, &d, why, sizeof why), 0);
    CHECK_STR(src_ystr(&d, 0, "a"), "8");   /* YAML 1.1 octal */
    CHECK_STR(src_ystr(&d, 0, "b"), "31");
    CHECK_STR(src_ystr(&d, 0, "c"), "1000");
    CHECK_STR(src_ystr(&d, 0, "d"), "90");  /* base 60 */
    CHECK_STR(src_ystr(&d, 0, "e"), "True");
    CHECK(src_ystr(&d, 0, "f") == NULL);
    CHECK_EQ(src_yget(&d, 0, "g")->type, SRC_Y_FLOAT);
    CHECK_EQ(src_yget(&d, 0, "h")->type, SRC_Y_TIME);
    CHECK_STR(src_ystr(&d, 0, "i"), "010");
    CHECK_EQ(src_yget(&d, 0, "i")->type, SRC_Y_STR);
    CHECK_STR(src_ystr(&d, 0, "j"), "yes");
    CHECK_EQ(src_yget(&d, 0, "k")->type, SRC_Y_STR); /* PyYAML wants "1.0e+5" for a float */
    CHECK_EQ(src_yget(&d, 0, "l")->type, SRC_Y_FLOAT);
    CHECK_STR(src_ystr(&d, 0, "m"), "False");
    CHECK_STR(src_ystr(&d, 0, "n"), "-3");
    CHECK_EQ(src_yget(&d, 0, "o")->type, SRC_Y_INT);
    CHECK_EQ(src_yget(&d, 0, "o")->int_ok, 0);
    CHECK_EQ(src_yget(&d, 0, "p")->type, SRC_Y_STR);
    CHECK_STR(src_ystr(&d, 0, "q"), "12");
    src_ydoc_free(&d);
}

TEST(nested_mappings_and_duplicates)
{
    char why[512];
    src_ydoc d;
    const src_ynode *k, *v = NULL, *tags;
    int n = 0;
    const char *t = "destination_id: abc\nsource_id: 9f\nsource_type: DATASET\n"
                    "tags:\n  mlflow.data.context: train\n  other: '1'\nname: first\nname: second\n";
    CHECK_EQ(parse(t, &d, why, sizeof why), 0);
    CHECK_STR(src_ystr(&d, 0, "name"), "second"); /* PyYAML: the last one wins */
    tags = src_yget(&d, 0, "tags");
    CHECK(tags && tags->type == SRC_Y_MAP);
    for (k = src_ypair(&d, src_ynode_index(&d, tags), NULL, &v); k; k = src_ypair(&d, src_ynode_index(&d, tags), k, &v))
        n++;
    CHECK_EQ(n, 2);
    CHECK_STR(src_ystr(&d, src_ynode_index(&d, tags), "mlflow.data.context"), "train");
    src_ydoc_free(&d);
}

static int refused_with(const char *text, const char *part)
{
    char why[512] = "";
    src_ydoc d;
    if (parse(text, &d, why, sizeof why) == 0) {
        src_ydoc_free(&d);
        return 0;
    }
    if (!strstr(why, part)) fprintf(stderr, "  why: %s\n", why);
    return strstr(why, part) != NULL;
}

TEST(what_mlflow_never_writes_is_refused)
{
    CHECK(refused_with("a: &x [1, 2]\nb: *x\n", "alias"));
    CHECK(refused_with("a: !!python/object:os.system x\n", "tag"));
    CHECK(refused_with("a: 1\n---\nb: 2\n", "more than one"));
    CHECK(refused_with("just a string\n", "not a YAML mapping"));
    CHECK(refused_with("- a\n- b\n", "not a YAML mapping"));
    CHECK(refused_with("", "empty"));
    CHECK(refused_with("# only a comment\n", "empty"));
    CHECK(refused_with("~\n", "empty"));
    CHECK(refused_with("? [a, b]\n: c\n", "key"));
    CHECK(refused_with("a: \"x\\0y\"\n", "NUL"));
    CHECK(refused_with("a: [1, 2\n", "line"));
    CHECK(refused_with("a: b\n\xff: c\n", "line"));
}

/* the nesting of n flow collections around "1", after "a: " */
static char *nested(const char *open, const char *close, size_t n)
{
    size_t lo = strlen(open), lc = strlen(close), i;
    char *t = malloc(3 + n * (lo + lc) + 3), *p = t;
    if (!t) return NULL;
    memcpy(p, "a: ", 3), p += 3;
    for (i = 0; i < n; i++) memcpy(p, open, lo), p += lo;
    *p++ = '1';
    for (i = 0; i < n; i++) memcpy(p, close, lc), p += lc;
    *p++ = '\n';
    *p = '\0';
    return t;
}

static int refused_fast(const char *text, const char *part, double *took)
{
    double t0 = cpu_s();
    int r = refused_with(text, part);
    *took = cpu_s() - t0;
    return r;
}

TEST(deep_flow_mappings_end_fast)
{
    char *t = nested("{a: ", "}", 50000); /* ~250 KB: a stack overflow in the old reader */
    double took;
    CHECK(t);
    CHECK(refused_fast(t, "nested more than 1000 levels", &took));
    printf("    50,000 nested flow mappings (%zu bytes): refused in %.4f s\n", strlen(t), took);
    free(t);
    CHECK(took < limit_s());
}

TEST(deep_flow_sequences_end_fast)
{
    char *t = nested("[", "]", 200000); /* ~400 KB: over 5 minutes in libyaml 0.2.5 */
    double took;
    CHECK(t);
    CHECK(refused_fast(t, "nested more than 1000 levels", &took));
    printf("    200,000 nested flow sequences (%zu bytes): refused in %.4f s\n", strlen(t), took);
    free(t);
    CHECK(took < limit_s());
}

TEST(deep_block_nesting_is_refused)
{
    sbuf b = {0};
    int i;
    double took;
    for (i = 0; i < 1500; i++) sb_printf(&b, "%*sk:\n", i, "");
    CHECK(!b.oom);
    CHECK(refused_fast(b.s, "nested more than 1000 levels", &took));
    CHECK(took < limit_s());
    sb_free(&b);
}

TEST(just_under_the_limit_is_read)
{
    char *t = nested("[", "]", 990), why[512];
    src_ydoc d;
    CHECK(t);
    CHECK_EQ(src_yaml_parse(t, strlen(t), &d, why, sizeof why), 0);
    src_ydoc_free(&d);
    free(t);
}

/* deep nesting around many entries: each entry costs libyaml the depth */
TEST(deep_and_wide_is_refused_fast)
{
    sbuf b = {0};
    int i;
    double took;
    sb_puts(&b, "a: ");
    for (i = 0; i < 999; i++) sb_puts(&b, "[");
    for (i = 0; i < 1000000; i++) sb_puts(&b, "a,");
    for (i = 0; i < 999; i++) sb_puts(&b, "]");
    CHECK(!b.oom);
    CHECK(refused_fast(b.s, "too deeply for the number of entries", &took));
    printf("    999 levels around 1,000,000 entries (%zu bytes): refused in %.4f s\n", b.len, took);
    sb_free(&b);
    CHECK(took < limit_s());
}

/* seconds to parse a flow sequence of n items, or a mapping of n keys */
static double parse_time(int n, int keys)
{
    sbuf b = {0};
    char why[512];
    src_ydoc d;
    double t0, t;
    int i, rc;
    if (!keys) sb_puts(&b, "a: [");
    for (i = 0; i < n; i++) {
        if (keys) sb_printf(&b, "k%d: v\n", i);
        else sb_puts(&b, "1,");
    }
    if (!keys) sb_puts(&b, "1]\n");
    t0 = cpu_s();
    rc = b.oom ? -1 : src_yaml_parse(b.s, b.len, &d, why, sizeof why);
    t = cpu_s() - t0;
    if (rc == 0) src_ydoc_free(&d);
    sb_free(&b);
    return rc == 0 ? t : 1e9;
}

/* shapes that stay under the limits parse in time linear in their size: four
   times the items take about four times as long (not sixteen) */
TEST(wide_documents_parse_in_linear_time)
{
    double seq1 = parse_time(20000, 0), seq4 = parse_time(80000, 0);
    double map1 = parse_time(10000, 1), map4 = parse_time(40000, 1);
    printf("    flow sequence 20,000 / 80,000 items: %.3f / %.3f s; mapping 10,000 / 40,000 keys: %.3f / %.3f s\n",
           seq1, seq4, map1, map4);
    CHECK(seq4 < 10 * seq1 + 0.05);
    CHECK(map4 < 10 * map1 + 0.05);
}

TEST(too_many_nodes_and_too_many_bytes)
{
    sbuf b = {0};
    char *big;
    int i;
    sb_puts(&b, "a: [");
    for (i = 0; i < 300000; i++) sb_puts(&b, "1,");
    sb_puts(&b, "1]\n");
    CHECK(refused_with(b.s, "nodes"));
    sb_free(&b);
    big = malloc((size_t)SRC_YAML_MAX_BYTES + 16);
    CHECK(big);
    memset(big, ' ', (size_t)SRC_YAML_MAX_BYTES + 8);
    memcpy(big, "a: b\n", 5);
    big[SRC_YAML_MAX_BYTES + 8] = '\0';
    CHECK(refused_with(big, "larger than"));
    free(big);
}

/* brackets where they are text, not YAML structure: no false alarm */
TEST(brackets_in_text_do_not_count)
{
    sbuf b = {0};
    char why[512];
    src_ydoc d;
    int i;
    sb_puts(&b, "quoted: '");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[{");
    sb_puts(&b, "'\ndouble: \"");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[\\\"");
    sb_puts(&b, "\"\nplain: x");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[[");
    sb_puts(&b, "\nblock: |\n  ");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[");
    sb_puts(&b, "\n  {{{{\nfolded: >-\n");
    for (i = 0; i < 3000; i++) sb_puts(&b, "  [[[[\n");
    sb_puts(&b, "# ");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[");
    sb_puts(&b, "\nmulti: first\n  ");
    for (i = 0; i < 3000; i++) sb_puts(&b, "[");
    sb_puts(&b, "\nend: 1\n");
    CHECK(!b.oom);
    if (src_yaml_parse(b.s, b.len, &d, why, sizeof why) != 0) {
        fprintf(stderr, "  why: %s\n", why);
        CHECK(0);
    }
    CHECK_STR(src_ystr(&d, 0, "end"), "1");
    src_ydoc_free(&d);
    sb_free(&b);
}

/* the flat lane (src_yaml_parse's direct read of "key: value" documents) and
   libyaml's lane give the same tree, byte for byte, or the same refusal */
static int same_tree(const src_ydoc *a, const src_ydoc *b)
{
    size_t i;
    if (a->n != b->n || a->text.len != b->text.len || memcmp(a->text.s, b->text.s, a->text.len) != 0) return 0;
    for (i = 0; i < a->n; i++) {
        const src_ynode *x = &a->v[i], *y = &b->v[i];
        if (x->type != y->type || x->off != y->off || x->len != y->len || x->ival != y->ival ||
            x->int_ok != y->int_ok || x->first != y->first || x->last != y->last || x->next != y->next ||
            x->nchildren != y->nchildren)
            return 0;
    }
    return 1;
}

/* 1 when the flat lane read text and agreed with libyaml's, 0 when it left it to
   libyaml, -1 when they differ (printed) */
static int lanes(const char *text, size_t len)
{
    char why[512];
    src_ydoc a, b;
    int ra = src_yaml_parse_flat(text, len, &a), rb = src_yaml_parse_events(text, len, &b, why, sizeof why), rc;
    rc = ra == 1 ? 0 : ra == 0 && rb == 0 && same_tree(&a, &b) ? 1 : -1;
    if (rc < 0) fprintf(stderr, "  lanes differ (flat %d, libyaml %d) on: %.*s\n", ra, rb, (int)len, text);
    if (ra == 0) src_ydoc_free(&a);
    if (rb == 0) src_ydoc_free(&b);
    return rc;
}

TEST(flat_lane_equals_libyaml)
{
    static const char *const docs[] = {
        "artifact_uri: file:///tmp/m/100/abc/artifacts\nend_time: 1700008890000\nentry_point_name: ''\n"
        "experiment_id: '100'\nlifecycle_stage: active\nrun_id: abc\nrun_name: run-08290\nrun_uuid: abc\n"
        "source_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700008290000\nstatus: 3\ntags: []\n"
        "user_id: user2\n",
        "end_time: null\nexperiment_id: 0\nname: ''\ntags: []\nx: {}\n",
        "a: -\n", "a: x:\n", "a:x\n", "a: 'x''y'\n", "true: 1\n", "a: ~\n", "a: \n", "a:\n", "a:  b\n",
        "a: 1_000\n", "a: -1\n", "a: +1\n", "a: 0o17\n", "a: 0x1F\n", "a: 010\n", "a: 2024-01-02\n",
        "a: 1:30\n", "a: 1.5e3\n", "a: .inf\n", "a: -.inf\n", "a: .NaN\n", "a: yes\n", "a: Off\n", "a: y\n",
        "a: NULL\n", "a: ~x\n", "a: /\n", "a: .\n", "a: ...\n", "a: --\n", "a: x=y@z%\n", "a: a::b\n",
        "a: b\nb: c", "a: b\na: c\n", "a: []\n", "a: {}\n", "a: [ ]\n", "a: ''\n", "a: '\\'\n", "a: 'b\n",
        "a: b # c\n", "a: b\n\n", "a: b\r\n", "a: b\n  c\n", "_a: 1\n", "1a: 2\n", "a: 99999999999999999999\n",
        "a: b\tc\n", "a: 'caf\xc3\xa9'\n", "a: -0b11\n", "a: 190:20:30\n", "a: 1__0\n", "a: !x\n", "a: &x 1\n",
        "---\na: 1\n", "a: 1\n...\n", "a: %x\n", "a: @x\n", "a: `x\n", "a: ?x\n", "a: |\n  x\n",
    };
    char key[1100];
    size_t i, flat = 0;
    int rc;
    for (i = 0; i < sizeof docs / sizeof *docs; i++) {
        CHECK((rc = lanes(docs[i], strlen(docs[i]))) >= 0);
        flat += (size_t)rc;
    }
    fprintf(stderr, "    the flat lane read %zu of %zu documents\n", flat, sizeof docs / sizeof *docs);
    CHECK_EQ(lanes(docs[0], strlen(docs[0])), 1); /* what MLflow writes takes the flat lane */
    CHECK(flat >= 30);
    CHECK_EQ(lanes("a: b\0c\n", 7), 0);
    CHECK_EQ(lanes("a\0: b\n", 6), 0);
    CHECK_EQ(lanes("", 0), 0);
    for (i = 1000; i <= 1026; i += 26) { /* libyaml refuses a simple key longer than 1024 characters */
        memset(key, 'k', i);
        memcpy(key + i, ": v\n", 5);
        CHECK_EQ(lanes(key, strlen(key)), i == 1000);
    }
}

int main(void)
{
    RUN(mlflow3_experiment_and_run);
    RUN(mlflow1_run_meta_with_legacy_keys);
    RUN(pyyaml_types_of_plain_scalars);
    RUN(nested_mappings_and_duplicates);
    RUN(what_mlflow_never_writes_is_refused);
    RUN(deep_flow_mappings_end_fast);
    RUN(deep_flow_sequences_end_fast);
    RUN(deep_block_nesting_is_refused);
    RUN(just_under_the_limit_is_read);
    RUN(deep_and_wide_is_refused_fast);
    RUN(wide_documents_parse_in_linear_time);
    RUN(too_many_nodes_and_too_many_bytes);
    RUN(brackets_in_text_do_not_count);
    RUN(flat_lane_equals_libyaml);
    return mll_test_summary();
}
