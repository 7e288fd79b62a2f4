/* tools/report_html.c — the page around the charts: one self-contained HTML
 * file (inline CSS and script, a Content-Security-Policy that forbids every
 * request, no fonts, images or links to load), a runs table that is readable
 * without scripts and sortable with them, and the params table that marks what
 * differs between the runs. Every byte from the folder is escaped here. */
#define _POSIX_C_SOURCE 200809L
#include "report_int.h"

#include "inspect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_text(sbuf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': sb_puts(b, "&amp;"); break;
        case '<': sb_puts(b, "&lt;"); break;
        case '>': sb_puts(b, "&gt;"); break;
        case '"': sb_puts(b, "&quot;"); break;
        case '\'': sb_puts(b, "&#39;"); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') sb_puts(b, "&#xFFFD;");
            else sb_add(b, s, 1);
        }
    }
}

static const char style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}"
    ".meta,.note{color:#666;font-size:12px}.downsampled{color:#a15c00}"
    "table{border-collapse:collapse;font-size:12px;margin:4px 0}"
    "th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}"
    "#runs td{white-space:nowrap;max-width:18em;overflow:hidden;text-overflow:ellipsis}"
    "#params-diff td{max-width:24em;overflow-wrap:anywhere}th{background:#f3f3f3;position:sticky;top:0}"
    "#runs th{cursor:pointer}#runs th[aria-sort=ascending]::after{content:' \\25B2'}"
    "#runs th[aria-sort=descending]::after{content:' \\25BC'}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".sw{display:inline-block;width:22px;height:0;border-top:3px solid;vertical-align:middle;margin-right:6px}"
    ".charts{display:flex;flex-wrap:wrap;gap:12px}figure.chart{margin:0;border:1px solid #e3e3e3;padding:6px}"
    "figcaption .key{font-weight:600;margin-right:6px}"
    "svg .grid{stroke:#eee}svg .frame{fill:none;stroke:#999}svg .tick{font-size:10px;fill:#555}"
    "svg .axis-label{font-size:11px;fill:#333}svg .line{fill:none;stroke-width:1.5;stroke-linecap:round;"
    "stroke-linejoin:round}svg .line.hl{stroke-width:3.5}svg .empty{fill:#999}"
    ".legend{list-style:none;padding:0;margin:4px 0;font-size:12px;columns:2;max-width:720px}"
    ".legend li.hl,tr.hl td{background:#fff3c4}tr.diff th{background:#ffe9c9}td.differs{background:#fff3c4}"
    ".same{color:#555}";

/* sortable columns, and a run's lines highlighted while its row or legend entry is pointed at */
static const char script[] =
    "(function(){'use strict';var t=document.getElementById('runs');"
    "function key(tr,i){var c=tr.cells[i],v=c.getAttribute('data-v');return v===null?c.textContent:v;}"
    "function sortBy(i,th,ths){var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),"
    "asc=th.getAttribute('aria-sort')!=='ascending';rows.sort(function(a,c){var x=key(a,i),y=key(c,i);"
    "if((x==='')!==(y===''))return x===''?1:-1;var nx=Number(x),ny=Number(y),r=(x!==''&&y!==''&&!isNaN(nx)&&"
    "!isNaN(ny))?nx-ny:x.localeCompare(y);return asc?r:-r;});for(var k=0;k<ths.length;k++)ths[k].removeAttribute("
    "'aria-sort');th.setAttribute('aria-sort',asc?'ascending':'descending');rows.forEach(function(r){"
    "b.appendChild(r);});}"
    "if(t){var ths=t.tHead.rows[0].cells;Array.prototype.forEach.call(ths,function(th,i){th.tabIndex=0;"
    "th.addEventListener('click',function(){sortBy(i,th,ths);});th.addEventListener('keydown',function(e){"
    "if(e.key==='Enter')sortBy(i,th,ths);});});}"
    "function hl(id,on){var els=document.querySelectorAll('[data-run=\"'+id+'\"]');for(var i=0;i<els.length;i++)"
    "els[i].classList.toggle('hl',on);}"
    "['mouseover','mouseout'].forEach(function(ev){document.addEventListener(ev,function(e){var el=e.target&&"
    "e.target.closest?e.target.closest('tr[data-run],li[data-run]'):null;if(el)hl(el.getAttribute('data-run'),"
    "ev==='mouseover');});});"
    "document.documentElement.setAttribute('data-js','ready');})();";

void html_start(sbuf *b, const char *title, const char *root, size_t nruns, size_t nkeys)
{
    char now[32];
    inspect_fmt_time(now, sizeof now, now_ms());
    sb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
               "script-src 'unsafe-inline'; img-src data:\">"
               "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    html_text(b, title);
    sb_printf(b, "</title><style>%s</style></head><body><header><h1>", style);
    html_text(b, title);
    sb_puts(b, "</h1><div class=\"meta\">");
    html_text(b, root);
    sb_printf(b, " &middot; %zu run%s, %zu metric key%s &middot; written %s by mlflow-lite</div></header>\n", nruns,
              nruns == 1 ? "" : "s", nkeys, nkeys == 1 ? "" : "s", now);
}

