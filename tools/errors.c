/* tools/errors.c — the error table's texts and the one way a failure is
 * printed (as a line on stderr, or as a JSON object for --json). */
#include "errors.h"

#include "json.h"
#include "msgs.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct exit_row {
    int code, global;
    const char *name, *what, *hint;
} exit_row;

#define TOOL_ERROR_ROW(name, code, global, what, hint) {code, global, #name, what, hint},
static const exit_row exit_rows[] = {TOOL_ERRORS(TOOL_ERROR_ROW)};
#undef TOOL_ERROR_ROW

enum { EXIT_NROWS = sizeof exit_rows / sizeof exit_rows[0] };

static const exit_row *exit_row_of(int code)
{
    size_t i;
    for (i = 0; i < EXIT_NROWS; i++)
        if (exit_rows[i].code == code) return &exit_rows[i];
    return NULL;
}

const char *exit_what(int code)
{
    const exit_row *r = exit_row_of(code);
    return r ? r->what : "an unknown failure";
}

const char *exit_hint(int code)
{
    const exit_row *r = exit_row_of(code);
    return r ? r->hint : "";
}

const char *exit_name(int code)
{
    const exit_row *r = exit_row_of(code);
    return r ? r->name : "UNKNOWN";
}

int exit_is_global(int code)
{
    const exit_row *r = exit_row_of(code);
    return r ? r->global : 1; /* an unknown class stops the pass: the safe side */
}

/* a markdown table cell: '|' would end it, '<' start an HTML tag */
static void md_cell(sbuf *b, const char *s)
{
    sb_puts(b, " ");
    for (; *s; s++) {
        if (*s == '|') sb_puts(b, "\\|");
        else if (*s == '<') sb_puts(b, "&lt;");
        else sb_add(b, s, 1);
    }
    sb_puts(b, " |");
}

static void exit_row_text(sbuf *b, const exit_row *r, exit_text_style style)
{
    switch (style) {
    case EXIT_TEXT_MARKDOWN:
        sb_printf(b, "| %d |", r->code);
        md_cell(b, r->what);
        md_cell(b, r->hint);
        sb_puts(b, "\n");
        break;
    default:
        sb_printf(b, "  %2d  %s\n", r->code, r->what);
    }
}

size_t exit_codes_text(char *buf, size_t n, exit_text_style style)
{
    sbuf b = {0};
    size_t i, need;
    if (style == EXIT_TEXT_MARKDOWN) sb_puts(&b, "| code | meaning | what to try |\n|---|---|---|\n");
    for (i = 0; i < EXIT_NROWS; i++) exit_row_text(&b, &exit_rows[i], style);
    need = b.oom ? 0 : b.len;
    if (n) snprintf(buf, n, "%s", b.s && !b.oom ? b.s : "");
    sb_free(&b);
    return need;
}

int exit_row_at(size_t i, int *code, const char **what, const char **hint)
{
    if (i >= EXIT_NROWS) return 0;
    *code = exit_rows[i].code;
    *what = exit_rows[i].what;
    *hint = exit_rows[i].hint;
    return 1;
}

void err_clear(tool_err *e)
{
    if (!e) return;
    memset(e, 0, sizeof *e);
}

int err_set(tool_err *e, int code, const char *what, const char *fmt, ...)
{
    va_list ap;
    if (!e) return code;
    e->code = code;
    snprintf(e->what, sizeof e->what, "%s", what ? what : "");
    va_start(ap, fmt);
    vsnprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    return code;
}

int err_format(const tool_err *e, char *buf, size_t n)
{
    const char *hint = exit_hint(e->code);
    int have_what = e->what[0] != '\0', have_why = e->why[0] != '\0';
    return snprintf(buf, n, "%s%s%s%s%s", e->what, have_what && have_why ? ": " : "", e->why,
                    *hint && (have_what || have_why) ? ": " : "", hint);
}

void err_report(const tool_err *e)
{
    char line[1200];
    err_format(e, line, sizeof line);
    errorf(e->code, "%s", line);
}

void err_print_json(const tool_err *e)
{
    sbuf b = {0};
    char msg[1100];
    snprintf(msg, sizeof msg, "%s%s%s", e->what, e->what[0] && e->why[0] ? ": " : "", e->why);
    sb_printf(&b, "{\"exit_code\":%d,\"class\":", e->code);
    json_str(&b, exit_name(e->code));
    sb_puts(&b, ",\"error\":");
    json_str(&b, msg);
    sb_puts(&b, ",\"what\":");
    json_str(&b, e->what);
    sb_puts(&b, ",\"why\":");
    json_str(&b, e->why);
    sb_puts(&b, ",\"hint\":");
    json_str(&b, exit_hint(e->code));
    sb_puts(&b, "}\n");
    if (!b.oom) helpf("%s", b.s);
    else helpf("{\"exit_code\":%d}\n", e->code);
    sb_free(&b);
}
