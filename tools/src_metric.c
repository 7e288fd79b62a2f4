/* tools/src_metric.c — metric files: one line per point, parsed as MLflow's
 * FileStore reads it (_get_metric_from_line): the file is decoded as UTF-8 and
 * split like Python's str.splitlines(), each line strip()ped (so the trailing
 * spaces mlflow_lite.h pads lines with at 4 KiB page boundaries, and a CR,
 * vanish) and split on single spaces into 2, 3 or 5 fields: timestamp (int),
 * value (float: "nan", "inf", "-Infinity", "1_000.5" are all Python floats),
 * step (int), dataset name and digest. Where MLflow fails the whole run on one
 * bad line, we skip that line with a problem naming its number.
 *
 * Files are read incrementally from a byte offset, in whole lines; a last line
 * without its '\n' may still be being written and is left for the next pass
 * unless the caller says the run has ended. */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include "json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    METRIC_BLOCK = 256 << 10,          /* bytes read at a time */
    METRIC_MAX_PROBLEMS = 100          /* malformed lines reported one by one per chunk */
};

/* ---- Python's notion of white space and line breaks ---------------------------------- */

/* bytes of the white space character (str.isspace()) starting at p, else 0 */
static size_t space_at(const unsigned char *p, const unsigned char *end)
{
    if (p >= end) return 0;
    if (*p == ' ' || (*p >= 0x09 && *p <= 0x0D) || (*p >= 0x1C && *p <= 0x1F)) return 1;
    if (end - p >= 2 && p[0] == 0xC2 && (p[1] == 0x85 || p[1] == 0xA0)) return 2;
    if (end - p < 3) return 0;
    if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3;
    if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF)) return 3;
    if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
    return 0;
}

/* bytes of the white space character that ends just before p, else 0 */
static size_t space_before(const unsigned char *start, const unsigned char *p)
{
    size_t k;
    for (k = 1; k <= 3 && p - k >= start; k++)
        if (space_at(p - k, p) == k) return k;
    return 0;
}

/* str.strip(): trims the span (*s, *n) in place */
static void py_strip(const char **s, size_t *n)
{
    const unsigned char *b = (const unsigned char *)*s, *e = b + *n;
    size_t k;
    while ((k = space_at(b, e)) > 0) b += k;
    while (e > b && (k = space_before(b, e)) > 0) e -= k;
    *s = (const char *)b;
    *n = (size_t)(e - b);
}

/* bytes of a line break other than '\n' that str.splitlines() splits at, else 0 */
static size_t other_break_at(const unsigned char *p, const unsigned char *end)
{
    if (*p == '\r' || *p == 0x0B || *p == 0x0C || (*p >= 0x1C && *p <= 0x1E)) return 1;
    if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0x85) return 2;
    if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) return 3;
    return 0;
}

/* ---- Python's int() and float() on one field ---------------------------------------------- */

/* digits with single '_' between them, as in PEP 515; returns the index after them */
static size_t digit_part(const char *s, size_t i, size_t n, sbuf *clean)
{
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        sb_add(clean, s + i, 1);
        i++;
        if (i + 1 < n && s[i] == '_' && s[i + 1] >= '0' && s[i + 1] <= '9') i++;
    }
    return i > start ? i : start;
}

/* The common spelling, "-?[0-9]{1,18}", without the copies the general path makes
   (a metric file is millions of such fields). 1 parsed, 0 take the general path. */
static int plain_int(const char *s, size_t n, long long *out)
{
    size_t i = n && s[0] == '-';
    long long v = 0;
    if (n <= i || n - i > 18) return 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = s[0] == '-' ? -v : v;
    return 1;
}

static int py_int(const char *s, size_t n, long long *out)
{
    sbuf c = {0};
    size_t i = 0;
    char *end;
    long long v;
    int ok;
    if (plain_int(s, n, out)) return 0;
    py_strip(&s, &n);
    if (n && (s[0] == '+' || s[0] == '-')) {
        sb_add(&c, s, 1);
        i = 1;
    }
    ok = n > i && digit_part(s, i, n, &c) == n && !c.oom;
    errno = 0;
    v = ok ? strtoll(c.s, &end, 10) : 0;
    ok = ok && !errno && !*end;
    sb_free(&c);
    if (ok) *out = v;
    return ok ? 0 : -1;
}

