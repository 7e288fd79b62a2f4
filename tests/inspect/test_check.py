"""`mlflow-lite check [--repair]` (label "tool"): folders written by Python MLflow
and by mlflow_lite.h, damaged in every way check knows, then repaired; MLflow
3.18 is the judge before and after.

Damage made (each where MLflow or `mlflow migrate-filestore` trips over it):
  a torn last metric line; repeated metric lines; an empty metric file; an empty
  run meta.yaml; an experiment folder without meta.yaml (its runs vanish); a run
  folder without metrics/ params/ artifacts/; temporary files in params/, tags/
  and metrics/ (.DS_Store, an editor's "~" file, an .nfs file); a run left
  RUNNING by an mlflow_lite.h process that is gone (src_lite_writer's open run,
  and one whose mlflow_lite.pid tag names a pid that does not run); plus what
  must be reported but not changed: empty param values, a RUNNING run written
  by Python MLflow.

Checked: before the repair MLflow fails (search_runs on the damaged experiment,
or migrate-filestore); `check` without --repair exits 12 and changes no byte;
`check --repair` exits 0; then MLflow lists every run (the recovered ones too),
get_run works on each, `mlflow migrate-filestore` succeeds, the runs of the
dead writers are KILLED with an end time, the Python RUNNING run is untouched,
and a second `check` exits 0.

    python test_check.py MLFLOW_LITE SRC_LITE_WRITER
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlflow_folders  # noqa: E402
from mlflow_folders import PROBLEMS, check, tree_hash  # noqa: E402

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

MLFLOW_BIN = os.path.join(os.path.dirname(sys.executable), "mlflow")


def runs_of(root, exp):
    return [n for n in os.listdir(os.path.join(root, exp)) if os.path.isfile(os.path.join(root, exp, n, "meta.yaml"))]


def damage(root, info, lite):
    exp = info["experiments"][0]
    r = runs_of(root, exp)
    finished = [x for x in r if "status: 3" in open(os.path.join(root, exp, x, "meta.yaml")).read()]
    a, b, c_, d = finished[:4]
    with open(os.path.join(root, exp, a, "metrics", "loss"), "a") as f:
        f.write("1700000099999 0.")  # torn: a crash in the middle of a line
    acc = os.path.join(root, exp, b, "metrics", "acc")
    last = open(acc).read().splitlines()[-1]
    with open(acc, "a") as f:
        f.write(last + "\n" + last + "\n")  # written twice: migrate-filestore's primary key
    open(os.path.join(root, exp, c_, "metrics", "nothing"), "w").close()
    open(os.path.join(root, exp, d, "meta.yaml"), "w").close()
    for sub in ("metrics", "params", "artifacts"):
        shutil.rmtree(os.path.join(root, exp, finished[4], sub), ignore_errors=True)
    open(os.path.join(root, exp, finished[5], "params", ".DS_Store"), "wb").write(b"\x00\x01binary")
    open(os.path.join(root, exp, finished[5], "tags", "team~"), "w").write("old")
    open(os.path.join(root, exp, finished[5], "metrics", ".nfs000001"), "w").write("junk")
    exp2 = info["experiments"][1]
    os.remove(os.path.join(root, exp2, "meta.yaml"))  # its runs vanish from MLflow
    # a run of mlflow_lite.h whose writer is gone: as a kill -9 leaves it (RUNNING, no end time), with the
    # mlflow_lite.pid tag naming a process that does not run (src_lite_writer itself ended its runs)
    for e in os.listdir(lite):
        for x in runs_of(lite, e) if e.isdigit() else []:
            meta = os.path.join(lite, e, x, "meta.yaml")
            text = open(meta).read()
            if 'run_name: "still-running"' in text:
                lines = [l for l in text.splitlines() if not l.startswith(("status:", "end_time:"))]
                open(meta, "w").write("\n".join(lines + ["status: 1", "end_time: null"]) + "\n")
                open(os.path.join(lite, e, x, "tags", "mlflow_lite.pid"), "w").write("999999999")
    return {"torn": a, "dups": b, "empty_metric": c_, "empty_meta": d, "folders": finished[4], "temp": finished[5]}


def mlflow_fails(root):
    """True when MLflow's FileStore or migrate-filestore fails on the folder"""
    c = MlflowClient("file://" + root)
    try:
        for e in c.search_experiments(view_type=ViewType.ALL):
            c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=50000)
    except Exception:
        return True
    return migrate(root) != 0


