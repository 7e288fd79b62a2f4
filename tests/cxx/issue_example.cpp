#include <cstdio>
#include <stdexcept>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.hpp"

int main() {
    mll::store store;                      // ./mlruns or $MLFLOW_TRACKING_URI; never throws
    if (!store) { std::fprintf(stderr, "%s\n", store.last_error().message.c_str()); return 1; }
    try {
        mll::run run = store.start_run("cifar10", "cpp-baseline");   // get-or-create by name
        run.log_param("lr", 0.01);                                    // arithmetic, bool, string
        run.log_param("optimizer", std::string("adam"));
        for (int step = 0; step < 100; ++step)
            run.log_metric("train/loss", 1.0 / (step + 1), step);
        run.log_metrics({{"val/acc", 0.9}, {"val/loss", 0.3}}, 99);   // one step, many keys
        run.set_tag("team", "vision");
        run.log_text("hello\n", "notes/readme.txt");
        std::printf("%s\n", run.id().c_str());
        throw std::runtime_error("diverged");    // unwinding ends this run as FAILED
    } catch (const std::exception &) {}
    mll::run_options opt;
    opt.experiment_name = "cifar10";
    opt.run_name = "second";
    opt.tags = {{"stage", "eval"}};
    mll::run second = store.start_run(opt);
    second.end(mll::status::finished);           // explicit end
    return 0;                                    // a run destroyed normally ends FINISHED
}
