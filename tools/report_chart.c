/* tools/report_chart.c — one metric key as an inline SVG line chart: the runs
 * overlaid in their colours, axes with "nice" ticks (x in steps, or seconds
 * when every step was equal), a log scale when the values are all positive and
 * span three decades or more, NaN and infinite values as gaps in the line, a
 * legend, and a note when a line was downsampled. */
#define _POSIX_C_SOURCE 200809L
#include "report_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { ML = 70, MR = 18, MT = 14, MB = 42 }; /* margins */
#define PW ((double)(CHART_W - ML - MR))
#define PH ((double)(CHART_H - MT - MB))

typedef struct scale {
    double x0, x1, y0, y1;             /* data range (y in log10 when logy) */
    int logy, by_time, empty;
} scale;

static double tx(const scale *s, double x) { return ML + (s->x1 > s->x0 ? (x - s->x0) / (s->x1 - s->x0) : 0.5) * PW; }

static double ty(const scale *s, double y)
{
    double v = s->logy ? log10(y) : y;
    return MT + PH - (s->y1 > s->y0 ? (v - s->y0) / (s->y1 - s->y0) : 0.5) * PH;
}

/* the x and y ranges of all lines, and whether y is drawn on a log scale */
static scale make_scale(const rep_chart *c)
{
    scale s;
    double lo = INFINITY, hi = -INFINITY;
    size_t i, k;
    int first = 1, all_time = 1, positive = 1;
    memset(&s, 0, sizeof s);
    for (i = 0; i < c->n; i++) {
        const ds_series *d = &c->lines[i].s;
        if (!d->points) continue;
        all_time &= d->by_time;
        if (first || d->xmin < s.x0) s.x0 = d->xmin;
        if (first || d->xmax > s.x1) s.x1 = d->xmax;
        first = 0;
        for (k = 0; k < d->n; k++) {
            if (!isfinite(d->y[k])) continue;
            lo = fmin(lo, d->y[k]), hi = fmax(hi, d->y[k]);
            positive &= d->y[k] > 0;
        }
    }
    s.by_time = all_time && !first;
    s.empty = !(lo <= hi);
    s.logy = !s.empty && positive && hi / lo >= 1000;
    if (s.logy) lo = floor(log10(lo)), hi = ceil(log10(hi));
    if (!s.empty && lo == hi) { /* one value: a band around it */
        lo -= lo != 0 ? fabs(lo) * 0.1 : 1;
        hi += hi != 0 ? fabs(hi) * 0.1 : 1;
    }
    if (!s.empty && !s.logy) lo -= (hi - lo) * 0.04, hi += (hi - lo) * 0.04; /* points on the frame stay visible */
    s.y0 = s.empty ? 0 : lo, s.y1 = s.empty ? 1 : hi;
    if (s.x0 == s.x1) s.x0 -= 1, s.x1 += 1;
    return s;
}

/* ticks at multiples of 1, 2 or 5 x 10^k, about n of them */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10, floor(log10(raw))), norm = raw / mag;
    return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
    if (fabs(v) < step * 1e-9) v = 0;
    if (fabs(v) >= 1e6 || (fabs(v) < 1e-3 && v != 0)) snprintf(buf, n, "%.3g", v);
    else snprintf(buf, n, "%.*f", step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9), v);
}

static void axis_x(sbuf *b, const scale *s)
{
    double step = nice_step(s->x1 - s->x0, 6), v;
    char lab[32];
    for (v = ceil(s->x0 / step) * step; v <= s->x1 + step * 1e-9; v += step) {
        double px = tx(s, v);
        tick_label(lab, sizeof lab, v, step);
        sb_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>", px, MT, px, MT + PH);
        sb_printf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px, MT + PH + 16, lab);
    }
    sb_printf(b, "<text class=\"axis-label\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", ML + PW / 2,
              CHART_H - 6, s->by_time ? "seconds since the first point" : "step");
}