/* ---- params: the keys of all runs, and which differ ---------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* the param keys of all runs, sorted, each once (borrowed strings); NULL when there are none */
static const char **param_keys(const rep_run *runs, size_t n, size_t *nk)
{
    hmap seen = {0};
    hmap_entry *h;
    const char **v;
    size_t i, k, total = 0;
    *nk = 0;
    for (i = 0; i < n; i++) total += runs[i].v.files.params.n;
    if (!total || !(v = malloc(total * sizeof *v))) return NULL;
    for (i = 0; i < n; i++)
        for (k = 0; k < runs[i].v.files.params.n; k++) {
            const char *key = runs[i].v.files.params.v[k].key;
            if (hmap_get(&seen, key)) continue;
            hmap_put(&seen, key, NULL, 0, 0);
            v[(*nk)++] = key;
        }
    (void)h;
    hmap_free(&seen);
    qsort(v, *nk, sizeof *v, cmp_str);
    return v;
}

static int param_differs(const rep_run *runs, size_t n, const char *key)
{
    const char *first = kv_get(&runs[0].v.files.params, key);
    size_t i;
    for (i = 1; i < n; i++) {
        const char *v = kv_get(&runs[i].v.files.params, key);
        if ((v == NULL) != (first == NULL) || (v && strcmp(v, first))) return 1;
    }
    return 0;
}

/* ---- the runs table -------------------------------------------------------------------------------- */

/* a table cell: the text (cut to 60 characters, the whole value in its tooltip) and the key it sorts by */
static void cell(sbuf *b, const char *text, const char *sortkey, int num)
{
    sbuf cut = {0};
    sb_puts(b, num ? "<td class=\"num\"" : "<td");
    if (sortkey) {
        sb_puts(b, " data-v=\"");
        html_text(b, sortkey);
        sb_puts(b, "\"");
    }
    inspect_defang(&cut, text, 60);
    if (cut.s && strcmp(cut.s, text)) {
        sb_puts(b, " title=\"");
        html_text(b, text);
        sb_puts(b, "\"");
    }
    sb_puts(b, ">");
    html_text(b, cut.s ? cut.s : "");
    sb_puts(b, "</td>");
    sb_free(&cut);
}

static void metric_cell(sbuf *b, const rep_run *r, const char *key)
{
    sbuf t = {0}, k = {0};
    size_t i;
    for (i = 0; i < r->v.files.nmetrics; i++)
        if (r->v.present[i] && !strcmp(r->v.files.metrics[i].key, key)) {
            double v = r->v.latest[i].value;
            if (isfinite(v)) sb_printf(&t, "%.6g", v), sb_printf(&k, "%.17g", v);
            else inspect_fmt_num(&t, v);
        }
    cell(b, t.s ? t.s : "", k.s ? k.s : "", 1);
    sb_free(&t);
    sb_free(&k);
}

static void run_row(sbuf *b, const rep_run *r, const char **pk, size_t npk, char **keys, size_t nkeys)
{
    const src_run *x = r->v.run;
    char start[32], dur[32], ms[32], dms[32];
    size_t k;
    inspect_fmt_time(start, sizeof start, x->start_time);
    inspect_fmt_duration(dur, sizeof dur, x->start_time, x->end_time, x->has_end);
    snprintf(ms, sizeof ms, "%lld", x->start_time);
    snprintf(dms, sizeof dms, "%lld", x->has_end ? x->end_time - x->start_time : -1);
    sb_printf(b, "<tr data-run=\"%s\"><td data-v=\"", x->id); /* run ids are [A-Za-z0-9_-] (the reader checks) */
    html_text(b, r->label);
    sb_printf(b, "\"><span class=\"sw\" style=\"border-top-color:%s%s\"></span></td>", r->color,
              *r->dash ? ";border-top-style:dashed" : "");
    cell(b, r->label, NULL, 0);
    sb_printf(b, "<td title=\"%s\">%.8s</td>", x->id, x->id);
    cell(b, x->exp->name, NULL, 0);
    cell(b, src_status_name(x->status), NULL, 0);
    cell(b, start, ms, 0);
    cell(b, dur, x->has_end ? dms : "", 1);
    for (k = 0; k < npk; k++) {
        const char *v = kv_get(&r->v.files.params, pk[k]);
        cell(b, v ? v : "", v ? v : "", 0);
    }
    for (k = 0; k < nkeys; k++) metric_cell(b, r, keys[k]);
    sb_puts(b, "</tr>\n");
}

