/* mlt.h - helpers shared by the C writer programs of the MLflow interop tests.
   Each writer includes this after mlflow_lite.h. Everything is static inline so a
   writer that uses only part of it still builds under -Wall -Wextra -Werror. */
#ifndef MLT_H
#define MLT_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Fails the program (exit 1) when an mlflow_lite call does not return MLL_OK. */
#define MLT_OK(expr) mlt__ok((expr), #expr, __FILE__, __LINE__)
/* Fails the program when the call does not return exactly `code`. */
#define MLT_EXPECT(expr, code) mlt__expect((expr), (code), #expr, __FILE__, __LINE__)

static inline void mlt_die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static inline void mlt__ok(mll_result r, const char *expr, const char *file, int line) {
    if (r != MLL_OK) mlt_die("%s:%d: %s returned %d (%s)", file, line, expr, (int)r, mll_strerror(r));
}

static inline void mlt__expect(mll_result r, mll_result want, const char *expr, const char *file,
                               int line) {
    if (r != want)
        mlt_die("%s:%d: %s returned %d (%s), expected %d (%s)", file, line, expr, (int)r,
                mll_strerror(r), (int)want, mll_strerror(want));
}

static inline int64_t mlt_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t mlt_bits(double v) {
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u;
}

static inline double mlt_from_bits(uint64_t u) {
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* splitmix64: deterministic test data without libc's rand(). */
static inline uint64_t mlt_rand(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ---- JSON-lines output (the manifest of what a writer did) ---------------- */
static inline void mlt_json_str(FILE *f, const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *p; p++) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p, f);
        } else if (*p < 0x20 || *p == 0x7f) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f); /* UTF-8 passes through; the writers only log valid UTF-8 */
        }
    }
    fputc('"', f);
}

static inline void mlt_json_hex(FILE *f, const void *data, size_t n) {
    const unsigned char *p = (const unsigned char *)data;
    size_t i;
    fputc('"', f);
    for (i = 0; i < n; i++) fprintf(f, "%02x", p[i]);
    fputc('"', f);
}

/* Decodes a lowercase/uppercase hex string into a malloc'ed NUL-terminated buffer. */
static inline char *mlt_unhex(const char *hex, size_t *len_out) {
    size_t n = strlen(hex) / 2, i;
    char *out = (char *)malloc(n + 1);
    if (!out) mlt_die("out of memory");
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) mlt_die("bad hex '%s'", hex);
        out[i] = (char)v;
    }
    out[n] = 0;
    if (len_out) *len_out = n;
    return out;
}

/* Reads one line (without the newline) into a malloc'ed buffer; NULL at EOF. */
static inline char *mlt_read_line(FILE *f) {
    size_t cap = 256, len = 0;
    int c;
    char *buf = (char *)malloc(cap);
    if (!buf) mlt_die("out of memory");
    while ((c = fgetc(f)) != EOF && c != '\n') {
        if (len + 1 >= cap) {
            char *nb = (char *)realloc(buf, cap *= 2);
            if (!nb) mlt_die("out of memory");
            buf = nb;
        }
        buf[len++] = (char)c;
    }
    if (c == EOF && len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    return buf;
}

static inline void mlt_write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) mlt_die("cannot write %s: %s", path, strerror(errno));
}

#endif /* MLT_H */
