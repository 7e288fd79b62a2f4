/* tests/tool_state/test_state.c — the sync state (tools/state.c,
 * tools/state_records.c) on its own:
 *   - every record type survives to_json/from_json and a journal round trip,
 *     including keys that are not valid UTF-8;
 *   - damaged journals of many shapes (not JSON, wrong types, out of range,
 *     torn, a 100 MB line, invalid UTF-8, NUL bytes, unknown kinds, a damaged
 *     or foreign header) are warned about and never crash (defect 8: a field
 *     of the wrong type was a SEGV);
 *   - the file and its lock are 0600 (a wider mode is fixed), are never read
 *     through a link or when owned by someone else, and hold no secret: a
 *     format-1 file named after a DEST with a password is migrated and removed;
 *   - compaction, the lock, --dry-run, the fallback folder, and puts from many
 *     threads at once. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "json.h"
#include "msgs.h"
#include "state.h"
#include "mll_test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

static char root[300];
static FILE *warn_log;                 /* everything warnf printed, per case */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* a fresh folder (as SRC) per case */
static const char *fresh_dir(void)
{
    static char dir[400];
    static int k;
    snprintf(dir, sizeof dir, "%s/c%d", root, k++);
    mkdir(dir, 0700);
    return dir;
}

static void write_bytes(const char *path, const char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(2);
    }
    fclose(f);
}

static const char *warnings(void)
{
    static char buf[1 << 16];
    size_t n;
    fflush(warn_log);
    rewind(warn_log);
    n = fread(buf, 1, sizeof buf - 1, warn_log);
    buf[n] = '\0';
    return buf;
}

static void clear_warnings(void)
{
    fclose(warn_log);
    warn_log = tmpfile();
    msgs_init(warn_log, NULL);
}

static state_opts opts_for(const char *src, const char *dest)
{
    state_opts o;
    memset(&o, 0, sizeof o);
    o.src = src;
    o.dest = dest;
    return o;
}

/* ---- sample records ------------------------------------------------------------------ */

static void sample_run(st_run *r, int i)
{
    char key[64], h[17];
    memset(r, 0, sizeof *r);
    snprintf(key, sizeof key, "remote%02d", i);
    r->remote_id = xstrdup(key);
    r->artifact_uri = xstrdup("mlflow-artifacts:/1/x/artifacts");
    r->remote_exp = xstrdup("17");
    r->name = xstrdup("run \"name\" \xc3\xa9\\");
    r->status = 3;
    r->end_time = 1700000000123LL;
    r->inputs_sent = 2;
    r->outputs_sent = 1;
    hmap_put(&r->metric, "loss", NULL, 123456789012LL, 4567);
    hmap_put(&r->metric, "lat\xe9n\xff", NULL, 5, 2);   /* a Latin-1 file name: not UTF-8 */
    hmap_put(&r->metric, "\x01starts-with-soh", NULL, 7, 3);
    state_value_hash("v", h);
    hmap_put(&r->param_hash, "lr", h, 0, 0);
    hmap_put(&r->tag_hash, "mlflow.runName", h, 0, 0);
    hmap_put(&r->artifact, "dir/model.pkl", "123:1700000000.000000001", 0, 0);
    hmap_put(&r->refused, "metric:loss:12", "INVALID_PARAMETER_VALUE: negative timestamp", 0, 0);
    r->nin_doubt = 2;
    r->in_doubt = calloc(2, sizeof *r->in_doubt);
    r->in_doubt[0].key = xstrdup("loss");
    r->in_doubt[0].from = 10, r->in_doubt[0].to = 20, r->in_doubt[0].from_line = 3;
    r->in_doubt[1].key = xstrdup("acc\xfe");
    r->in_doubt[1].from = 0, r->in_doubt[1].to = 5, r->in_doubt[1].from_line = 1;
}

static int same_map(const hmap *a, const hmap *b)
{
    const hmap_entry *e, *f;
    if (a->live != b->live) return 0;
    HMAP_FOREACH(a, e)
    {
        f = hmap_get(b, e->key);
        if (!f || f->ival != e->ival || f->ival2 != e->ival2) return 0;
        if ((e->sval || f->sval) && (!e->sval || !f->sval || strcmp(e->sval, f->sval))) return 0;
    }
    return 1;
}

static int same_str(const char *a, const char *b) { return (!a && !b) || (a && b && !strcmp(a, b)); }

static int same_run(const st_run *a, const st_run *b)
{
    size_t i;
    if (!same_str(a->remote_id, b->remote_id) || !same_str(a->artifact_uri, b->artifact_uri) ||
        !same_str(a->remote_exp, b->remote_exp) || !same_str(a->name, b->name) || a->status != b->status ||
        a->end_time != b->end_time || a->creating != b->creating || a->inputs_sent != b->inputs_sent ||
        a->outputs_sent != b->outputs_sent || !same_map(&a->metric, &b->metric) ||
        !same_map(&a->param_hash, &b->param_hash) || !same_map(&a->tag_hash, &b->tag_hash) ||
        !same_map(&a->artifact, &b->artifact) || !same_map(&a->refused, &b->refused) || a->nin_doubt != b->nin_doubt)
        return 0;
    for (i = 0; i < a->nin_doubt; i++)
        if (strcmp(a->in_doubt[i].key, b->in_doubt[i].key) || a->in_doubt[i].from != b->in_doubt[i].from ||
            a->in_doubt[i].to != b->in_doubt[i].to || a->in_doubt[i].from_line != b->in_doubt[i].from_line)
            return 0;
    return 1;
}

