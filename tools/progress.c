/* tools/progress.c — see progress.h */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"
#include "msgs.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int pg_on, pg_drawn;
static long pg_total;
static double pg_last;
static pthread_mutex_t pg_lock = PTHREAD_MUTEX_INITIALIZER;

static void pg_clear(void) /* called by msgs with its lock held */
{
    if (pg_drawn) {
        fputs("\r\033[K", msgs_stream());
        pg_drawn = 0;
    }
}

void progress_start(int enabled, long total)
{
    pg_on = enabled && isatty(fileno(msgs_stream())) && total > 0;
    pg_total = total;
    pg_last = 0;
    if (pg_on) msgs_set_clear_hook(pg_clear);
}

void progress_step(long done, long failed, long long bytes)
{
    char bar[31], line[160];
    int i, fill;
    double t = now_s();
    if (!pg_on) return;
    pthread_mutex_lock(&pg_lock);
    if (done < pg_total && t - pg_last < 0.1) {
        pthread_mutex_unlock(&pg_lock);
        return;
    }
    pg_last = t;
    fill = (int)(30 * done / (pg_total ? pg_total : 1));
    for (i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '-';
    bar[30] = '\0';
    snprintf(line, sizeof line, "\r\033[K[%s] %ld/%ld runs%s%.0ld%s %.1f MB", bar, done, pg_total,
             failed ? ", " : "", failed, failed ? " failed," : ",", (double)bytes / 1e6);
    msgs_raw(line);
    pg_drawn = 1;
    pthread_mutex_unlock(&pg_lock);
}

void progress_end(void)
{
    if (!pg_on) return;
    pthread_mutex_lock(&pg_lock);
    if (pg_drawn) msgs_raw("\r\033[K");
    pg_drawn = 0;
    pthread_mutex_unlock(&pg_lock);
    msgs_set_clear_hook(NULL);
    pg_on = 0;
}
