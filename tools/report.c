/* tools/report.c — `mlflow-lite report -o FILE`: the runs chosen as `runs`
 * chooses them (-e, -r, --filter, --order-by, --max: 100 by default), read
 * once, and written as ONE self-contained HTML file (report_html.c, with one
 * chart per metric key from report_chart.c). Each key's lines are read,
 * downsampled when long (downsample.c) and written before the next key is
 * read, so memory holds one chart at a time. The file is written beside FILE
 * and renamed over it at the end: a failed report never leaves half a file. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"
#include "report_int.h"
#include "runsel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    REPORT_MAX_RUNS = 100,             /* --max when not given */
    REPORT_MAX_POINTS = 2000,          /* points per line before it is downsampled */
    REPORT_CHART_BUDGET = 200000       /* points per chart: more lines get fewer points each (at least 100) */
};

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
static const char *const dashes[] = {"", "6 3", "2 3", "9 3 2 3"};

typedef struct report {
    const tool_cfg *c;
    src_store *s;
    rep_run *runs; size_t n;
    char **keys; size_t nkeys;
    rep_notes notes;
    FILE *out;
    long long bytes;
    int write_failed;
} report;

/* ---- the runs and their keys ------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int read_runs(report *r, const runsel *rs, tool_err *e)
{
    size_t i;
    if (!(r->runs = calloc(rs->n ? rs->n : 1, sizeof *r->runs))) return err_set(e, EXIT_FAILED, "report", "out of memory");
    for (i = 0; i < rs->n; i++, r->n++) {
        rep_run *x = &r->runs[i];
        int rc = run_view_read(r->s, rs->runs[i], SRC_READ_PARAMS | SRC_READ_TAGS | SRC_READ_METRICS, &x->v, e);
        if (rc) return rc;
        inspect_warn_problems(&x->v.files.problems, "file");
        snprintf(x->label, sizeof x->label, "%s", *rs->runs[i]->name ? rs->runs[i]->name : rs->runs[i]->id);
        x->color = palette[i % 10];
        x->dash = dashes[(i / 10) % 4];
    }
    return 0;
}

static int push_key(report *r, size_t *cap, const char *key)
{
    if (r->nkeys == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **nv = realloc(r->keys, nc * sizeof *nv);
        if (!nv) return -1;
        r->keys = nv;
        *cap = nc;
    }
    if (!(r->keys[r->nkeys] = xstrdup(key))) return -1;
    r->nkeys++;
    return 0;
}

/* every metric key of the runs, sorted, once */
static int collect_keys(report *r)
{
    hmap seen = {0};
    size_t i, k, cap = 0;
    int rc = 0;
    for (i = 0; i < r->n && rc == 0; i++)
        for (k = 0; k < r->runs[i].v.files.nmetrics && rc == 0; k++) {
            const char *key = r->runs[i].v.files.metrics[k].key;
            if (hmap_get(&seen, key)) continue;
            rc = !hmap_put(&seen, key, NULL, 0, 0) || push_key(r, &cap, key) != 0 ? -1 : 0;
        }
    hmap_free(&seen);
    if (rc == 0 && r->nkeys > 1) qsort(r->keys, r->nkeys, sizeof *r->keys, cmp_str);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------------------- */

static void emit(report *r, sbuf *b)
{
    if (b->oom) r->write_failed = ENOMEM;
    else if (b->len && fwrite(b->s, 1, b->len, r->out) != b->len) r->write_failed = errno ? errno : EIO;
    r->bytes += (long long)b->len;
    sb_free(b);
}

static int has_key(const rep_run *x, const char *key)
{
    size_t i;
    for (i = 0; i < x->v.files.nmetrics; i++)
        if (!strcmp(x->v.files.metrics[i].key, key)) return 1;
    return 0;
}

/* one key: the lines of the runs that have it, downsampled, drawn, written, freed */
static void one_chart(report *r, size_t index, size_t max_points)
{
    rep_chart ch;
    sbuf b = {0};
    size_t i, nlines = 0, budget;
    memset(&ch, 0, sizeof ch);
    ch.key = r->keys[index];
    ch.index = index;
    for (i = 0; i < r->n; i++) nlines += (size_t)has_key(&r->runs[i], ch.key);
    budget = nlines * max_points > REPORT_CHART_BUDGET ? REPORT_CHART_BUDGET / nlines : max_points;
    if (budget < 100) budget = 100;
    if (!(ch.lines = calloc(nlines ? nlines : 1, sizeof *ch.lines))) {
        r->write_failed = ENOMEM;
        return;
    }
    for (i = 0; i < r->n; i++) {
        tool_err e;
        if (!has_key(&r->runs[i], ch.key)) continue;
        ch.lines[ch.n].run = i;
        if (ds_read(r->s, r->runs[i].v.run, ch.key, budget, &ch.lines[ch.n].s, &e) != 0) {
            warnf("%s: %s", e.what, e.why);
            r->notes.skipped++;
            ds_free(&ch.lines[ch.n].s);
            continue;
        }
        r->notes.points_read += ch.lines[ch.n].s.points;
        r->notes.points_drawn += (long long)ch.lines[ch.n].s.n;
        r->notes.lines_downsampled += ch.lines[ch.n].s.downsampled;
        r->notes.nonfinite += ch.lines[ch.n].s.nonfinite;
        ch.n++;
    }
    chart_svg(&b, &ch, r->runs);
    emit(r, &b);
    for (i = 0; i < ch.n; i++) ds_free(&ch.lines[i].s);
    free(ch.lines);
}

static void write_page(report *r, const char *title, size_t max_points)
{
    sbuf b = {0};
    size_t i;
    html_start(&b, title, src_store_root(r->s), r->n, r->nkeys);
    html_runs_table(&b, r->runs, r->n, r->keys, r->nkeys);
    sb_puts(&b, "<h2>Metrics</h2><div class=\"charts\">\n");
    emit(r, &b);
    for (i = 0; i < r->nkeys && !r->write_failed; i++) one_chart(r, i, max_points);
    if (!r->nkeys) sb_puts(&b, "<p class=\"note\">No metrics.</p>");
    sb_puts(&b, "</div>\n");
    html_params(&b, r->runs, r->n);
    html_end(&b, &r->notes, max_points);
    emit(r, &b);
}

/* ---- the file ---------------------------------------------------------------------------------------- */

/* FILE.mlflow-lite-XXXXXX beside FILE, with the mode a new file would get */
static FILE *open_temp(const char *path, char **tmp, tool_err *e)
{
    sbuf t = {0};
    mode_t mask;
    int fd;
    FILE *f;
    sb_printf(&t, "%s.mlflow-lite-XXXXXX", path);
    if (t.oom) return err_set(e, EXIT_FAILED, path, "out of memory"), NULL;
    if ((fd = mkstemp(t.s)) < 0) {
        err_set(e, EXIT_FAILED, path, "cannot create the report beside it: %s", strerror(errno));
        return sb_free(&t), NULL;
    }
    mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || !(f = fdopen(fd, "w"))) {
        err_set(e, EXIT_FAILED, path, "cannot write the report: %s", strerror(errno));
        close(fd);
        unlink(t.s);
        return sb_free(&t), NULL;
    }
    *tmp = t.s;
    return f;
}