static void sample_others(st_exp *x, st_model *m, st_version *v, st_logged_model *l)
{
    char h[17];
    state_value_hash("desc", h);
    memset(x, 0, sizeof *x);
    memset(m, 0, sizeof *m);
    memset(v, 0, sizeof *v);
    memset(l, 0, sizeof *l);
    x->remote_id = xstrdup("42");
    x->name = xstrdup("/Users/me/exp \xce\xb1");
    hmap_put(&x->tag_hash, "team", h, 0, 0);
    m->remote_name = xstrdup("model \xff");
    m->desc_hash = xstrdup(h);
    hmap_put(&m->tag_hash, "t", h, 0, 0);
    hmap_put(&m->alias, "champion", "3", 0, 0);
    v->remote_version = xstrdup("3");
    v->marker = xstrdup("src:1");
    v->intent = 1;
    v->stage = xstrdup("Production");
    v->desc_hash = xstrdup(h);
    hmap_put(&v->tag_hash, "k", h, 0, 0);
    l->remote_id = xstrdup("m-0123abcd");
    l->artifact_location = xstrdup("mlflow-artifacts:/1/models/m-0123abcd/artifacts");
    l->finalized = 1;
    l->status = 3; /* FAILED */
    l->metrics_sent = 7;
    l->metrics_doubt = 1;
    hmap_put(&l->metric_lines, "acc", "12", 0, 0);
    hmap_put(&l->param_hash, "lr", h, 0, 0);
    hmap_put(&l->tag_hash, "framework", h, 0, 0);
    hmap_put(&l->artifact, "MLmodel", "10:1.5", 0, 0);
}

static int same_others(const st_exp *x1, const st_exp *x2, const st_model *m1, const st_model *m2,
                       const st_version *v1, const st_version *v2, const st_logged_model *l1, const st_logged_model *l2)
{
    return same_str(x1->remote_id, x2->remote_id) && same_str(x1->name, x2->name) &&
           same_map(&x1->tag_hash, &x2->tag_hash) && same_str(m1->remote_name, m2->remote_name) &&
           same_str(m1->desc_hash, m2->desc_hash) && same_map(&m1->tag_hash, &m2->tag_hash) &&
           same_map(&m1->alias, &m2->alias) && same_str(v1->remote_version, v2->remote_version) &&
           same_str(v1->marker, v2->marker) && v1->intent == v2->intent && same_str(v1->stage, v2->stage) &&
           same_str(v1->desc_hash, v2->desc_hash) && same_map(&v1->tag_hash, &v2->tag_hash) &&
           same_str(l1->remote_id, l2->remote_id) && l1->finalized == l2->finalized && l1->status == l2->status &&
           same_str(l1->artifact_location, l2->artifact_location) &&
           l1->metrics_sent == l2->metrics_sent && l1->metrics_doubt == l2->metrics_doubt &&
           same_map(&l1->metric_lines, &l2->metric_lines) && same_map(&l1->param_hash, &l2->param_hash) &&
           same_map(&l1->tag_hash, &l2->tag_hash) && same_map(&l1->artifact, &l2->artifact);
}

/* ---- round trips ---------------------------------------------------------------------- */

TEST(records_round_trip_through_json)
{
    st_run r, r2;
    st_exp x, x2;
    st_model m, m2;
    st_version v, v2;
    st_logged_model l, l2;
    cJSON *j;
    char *text;
    sample_run(&r, 1);
    j = st_run_to_json(&r);
    CHECK(j != NULL);
    text = cJSON_PrintUnformatted(j);
    CHECK(text && json_utf8_valid(text)); /* odd bytes are encoded, the line stays UTF-8 */
    free(text);
    CHECK_EQ(st_run_from_json(j, &r2), 0);
    cJSON_Delete(j);
    CHECK(same_run(&r, &r2));
    st_run_free(&r2);
    CHECK_EQ(st_run_copy(&r2, &r), 0);
    CHECK(same_run(&r, &r2));
    st_run_free(&r2);
    st_run_free(&r);

    sample_others(&x, &m, &v, &l);
    j = st_exp_to_json(&x);
    CHECK_EQ(st_exp_from_json(j, &x2), 0);
    cJSON_Delete(j);
    j = st_model_to_json(&m);
    CHECK_EQ(st_model_from_json(j, &m2), 0);
    cJSON_Delete(j);
    j = st_version_to_json(&v);
    CHECK_EQ(st_version_from_json(j, &v2), 0);
    cJSON_Delete(j);
    j = st_logged_model_to_json(&l);
    CHECK_EQ(st_logged_model_from_json(j, &l2), 0);
    cJSON_Delete(j);
    CHECK(same_others(&x, &x2, &m, &m2, &v, &v2, &l, &l2));
    st_exp_free(&x), st_exp_free(&x2), st_model_free(&m), st_model_free(&m2);
    st_version_free(&v), st_version_free(&v2), st_logged_model_free(&l), st_logged_model_free(&l2);
}

/* a LoggedModel record written before its status was kept: "final" meant READY */
TEST(logged_model_record_before_status_reads_as_ready)
{
    st_logged_model l;
    cJSON *j = cJSON_Parse("{\"remote\":\"m-1\",\"final\":true,\"a\":{}}");
    CHECK_EQ(st_logged_model_from_json(j, &l), 0);
    CHECK(l.finalized == 1 && l.status == 2 && l.metrics_sent == 0);
    st_logged_model_free(&l);
    cJSON_Delete(j);
    j = cJSON_Parse("{\"remote\":\"m-1\",\"st\":9}");
    CHECK(st_logged_model_from_json(j, &l) != 0); /* no such status: a damaged record */
    cJSON_Delete(j);
    j = cJSON_Parse("{\"remote\":\"m-1\",\"ml\":{\"acc\":\"-3\"}}");
    CHECK(st_logged_model_from_json(j, &l) != 0); /* a line count that is not a count: damaged */
    cJSON_Delete(j);
}

