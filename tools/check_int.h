/* tools/check_int.h — what check.c and check_repair.c share besides check.h:
 * walking a metric file record by record, and judging a record. */
#ifndef MLL_TOOLS_CHECK_INT_H
#define MLL_TOOLS_CHECK_INT_H

#include "src.h"
#include "util.h"

/* fn gets each '\n'-terminated record of metrics file rel (without its '\n'; end is the
   offset after it), then the unterminated tail (terminated 0, end = the file size), and a
   record longer than a block as an unterminated piece with end -1. Non-zero from fn stops. */
typedef int (*ck_record_fn)(void *ctx, const char *rec, size_t len, int terminated, long long end);
int check_each_record(src_store *s, const char *rel, ck_record_fn fn, void *ctx, tool_err *e);

/* 1 when every piece of the record is a metric line MLflow and its migration read; 0 when
   not; -1 out of memory. With seen, each line's migration key is added, and *dup set when
   one was there already. */
int check_judge_record(const char *rec, size_t len, hmap *seen, int *dup);

#endif
