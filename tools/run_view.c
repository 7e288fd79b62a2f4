/* tools/run_view.c — one run read whole (see run_view.h). */
#define _POSIX_C_SOURCE 200809L
#include "run_view.h"

#include <stdlib.h>
#include <string.h>

int run_view_read(src_store *s, src_run *r, unsigned what, run_view *v, tool_err *e)
{
    size_t i;
    int rc;
    memset(v, 0, sizeof *v);
    v->run = r;
    if ((rc = src_run_read(s, r, what, &v->files, e)) != 0) return rc;
    if (!v->files.nmetrics) return 0;
    v->latest = calloc(v->files.nmetrics, sizeof *v->latest);
    v->present = calloc(v->files.nmetrics, 1);
    if (!v->latest || !v->present) return err_set(e, EXIT_FAILED, r->rel, "out of memory");
    for (i = 0; i < v->files.nmetrics; i++) {
        long bad = 0;
        tool_err me;
        int got = src_metric_latest(s, r, v->files.metrics[i].key, &v->latest[i], &bad, &me);
        v->present[i] = got == 1;
        v->bad_lines += bad;
        if (got < 0) src_problems_add(&v->files.problems, SRC_SKIPPED_FILE, me.what, 0, "%s", me.why);
    }
    return 0;
}

void run_view_free(run_view *v)
{
    src_run_files_free(&v->files);
    free(v->latest);
    free(v->present);
    memset(v, 0, sizeof *v);
}
