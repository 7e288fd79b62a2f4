/* MLL_STATIC: two private copies of the implementation in one program must not clash. */
#define MLL_STATIC
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
const char *tu_a_version(void);
const char *tu_a_version(void) { return mll_version(); }