static int ci_equal(const char *s, size_t n, const char *word)
{
    size_t i;
    if (strlen(word) != n) return 0;
    for (i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i]) return 0;
    return 1;
}

/* strtod with '.' as the decimal point whatever LC_NUMERIC says */
static double c_strtod(char *s)
{
    const char *dp = localeconv()->decimal_point;
    char *dot = strchr(s, '.');
    if (dot && dp && dp[0] && dp[0] != '.' && !dp[1]) *dot = dp[0];
    return strtod(s, NULL);
}

/* The common spellings: only [0-9.eE+-], which strtod reads exactly as Python's
   float() does when it consumes the whole field (anything else, "1_0", "inf", a
   partly read field, takes the general path). 1 parsed, 0 not. */
static int plain_float(const char *s, size_t n, double *out)
{
    char tmp[64], *end, *dot;
    size_t i;
    if (n == 0 || n >= sizeof tmp) return 0;
    for (i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-')) return 0;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    dot = memchr(tmp, '.', n);
    if (dot) {
        const char *dp = localeconv()->decimal_point; /* strtod reads the locale's point */
        if (dp && dp[0] && dp[0] != '.') {
            if (dp[1]) return 0;
            *dot = dp[0];
        }
    }
    *out = strtod(tmp, &end);
    return end == tmp + n;
}

static int py_float(const char *s, size_t n, double *out)
{
    sbuf c = {0};
    size_t i = 0, j;
    int neg = 0, ok;
    if (plain_float(s, n, out)) return 0;
    py_strip(&s, &n);
    if (n && (s[0] == '+' || s[0] == '-')) neg = s[i++] == '-';
    if (ci_equal(s + i, n - i, "inf") || ci_equal(s + i, n - i, "infinity") || ci_equal(s + i, n - i, "nan")) {
        *out = (s[i] | 0x20) == 'n' ? NAN : INFINITY;
        if (neg) *out = -*out;
        return 0;
    }
    sb_add(&c, neg ? "-" : "+", 1);
    j = digit_part(s, i, n, &c);
    ok = j > i;
    if (j < n && s[j] == '.') {
        size_t k;
        sb_add(&c, ".", 1);
        k = digit_part(s, j + 1, n, &c);
        ok = ok || k > j + 1;
        j = k;
    }
    if (ok && j < n && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        sb_add(&c, "e", 1);
        if (k < n && (s[k] == '+' || s[k] == '-')) sb_add(&c, s + k++, 1);
        j = digit_part(s, k, n, &c);
        ok = j > k;
    }
    ok = ok && j == n && !c.oom;
    if (ok) *out = c_strtod(c.s); /* 1e400 is inf and 1e-400 is 0.0, as in Python */
    sb_free(&c);
    return ok ? 0 : -1;
}

/* ---- one line ------------------------------------------------------------------------------ */

int src_metric_fields(const char *line, size_t len, const char **f, size_t *flen, int max, const char **why)
{
    int n = 0;
    const char *p, *end;
    py_strip(&line, &len);
    *why = NULL;
    if (len == 0) {
        *why = "a blank line (MLflow's reader fails on it)";
        return -1;
    }
    if (len > SRC_METRIC_LINE_MAX) {
        *why = "a line longer than 4096 bytes";
        return -1;
    }
    for (p = line, end = line + len; n <= max; n++) { /* str.split(" "): single spaces, empty fields kept */
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (n == max) {
            *why = "more fields than MLflow reads";
            return -1;
        }
        f[n] = p;
        flen[n] = (size_t)((sp ? sp : end) - p);
        if (!sp) return n + 1;
        p = sp + 1;
    }
    return -1;
}

/* a dataset name or digest field as a string; NULL with *why */
static char *text_field(const char *s, size_t n, const char **why)
{
    char *t = malloc(n + 1);
    if (!t) {
        *why = "out of memory";
        return NULL;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    if (!json_utf8_valid(t)) { /* MLflow decodes the file as UTF-8 and fails on it */
        *why = "a dataset field that is not valid UTF-8";
        free(t);
        return NULL;
    }
    return t;
}

int src_parse_metric_line_why(const char *line, size_t len, src_point *out, const char **why)
{
    const char *f[6];
    size_t fl[6];
    int n = src_metric_fields(line, len, f, fl, 5, why);
    memset(out, 0, sizeof *out);
    if (n < 0) return -1;
    if (n != 2 && n != 3 && n != 5) {
        *why = "4 fields (MLflow reads 2, 3 or 5: timestamp value [step [dataset digest]])";
        return -1;
    }
    if (py_int(f[0], fl[0], &out->timestamp) != 0) {
        *why = "the timestamp is not an integer";
        return -1;
    }
    if (py_float(f[1], fl[1], &out->value) != 0) {
        *why = "the value is not a number";
        return -1;
    }
    /* MLflow's FileStore reads step 0 from a 5-field line (a bug: it writes the step there);
       we keep the step that was written, as `mlflow migrate-filestore` does */
    if (n >= 3 && py_int(f[2], fl[2], &out->step) != 0) {
        *why = "the step is not an integer";
        return -1;
    }
    if (n == 5) {
        out->dataset_name = text_field(f[3], fl[3], why);
        out->dataset_digest = out->dataset_name ? text_field(f[4], fl[4], why) : NULL;
        if (!out->dataset_digest) {
            src_point_free(out);
            return -1;
        }
    }
    return 0;
}

int src_parse_metric_line(const char *line, size_t len, src_point *out)
{
    const char *why;
    return src_parse_metric_line_why(line, len, out, &why);
}

int src_parse_lm_metric_line(const char *line, size_t len, src_lm_metric *out, const char **why)
{
    const char *f[7];
    size_t fl[7];
    int n = src_metric_fields(line, len, f, fl, 6, why);
    out->run_id = out->dataset_name = out->dataset_digest = NULL;
    if (n < 0) return -1;
    if (n != 4 && n != 6) {
        *why = "MLflow reads 4 or 6 fields: timestamp value step run_id [dataset digest]";
        return -1;
    }
    if (py_int(f[0], fl[0], &out->timestamp) != 0 || py_float(f[1], fl[1], &out->value) != 0 ||
        py_int(f[2], fl[2], &out->step) != 0) {
        *why = "the timestamp, value or step is not a number";
        return -1;
    }
    if (!(out->run_id = text_field(f[3], fl[3], why)) ||
        (n == 6 && (!(out->dataset_name = text_field(f[4], fl[4], why)) ||
                    !(out->dataset_digest = text_field(f[5], fl[5], why))))) {
        free(out->run_id);
        free(out->dataset_name);
        out->run_id = out->dataset_name = NULL;
        return -1;
    }
    return 0;
}

void src_point_free(src_point *p)
{
    free(p->dataset_name);
    free(p->dataset_digest);
    p->dataset_name = p->dataset_digest = NULL;
}

/* ---- reading a file in whole lines ---------------------------------------------------------- */

typedef struct chunk_reader {
    src_metric_chunk *out;
    const char *rel;                   /* "<exp>/<run>/metrics/<key>", for problems */
    long line;                         /* number of the line being read */
    size_t nproblems;                  /* malformed lines seen */
    int stopped;                       /* read_lines stopped at the byte limit */
} chunk_reader;

static void malformed(chunk_reader *c, const char *why)
{
    if (++c->nproblems <= METRIC_MAX_PROBLEMS)
        src_problems_add(&c->out->problems, SRC_MALFORMED, c->rel, c->line, "%s: the line is skipped", why);
}

static int push_point(src_metric_chunk *o, src_point *p)
{
    src_point *nv = src_grow(o->pts, &o->cap, o->n, sizeof *nv, 256);
    if (!nv) return -1;
    o->pts = nv;
    o->pts[o->n++] = *p;
    return 0;
}

/* one '\n'-terminated line (the '\n' excluded) cut further where str.splitlines() would
   (a CR alone, VT, FF, FS, GS, RS, NEL, LS, PS); fn gets each piece */
static int split_record(const char *s, size_t n, long lineno, src_line_fn fn, void *ctx)
{
    const unsigned char *end = (const unsigned char *)s + n, *start = (const unsigned char *)s;
    if (n && s[n - 1] == '\r') end--; /* "\r\n" is one break */
    for (;;) {
        const unsigned char *q = start;
        size_t k = 0;
        int rc;
        while (q < end && (k = other_break_at(q, end)) == 0) q++;
        rc = fn(ctx, (const char *)start, (size_t)(q - start), lineno, q >= end);
        if (rc != 0 || q >= end) return rc;
        start = q + k;
    }
}

int src_split_lines(const char *buf, size_t n, src_line_fn fn, void *ctx)
{
    const char *p = buf, *end = buf + n;
    long lineno = 1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        int rc = split_record(p, (size_t)(e - p), lineno++, fn, ctx);
        if (rc != 0) return rc;
        p = nl ? nl + 1 : end;
    }
    return 0;
}

typedef struct line_at {
    chunk_reader *c;
    long long at, next;                /* where the line starts, and where the next one does */
} line_at;

static int take_piece(void *vctx, const char *s, size_t n, long lineno, int last)
{
    line_at *l = vctx;
    src_point pt;
    const char *why;
    if (src_parse_metric_line_why(s, n, &pt, &why) != 0) {
        if (why && !strcmp(why, "out of memory")) return -1;
        malformed(l->c, why ? why : "malformed");
        return 0;
    }
    pt.line = lineno;
    /* a point that is not its line's last piece does not complete the line: if the caller
       stops after it, the line is read again rather than lost */
    pt.end_offset = last ? l->next : l->at;
    if (push_point(l->c->out, &pt) != 0) {
        src_point_free(&pt);
        return -1;
    }
    return 0;
}

/* one line (its '\n' excluded) that starts at byte `at`; the next one starts at `next` */
static int take_line(chunk_reader *c, const char *s, size_t n, long long at, long long next)
{
    line_at l;
    l.c = c;
    l.at = at;
    l.next = next;
    return split_record(s, n, c->line, take_piece, &l);
}

/* scans forward from `at` to just after the next '\n' without keeping the bytes: a line
   too long to be a metric line. Returns the offset after it, or -1 (none before `end`) */
static long long skip_long_line(int fd, char *buf, long long at, long long end)
{
    while (at < end) {
        size_t want = (size_t)(end - at < METRIC_BLOCK ? end - at : METRIC_BLOCK);
        long long got = srcfs_pread_full(fd, buf, want, at);
        char *nl;
        if (got <= 0) return -1;
        nl = memchr(buf, '\n', (size_t)got);
        if (nl) return at + (nl - buf) + 1;
        at += got;
    }
    return -1;
}

/* reads the whole lines between from and end (the size seen at open); with stop >= 0,
   stops before the first line that ends after stop, once one line was taken. Returns
   the offset after the last line taken, or -1 (read error, out of memory: errno) */
static long long read_lines(chunk_reader *c, int fd, char *buf, long long from, long long end, long long stop)
{
    long long pos = from;
    int took = 0;
    while (pos < end) {
        size_t want = (size_t)(end - pos < METRIC_BLOCK ? end - pos : METRIC_BLOCK);
        long long got = srcfs_pread_full(fd, buf, want, pos), next;
        const char *p = buf, *nl;
        if (got <= 0) return got < 0 ? -1 : pos; /* 0: it shrank while we read */
        while ((nl = memchr(p, '\n', (size_t)(buf + got - p))) != NULL) {
            long long at = pos + (p - buf);
            next = pos + (nl - buf) + 1;
            if (stop >= 0 && next > stop && took) {
                c->stopped = 1;
                return at;
            }
            if (take_line(c, p, (size_t)(nl - p), at, next) != 0) {
                errno = ENOMEM;
                return -1;
            }
            c->line++;
            took = 1;
            p = nl + 1;
        }
        if (p != buf) {
            pos += p - buf;
            continue;
        }
        if (got < METRIC_BLOCK || (next = skip_long_line(fd, buf, pos, end)) < 0) break; /* the unterminated tail */
        if (stop >= 0 && next > stop && took) {
            c->stopped = 1;
            return pos;
        }
        malformed(c, "a line longer than 4096 bytes");
        c->line++;
        took = 1;
        pos = next;
    }
    return pos;
}

/* the last line has no '\n' yet: taken only when the writer is known to be done */
static long long read_tail(chunk_reader *c, int fd, char *buf, long long pos, long long end)
{
    long long got;
    if (pos >= end) return pos;
    if (end - pos > METRIC_BLOCK) malformed(c, "a line longer than 4096 bytes");
    else if ((got = srcfs_pread_full(fd, buf, (size_t)(end - pos), pos)) != end - pos) return pos;
    else if (take_line(c, buf, (size_t)got, pos, end) != 0) {
        errno = ENOMEM;
        return -1;
    }
    c->line++;
    return end;
}

int src_metric_read(src_store *s, const src_run *r, const char *key, long long from, long first_line,
                    long long max_bytes, int take_unterminated, src_metric_chunk *out, tool_err *e)
{
    chunk_reader c;
    sbuf rel = {0};
    struct stat st;
    char *buf = NULL;
    long long pos = -1;
    int why = 0, fd = -1, rc = 0;
    memset(out, 0, sizeof *out);
    err_clear(e);
    sb_printf(&rel, "%s/metrics/%s", r->rel, key);
    if (rel.oom) return err_set(e, EXIT_FAILED, r->rel, "out of memory");
    if (!src_valid_key(key)) rc = err_set(e, EXIT_SOURCE, rel.s, SRC_BAD_KEY_WHY);
    else if ((fd = srcfs_open_file(s->root_fd, rel.s, &st, &why)) < 0)
        rc = err_set(e, EXIT_SOURCE, rel.s, "%s", srcfs_why(why));
    else if (from > (long long)st.st_size) {
        out->rewritten = 1;
        rc = err_set(e, EXIT_SOURCE, rel.s, "was rewritten: it is now %lld bytes, shorter than the %lld already read",
                     (long long)st.st_size, from);
    } else if (!(buf = malloc(METRIC_BLOCK)))
        rc = err_set(e, EXIT_FAILED, rel.s, "out of memory");
    if (rc == 0) {
        c.out = out;
        c.rel = rel.s;
        c.line = first_line > 0 ? first_line : 1;
        c.nproblems = 0;
        c.stopped = 0;
        if (from < 0) from = 0;
        pos = read_lines(&c, fd, buf, from, (long long)st.st_size, max_bytes > 0 ? from + max_bytes : -1);
        /* the tail too, unless the byte limit stopped us, or the tail would pass it after other lines */
        if (pos >= 0 && take_unterminated && !c.stopped &&
            (max_bytes <= 0 || (long long)st.st_size <= from + max_bytes || pos == from))
            pos = read_tail(&c, fd, buf, pos, (long long)st.st_size);
        if (pos < 0) rc = err_set(e, errno == ENOMEM ? EXIT_FAILED : EXIT_SOURCE, rel.s, "%s", strerror(errno));
        if (c.nproblems > METRIC_MAX_PROBLEMS)
            src_problems_add(&out->problems, SRC_MALFORMED, rel.s, 0, "%zu more malformed lines were skipped",
                             c.nproblems - METRIC_MAX_PROBLEMS);
        out->end_offset = pos;
        out->next_line = c.line;
    }
    if (fd >= 0) close(fd);
    free(buf);
    sb_free(&rel);
    if (rc != 0) {
        int rw = out->rewritten;
        src_metric_chunk_free(out);
        out->rewritten = rw;
    }
    return rc;
}

void src_metric_chunk_free(src_metric_chunk *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) src_point_free(&c->pts[i]);
    free(c->pts);
    src_problems_free(&c->problems);
    memset(c, 0, sizeof *c);
}