TEST(string_encoding)
{
    char *owned, *d;
    CHECK_STR(st_str_encode("plain \xc3\xa9", &owned), "plain \xc3\xa9");
    CHECK(owned == NULL);
    CHECK_STR(st_str_encode("\xff", &owned), "\x01" "ff");
    free(owned);
    CHECK_STR(st_str_encode("\x01x", &owned), "\x01" "0178");
    free(owned);
    d = st_str_decode("\x01" "0178");
    CHECK_STR(d, "\x01x");
    free(d);
    CHECK(st_str_decode("\x01" "0") == NULL);       /* odd length */
    CHECK(st_str_decode("\x01" "zz") == NULL);      /* not hex */
    CHECK(st_str_decode("\x01" "00") == NULL);      /* a NUL */
    CHECK(st_str_decode("\xc3") == NULL);           /* invalid UTF-8 stored plain */
}

TEST(journal_round_trip_every_kind)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h:5000");
    state *s;
    tool_err e;
    st_run r, r2;
    st_exp x, x2;
    st_model m, m2;
    st_version v, v2;
    st_logged_model l, l2;
    const char *keys[] = {"loss", "new\xfe"};
    long long offs[] = {999, 12};
    long lines[] = {77, 2};
    st_metric_range rg = {(char *)(uintptr_t) "loss", 999, 1500, 77};
    CHECK_EQ(state_open(&s, &o, &e), 0);
    sample_run(&r, 1);
    sample_others(&x, &m, &v, &l);
    CHECK_EQ(state_put_run(s, "run-a", &r, &e), 0);
    CHECK_EQ(state_put_exp(s, "1", &x, &e), 0);
    CHECK_EQ(state_put_model(s, "model \xff", &m, &e), 0);
    CHECK_EQ(state_put_version(s, "model \xff", 3, &v, &e), 0);
    CHECK_EQ(state_put_version(s, "model \xff", 4, &v, &e), 0);
    CHECK_EQ(state_put_logged_model(s, "m-1", &l, &e), 0);
    CHECK_EQ(state_run_intent(s, "run-a", 1, &rg, &e), 0);
    CHECK(state_get_run(s, "run-a", &r2) && r2.nin_doubt == 1);
    st_run_free(&r2);
    CHECK_EQ(state_run_progress(s, "run-a", 2, keys, offs, lines, &e), 0);
    CHECK_EQ(state_run_progress(s, "nosuch", 2, keys, offs, lines, &e), EXIT_STATE);
    CHECK_EQ(state_put_version(s, "m", 0, &v, &e), EXIT_STATE);
    /* what the pass sees in memory ... */
    hmap_put(&r.metric, "loss", NULL, 999, 77);
    hmap_put(&r.metric, "new\xfe", NULL, 12, 2);
    free(r.in_doubt[0].key), free(r.in_doubt[1].key), free(r.in_doubt);
    r.in_doubt = NULL, r.nin_doubt = 0;
    CHECK(state_get_run(s, "run-a", &r2) && same_run(&r, &r2));
    st_run_free(&r2);
    CHECK_EQ(state_close(s, &e), 0);
    /* ... is what the next pass reads */
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK_EQ(state_damaged_lines(s), 0);
    CHECK(state_get_run(s, "run-a", &r2) && same_run(&r, &r2));
    CHECK(state_get_exp(s, "1", &x2) && state_get_model(s, "model \xff", &m2) &&
          state_get_version(s, "model \xff", 3, &v2) && state_get_logged_model(s, "m-1", &l2));
    CHECK(same_others(&x, &x2, &m, &m2, &v, &v2, &l, &l2));
    st_run_free(&r2), st_exp_free(&x2), st_model_free(&m2), st_version_free(&v2), st_logged_model_free(&l2);
    CHECK(!state_get_run(s, "nosuch", &r2) && r2.remote_id == NULL);
    /* drops, a model with its versions */
    CHECK_EQ(state_drop_run(s, "run-a", &e), 0);
    CHECK_EQ(state_drop_model(s, "model \xff", &e), 0);
    CHECK(!state_get_run(s, "run-a", &r2) && !state_get_version(s, "model \xff", 4, &v2));
    CHECK_EQ(state_close(s, &e), 0);
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(!state_get_run(s, "run-a", &r2) && !state_get_model(s, "model \xff", &m2) &&
          !state_get_version(s, "model \xff", 3, &v2) && state_get_exp(s, "1", &x2));
    st_exp_free(&x2);
    CHECK_EQ(state_close(s, &e), 0);
    st_run_free(&r), st_exp_free(&x), st_model_free(&m), st_version_free(&v), st_logged_model_free(&l);
}

/* ---- damaged journals ----------------------------------------------------------------------- */

#define HDR "{\"mlflow_lite_sync\":2,\"dest\":\"http://h\"}\n"
#define RUN_OK(id) "{\"k\":\"run\",\"id\":\"" id "\",\"v\":{\"remote\":\"r" id "\",\"m\":{\"loss\":[10,2]}}}\n"

typedef struct damage_case {
    const char *name;
    const char *text;
    long damaged;
    const char *present, *absent;      /* run ids expected to be known / unknown afterwards */
} damage_case;

