/* tools/exitcodes.h — the numbered exit codes of mlflow-lite. Stable: a
 * retired number keeps its slot. Listed in docs/sync.md and --help. */
#ifndef MLL_TOOLS_EXITCODES_H
#define MLL_TOOLS_EXITCODES_H
enum {
    EXIT_OK = 0,          /* everything synced (or nothing to do) */
    EXIT_FAILED = 1,      /* an unexpected internal failure (out of memory) */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_SOURCE = 3,      /* SRC cannot be read or is not an MLflow file store */
    EXIT_CONNECT = 4,     /* the server could not be reached (after retries) */
    EXIT_AUTH = 5,        /* the server refused the credentials (HTTP 401/403) */
    EXIT_PARTIAL = 6,     /* some runs or artifacts failed; the others were synced */
    EXIT_REJECTED = 7,    /* the server rejected a request (other HTTP 4xx/5xx) */
    EXIT_STATE = 8,       /* the sync state file cannot be read or written */
    EXIT_UNSUPPORTED = 9, /* the destination or an artifact scheme is not supported */
    EXIT_CONFIG = 10,     /* configuration/credentials missing or contradictory */
    EXIT_INTERRUPTED = 11 /* stopped by SIGINT/SIGTERM before finishing */
};
#endif
