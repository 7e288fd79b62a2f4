/* tools/src_yaml_scan.c — the linear pre-scan every meta.yaml passes before
 * libyaml sees it.
 *
 * Why: Debian's libyaml 0.2.5 has no nesting limit (PyYAML's bundled 0.2.6
 * stops at 1,000 levels), and its scanner walks its stack of flow levels for
 * every token, so 200,000 nested '[' take minutes and a deep nest around many
 * entries costs depth x entries. The pre-scan follows YAML's lexical rules
 * closely enough to know where flow collections open and close (brackets in
 * quoted, plain and block scalars and in comments do not count) and how deep
 * block collections nest (by indentation), in one pass over the bytes. It
 * refuses a document deeper than SRC_YAML_MAX_DEPTH or whose flow nesting
 * times its entries exceeds SRC_YAML_MAX_WORK. It errs on the side of counting
 * too much; src_yaml.c counts again on libyaml's own events as a backstop. */
#include "src_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_NORMAL, P_PLAIN, P_SQUOTE, P_DQUOTE, P_BLOCK_SCALAR };
enum { K_MAP, K_SEQ };

typedef struct prescan {
    int flow;                          /* open flow collections */
    int ncols;                         /* open block levels ... */
    int cols[SRC_YAML_MAX_DEPTH + 2];  /* ... their columns ... */
    unsigned char kinds[SRC_YAML_MAX_DEPTH + 2]; /* ... and K_MAP/K_SEQ */
    int mode;                          /* P_* */
    int token_start;                   /* the next character may start a token */
    int pending_level;                 /* the next token starts a block level (line start, after "- ", "? ") */
    int unconfirmed;                   /* column of the level opened for a token that may be a plain
                                          scalar rather than a key (-1 none): closed at the line's end
                                          unless a ':' made it a key */
    int bs_parent, bs_indent;          /* block scalar: parent column; content column (-1 = from 1st line) */
    int max_flow;
    long long work;                    /* sum of the flow depth over flow entries */
    long line;
    char *why; size_t whyn;
} prescan;

static int fail(prescan *ps, const char *what)
{
    snprintf(ps->why, ps->whyn, "line %ld: %s", ps->line, what);
    return -1;
}

static int too_deep(prescan *ps)
{
    char msg[160];
    snprintf(msg, sizeof msg, "YAML nested more than %d levels deep (PyYAML gives up there too)", SRC_YAML_MAX_DEPTH);
    return fail(ps, msg);
}

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_flow_indicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

/* length of the line break at s[i] (\n, \r\n, \r, NEL, LS, PS: libyaml's breaks), 0 if none */
static size_t break_len(const char *s, size_t i, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[i] == '\n') return 1;
    if (u[i] == '\r') return i + 1 < n && u[i + 1] == '\n' ? 2 : 1;
    if (u[i] == 0xC2 && i + 1 < n && u[i + 1] == 0x85) return 2;
    if (u[i] == 0xE2 && i + 2 < n && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) return 3;
    return 0;
}

/* a token at column col opens (or continues) a block level of kind k */
static int block_level(prescan *ps, int col, int k)
{
    while (ps->ncols > 0 && ps->cols[ps->ncols - 1] > col) ps->ncols--;
    /* a key at the column of an indentless sequence ("a:\n- x\nb: y") ends that sequence */
    if (k == K_MAP && ps->ncols > 0 && ps->cols[ps->ncols - 1] == col && ps->kinds[ps->ncols - 1] == K_SEQ)
        ps->ncols--;
    if (ps->ncols > 0 && ps->cols[ps->ncols - 1] == col && ps->kinds[ps->ncols - 1] == k) return 0;
    if (ps->ncols + ps->flow >= SRC_YAML_MAX_DEPTH) return too_deep(ps);
    ps->cols[ps->ncols] = col;
    ps->kinds[ps->ncols] = (unsigned char)k;
    ps->ncols++;
    return 0;
}

static int flow_open(prescan *ps)
{
    ps->flow++;
    if (ps->flow > ps->max_flow) ps->max_flow = ps->flow;
    if (ps->ncols + ps->flow > SRC_YAML_MAX_DEPTH) return too_deep(ps);
    ps->work += ps->flow;
    ps->token_start = 1;
    return 0;
}

static int flow_entry(prescan *ps)
{
    ps->work += ps->flow;
    if (ps->work > SRC_YAML_MAX_WORK)
        return fail(ps, "YAML flow collections nested too deeply for the number of entries they hold");
    ps->token_start = 1;
    return 0;
}