static const damage_case damage_cases[] = {
    {"not json", HDR RUN_OK("a") "{not json\n" RUN_OK("b"), 1, "b", NULL},
    {"remote is a number (SEGV before)", HDR RUN_OK("a") "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":5}}\n", 1, NULL, "a"},
    {"status is a string", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"status\":\"FINISHED\"}}\n", 1, NULL, "a"},
    {"status out of range", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"status\":9}}\n", 1, NULL, "a"},
    {"metric map is an array", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"m\":[1,2]}}\n", 1, NULL, "a"},
    {"negative offset", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"m\":{\"l\":[-1,0]}}}\n", 1, NULL, "a"},
    {"fractional offset", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"m\":{\"l\":1.5}}}\n", 1, NULL, "a"},
    {"offset 1e400", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"m\":{\"l\":1e400}}}\n", 1, NULL, "a"},
    {"tag hash not hex", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x\",\"t\":{\"k\":\"zz\"}}}\n", 1, NULL, "a"},
    {"remote id with a space", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"x y\"}}\n", 1, NULL, "a"},
    {"no remote and no intent", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":{}}\n", 1, NULL, "a"},
    {"record is a string", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":\"x\"}\n", 1, NULL, "a"},
    {"no v", HDR RUN_OK("a") "{\"k\":\"run\",\"id\":\"a\"}\n", 1, NULL, "a"},
    {"id is a number", HDR "{\"k\":\"run\",\"id\":7,\"v\":{\"remote\":\"x\"}}\n" RUN_OK("b"), 1, "b", NULL},
    {"unknown kind", HDR "{\"k\":\"future\",\"id\":\"a\",\"v\":{}}\n" RUN_OK("a"), 1, "a", NULL},
    {"no kind", HDR "{\"id\":\"a\"}\n" RUN_OK("a"), 1, "a", NULL},
    {"a JSON array", HDR "[1,2]\n" RUN_OK("a"), 1, "a", NULL},
    {"torn last line", HDR RUN_OK("a") "{\"k\":\"run\",\"id\":\"b\",\"v\":{\"rem", 1, "a", "b"},
    {"last line without newline", HDR RUN_OK("a") "{\"k\":\"run\",\"id\":\"b\",\"v\":{\"remote\":\"x\"}}", 0, "b", NULL},
    {"invalid UTF-8", HDR "{\"k\":\"run\",\"id\":\"a\xff\",\"v\":{\"remote\":\"x\"}}\n" RUN_OK("b"), 1, "b", NULL},
    {"progress of an unknown run", HDR "{\"k\":\"prog\",\"id\":\"zz\",\"m\":[[\"l\",1,1]]}\n" RUN_OK("a"), 1, "a", "zz"},
    {"damaged progress", HDR RUN_OK("a") "{\"k\":\"prog\",\"id\":\"a\",\"m\":[[\"l\",\"x\",1]]}\n", 1, NULL, "a"},
    {"progress not an array", HDR RUN_OK("a") "{\"k\":\"prog\",\"id\":\"a\",\"m\":{}}\n", 1, NULL, "a"},
    {"damaged intent", HDR RUN_OK("a") "{\"k\":\"intent\",\"id\":\"a\",\"doubt\":[[\"l\",5,1,1]]}\n", 1, NULL, "a"},
    {"version 0", HDR "{\"k\":\"ver\",\"id\":\"m\",\"n\":0,\"v\":{\"remote\":\"1\"}}\n" RUN_OK("a"), 1, "a", NULL},
    {"deep nesting", HDR "{\"k\":\"run\",\"id\":\"a\",\"v\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                     "[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}\n"
                     RUN_OK("b"), 1, "b", NULL},
    {"blank lines are fine", HDR "\n\n" RUN_OK("a") "\n", 0, "a", NULL},
    {"damaged header: nothing trusted", "{\"mlflow_lite\":2}\n" RUN_OK("a"), 1, NULL, "a"},
    {"header not json", "garbage\n" RUN_OK("a"), 1, NULL, "a"},
    {"format 1 file", "{\"mlflow_lite_sync\":1,\"dest\":\"http://h\"}\n"
                      "{\"kind\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"ra\",\"m\":{\"loss\":120},\"status\":3}}\n"
                      "{\"kind\":\"reg\",\"id\":\"version:m/1\",\"v\":{\"remote\":\"1\"}}\n"
                      "{\"kind\":\"exp\",\"id\":\"0\",\"v\":{\"remote\":\"5\",\"name\":\"Default\",\"tags\":{}}}\n",
     0, "a", NULL},
};

/* The case's journal in memory (hot records) or in a file (cold records, read
   back from it when asked for; --dry-run, so the file stays as it is). */
static int damage_case_open(const damage_case *c, int in_file, state **s)
{
    char path[600];
    state_opts o = opts_for(fresh_dir(), "http://h");
    tool_err e;
    if (!in_file) return state_open_memory(s, "http://h") || state_parse_journal(*s, c->text, strlen(c->text), &e);
    snprintf(path, sizeof path, "%s/state.jsonl", o.src);
    write_bytes(path, c->text, strlen(c->text));
    chmod(path, 0600);
    o.path = path;
    o.readonly = 1;
    return state_open(s, &o, &e);
}

TEST(damaged_journals_of_many_shapes)
{
    size_t i;
    int in_file;
    for (in_file = 0; in_file < 2; in_file++)
        for (i = 0; i < sizeof damage_cases / sizeof damage_cases[0]; i++) {
            const damage_case *c = &damage_cases[i];
            state *s;
            st_run r;
            tool_err e;
            int ok;
            clear_warnings();
            CHECK_EQ(damage_case_open(c, in_file, &s), 0);
            ok = state_damaged_lines(s) == c->damaged;
            if (c->present) {
                ok = ok && state_get_run(s, c->present, &r);
                st_run_free(&r);
            }
            if (c->absent) ok = ok && !state_get_run(s, c->absent, &r);
            if (c->damaged) ok = ok && strstr(warnings(), in_file ? "state.jsonl:" : "(memory):") != NULL;
            if (!ok)
                fprintf(stderr, "  case '%s' (%s): %ld damaged; warnings: %s\n", c->name, in_file ? "file" : "memory",
                        state_damaged_lines(s), warnings());
            CHECK(ok);
            CHECK_EQ(state_close(s, &e), 0);
        }
}

