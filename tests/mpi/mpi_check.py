"""The MPI examples under Debian's Open MPI, judged by MLflow 3.18.0.

--bin c=... and --bin f=... are examples/mpi_ranks.c and .f90; each runs twice as
`mpirun -np 4 --oversubscribe [--allow-run-as-root] <bin> nested|shared <root> <steps>`,
in a fresh root each time:
  nested: 1 parent "job" (FINISHED, the id
      rank 0 printed, param ranks=4) + 4 children "rank-<k>" (FINISHED, tags
      mlflow.parentRunId=<parent>, mpi.rank=<k>, mpi.size=4, param rank=<k>, every
      loss point (k+1)/(step+1) for step < steps) in one experiment;
  shared: 1 run (FINISHED) holding every
      rank's keys: params ranks=4 and rank<k>/host=<k>, tags rank<k>/steps, every point
      of rank<k>/loss.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "consumers"))
from judge import Checker, check_judge, expect_run, experiment_runs, f64, fresh_dir, leftovers, program, read  # noqa: E402
from mlt_common import parse_args  # noqa: E402

RANKS = 4
STEPS = 1000


def mpirun(a, exe, mode, root, cwd):
    cmd = [a.mpirun, "-np", str(RANKS), "--oversubscribe"]
    if os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    return program(cmd + [exe, mode, root, str(STEPS)], cwd).split()


def loss(k):
    return [(f64((k + 1.0) / (s + 1.0)), s) for s in range(STEPS)]


def nested(ck, d, experiment, printed, what):
    runs = experiment_runs(d, experiment)
    ck.eq(len(runs), 1 + RANKS, f"{what}: runs in {experiment} (1 parent + {RANKS} children)")
    ck.eq(printed, [printed[0]] if printed else ["<id>"], f"{what}: rank 0 prints the parent id once")
    parent = printed[0] if printed else ""
    if parent not in runs:
        ck.fail(f"{what}: the printed parent {parent!r} is not a run MLflow reads")
        return
    expect_run(ck, runs[parent], f"{what} parent", status="FINISHED", name="job", params={"ranks": str(RANKS)},
               metrics={})
    ck.true("mlflow.parentRunId" not in runs[parent]["tags"], f"{what} parent: has no parent")
    children = {r["tags"].get("mpi.rank"): r for i, r in runs.items() if i != parent}
    ck.eq(sorted(children), [str(k) for k in range(RANKS)], f"{what}: one child per rank")
    for k in range(RANKS):
        c = children.get(str(k))
        if c is None:
            continue
        expect_run(ck, c, f"{what} child {k}", status="FINISHED", name=f"rank-{k}", params={"rank": str(k)},
                   tags={"mpi.rank": str(k), "mpi.size": str(RANKS)}, metrics={"loss": loss(k)})
        ck.eq(c["tags"].get("mlflow.parentRunId"), parent, f"{what} child {k}: parent run id")


def shared(ck, d, experiment, printed, what):
    runs = experiment_runs(d, experiment)
    ck.eq(list(runs), printed[:1], f"{what}: the printed run is the one run in {experiment}")
    for r in runs.values():
        params = {"ranks": str(RANKS)}
        params.update({f"rank{k}/host": str(k) for k in range(RANKS)})
        expect_run(ck, r, what, status="FINISHED", name="one-run-all-ranks", params=params,
                   tags={f"rank{k}/steps": str(STEPS) for k in range(RANKS)},
                   metrics={f"rank{k}/loss": loss(k) for k in range(RANKS)})


def main():
    a = parse_args(lambda p: p.add_argument("--mpirun", required=True))
    check_judge()
    ck = Checker("mpi")
    cases = [("c", "nested", "mpi-nested", nested), ("f", "nested", "mpi-nested-fortran", nested),
             ("c", "shared", "mpi-shared", shared), ("f", "shared", "mpi-shared-fortran", shared)]
    for lang, mode, experiment, judge_fn in cases:
        name = f"{lang}_{mode}"
        if lang not in a.bins:
            ck.fail(f"--bin {lang}=... missing")
            continue
        cwd = fresh_dir(a.work, name)
        root = os.path.join(cwd, "mlruns")
        printed = mpirun(a, a.bins[lang], mode, root, cwd)
        judge_fn(ck, read(root), experiment, printed, name)
        ck.eq(leftovers(root), [], f"{name}: temporary files left behind")
    ck.finish()


if __name__ == "__main__":
    main()
