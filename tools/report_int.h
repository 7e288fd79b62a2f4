/* tools/report_int.h — what report.c, report_html.c and report_chart.c share:
 * the runs of the report with their colours, the lines of one chart, and the
 * HTML escaping every byte from the folder goes through. */
#ifndef MLL_TOOLS_REPORT_INT_H
#define MLL_TOOLS_REPORT_INT_H

#include "downsample.h"
#include "run_view.h"
#include "util.h"

#include <stdio.h>

typedef struct rep_run {
    run_view v;                        /* run, params, tags, metric files, latest values */
    char label[80];                    /* run name (or id), cut */
    const char *color, *dash;          /* its line style */
} rep_run;

typedef struct rep_line {
    size_t run;                        /* index into the runs */
    ds_series s;
} rep_line;

typedef struct rep_chart {
    const char *key;
    size_t index;                      /* chart number, for ids */
    rep_line *lines; size_t n;
} rep_chart;

typedef struct rep_notes {
    long long points_read, points_drawn, lines_downsampled, nonfinite, skipped;
} rep_notes;

/* report_html.c */
void html_text(sbuf *b, const char *s);        /* escaped for text and attribute values */
void html_start(sbuf *b, const char *title, const char *root, size_t nruns, size_t nkeys);
void html_runs_table(sbuf *b, const rep_run *runs, size_t n, char **keys, size_t nkeys);
void html_params(sbuf *b, const rep_run *runs, size_t n);
void html_end(sbuf *b, const rep_notes *notes, size_t max_points);

/* report_chart.c: one <figure> with an inline SVG for one metric key */
enum { CHART_W = 720, CHART_H = 300 };
void chart_svg(sbuf *b, const rep_chart *c, const rep_run *runs);

#endif
