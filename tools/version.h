/* tools/version.h — the tool's version, in one place: mlflow_lite.h's MLL_VERSION_*
 * (the tool ships with the header; CMake's project version, pkg-config and the .deb
 * read the same three lines). Used by --version, the man page and the User-Agent
 * every server sees ("mlflow-lite/<version>"). */
#ifndef MLL_TOOL_VERSION_H
#define MLL_TOOL_VERSION_H

#include "../mlflow_lite.h" /* relative to this file: no include path needed */

#define MLL_TOOL_VERSION MLL_VERSION_STRING

#endif
