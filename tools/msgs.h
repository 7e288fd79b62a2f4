/* tools/msgs.h — every diagnostic of mlflow-lite goes through these.
 *
 * One stderr handle, one prefix ("mlflow-lite: "), one line per message.
 * errorf() prints "mlflow-lite: (N) what failed: why: what to try" when N > 0.
 * --silent hides notes and warnings (errors stay unless --silent without
 * --show-error, as in curl); --verbose enables verbosef(). Thread-safe: each
 * message is written with one locked fputs. */
#ifndef MLL_TOOLS_MSGS_H
#define MLL_TOOLS_MSGS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MSGS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MSGS_PRINTF(a, b)
#endif

void msgs_init(FILE *err);
void msgs_set(int silent, int show_error, int verbose);
int msgs_verbose(void);

/* code: the tool's exit code number shown as "(N)", 0 = none */
void errorf(int code, const char *fmt, ...) MSGS_PRINTF(2, 3);
void warnf(const char *fmt, ...) MSGS_PRINTF(1, 2);
void notef(const char *fmt, ...) MSGS_PRINTF(1, 2);
void verbosef(const char *fmt, ...) MSGS_PRINTF(1, 2);
/* help text: no prefix, to stdout */
void helpf(const char *fmt, ...) MSGS_PRINTF(1, 2);

/* The diagnostics stream (stderr unless msgs_init said otherwise): the progress meter draws there. */
FILE *msgs_stream(void);

/* Called by the progress meter so that messages start on a clean line. */
void msgs_set_clear_hook(void (*hook)(void));

#ifdef __cplusplus
}
#endif
#endif
