/* tools/gen_docs.c — a build-time generator, not part of the tool: writes the
 * man page (from the option, variable and error tables) and the markdown
 * EXIT CODES table that docs/sync.md carries (tests/tool_cli checks it).
 *   mll_gen_docs man FILE               roff man page into FILE (version: version.h)
 *   mll_gen_docs exit-codes             markdown table on stdout
 *   mll_gen_docs help                   the text of --help on stdout (for the tests) */
#include "args.h"
#include "msgs.h"
#include "version.h"

#include <stdio.h>
#include <string.h>

static int write_file(const char *path, const sbuf *b)
{
    FILE *f = fopen(path, "w");
    int ok = f && fwrite(b->s, 1, b->len, f) == b->len;
    if (f && fclose(f) != 0) ok = 0;
    if (!ok) errorf(EXIT_FAILED, "%s: cannot write it", path);
    return ok ? 0 : EXIT_FAILED;
}

int main(int argc, char **argv)
{
    sbuf b = {0};
    int rc = EXIT_USAGE;
    if (argc == 3 && strcmp(argv[1], "man") == 0) {
        args_manpage(&b, MLL_TOOL_VERSION);
        rc = b.oom ? EXIT_FAILED : write_file(argv[2], &b);
    } else if (argc == 2 && strcmp(argv[1], "help") == 0) {
        args_help_text(&b, CMD_NONE);
        if (!b.oom) helpf("%s", b.s);
        rc = b.oom ? EXIT_FAILED : 0;
    } else if (argc == 2 && strcmp(argv[1], "exit-codes") == 0) {
        char codes[8192];
        exit_codes_text(codes, sizeof codes, EXIT_TEXT_MARKDOWN);
        helpf("%s", codes);
        rc = 0;
    } else
        errorf(EXIT_USAGE, "usage: mll_gen_docs man FILE | exit-codes | help");
    sb_free(&b);
    return rc;
}
