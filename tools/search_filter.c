/* tools/search_filter.c — MLflow's checks on a grouped filter (search_lex.c) and
 * on an order-by string: SearchUtils._process_statement, _get_comparison,
 * _get_identifier, _get_value, _strip_quotes, _parse_list_from_sql_token and
 * _parse_order_by_string of MLflow 3.18, with the texts of its messages. The
 * comparator checks MLflow makes when it evaluates a run (is_metric, is_param,
 * ...) are made here at once. See search_filter.h. */
#include "search_filter.h"
#include "search_int.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int fail(char *err, size_t errn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(char *err, size_t errn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errn) vsnprintf(err, errn, fmt, ap);
    va_end(ap);
    return -1;
}

static char *dup_span(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* ---- names ----------------------------------------------------------------------------- */

const char *sf_kind_name(int kind)
{
    static const char *const names[] = {"", "metric", "parameter", "tag", "attribute", "dataset"};
    return kind >= SF_METRIC && kind <= SF_DATASET ? names[kind] : "";
}

static const char *const attr_names[] = {"", "run_id", "run_name", "status", "user_id", "artifact_uri", "start_time",
                                         "end_time"};

const char *sf_attr_name(int attr) { return attr > SF_A_NONE && attr <= SF_A_END_TIME ? attr_names[attr] : ""; }

const char *sf_op_name(int op)
{
    static const char *const names[] = {"", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN",
                                        "IS NULL", "IS NOT NULL"};
    return op >= SF_EQ && op <= SF_NOT_NULL ? names[op] : "";
}

/* ---- MLflow's string helpers ---------------------------------------------------------- */

static int is_quoted(const char *v, size_t n, char q) { return n >= 2 && v[0] == q && v[n - 1] == q; }

/* _trim_backticks: the span without one pair of surrounding backquotes */
static void trim_backticks(const char **v, size_t *n)
{
    if (is_quoted(*v, *n, '`')) (*v)++, *n -= 2;
}

/* _strip_quotes: without one pair of ' or "; when expect_quoted and not quoted, -1 */
static int strip_quotes(const char **v, size_t *n, int expect_quoted)
{
    if (is_quoted(*v, *n, '\'') || is_quoted(*v, *n, '"')) {
        (*v)++, *n -= 2;
        return 0;
    }
    return expect_quoted ? -1 : 0;
}

/* ---- identifiers: entity type and key ------------------------------------------------- */

static int entity_kind(const char *e, size_t n)
{
    static const struct { const char *name; int kind; } v[] = {
        {"metric", SF_METRIC},   {"metrics", SF_METRIC},     {"parameter", SF_PARAM}, {"parameters", SF_PARAM},
        {"param", SF_PARAM},     {"params", SF_PARAM},       {"tag", SF_TAG},         {"tags", SF_TAG},
        {"attribute", SF_ATTR},  {"attr", SF_ATTR},          {"attributes", SF_ATTR}, {"run", SF_ATTR},
        {"dataset", SF_DATASET}, {"datasets", SF_DATASET}};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strlen(v[i].name) == n && !memcmp(v[i].name, e, n)) return v[i].kind;
    return 0;
}

/* an attribute key as written (aliases included) -> sf_attr; for_order: the order-by set */
static int attr_of(const char *k, size_t n, int for_order)
{
    static const struct { const char *name; int attr; int search_only; } v[] = {
        {"run_id", SF_A_RUN_ID, 0},         {"run_name", SF_A_RUN_NAME, 0},     {"status", SF_A_STATUS, 0},
        {"user_id", SF_A_USER_ID, 0},       {"artifact_uri", SF_A_ARTIFACT_URI, 0},
        {"start_time", SF_A_START_TIME, 0}, {"end_time", SF_A_END_TIME, 0},     {"created", SF_A_START_TIME, 0},
        {"Created", SF_A_START_TIME, 0},    {"run name", SF_A_RUN_NAME, 1},     {"Run name", SF_A_RUN_NAME, 1},
        {"Run Name", SF_A_RUN_NAME, 1}};
    size_t i;
    for (i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strlen(v[i].name) == n && !memcmp(v[i].name, k, n) && !(for_order && v[i].search_only)) return v[i].attr;
    return SF_A_NONE;
}

