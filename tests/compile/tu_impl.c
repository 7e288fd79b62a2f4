/* Translation unit 1 of 2: the implementation (as mlflow_lite.c does it). */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
