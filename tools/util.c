/* tools/util.c — see util.h */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int sb_grow(sbuf *b, size_t need)
{
    size_t cap;
    char *ns;
    if (b->oom) return -1;
    if (b->len + need + 1 <= b->cap) return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < b->len + need + 1) cap *= 2;
    ns = realloc(b->s, cap);
    if (!ns) {
        b->oom = 1;
        return -1;
    }
    b->s = ns;
    b->cap = cap;
    return 0;
}

void sb_add(sbuf *b, const char *s, size_t n)
{
    if (sb_grow(b, n) != 0) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_puts(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char tmp[512];
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        sb_add(b, tmp, (size_t)n);
        return;
    }
    if (sb_grow(b, (size_t)n) != 0) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_free(sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

char *xstrdup(const char *s)
{
    size_t n;
    char *d;
    if (!s) return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

int kv_add(kvlist *l, const char *key, const char *value)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        kvpair *nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return -1;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n].key = xstrdup(key);
    l->v[l->n].value = xstrdup(value ? value : "");
    if (!l->v[l->n].key || !l->v[l->n].value) {
        free(l->v[l->n].key);
        free(l->v[l->n].value);
        return -1;
    }
    l->n++;
    return 0;
}

const char *kv_get(const kvlist *l, const char *key)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (strcmp(l->v[i].key, key) == 0) return l->v[i].value;
    return NULL;
}

void kv_free(kvlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].value);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

char *str_join(const char *a, char sep, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p) return NULL;
    memcpy(p, a, na);
    p[na] = sep;
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

char *path_join(const char *a, const char *b) { return str_join(a, '/', b); }

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (cap - n < 4096) {
            size_t nc = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, nc + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap = nc;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        errno = e ? e : EIO;
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

uint64_t fnv1a64(const void *p, size_t n, uint64_t h)
{
    const unsigned char *c = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void url_encode(sbuf *b, const char *s, int keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~' || (keep_slash && c == '/')) {
            char ch = (char)c;
            sb_add(b, &ch, 1);
        } else {
            char e[3];
            e[0] = '%';
            e[1] = hex[c >> 4];
            e[2] = hex[c & 15];
            sb_add(b, e, 3);
        }
    }
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

void sleep_ms(long ms)
{
    struct timespec ts;
    if (ms <= 0) return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int sleep_ms_or_stop(long ms, volatile int *stop)
{
    double until = now_s() + (double)ms / 1000.0;
    while (!(stop && *stop)) {
        double left = until - now_s();
        if (left <= 0) return 0;
        sleep_ms(left > 0.1 ? 100 : (long)(left * 1000) + 1);
    }
    return 1;
}

int mkdir_p(const char *dir, unsigned mode)
{
    char *p = xstrdup(dir), *s;
    int rc = 0;
    if (!p) return -1;
    for (s = p + 1; *s && rc == 0; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) rc = -1;
            *s = '/';
        }
    if (rc == 0 && mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) rc = -1;
    free(p);
    return rc;
}

char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f' || *s == '\v') s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n' || e[-1] == '\f' ||
                     e[-1] == '\v'))
        *--e = '\0';
    return s;
}

/* ---- hmap: open addressing over an insertion-ordered entry array ---------- */

static size_t hmap_hash(const char *k) { return (size_t)fnv1a64(k, strlen(k), FNV_SEED); }

/* slot index holding key, or the empty slot where it would go */
static size_t hmap_find_slot(const hmap *m, const char *key)
{
    size_t mask = m->nslots - 1, i = hmap_hash(key) & mask;
    for (;;) {
        size_t at = m->slots[i];
        if (at == 0) return i;
        if (m->v[at - 1].key && strcmp(m->v[at - 1].key, key) == 0) return i;
        i = (i + 1) & mask;
    }
}

/* First sizes kept small: the sync state holds several maps per run (metric
   offsets, param and tag hashes, artifact stamps), most with a handful of keys,
   and 10,000 runs' worth of 16-entry maps cost ~0.6 KiB a map in RSS. */
enum { HMAP_FIRST_SLOTS = 8, HMAP_FIRST_ENTRIES = 4 };

/* rebuilds the index (and drops deleted entries) with room for `want` live entries */
static int hmap_rehash(hmap *m, size_t want)
{
    size_t ns = HMAP_FIRST_SLOTS, i, j = 0;
    size_t *slots;
    while (ns < want * 2) ns *= 2;
    slots = calloc(ns, sizeof *slots);
    if (!slots) return -1;
    for (i = 0; i < m->n; i++)
        if (m->v[i].key) m->v[j++] = m->v[i];
    m->n = j;
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    for (i = 0; i < m->n; i++) m->slots[hmap_find_slot(m, m->v[i].key)] = i + 1;
    return 0;
}

hmap_entry *hmap_get(const hmap *m, const char *key)
{
    size_t at;
    if (!m->nslots || !key) return NULL;
    at = m->slots[hmap_find_slot(m, key)];
    return at ? &m->v[at - 1] : NULL;
}

