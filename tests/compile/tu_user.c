/* Translation unit 2 of 2: declarations only, linked against tu_impl.c. */
#include <string.h>
#include "mlflow_lite.h"
int main(void) {
    return strcmp(mll_version(), MLL_VERSION_STRING) == 0 && mll_strerror(MLL_OK)[0] ? 0 : 1;
}
