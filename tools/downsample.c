/* tools/downsample.c — a metric's history reduced for drawing (see downsample.h). */
#define _POSIX_C_SOURCE 200809L
#include "downsample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { DS_CHUNK = 4 << 20 };

static int push(ds_series *d, double x, double y)
{
    if (d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 256;
        double *nx = realloc(d->x, nc * sizeof *nx), *ny;
        if (!nx) return -1;
        d->x = nx;
        if (!(ny = realloc(d->y, nc * sizeof *ny))) return -1;
        d->y = ny;
        d->cap = nc;
    }
    d->x[d->n] = x;
    d->y[d->n++] = y;
    return 0;
}

/* ---- the bucketing ----------------------------------------------------------------------- */

typedef struct bucket {
    double minx, miny, maxx, maxy;     /* its lowest and highest finite point */
    long long min_i, max_i;            /* and where they came in the file */
    int have, gap;                     /* finite points seen; a NaN or infinity fell in it */
} bucket;

static long bucket_of(double x, double x0, double x1, size_t buckets)
{
    double f = x1 > x0 ? (x - x0) / (x1 - x0) : 0;
    long k = (long)(f * (double)buckets);
    return k < 0 ? 0 : k >= (long)buckets ? (long)buckets - 1 : k;
}

static void bucket_take(bucket *b, double x, double y, long long i)
{
    if (!isfinite(y)) {
        b->gap = 1;
        return;
    }
    if (!b->have || y < b->miny) b->minx = x, b->miny = y, b->min_i = i;
    if (!b->have || y > b->maxy) b->maxx = x, b->maxy = y, b->max_i = i;
    b->have = 1;
}

/* every bucket in x order: its min and max in file order (one when they are the same point),
   then a gap if one fell in it */
static void buckets_emit(const bucket *v, size_t n, ds_series *out)
{
    size_t k;
    for (k = 0; k < n; k++) {
        const bucket *b = &v[k];
        if (b->have) {
            int first_min = b->min_i <= b->max_i;
            push(out, first_min ? b->minx : b->maxx, first_min ? b->miny : b->maxy);
            if (b->min_i != b->max_i) push(out, first_min ? b->maxx : b->minx, first_min ? b->maxy : b->miny);
        }
        if (b->gap) push(out, b->have ? b->maxx : 0, NAN);
    }
}

void ds_minmax(const double *x, const double *y, size_t n, double x0, double x1, size_t buckets, ds_series *out)
{
    bucket *v = calloc(buckets ? buckets : 1, sizeof *v);
    size_t i;
    if (!v) return;
    for (i = 0; i < n; i++) bucket_take(&v[bucket_of(x[i], x0, x1, buckets)], x[i], y[i], (long long)i);
    buckets_emit(v, buckets, out);
    free(v);
}

/* ---- reading -------------------------------------------------------------------------------- */

typedef struct pass {
    ds_series *out;
    long long n, nonfinite;
    long long smin, smax, tmin, tmax;
    int by_time;
    bucket *b; size_t nb;              /* second pass, downsampling */
    long long i;
} pass;

typedef void (*point_fn)(pass *p, const src_point *pt);

/* every point of the file, chunk by chunk (a 5-field line has step 0, as the FileStore reads it) */
static int each_point(src_store *s, const src_run *r, const char *key, point_fn fn, pass *p, tool_err *e)
{
    long long from = 0;
    long line = 1;
    for (;;) {
        src_metric_chunk ch;
        size_t i;
        if (src_metric_read(s, r, key, from, line, DS_CHUNK, 1, &ch, e) != 0) return e->code;
        for (i = 0; i < ch.n; i++) {
            if (ch.pts[i].dataset_name) ch.pts[i].step = 0;
            fn(p, &ch.pts[i]);
        }
        if (ch.end_offset <= from) return src_metric_chunk_free(&ch), 0;
        from = ch.end_offset;
        line = ch.next_line;
        src_metric_chunk_free(&ch);
    }
}

static void count_point(pass *p, const src_point *pt)
{
    if (!p->n || pt->step < p->smin) p->smin = pt->step;
    if (!p->n || pt->step > p->smax) p->smax = pt->step;
    if (!p->n || pt->timestamp < p->tmin) p->tmin = pt->timestamp;
    if (!p->n || pt->timestamp > p->tmax) p->tmax = pt->timestamp;
    p->n++;
    p->nonfinite += !isfinite(pt->value);
}

static double x_of(const pass *p, const src_point *pt)
{
    return p->by_time ? (double)(pt->timestamp - p->tmin) / 1000.0 : (double)pt->step;
}

static void keep_point(pass *p, const src_point *pt)
{
    push(p->out, x_of(p, pt), isfinite(pt->value) ? pt->value : NAN);
}

static void bucket_point(pass *p, const src_point *pt)
{
    double x = x_of(p, pt);
    bucket_take(&p->b[bucket_of(x, p->out->xmin, p->out->xmax, p->nb)], x, pt->value, p->i++);
}

typedef struct xy {
    double x, y;
} xy;

static void merge_sort(xy *v, xy *tmp, size_t n)
{
    size_t h = n / 2, i = 0, j = h, k = 0;
    if (n < 2) return;
    merge_sort(v, tmp, h);
    merge_sort(v + h, tmp, n - h);
    if (!(v[h].x < v[h - 1].x)) return; /* already in order: the usual case */
    while (i < h && j < n) tmp[k++] = v[j].x < v[i].x ? v[j++] : v[i++];
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* the kept points in x order (stable: equal steps keep their file order) */
static int sort_by_x(ds_series *d)
{
    xy *v = malloc((d->n ? d->n : 1) * sizeof *v), *tmp = malloc((d->n ? d->n : 1) * sizeof *tmp);
    size_t i;
    if (!v || !tmp) return free(v), free(tmp), -1;
    for (i = 0; i < d->n; i++) v[i].x = d->x[i], v[i].y = d->y[i];
    merge_sort(v, tmp, d->n);
    for (i = 0; i < d->n; i++) d->x[i] = v[i].x, d->y[i] = v[i].y;
    free(v);
    free(tmp);
    return 0;
}

int ds_read(src_store *s, const src_run *r, const char *key, size_t max_points, ds_series *out, tool_err *e)
{
    pass p;
    int rc;
    memset(out, 0, sizeof *out);
    memset(&p, 0, sizeof p);
    p.out = out;
    if ((rc = each_point(s, r, key, count_point, &p, e)) != 0) return rc;
    out->points = p.n;
    out->nonfinite = p.nonfinite;
    out->by_time = p.by_time = p.n > 1 && p.smin == p.smax && p.tmax > p.tmin;
    out->xmin = p.by_time ? 0 : (double)p.smin;
    out->xmax = p.by_time ? (double)(p.tmax - p.tmin) / 1000.0 : (double)p.smax;
    if (p.n <= (long long)max_points) {
        rc = each_point(s, r, key, keep_point, &p, e);
        if (rc == 0 && sort_by_x(out) != 0) rc = err_set(e, EXIT_FAILED, key, "out of memory");
    } else {
        p.nb = max_points / 2 ? max_points / 2 : 1;
        if (!(p.b = calloc(p.nb, sizeof *p.b))) return err_set(e, EXIT_FAILED, key, "out of memory");
        rc = each_point(s, r, key, bucket_point, &p, e);
        buckets_emit(p.b, p.nb, out);
        free(p.b);
        out->downsampled = 1;
    }
    if (rc == 0 && out->points && !out->x) rc = err_set(e, EXIT_FAILED, key, "out of memory");
    return rc;
}

void ds_free(ds_series *d)
{
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}