TEST(format1_metric_offsets_read_as_unknown_line)
{
    const char *text = damage_cases[sizeof damage_cases / sizeof damage_cases[0] - 1].text;
    state *s;
    st_run r;
    st_exp x;
    tool_err e;
    const hmap_entry *m;
    CHECK_EQ(state_open_memory(&s, "http://h"), 0);
    CHECK_EQ(state_parse_journal(s, text, strlen(text), &e), 0);
    CHECK(state_get_run(s, "a", &r));
    m = hmap_get(&r.metric, "loss");
    CHECK(m && m->ival == 120 && m->ival2 == 0 && r.status == 3 && r.end_time == -1);
    st_run_free(&r);
    CHECK(state_get_exp(s, "0", &x) && !strcmp(x.remote_id, "5"));
    st_exp_free(&x);
    state_close(s, &e);
}

TEST(foreign_or_newer_header_is_an_error)
{
    static const char other[] = "{\"mlflow_lite_sync\":2,\"dest\":\"http://other\"}\n";
    static const char newer[] = "{\"mlflow_lite_sync\":3,\"dest\":\"http://h\"}\n";
    state *s;
    tool_err e;
    CHECK_EQ(state_open_memory(&s, "http://h"), 0);
    CHECK_EQ(state_parse_journal(s, other, sizeof other - 1, &e), EXIT_STATE);
    CHECK(strstr(e.why, "another destination") != NULL);
    state_close(s, &e);
    CHECK_EQ(state_open_memory(&s, "http://h"), 0);
    CHECK_EQ(state_parse_journal(s, newer, sizeof newer - 1, &e), EXIT_STATE);
    CHECK(strstr(e.why, "newer") != NULL);
    state_close(s, &e);
}

TEST(a_100mb_line_is_skipped)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    char path[600];
    size_t big = 100u << 20, n;
    char *buf = malloc(big + 1024);
    state *s;
    tool_err e;
    st_run r;
    CHECK(buf != NULL);
    n = (size_t)snprintf(buf, 1024, "%s", HDR RUN_OK("a"));
    memset(buf + n, 'x', big);
    n += big;
    n += (size_t)snprintf(buf + n, 1024, "\n%s", RUN_OK("b"));
    o.path = path;
    snprintf(path, sizeof path, "%s/state.jsonl", src);
    write_bytes(path, buf, n);
    free(buf);
    clear_warnings();
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK_EQ(state_damaged_lines(s), 1);
    CHECK(strstr(warnings(), "state.jsonl:3: a line longer than 64 MiB") != NULL);
    CHECK(state_get_run(s, "a", &r));
    st_run_free(&r);
    CHECK(state_get_run(s, "b", &r));
    st_run_free(&r);
    CHECK_EQ(state_close(s, &e), 0); /* compacted: the long line is gone */
    CHECK(mll_test_exists(path));
    {
        struct stat st;
        CHECK(stat(path, &st) == 0 && st.st_size < 4096);
    }
}

/* ---- files ------------------------------------------------------------------------------------- */

static char *find_state_file(const char *dir)
{
    static char path[700];
    DIR *d = opendir(dir);
    struct dirent *de;
    path[0] = '\0';
    while (d && (de = readdir(d)) != NULL)
        if (!strncmp(de->d_name, ".mlflow-lite-sync-", 18) && strstr(de->d_name, ".jsonl") &&
            !strstr(de->d_name, ".lock"))
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    if (d) closedir(d);
    return path[0] ? path : NULL;
}

TEST(files_are_0600_and_wider_modes_are_fixed)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s;
    tool_err e;
    struct stat st;
    char *path, lock[800];
    mode_t old = umask(0);
    CHECK_EQ(state_open(&s, &o, &e), 0);
    umask(old);
    path = find_state_file(src);
    CHECK(path != NULL);
    snprintf(lock, sizeof lock, "%s.lock", path);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(lock, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_EQ(state_close(s, &e), 0);
    chmod(path, 0644);
    chmod(lock, 0666);
    clear_warnings();
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(stat(lock, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK(strstr(warnings(), "was readable by others (mode 0644): set to 0600") != NULL);
    CHECK_EQ(state_close(s, &e), 0);
}

TEST(links_and_foreign_files_are_refused)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s;
    tool_err e;
    char path[600], target[600];
    snprintf(path, sizeof path, "%s/state.jsonl", src);
    snprintf(target, sizeof target, "%s/victim", src);
    write_bytes(target, "precious\n", 9);
    CHECK(symlink(target, path) == 0);
    o.path = path;
    CHECK_EQ(state_open(&s, &o, &e), EXIT_STATE);
    CHECK(strstr(e.why, "symbolic link") != NULL);
    CHECK_STR(mll_test_read(target, NULL), "precious\n");
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0); /* a FIFO must not make the open hang */
    CHECK_EQ(state_open(&s, &o, &e), EXIT_STATE);
    CHECK(strstr(e.why, "not a regular file") != NULL);
    o.readonly = 1;
    CHECK_EQ(state_open(&s, &o, &e), EXIT_STATE);
    o.readonly = 0;
    unlink(path);
    if (geteuid() == 0) { /* a file someone else owns (only root can make one here) */
        write_bytes(path, HDR RUN_OK("a"), strlen(HDR RUN_OK("a")));
        CHECK(chown(path, 4242, 4242) == 0);
        CHECK_EQ(state_open(&s, &o, &e), EXIT_STATE);
        CHECK(strstr(e.why, "owned by uid 4242") != NULL);
    }
}

