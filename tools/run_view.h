/* tools/run_view.h — one run read whole for show, diff and the report: its
 * files (params, tags, the list of metric files, inputs, outputs) and the
 * latest value of every metric, as MLflow's get_run holds them. */
#ifndef MLL_TOOLS_RUN_VIEW_H
#define MLL_TOOLS_RUN_VIEW_H

#include "src.h"

typedef struct run_view {
    src_run *run;                      /* borrowed from the store */
    src_run_files files;               /* params, tags, metric file list, inputs, outputs */
    src_point *latest;                 /* files.nmetrics entries; present[i] says whether one was found */
    unsigned char *present;
    long bad_lines;                    /* malformed metric lines skipped */
} run_view;

/* Reads r (what: SRC_READ_* bits; SRC_READ_METRICS also reads every latest value).
   0, or an exit code with e filled. Problems with single files are in v->files.problems. */
int run_view_read(src_store *s, src_run *r, unsigned what, run_view *v, tool_err *e);
void run_view_free(run_view *v);

#endif