/* ---- the latest value (what MLflow's run.data.metrics holds) ---------------------------------- */

typedef struct latest_ctx {
    src_point best;
    int found;
    long bad;
    char lazy[64];                     /* best's value field, not converted yet (plain lines) */
    size_t lazy_len;
    int is_lazy;
} latest_ctx;

/* Python's (step, timestamp, value) > (step, timestamp, value): NaN is never greater */
static int later_than(const src_point *a, const src_point *b)
{
    if (a->step != b->step) return a->step > b->step;
    if (a->timestamp != b->timestamp) return a->timestamp > b->timestamp;
    return a->value > b->value;
}

static double best_value(latest_ctx *c)
{
    if (c->is_lazy) plain_float(c->lazy, c->lazy_len, &c->best.value);
    c->is_lazy = 0;
    return c->best.value;
}

/* takes pt (its value in vtext when vtext is not NULL: converted only when it is needed,
   which is once per file when the steps grow, as they do) */
static void latest_take(latest_ctx *c, src_point *pt, const char *vtext, size_t vlen)
{
    if (c->found && pt->step == c->best.step && pt->timestamp == c->best.timestamp) {
        if (vtext) plain_float(vtext, vlen, &pt->value);
        if (!(pt->value > best_value(c))) return;
        vtext = NULL;
    } else if (c->found && !later_than(pt, &c->best))
        return;
    c->best = *pt;
    c->found = 1;
    c->is_lazy = vtext != NULL;
    if (vtext) memcpy(c->lazy, vtext, c->lazy_len = vlen);
}

