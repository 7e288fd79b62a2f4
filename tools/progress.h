/* tools/progress.h — the progress meter: one line on stderr, redrawn in
 * place, only when stderr is a terminal (and not --silent/--no-progress). */
#ifndef MLL_TOOLS_PROGRESS_H
#define MLL_TOOLS_PROGRESS_H
void progress_start(int enabled, long total);
void progress_step(long done, long failed, long long bytes);
void progress_end(void);
#endif