static int finish_file(report *r, const char *path, char *tmp, tool_err *e)
{
    int failed = r->write_failed;
    if (r->out == stdout) return fflush(stdout) || failed ? err_set(e, EXIT_FAILED, "-", "write failed") : 0;
    if (fflush(r->out) != 0 && !failed) failed = errno;
    if (fsync(fileno(r->out)) != 0 && !failed) failed = errno;
    if (fclose(r->out) != 0 && !failed) failed = errno;
    r->out = NULL;
    if (!failed && rename(tmp, path) != 0) failed = errno;
    if (failed) {
        unlink(tmp);
        return err_set(e, EXIT_FAILED, path, "cannot write the report: %s", strerror(failed));
    }
    return 0;
}

static void print_result(const report *r, const char *path, int json)
{
    if (json) {
        sbuf b = {0};
        sb_puts(&b, "{\"output\":");
        json_str(&b, path);
        sb_printf(&b, ",\"runs\":%zu,\"charts\":%zu,\"bytes\":%lld,\"points_read\":%lld,\"points_drawn\":%lld,"
                      "\"lines_downsampled\":%lld,\"nonfinite\":%lld}",
                  r->n, r->nkeys, r->bytes, r->notes.points_read, r->notes.points_drawn, r->notes.lines_downsampled,
                  r->notes.nonfinite);
        helpf("%s\n", b.s ? b.s : "{}");
        sb_free(&b);
    } else if (strcmp(path, "-") != 0) {
        helpf("%s\n", path);
        notef("report of %zu run%s, %zu chart%s, %lld bytes%s", r->n, r->n == 1 ? "" : "s", r->nkeys,
              r->nkeys == 1 ? "" : "s", r->bytes, r->notes.lines_downsampled ? " (long lines downsampled)" : "");
    }
}

static void report_free(report *r)
{
    size_t i;
    for (i = 0; i < r->n; i++) run_view_free(&r->runs[i].v);
    free(r->runs);
    for (i = 0; i < r->nkeys; i++) free(r->keys[i]);
    free(r->keys);
}

static int make_report(report *r, runsel *rs, char **tmp, tool_err *e)
{
    const tool_cfg *c = r->c;
    int rc;
    if ((rc = read_runs(r, rs, e)) != 0) return rc;
    if (collect_keys(r) != 0) return err_set(e, EXIT_FAILED, "report", "out of memory");
    r->out = strcmp(c->output, "-") ? open_temp(c->output, tmp, e) : stdout;
    if (!r->out) return e->code;
    write_page(r, c->title ? c->title : "mlflow-lite report", c->max_points > 0 ? (size_t)c->max_points : REPORT_MAX_POINTS);
    return finish_file(r, c->output, *tmp, e);
}

int cmd_report(const tool_cfg *c)
{
    report r;
    runsel rs;
    runsel_opts o;
    tool_err e;
    char *tmp = NULL;
    int rc;
    memset(&r, 0, sizeof r);
    memset(&rs, 0, sizeof rs);
    memset(&o, 0, sizeof o);
    err_clear(&e);
    r.c = c;
    o.filter = c->filter;
    o.order_by = c->order_by;
    o.norder_by = c->norder_by;
    o.max = c->max_rows > 0 ? c->max_rows : REPORT_MAX_RUNS;
    o.has_experiments = c->nexperiments > 0;
    if (!c->output) rc = err_set(&e, EXIT_USAGE, "-o", "give the HTML file to write: -o report.html (or -o - for stdout)");
    else if ((rc = inspect_view(c->view, &o.view, &e)) == 0 && (rc = inspect_open(c, INSPECT_DELETED, &r.s, &e)) == 0 &&
             (rc = runsel_open(&rs, r.s, &o, &e)) == 0)
        rc = make_report(&r, &rs, &tmp, &e);
    if (rc == 0) print_result(&r, c->output, c->json);
    if (r.out && r.out != stdout) fclose(r.out), unlink(tmp);
    if (rc && e.code) rc = inspect_fail(c, &e);
    free(tmp);
    report_free(&r);
    runsel_close(&rs);
    src_store_close(r.s);
    return rc;
}