TEST(the_lock_allows_one_sync_and_dry_run_writes_nothing)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s, *s2;
    tool_err e;
    st_run r;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK_EQ(state_open(&s2, &o, &e), EXIT_STATE);
    CHECK(strstr(e.why, "another mlflow-lite sync") != NULL);
    o.readonly = 1; /* --dry-run takes no lock */
    CHECK_EQ(state_open(&s2, &o, &e), 0);
    sample_run(&r, 1);
    CHECK_EQ(state_put_run(s2, "x", &r, &e), 0);
    CHECK_EQ(state_close(s2, &e), 0);
    CHECK_EQ(state_close(s, &e), 0);
    st_run_free(&r);
    o.readonly = 0;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(!state_get_run(s, "x", &r));
    CHECK_EQ(state_close(s, &e), 0);
    {
        const char *dir = fresh_dir();
        o = opts_for(dir, "http://h");
        o.readonly = 1;
        CHECK_EQ(state_open(&s, &o, &e), 0);
        CHECK_EQ(state_close(s, &e), 0);
        CHECK_EQ(mll_test_count_tree(dir), 0);
    }
}

/* SRC that even root cannot write: immutable (root) or mode 0555 (others) */
static int make_unwritable(const char *dir, int on)
{
    int fd, flags, rc;
    if (geteuid() != 0) return chmod(dir, on ? 0555 : 0755);
    fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) return -1;
    flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
    rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
    close(fd);
    return rc;
}

TEST(fallback_folder_when_src_is_not_writable)
{
    const char *src0 = fresh_dir();
    char src[600], sdir[600];
    state_opts o;
    state *s;
    tool_err e;
    snprintf(src, sizeof src, "%s", src0);
    snprintf(sdir, sizeof sdir, "%s/xdg/mlflow-lite", fresh_dir());
    CHECK(make_unwritable(src, 1) == 0);
    o = opts_for(src, "http://h");
    CHECK_EQ(state_open(&s, &o, &e), EXIT_STATE); /* no state_dir: an error naming SRC */
    CHECK(strstr(e.why, "not writable") != NULL);
    o.state_dir = sdir;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(strncmp(state_path(s), sdir, strlen(sdir)) == 0);
    CHECK_EQ(state_close(s, &e), 0);
    CHECK(make_unwritable(src, 0) == 0);
    CHECK_EQ(mll_test_count_tree(src), 0);
}

TEST(no_secret_and_format1_file_migrated)
{
    const char *src = fresh_dir();
    const char *raw = "http://alice:pw-s3cr3t@h:5000/";
    char legacy[700], text[1024], *path, lock[800];
    state_opts o = opts_for(src, "http://h:5000");
    state *s;
    tool_err e;
    st_run r;
    size_t n;
    snprintf(legacy, sizeof legacy, "%s/.mlflow-lite-sync-%016llx.jsonl", src,
             (unsigned long long)fnv1a64(raw, strlen(raw), FNV_SEED));
    n = (size_t)snprintf(text, sizeof text,
                         "{\"mlflow_lite_sync\":1,\"dest\":\"%s\"}\n"
                         "{\"kind\":\"run\",\"id\":\"a\",\"v\":{\"remote\":\"ra\",\"m\":{\"loss\":120}}}\n", raw);
    write_bytes(legacy, text, n);
    chmod(legacy, 0644);
    o.legacy_dest = raw;
    o.readonly = 1; /* --dry-run sees the old records and changes nothing */
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(state_get_run(s, "a", &r));
    st_run_free(&r);
    CHECK_EQ(state_close(s, &e), 0);
    CHECK(mll_test_exists(legacy) && find_state_file(src) && !strcmp(find_state_file(src), legacy));
    o.readonly = 0;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    CHECK(strstr(state_path(s), "s3cr3t") == NULL);
    CHECK(state_get_run(s, "a", &r));
    st_run_free(&r);
    CHECK_EQ(state_close(s, &e), 0);
    CHECK(!mll_test_exists(legacy)); /* the file that held the password is gone */
    path = find_state_file(src);
    CHECK(path && strcmp(path, legacy) != 0);
    CHECK(strstr(mll_test_read(path, NULL), "s3cr3t") == NULL);
    CHECK(strstr(mll_test_read(path, NULL), "\"dest\":\"http://h:5000\"") != NULL);
    snprintf(lock, sizeof lock, "%s.lock", path);
    CHECK(strstr(path, "s3cr3t") == NULL && mll_test_exists(lock));
    CHECK_EQ(state_open(&s, &o, &e), 0); /* and the migrated record is there */
    CHECK(state_get_run(s, "a", &r));
    st_run_free(&r);
    CHECK_EQ(state_close(s, &e), 0);
}

