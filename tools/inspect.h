/* tools/inspect.h — the commands that look at a folder where it was logged:
 *
 *   ls [ROOT]                      experiments                     cmd_ls.c
 *   runs [ROOT] [--filter ...]     runs, as MLflow's search_runs   cmd_runs.c (runsel.c, search_*.c)
 *   show RUN [ROOT]                one run                         cmd_show.c
 *   history RUN KEY [ROOT]         every point of one metric       cmd_history.c
 *   diff RUN RUN2 [ROOT]           what differs between two runs   cmd_diff.c
 *   report [ROOT] -o FILE          one self-contained HTML file    report*.c
 *   check [ROOT] [--repair]        what makes MLflow fail          check*.c
 *   relocate [ROOT] [--dry-run]    artifact locations after a move relocate.c
 *
 * They read the folder only through the SRC reader (src.h) and write into it
 * (check --repair, relocate) only through src_write.c, with the same link
 * policy. They take no configuration but ROOT: config_resolve() is not called.
 * Output follows sync's conventions: results on stdout (text, --json, --csv),
 * diagnostics through msgs.c, exit codes from errors.h. This file holds what
 * they share: ROOT, opening the store with its warnings, finding a run, and
 * the spellings of times, durations and numbers. */
#ifndef MLL_TOOLS_INSPECT_H
#define MLL_TOOLS_INSPECT_H

#include "config.h"
#include "src.h"
#include "util.h"

/* Runs the inspect command c->cmd; returns the exit code. */
int inspect_main(tool_cfg *c, volatile int *stop);
int inspect_is_command(tool_cmd cmd);

/* The folder: ROOT, else MLFLOW_TRACKING_URI when it names a local store
   (file:///path or a path), else ./mlruns. */
const char *inspect_root(const tool_cfg *c);

/* Opens ROOT with -e filters (names or ids; with include_deleted the deleted
   experiments too) and warns about every folder the reader skipped (at most
   INSPECT_MAX_WARNINGS, then a count). -e values that match nothing are
   EXIT_USAGE. 0 or an exit code with e filled. */
enum { INSPECT_MAX_WARNINGS = 20 };
enum { INSPECT_DELETED = 1, INSPECT_QUIET = 2 };  /* flags: deleted experiments and runs too; no warnings */
int inspect_open(const tool_cfg *c, int flags, src_store **out, tool_err *e);
void inspect_warn_problems(const src_problems *p, const char *what);

/* A run by id, or by a unique prefix of at least 4 characters. NULL with e
   filled (EXIT_USAGE: none, or more than one, with the candidates named). */
src_run *inspect_find_run(src_store *s, const char *arg, tool_err *e);

/* --view: "active" (or none), "deleted", "all" -> RUNSEL_*; EXIT_USAGE otherwise. */
int inspect_view(const char *view, int *out, tool_err *e);
/* Reports a failure: the message on stderr, and with --json the error object. Returns e->code. */
int inspect_fail(const tool_cfg *c, const tool_err *e);

/* "2024-05-01 12:00:03" in local time; "-" for 0. */
void inspect_fmt_time(char *buf, size_t n, long long ms);
/* "1h02m03s", "4m05s", "2.5s", "-" when there is no end. */
void inspect_fmt_duration(char *buf, size_t n, long long start_ms, long long end_ms, int has_end);
/* A float as Python's repr() writes it: 0.1, 100.0, 1e+16, nan, inf, -inf. */
void inspect_fmt_num(sbuf *b, double v);
/* A value for a terminal: control characters as '?', at most max characters
   (then "..."); max 0 = no limit. */
void inspect_defang(sbuf *b, const char *s, size_t max);

#endif
