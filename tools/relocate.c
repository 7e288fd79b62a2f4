#include "inspect_cmds.h"
int cmd_relocate(const tool_cfg *c) { (void)c; return 1; }
