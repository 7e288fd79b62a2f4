/* tools/table.c — result tables as aligned text or CSV (see table.h). */
#include "table.h"

#include "inspect.h"
#include "msgs.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static int push_row(table *t, const char *const *row)
{
    size_t i, need = (t->nrows + 2) * t->ncols;
    if (need > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 16 * t->ncols;
        char **nv;
        while (nc < need) nc *= 2;
        if (!(nv = realloc(t->cells, nc * sizeof *nv))) return t->oom = 1, -1;
        t->cells = nv;
        t->cap = nc;
    }
    for (i = 0; i < t->ncols; i++) {
        char *v = xstrdup(row[i] ? row[i] : "");
        if (!v) t->oom = 1;
        t->cells[(t->nrows + 1) * t->ncols + i] = v;
    }
    return 0;
}

void table_init(table *t, size_t ncols, const char *const *header)
{
    memset(t, 0, sizeof *t);
    t->ncols = ncols;
    if (push_row(t, header) == 0) t->nrows = 0, memmove(t->cells, t->cells + ncols, ncols * sizeof *t->cells);
}

void table_add(table *t, const char *const *row)
{
    if (push_row(t, row) == 0) t->nrows++;
}

/* characters, not bytes, of what inspect_defang makes of s */
static size_t shown_width(const char *s)
{
    sbuf b = {0};
    size_t n = 0, i;
    inspect_defang(&b, s, TABLE_MAX_WIDTH);
    for (i = 0; i < b.len; i++) n += ((unsigned char)b.s[i] & 0xC0) != 0x80;
    sb_free(&b);
    return n;
}

static void print_text(const table *t)
{
    size_t *w = calloc(t->ncols, sizeof *w), r, c;
    if (!w) return;
    for (r = 0; r <= t->nrows; r++)
        for (c = 0; c < t->ncols; c++) {
            size_t n = shown_width(t->cells[r * t->ncols + c]);
            if (n > w[c]) w[c] = n;
        }
    for (r = 0; r <= t->nrows; r++) {
        sbuf line = {0};
        for (c = 0; c < t->ncols; c++) {
            size_t start = line.len, n, k;
            inspect_defang(&line, t->cells[r * t->ncols + c], TABLE_MAX_WIDTH);
            for (n = 0, k = start; k < line.len; k++) n += ((unsigned char)line.s[k] & 0xC0) != 0x80;
            if (c + 1 < t->ncols)
                for (; n < w[c] + 2; n++) sb_add(&line, " ", 1);
        }
        while (line.len && line.s[line.len - 1] == ' ') line.s[--line.len] = '\0';
        helpf("%s\n", line.s ? line.s : "");
        sb_free(&line);
    }
    free(w);
}

static void csv_cell(sbuf *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sb_puts(b, s);
        return;
    }
    sb_add(b, "\"", 1);
    for (; *s; s++) sb_add(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1); /* a quote is doubled */
    sb_add(b, "\"", 1);
}

void table_print(const table *t, int csv)
{
    size_t r, c;
    if (!csv) {
        print_text(t);
        return;
    }
    for (r = 0; r <= t->nrows; r++) {
        sbuf line = {0};
        for (c = 0; c < t->ncols; c++) {
            if (c) sb_add(&line, ",", 1);
            csv_cell(&line, t->cells[r * t->ncols + c]);
        }
        helpf("%s\n", line.s ? line.s : ""); /* LF: helpf shows a CR as '?' (it could forge a line) */
        sb_free(&line);
    }
}

void table_free(table *t)
{
    size_t i;
    for (i = 0; t->cells && i < (t->nrows + 1) * t->ncols; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}