static int latest_piece(void *vctx, const char *s, size_t n, long lineno, int last)
{
    latest_ctx *c = vctx;
    src_point pt;
    const char *why;
    (void)lineno, (void)last;
    if (src_parse_metric_line_why(s, n, &pt, &why) != 0) {
        if (why && !strcmp(why, "out of memory")) return -1;
        c->bad++;
        return 0;
    }
    if (pt.dataset_name) pt.step = 0; /* the FileStore reads step 0 from a 5-field line */
    src_point_free(&pt);
    latest_take(c, &pt, NULL, 0);
    return 0;
}

/* [+-]?(digits[.digits?]|.digits)([eE][+-]?digits)? over the whole span: what float() takes
   in the plain spelling, so that the conversion may wait */
static int plain_float_shape(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++, d++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) d++;
    if (!d) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (e0 = i; i < n && s[i] >= '0' && s[i] <= '9'; i++) {}
        if (i == e0) return 0;
    }
    return i == n && n < 64;
}

/* "-?[0-9]{1,18}" at *p, up to the first byte that is not a digit, read by plain_int
   (which refuses 19 digits before they could overflow): 1 and *p moved past it, or 0 */
static int plain_int_at(const char **p, const char *end, long long *out)
{
    const char *q = *p + (*p < end && **p == '-');
    while (q < end && *q >= '0' && *q <= '9') q++;
    if (!plain_int(*p, (size_t)(q - *p), out)) return 0;
    *p = q;
    return 1;
}

