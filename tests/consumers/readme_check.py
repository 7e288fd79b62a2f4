"""The README's "Using it: C, C++, Fortran, MPI" section, run exactly as written.

For each of its ### C, C++, Fortran and MPI subsections: the first code block is written
to the source file its ```sh block names, mlflow_lite.h / .hpp / .f90 /
mlflow_lite_fortran.c are copied beside it, the sh block's commands run in that folder
(mpirun gets --oversubscribe, and --allow-run-as-root as root, as tests/mpi does), the
program runs if the commands did not, and MLflow 3.18.0 must read what the comments
promise. A section that is missing or changed shape fails.
"""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge import REPO, Checker, check_judge, expect_run, experiment_runs, f64, fresh_dir, program, read  # noqa: E402
from mlt_common import parse_args  # noqa: E402

LIBRARY = ["mlflow_lite.h", "mlflow_lite.hpp", "mlflow_lite.f90", "mlflow_lite_fortran.c"]
SOURCE = re.compile(r"\S+\.(?:c|cpp|f90)$")


def sections():
    """{title: (source code, [commands])} of the README's usage section."""
    text = open(os.path.join(REPO, "README.md"), encoding="utf-8").read()
    part = text.split("## Using it: C, C++, Fortran, MPI", 1)[-1].split("\n## ", 1)[0]
    out = {}
    for chunk in part.split("\n### ")[1:]:
        title = chunk.split("\n", 1)[0].strip()
        blocks = re.findall(r"```(\w+)\n(.*?)```", chunk, re.S)
        code = next((b for lang, b in blocks if lang in ("c", "cpp", "fortran")), None)
        sh = next((b for lang, b in blocks if lang == "sh"), None)
        if code and sh:
            out[title] = (code, [ln for ln in sh.splitlines() if ln.strip() and not ln.startswith("#")])
    return out


def shell_command(line):
    if os.geteuid() == 0:
        line = line.replace("mpirun ", "mpirun --allow-run-as-root ")
    return line.replace("mpirun ", "mpirun --oversubscribe ")


def build_and_run(ck, title, code, commands, work):
    d = fresh_dir(work, re.sub(r"\W+", "-", title).strip("-").lower())
    for f in LIBRARY:
        shutil.copy(os.path.join(REPO, f), d)
    open(os.path.join(d, "config.yaml"), "w").write("lr: 0.01\n")
    words = commands[0].split()
    source = next((w for w in words if SOURCE.match(w) and w not in LIBRARY), None)
    exe = words[words.index("-o") + 1] if "-o" in words else None
    if not source or not exe:
        ck.fail(f"{title}: the build command names no source file or no -o: {commands[0]!r}")
        return None
    open(os.path.join(d, source), "w").write(code)
    for line in commands:
        try:
            program(["sh", "-c", shell_command(line)], d)
        except RuntimeError as e:
            ck.fail(f"{title}: `{line}` failed: {e}")
            return None
    if not any("mpirun" in line for line in commands):
        try:
            program([os.path.join(d, exe)], d)
        except RuntimeError as e:
            ck.fail(f"{title}: ./{exe} failed: {e}")
            return None
    return read(os.path.join(d, "mlruns"))


def one_run(ck, d, experiment, title):
    runs = list(experiment_runs(d, experiment).values())
    ck.eq(len(runs), 1, f"{title}: runs in {experiment}")
    return runs[0] if runs else None


def expect_c(ck, d):
    r = one_run(ck, d, "cifar10", "C")
    if r:
        expect_run(ck, r, "C", status="FINISHED", name="baseline", params={"lr": "0.01"}, tags={"team": "vision"},
                   metrics={"train/loss": [(f64(1.0 / (s + 1)), s) for s in range(1000)]},
                   artifacts={"configs/config.yaml": b"lr: 0.01\n"})


def expect_cpp(ck, d):
    r = one_run(ck, d, "cifar10", "C++")
    if r:
        expect_run(ck, r, "C++", status="FINISHED", name="cpp", params={"lr": "0.01"}, tags={"team": "vision"},
                   metrics={"train/loss": [(f64(1.0 / (s + 1)), s) for s in range(100)]})


def expect_fortran(ck, d):
    r = one_run(ck, d, "climate", "Fortran")
    if r:
        expect_run(ck, r, "Fortran", status="FINISHED", name="fortran", params={"dt": "0.5"}, tags={},
                   metrics={"loss": [(f64(1.0 / (s + 1)), s) for s in range(100)]})


def expect_mpi(ck, d):
    runs = experiment_runs(d, "mpi")
    ck.eq(sorted(r["run_name"] for r in runs.values()), ["job"] + [f"rank-{k}" for k in range(4)],
          "MPI: 1 parent + 4 children")
    parent = next((i for i, r in runs.items() if r["run_name"] == "job"), None)
    for r in runs.values():
        if r["run_name"] == "job":
            expect_run(ck, r, "MPI parent", status="FINISHED", metrics={})
            continue
        k = int(r["run_name"].split("-")[1])
        expect_run(ck, r, f"MPI child {k}", status="FINISHED", tags={"mpi.rank": str(k)},
                   metrics={"loss": [(f64((k + 1.0) / (s + 1)), s) for s in range(100)]})
        ck.eq(r["tags"].get("mlflow.parentRunId"), parent, f"MPI child {k}: parent")


def main():
    a = parse_args()
    check_judge()
    ck = Checker("readme")
    found = sections()
    judges = {"C": expect_c, "C++": expect_cpp, "Fortran": expect_fortran, "MPI": expect_mpi}
    for title, judge_fn in judges.items():
        if title not in found:
            ck.fail(f"README: no '### {title}' section with a code block and a ```sh block")
            continue
        d = build_and_run(ck, title, *found[title], a.work)
        if d is not None:
            judge_fn(ck, d)
    ck.finish()


if __name__ == "__main__":
    main()
