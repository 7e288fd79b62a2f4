/* tools/table.h — result tables of the inspect commands on stdout: aligned text
 * for a terminal (values defanged and cut to TABLE_MAX_WIDTH characters), or
 * CSV (RFC 4180's quoting: every value whole, quoted when it holds a comma, a quote
 * or a line break; lines end with LF, and control characters but tab and newline
 * show as '?', as in all the tool's results — --json carries values exactly). */
#ifndef MLL_TOOLS_TABLE_H
#define MLL_TOOLS_TABLE_H

#include <stddef.h>

enum { TABLE_MAX_WIDTH = 48 };

typedef struct table {
    size_t ncols, nrows;
    char **cells;                      /* (nrows + 1) * ncols, row 0 is the header */
    size_t cap;
    int oom;
} table;

/* header: ncols strings (copied) */
void table_init(table *t, size_t ncols, const char *const *header);
/* one row of ncols strings (copied; NULL is an empty cell) */
void table_add(table *t, const char *const *row);
/* prints the table through helpf: text, or CSV */
void table_print(const table *t, int csv);
void table_free(table *t);

#endif