/* "ts value step\n" in the plain spelling (ts and step "-?digits", the value as
   plain_float_shape says, single spaces between): read in one pass without the general
   path's copies. 1 done (taken into c), 0 not plain. */
static int latest_plain_line(latest_ctx *c, const char *s, size_t n)
{
    const char *p = s, *end = s + n, *v;
    size_t vlen;
    src_point pt;
    memset(&pt, 0, sizeof pt);
    if (!plain_int_at(&p, end, &pt.timestamp) || p == end || *p++ != ' ') return 0;
    for (v = p; p < end && *p != ' '; p++) {}
    vlen = (size_t)(p - v);
    if (p == end || !plain_float_shape(v, vlen)) return 0;
    p++;
    if (!plain_int_at(&p, end, &pt.step) || p != end) return 0;
    latest_take(c, &pt, v, vlen);
    return 1;
}

/* every '\n'-terminated line of buf: the plain ones at once, the others as str.splitlines() cuts them */
static int latest_lines(latest_ctx *c, const char *buf, size_t n)
{
    const char *p = buf, *end = buf + n, *nl;
    while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (!latest_plain_line(c, p, (size_t)(nl - p)) && src_split_lines(p, (size_t)(nl - p), latest_piece, c) != 0)
            return -1;
        p = nl + 1;
    }
    return p < end ? src_split_lines(p, (size_t)(end - p), latest_piece, c) : 0;
}

