#include "inspect_cmds.h"
int cmd_check(const tool_cfg *c) { (void)c; return 1; }