void html_runs_table(sbuf *b, const rep_run *runs, size_t n, char **keys, size_t nkeys)
{
    size_t npk = 0, nd = 0, i;
    const char **pk = param_keys(runs, n, &npk), **diff = pk;
    for (i = 0; i < npk; i++) /* the params that differ (all of them for one run), at most 12 */
        if ((n == 1 || param_differs(runs, n, pk[i])) && nd < 12) diff[nd++] = pk[i];
    sb_puts(b, "<h2>Runs</h2><table id=\"runs\"><thead><tr><th></th><th>run</th><th>id</th><th>experiment</th>"
               "<th>status</th><th>start</th><th>duration</th>");
    for (i = 0; i < nd; i++) {
        sb_puts(b, "<th>params.");
        html_text(b, diff[i]);
        sb_puts(b, "</th>");
    }
    for (i = 0; i < nkeys; i++) {
        sb_puts(b, "<th>");
        html_text(b, keys[i]);
        sb_puts(b, "</th>");
    }
    sb_puts(b, "</tr></thead><tbody>\n");
    for (i = 0; i < n; i++) run_row(b, &runs[i], diff, nd, keys, nkeys);
    sb_puts(b, "</tbody></table><p class=\"note\">Latest metric values as MLflow reports them (the point with the "
               "largest step, then timestamp). Click a column to sort.</p>\n");
    free(pk);
}

/* ---- params that differ ----------------------------------------------------------------------------- */

static void param_row(sbuf *b, const rep_run *runs, size_t n, const char *key)
{
    const char *first = kv_get(&runs[0].v.files.params, key);
    size_t i;
    sb_puts(b, "<tr class=\"diff\"><th>");
    html_text(b, key);
    sb_puts(b, "</th>");
    for (i = 0; i < n; i++) {
        const char *v = kv_get(&runs[i].v.files.params, key);
        int differs = (v == NULL) != (first == NULL) || (v && strcmp(v, first));
        sb_puts(b, differs ? "<td class=\"differs\">" : "<td>");
        html_text(b, v ? v : "\xe2\x80\x94"); /* an em dash: not set */
        sb_puts(b, "</td>");
    }
    sb_puts(b, "</tr>\n");
}

void html_params(sbuf *b, const rep_run *runs, size_t n)
{
    size_t npk = 0, i, ndiff = 0;
    const char **pk = param_keys(runs, n, &npk);
    sb_puts(b, "<h2>Params</h2>");
    if (!npk || !n) {
        sb_puts(b, "<p class=\"note\">No params.</p>");
        free(pk);
        return;
    }
    for (i = 0; i < npk; i++) ndiff += (size_t)param_differs(runs, n, pk[i]);
    sb_printf(b, "<p class=\"note\">%zu of %zu params differ between the runs%s.</p>", ndiff, npk,
              ndiff ? " (marked; the first run is the reference)" : "");
    if (ndiff) {
        sb_puts(b, "<table id=\"params-diff\"><thead><tr><th>param</th>");
        for (i = 0; i < n; i++) {
            sb_puts(b, "<th>");
            html_text(b, runs[i].label);
            sb_puts(b, "</th>");
        }
        sb_puts(b, "</tr></thead><tbody>\n");
        for (i = 0; i < npk; i++)
            if (param_differs(runs, n, pk[i])) param_row(b, runs, n, pk[i]);
        sb_puts(b, "</tbody></table>");
    }
    if (ndiff < npk) {
        sb_puts(b, "<p class=\"same\">The same in every run: ");
        for (i = 0, ndiff = 0; i < npk; i++) {
            if (param_differs(runs, n, pk[i])) continue;
            sb_puts(b, ndiff++ ? ", <code>" : "<code>");
            html_text(b, pk[i]);
            sb_puts(b, " = ");
            html_text(b, kv_get(&runs[0].v.files.params, pk[i]));
            sb_puts(b, "</code>");
        }
        sb_puts(b, "</p>");
    }
    free(pk);
}

void html_end(sbuf *b, const rep_notes *notes, size_t max_points)
{
    sb_puts(b, "<footer><p class=\"note\">");
    if (notes->lines_downsampled)
        sb_printf(b, "<b class=\"downsampled\">Downsampled:</b> %lld line%s longer than %zu points were drawn from the "
                  "lowest and highest value of each of %zu pixel columns: %lld points read, %lld drawn. ",
                  notes->lines_downsampled, notes->lines_downsampled == 1 ? "" : "s", max_points, max_points / 2,
                  notes->points_read, notes->points_drawn);
    else
        sb_printf(b, "Every point is drawn (%lld). ", notes->points_read);
    if (notes->nonfinite) sb_printf(b, "%lld NaN or infinite values are shown as gaps. ", notes->nonfinite);
    if (notes->skipped) sb_printf(b, "%lld metric files could not be read (see the warnings). ", notes->skipped);
    sb_printf(b, "Self-contained: this file loads nothing from a network.</p></footer><script>%s</script></body></html>\n",
              script);
}