static int hmap_set_sval(hmap_entry *e, const char *sval)
{
    char *d = NULL;
    if (sval && !(d = xstrdup(sval))) return -1;
    free(e->sval);
    e->sval = d;
    return 0;
}

hmap_entry *hmap_put(hmap *m, const char *key, const char *sval, long long ival, long long ival2)
{
    hmap_entry *e = hmap_get(m, key);
    if (!e) {
        if ((m->n + 1) * 2 > m->nslots && hmap_rehash(m, m->live + 1) != 0) return NULL;
        if (m->n == m->cap) {
            size_t cap = m->cap ? m->cap * 2 : HMAP_FIRST_ENTRIES;
            hmap_entry *nv = realloc(m->v, cap * sizeof *nv);
            if (!nv) return NULL;
            m->v = nv;
            m->cap = cap;
        }
        e = &m->v[m->n];
        memset(e, 0, sizeof *e);
        if (!(e->key = xstrdup(key))) return NULL;
        m->slots[hmap_find_slot(m, key)] = ++m->n;
        m->live++;
    }
    if (hmap_set_sval(e, sval) != 0) return NULL;
    e->ival = ival;
    e->ival2 = ival2;
    return e;
}

int hmap_del(hmap *m, const char *key)
{
    hmap_entry *e = hmap_get(m, key);
    if (!e) return 0;
    free(e->key);
    free(e->sval);
    e->key = e->sval = NULL;
    m->live--;
    /* the slot still points at the dead entry: a tombstone that keeps probe chains
       intact (hmap_find_slot never matches a NULL key); the next growth drops it */
    return 1;
}

int hmap_copy(hmap *dst, const hmap *src)
{
    const hmap_entry *e;
    memset(dst, 0, sizeof *dst);
    HMAP_FOREACH(src, e)
    if (!hmap_put(dst, e->key, e->sval, e->ival, e->ival2)) {
        hmap_free(dst);
        return -1;
    }
    return 0;
}

void hmap_free(hmap *m)
{
    size_t i;
    for (i = 0; i < m->n; i++) {
        free(m->v[i].key);
        free(m->v[i].sval);
    }
    free(m->v);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ---- keyidx: open addressing over the caller's items -------------------------------- */

#define KEYIDX_GONE UINT_MAX
enum { KEYIDX_FIRST = 16 };

void keyidx_init(keyidx *x, keyidx_key_fn key, const void *table)
{
    memset(x, 0, sizeof *x);
    x->key = key;
    x->table = table;
}

static size_t keyidx_home(const keyidx *x, const char *key)
{
    return (size_t)fnv1a64(key, strlen(key), FNV_SEED) & (x->nslots - 1);
}

/* the slot holding key, or the empty slot that ends its probe */
static size_t keyidx_slot(const keyidx *x, const char *key)
{
    size_t i = keyidx_home(x, key);
    for (; x->slot[i]; i = (i + 1) & (x->nslots - 1))
        if (x->slot[i] != KEYIDX_GONE && strcmp(x->key(x->table, x->slot[i] - 1), key) == 0) break;
    return i;
}

long keyidx_find(const keyidx *x, const char *key)
{
    size_t i;
    if (!x->nslots) return -1;
    i = keyidx_slot(x, key);
    return x->slot[i] ? (long)x->slot[i] - 1 : -1;
}

static void keyidx_place(keyidx *x, unsigned v)
{
    size_t i = keyidx_home(x, x->key(x->table, v - 1));
    while (x->slot[i]) i = (i + 1) & (x->nslots - 1);
    x->slot[i] = v;
    x->used++;
}

/* rebuilt with room for `want` live items (deleted ones dropped) */
static int keyidx_grow(keyidx *x, size_t want)
{
    unsigned *old = x->slot;
    size_t nold = x->nslots, ns = KEYIDX_FIRST, i;
    while (ns < want * 2) ns *= 2;
    if (!(x->slot = calloc(ns, sizeof *x->slot))) {
        x->slot = old;
        return -1;
    }
    x->nslots = ns;
    x->used = 0;
    for (i = 0; i < nold; i++)
        if (old[i] && old[i] != KEYIDX_GONE) keyidx_place(x, old[i]);
    free(old);
    return 0;
}

int keyidx_add(keyidx *x, size_t item)
{
    if (item >= (size_t)KEYIDX_GONE - 1) return -1;
    if ((x->used + 1) * 2 > x->nslots && keyidx_grow(x, x->live + 1) != 0) return -1;
    keyidx_place(x, (unsigned)item + 1);
    x->live++;
    return 0;
}

void keyidx_del(keyidx *x, const char *key)
{
    size_t i;
    if (!x->nslots) return;
    i = keyidx_slot(x, key);
    if (!x->slot[i]) return;
    x->slot[i] = KEYIDX_GONE; /* a tombstone keeps the probe chains through it; the next growth drops it */
    x->live--;
}

void keyidx_free(keyidx *x)
{
    free(x->slot);
    x->slot = NULL;
    x->nslots = x->live = x->used = 0;
}