TEST(compaction_folds_the_journal)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s;
    tool_err e;
    st_run r;
    int i;
    char *path, *text;
    const char *key = "loss";
    long long off;
    long line;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    sample_run(&r, 1);
    for (i = 0; i < 50; i++) CHECK_EQ(state_put_run(s, "a", &r, &e), 0);
    for (i = 0; i < 200; i++) {
        off = i * 10, line = i + 1;
        CHECK_EQ(state_run_progress(s, "a", 1, &key, &off, &line, &e), 0);
    }
    path = find_state_file(src);
    text = strdup(mll_test_read(path, NULL));
    CHECK(text != NULL);
    {
        size_t nl = 0;
        char *p;
        for (p = text; *p; p++) nl += *p == '\n';
        CHECK_EQ(nl, 1 + 50 + 200);
    }
    free(text);
    CHECK_EQ(state_close(s, &e), 0);
    {
        size_t nl = 0;
        const char *p;
        for (p = mll_test_read(path, NULL); *p; p++) nl += *p == '\n';
        CHECK_EQ(nl, 2);
    }
    CHECK_EQ(state_open(&s, &o, &e), 0);
    st_run_free(&r);
    CHECK(state_get_run(s, "a", &r));
    CHECK(hmap_get(&r.metric, "loss")->ival == 1990 && hmap_get(&r.metric, "loss")->ival2 == 200 && r.nin_doubt == 0);
    st_run_free(&r);
    CHECK_EQ(state_close(s, &e), 0);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* A record is read back from the journal when asked for: a journal cut short
   under the lock makes it unknown (checked with the server), and the file is
   then not compacted (what it holds is not ours to drop). */
TEST(a_record_that_no_longer_reads_back_is_unknown)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s;
    tool_err e;
    st_run r;
    long long cut;
    char *path;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    sample_run(&r, 1);
    CHECK_EQ(state_put_run(s, "a", &r, &e), 0);
    st_run_free(&r);
    path = find_state_file(src);
    cut = (long long)strlen(HDR) - 1; /* the header ends at "\"http://h\"}" */
    CHECK(truncate(path, (off_t)cut) == 0);
    clear_warnings();
    CHECK(!state_get_run(s, "a", &r));
    CHECK(strstr(warnings(), "the run record of 'a' could not be read back") != NULL);
    CHECK_EQ(state_close(s, &e), EXIT_STATE);
    CHECK(strstr(e.why, "no longer reads back") != NULL);
    CHECK_EQ(file_size(path), cut);
}

/* A journal that ends inside a line (a crash tore the last write): the next
   line is appended on a line of its own, so that if this pass is killed
   before its compaction, the next one still reads it (glued to the torn
   line, both would be damaged). */
TEST(a_line_after_a_torn_one_starts_on_its_own)
{
    static const char torn[] = HDR RUN_OK("a") "{\"k\":\"run\",\"id\":\"b\",\"v\":{\"rem";
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s, *after;
    tool_err e;
    st_run r;
    char path[600], *text;
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "%s/state.jsonl", src);
    write_bytes(path, torn, strlen(torn));
    chmod(path, 0600);
    o.path = path;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    sample_run(&r, 1);
    CHECK_EQ(state_put_run(s, "c", &r, &e), 0);
    st_run_free(&r);
    /* as the next pass would read it had this one been killed now */
    text = malloc(1 << 16);
    CHECK(text != NULL && (f = fopen(path, "rb")) != NULL);
    n = fread(text, 1, (1 << 16) - 1, f);
    fclose(f);
    CHECK_EQ(state_open_memory(&after, "http://h"), 0);
    CHECK_EQ(state_parse_journal(after, text, n, &e), 0);
    CHECK_EQ(state_damaged_lines(after), 1); /* the torn line alone */
    CHECK(state_get_run(after, "a", &r));
    st_run_free(&r);
    CHECK(state_get_run(after, "c", &r));
    st_run_free(&r);
    CHECK_EQ(state_close(after, &e), 0);
    free(text);
    CHECK_EQ(state_close(s, &e), 0);
}

/* ---- memory: a pass holds an index, not the records --------------------------------------- */

/* Bytes the allocator has handed out and not taken back: ASan's count under
   ASan and memcheck's under valgrind (each replaces malloc), else glibc's,
   over all arenas. */
#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define MLL_TEST_MEMCHECK 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MLL_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLL_TEST_ASAN 1
#endif
#endif
#ifdef MLL_TEST_ASAN
size_t __sanitizer_get_current_allocated_bytes(void); /* the ASan runtime's (gcc ships no header for it) */
static long long heap_in_use(void) { return (long long)__sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
static long long heap_in_use(void)
{
    struct mallinfo2 mi;
#ifdef MLL_TEST_MEMCHECK
    if (RUNNING_ON_VALGRIND) {
        unsigned long leaked = 0, dubious = 0, reachable = 0, suppressed = 0;
        VALGRIND_DO_QUICK_LEAK_CHECK;
        VALGRIND_COUNT_LEAKS(leaked, dubious, reachable, suppressed);
        return (long long)(leaked + dubious + reachable + suppressed);
    }
#endif
    mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}
#endif

enum { MEM_RUNS = 3000 };

/* A run as bench/sync_noop_bench.py makes them: 10 metric keys, 2 params, a tag. */
static void bench_run(st_run *r, int i)
{
    char key[40], h[17];
    int k;
    memset(r, 0, sizeof *r);
    snprintf(key, sizeof key, "%032x", i + 1);
    r->remote_id = xstrdup(key);
    r->artifact_uri = xstrdup("mlflow-artifacts:/1/0123456789abcdef0123456789abcdef/artifacts");
    r->remote_exp = xstrdup("1");
    r->name = xstrdup("noop-1234");
    r->status = 3;
    r->end_time = 1700001000000LL;
    for (k = 0; k < 10; k++) {
        snprintf(key, sizeof key, "m%05d", k);
        hmap_put(&r->metric, key, NULL, 20, 2);
    }
    state_value_hash("v", h);
    hmap_put(&r->param_hash, "i", h, 0, 0);
    hmap_put(&r->param_hash, "seed", h, 0, 0);
    hmap_put(&r->tag_hash, "mlflow.runName", h, 0, 0);
}

/* Every record read and put back, as a pass that changes each run does. */
static int touch_every_run(state *s)
{
    int i, bad = 0;
    for (i = 0; i < MEM_RUNS; i++) {
        char id[40];
        st_run r;
        tool_err e;
        snprintf(id, sizeof id, "%032x", i);
        bad += !state_get_run(s, id, &r) || state_put_run(s, id, &r, &e) != 0;
        st_run_free(&r);
    }
    return bad;
}

/* Issue 15: a sync's memory must not grow with the runs beyond the state's
   size. Records held parsed cost ~3 KiB a run here against ~0.5 KiB in the
   file; an index of where they are costs a small part of the file. */
TEST(a_pass_holds_an_index_not_the_records)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    state *s;
    tool_err e;
    st_run r;
    long long size, before, opened, touched, seen;
    int i;
    char *probe;
    CHECK_EQ(state_open(&s, &o, &e), 0);
    for (i = 0; i < MEM_RUNS; i++) {
        char id[40];
        snprintf(id, sizeof id, "%032x", i);
        bench_run(&r, i);
        CHECK_EQ(state_put_run(s, id, &r, &e), 0);
        st_run_free(&r);
    }
    CHECK_EQ(state_close(s, &e), 0);
    size = file_size(find_state_file(src));
    before = heap_in_use();
    probe = malloc(1 << 16); /* the meter sees what is allocated */
    seen = heap_in_use() - before;
    free(probe);
    CHECK(probe && seen >= 1 << 16);
    CHECK_EQ(state_open(&s, &o, &e), 0);
    opened = heap_in_use() - before;
    CHECK_EQ(touch_every_run(s), 0);
    touched = heap_in_use() - before;
    CHECK_EQ(state_close(s, &e), 0);
    fprintf(stderr, "  journal %lld bytes (%d runs); in memory: %lld bytes opened, %lld after a pass\n", size,
            MEM_RUNS, opened, touched);
    CHECK(size > 400LL * MEM_RUNS);
    CHECK(opened * 4 <= size);
    CHECK(touched * 4 <= size);
}

