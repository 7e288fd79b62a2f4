// The C++ program the CMake consumer projects build: the same run as main.c, through
// mlflow_lite.hpp. Prints the run id. Root: ./mlruns or $MLFLOW_TRACKING_URI.
#include <cstdio>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.hpp"

int main(int argc, char **argv) {
    mll::store store;
    if (!store) return 1;
    mll::run run = store.start_run("consumers", argc > 1 ? argv[1] : "cpp");
    if (!run) return 1;
    run.log_param("language", "c++");
    run.set_tag("mlflow_lite.version", mll_version());
    for (int step = 0; step < 10; ++step) run.log_metric("loss", 1.0 / (step + 1), step);
    std::printf("%s\n", run.id().c_str());
    return run.end() == MLL_OK ? 0 : 1;
}
