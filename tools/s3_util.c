/* tools/s3_util.c — see s3_util.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "s3_util.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

char *s3u_encode(const char *s, int keep_slash)
{
    sbuf b;
    memset(&b, 0, sizeof b);
    url_encode(&b, s, keep_slash);  /* the tool's one %-encoder: the AWS set */
    if (b.oom) {
        sb_free(&b);
        return NULL;
    }
    return b.s ? b.s : strdup("");
}

struct s3u_kv { char *k, *v; };

static int s3u_kv_cmp(const void *a, const void *b)
{
    const struct s3u_kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

char *s3u_query(int n, const char *const *keys, const char *const *vals)
{
    struct s3u_kv *kv = calloc((size_t)(n > 0 ? n : 1), sizeof *kv);
    size_t total = 1;
    char *out = NULL, *w;
    int i, ok = kv != NULL;

    for (i = 0; ok && i < n; i++) {
        kv[i].k = s3u_encode(keys[i], 0);
        kv[i].v = s3u_encode(vals[i] ? vals[i] : "", 0);
        if (!kv[i].k || !kv[i].v) ok = 0;
        else total += strlen(kv[i].k) + strlen(kv[i].v) + 2;
    }
    if (ok) {
        qsort(kv, (size_t)n, sizeof *kv, s3u_kv_cmp);
        out = malloc(total);
    }
    if (out) {
        w = out;
        for (i = 0; i < n; i++) {
            size_t a = strlen(kv[i].k), b = strlen(kv[i].v);
            if (i) *w++ = '&';
            memcpy(w, kv[i].k, a);
            w += a;
            *w++ = '=';
            memcpy(w, kv[i].v, b);
            w += b;
        }
        *w = '\0';
    }
    for (i = 0; kv && i < n; i++) {
        free(kv[i].k);
        free(kv[i].v);
    }
    free(kv);
    return out;
}

static void s3u_put_utf8(char **w, unsigned long cp)
{
    char *o = *w;
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | (cp >> 6));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | (cp >> 12));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (cp >> 18));
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    *w = o;
}

char *s3u_xml_decode(const char *b, const char *e)
{
    char *out = malloc((size_t)(e - b) + 1), *w = out;
    if (!out) return NULL;
    while (b < e) {
        if (*b != '&') {
            *w++ = *b++;
            continue;
        }
        {
            const char *semi = memchr(b, ';', (size_t)(e - b));
            size_t len = semi ? (size_t)(semi - b) : 0;
            if (!semi || len > 12) {
                *w++ = *b++;
                continue;
            }
            if (len == 4 && memcmp(b, "&amp", 4) == 0) *w++ = '&';
            else if (len == 3 && memcmp(b, "&lt", 3) == 0) *w++ = '<';
            else if (len == 3 && memcmp(b, "&gt", 3) == 0) *w++ = '>';
            else if (len == 5 && memcmp(b, "&quot", 5) == 0) *w++ = '"';
            else if (len == 5 && memcmp(b, "&apos", 5) == 0) *w++ = '\'';
            else if (len > 2 && b[1] == '#') {
                char num[16];
                unsigned long cp;
                memcpy(num, b + 2, len - 2);
                num[len - 2] = '\0';
                cp = (num[0] == 'x' || num[0] == 'X') ? strtoul(num + 1, NULL, 16) : strtoul(num, NULL, 10);
                /* NUL would cut the string short, a surrogate is not UTF-8: both become U+FFFD */
                if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
                s3u_put_utf8(&w, cp);
            } else {
                memcpy(w, b, len + 1);
                w += len + 1;
            }
            b = semi + 1;
        }
    }
    *w = '\0';
    return out;
}

int s3u_xml_elem(const char **p, const char *end, const char *tag, const char **in_b, const char **in_e)
{
    size_t tl = strlen(tag);
    const char *s = *p;
    while (s < end) {
        const char *lt = memchr(s, '<', (size_t)(end - s));
        const char *gt;
        if (!lt || (size_t)(end - lt) < tl + 2) return 0;
        if (memcmp(lt + 1, tag, tl) == 0 && (lt[tl + 1] == '>' || lt[tl + 1] == ' ' || lt[tl + 1] == '/')) {
            gt = memchr(lt, '>', (size_t)(end - lt));
            if (!gt) return 0;
            if (gt[-1] == '/') {  /* <tag/> */
                *in_b = *in_e = gt + 1;
                *p = gt + 1;
                return 1;
            }
            {
                const char *q = gt + 1;
                while (q < end) {
                    const char *c = memchr(q, '<', (size_t)(end - q));
                    if (!c || (size_t)(end - c) < tl + 3) return 0;
                    if (c[1] == '/' && memcmp(c + 2, tag, tl) == 0 && c[tl + 2] == '>') {
                        *in_b = gt + 1;
                        *in_e = c;
                        *p = c + tl + 3;
                        return 1;
                    }
                    q = c + 1;
                }
                return 0;
            }
        }
        s = lt + 1;
    }
    return 0;
}

