/* tests/inspect/sf_dump.c — what tools/search_filter.c makes of filters and
 * order-by strings, as JSON lines, for check_filter_parser.py (which compares it
 * with MLflow 3.18's SearchUtils) and by hand:
 *
 *   sf_dump filter < filters.txt      one filter per line ("\n" inside is written \n)
 *   sf_dump order  < orders.txt
 *
 * Each output line: {"ok":true,"clauses":[{"type","key","comparator","value"}]}
 * or {"ok":true,"order":{"type","key","ascending"}} or {"ok":false,"error":"..."}. */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "json.h"
#include "search_filter.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a line with \n, \t and \\ spelled out (so that a filter may hold a line break) */
static void unescape(char *s)
{
    char *w = s;
    for (; *s; s++) {
        if (*s == '\\' && (s[1] == 'n' || s[1] == 't' || s[1] == '\\')) {
            s++;
            *w++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : '\\';
        } else
            *w++ = *s;
    }
    *w = '\0';
}

static void clause_json(sbuf *b, const sf_clause *c)
{
    size_t i;
    sb_puts(b, "{\"type\":");
    json_str(b, sf_kind_name(c->kind));
    sb_puts(b, ",\"key\":");
    json_str(b, c->key);
    sb_puts(b, ",\"comparator\":");
    json_str(b, sf_op_name(c->op));
    sb_puts(b, ",\"value\":");
    if (c->list) {
        sb_puts(b, "[");
        for (i = 0; i < c->nlist; i++) {
            if (i) sb_puts(b, ",");
            json_str(b, c->list[i]);
        }
        sb_puts(b, "]");
    } else if (c->str)
        json_str(b, c->str);
    else if (c->op == SF_IS_NULL || c->op == SF_NOT_NULL)
        sb_puts(b, "null");
    else
        json_double(b, c->num);
    sb_puts(b, "}");
}

static void one(const char *mode, const char *text)
{
    char err[2048];
    sbuf b = {0};
    if (!strcmp(mode, "order")) {
        sf_order o;
        if (sf_parse_order(text, &o, err, sizeof err) == 0) {
            sb_puts(&b, "{\"ok\":true,\"order\":{\"type\":");
            json_str(&b, sf_kind_name(o.kind));
            sb_puts(&b, ",\"key\":");
            json_str(&b, o.key);
            sb_printf(&b, ",\"ascending\":%s}}", o.ascending ? "true" : "false");
            sf_order_free(&o);
        } else {
            sb_puts(&b, "{\"ok\":false,\"error\":");
            json_str(&b, err);
            sb_puts(&b, "}");
        }
    } else {
        sf_filter f;
        size_t i;
        if (sf_parse_filter(text, &f, err, sizeof err) == 0) {
            sb_puts(&b, "{\"ok\":true,\"clauses\":[");
            for (i = 0; i < f.n; i++) {
                if (i) sb_puts(&b, ",");
                clause_json(&b, &f.v[i]);
            }
            sb_puts(&b, "]}");
            sf_filter_free(&f);
        } else {
            sb_puts(&b, "{\"ok\":false,\"error\":");
            json_str(&b, err);
            sb_puts(&b, "}");
        }
    }
    printf("%s\n", b.s ? b.s : "{}");
    sb_free(&b);
}

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    long n;
    if (argc < 2 || (strcmp(argv[1], "filter") && strcmp(argv[1], "order"))) {
        fputs("usage: sf_dump filter|order < lines\n", stderr);
        return 2;
    }
    while ((n = (long)getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
        unescape(line);
        one(argv[1], line);
    }
    free(line);
    return 0;
}