/* ---- threads ------------------------------------------------------------------------------------ */

enum { NTHREADS = 8, NPUTS = 300 };
static state *shared;

static void *writer(void *arg)
{
    int t = (int)(intptr_t)arg, i;
    for (i = 0; i < NPUTS; i++) {
        st_run r;
        char id[32];
        const char *key = "loss";
        long long off = i;
        long line = i + 1;
        tool_err e;
        sample_run(&r, t);
        snprintf(id, sizeof id, "t%d-r%d", t, i);
        if (state_put_run(shared, id, &r, &e) != 0 || state_run_progress(shared, id, 1, &key, &off, &line, &e) != 0)
            return (void *)1;
        st_run_free(&r);
        if (state_get_run(shared, id, &r)) st_run_free(&r);
    }
    return NULL;
}

TEST(puts_from_many_threads)
{
    const char *src = fresh_dir();
    state_opts o = opts_for(src, "http://h");
    pthread_t th[NTHREADS];
    tool_err e;
    st_run r;
    int t, i, bad = 0;
    CHECK_EQ(state_open(&shared, &o, &e), 0);
    for (t = 0; t < NTHREADS; t++) pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t);
    for (t = 0; t < NTHREADS; t++) {
        void *rv;
        pthread_join(th[t], &rv);
        bad += rv != NULL;
    }
    CHECK_EQ(bad, 0);
    /* reopen the uncompacted journal: every line whole */
    {
        state *s2;
        char *path = find_state_file(src);
        const char *text = mll_test_read(path, NULL);
        CHECK_EQ(state_open_memory(&s2, "http://h"), 0);
        CHECK_EQ(state_parse_journal(s2, text, strlen(text), &e), 0);
        CHECK_EQ(state_damaged_lines(s2), 0);
        state_close(s2, &e);
    }
    CHECK_EQ(state_close(shared, &e), 0);
    CHECK_EQ(state_open(&shared, &o, &e), 0);
    for (t = 0; t < NTHREADS; t++)
        for (i = 0; i < NPUTS; i++) {
            char id[32];
            snprintf(id, sizeof id, "t%d-r%d", t, i);
            CHECK(state_get_run(shared, id, &r));
            CHECK(hmap_get(&r.metric, "loss")->ival == i);
            st_run_free(&r);
        }
    CHECK_EQ(state_close(shared, &e), 0);
}

int main(void)
{
    snprintf(root, sizeof root, "%.250s", mll_test_tmpdir()); /* bounded: paths below it fit */
    warn_log = tmpfile();
    msgs_init(warn_log, NULL);
    RUN(records_round_trip_through_json);
    RUN(logged_model_record_before_status_reads_as_ready);
    RUN(string_encoding);
    RUN(journal_round_trip_every_kind);
    RUN(damaged_journals_of_many_shapes);
    RUN(a_line_after_a_torn_one_starts_on_its_own);
    RUN(format1_metric_offsets_read_as_unknown_line);
    RUN(foreign_or_newer_header_is_an_error);
    RUN(a_100mb_line_is_skipped);
    RUN(files_are_0600_and_wider_modes_are_fixed);
    RUN(links_and_foreign_files_are_refused);
    RUN(the_lock_allows_one_sync_and_dry_run_writes_nothing);
    RUN(fallback_folder_when_src_is_not_writable);
    RUN(no_secret_and_format1_file_migrated);
    RUN(compaction_folds_the_journal);
    RUN(a_record_that_no_longer_reads_back_is_unknown);
    RUN(a_pass_holds_an_index_not_the_records);
    RUN(puts_from_many_threads);
    msgs_init(NULL, NULL);
    fclose(warn_log);
    nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return mll_test_summary();
}