char *s3u_xml_next(const char **p, const char *end, const char *tag)
{
    const char *b, *e;
    if (!s3u_xml_elem(p, end, tag, &b, &e)) return NULL;
    return s3u_xml_decode(b, e);
}

char *s3u_xml_escape(const char *s)
{
    size_t n = strlen(s), i;
    char *out = malloc(6 * n + 1), *w = out;
    if (!out) return NULL;
    for (i = 0; i < n; i++) {
        const char *r = NULL;
        switch (s[i]) {
        case '&': r = "&amp;"; break;
        case '<': r = "&lt;"; break;
        case '>': r = "&gt;"; break;
        case '"': r = "&quot;"; break;
        case '\'': r = "&apos;"; break;
        default: *w++ = s[i]; continue;
        }
        memcpy(w, r, strlen(r));
        w += strlen(r);
    }
    *w = '\0';
    return out;
}

void s3u_etag_clean(const char *in, char *out, size_t n)
{
    size_t len;
    if (!n) return;
    out[0] = '\0';
    if (!in) return;
    while (*in == ' ' || *in == '\t') in++;
    if (strncmp(in, "W/", 2) == 0) in += 2;
    if (strncmp(in, "&quot;", 6) == 0) in += 6;
    if (*in == '"') in++;
    len = strlen(in);
    while (len > 0 && (in[len - 1] == ' ' || in[len - 1] == '\r' || in[len - 1] == '\n')) len--;
    if (len >= 6 && memcmp(in + len - 6, "&quot;", 6) == 0) len -= 6;
    if (len > 0 && in[len - 1] == '"') len--;
    if (len >= n) len = n - 1;
    memcpy(out, in, len);
    out[len] = '\0';
}

static void s3u_digest(const char *name, const void *data, size_t len, unsigned char *raw)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int outl = 0;
    memset(raw, 0, strcmp(name, "md5") == 0 ? 16 : 32);  /* defined even if OpenSSL fails */
    if (!ctx) return;
    EVP_DigestInit_ex(ctx, strcmp(name, "md5") == 0 ? EVP_md5() : EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, data, len);
    EVP_DigestFinal_ex(ctx, raw, &outl);
    EVP_MD_CTX_free(ctx);
}

void s3u_md5(const void *data, size_t len, unsigned char raw[16])
{
    s3u_digest("md5", data, len, raw);
}

void s3u_hex(const unsigned char *raw, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

void s3u_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char raw[32];
    s3u_digest("sha256", data, len, raw);
    s3u_hex(raw, 32, out);
}

void s3u_base64(const unsigned char *raw, size_t n, char *out)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o = 0;
    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (unsigned)raw[i + 1] << 8 | raw[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = tbl[(v >> 6) & 63];
        out[o++] = tbl[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)raw[i] << 16 | (i + 1 < n ? (unsigned)raw[i + 1] << 8 : 0u);
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

int s3u_md5_fd(int fd, long long off, long long len, unsigned char raw[16])
{
    enum { BUF = 1 << 20 };
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *buf = malloc(BUF);
    unsigned int outl = 0;
    int rc = 0;
    if (!ctx || !buf) {
        EVP_MD_CTX_free(ctx);
        free(buf);
        errno = ENOMEM;
        return -1;
    }
    EVP_DigestInit_ex(ctx, EVP_md5(), NULL);
    while (len > 0) {
        size_t want = len > BUF ? (size_t)BUF : (size_t)len;
        ssize_t got = pread(fd, buf, want, (off_t)off);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) errno = EIO;  /* the file shrank under us */
            rc = -1;
            break;
        }
        EVP_DigestUpdate(ctx, buf, (size_t)got);
        off += got;
        len -= got;
    }
    EVP_DigestFinal_ex(ctx, raw, &outl);
    EVP_MD_CTX_free(ctx);
    free(buf);
    return rc;
}
