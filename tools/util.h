/* tools/util.h — small helpers shared by the tool: growable strings,
 * key/value lists, a hashed string map, paths, hashing, clocks, sleeping,
 * mkdir -p, trimming. Each exists once here; no I/O policy, and nothing here
 * reads SRC (that is src.h's job). */
#ifndef MLL_TOOLS_UTIL_H
#define MLL_TOOLS_UTIL_H
#include <stddef.h>
#include <stdint.h>

typedef struct sbuf { char *s; size_t len, cap; int oom; } sbuf;
void sb_add(sbuf *b, const char *s, size_t n);
void sb_puts(sbuf *b, const char *s);
void sb_printf(sbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void sb_free(sbuf *b);

typedef struct kvpair { char *key, *value; } kvpair;
typedef struct kvlist { kvpair *v; size_t n, cap; } kvlist;
int kv_add(kvlist *l, const char *key, const char *value);
const char *kv_get(const kvlist *l, const char *key);
void kv_free(kvlist *l);

char *xstrdup(const char *s);
char *path_join(const char *a, const char *b);          /* malloc'd "a/b" */
/* malloc'd "a<sep>b" in one exact allocation (no realloc leaves a copy of a secret behind) */
char *str_join(const char *a, char sep, const char *b);
/* Reads a whole file; returns malloc'd NUL-terminated buffer or NULL (errno set). */
char *read_file(const char *path, size_t *len);
int is_dir(const char *path);
uint64_t fnv1a64(const void *p, size_t n, uint64_t h);
#define FNV_SEED 1469598103934665603ULL
/* Percent-encodes every byte except A-Za-z0-9-_.~ and, when keep_slash, '/'. */
void url_encode(sbuf *b, const char *s, int keep_slash);
double now_s(void);                                     /* monotonic seconds */
long long now_ms(void);                                  /* wall clock, ms since the epoch */
void sleep_ms(long ms);                                  /* restarts after EINTR */
/* Like sleep_ms, but returns early (1) when *stop becomes non-zero. */
int sleep_ms_or_stop(long ms, volatile int *stop);
int mkdir_p(const char *dir, unsigned mode);             /* 0 or -1 (errno) */
int write_all(int fd, const char *p, size_t n);          /* every byte (restarts after EINTR): 0 or -1 */
char *trim(char *s);                                     /* strips ASCII white space both ends, in place */

/* A hashed map from string keys to a string and two integers, with
   insertion-ordered iteration (open addressing; O(1) lookups, so that a
   resync of 1,000,000 metric files stays linear). Keys and svals are copied. */
typedef struct hmap_entry { char *key; char *sval; long long ival, ival2; } hmap_entry;
typedef struct hmap {
    hmap_entry *v; size_t n, cap;      /* entries in insertion order (deleted ones have key NULL) */
    size_t *slots; size_t nslots;      /* index + 1 into v, 0 = empty */
    size_t live;
} hmap;
hmap_entry *hmap_get(const hmap *m, const char *key);           /* NULL when absent */
/* Inserts or replaces; sval may be NULL. Returns the entry or NULL (out of memory). */
hmap_entry *hmap_put(hmap *m, const char *key, const char *sval, long long ival, long long ival2);
int hmap_del(hmap *m, const char *key);                         /* 1 deleted, 0 absent */
int hmap_copy(hmap *dst, const hmap *src);                      /* 0 or -1 */
void hmap_free(hmap *m);
#define HMAP_FOREACH(m, e) for ((e) = (m)->v; (e) && (e) < (m)->v + (m)->n; (e)++) if ((e)->key)

/* An index of items 0, 1, ... of the caller's table by string keys that live in
   the items themselves: 4 to 8 bytes an item and no copy of the key, for tables
   with an entry per run (the SRC run list, the sync state's records), where a
   hmap's copied key and entry would cost ~100 bytes a run. key(table, item)
   gives an item's key; table must stay where it is (pass the struct that holds
   the array, not the array). */
typedef const char *(*keyidx_key_fn)(const void *table, size_t item);
typedef struct keyidx {
    unsigned *slot;                    /* item + 1; 0 empty; KEYIDX_GONE an item deleted */
    size_t nslots, live, used;         /* used: live and deleted slots */
    keyidx_key_fn key;
    const void *table;
} keyidx;
void keyidx_init(keyidx *x, keyidx_key_fn key, const void *table);
long keyidx_find(const keyidx *x, const char *key);             /* the item, or -1 */
int keyidx_add(keyidx *x, size_t item);                         /* its key must be absent: 0, or -1 out of memory */
void keyidx_del(keyidx *x, const char *key);
void keyidx_free(keyidx *x);                                    /* empties it; init stays */
#endif
