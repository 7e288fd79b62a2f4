/* tools/inspect_cmds.h — one entry point per inspect command (inspect.c
 * dispatches; each lives in its own file). */
#ifndef MLL_TOOLS_INSPECT_CMDS_H
#define MLL_TOOLS_INSPECT_CMDS_H

#include "config.h"

int cmd_ls(const tool_cfg *c);          /* cmd_ls.c */
int cmd_runs(const tool_cfg *c);        /* cmd_runs.c */
int cmd_show(const tool_cfg *c);        /* cmd_show.c */
int cmd_history(const tool_cfg *c);     /* cmd_history.c */
int cmd_diff(const tool_cfg *c);        /* cmd_diff.c */
int cmd_report(const tool_cfg *c);      /* report.c */
int cmd_check(const tool_cfg *c);       /* check.c */
int cmd_relocate(const tool_cfg *c);    /* relocate.c */

#endif
