/* word_table: prints the ranges of code points for which mlflow_lite's key
   validator treats a character as a Python `re` \w character, one
   "<first hex> <last hex>" line per range, over 0..0x10FFFF. */
#define _POSIX_C_SOURCE 200809L
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

int main(void) {
    uint32_t cp, start = 0;
    int in = 0;
    for (cp = 0; cp <= 0x110000; cp++) {
        int w = cp <= 0x10FFFF && mll__is_word_codepoint(cp) != 0;
        if (w && !in) {
            start = cp;
            in = 1;
        } else if (!w && in) {
            printf("%x %x\n", (unsigned)start, (unsigned)(cp - 1));
            in = 0;
        }
    }
    return 0;
}
