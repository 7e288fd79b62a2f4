/* The implementation of mlflow_lite.h as a translation unit, for build systems. */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
