/* tools/util.h — small helpers shared by the tool: growable strings,
 * key/value lists, paths, whole-file reads, hashing. No I/O policy here. */
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
/* Reads a whole file; returns malloc'd NUL-terminated buffer or NULL (errno set). */
char *read_file(const char *path, size_t *len);
int is_dir(const char *path);
uint64_t fnv1a64(const void *p, size_t n, uint64_t h);
#define FNV_SEED 1469598103934665603ULL
/* Percent-encodes every byte except A-Za-z0-9-_.~ and, when keep_slash, '/'. */
void url_encode(sbuf *b, const char *s, int keep_slash);
double now_s(void);
long long now_ms(void);
#endif
