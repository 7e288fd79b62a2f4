/* tools/msgs.h — every line mlflow-lite prints goes through these.
 *
 * One stderr handle, one prefix ("mlflow-lite: "), one line per message.
 * errorf() prints "mlflow-lite: (N) what failed: why: what to try" when N > 0.
 * --silent hides notes and warnings (errors stay unless --silent without
 * --show-error, as in curl); --verbose enables verbosef().
 *
 * Thread-safe: the settings and the streams are guarded by one mutex, and each
 * message is written with one locked fputs, so lines from many workers never
 * interleave. Control characters in a message (a run folder named with an
 * escape sequence or a newline, say) are shown as '?': nothing from SRC or a
 * server can move the cursor, rewrite earlier lines or forge a line. */
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

/* err: the diagnostics stream (NULL = stderr); out: the results stream (NULL = stdout). */
void msgs_init(FILE *err, FILE *out);
void msgs_set(int silent, int show_error, int verbose);
int msgs_verbose(void);

/* code: the tool's exit code number shown as "(N)", 0 = none */
void errorf(int code, const char *fmt, ...) MSGS_PRINTF(2, 3);
void warnf(const char *fmt, ...) MSGS_PRINTF(1, 2);
void notef(const char *fmt, ...) MSGS_PRINTF(1, 2);
void verbosef(const char *fmt, ...) MSGS_PRINTF(1, 2);
/* Results and help text: no prefix, to the results stream (stdout), written
   whole under the lock (a dry-run plan line from a worker stays one line). */
void helpf(const char *fmt, ...) MSGS_PRINTF(1, 2);
/* Text exactly as given, to the diagnostics stream, under the lock: for the
   progress meter, which draws with "\r" and must not cut into a message. */
void msgs_raw(const char *text);

/* The diagnostics stream (stderr unless msgs_init said otherwise): isatty() checks. */
FILE *msgs_stream(void);

/* Called (under the lock) before a message is printed, so that it starts on a
   clean line while the progress meter is drawn. NULL removes it. */
void msgs_set_clear_hook(void (*hook)(void));

#ifdef __cplusplus
}
#endif
#endif
