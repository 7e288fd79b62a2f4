/* tools/args.h — command-line parsing. No printing: returns a code and the
 * offending option; main.c reports it. The option table is also the source
 * of --help (args_help). Token-like values are blanked in argv. */
#ifndef MLL_TOOLS_ARGS_H
#define MLL_TOOLS_ARGS_H
#include "config.h"

typedef enum args_result {
    ARGS_OK = 0,
    ARGS_HELP,
    ARGS_VERSION,
    ARGS_UNKNOWN_OPTION,
    ARGS_MISSING_VALUE,
    ARGS_BAD_NUMBER,
    ARGS_UNKNOWN_COMMAND,
    ARGS_MISSING_SRC,
    ARGS_TOO_MANY,
    ARGS_NO_MEMORY
} args_result;

args_result args_parse(int argc, char **argv, sync_cfg *c, const char **bad);
const char *args_strerror(args_result r);
void args_help(void);
#endif
