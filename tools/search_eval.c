/* tools/search_eval.c — MLflow's search_runs semantics on values already read:
 * SearchUtils._does_run_match_clause (Python's comparisons, its LIKE as a
 * regular expression over characters, any() over dataset inputs) and the
 * sort keys of SearchUtils._get_value_for_sort (NaN and absent values last,
 * in both directions). Nothing here reads a file. */
#include "search_filter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- characters ------------------------------------------------------------------------- */

/* the next code point of UTF-8 text at *p; an invalid byte is one code point of its own */
static unsigned long next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned long c = s[0];
    int k = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0, i;
    if (c < 0x80 || !k) return (*p)++, c < 0x80 ? c : 0xDC00 + c;
    for (i = 1; i <= k; i++)
        if ((s[i] & 0xC0) != 0x80) return (*p)++, 0xDC00 + c;
    c &= 0x3Fu >> k;
    for (i = 1; i <= k; i++) c = (c << 6) | (s[i] & 0x3Fu);
    *p += k + 1;
    return c;
}

/* simple case folding for re.IGNORECASE: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic */
static unsigned long fold(unsigned long c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
    if ((c >= 0x100 && c <= 0x137 && c != 0x130 && c != 0x131) || (c >= 0x14A && c <= 0x177)) return c | 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c & 1 ? c + 1 : c;
    if (c == 0x178) return 0xFF;
    if ((c >= 0x391 && c <= 0x3A9) || (c >= 0x410 && c <= 0x42F)) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

/* ---- LIKE --------------------------------------------------------------------------------- */

enum { LIKE_ANY = -1, LIKE_STAR = -2 };

/* the pattern as code points, '_' and '%' as LIKE_ANY and LIKE_STAR */
static long *like_compile(const char *pattern, size_t *n, int icase)
{
    const unsigned char *p = (const unsigned char *)pattern;
    long *v = malloc((strlen(pattern) + 1) * sizeof *v);
    *n = 0;
    if (!v) return NULL;
    while (*p) {
        unsigned long c = next_cp(&p);
        v[(*n)++] = c == '%' ? LIKE_STAR : c == '_' ? LIKE_ANY : (long)(icase ? fold(c) : c);
    }
    return v;
}

/* dp over the pattern, one row per character of s: row[j] = the first j elements match
   what was read so far. '.' and '.*' do not take a '\n'. */
static void like_step(const long *pat, size_t m, unsigned char *row, unsigned char *next, long c)
{
    size_t j;
    next[0] = 0;
    for (j = 1; j <= m; j++) {
        long e = pat[j - 1];
        if (e == LIKE_STAR) next[j] = next[j - 1] || (row[j] && c != '\n');
        else next[j] = row[j - 1] && (e == LIKE_ANY ? c != '\n' : e == c);
    }
}

static void like_start(const long *pat, size_t m, unsigned char *row)
{
    size_t j;
    row[0] = 1;
    for (j = 1; j <= m; j++) row[j] = row[j - 1] && pat[j - 1] == LIKE_STAR;
}

int sf_like(const char *s, const char *pattern, int icase)
{
    size_t m, len = strlen(s);
    long *pat = like_compile(pattern, &m, icase);
    unsigned char *row = pat ? calloc(2 * (m + 1), 1) : NULL, *next = row ? row + m + 1 : NULL;
    const unsigned char *p = (const unsigned char *)s;
    int open_end = m && pat[m - 1] == LIKE_STAR, hit = 0, before_last_nl = 0;
    if (!row) return free(pat), 0;
    like_start(pat, m, row);
    hit = open_end && row[m];
    while (*p && !hit) {
        unsigned char *t;
        long c = (long)next_cp(&p);
        before_last_nl = row[m] && c == '\n' && p == (const unsigned char *)s + len;
        like_step(pat, m, row, next, icase ? (long)fold((unsigned long)c) : c);
        t = row, row = next, next = t;
        hit = open_end && row[m];
    }
    hit = hit || row[m] || before_last_nl; /* '$' also matches before a final newline */
    free(pat);
    free(row < next ? row : next);
    return hit;
}

/* ---- clauses -------------------------------------------------------------------------------- */

static int cmp_num(int op, double a, double b)
{
    switch (op) {
    case SF_EQ: return a == b;
    case SF_NE: return a != b;
    case SF_LT: return a < b;
    case SF_LE: return a <= b;
    case SF_GT: return a > b;
    case SF_GE: return a >= b;
    }
    return 0;
}

static int in_list(const sf_clause *c, const char *s)
{
    size_t i;
    for (i = 0; i < c->nlist; i++)
        if (!strcmp(c->list[i], s)) return 1;
    return 0;
}

/* a string against the clause's value (a list: = is never true, != always) */
static int cmp_str(const sf_clause *c, const char *s)
{
    switch (c->op) {
    case SF_EQ: return !c->list && !strcmp(s, c->str);
    case SF_NE: return c->list || strcmp(s, c->str) != 0;
    case SF_LIKE: return !c->list && sf_like(s, c->str, 0);
    case SF_ILIKE: return !c->list && sf_like(s, c->str, 1);
    case SF_IN: return c->list && in_list(c, s);
    case SF_NOT_IN: return c->list && !in_list(c, s);
    }
    return 0;
}

int sf_match(const sf_clause *c, const sf_value *v)
{
    if (c->op == SF_IS_NULL) return !v->present;
    if (c->op == SF_NOT_NULL) return v->present;
    if (!v->present) return 0;
    if (c->kind == SF_METRIC || (c->kind == SF_ATTR && (c->attr == SF_A_START_TIME || c->attr == SF_A_END_TIME)))
        return v->is_num && cmp_num(c->op, v->d, c->num);
    return !v->is_num && v->s && (c->str || c->list) && cmp_str(c, v->s);
}

int sf_match_datasets(const sf_clause *c, const sf_dataset *d, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *s = c->attr == SF_DS_NAME ? d[i].name : c->attr == SF_DS_DIGEST ? d[i].digest : d[i].context;
        /* a context tag that is absent is None; the inputs without the tag are not looked at */
        if (c->attr == SF_DS_CONTEXT && !s) continue;
        if (s ? cmp_str(c, s) : c->op == SF_NE || c->op == SF_NOT_IN) return 1;
    }
    return 0;
}

/* ---- order ------------------------------------------------------------------------------------ */

/* 0 a value, 1 NaN, 2 absent: the order both directions give them */
static int null_rank(const sf_value *v)
{
    if (!v->present) return 2;
    return v->is_num && isnan(v->d) ? 1 : 0;
}

int sf_order_cmp(const sf_order *o, const sf_value *a, const sf_value *b)
{
    int ra = null_rank(a), rb = null_rank(b), c;
    if (ra || rb) return ra - rb;
    if (a->is_num != b->is_num) return a->is_num ? -1 : 1; /* does not happen within one key */
    if (a->is_num) c = a->d < b->d ? -1 : a->d > b->d ? 1 : 0;
    else c = strcmp(a->s, b->s);
    return o->ascending ? c : -c;
}
