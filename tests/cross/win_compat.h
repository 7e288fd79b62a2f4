/* win_compat.h - forced (-include) into the portable unit tests when they are built with
   mingw-w64 for the Windows stage: the few POSIX names they use, over the CRT. The header
   under test gets nothing from here (it includes <windows.h> itself). */
#ifndef MLL_WIN_COMPAT_H
#define MLL_WIN_COMPAT_H
#ifdef _WIN32
#include <windows.h>
#include <direct.h>
#include <io.h>
#include <stdlib.h>
#include <string.h>
static __attribute__((unused)) char *mll_compat_mkdtemp(char *tmpl) {
    if (_mktemp_s(tmpl, strlen(tmpl) + 1) != 0) return NULL;
    return _mkdir(tmpl) == 0 ? tmpl : NULL;
}
#define mkdtemp mll_compat_mkdtemp
/* <windows.h> has a type POINTS; test_threads.c an enum constant of that name */
#define POINTS MLL_TEST_POINTS
#endif
#endif
