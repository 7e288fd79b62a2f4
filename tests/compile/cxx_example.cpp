// The header as C++: the same calls through a C++ compiler, plus RAII-free error handling.
#include <cstdio>
#include <string>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

int main() {
    mll_store *store = nullptr;
    mll_run *run = nullptr;
    mll_store_desc sd = {};
    sd.root = "./mlruns";
    if (mll_open(&store, &sd) != MLL_OK) return 1;
    mll_run_desc rd = {};
    rd.experiment_name = "cxx";
    if (mll_start_run(&run, store, &rd) != MLL_OK) return 1;
    std::string key = "loss";
    for (int i = 0; i < 10; i++) mll_log_metric(run, key.c_str(), 1.0 / (i + 1), i);
    mll_log_paramf(run, "lr", "%g", 0.001);
    std::printf("%s\n", mll_run_id(run));
    return mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK && mll_close(store) == MLL_OK ? 0 : 1;
}
