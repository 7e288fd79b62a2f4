/* tools/s3_record.c — see s3_record.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "s3_record.h"
#include "s3_util.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int s3rec_cmp(const void *a, const void *b)
{
    return strcmp(((const s3rec_entry *)a)->rel, ((const s3rec_entry *)b)->rel);
}

static int s3rec_cmp_seq(const void *a, const void *b)
{
    const s3rec_entry *x = a, *y = b;
    int c = strcmp(x->rel, y->rel);
    return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static int s3rec_hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "%XX" back to bytes; a damaged line ("%zz", "%00") is refused (NULL) */
static char *s3rec_unescape(const char *s)
{
    size_t n = strlen(s), i, o = 0;
    char *out = malloc(n + 1);
    if (!out) return NULL;
    for (i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] != '%') {
            out[o++] = s[i];
            continue;
        }
        if (i + 2 >= n || (hi = s3rec_hex(s[i + 1])) < 0 || (lo = s3rec_hex(s[i + 2])) < 0 || (hi | lo) == 0) {
            free(out);
            return NULL;
        }
        out[o++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

int s3rec_load(s3rec *r, const char *path)
{
    FILE *f;
    char *line = NULL;
    size_t cap = 0, i, w;
    ssize_t len;
    memset(r, 0, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->path = strdup(path);
    if (!r->path) return -1;
    f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : -1;
    while ((len = getline(&line, &cap, f)) > 0) {
        char *t1, *t2, *t3;
        s3rec_entry e;
        if (line[0] == '#') continue;
        if (line[len - 1] != '\n') break;  /* torn last line of a killed run */
        line[len - 1] = '\0';
        t1 = strchr(line, '\t');
        t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        t3 = t2 ? strchr(t2 + 1, '\t') : NULL;
        if (!t3) continue;
        *t1 = *t2 = *t3 = '\0';
        memset(&e, 0, sizeof e);
        e.size = strtoll(line, NULL, 10);
        e.mtime_ns = strtoll(t1 + 1, NULL, 10);
        snprintf(e.etag, sizeof e.etag, "%s", t2 + 1);
        e.rel = s3rec_unescape(t3 + 1);
        e.seq = (long long)r->n;
        if (!e.rel) continue;
        if (r->n == r->cap) {
            size_t nc = r->cap ? 2 * r->cap : 256;
            s3rec_entry *p = realloc(r->v, nc * sizeof *p);
            if (!p) {
                free(e.rel);
                break;
            }
            r->v = p;
            r->cap = nc;
        }
        r->v[r->n++] = e;
    }
    free(line);
    fclose(f);
    /* equal paths sort by position in the file; the last one wins */
    if (r->n > 1) qsort(r->v, r->n, sizeof *r->v, s3rec_cmp_seq);
    for (i = 0, w = 0; i < r->n; i++) {
        if (w > 0 && strcmp(r->v[w - 1].rel, r->v[i].rel) == 0) {
            free(r->v[w - 1].rel);
            r->v[w - 1] = r->v[i];
            continue;
        }
        r->v[w++] = r->v[i];
    }
    r->n = w;
    return 0;
}

const s3rec_entry *s3rec_find(const s3rec *r, const char *rel)
{
    s3rec_entry key;
    if (!r->n) return NULL;
    key.rel = (char *)(uintptr_t)rel;
    return bsearch(&key, r->v, r->n, sizeof key, s3rec_cmp);
}

/* mkdir -p of the record's folder (0700: it names the files of SRC) */
static int s3rec_mkdir_parent(const char *path)
{
    char *d = xstrdup(path), *slash;
    int rc = 0;
    if (!d) return -1;
    if ((slash = strrchr(d, '/')) != NULL && slash != d) {
        *slash = '\0';
        rc = mkdir_p(d, 0700);
    }
    free(d);
    return rc;
}

int s3rec_open_journal(s3rec *r)
{
    if (s3rec_mkdir_parent(r->path) != 0) return -1;
    r->journal = fopen(r->path, "a");
    if (!r->journal) return -1;
    /* one mirror per SRC and DEST at a time: a second one would interleave
       its lines and race the compaction */
    if (flock(fileno(r->journal), LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        fclose(r->journal);
        r->journal = NULL;
        errno = e == EWOULDBLOCK ? EBUSY : e;
        return -1;
    }
    return 0;
}

static int s3rec_write_line(FILE *f, const char *rel, long long size, long long mtime_ns, const char *etag)
{
    char *enc = s3u_encode(rel, 1);
    int rc;
    if (!enc) return -1;
    rc = fprintf(f, "%lld\t%lld\t%s\t%s\n", size, mtime_ns, etag, enc) < 0 ? -1 : 0;
    free(enc);
    return rc;
}

int s3rec_append(s3rec *r, const char *rel, long long size, long long mtime_ns, const char *etag)
{
    int rc;
    if (!r->journal) return 0;
    pthread_mutex_lock(&r->mu);
    rc = s3rec_write_line(r->journal, rel, size, mtime_ns, etag);
    if (fflush(r->journal) != 0) rc = -1;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int s3rec_save(s3rec *r, const s3rec_entry *v, size_t n)
{
    size_t len = strlen(r->path) + 16, i;
    char *tmp = malloc(len);
    FILE *f;
    int rc = 0;
    if (!tmp) return -1;
    snprintf(tmp, len, "%s.tmp", r->path);
    if (s3rec_mkdir_parent(r->path) != 0 || !(f = fopen(tmp, "w"))) {
        free(tmp);
        return -1;
    }
    if (fprintf(f, "# mlflow-lite S3 mirror record v1: size, mtime_ns, etag, path\n") < 0) rc = -1;
    for (i = 0; rc == 0 && i < n; i++)
        if (v[i].rel && v[i].etag[0]) rc = s3rec_write_line(f, v[i].rel, v[i].size, v[i].mtime_ns, v[i].etag);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) rc = -1;
    if (fclose(f) != 0) rc = -1;
    if (rc == 0 && rename(tmp, r->path) != 0) rc = -1;
    if (rc != 0) unlink(tmp);
    free(tmp);
    return rc;
}

void s3rec_free(s3rec *r)
{
    size_t i;
    if (r->journal) fclose(r->journal);
    for (i = 0; i < r->n; i++) free(r->v[i].rel);
    free(r->v);
    free(r->path);
    pthread_mutex_destroy(&r->mu);
    memset(r, 0, sizeof *r);
}