/* skips an anchor, tag or alias name; returns the index of its last character */
static size_t skip_name(const char *l, size_t i, size_t len, int in_flow)
{
    while (i + 1 < len && !is_blank(l[i + 1]) && !(in_flow && is_flow_indicator(l[i + 1]))) i++;
    return i;
}

/* "|" or ">" with its header: the block scalar's content starts on the next line */
static void start_block_scalar(prescan *ps, const char *l, size_t i, size_t len)
{
    int digit = 0;
    for (i++; i < len && !is_blank(l[i]) && l[i] != '#'; i++)
        if (l[i] >= '1' && l[i] <= '9') digit = l[i] - '0';
    ps->bs_parent = ps->ncols > 0 ? ps->cols[ps->ncols - 1] : -1;
    ps->bs_indent = digit ? (ps->bs_parent < 0 ? 0 : ps->bs_parent) + digit : -1;
    ps->mode = P_BLOCK_SCALAR;
}

/* a character in NORMAL mode inside a flow collection; returns the new index or -1 */
static long flow_char(prescan *ps, const char *l, size_t i, size_t len)
{
    char c = l[i];
    if (c == '[' || c == '{') return flow_open(ps) ? -1 : (long)i;
    if (c == ']' || c == '}') {
        if (ps->flow > 0) ps->flow--;
        ps->token_start = 0;
        return (long)i;
    }
    if (c == ',' || c == ':' || c == '?') return flow_entry(ps) ? -1 : (long)i;
    if (c == '\'' || c == '"') ps->mode = c == '\'' ? P_SQUOTE : P_DQUOTE;
    else if (c == '&' || c == '!' || c == '*') i = skip_name(l, i, len, 1);
    else ps->mode = P_PLAIN;
    return (long)i;
}

/* a character in NORMAL mode in block context; returns the new index, -1 on error, -2 = rest of line done */
static long block_char(prescan *ps, const char *l, size_t i, size_t len)
{
    char c = l[i];
    int indicator = (c == '-' || c == '?' || c == ':') && (i + 1 == len || is_blank(l[i + 1]));
    if (ps->pending_level && !(c == ':' && indicator)) {
        if (block_level(ps, (int)i, c == '-' && indicator ? K_SEQ : K_MAP) != 0) return -1;
        ps->pending_level = 0;
        ps->unconfirmed = indicator ? -1 : (int)i;
    }
    if (indicator) {
        ps->pending_level = c != ':';  /* "- x" and "? x": x opens a level of its own */
        if (c == ':') ps->unconfirmed = -1;
        ps->token_start = 1;
        return (long)i;
    }
    /* libyaml's scanner opens a flow level at any '[' or '{' that is not inside a scalar,
       even right after a quoted scalar, where the parser then fails: count it */
    if (c == '[' || c == '{') return flow_open(ps) ? -1 : (long)i;
    if (!ps->token_start) { /* after a quoted scalar or flow collection: only ':' belongs here */
        ps->mode = P_PLAIN;
        return (long)i;
    }
    if (c == '\'' || c == '"') ps->mode = c == '\'' ? P_SQUOTE : P_DQUOTE;
    else if (c == '|' || c == '>') {
        start_block_scalar(ps, l, i, len);
        return -2;
    } else if (c == '&' || c == '!') i = skip_name(l, i, len, 0);
    else if (c == '*') {
        i = skip_name(l, i, len, 0);
        ps->token_start = 0;
    } else if (c == '%' && i == 0) return -2; /* a directive */
    else ps->mode = P_PLAIN;
    return (long)i;
}

/* a character inside a plain scalar: does it end it? */
static void plain_char(prescan *ps, const char *l, size_t i, size_t len)
{
    char c = l[i], next = i + 1 < len ? l[i + 1] : ' ';
    if (c == ':' && (is_blank(next) || (ps->flow && is_flow_indicator(next)))) {
        ps->mode = P_NORMAL;
        ps->token_start = 1;
        if (ps->flow) ps->work += ps->flow;
        else ps->unconfirmed = -1;
    } else if (ps->flow && is_flow_indicator(c))
        ps->mode = P_NORMAL;
}