def migrate(root):
    db = os.path.join(os.path.dirname(root), "m-%s.db" % os.path.basename(root))
    if os.path.exists(db):
        os.remove(db)
    p = subprocess.run([MLFLOW_BIN, "migrate-filestore", "--source", root, "--target", "sqlite:///" + db,
                        "--no-progress"], capture_output=True, text=True, timeout=900)
    if p.returncode:
        print("migrate-filestore on %s: %s" % (root, p.stderr[-800:]))
    return p.returncode


def run_check(binary, root, repair):
    p = subprocess.run([binary, "--json", "check", root] + (["--repair"] if repair else []), capture_output=True,
                       text=True, timeout=600)
    return p.returncode, [json.loads(l) for l in p.stdout.splitlines() if l.strip()]


def verify_after(root, before_runs, py_running):
    c = MlflowClient("file://" + root)
    n = 0
    for e in c.search_experiments(view_type=ViewType.ALL):
        for r in c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=50000):
            c.get_run(r.info.run_id)
            n += 1
            if r.info.run_id in py_running:
                check(r.info.status == "RUNNING", "the RUNNING run of Python MLflow %s was changed" % r.info.run_id)
    check(n >= before_runs, "after the repair MLflow lists %d runs, %d before the damage" % (n, before_runs))
    check(migrate(root) == 0, "migrate-filestore fails after check --repair on " + root)


def main():
    binary, writer = sys.argv[1:3]
    tmp = tempfile.mkdtemp(prefix="inspect-check-")
    try:
        py = os.path.join(tmp, "python")
        info = mlflow_folders.make_python_folder(py)
        lite = os.path.join(tmp, "lite")
        subprocess.run([writer, lite], check=True, capture_output=True)
        c = MlflowClient("file://" + py)
        before = sum(len(c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=50000))
                     for e in c.search_experiments(view_type=ViewType.ALL))
        py_running = {r.info.run_id for r in c.search_runs(info["experiments"], max_results=1000)
                      if r.info.status == "RUNNING"}
        check(migrate(py) == 0 and migrate(lite) == 0, "migrate-filestore fails on the folders before any damage")
        damage(py, info, lite)
        check(mlflow_fails(py), "the damage does not make MLflow or migrate-filestore fail: the test proves nothing")
        for root in (py, lite):
            h = tree_hash(root)
            rc, out = run_check(binary, root, False)
            check(rc == 12, "check without --repair on %s exits %d, not 12" % (root, rc))
            check(tree_hash(root) == h, "check without --repair changed %s" % root)
            rc, out = run_check(binary, root, True)
            fixed = sum(o["fixed"] for o in out)
            print("%s: check --repair: %d fixed, exit %d" % (os.path.basename(root), fixed, rc))
            check(rc == 0, "check --repair on %s exits %d: %s" % (root, rc, [f for o in out for f in o["findings"]
                                                                         if f["severity"] == "damage" and not f["fixed"]]))
            check(run_check(binary, root, False)[0] == 0, "a second check on %s still finds damage" % root)
        verify_after(py, before, py_running)
        verify_after(lite, 0, set())
        lc = MlflowClient("file://" + lite)
        killed = [r for e in lc.search_experiments() for r in lc.search_runs([e.experiment_id])
                  if r.info.status == "KILLED"]
        check(len(killed) == 1 and killed[0].info.end_time, "the lite run left RUNNING is not KILLED with an end time")
        print("check test: %d problems" % len(PROBLEMS))
        return 1 if PROBLEMS else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
