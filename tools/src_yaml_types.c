/* tools/src_yaml_types.c — which Python type PyYAML's SafeLoader (YAML 1.1)
 * gives a scalar, and its text as Python's str() of that value for ints and
 * bools. MLflow's reader depends on it: `experiment_id: 0` is an int that
 * MLflow turns into "0", `experiment_id: 010` is the int 8 (octal), and a run
 * folder "010" then does not match. The patterns are PyYAML's implicit
 * resolvers (yaml/resolver.py) written out by hand. */
#include "src_int.h"

#include <stdio.h>
#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int text_is(const char *s, size_t n, const char *const *set)
{
    for (; *set; set++)
        if (strlen(*set) == n && memcmp(s, *set, n) == 0) return 1;
    return 0;
}

static int match_null(const char *s, size_t n)
{
    static const char *const v[] = {"~", "null", "Null", "NULL", NULL};
    return n == 0 || text_is(s, n, v);
}

static int match_bool(const char *s, size_t n, int *value)
{
    static const char *const t[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", NULL};
    static const char *const f[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", NULL};
    if (!text_is(s, n, t) && !text_is(s, n, f)) return 0;
    *value = text_is(s, n, t);
    return 1;
}

/* s[i..) while chars are in set; returns the new index */
static size_t span(const char *s, size_t i, size_t n, const char *set)
{
    while (i < n && strchr(set, s[i]) && s[i]) i++;
    return i;
}

/* (?::[0-5]?[0-9])+ from i: returns the index after it, or 0 when absent */
static size_t sexagesimal_tail(const char *s, size_t i, size_t n)
{
    size_t start = i;
    while (i < n && s[i] == ':') {
        size_t j = i + 1;
        if (j + 1 < n && s[j] >= '0' && s[j] <= '5' && is_digit(s[j + 1])) j += 2;
        else if (j < n && is_digit(s[j])) j += 1;
        else return 0;
        i = j;
    }
    return i > start ? i : 0;
}

static int match_float(const char *s, size_t n)
{
    size_t i = 0, j;
    if (n == 4 && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4))) return 1;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    if (n - i == 4 && (!memcmp(s + i, ".inf", 4) || !memcmp(s + i, ".Inf", 4) || !memcmp(s + i, ".INF", 4)))
        return 1;
    if (i < n && is_digit(s[i])) {
        j = span(s, i + 1, n, "0123456789_");
        if (j < n && s[j] == ':') { /* sexagesimal float: 1:30.5 */
            j = sexagesimal_tail(s, j, n);
            return j && j < n && s[j] == '.' && span(s, j + 1, n, "0123456789_") == n;
        }
        if (j >= n || s[j] != '.') return 0;
        i = j + 1;
    } else if (i == 0 && i < n && s[i] == '.' && i + 1 < n && is_digit(s[i + 1])) {
        i += 2; /* .5 (no sign allowed here) */
    } else
        return 0;
    i = span(s, i, n, "0123456789_");
    if (i < n && (s[i] == 'e' || s[i] == 'E')) { /* PyYAML wants the exponent's sign */
        if (i + 2 >= n || (s[i + 1] != '-' && s[i + 1] != '+') || !is_digit(s[i + 2])) return 0;
        i = span(s, i + 2, n, "0123456789");
    }
    return i == n;
}

/* PyYAML's int: value when it fits in long long (*ok = 0 when it does not) */
static int match_int(const char *s, size_t n, long long *value, int *ok)
{
    size_t i = 0, j;
    int neg = 0, base = 10, sexa = 0;
    unsigned long long acc = 0, part = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i >= n) return 0;
    if (n - i >= 3 && s[i] == '0' && s[i + 1] == 'b') base = 2, i += 2, j = span(s, i, n, "01_");
    else if (n - i >= 3 && s[i] == '0' && s[i + 1] == 'x') base = 16, i += 2, j = span(s, i, n, "0123456789abcdefABCDEF_");
    else if (s[i] == '0' && n - i >= 2) base = 8, i += 1, j = span(s, i, n, "01234567_");
    else if (s[i] == '0') j = i + 1;
    else if (is_digit(s[i])) {
        j = span(s, i, n, "0123456789_");
        if (j < n && s[j] == ':') sexa = 1, j = sexagesimal_tail(s, j, n);
    } else
        return 0;
    if (j != n || j == i) return 0;
    *ok = 1;
    for (; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c == '_') continue;
        if (c == ':') { /* base 60: each group is a "digit" */
            if (acc > (~0ULL - part) / 60) *ok = 0;
            acc = acc * 60 + part;
            part = 0;
            continue;
        }
        d = is_digit(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        if ((sexa ? part : acc) > (~0ULL - d) / (unsigned)base) *ok = 0;
        if (sexa) part = part * 10 + d;
        else acc = acc * (unsigned)base + d;
    }
    if (sexa) {
        if (acc > (~0ULL - part) / 60) *ok = 0;
        acc = acc * 60 + part;
    }
    if (acc > (unsigned long long)9223372036854775807LL + (unsigned long long)neg) *ok = 0;
    if (*ok) *value = neg ? (long long)(0 - acc) : (long long)acc;
    return 1;
}

