/* tools/search_lex.c — a filter string cut into tokens and grouped as sqlparse
 * (the SQL tokenizer MLflow 3.18's SearchUtils runs first) cuts and groups it,
 * for the part of its rules a search filter can meet: sqlparse's regular
 * expressions in their order (with the backtracking results of its number and
 * quoted-string patterns), then its groupings (parentheses, functions,
 * identifiers with periods, comparisons) and MLflow's joining of IN, NOT IN,
 * IS NULL and IS NOT NULL. What MLflow does with the groups is
 * search_filter.c's. Works on bytes: a byte >= 0x80 counts as a letter. */
#include "search_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- character classes (Python's re with IGNORECASE | UNICODE, on bytes) --------- */

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return c >= 0x80 || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int is_word(int c) { return is_alpha(c) || is_digit(c) || c == '_'; }
static int is_space(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_hex(int c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

typedef struct lexer {
    const unsigned char *s;
    size_t n;
    size_t *stack;                     /* quoted_end's scratch, n + 2 each, made once */
    unsigned char *alt, *dead;
} lexer;

static int at(const lexer *L, size_t i) { return i < L->n ? L->s[i] : -1; }

/* the word [A-Za-z...]\w* starting at i (0 when there is none) */
static size_t word_len(const lexer *L, size_t i, int first_alpha)
{
    size_t j = i;
    if (first_alpha ? !is_alpha(at(L, i)) : !is_word(at(L, i))) return 0;
    while (is_word(at(L, j))) j++;
    return j - i;
}

/* a case-insensitive keyword at i followed by a word boundary */
static size_t kw_at(const lexer *L, size_t i, const char *kw)
{
    size_t k = strlen(kw), j;
    if (i + k > L->n) return 0;
    for (j = 0; j < k; j++)
        if ((L->s[i + j] | 0x20) != (kw[j] | 0x20)) return 0;
    return is_word(at(L, i + k)) ? 0 : k;
}

/* ---- quoted spans: q(qq|\q|[^q])*q, in the order Python's backtracking tries -------- */

/* the end (exclusive) of the match starting at i (L->s[i] == q), or 0 when none. A
   depth-first search with the alternatives in the pattern's order and a memo of the
   positions that failed: linear, and without recursion */
static size_t quoted_end(const lexer *L, size_t i, int q, int backslash)
{
    size_t n = L->n, sp = 0, end = 0, top = i + 1, p;
    L->stack[sp++] = i + 1;
    L->alt[i + 1] = 0;
    while (sp && !end) {
        size_t next = 0;
        int a;
        p = L->stack[sp - 1];
        a = L->alt[p]++;
        if (p > top) top = p;
        if (L->dead[p] || p > n) a = 4;
        if (a == 0 && at(L, p) == q && at(L, p + 1) == q) next = p + 2;
        else if (a == 1 && backslash && at(L, p) == '\\' && at(L, p + 1) == q) next = p + 2;
        else if (a == 2 && p < n && at(L, p) != q) next = p + 1;
        else if (a == 3 && at(L, p) == q) end = p + 1;
        else if (a >= 3) L->dead[p] = 1, sp--;
        if (next && !L->dead[next]) L->alt[next] = 0, L->stack[sp++] = next;
    }
    for (p = i + 1; p <= top && p <= n + 1; p++) L->dead[p] = L->alt[p] = 0;
    return end;
}

/* ---- numbers, with the lookahead (?![_A-ZÀ-Ü]) and its backtracking ------------------- */

static int letter_or_us(const lexer *L, size_t i) { return at(L, i) == '_' || is_alpha(at(L, i)); }

/* the longest end in [lo, hi] of a digit run whose next character is not a letter */
static size_t digits_end(const lexer *L, size_t lo, size_t hi)
{
    if (!letter_or_us(L, hi)) return hi;
    return hi > lo ? hi - 1 : 0;
}

static size_t hex_len(const lexer *L, size_t i)
{
    size_t j = i + (at(L, i) == '-');
    if (at(L, j) != '0' || (at(L, j + 1) | 0x20) != 'x' || !is_hex(at(L, j + 2))) return 0;
    for (j += 2; is_hex(at(L, j)); j++) {}
    return j - i;
}

/* -?\d+(\.\d+)?E-?\d+ */
static size_t exp_float_len(const lexer *L, size_t i)
{
    size_t j = i + (at(L, i) == '-'), d0 = j;
    while (is_digit(at(L, j))) j++;
    if (j == d0) return 0;
    if (at(L, j) == '.' && is_digit(at(L, j + 1)))
        for (j++; is_digit(at(L, j)); j++) {}
    if ((at(L, j) | 0x20) != 'e') return 0;
    j++;
    if (at(L, j) == '-') j++;
    d0 = j;
    while (is_digit(at(L, j))) j++;
    return j > d0 ? j - i : 0;
}

/* -?(\d+(\.\d*)|\.\d+) not followed by a letter or '_' */
static size_t float_len(const lexer *L, size_t i)
{
    size_t j = i + (at(L, i) == '-'), d0 = j, e, k;
    while (is_digit(at(L, j))) j++;
    if (j > d0 && at(L, j) == '.') {
        for (k = e = j + 1; is_digit(at(L, e)); e++) {}
        if ((e = digits_end(L, k, e)) != 0) return e - i;
    }
    j = d0;
    if (at(L, j) != '.' || !is_digit(at(L, j + 1))) return 0;
    for (k = e = j + 1; is_digit(at(L, e)); e++) {}
    e = digits_end(L, k + 1, e);
    return e ? e - i : 0;
}

/* -?\d+ not followed by a letter or '_' */
static size_t int_len(const lexer *L, size_t i)
{
    size_t j = i + (at(L, i) == '-'), d0 = j, e;
    while (is_digit(at(L, j))) j++;
    if (j == d0) return 0;
    e = digits_end(L, d0 + 1, j);
    return e ? e - i : 0;
}

/* ---- one token ------------------------------------------------------------------------ */

typedef struct tok {
    int type, kw;
    size_t off, len;
} tok;

/* "--" or "# " comments, to the end of the line */
static size_t comment_len(const lexer *L, size_t i)
{
    size_t j;
    if (!((at(L, i) == '-' && at(L, i + 1) == '-') || (at(L, i) == '#' && at(L, i + 1) == ' '))) return 0;
    for (j = i + 2; j < L->n && L->s[j] != '\n' && L->s[j] != '\r'; j++) {}
    if (at(L, j) == '\r' && at(L, j + 1) == '\n') j++;
    return (j < L->n ? j + 1 : j) - i;
}

/* placeholders sqlparse takes as names: ?, %s, %(name)s, and $x :x ?x not after a word */
static size_t placeholder_len(const lexer *L, size_t i)
{
    int c = at(L, i);
    size_t j;
    if (c == '?') return 1;
    if (c == '%') {
        j = i + 1;
        if (at(L, j) == '(') {
            size_t w = word_len(L, j + 1, 0);
            if (!w || at(L, j + 1 + w) != ')') return 0;
            j += w + 2;
        }
        return at(L, j) == 's' ? j + 1 - i : 0;
    }
    if ((c == '$' || c == ':' || c == '?') && (i == 0 || !is_word(L->s[i - 1]))) {
        size_t w = word_len(L, i + 1, 0);
        return w ? w + 1 : 0;
    }
    return 0;
}

/* [A-Za-z]\w* followed by \s*\.(?!\d), or by '(' */
static size_t name_before_len(const lexer *L, size_t i)
{
    size_t w = word_len(L, i, 1), j = i + w;
    if (!w) return 0;
    if (at(L, j) == '(') return w;
    while (is_space(at(L, j))) j++;
    return at(L, j) == '.' && !is_digit(at(L, j + 1)) ? w : 0;
}

/* "NOT NULL", "ASC"/"DESC" [NULLS FIRST|LAST], "NULLS FIRST|LAST": the keyword phrases
   sqlparse matches before single words; the length, 0 when none */
static size_t phrase_len(const lexer *L, size_t i, const char *first, const char *const *rest, size_t nrest,
                         int rest_optional)
{
    size_t k = kw_at(L, i, first), j, r;
    if (!k) return 0;
    for (j = i + k; is_space(at(L, j)); j++) {}
    if (j > i + k)
        for (r = 0; r < nrest; r++) {
            size_t m = kw_at(L, j, rest[r]);
            if (m) return j + m - i;
        }
    return rest_optional ? k : 0;
}

static size_t order_len(const lexer *L, size_t i)
{
    static const char *const fl[] = {"FIRST", "LAST"};
    size_t k = kw_at(L, i, "ASC") ? 3 : kw_at(L, i, "DESC") ? 4 : 0, j, m;
    if (!k) return phrase_len(L, i, "NULLS", fl, 2, 0);
    for (j = i + k; is_space(at(L, j)); j++) {}
    m = j > i + k ? phrase_len(L, j, "NULLS", fl, 2, 0) : 0;
    return m ? j + m - i : k;
}

/* (NOT\s+)?(LIKE|ILIKE|RLIKE) and (NOT\s+)?REGEXP(\s+BINARY)?: comparison operators */
static size_t like_len(const lexer *L, size_t i)
{
    static const char *const ops[] = {"LIKE", "ILIKE", "RLIKE"}, *const bin[] = {"BINARY"};
    size_t j = i, r;
    if (kw_at(L, i, "NOT")) {
        for (j = i + 3; is_space(at(L, j)); j++) {}
        if (j == i + 3) return 0;
    }
    for (r = 0; r < 3; r++)
        if (kw_at(L, j, ops[r])) return j + strlen(ops[r]) - i;
    r = phrase_len(L, j, "REGEXP", bin, 1, 1);
    return r ? j + r - i : 0;
}

/* the special keywords of the first keyword rule: (CASE|IN|VALUES|USING|FROM|AS)\b */
static size_t early_kw_len(const lexer *L, size_t i, int *kw)
{
    static const char *const words[] = {"CASE", "IN", "VALUES", "USING", "FROM", "AS"};
    size_t r, k;
    for (r = 0; r < 6; r++)
        if ((k = kw_at(L, i, words[r])) != 0) {
            *kw = r == 1 ? SQ_KW_IN : SQ_KW_OTHER;
            return k;
        }
    return 0;
}

/* a word: one of the keywords MLflow's checks look at, or a name */
static int word_kind(const lexer *L, size_t i, size_t len, int *kw)
{
    static const struct { const char *w; int kw; } kws[] = {
        {"AND", SQ_KW_AND}, {"OR", SQ_KW_OR}, {"NOT", SQ_KW_NOT}, {"IS", SQ_KW_IS}, {"NULL", SQ_KW_NULL}};
    size_t r;
    for (r = 0; r < sizeof kws / sizeof kws[0]; r++)
        if (kw_at(L, i, kws[r].w) == len) {
            *kw = kws[r].kw;
            return SQ_KW;
        }
    return SQ_NAME;
}

/* \w[$#\w]* */
static size_t any_word_len(const lexer *L, size_t i)
{
    size_t j = i + 1;
    if (!is_word(at(L, i))) return 0;
    while (is_word(at(L, j)) || at(L, j) == '$' || at(L, j) == '#') j++;
    return j - i;
}

/* the operator rules: (->>?|#>>?|@>|<@|\?\|?|\?&|-|#-), [<>=~!]+, [+/@#%^&|^-]+ */
static size_t operator_len(const lexer *L, size_t i, int *type)
{
    static const char *const ops[] = {"->>", "->", "#>>", "#>", "@>", "<@", "?|", "?&", "?", "#-", "-"};
    size_t r, j;
    *type = SQ_OP;
    for (r = 0; r < sizeof ops / sizeof ops[0]; r++)
        if (i + strlen(ops[r]) <= L->n && !memcmp(L->s + i, ops[r], strlen(ops[r]))) return strlen(ops[r]);
    for (j = i; j < L->n && strchr("<>=~!", L->s[j]); j++) {}
    if (j > i) {
        *type = SQ_CMP;
        return j - i;
    }
    for (j = i; j < L->n && strchr("+/@#%^&|-", L->s[j]); j++) {}
    return j - i;
}

/* rules before the numbers: comments, white space, quoted names, placeholders,
   the early keywords, #names and the names before a period or a parenthesis */
static size_t lex_head(const lexer *L, size_t i, tok *t)
{
    int c = at(L, i);
    size_t k;
    if ((k = comment_len(L, i)) != 0) return t->type = SQ_OTHER, k;
    if (is_space(c)) return t->type = SQ_WS, (c == '\r' && at(L, i + 1) == '\n') ? 2 : 1;
    if (c == ':' && at(L, i + 1) == '=') return t->type = SQ_OTHER, 2;
    if (c == ':' && at(L, i + 1) == ':') return t->type = SQ_PUNCT, 2;
    if (c == '*') return t->type = SQ_WILDCARD, 1;
    if (c == '`' && (k = quoted_end(L, i, '`', 0)) != 0) return t->type = SQ_NAME, k - i;
    if ((k = placeholder_len(L, i)) != 0) return t->type = SQ_NAME, k;
    if (c == '\\' && (k = any_word_len(L, i + 1)) != 0) return t->type = SQ_OTHER, k + 1;
    if ((k = early_kw_len(L, i, &t->kw)) != 0) return t->type = SQ_KW, k;
    if ((c == '@' || c == '#') && (k = word_len(L, i + 1 + (c == '#' && at(L, i + 1) == '#'), 1)) > 1)
        return t->type = SQ_NAME, k + 1 + (c == '#' && at(L, i + 1) == '#');
    if ((k = name_before_len(L, i)) != 0) return t->type = SQ_NAME, k;
    if (i > 0 && L->s[i - 1] == '.' && (k = word_len(L, i, 1)) != 0) return t->type = SQ_NAME, k;
    return 0;
}

/* numbers, quoted strings and symbols, [names] */
static size_t lex_literal(const lexer *L, size_t i, tok *t)
{
    int c = at(L, i);
    size_t k;
    if ((k = hex_len(L, i)) != 0) return t->type = SQ_HEX, k;
    if ((k = exp_float_len(L, i)) != 0) return t->type = SQ_FLOAT, k;
    if ((k = float_len(L, i)) != 0) return t->type = SQ_FLOAT, k;
    if ((k = int_len(L, i)) != 0) return t->type = SQ_INT, k;
    if (c == '\'' && (k = quoted_end(L, i, '\'', 1)) != 0) return t->type = SQ_STRING, k - i;
    if (c == '"' && (k = quoted_end(L, i, '"', 1)) != 0) return t->type = SQ_SYMBOL, k - i;
    if (c == '[' && (i == 0 || !(is_word(L->s[i - 1]) || L->s[i - 1] == ']' || L->s[i - 1] == ')'))) {
        for (k = i + 1; k < L->n && L->s[k] != ']' && L->s[k] != '['; k++) {}
        if (k > i + 1 && at(L, k) == ']') return t->type = SQ_NAME, k + 1 - i;
    }
    return 0;
}

/* keyword phrases, words, punctuation, operators; anything else is one Error character */
static size_t lex_tail(const lexer *L, size_t i, tok *t)
{
    static const char *const null_word[] = {"NULL"};
    int c = at(L, i);
    size_t k;
    if ((k = phrase_len(L, i, "NOT", null_word, 1, 0)) != 0) return t->type = SQ_KW, t->kw = SQ_KW_NOT_NULL, k;
    if ((k = order_len(L, i)) != 0) return t->type = SQ_ORDER, k;
    if ((k = like_len(L, i)) != 0) return t->type = SQ_CMP, k;
    if ((k = any_word_len(L, i)) != 0) return t->type = word_kind(L, i, k, &t->kw), k;
    if (c >= 0 && strchr(";:()[],.", c)) return t->type = SQ_PUNCT, 1;
    if ((k = operator_len(L, i, &t->type)) != 0) return k;
    t->type = SQ_OTHER;
    for (k = 1; i + k < L->n && (L->s[i + k] & 0xC0) == 0x80; k++) {} /* one UTF-8 character */
    return k;
}

static size_t next_token(const lexer *L, size_t i, tok *t)
{
    size_t k;
    t->kw = SQ_KW_OTHER;
    t->off = i;
    if ((k = lex_head(L, i, t)) == 0 && (k = lex_literal(L, i, t)) == 0) k = lex_tail(L, i, t);
    t->len = k;
    return k;
}

/* ---- grouping ----------------------------------------------------------------------------- */

static int push_item(sq_stmt *st, const sq_item *it)
{
    if (st->n == st->cap) {
        size_t nc = st->cap ? st->cap * 2 : 16;
        sq_item *nv = realloc(st->v, nc * sizeof *nv);
        if (!nv) return -1;
        st->v = nv;
        st->cap = nc;
    }
    st->v[st->n++] = *it;
    return 0;
}

static sq_item token_item(const tok *t)
{
    sq_item it;
    memset(&it, 0, sizeof it);
    it.n.kind = SQ_N_TOKEN;
    it.n.type = t->type;
    it.n.kw = t->kw;
    it.n.off = t->off;
    it.n.len = t->len;
    return it;
}

static int is_punct(const sq_item *it, const char *text, char c)
{
    return it->n.kind == SQ_N_TOKEN && it->n.type == SQ_PUNCT && it->n.len == 1 && text[it->n.off] == c;
}

/* spans a..b as one node of the given kind */
static void span(sq_item *a, const sq_item *b, int kind)
{
    a->n.len = b->n.off + b->n.len - a->n.off;
    a->n.kind = kind;
    a->nparts = 0;
}

/* group_parenthesis: '(' ... ')' with nesting; an unmatched one stays a token */
static void group_parens(sq_stmt *st, const char *text)
{
    size_t i, j, w = 0;
    for (i = 0; i < st->n; i++, w++) {
        st->v[w] = st->v[i];
        if (!is_punct(&st->v[i], text, '(')) continue;
        {
            int depth = 0;
            for (j = i; j < st->n; j++) {
                depth += is_punct(&st->v[j], text, '(') - is_punct(&st->v[j], text, ')');
                if (depth == 0) break;
            }
            if (j < st->n) {
                span(&st->v[w], &st->v[j], SQ_N_PAREN);
                i = j;
            }
        }
    }
    st->n = w;
}

/* group_functions (a name right before its parenthesis) and group_period */
static int prev_ok_for_period(const sq_item *it)
{
    return it->n.kind == SQ_N_IDENT ||
           (it->n.kind == SQ_N_TOKEN && (it->n.type == SQ_NAME || it->n.type == SQ_SYMBOL));
}

static int next_ok_for_period(const sq_item *it)
{
    return it->n.kind == SQ_N_FUNC || (it->n.kind == SQ_N_TOKEN && (it->n.type == SQ_NAME || it->n.type == SQ_SYMBOL ||
                                                                   it->n.type == SQ_WILDCARD || it->n.type == SQ_STRING));
}

static void group_names(sq_stmt *st, const char *text)
{
    size_t i, w = 0;
    for (i = 0; i < st->n; i++) { /* functions */
        sq_item *it = &st->v[i];
        st->v[w] = *it;
        if (it->n.kind == SQ_N_TOKEN && it->n.type == SQ_NAME && i + 1 < st->n && st->v[i + 1].n.kind == SQ_N_PAREN &&
            st->v[i + 1].n.off == it->n.off + it->n.len)
            span(&st->v[w], &st->v[++i], SQ_N_FUNC);
        w++;
    }
    st->n = w;
    for (i = 0, w = 0; i < st->n; i++) { /* periods */
        if (w > 0 && is_punct(&st->v[i], text, '.') && prev_ok_for_period(&st->v[w - 1])) {
            size_t take_next = i + 1 < st->n && next_ok_for_period(&st->v[i + 1]);
            span(&st->v[w - 1], &st->v[i + take_next], SQ_N_IDENT);
            i += take_next;
            continue;
        }
        st->v[w++] = st->v[i];
    }
    st->n = w;
    for (i = 0; i < st->n; i++) /* group_identifier */
        if (st->v[i].n.kind == SQ_N_TOKEN && (st->v[i].n.type == SQ_NAME || st->v[i].n.type == SQ_SYMBOL))
            st->v[i].n.kind = SQ_N_IDENT;
}

static int is_number(const sq_item *it)
{
    return it->n.kind == SQ_N_TOKEN && (it->n.type == SQ_INT || it->n.type == SQ_FLOAT || it->n.type == SQ_HEX);
}

/* group_comparison's operands */
static int operand_ok(const sq_item *it)
{
    if (it->n.kind == SQ_N_IDENT || it->n.kind == SQ_N_PAREN || it->n.kind == SQ_N_FUNC) return 1;
    if (it->n.kind != SQ_N_TOKEN) return 0;
    return it->n.type == SQ_INT || it->n.type == SQ_FLOAT || it->n.type == SQ_STRING ||
           (it->n.type == SQ_KW && it->n.kw == SQ_KW_NULL);
}

static void group_comparisons(sq_stmt *st)
{
    size_t i, w = 0;
    for (i = 0; i < st->n; i++) {
        const sq_item *op = &st->v[i];
        if (w > 0 && op->n.kind == SQ_N_TOKEN && op->n.type == SQ_CMP && i + 1 < st->n && operand_ok(&st->v[w - 1]) &&
            operand_ok(&st->v[i + 1])) {
            sq_item *c = &st->v[w - 1];
            c->part[0] = c->n;
            c->part[1] = op->n;
            c->part[2] = st->v[i + 1].n;
            c->nparts = 3;
            c->n.kind = SQ_N_CMP;
            c->n.len = c->part[2].off + c->part[2].len - c->n.off;
            i++;
            continue;
        }
        st->v[w++] = st->v[i];
    }
    st->n = w;
}

/* group_order: an identifier or a number followed by ASC/DESC becomes one identifier */
static void group_order(sq_stmt *st)
{
    size_t i, w = 0;
    for (i = 0; i < st->n; i++) {
        const sq_item *it = &st->v[i];
        if (w > 0 && it->n.kind == SQ_N_TOKEN && it->n.type == SQ_ORDER &&
            (st->v[w - 1].n.kind == SQ_N_IDENT || is_number(&st->v[w - 1]))) {
            span(&st->v[w - 1], it, SQ_N_IDENT);
            continue;
        }
        st->v[w++] = *it;
    }
    st->n = w;
}

/* group_aliased: a parenthesis, function, identifier, comparison or number followed by an
   identifier becomes one identifier ("metrics.a > 1 foo" is an identifier for sqlparse) */
static void group_aliased(sq_stmt *st)
{
    size_t i, w = 0;
    for (i = 0; i < st->n; i++, w++) {
        int k = st->v[i].n.kind;
        st->v[w] = st->v[i];
        if ((k == SQ_N_PAREN || k == SQ_N_FUNC || k == SQ_N_IDENT || k == SQ_N_CMP || is_number(&st->v[i])) &&
            i + 1 < st->n && st->v[i + 1].n.kind == SQ_N_IDENT)
            span(&st->v[w], &st->v[++i], SQ_N_IDENT);
    }
    st->n = w;
}

/* ---- MLflow's _join_in_comparison_tokens ---------------------------------------------------- */

static int is_kw(const sq_item *it, int kw) { return it->n.kind == SQ_N_TOKEN && it->n.type == SQ_KW && it->n.kw == kw; }

/* "NOT NULL" spelled with exactly one space, as MLflow compares third.value.upper() */
static int is_not_null_exact(const sq_item *it, const char *text)
{
    static const char want[] = "NOT NULL";
    size_t k;
    if (!is_kw(it, SQ_KW_NOT_NULL) || it->n.len != 8) return 0;
    for (k = 0; k < 8; k++)
        if ((text[it->n.off + k] & ~0x20) != (want[k] & ~0x20) && !(want[k] == ' ' && text[it->n.off + k] == ' '))
            return 0;
    return 1;
}

static void joined(sq_item *out, const sq_item *first, const sq_item *op, const sq_item *last, const char *name)
{
    *out = *first;
    out->n.kind = SQ_N_JOINED;
    out->part[0] = first->n;
    out->part[1] = op->n;
    out->nparts = last ? 3 : 2;
    if (last) out->part[2] = last->n;
    out->joined_op = name;
    out->n.len = (last ? last : op)->n.off + (last ? last : op)->n.len - first->n.off;
}

/* one step of the loop at v[i]: how many items it consumed; *out the joined item or v[i] */
static size_t join_step(const sq_item *v, size_t n, size_t i, const char *text, sq_item *out, size_t *emit)
{
    const sq_item *first = &v[i], *second = &v[i + 1], *third = &v[i + 2];
    *emit = 1;
    if (first->n.kind != SQ_N_IDENT) return (*out = *first), 1;
    if (is_kw(second, SQ_KW_IN) && third->n.kind == SQ_N_PAREN) return joined(out, first, second, third, NULL), 3;
    if (is_kw(second, SQ_KW_IS) && is_kw(third, SQ_KW_NULL)) return joined(out, first, second, NULL, "IS NULL"), 3;
    if (is_kw(second, SQ_KW_IS) && is_not_null_exact(third, text))
        return joined(out, first, second, NULL, "IS NOT NULL"), 3;
    if (i + 3 < n && is_kw(second, SQ_KW_NOT) && is_kw(third, SQ_KW_IN) && v[i + 3].n.kind == SQ_N_PAREN)
        return joined(out, first, second, &v[i + 3], "NOT IN"), 4;
    *emit = 0; /* MLflow passes the tokens it looked at on unchanged */
    return i + 3 < n ? 4 : 3;
}

static void join_in(sq_stmt *st, const char *text)
{
    size_t i = 0, w = 0, used, emit;
    while (i < st->n) {
        sq_item out;
        if (st->n - i < 3) {
            st->v[w++] = st->v[i++];
            continue;
        }
        used = join_step(st->v, st->n, i, text, &out, &emit);
        if (emit) {
            st->v[w++] = out;
        } else {
            size_t k;
            for (k = 0; k < used; k++) st->v[w++] = st->v[i + k];
        }
        i += used;
    }
    st->n = w;
}

/* ---- the statement --------------------------------------------------------------------------- */

int sq_is_order_word(const char *s, size_t n)
{
    lexer L;
    memset(&L, 0, sizeof L);
    L.s = (const unsigned char *)s;
    L.n = n;
    return order_len(&L, 0) == n;
}

int sq_parse(const char *text, size_t len, sq_stmt *st)
{
    lexer L;
    size_t i = 0, after_semicolon = 0;
    memset(st, 0, sizeof *st);
    L.s = (const unsigned char *)text;
    L.n = len;
    L.stack = malloc((len + 3) * sizeof *L.stack);
    L.alt = calloc(len + 3, 2);
    L.dead = L.alt ? L.alt + len + 3 : NULL;
    if (!L.stack || !L.alt) {
        free(L.stack);
        free(L.alt);
        return -1;
    }
    st->statements = 1;
    st->blank = 1;
    while (i < len) {
        tok t;
        size_t k = next_token(&L, i, &t);
        if (t.type != SQ_WS) {
            sq_item it = token_item(&t);
            st->blank = 0;
            if (after_semicolon) st->statements++, after_semicolon = 0;
            if (t.type == SQ_PUNCT && text[i] == ';') after_semicolon = 1;
            if (push_item(st, &it) != 0) break;
        }
        i += k;
    }
    free(L.stack);
    free(L.alt);
    if (i < len) return -1;
    group_parens(st, text);
    group_names(st, text);
    group_order(st);
    group_comparisons(st);
    group_aliased(st);
    join_in(st, text);
    return 0;
}

void sq_stmt_free(sq_stmt *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}
