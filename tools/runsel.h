/* tools/runsel.h — which runs an inspect command looks at, in which order, and
 * the values it shows: the runs of the chosen experiments (-e, else every
 * active experiment) and lifecycle (--view), MLflow's --filter and
 * --order-by over them, and --max. The result equals what MLflow 3.18's
 * MlflowClient.search_runs returns on the same folder (its base order is
 * start_time descending, then run_id; tests/inspect compares the two).
 *
 * Values are read lazily through the SRC reader and kept: a run is read only
 * as far as the filter (clause by clause, stopping at the first false one),
 * the order and the columns need — a param file, one metric file's latest
 * value, never the whole run. The filter and the order are evaluated by
 * RUNSEL_THREADS workers at once, one run each (the SRC reader's per-run
 * calls are thread-safe). */
#ifndef MLL_TOOLS_RUNSEL_H
#define MLL_TOOLS_RUNSEL_H

#include "errors.h"
#include "search_filter.h"
#include "src.h"

enum { RUNSEL_ACTIVE = 0, RUNSEL_DELETED, RUNSEL_ALL };
enum { RUNSEL_THREADS = 4 };

typedef struct runsel_opts {
    const char *filter;                /* MLflow's filter string, or NULL */
    const char **order_by; size_t norder_by;
    int view;                          /* RUNSEL_* */
    int has_experiments;               /* -e was given: deleted experiments it names are searched too */
    long max;                          /* rows kept after sorting; 0 = all */
} runsel_opts;

typedef struct runsel_run runsel_run;  /* a selected run with its values read so far */

typedef struct runsel {
    src_store *store;                  /* borrowed */
    src_run **runs; size_t n;          /* the rows, in order */
    size_t matched;                    /* runs that passed the filter (before --max) */
    sf_filter filter;
    sf_order *orders; size_t norders;
    runsel_run *rr;                    /* per candidate run, same index as cand */
    src_run **cand; size_t ncand;
    size_t *row_cand;                  /* row -> candidate index */
    long bad_lines;                    /* malformed metric lines skipped while reading */
    long read_errors;                  /* files that could not be read */
} runsel;

/* Selects and orders. 0, or EXIT_USAGE (a filter or order MLflow refuses, with
   MLflow's message in e) / EXIT_FAILED. rs is always safe to close. */
int runsel_open(runsel *rs, src_store *s, const runsel_opts *o, tool_err *e);
void runsel_close(runsel *rs);

/* The value of row i for a metric (latest), param, tag or attribute
   (SF_METRIC/SF_PARAM/SF_TAG with key, SF_ATTR with attr), read on first use
   and kept. The pointers inside stay valid until runsel_close. */
const sf_value *runsel_value(runsel *rs, size_t row, int kind, const char *key, int attr);

/* The value of a run that was not selected through rs (show, diff: one run). */
int runsel_read_value(src_store *s, src_run *r, int kind, const char *key, int attr, sf_value *v, char **own,
                      long *bad_lines);

#endif