static int dataset_key(const char *k, size_t n)
{
    if (n == 4 && !memcmp(k, "name", 4)) return SF_DS_NAME;
    if (n == 6 && !memcmp(k, "digest", 6)) return SF_DS_DIGEST;
    if (n == 7 && !memcmp(k, "context", 7)) return SF_DS_CONTEXT;
    return 0;
}

static const char search_attrs_text[] =
    "{'artifact_uri', 'created', 'Created', 'end_time', 'run name', 'Run name', 'Run Name', 'run_id', 'run_name', "
    "'start_time', 'status', 'user_id'}";
static const char order_attrs_text[] =
    "{'artifact_uri', 'created', 'Created', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id'}";

/* _get_identifier: "<entity>.<key>" or a bare attribute name. Fills kind, key, attr. */
static int get_identifier(const char *id, size_t n, int for_order, int *kind, char **key, int *attr, char *err,
                          size_t errn)
{
    const char *dot = memchr(id, '.', n), *e = id, *k = id;
    size_t en = dot ? (size_t)(dot - id) : 0, kn = n;
    *key = NULL;
    *attr = SF_A_NONE;
    if (dot) {
        k = dot + 1;
        kn = n - en - 1;
        trim_backticks(&e, &en);
        if (!(*kind = entity_kind(e, en)))
            return fail(err, errn, "Invalid entity type '%.*s'. Valid values are ['metric', 'parameter', 'tag', "
                        "'attribute', 'dataset']", (int)en, e);
    } else
        *kind = SF_ATTR;
    strip_quotes(&k, &kn, 0);
    trim_backticks(&k, &kn);
    if (*kind == SF_ATTR && !(*attr = attr_of(k, kn, for_order)))
        return fail(err, errn, "Invalid attribute key '%.*s' specified. Valid keys are '%s'", (int)kn, k,
                    for_order ? order_attrs_text : search_attrs_text);
    if (*kind == SF_DATASET && !(*attr = dataset_key(k, kn)))
        return fail(err, errn, "Invalid dataset key '%.*s' specified. Valid keys are '{'name', 'digest', "
                    "'context'}'", (int)kn, k);
    *key = *kind == SF_ATTR ? dup_span(sf_attr_name(*attr), strlen(sf_attr_name(*attr))) : dup_span(k, kn);
    return *key ? 0 : fail(err, errn, "out of memory");
}

/* ---- IN lists: ast.literal_eval of the parenthesis, strings only ---------------------------- */

typedef struct pylit {
    const char *s;
    size_t i, n;
    int depth;
    int bad_type;                      /* a well-formed element that is not a string */
} pylit;

static void lit_ws(pylit *p)
{
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '\\' && p->i + 1 < p->n && p->s[p->i + 1] == '\n') p->i += 2; /* a continued line */
        else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') p->i++;
        else break;
    }
}

