"""The Fortran module judged by MLflow 3.18.0.

--bin issue=...  the issue's program (tests/fortran/issue_example.f90), run in a fresh
                 folder with a namelist.nml beside it, and again with
                 MLFLOW_TRACKING_URI pointing elsewhere: experiment "climate", run
                 "fortran" FINISHED, dt=0.5, nx=128, scheme=upwind, 100 loss points,
                 tag model=unet, artifact config/namelist.nml.
--bin api=...    tests/fortran/test_fortran_api.f90: every call; MLflow must read each
                 param spelling, metric kind/step/timestamp, the nested child, the
                 reopened run's appended point, tags, the renamed run and the text.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "consumers"))
from judge import Checker, check_judge, expect_run, experiment_runs, f32, f64, fresh_dir, leftovers, program, read  # noqa: E402
from mlt_common import parse_args  # noqa: E402

NAMELIST = b"&params\n dt = 0.5\n nx = 128\n/\n"


def issue(ck, exe, work):
    for variant in ("cwd", "uri"):
        cwd = fresh_dir(work, "issue-" + variant)
        open(os.path.join(cwd, "namelist.nml"), "wb").write(NAMELIST)
        root = os.path.join(cwd, "mlruns") if variant == "cwd" else os.path.join(cwd, "elsewhere")
        env = {} if variant == "cwd" else {"MLFLOW_TRACKING_URI": "file://" + root}
        out = program([exe], cwd, **env).split()
        ck.eq(len(out), 1, f"issue {variant}: prints one run id")
        runs = experiment_runs(read(root), "climate")
        ck.eq(list(runs), out[:1], f"issue {variant}: the printed run is the one run in 'climate'")
        for r in runs.values():
            expect_run(ck, r, f"issue {variant}", status="FINISHED", name="fortran",
                       params={"dt": "0.5", "nx": "128", "scheme": "upwind"}, tags={"model": "unet"},
                       metrics={"loss": [(f64(1.0 / (s + 1)), s) for s in range(100)]},
                       artifacts={"config/namelist.nml": NAMELIST})
        ck.eq(leftovers(root), [], f"issue {variant}: temporary files left behind")


def api(ck, exe, work):
    cwd = fresh_dir(work, "api")
    root = os.path.join(cwd, "store")
    out = program([exe, root], cwd).split()
    ck.eq(len(out), 2, "api: prints the run id and the child's id")
    if len(out) != 2:
        return
    rid, cid = out
    d = read(root)
    runs = experiment_runs(d, "fortran-api")
    ck.eq(sorted(runs), sorted([rid, cid]), "api: runs in fortran-api")
    exp = [e for e in d["experiments"].values() if e["name"] == "fortran-api"]
    ck.eq(exp[0]["tags"] if exp else None, {"owner": "fortran"}, "api: experiment tag")
    if rid not in runs or cid not in runs:
        return
    loss = [(f64(1.0 / (s + 1)), s) for s in range(10)] + [(f64(0.05), 10)]
    expect_run(ck, runs[rid], "api run", status="FINISHED", name="renamed",
               params={"r8": "0.01", "r4": "0.01", "r4_tenth": "0.1", "r4_whole": "5.0", "i4": "-128",
                       "i8": "9223372036854775807", "yes": "True", "no": "False",
                       "padded": "blank padded value", "c_string": "nul"},
               tags={"team": "climate"},
               metrics={"loss": loss,
                        "acc32": [(f32(s / 8.0), s) for s in range(10)],
                        "big": [(f64(2.5), 3000000000), (f32(0.1), 3000000001)],
                        "nostep": [(f64(7.0), 0)], "nostep32": [(f32(0.1), 0)],
                        "at": [(f64(1.5), 4), (f64(2.5), 5)],
                        "val/a": [(f64(0.25), 99), (f64(1.0), 0)], "val/b": [(f64(0.5), 99), (f64(2.0), 0)],
                        "val/c": [(f64(0.75), 99)]},
               artifacts={"notes/log.txt": b"line 1\nline 2\n"})
    ck.eq(runs[rid]["tags"].get("mlflow.note.content"), "every call once", "api run: description")
    ck.eq([h[2] for h in runs[rid]["history"].get("at", [])], [1700000000123, 1700000000456],
          "api run: explicit timestamps")
    expect_run(ck, runs[cid], "api child", status="KILLED", name="child",
               metrics={"inner": [(f64(3.0), 1)]})
    ck.eq(runs[cid]["tags"].get("mlflow.parentRunId"), rid, "api child: parent run id")
    ck.eq(leftovers(root), [], "api: temporary files left behind")


def main():
    a = parse_args()
    check_judge()
    ck = Checker("fortran")
    for need in ("issue", "api"):
        if need not in a.bins:
            ck.fail(f"--bin {need}=... missing")
    if "issue" in a.bins:
        issue(ck, a.bins["issue"], a.work)
    if "api" in a.bins:
        api(ck, a.bins["api"], a.work)
    ck.finish()


if __name__ == "__main__":
    main()