static int match_timestamp(const char *s, size_t n)
{
    size_t i;
    if (n < 8 || !is_digit(s[0]) || !is_digit(s[1]) || !is_digit(s[2]) || !is_digit(s[3]) || s[4] != '-') return 0;
    i = span(s, 5, n, "0123456789");
    if (i - 5 < 1 || i - 5 > 2 || i >= n || s[i] != '-') return 0;
    i = span(s, i + 1, n, "0123456789");
    if (i == n) return n == 10; /* a date alone must be YYYY-MM-DD */
    if (s[i] == 'T' || s[i] == 't') i++;
    else if (s[i] == ' ' || s[i] == '\t') i = span(s, i, n, " \t");
    else return 0;
    /* the time part: accepted loosely (only the type matters here) */
    return i < n && is_digit(s[i]) && memchr(s + i, ':', n - i) != NULL;
}

int src_yaml_tag_ok(const char *tag, int type)
{
    static const char prefix[] = "tag:yaml.org,2002:";
    const char *t;
    if (!strcmp(tag, "!")) return 1;
    if (strncmp(tag, prefix, sizeof prefix - 1) != 0) return 0;
    t = tag + sizeof prefix - 1;
    if (type == SRC_Y_MAP) return !strcmp(t, "map");
    if (type == SRC_Y_SEQ) return !strcmp(t, "seq");
    return !strcmp(t, "str") || !strcmp(t, "int") || !strcmp(t, "float") || !strcmp(t, "bool") ||
           !strcmp(t, "null") || !strcmp(t, "timestamp") || !strcmp(t, "binary");
}

/* the type of a scalar: by its explicit tag, or for a plain one by its text */
static int scalar_type(const char *s, size_t n, int plain, const char *tag, long long *iv, int *ok)
{
    const char *t = tag && strlen(tag) > 18 ? tag + 18 : "";
    int bv;
    if (tag && strcmp(tag, "!") && strcmp(t, "str") && strcmp(t, "binary")) { /* !!int "12" and the like */
        if (!strcmp(t, "null")) return SRC_Y_NULL;
        if (!strcmp(t, "float")) return SRC_Y_FLOAT;
        if (!strcmp(t, "timestamp")) return SRC_Y_TIME;
        if (!strcmp(t, "bool")) {
            if (!match_bool(s, n, &bv)) return -1;
            *iv = bv;
            return SRC_Y_BOOL;
        }
        return match_int(s, n, iv, ok) ? SRC_Y_INT : -1;
    }
    if (!plain || tag) return SRC_Y_STR;
    if (match_bool(s, n, &bv)) {
        *iv = bv;
        return SRC_Y_BOOL;
    }
    if (match_float(s, n)) return SRC_Y_FLOAT;
    if (match_int(s, n, iv, ok)) return SRC_Y_INT;
    if (match_null(s, n)) return SRC_Y_NULL;
    if (match_timestamp(s, n)) return SRC_Y_TIME;
    return SRC_Y_STR;
}

int src_yaml_resolve(src_ydoc *d, src_ynode *node, const char *s, size_t n, int plain, const char *tag)
{
    long long iv = 0;
    int ok = 0, type;
    char num[32];
    if (tag && !src_yaml_tag_ok(tag, SRC_Y_STR)) return SRC_YR_TAG;
    if (memchr(s, '\0', n)) return SRC_YR_NUL; /* "\0" in a double-quoted scalar: no MLflow value holds one */
    type = scalar_type(s, n, plain, tag, &iv, &ok);
    if (type < 0) return SRC_YR_VALUE;
    node->type = type;
    node->ival = iv;
    node->int_ok = type == SRC_Y_BOOL || (type == SRC_Y_INT && ok);
    if (type == SRC_Y_INT && ok) { /* Python's str() of the int */
        snprintf(num, sizeof num, "%lld", iv);
        s = num;
        n = strlen(num);
    } else if (type == SRC_Y_BOOL) {
        s = iv ? "True" : "False";
        n = strlen(s);
    }
    node->off = d->text.len;
    node->len = n;
    sb_add(&d->text, s, n);
    sb_add(&d->text, "", 1);
    return d->text.oom ? SRC_YR_NOMEM : 0;
}