/* scans l[i..len) of one line; returns 0 or -1 */
static int scan_chars(prescan *ps, const char *l, size_t i, size_t len)
{
    for (; i < len; i++) {
        char c = l[i];
        long r;
        if (ps->mode == P_SQUOTE) {
            if (c == '\'') {
                if (i + 1 < len && l[i + 1] == '\'') i++;
                else ps->mode = P_NORMAL, ps->token_start = 0;
            }
            continue;
        }
        if (ps->mode == P_DQUOTE) {
            if (c == '\\') i++;
            else if (c == '"') ps->mode = P_NORMAL, ps->token_start = 0;
            continue;
        }
        /* a comment ends the line (and a plain scalar). Between tokens '#' always starts one, as
           in libyaml's scanner (`{#b: c}` is "{" and a comment); inside a plain scalar only
           after a blank. */
        if (c == '#' && (ps->mode != P_PLAIN || i == 0 || is_blank(l[i - 1]))) {
            if (ps->mode == P_PLAIN) ps->mode = P_NORMAL;
            return 0;
        }
        if (ps->mode == P_PLAIN) {
            plain_char(ps, l, i, len);
            if (ps->mode == P_PLAIN || !ps->flow || !is_flow_indicator(c)) continue;
        }
        if (is_blank(c)) continue;
        r = ps->flow ? flow_char(ps, l, i, len) : block_char(ps, l, i, len);
        if (r == -1) return -1;
        if (r == -2) return 0;
        i = (size_t)r;
    }
    return 0;
}

static size_t indent_of(const char *l, size_t len)
{
    size_t i = 0;
    while (i < len && l[i] == ' ') i++;
    return i;
}

static int rest_is_blank(const char *l, size_t i, size_t len)
{
    while (i < len && is_blank(l[i])) i++;
    return i == len;
}

/* the end of a line in block context: a level opened for a token that turned out to be a
   scalar (no ':' after it) is closed again, so that the next line's indentation is
   compared with the level libyaml compares it with */
static void end_of_line(prescan *ps)
{
    if (ps->flow || ps->unconfirmed < 0 || ps->mode == P_SQUOTE || ps->mode == P_DQUOTE) return;
    if (ps->ncols > 0 && ps->cols[ps->ncols - 1] == ps->unconfirmed && ps->kinds[ps->ncols - 1] == K_MAP)
        ps->ncols--;
    ps->unconfirmed = -1;
}

/* one line (without its break) */
static int scan_line(prescan *ps, const char *l, size_t len)
{
    size_t ind = indent_of(l, len);
    if (ps->mode == P_BLOCK_SCALAR) {
        if (rest_is_blank(l, ind, len)) return 0;
        if (ps->bs_indent < 0) ps->bs_indent = (int)ind > ps->bs_parent ? (int)ind : ps->bs_parent + 1;
        if ((int)ind >= ps->bs_indent) return 0;
        ps->mode = P_NORMAL;
    }
    if (ps->mode == P_SQUOTE || ps->mode == P_DQUOTE) return scan_chars(ps, l, 0, len);
    if (rest_is_blank(l, ind, len)) return 0;
    if (ps->mode == P_PLAIN) {
        /* a plain scalar goes on on the next line when that is indented more (in flow: always) */
        int top = ps->ncols > 0 ? ps->cols[ps->ncols - 1] : -1;
        if (l[ind] != '#' && (ps->flow || (int)ind > top)) return scan_chars(ps, l, ind, len);
        ps->mode = P_NORMAL;
    }
    if (ps->flow) return scan_chars(ps, l, ind, len);
    if (len >= 3 && (!strncmp(l, "---", 3) || !strncmp(l, "...", 3)) && (len == 3 || is_blank(l[3]))) {
        ps->ncols = 0; /* a document marker: a new document starts from nothing */
        ps->pending_level = ps->token_start = 1;
        return l[0] == '-' ? scan_chars(ps, l, 3, len) : 0;
    }
    ps->pending_level = ps->token_start = 1;
    return scan_chars(ps, l, ind, len);
}

int src_yaml_prescan(const char *text, size_t len, int *max_flow, char *why, size_t whyn)
{
    static const prescan zero;
    prescan *ps = malloc(sizeof *ps);
    size_t i = 0;
    int rc = 0;
    if (max_flow) *max_flow = 0;
    if (len > SRC_YAML_MAX_BYTES) {
        snprintf(why, whyn, "larger than %d bytes: no MLflow meta.yaml is", SRC_YAML_MAX_BYTES);
        free(ps);
        return -1;
    }
    if (!ps) {
        snprintf(why, whyn, "out of memory");
        return -1;
    }
    *ps = zero;
    ps->why = why;
    ps->whyn = whyn;
    ps->mode = P_NORMAL;
    ps->unconfirmed = -1;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) i = 3; /* a UTF-8 byte order mark */
    while (i < len && rc == 0) {
        size_t e = i, b = 0;
        while (e < len && (b = break_len(text, e, len)) == 0) e++;
        ps->line++;
        rc = scan_line(ps, text + i, e - i);
        end_of_line(ps);
        i = e + b;
    }
    if (max_flow) *max_flow = ps->max_flow;
    free(ps);
    return rc;
}
