/* tools/args_help.c — --help and the man page, both written from the option
 * tables (args.c), the variables table (config_env.c) and the error table
 * (errors.h): an option or an exit code exists in all three or in none. */
#include "args.h"

#include <string.h>

enum { HELP_WIDTH = 100, OPT_COL = 31 };

/* text wrapped at HELP_WIDTH; the first line continues at column `col`,
   the others start with `indent` spaces */
static void wrap(sbuf *b, const char *text, size_t col, size_t indent)
{
    const char *p = text;
    int first = 1;
    for (;;) {
        size_t word;
        while (*p == ' ') p++;
        if (!*p) break;
        word = strcspn(p, " ");
        if (!first && col + 1 + word > HELP_WIDTH) {
            sb_printf(b, "\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            sb_add(b, " ", 1);
            col++;
        }
        sb_add(b, p, word);
        col += word;
        p += word;
        first = 0;
    }
    sb_puts(b, "\n");
}

/* "-j, --jobs N" / "    --cacert FILE" */
static void opt_left(sbuf *b, const args_opt *o)
{
    if (o->sname) sb_printf(b, "-%c, ", o->sname);
    else sb_puts(b, "    ");
    sb_printf(b, "--%s%s%s", o->lname, o->argname ? " " : "", o->argname ? o->argname : "");
}

static void help_opts(sbuf *b, const char *title, const args_opt *v, size_t n)
{
    size_t i;
    if (!n) return;
    sb_printf(b, "\n%s:\n", title);
    for (i = 0; i < n; i++) {
        sbuf left = {0};
        if (v[i].type & ARG_HIDDEN) continue;
        opt_left(&left, &v[i]);
        sb_printf(b, "  %-*s ", OPT_COL - 3, left.s ? left.s : "");
        wrap(b, v[i].help, left.len + 3 > OPT_COL ? left.len + 3 : OPT_COL, OPT_COL);
        sb_free(&left);
    }
}

static void synopsis(sbuf *b, const args_command *c)
{
    size_t i;
    sb_printf(b, "mlflow-lite %s [options]", c->name);
    for (i = 0; i < c->npos; i++) sb_printf(b, c->pos[i].optional ? " [%s]" : " %s", c->pos[i].name);
}

void args_usage_text(sbuf *b)
{
    size_t i, n;
    const args_command *cmds = args_commands(&n);
    for (i = 0; i < n; i++) {
        sb_puts(b, i ? "       " : "Usage: ");
        synopsis(b, &cmds[i]);
        sb_puts(b, "\n");
    }
    sb_puts(b, "       mlflow-lite --help | --version\nTry 'mlflow-lite --help' for more information.\n");
}

static void help_command(sbuf *b, const args_command *c)
{
    size_t i;
    char title[64];
    sb_puts(b, "\n");
    wrap(b, c->description, 0, 0);
    sb_puts(b, "\n");
    for (i = 0; i < c->npos; i++) {
        sb_printf(b, "  %-5s ", c->pos[i].name);
        wrap(b, c->pos[i].help, 8, 8);
    }
    snprintf(title, sizeof title, "Options of %s", c->name);
    help_opts(b, title, c->opts, c->nopts);
}

void args_help_text(sbuf *b, tool_cmd cmd)
{
    size_t i, n, nc;
    const args_command *cmds = args_commands(&nc);
    const args_opt *common = args_common_opts(&n);
    const config_env_doc *env;
    char codes[4096];
    for (i = 0; i < nc; i++) {
        if (cmd != CMD_NONE && cmds[i].cmd != cmd) continue;
        sb_puts(b, b->len ? "       " : "Usage: ");
        synopsis(b, &cmds[i]);
        sb_puts(b, "\n");
    }
    sb_puts(b, "       mlflow-lite --help | --version\n");
    for (i = 0; i < nc; i++)
        if (cmd == CMD_NONE || cmds[i].cmd == cmd) help_command(b, &cmds[i]);
    help_opts(b, "Common options (before or after the command)", common, n);
    sb_puts(b, "\nEnvironment:\n");
    env = config_env_docs(&n);
    for (i = 0; i < n; i++) {
        sb_printf(b, "  %-42s ", env[i].name);
        wrap(b, env[i].help, 45, 45);
    }
    exit_codes_text(codes, sizeof codes, EXIT_TEXT_PLAIN);
    sb_printf(b, "\nExit codes:\n%s\nDetails: docs/sync.md, man mlflow-lite\n", codes);
}

/* ---- the man page ------------------------------------------------------------ */

/* Text for roff: a leading '.' or '\'' would be a request, '\' an escape, '-' a hyphen. */
static void roff(sbuf *b, const char *s)
{
    if (*s == '.' || *s == '\'') sb_puts(b, "\\&");
    for (; *s; s++) {
        if (*s == '\\') sb_puts(b, "\\e");
        else if (*s == '-') sb_puts(b, "\\-");
        else sb_add(b, s, 1);
    }
}

static void man_opt(sbuf *b, const args_opt *o)
{
    sb_puts(b, ".TP\n");
    if (o->sname) sb_printf(b, "\\fB\\-%c\\fR, ", o->sname);
    sb_puts(b, "\\fB\\-\\-");
    roff(b, o->lname);
    sb_puts(b, "\\fR");
    if (o->argname) sb_printf(b, " \\fI%s\\fR", o->argname);
    sb_puts(b, "\n");
    roff(b, o->help);
    sb_puts(b, ".\n");
    if (o->more) {
        roff(b, o->more);
        sb_puts(b, "\n");
    }
}

static void man_command(sbuf *b, const args_command *c)
{
    size_t i;
    sb_printf(b, ".SS \"%s\"\n", c->name);
    roff(b, c->description);
    sb_puts(b, "\n");
    for (i = 0; i < c->npos; i++) {
        sb_printf(b, ".TP\n\\fI%s\\fR\n", c->pos[i].name);
        roff(b, c->pos[i].help);
        sb_puts(b, "\n");
    }
    sb_printf(b, ".PP\nOptions of \\fB%s\\fR:\n", c->name);
    for (i = 0; i < c->nopts; i++)
        if (!(c->opts[i].type & ARG_HIDDEN)) man_opt(b, &c->opts[i]);
}

static void man_synopsis(sbuf *b, const args_command *cmds, size_t nc)
{
    size_t i, j;
    sb_puts(b, ".SH SYNOPSIS\n");
    for (i = 0; i < nc; i++) {
        sb_printf(b, ".B mlflow\\-lite %s\n[\\fIoptions\\fR]", cmds[i].name);
        for (j = 0; j < cmds[i].npos; j++)
            sb_printf(b, cmds[i].pos[j].optional ? " [\\fI%s\\fR]" : " \\fI%s\\fR", cmds[i].pos[j].name);
        sb_puts(b, "\n.br\n");
    }
    sb_puts(b, ".B mlflow\\-lite\n\\-\\-help | \\-\\-version\n");
}

static void man_tail(sbuf *b)
{
    size_t i, n;
    const config_env_doc *env = config_env_docs(&n);
    const char *what, *hint;
    int code;
    sb_puts(b, ".SH ENVIRONMENT\n");
    for (i = 0; i < n; i++) {
        sb_puts(b, ".TP\n.B ");
        roff(b, env[i].name);
        sb_puts(b, "\n");
        roff(b, env[i].help);
        sb_puts(b, "\n");
    }
    sb_puts(b, ".SH FILES\n.TP\n.I SRC/.mlflow\\-lite\\-sync\\-HASH.jsonl\n"
               "The sync state: what one DEST has acknowledged (mode 0600, no secrets; deleting it is safe: the "
               "next sync checks with the server). With a lock file beside it, one sync per SRC and DEST runs at a "
               "time. When SRC is not writable: $XDG_STATE_HOME/mlflow\\-lite/ (default "
               "~/.local/state/mlflow\\-lite/).\n");
    sb_puts(b, ".SH EXIT CODES\n");
    for (i = 0; exit_row_at(i, &code, &what, &hint); i++) {
        sb_printf(b, ".TP\n.B %d\n", code);
        roff(b, what);
        if (*hint) sb_puts(b, "; "), roff(b, hint);
        sb_puts(b, "\n");
    }
    sb_puts(b, ".SH SEE ALSO\ndocs/sync.md, docs/s3.md and docs/architecture.md in the mlflow\\-lite sources.\n");
}

void args_manpage(sbuf *b, const char *version)
{
    size_t i, n, nc;
    const args_command *cmds = args_commands(&nc);
    const args_opt *common = args_common_opts(&n);
    sb_printf(b, ".TH MLFLOW\\-LITE 1 \"\" \"mlflow\\-lite %s\" \"User Commands\"\n", version);
    sb_puts(b, ".nh\n"); /* no hyphenation: variable names must stay whole */
    sb_puts(b, ".SH NAME\nmlflow\\-lite \\- ");
    for (i = 0; i < nc; i++) {
        sb_puts(b, i ? "; " : "");
        roff(b, cmds[i].summary);
    }
    sb_puts(b, "\n");
    man_synopsis(b, cmds, nc);
    sb_puts(b, ".SH DESCRIPTION\nA subcommand is required; common options may come before or after it.\n");
    for (i = 0; i < nc; i++) man_command(b, &cmds[i]);
    sb_puts(b, ".SH COMMON OPTIONS\n");
    for (i = 0; i < n; i++)
        if (!(common[i].type & ARG_HIDDEN)) man_opt(b, &common[i]);
    man_tail(b);
}
