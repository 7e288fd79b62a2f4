/* tools/args.h — the command line: the option table and its parser.
 *
 *   mlflow-lite [common options] COMMAND [options] ARGS...
 *
 * A subcommand is required. Each command brings its own option table (the
 * sync options live in sync's table); the common table (--help, --version,
 * --verbose, --silent, --show-error, --json) is valid before and after the
 * command. To add a command: one args_command row in args.c with its own
 * args_opt array, a CMD_* value in config.h, and the fields in tool_cfg.
 *
 * The tables are the single source of --help (args_help_text) and of the man
 * page (args_manpage, generated at build time by tools/gen_docs.c), so an
 * option cannot be documented in one and missing from the other.
 *
 * Parsing prints nothing: a mistake fills a tool_err (EXIT_USAGE, `what` =
 * the option or argument, `why` = the reason) and main.c reports it, as text
 * or, when --json appears anywhere before "--", as a JSON error object.
 * Integers are integers with ranges (--jobs 1..64, --retries 0..100), seconds
 * are finite decimals in a range (no exponent, inf or nan). A password in DEST
 * (http://user:pass@host) is copied and then blanked in argv, so that `ps`
 * does not show it (curl's ARG_CLEAR). */
#ifndef MLL_TOOLS_ARGS_H
#define MLL_TOOLS_ARGS_H

#include "config.h"
#include "util.h"

typedef enum args_action {
    ARGS_RUN = 0,     /* run c->cmd */
    ARGS_HELP,        /* --help / -h: print args_help_text(c->cmd) on stdout, exit 0 */
    ARGS_VERSION,     /* --version / -V: exit 0 */
    ARGS_NO_ARGS,     /* nothing given: print args_usage_text on stderr, exit 2 */
    ARGS_ERROR        /* e is filled (EXIT_USAGE, or EXIT_FAILED when out of memory) */
} args_action;

/* Option types, and flags or'ed into them. */
enum {
    ARG_FLAG = 1,     /* sets an int to 1 */
    ARG_INT,          /* an int in lo..hi */
    ARG_SECS,         /* a double, decimal digits with at most one '.', in lo..hi */
    ARG_STR,          /* a borrowed string */
    ARG_LIST,         /* appended to a (const char **, size_t) pair; repeatable */
    ARG_ACTION,       /* returns `action` (help, version) */
    ARG_TYPE_MASK = 15,
    ARG_HIDDEN = 16   /* not in --help or the man page */
};

typedef struct args_opt {
    const char *lname;                 /* "jobs" */
    char sname;                        /* 'j', or 0 */
    int type;                          /* ARG_* | flags */
    const char *argname;               /* "N", "SECONDS", "FILE", or NULL for flags */
    const char *help;                  /* one line for --help */
    const char *more;                  /* more for the man page, or NULL */
    size_t off, off2;                  /* offsetof(tool_cfg, field) (off2: the count of a list) */
    double lo, hi;                     /* range of ARG_INT / ARG_SECS */
    int action;                        /* ARG_ACTION: the args_action returned */
    int set_flag;                      /* ARG_INT/ARG_SECS: offset + 1 of an int set to 1 when given, or 0 */
} args_opt;

typedef struct args_positional {
    const char *name;                  /* "SRC" */
    const char *help;                  /* "the mlruns folder" */
    size_t off;                        /* offsetof(tool_cfg, field) */
    int optional;
    int clear_password;                /* a URL whose userinfo password is blanked in argv (curl's ARG_CLEAR) */
} args_positional;

typedef struct args_command {
    const char *name;                  /* "sync" */
    tool_cmd cmd;
    const char *summary;               /* one line */
    const char *description;           /* paragraphs for --help and the man page */
    const args_opt *opts;
    size_t nopts;
    const args_positional *pos;
    size_t npos;
} args_command;

/* The tables (sorted by long name), for args_help.c and the tests. */
const args_command *args_commands(size_t *n);
const args_opt *args_common_opts(size_t *n);

/* Parses argv into c (zeroed by the caller). Returns the action; on
   ARGS_ERROR e is filled. c->json is set when --json appears among the
   options, even when parsing failed, so that the error can be printed as
   JSON. May write into argv (blanking a password in DEST). */
args_action args_parse(int argc, char **argv, tool_cfg *c, tool_err *e);

/* ---- args_help.c: text made from the tables -------------------------------- */

/* "Usage: ..." lines and a pointer to --help (for no arguments, on stderr). */
void args_usage_text(sbuf *b);
/* The full help of cmd (CMD_NONE: every command): usage, description,
   options, environment, exit codes. */
void args_help_text(sbuf *b, tool_cmd cmd);
/* The man page, roff (man(7) macros). version: printed in the footer. */
void args_manpage(sbuf *b, const char *version);

#endif
