/* tools/msgs.c — see msgs.h */
#include "msgs.h"

#include <pthread.h>
#include <stdarg.h>
#include <string.h>

static FILE *msgs_err;
static int msgs_silent, msgs_show_error, msgs_verb;
static void (*msgs_clear)(void);
static pthread_mutex_t msgs_lock = PTHREAD_MUTEX_INITIALIZER;

void msgs_init(FILE *err) { msgs_err = err; }

FILE *msgs_stream(void) { return msgs_err ? msgs_err : stderr; }

void msgs_set(int silent, int show_error, int verbose)
{
    msgs_silent = silent;
    msgs_show_error = show_error;
    msgs_verb = verbose;
}

int msgs_verbose(void) { return msgs_verb; }

void msgs_set_clear_hook(void (*hook)(void)) { msgs_clear = hook; }

static void msgs_emit(const char *kind, int code, const char *fmt, va_list ap)
{
    char line[4096];
    size_t n = 0;
    int k;
    FILE *out = msgs_stream();

    k = snprintf(line, sizeof line, "mlflow-lite: %s", kind);
    n = k > 0 ? (size_t)k : 0;
    if (code > 0 && n < sizeof line) {
        k = snprintf(line + n, sizeof line - n, "(%d) ", code);
        if (k > 0) n += (size_t)k;
    }
    if (n < sizeof line) {
        k = vsnprintf(line + n, sizeof line - n, fmt, ap);
        if (k > 0) n += (size_t)k;
    }
    if (n >= sizeof line - 1) n = sizeof line - 2;
    while (n > 0 && line[n - 1] == '\n') n--;
    line[n++] = '\n';
    line[n] = '\0';
    pthread_mutex_lock(&msgs_lock);
    if (msgs_clear) msgs_clear();
    fputs(line, out);
    fflush(out);
    pthread_mutex_unlock(&msgs_lock);
}

void errorf(int code, const char *fmt, ...)
{
    va_list ap;
    if (msgs_silent && !msgs_show_error) return;
    va_start(ap, fmt);
    msgs_emit("", code, fmt, ap);
    va_end(ap);
}

void warnf(const char *fmt, ...)
{
    va_list ap;
    if (msgs_silent) return;
    va_start(ap, fmt);
    msgs_emit("warning: ", 0, fmt, ap);
    va_end(ap);
}

void notef(const char *fmt, ...)
{
    va_list ap;
    if (msgs_silent) return;
    va_start(ap, fmt);
    msgs_emit("", 0, fmt, ap);
    va_end(ap);
}

void verbosef(const char *fmt, ...)
{
    va_list ap;
    if (!msgs_verb) return;
    va_start(ap, fmt);
    msgs_emit("* ", 0, fmt, ap);
    va_end(ap);
}

void helpf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}
