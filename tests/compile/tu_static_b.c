#define MLL_STATIC
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include <string.h>
const char *tu_a_version(void);
int main(void) { return strcmp(tu_a_version(), mll_version()) == 0 ? 0 : 1; }
