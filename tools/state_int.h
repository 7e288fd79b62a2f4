/* tools/state_int.h — between state.c (the journal: open, replay, append,
 * compact) and state_table.c (the records in memory); no other file uses it.
 *
 * A record is held one of two ways:
 *   - cold: only where its lines are in the journal (the record line, and for
 *     a run the progress and intent lines appended after it), read back and
 *     parsed when it is asked for. Every record of the journal a sync has
 *     open is cold: a pass then holds an index of ~90 bytes a record (its
 *     slot, its key, its hash slots), not the records (a run with its metric,
 *     param, tag and artifact maps is some kilobytes parsed, ~0.5 KiB as a
 *     line), whatever the number of runs;
 *   - hot: parsed, in memory, when there is no journal line to read it from
 *     (state_open_memory, a format-1 file being migrated, --dry-run's puts, a
 *     line the journal could not take). */
#ifndef MLL_TOOLS_STATE_INT_H
#define MLL_TOOLS_STATE_INT_H

#include "state.h"

#include <stddef.h>

struct cJSON;

/* The record kinds behind one generic table. */
typedef struct st_kind {
    const char *name;                  /* "run": the "k" of its journal lines */
    size_t size;
    void (*free)(void *);
    int (*copy)(void *, const void *);
    struct cJSON *(*to_json)(const void *);
    int (*from_json)(const struct cJSON *, void *);
} st_kind;

enum { K_EXP, K_RUN, K_MODEL, K_VER, K_LM, K_N };
extern const st_kind *const st_kinds[K_N];

/* Where a line is in the journal: its first byte, and its length without the newline. */
typedef struct st_line {
    long long off;
    size_t len;
} st_line;

/* What few records need beyond their place: a hot one's record, a cold run's
   progress and intent lines after its record line (until the run is put again). */
typedef struct st_more {
    void *rec;
    st_line *lines;
    unsigned nlines;
} st_more;

/* One record, 24 bytes: a pass over 10,000 runs holds 10,000 of them. */
typedef struct st_slot {
    long long off;                     /* cold: the record line */
    unsigned len;                      /* its length; 0: not cold */
    unsigned key;                      /* the key, at keys + key in its table; ST_NO_KEY: dropped */
    st_more *x;                        /* NULL, or the rest */
} st_slot;

#define ST_NO_KEY 0xffffffffu

/* Records of one kind, in the order they were first put (compaction keeps it). */
typedef struct rtab {
    st_slot *slot;
    size_t n, cap;
    char *keys;                        /* every slot's key, NUL-terminated, one after another */
    size_t nkeys, capkeys;
    keyidx idx;                        /* key -> slot */
} rtab;

void rtab_init(rtab *t);
void *st_hot(const st_slot *sl);                            /* the record of a hot slot, else NULL */
st_slot *rtab_find(rtab *t, const char *key);              /* NULL when absent */
const char *rtab_key(const rtab *t, size_t i);              /* slot i's key; NULL when it was dropped */
/* Replace the record of key (or add it). 0, or -1 out of memory (put_hot frees rec then). */
int rtab_put_hot(rtab *t, int kind, const char *key, void *rec);
int rtab_put_cold(rtab *t, int kind, const char *key, st_line at);
int rtab_add_line(st_slot *sl, st_line at);                 /* a cold run's next progress/intent line */
void rtab_drop(rtab *t, int kind, const char *key);
void rtab_free(rtab *t, int kind);

/* The record of a slot into *out (zeroed first): a copy of a hot one, or a
   cold one read back from the journal fd. 0, or -1: out of memory, or its
   lines no longer read back as written (the caller then treats it as absent,
   which is always safe: the server is asked). */
int rtab_read(const st_slot *sl, int kind, const char *key, int fd, void *out);
/* A cold slot made hot (read back into memory), for a line that has no place
   in the journal (--dry-run). 0, or -1 as rtab_read (the slot is unchanged). */
int rtab_warm(st_slot *sl, int kind, const char *key, int fd);

/* The longest line a cold slot may point at (longer ones are damage on replay). */
enum { ST_COLD_LINE_MAX = STATE_LINE_MAX };

/* Versions are keyed "<model name>\n<version>". NULL: out of memory. */
char *st_version_key(const char *name, int version);
/* The table key a line names: its decoded id (+ "\n<n>" for versions), or NULL. */
char *st_line_key(const struct cJSON *j, int kind);

#endif