static void put_utf8(sbuf *b, unsigned long c)
{
    char u[4];
    size_t k;
    if (c < 0x80) u[0] = (char)c, k = 1;
    else if (c < 0x800) u[0] = (char)(0xC0 | (c >> 6)), u[1] = (char)(0x80 | (c & 0x3F)), k = 2;
    else if (c < 0x10000)
        u[0] = (char)(0xE0 | (c >> 12)), u[1] = (char)(0x80 | ((c >> 6) & 0x3F)), u[2] = (char)(0x80 | (c & 0x3F)), k = 3;
    else
        u[0] = (char)(0xF0 | (c >> 18)), u[1] = (char)(0x80 | ((c >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F)), u[3] = (char)(0x80 | (c & 0x3F)), k = 4;
    sb_add(b, u, k);
}

/* one backslash escape of a str literal at p->i (after the backslash); -1 when Python refuses it */
static int lit_escape(pylit *p, sbuf *b)
{
    static const char from[] = "\\'\"abfnrtv", to[] = "\\'\"\a\b\f\n\r\t\v";
    char c = p->s[p->i], *f = strchr(from, c);
    unsigned long v = 0;
    size_t k, want;
    if (c && f) return sb_add(b, &to[f - from], 1), p->i++, 0;
    if (c == '\n') return p->i++, 0;
    if (c >= '0' && c <= '7') {
        for (k = 0; k < 3 && p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '7'; k++) v = v * 8 + (unsigned long)(p->s[p->i++] - '0');
        return put_utf8(b, v), 0;
    }
    want = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (!want) return sb_add(b, "\\", 1), 0; /* unknown escapes keep their backslash */
    for (p->i++, k = 0; k < want; k++, p->i++) {
        char h = p->i < p->n ? p->s[p->i] : 0;
        int d = h >= '0' && h <= '9' ? h - '0' : (h | 0x20) >= 'a' && (h | 0x20) <= 'f' ? (h | 0x20) - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + (unsigned long)d;
    }
    return v > 0x10FFFF ? -1 : (put_utf8(b, v), 0);
}

/* a string literal ([rRuU]? '...' "..." '''...''' """...""") at p->i; 1 read, 0 none, -1 ill-formed */
static int lit_string(pylit *p, sbuf *b)
{
    size_t i = p->i;
    int raw = 0, triple;
    char q;
    if (i < p->n && strchr("rRuU", p->s[i])) raw = (p->s[i++] | 0x20) == 'r';
    if (i >= p->n || (p->s[i] != '\'' && p->s[i] != '"')) return 0;
    q = p->s[i];
    triple = i + 2 < p->n && p->s[i + 1] == q && p->s[i + 2] == q;
    for (p->i = i + (triple ? 3 : 1); p->i < p->n;) {
        char c = p->s[p->i];
        if (c == q && (!triple || (p->i + 2 < p->n && p->s[p->i + 1] == q && p->s[p->i + 2] == q)))
            return p->i += triple ? 3 : 1, 1;
        if (c == '\n' && !triple) return -1;
        if (c == '\\' && raw && p->i + 1 < p->n) sb_add(b, p->s + p->i, 2), p->i += 2;
        else if (c == '\\' && !raw) {
            p->i++;
            if (lit_escape(p, b) != 0) return -1;
        } else
            sb_add(b, &c, 1), p->i++;
    }
    return -1;
}

static int lit_tuple(pylit *p, char ***list, size_t *n, int *is_tuple);

/* one element: adjacent string literals (concatenated), a parenthesised element, or something
   else that is well-formed but not a string (numbers, names, lists: bad_type). -1 ill-formed */
static int lit_element(pylit *p, char **out)
{
    sbuf b = {0};
    int r, got = 0;
    *out = NULL;
    while ((r = lit_string(p, &b)) == 1) got = 1, lit_ws(p);
    if (r < 0) return sb_free(&b), -1;
    if (got) return (*out = b.s ? b.s : dup_span("", 0)) ? 0 : -1;
    sb_free(&b);
    if (p->i < p->n && p->s[p->i] == '(') {
        char **inner = NULL;
        size_t ni = 0, k;
        int is_tuple = 0, rc = lit_tuple(p, &inner, &ni, &is_tuple);
        if (rc == 0 && !is_tuple && ni == 1) *out = inner[0], ni = 0;
        else if (rc == 0) p->bad_type = 1;
        for (k = 0; k < ni; k++) free(inner[k]); /* an ill-formed inner tuple may hold strings too */
        free(inner);
        return rc;
    }
    while (p->i < p->n && p->s[p->i] && (isalnum((unsigned char)p->s[p->i]) || strchr("_.+-", p->s[p->i])))
        p->i++, got = 1;
    if (got) p->bad_type = 1;
    return got ? 0 : -1;
}

/* '(' [element (',' element)* [',']] ')': the strings; is_tuple unless it is one element without a comma */
static int lit_tuple(pylit *p, char ***list, size_t *n, int *is_tuple)
{
    int comma = 0;
    if (++p->depth > 32 || p->i >= p->n || p->s[p->i] != '(') return -1;
    p->i++;
    for (lit_ws(p); p->i < p->n && p->s[p->i] != ')';) {
        char *el, **nv;
        if (*n && !comma) return -1;
        if (lit_element(p, &el) != 0) return -1;
        if (el) {
            if (!(nv = realloc(*list, (*n + 1) * sizeof *nv))) return free(el), -1;
            *list = nv;
            nv[(*n)++] = el;
        }
        lit_ws(p);
        comma = p->i < p->n && p->s[p->i] == ',';
        if (comma) p->i++, lit_ws(p);
        *is_tuple |= comma;
    }
    if (p->i >= p->n) return -1;
    p->i++;
    p->depth--;
    *is_tuple |= *n == 0 && !p->bad_type;
    return 0;
}

/* _parse_list_from_sql_token: the strings of "('a', 'b')" */
static int parse_list(const char *s, size_t n, sf_clause *c, char *err, size_t errn)
{
    pylit p = {s, 0, n, 0, 0};
    int is_tuple = 0, rc = lit_tuple(&p, &c->list, &c->nlist, &is_tuple);
    if (rc == 0) lit_ws(&p);
    if (rc != 0 || p.i != n)
        return fail(err, errn, "While parsing a list in the query, expected a non-empty list of string values, but "
                    "got ill-formed list.");
    if (c->nlist == 0 && !p.bad_type)
        return fail(err, errn, "While parsing a list in the query, expected a non-empty list of string values, but "
                    "got empty list");
    if (p.bad_type)
        return fail(err, errn, "While parsing a list in the query, expected string value, punctuation, or whitespace, "
                    "but got different type in list: %.*s", (int)n, s);
    return 0;
}

/* ---- one comparison ------------------------------------------------------------------------ */

static int is_string_node(const sq_node *v) { return v->kind == SQ_N_IDENT || (v->kind == SQ_N_TOKEN && v->type == SQ_STRING); }
static int is_number_node(const sq_node *v) { return v->kind == SQ_N_TOKEN && (v->type == SQ_INT || v->type == SQ_FLOAT); }

/* a quoted string value: the text without its quotes (none unescaped, as in MLflow) */
static int quoted_value(const char *text, const sq_node *v, sf_clause *c, char *err, size_t errn)
{
    const char *s = text + v->off;
    size_t n = v->len;
    if (strip_quotes(&s, &n, 1) != 0)
        return fail(err, errn, "Parameter value is either not quoted or unidentified quote types used for string value "
                    "%.*s. Use either single or double quotes.", (int)v->len, text + v->off);
    return (c->str = dup_span(s, n)) ? 0 : fail(err, errn, "out of memory");
}

static int numeric_attr(const sf_clause *c) { return c->kind == SF_ATTR && (c->attr == SF_A_START_TIME || c->attr == SF_A_END_TIME); }

/* _get_value */
static int get_value(const char *text, const sq_node *v, sf_clause *c, char *err, size_t errn)
{
    const char *vt = text + v->off;
    int vn = (int)v->len;
    if (c->kind == SF_METRIC || numeric_attr(c)) {
        char *num;
        if (!is_number_node(v))
            return c->kind == SF_METRIC ? fail(err, errn, "Expected numeric value type for metric. Found %.*s", vn, vt)
                                        : fail(err, errn, "Expected numeric value type for numeric attribute: %s. "
                                               "Found %.*s", c->key, vn, vt);
        if (!(num = dup_span(vt, v->len))) return fail(err, errn, "out of memory");
        c->num = strtod(num, NULL); /* float(): the tokens are plain decimal spellings */
        free(num);
        return 0;
    }
    if (is_string_node(v)) return quoted_value(text, v, c, err, errn);
    if ((c->kind == SF_ATTR || c->kind == SF_DATASET) && v->kind == SQ_N_PAREN) {
        if (c->kind == SF_ATTR && c->attr != SF_A_RUN_ID)
            return fail(err, errn, "Only ['run_id'] attributes support comparison with a list of quoted string values.");
        return parse_list(vt, v->len, c, err, errn);
    }
    if (c->kind == SF_PARAM || c->kind == SF_TAG)
        return fail(err, errn, "Expected a quoted string value for %s (e.g. 'my-value'). Got value %.*s",
                    sf_kind_name(c->kind), vn, vt);
    return fail(err, errn, "Expected a quoted string value for %s. Got value %.*s",
                c->kind == SF_ATTR ? "attributes" : "dataset attributes", vn, vt);
}

/* the comparator, upper-cased, as MLflow's is_metric/is_param/... accept it */
static int get_op(const char *text, const sq_node *opn, const char *joined, sf_clause *c, char *err, size_t errn)
{
    static const char *const spell[] = {"", "=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT IN",
                                        "IS NULL", "IS NOT NULL"};
    static const char *const allowed[] = {"", "{'>', '>=', '!=', '=', '<', '<='}",
                                          "{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}",
                                          "{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}",
                                          "{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}",
                                          "{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}"};
    char up[32];
    size_t k, n = joined ? strlen(joined) : opn->len;
    int op;
    const char *src = joined ? joined : text + opn->off;
    for (k = 0; k < n && k < sizeof up - 1; k++) up[k] = (char)toupper((unsigned char)src[k]);
    up[k] = '\0';
    for (op = SF_EQ; op <= SF_NOT_NULL; op++)
        if (n < sizeof up && !strcmp(up, spell[op])) break;
    c->op = op;
    if (op <= SF_NOT_NULL) {
        int numeric = c->kind == SF_METRIC || numeric_attr(c);
        int strish = c->kind == SF_ATTR || c->kind == SF_DATASET;
        if (numeric ? op <= SF_GE : strish ? (op <= SF_NE || (op >= SF_LIKE && op <= SF_NOT_IN))
                                           : (op <= SF_NE || op == SF_LIKE || op == SF_ILIKE || op >= SF_IS_NULL))
            return 0;
    }
    return fail(err, errn, "Invalid comparator '%.*s' not one of '%s'", (int)n, src,
                allowed[numeric_attr(c) ? SF_METRIC : c->kind]);
}

/* _get_comparison for a grouped comparison or a joined IN / NOT IN / IS [NOT] NULL */
static int get_comparison(const char *text, const sq_item *it, sf_clause *c, char *err, size_t errn)
{
    const sq_node *id = &it->part[0];
    memset(c, 0, sizeof *c);
    if (id->kind != SQ_N_IDENT)
        return fail(err, errn, "Invalid comparison clause. Expected 'Identifier' found '%.*s'", (int)id->len,
                    text + id->off);
    if (get_identifier(text + id->off, id->len, 0, &c->kind, &c->key, &c->attr, err, errn) != 0) return -1;
    if (it->nparts == 2) {
        if (c->kind != SF_TAG && c->kind != SF_PARAM)
            return fail(err, errn, "IS NULL / IS NOT NULL is only supported for tags and params, not for '%s' '%s'",
                        sf_kind_name(c->kind), c->key);
        return get_op(text, &it->part[1], it->joined_op, c, err, errn);
    }
    if (get_value(text, &it->part[2], c, err, errn) != 0) return -1;
    if (get_op(text, &it->part[1], it->joined_op, c, err, errn) != 0) return -1;
    if (c->list && (c->op == SF_LIKE || c->op == SF_ILIKE))
        return fail(err, errn, "%s cannot match a list of values (MLflow fails with a TypeError)", sf_op_name(c->op));
    return 0;
}

/* every item must be a comparison or AND; the others are listed as MLflow lists them */
static int check_statement(const char *text, const sq_stmt *st, char *err, size_t errn)
{
    sbuf b = {0};
    size_t i;
    int bad = 0;
    for (i = 0; i < st->n; i++) {
        const sq_item *it = &st->v[i];
        if (it->n.kind == SQ_N_CMP || it->n.kind == SQ_N_JOINED ||
            (it->n.kind == SQ_N_TOKEN && it->n.type == SQ_KW && it->n.kw == SQ_KW_AND))
            continue;
        sb_printf(&b, "%s'%.*s'", bad++ ? ", " : "", (int)it->n.len, text + it->n.off);
    }
    if (bad) fail(err, errn, "Invalid clause(s) in filter string: %s", b.s ? b.s : "");
    sb_free(&b);
    return bad ? -1 : 0;
}

int sf_parse_filter(const char *text, sf_filter *out, char *err, size_t errn)
{
    sq_stmt st;
    size_t i, len = text ? strlen(text) : 0;
    int rc = 0;
    memset(out, 0, sizeof *out);
    if (!len) return 0;
    if (len > SF_MAX_FILTER_BYTES) return fail(err, errn, "the filter is longer than %d bytes", SF_MAX_FILTER_BYTES);
    if (sq_parse(text, len, &st) != 0) return sq_stmt_free(&st), fail(err, errn, "out of memory");
    if (st.blank) rc = fail(err, errn, "Invalid filter '%s'. Could not be parsed.", text);
    else if (st.statements > 1)
        rc = fail(err, errn, "Search filter contained multiple expression '%s'. Provide AND-ed expression list.", text);
    else
        rc = check_statement(text, &st, err, errn);
    for (i = 0; rc == 0 && i < st.n; i++) {
        if (st.v[i].n.kind != SQ_N_CMP && st.v[i].n.kind != SQ_N_JOINED) continue;
        if (out->n == SF_MAX_CLAUSES) {
            rc = fail(err, errn, "the filter has more than %d comparisons", SF_MAX_CLAUSES);
            break;
        }
        if (!out->v && !(out->v = calloc(SF_MAX_CLAUSES, sizeof *out->v))) {
            rc = fail(err, errn, "out of memory");
            break;
        }
        rc = get_comparison(text, &st.v[i], &out->v[out->n], err, errn);
        out->n++; /* a half-filled clause is freed with the others */
    }
    sq_stmt_free(&st);
    if (rc != 0) sf_filter_free(out);
    return rc;
}

static void clause_free(sf_clause *c)
{
    size_t i;
    free(c->key);
    free(c->str);
    for (i = 0; i < c->nlist; i++) free(c->list[i]);
    free(c->list);
}

void sf_filter_free(sf_filter *f)
{
    size_t i;
    for (i = 0; i < f->n; i++) clause_free(&f->v[i]);
    free(f->v);
    memset(f, 0, sizeof *f);
}

/* ---- order-by --------------------------------------------------------------------------------- */

/* shlex.split(s) in POSIX mode, which MLflow runs on the order-by identifier after turning
   its backquotes into double quotes: words, '...' and "..." quoting, backslash escapes.
   Fills at most max words; returns their number (max + 1 when there are more), or -1
   for an unclosed quotation. */
static int shlex_words(const char *s, sbuf *w, int max)
{
    int n = 0, in_word = 0;
    char q = 0;
    for (; *s; s++) {
        char c = *s;
        if (q == '\'') {
            if (c == '\'') q = 0;
            else sb_add(&w[n - 1], &c, 1);
        } else if (q == '"') {
            if (c == '"') q = 0;
            else if (c == '\\' && (s[1] == '"' || s[1] == '\\')) sb_add(&w[n - 1], ++s, 1);
            else sb_add(&w[n - 1], &c, 1);
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            in_word = 0;
        } else {
            if (!in_word && n == max) return max + 1;
            if (!in_word) in_word = 1, sb_add(&w[n++], "", 0);
            if (c == '\'' || c == '"') q = c;
            else if (c == '\\' && s[1]) sb_add(&w[n - 1], ++s, 1);
            else sb_add(&w[n - 1], &c, 1);
        }
    }
    return q ? -1 : n;
}

/* _validate_order_by_and_generate_token: one Identifier, with its ASC/DESC (or an alias) */
static int order_shape_ok(const char *text, size_t len, const sq_stmt *st)
{
    const sq_item *a = st->v, *b = st->v + 1;
    if (st->blank || st->statements != 1 || (unsigned char)text[0] <= ' ' || (unsigned char)text[len - 1] <= ' ')
        return 0;
    if (st->n == 1) return a->n.kind == SQ_N_IDENT;
    return st->n == 2 && a->n.kind == SQ_N_IDENT &&
           (b->n.kind == SQ_N_IDENT || (b->n.kind == SQ_N_TOKEN && b->n.type == SQ_ORDER));
}

static int order_words(const char *text, sf_order *out, char *err, size_t errn)
{
    sbuf w[3] = {{0}, {0}, {0}};
    char *copy = dup_span(text, strlen(text)), *p, *id;
    const char *key;
    size_t kn;
    int nw, rc = 0;
    if (!copy) return fail(err, errn, "out of memory");
    for (p = copy; *p; p++)
        if (*p == '`') *p = '"';
    nw = shlex_words(copy, w, 2);
    if (nw < 0) rc = fail(err, errn, "No closing quotation in order_by clause '%s'", text);
    else if (nw != 1 && nw != 2) rc = fail(err, errn, "Invalid order_by clause '%s'. Could not be parsed.", text);
    else if (nw == 2 && strcasecmp(w[1].s ? w[1].s : "", "asc") && strcasecmp(w[1].s ? w[1].s : "", "desc"))
        rc = fail(err, errn, "Invalid ordering key in order_by clause '%s'.", text);
    if (rc == 0) {
        out->ascending = nw == 1 || !strcasecmp(w[1].s, "asc");
        key = id = w[0].s ? w[0].s : copy + strlen(copy);
        kn = strlen(key);
        while (kn && (unsigned char)key[kn - 1] <= ' ') kn--;
        while (kn && (unsigned char)*key <= ' ') key++, kn--;
        rc = get_identifier(key, kn, 1, &out->kind, &out->key, &out->attr, err, errn);
        (void)id;
    }
    if (rc == 0 && out->kind == SF_DATASET) rc = fail(err, errn, "Invalid order_by entity type 'dataset'");
    sb_free(&w[0]), sb_free(&w[1]), sb_free(&w[2]);
    free(copy);
    return rc;
}

int sf_parse_order(const char *text, sf_order *out, char *err, size_t errn)
{
    sq_stmt st;
    size_t len = text ? strlen(text) : 0;
    int rc;
    memset(out, 0, sizeof *out);
    if (!len || len > SF_MAX_FILTER_BYTES) return fail(err, errn, "Invalid order_by clause '%s'. Could not be parsed.", text ? text : "");
    if (sq_parse(text, len, &st) != 0) return sq_stmt_free(&st), fail(err, errn, "out of memory");
    rc = order_shape_ok(text, len, &st) ? order_words(text, out, err, errn)
                                        : fail(err, errn, "Invalid order_by clause '%s'. Could not be parsed.", text);
    sq_stmt_free(&st);
    if (rc != 0) sf_order_free(out);
    return rc;
}

void sf_order_free(sf_order *o)
{
    free(o->key);
    memset(o, 0, sizeof *o);
}