static void axis_y(sbuf *b, const scale *s)
{
    double step = s->logy ? 1 : nice_step(s->y1 - s->y0, 5), v;
    char lab[32];
    if (s->logy && s->y1 - s->y0 > 8) step = ceil((s->y1 - s->y0) / 8);
    for (v = ceil(s->y0 / step) * step; v <= s->y1 + step * 1e-9; v += step) {
        double py = MT + PH - (v - s->y0) / (s->y1 - s->y0) * PH;
        if (s->logy) snprintf(lab, sizeof lab, "1e%d", (int)v);
        else tick_label(lab, sizeof lab, v, step);
        sb_printf(b, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", ML, py, ML + PW, py);
        sb_printf(b, "<text class=\"tick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", ML - 6, py + 4, lab);
    }
    if (s->logy)
        sb_printf(b, "<text class=\"axis-label\" x=\"%d\" y=\"%d\">log scale</text>", ML + 4, MT + 10);
}

static int drawable(const scale *s, double y) { return isfinite(y) && !(s->logy && y <= 0); }

/* one run's line: a path whose subpaths break at gaps; a point alone between gaps is a dot */
static void line_path(sbuf *b, const scale *s, const rep_line *l, const rep_run *r)
{
    sbuf dots = {0};
    size_t k;
    int pen = 0, any = 0;
    sb_puts(b, "<path class=\"line\" data-run=\"");
    html_text(b, r->v.run->id);
    sb_printf(b, "\" stroke=\"%s\"", r->color);
    if (*r->dash) sb_printf(b, " stroke-dasharray=\"%s\"", r->dash);
    sb_puts(b, " d=\"");
    for (k = 0; k < l->s.n; k++) {
        double y = l->s.y[k], px = tx(s, l->s.x[k]);
        if (!drawable(s, y)) {
            pen = 0;
            continue;
        }
        if (!pen && (k + 1 >= l->s.n || !drawable(s, l->s.y[k + 1]))) { /* alone */
            sb_printf(&dots, "<circle class=\"dot\" data-run=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                      r->v.run->id, px, ty(s, y), r->color);
            continue;
        }
        sb_printf(b, pen ? " %.1f %.1f" : "M%.1f %.1f", px, ty(s, y));
        pen = any = 1;
    }
    sb_puts(b, any ? "\"" : "M0 0\" visibility=\"hidden\"");
    sb_puts(b, "><title>");
    html_text(b, r->label);
    sb_puts(b, "</title></path>");
    if (dots.s) sb_puts(b, dots.s);
    sb_free(&dots);
}

/* "downsampled: 3 of 5 lines, 10,000,000 points drawn as 1,000 ...", gaps */
static void chart_note(sbuf *b, const rep_chart *c)
{
    long long pts = 0, drawn = 0, nonfinite = 0;
    size_t i, down = 0;
    for (i = 0; i < c->n; i++) {
        pts += c->lines[i].s.points;
        drawn += (long long)c->lines[i].s.n;
        nonfinite += c->lines[i].s.nonfinite;
        down += (size_t)c->lines[i].s.downsampled;
    }
    sb_printf(b, "<span class=\"note\">%zu run%s, %lld point%s", c->n, c->n == 1 ? "" : "s", pts, pts == 1 ? "" : "s");
    if (down)
        sb_printf(b, "; <b class=\"downsampled\">downsampled</b>: %zu line%s drawn from %lld points as %lld (the lowest "
                  "and highest value of each pixel column)", down, down == 1 ? "" : "s", pts, drawn);
    if (nonfinite) sb_printf(b, "; %lld NaN or infinite value%s shown as gaps", nonfinite, nonfinite == 1 ? "" : "s");
    sb_puts(b, "</span>");
}

static void legend(sbuf *b, const rep_chart *c, const rep_run *runs)
{
    size_t i;
    sb_puts(b, "<ul class=\"legend\">");
    for (i = 0; i < c->n; i++) {
        const rep_run *r = &runs[c->lines[i].run];
        sb_printf(b, "<li data-run=\"%s\"><span class=\"sw\" style=\"border-top-color:%s%s\"></span>", r->v.run->id,
                  r->color, *r->dash ? ";border-top-style:dashed" : "");
        html_text(b, r->label);
        sb_puts(b, "</li>");
    }
    sb_puts(b, "</ul>");
}

void chart_svg(sbuf *b, const rep_chart *c, const rep_run *runs)
{
    scale s = make_scale(c);
    size_t i;
    sb_printf(b, "<figure class=\"chart\" id=\"chart-%zu\" data-key=\"", c->index);
    html_text(b, c->key);
    sb_puts(b, "\"><figcaption><span class=\"key\">");
    html_text(b, c->key);
    sb_puts(b, "</span> ");
    chart_note(b, c);
    sb_printf(b, "</figcaption><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
              CHART_W, CHART_H, CHART_W, CHART_H);
    html_text(b, c->key);
    sb_puts(b, "\">");
    if (s.empty) {
        sb_printf(b, "<text class=\"empty\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">no finite value</text>", CHART_W / 2,
                  CHART_H / 2);
    } else {
        axis_x(b, &s);
        axis_y(b, &s);
        sb_printf(b, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%.0f\" height=\"%.0f\"/>", ML, MT, PW, PH);
        for (i = 0; i < c->n; i++) line_path(b, &s, &c->lines[i], &runs[c->lines[i].run]);
    }
    sb_puts(b, "</svg>");
    legend(b, c, runs);
    sb_puts(b, "</figure>\n");
}
