/* tools/downsample.h — a metric's history made small enough to draw: the
 * series of one run and key, read in two passes through the SRC reader (first
 * its length and range, then its points), kept whole when it is short and
 * otherwise reduced to the minimum and maximum of each of `buckets` equal
 * slices of the x range (the pixel columns of the chart), in their order, plus
 * the first and last point. A NaN or infinite value is kept as a gap (y NaN),
 * so the line is broken there. Memory: the points kept, never the file. */
#ifndef MLL_TOOLS_DOWNSAMPLE_H
#define MLL_TOOLS_DOWNSAMPLE_H

#include "src.h"

typedef struct ds_series {
    double *x, *y;                     /* y NaN = a gap */
    size_t n, cap;
    long long points;                  /* points in the file */
    long long nonfinite;               /* NaN and infinite values among them (gaps) */
    int downsampled;                   /* n < points because of the buckets */
    int by_time;                       /* x is seconds since the first point (every step was equal) */
    double xmin, xmax;                 /* over the points read (finite values' x too) */
} ds_series;

/* Reads metrics/<key> of r: every point when there are at most max_points,
   else min/max per bucket (max_points / 2 buckets). x is the step, or the
   seconds since the first point when all steps are equal. 0, or an exit code
   with e filled. */
int ds_read(src_store *s, const src_run *r, const char *key, size_t max_points, ds_series *out, tool_err *e);
void ds_free(ds_series *d);

/* The bucketing alone, on points in memory (for tests): appends to out. */
void ds_minmax(const double *x, const double *y, size_t n, double x0, double x1, size_t buckets, ds_series *out);

#endif
