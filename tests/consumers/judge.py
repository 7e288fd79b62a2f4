"""What the binding, MPI and consumer tests share: run a program the way a user would,
read the folder it wrote with the real MLflow 3.18.0 (tests/mlflow/mlt_dump.py through
MlflowClient), and compare runs field by field.

Imported by tests/cxx/cxx_check.py, tests/fortran/fortran_check.py, tests/mpi/mpi_check.py
and tests/consumers/consumers_check.py; it builds on tests/mlflow/mlt_common.py (the
Checker, the judge version check, the environment a writer gets).
"""
import contextlib
import io
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "mlflow"))
from mlt_common import Checker, bits, check_judge, fresh_dir, leftovers, run, writer_env  # noqa: E402,F401
import mlt_dump  # noqa: E402


def program(cmd, cwd, **env):
    """Runs a user program in cwd with a clean MLflow environment (plus env); returns stdout."""
    p = run(cmd, cwd=cwd, env=writer_env(**env))
    return p.stdout.decode()


def read(root):
    """Everything MLflow 3.18.0 reads from a file store, as mlt_dump's JSON (mlt_dump runs
    in this process: importing MLflow once per test, not once per folder, saves ~10 s each)."""
    out, argv = io.StringIO(), sys.argv
    sys.argv = ["mlt_dump.py", root, "--artifacts"]
    try:
        with contextlib.redirect_stdout(out):
            mlt_dump.main()
    finally:
        sys.argv = argv
    return json.loads(out.getvalue())


def experiment_runs(d, name):
    """{run_id: run} of the experiment with that name ({} if there is none)."""
    ids = [e for e, x in d["experiments"].items() if x["name"] == name]
    return {r: x for r, x in d["runs"].items() if x["experiment_id"] in ids}


def f64(v):
    return bits(float(v))


def f32(v):
    """bits of the double a Fortran/C float value widens to"""
    return bits(struct.unpack("<f", struct.pack("<f", v))[0])


def is_system_tag(key):
    """MLflow's own tags and those the header writes by itself on every run (host and pid, for
    mlflow-lite check) or with system metrics (mlflow_lite.system.*)."""
    return (key.startswith(("mlflow.", "mlflow_lite.system.")) or
            key in ("mlflow_lite.host", "mlflow_lite.pid"))


def expect_run(ck, r, what, status=None, name=None, params=None, tags=None, metrics=None,
               artifacts=None, exact_tags=False):
    """Compares one run of mlt_dump with what the program says it logged.
    metrics: {key: [(bits, step), ...]} in the order logged (timestamps not compared);
    tags: system tags (mlflow.*, and ours: mlflow_lite.host/pid on every run, mlflow_lite.system.*
    with system metrics) are ignored unless exact_tags."""
    if status is not None:
        ck.eq(r["status"], status, f"{what}: status")
        if status != "RUNNING":
            ck.true(r["end_time"] is not None and r["end_time"] >= r["start_time"], f"{what}: end time")
    if name is not None:
        ck.eq(r["run_name"], name, f"{what}: run name")
        ck.eq(r["tags"].get("mlflow.runName"), name, f"{what}: tag mlflow.runName")
    if params is not None:
        ck.eq(r["params"], params, f"{what}: params")
    if tags is not None:
        got = r["tags"] if exact_tags else {k: v for k, v in r["tags"].items() if not is_system_tag(k)}
        ck.eq(got, tags, f"{what}: tags")
    if metrics is not None:
        ck.eq(sorted(r["history"]), sorted(metrics), f"{what}: metric keys")
        for k, want in metrics.items():
            got = [(h[0], h[1]) for h in r["history"].get(k, [])]
            ck.eq(got, list(want), f"{what}: history of {k}")
    if artifacts is not None:
        ck.eq(r.get("artifacts"), {p: b.hex() for p, b in artifacts.items()}, f"{what}: artifacts")
