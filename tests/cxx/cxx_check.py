"""The issue's C++ program (tests/cxx/issue_example.cpp), judged by MLflow 3.18.0.

Each --bin is one build of it (g++/clang++, -std=c++17/c++20). Each runs twice: in a
fresh folder (./mlruns) and with MLFLOW_TRACKING_URI=file://... pointing elsewhere.
MLflow must read: experiment "cifar10" with exactly two runs; "cpp-baseline" (the id
the program printed) FAILED after the exception unwound it, with lr=0.01,
optimizer=adam, 100 train/loss points, val/acc and val/loss at step 99, tag team=vision
and artifact notes/readme.txt; "second" FINISHED with tag stage=eval and nothing else.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "consumers"))
from judge import Checker, check_judge, expect_run, experiment_runs, f64, fresh_dir, leftovers, program, read  # noqa: E402
from mlt_common import parse_args  # noqa: E402


def judge_folder(ck, root, printed_id, what):
    d = read(root)
    runs = experiment_runs(d, "cifar10")
    ck.eq(len(runs), 2, f"{what}: runs in cifar10")
    ck.true(printed_id in runs, f"{what}: printed run id {printed_id!r} is a run MLflow reads")
    first = runs.get(printed_id)
    if first:
        expect_run(ck, first, f"{what}: first run", status="FAILED", name="cpp-baseline",
                   params={"lr": "0.01", "optimizer": "adam"}, tags={"team": "vision"},
                   metrics={"train/loss": [(f64(1.0 / (s + 1)), s) for s in range(100)],
                            "val/acc": [(f64(0.9), 99)], "val/loss": [(f64(0.3), 99)]},
                   artifacts={"notes/readme.txt": b"hello\n"})
    others = [r for i, r in runs.items() if i != printed_id]
    if len(others) == 1:
        expect_run(ck, others[0], f"{what}: second run", status="FINISHED", name="second",
                   params={}, tags={"stage": "eval"}, metrics={}, artifacts={})
    ck.eq(leftovers(root), [], f"{what}: temporary files left behind")


def main():
    a = parse_args()
    check_judge()
    ck = Checker("cxx_issue_example")
    if not a.bins:
        ck.fail("no --bin given")
    for name, path in sorted(a.bins.items()):
        cwd = fresh_dir(a.work, name)
        out = program([path], cwd).split()
        ck.eq(len(out), 1, f"{name}: prints one run id")
        judge_folder(ck, os.path.join(cwd, "mlruns"), out[0] if out else "", name)
        cwd2 = fresh_dir(a.work, name + "-uri")
        elsewhere = os.path.join(cwd2, "elsewhere")
        out = program([path], cwd2, MLFLOW_TRACKING_URI="file://" + elsewhere).split()
        ck.true(not os.path.exists(os.path.join(cwd2, "mlruns")), f"{name}: ./mlruns made despite MLFLOW_TRACKING_URI")
        judge_folder(ck, elsewhere, out[0] if out else "", name + " with MLFLOW_TRACKING_URI")
    ck.finish()


if __name__ == "__main__":
    main()
