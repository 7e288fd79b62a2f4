/* tools/errors.h — the one error table of mlflow-lite.
 *
 * Every failure the tool can report belongs to one class below. The class
 * gives the exit code (stable: a retired number keeps its slot), a one-line
 * description, and a hint ("what to try"). The same table prints the
 * EXIT CODES list of --help, of the man page and of docs/sync.md (printed by
 * `mll_gen_docs exit-codes`, tools/gen_docs.c; tests/tool_cli checks the docs
 * against it), so they cannot drift apart.
 *
 * GLOBAL says whether a failure of this class ends the whole pass: only when
 * the server cannot be reached, refuses the credentials, or the state cannot
 * be written does the tool stop trying other runs. SOURCE is not global: an
 * unreadable SRC root already fails src_store_open before any run starts, and
 * a file that shrank while it was sent fails only its run. Everything that belongs to
 * one run, one file or one point (a run folder with an odd name, a file that
 * shrank while read, a point the server refuses) fails only that item.
 *
 *   X(NAME, code, global, "what it means", "what to try")
 */
#ifndef MLL_TOOLS_ERRORS_H
#define MLL_TOOLS_ERRORS_H

#include <stddef.h>

#define TOOL_ERRORS(X)                                                                                              \
    X(OK, 0, 0, "everything was synced (or there was nothing to do)", "")                                          \
    X(FAILED, 1, 1, "an unexpected internal failure (out of memory)", "report it with the command line used")      \
    X(USAGE, 2, 1, "bad command line", "see 'mlflow-lite --help'")                                                 \
    X(SOURCE, 3, 0, "SRC cannot be read or is not an MLflow file store",                                            \
      "give the mlruns folder: the one that holds <experiment id>/meta.yaml")                                       \
    X(CONNECT, 4, 1, "the server could not be reached (after retries)",                                             \
      "is the server running and DEST right? run the same command again, it resumes")                               \
    X(AUTH, 5, 1, "the server refused the credentials (HTTP 401/403)",                                              \
      "check MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN or the Databricks profile")                    \
    X(PARTIAL, 6, 0, "some runs, files or points failed, were refused or were skipped; the others were synced",   \
      "fix the causes listed and run the same command again, it resumes")                                           \
    X(REJECTED, 7, 0, "the server rejected a request (HTTP 4xx/5xx, or an answer that is not what the API sends)", \
      "see the message and the server log")                                                                         \
    X(STATE, 8, 1, "the sync state file cannot be read or written",                                                 \
      "pass --state FILE, or delete the file: the next sync reconciles with the server")                            \
    X(UNSUPPORTED, 9, 0, "the destination or an artifact location is not supported", "see docs/sync.md")           \
    X(CONFIG, 10, 1, "configuration or credentials missing, malformed or contradictory",                            \
      "fix the variable, file or option named in the message")                                                      \
    X(INTERRUPTED, 11, 1, "stopped by SIGINT/SIGTERM before finishing", "run the same command again, it resumes") \
    X(DAMAGED, 12, 0, "check found damage it did not repair (without --repair it changes nothing)",                 \
      "run 'mlflow-lite check --repair' on the folder; what cannot be repaired is listed")

#define TOOL_ERROR_ENUM(name, code, global, what, hint) EXIT_##name = code,
enum tool_exit { TOOL_ERRORS(TOOL_ERROR_ENUM) EXIT__COUNT };
#undef TOOL_ERROR_ENUM

/* The table's columns for one exit code; "unknown" texts for numbers not in it. */
const char *exit_what(int code);
const char *exit_hint(int code);
const char *exit_name(int code);       /* "USAGE", "CONFIG", ... (the JSON "class", spelled like MLflow's error_code) */
int exit_is_global(int code);

/* The EXIT CODES list, in two spellings of the same rows:
     EXIT_TEXT_PLAIN     "  N  what\n" per code (--help)
     EXIT_TEXT_MARKDOWN  a table "| code | meaning | what to try |" (docs/sync.md,
                         between <!-- exit-codes:begin --> and <!-- exit-codes:end -->)
   Writes into buf (NUL-terminated, truncated to n) and returns the length it
   needed, like snprintf. The man page (args_help.c) walks the rows itself. */
typedef enum exit_text_style { EXIT_TEXT_PLAIN = 0, EXIT_TEXT_MARKDOWN } exit_text_style;
size_t exit_codes_text(char *buf, size_t n, exit_text_style style);
/* Row i (0-based) of the table: 1 and the columns, or 0 past the end. */
int exit_row_at(size_t i, int *code, const char **what, const char **hint);

/* A failure with its class, filled in by whoever detects it and handed up
   unchanged: never left uninitialised (err_clear before use). `what` names the
   thing that failed (a run, a file, a request, an option, a variable), `why`
   the cause. Neither may hold a secret: whoever fills them uses the sanitized
   DEST (tool_cfg.dest_shown), never the one given. */
typedef struct tool_err {
    int code;                    /* EXIT_* */
    char what[256];
    char why[768];
} tool_err;

void err_clear(tool_err *e);
/* Sets code/what/why (printf-style why); returns code. what may be NULL or "". */
int err_set(tool_err *e, int code, const char *what, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The message without prefix and number: "what: why: hint" (parts that are
   empty are left out). Returns snprintf's count. */
int err_format(const tool_err *e, char *buf, size_t n);
/* Prints "mlflow-lite: (N) what: why: hint" through errorf. */
void err_report(const tool_err *e);
/* Prints one JSON line on stdout for --json, also when the tool stops on the
   command line or the configuration before any sync started:
   {"exit_code":N,"class":"USAGE","error":"what: why","what":..,"why":..,"hint":..} */
void err_print_json(const tool_err *e);

#endif