/* feeds every line of fd to latest_piece, the unterminated last one too; a line that
   does not fit the buffer is one bad line. 0, or -1 (read error or out of memory: errno) */
static int latest_scan(int fd, char *buf, size_t cap, latest_ctx *c)
{
    size_t keep = 0;
    long long pos = 0, got;
    int skipping = 0;
    while ((got = srcfs_pread_full(fd, buf + keep, cap - keep, pos)) > 0) {
        size_t n = keep + (size_t)got, start = 0;
        const char *nl;
        pos += got;
        if (skipping) {
            if (!(nl = memchr(buf, '\n', n))) continue;
            start = (size_t)(nl - buf) + 1;
            skipping = 0;
        }
        for (nl = buf + n; nl > buf + start && nl[-1] != '\n'; nl--) {}
        if (nl == buf + start && n == cap) { /* no line break in a full buffer */
            c->bad++;
            skipping = 1;
            keep = 0;
            continue;
        }
        if (latest_lines(c, buf + start, (size_t)(nl - buf) - start) != 0) return errno = ENOMEM, -1;
        keep = n - (size_t)(nl - buf);
        memmove(buf, nl, keep);
        if (n < cap) break; /* a short read is the end of the file (srcfs_pread_full) */
    }
    if (got < 0) return -1;
    if (keep && !skipping && src_split_lines(buf, keep, latest_piece, c) != 0) return errno = ENOMEM, -1;
    return 0;
}

