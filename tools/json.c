/* tools/json.c — see json.h */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { JSON_MAX_NESTING = 64 };   /* MLflow's answers nest a handful of levels */

/* length of the valid UTF-8 sequence at s (1..4), or 0 when invalid */
static size_t utf8_seq_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n, i;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
    else return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

int json_utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    for (; *s; s += n)
        if ((n = utf8_seq_len(s)) == 0) return 0;
    return 1;
}

void json_str(sbuf *b, const char *str)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str, *run = s;
    sb_add(b, "\"", 1);
    while (*s) {
        size_t n = utf8_seq_len(s);
        if (n > 1 || (n == 1 && *s >= 0x20 && *s != '"' && *s != '\\')) {
            s += n;
            continue;
        }
        sb_add(b, (const char *)run, (size_t)(s - run));
        switch (n ? *s : 0) {
        case '"': sb_add(b, "\\\"", 2); break;
        case '\\': sb_add(b, "\\\\", 2); break;
        case '\n': sb_add(b, "\\n", 2); break;
        case '\r': sb_add(b, "\\r", 2); break;
        case '\t': sb_add(b, "\\t", 2); break;
        case 0: sb_add(b, "\\ufffd", 6); break; /* an invalid byte, as Python's errors="replace" */
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[*s >> 4], hex[*s & 15]};
            sb_add(b, u, 6);
        }
        }
        s++;
        run = s;
    }
    sb_add(b, (const char *)run, (size_t)(s - run));
    sb_add(b, "\"", 1);
}

void json_double(sbuf *b, double v)
{
    char tmp[40];
    int prec;
    if (isnan(v)) {
        sb_puts(b, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        sb_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    if (v == 0.0) { /* "-0" would be read back as the integer 0: keep the sign */
        sb_puts(b, signbit(v) ? "-0.0" : "0.0");
        return;
    }
    for (prec = 15; prec <= 17; prec++) { /* shortest of %.15g..%.17g that reads back exactly */
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    sb_puts(b, tmp);
}

void json_kv_object(sbuf *b, const kvlist *l)
{
    size_t i;
    sb_puts(b, "{");
    for (i = 0; l && i < l->n; i++) {
        if (i) sb_puts(b, ",");
        json_str(b, l->v[i].key);
        sb_puts(b, ":");
        json_str(b, l->v[i].value);
    }
    sb_puts(b, "}");
}

void json_kv_array(sbuf *b, const kvlist *l)
{
    size_t i;
    sb_puts(b, "[");
    for (i = 0; l && i < l->n; i++) {
        sb_puts(b, i ? ",{\"key\":" : "{\"key\":");
        json_str(b, l->v[i].key);
        sb_puts(b, ",\"value\":");
        json_str(b, l->v[i].value);
        sb_puts(b, "}");
    }
    sb_puts(b, "]");
}

/* cJSON recurses once per nesting level: refuse deep documents before it sees them */
static int json_too_deep(const char *t, size_t len)
{
    size_t i;
    int depth = 0, in_str = 0;
    for (i = 0; i < len; i++) {
        char c = t[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = 0;
        } else if (c == '"') in_str = 1;
        else if (c == '{' || c == '[') {
            if (++depth > JSON_MAX_NESTING) return 1;
        } else if (c == '}' || c == ']')
            depth--;
    }
    return 0;
}

cJSON *json_parse(const char *text, size_t len)
{
    if (!text || json_too_deep(text, len)) return NULL;
    return cJSON_ParseWithLength(text, len);
}

int json_get_str(const cJSON *o, const char *k, const char **out)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    if (!cJSON_IsString(v) || !v->valuestring) return -1;
    *out = v->valuestring;
    return 0;
}

int json_get_ll(const cJSON *o, const char *k, long long lo, long long hi, long long *out)
{
    return json_value_ll(cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL, lo, hi, out);
}

int json_value_ll(const cJSON *v, long long lo, long long hi, long long *out)
{
    long long x;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        /* 2^63 is the first double past LLONG_MAX; fractions are not int64s */
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d)) return -1;
        x = (long long)d;
    } else if (cJSON_IsString(v) && v->valuestring) { /* proto JSON writes int64 as a string */
        char *end;
        const char *s = v->valuestring;
        if (!*s || (*s != '-' && (*s < '0' || *s > '9'))) return -1;
        errno = 0;
        x = strtoll(s, &end, 10);
        if (errno || *end) return -1;
    } else
        return -1;
    if (x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

int json_get_int(const cJSON *o, const char *k, int lo, int hi, int *out)
{
    long long x;
    if (json_get_ll(o, k, lo, hi, &x) != 0) return -1;
    *out = (int)x;
    return 0;
}

int json_get_bool(const cJSON *o, const char *k, int *out)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    if (!cJSON_IsBool(v)) return -1;
    *out = cJSON_IsTrue(v);
    return 0;
}

const cJSON *json_get_obj(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsObject(v) ? v : NULL;
}

const cJSON *json_get_arr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsArray(v) ? v : NULL;
}

int json_get_id(const cJSON *o, const char *k, const char **out)
{
    const char *s, *p;
    if (json_get_str(o, k, &s) != 0) return -1;
    if (!*s || strlen(s) > 256) return -1;
    for (p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == ':' || c == '/'))
            return -1;
    }
    *out = s;
    return 0;
}
