/* tools/s3_record.h — the mirror's local record of what was sent: one line
 * per file, "size<TAB>mtime_ns<TAB>etag<TAB>%-encoded path". Appended after
 * each upload, so a killed run keeps its progress; the last line of a path
 * wins; s3rec_save() rewrites it compacted (temp file + rename). */
#ifndef MLL_TOOLS_S3_RECORD_H
#define MLL_TOOLS_S3_RECORD_H

#include <pthread.h>
#include <stdio.h>

typedef struct s3rec_entry {
    char *rel;
    long long size, mtime_ns;
    char etag[80];
    long long seq;            /* position in the file (load only) */
} s3rec_entry;

typedef struct s3rec {
    char *path;
    s3rec_entry *v;           /* sorted by rel after load */
    size_t n, cap;
    FILE *journal;            /* append handle, NULL in dry runs */
    pthread_mutex_t mu;
} s3rec;

/* Loads path (a missing file is an empty record). 0 or -1 (errno). */
int s3rec_load(s3rec *r, const char *path);
const s3rec_entry *s3rec_find(const s3rec *r, const char *rel);
/* Opens the journal for appending (creating parent folders) and locks it.
   0, or -1 with errno (EBUSY: another process holds the lock). */
int s3rec_open_journal(s3rec *r);
/* Appends one line (thread-safe). 0 or -1. */
int s3rec_append(s3rec *r, const char *rel, long long size, long long mtime_ns, const char *etag);
/* Writes the given entries as the new record. 0 or -1 (errno). */
int s3rec_save(s3rec *r, const s3rec_entry *v, size_t n);
void s3rec_free(s3rec *r);

#endif