int src_metric_latest(src_store *s, const src_run *r, const char *key, src_point *out, long *nbad, tool_err *e)
{
    latest_ctx c;
    sbuf rel = {0};
    struct stat st;
    char *buf = NULL;
    size_t cap;
    int why = 0, fd, rc = 0;
    memset(&c, 0, sizeof c);
    memset(out, 0, sizeof *out);
    if (nbad) *nbad = 0;
    err_clear(e);
    if (!src_valid_key(key)) return 0;
    sb_printf(&rel, "%s/metrics/%s", r->rel, key);
    if (rel.oom) return err_set(e, EXIT_FAILED, r->rel, "out of memory"), -1;
    fd = srcfs_open_file(s->root_fd, rel.s, &st, &why);
    if (fd < 0) {
        rc = why == ENOENT || why == SRCFS_NOT_DIR ? 0 : (err_set(e, EXIT_SOURCE, rel.s, "%s", srcfs_why(why)), -1);
        sb_free(&rel);
        return rc;
    }
    cap = st.st_size < METRIC_BLOCK ? (size_t)st.st_size + 1 : METRIC_BLOCK;
    if (!(buf = malloc(cap))) rc = -1, errno = ENOMEM;
    else rc = latest_scan(fd, buf, cap, &c);
    if (rc != 0) err_set(e, errno == ENOMEM ? EXIT_FAILED : EXIT_SOURCE, rel.s, "%s", strerror(errno));
    close(fd);
    free(buf);
    sb_free(&rel);
    if (nbad) *nbad = c.bad;
    if (rc != 0) return -1;
    if (c.found) best_value(&c), *out = c.best;
    return c.found;
}
