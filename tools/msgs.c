/* tools/msgs.c — see msgs.h */
#include "msgs.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { MSGS_LINE_MAX = 4096 };

static FILE *msgs_err, *msgs_out;
/* atomics: read by every worker, written once by main before the workers start
   (and by tests at any time) */
static atomic_int msgs_silent, msgs_show_error, msgs_verb;
static void (*msgs_clear)(void);
static pthread_mutex_t msgs_lock = PTHREAD_MUTEX_INITIALIZER;

void msgs_init(FILE *err, FILE *out)
{
    pthread_mutex_lock(&msgs_lock);
    msgs_err = err;
    msgs_out = out;
    pthread_mutex_unlock(&msgs_lock);
}

FILE *msgs_stream(void)
{
    FILE *f;
    pthread_mutex_lock(&msgs_lock);
    f = msgs_err ? msgs_err : stderr;
    pthread_mutex_unlock(&msgs_lock);
    return f;
}

void msgs_set(int silent, int show_error, int verbose)
{
    atomic_store(&msgs_silent, silent);
    atomic_store(&msgs_show_error, show_error);
    atomic_store(&msgs_verb, verbose);
}

int msgs_verbose(void) { return atomic_load(&msgs_verb); }

void msgs_set_clear_hook(void (*hook)(void))
{
    pthread_mutex_lock(&msgs_lock);
    msgs_clear = hook;
    pthread_mutex_unlock(&msgs_lock);
}

/* A name from SRC or a server may hold ESC, CR, BEL or a newline: show every
   control character but tab (and, where keep_nl, newline) as '?', so that it
   can neither drive the terminal nor forge a line of its own. */
static void msgs_defang(char *s, size_t n, int keep_nl)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && !(c == '\n' && keep_nl)) || c == 0x7f) s[i] = '?';
    }
}

static void msgs_emit(const char *kind, int code, const char *fmt, va_list ap)
{
    char line[MSGS_LINE_MAX];
    size_t n = 0;
    int k;

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
    if (n >= sizeof line - 1) n = sizeof line - 2; /* truncated: still one whole line */
    while (n > 0 && line[n - 1] == '\n') n--;
    msgs_defang(line, n, 0); /* one message, one line */
    line[n++] = '\n';
    line[n] = '\0';
    pthread_mutex_lock(&msgs_lock);
    if (msgs_clear) msgs_clear();
    fputs(line, msgs_err ? msgs_err : stderr);
    fflush(msgs_err ? msgs_err : stderr);
    pthread_mutex_unlock(&msgs_lock);
}

void errorf(int code, const char *fmt, ...)
{
    va_list ap;
    if (atomic_load(&msgs_silent) && !atomic_load(&msgs_show_error)) return;
    va_start(ap, fmt);
    msgs_emit("", code, fmt, ap);
    va_end(ap);
}

void warnf(const char *fmt, ...)
{
    va_list ap;
    if (atomic_load(&msgs_silent)) return;
    va_start(ap, fmt);
    msgs_emit("warning: ", 0, fmt, ap);
    va_end(ap);
}

void notef(const char *fmt, ...)
{
    va_list ap;
    if (atomic_load(&msgs_silent)) return;
    va_start(ap, fmt);
    msgs_emit("", 0, fmt, ap);
    va_end(ap);
}

void verbosef(const char *fmt, ...)
{
    va_list ap;
    if (!atomic_load(&msgs_verb)) return;
    va_start(ap, fmt);
    msgs_emit("* ", 0, fmt, ap);
    va_end(ap);
}

void helpf(const char *fmt, ...)
{
    va_list ap;
    char small[1024], *text = small;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof small) { /* the help text and the man page are longer than a line */
        text = malloc((size_t)n + 1);
        if (!text) return;
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    msgs_defang(text, (size_t)n, 1); /* a dry-run plan line names runs and experiments from SRC */
    pthread_mutex_lock(&msgs_lock);
    fputs(text, msgs_out ? msgs_out : stdout);
    fflush(msgs_out ? msgs_out : stdout);
    pthread_mutex_unlock(&msgs_lock);
    if (text != small) free(text);
}

void msgs_raw(const char *text)
{
    pthread_mutex_lock(&msgs_lock);
    fputs(text, msgs_err ? msgs_err : stderr);
    fflush(msgs_err ? msgs_err : stderr);
    pthread_mutex_unlock(&msgs_lock);
}
