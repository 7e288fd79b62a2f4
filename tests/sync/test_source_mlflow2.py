"""A source folder written by MLflow 2.x (mlflow-skinny 2.22.1 in .venv2:
run meta.yaml with run_uuid, 2.x key layout) syncs to the 3.18.0 server with
every field equal."""
import os
import subprocess

from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, workdir

WRITER = r'''
import os, sys
import mlflow
from mlflow import MlflowClient
from mlflow.entities import Metric, Param
assert mlflow.__version__.startswith("2."), mlflow.__version__
root = sys.argv[1]
c = MlflowClient("file://" + root)
e = c.create_experiment("from mlflow 2", tags={"origin": "2.x"})
p = c.create_run(e, run_name="parent-2x", tags={"mlflow.user": "bob"})
for i in range(3):
    r = c.create_run(e, run_name=f"child-{i}", tags={"mlflow.parentRunId": p.info.run_id, "mlflow.user": "bob"})
    c.log_batch(r.info.run_id, params=[Param("i", str(i)), Param("opt/name", "adam")],
                metrics=[Metric("loss", 1.0 / (s + 1), 1700000000000 + s, s) for s in range(200)])
    art = os.path.join(os.path.dirname(root), f"a{i}.txt")
    open(art, "w").write("artifact %d\n" % i)
    c.log_artifact(r.info.run_id, art, "out")
    c.set_terminated(r.info.run_id, "FINISHED")
c.set_terminated(p.info.run_id, "FAILED")
'''


def test():
    py2 = os.environ.get("MLL_PYTHON2")
    check(py2 and os.path.exists(py2), "MLL_PYTHON2 (the .venv2 python with MLflow 2.x) is required")
    wd = workdir("mlflow2")
    src = os.path.join(wd, "mlruns")
    w = os.path.join(wd, "writer.py")
    with open(w, "w") as f:
        f.write(WRITER)
    subprocess.run([py2, w, src], check=True)
    metas = [os.path.join(dp, "meta.yaml") for dp, _, fs in os.walk(src) if "meta.yaml" in fs]
    check(any("run_uuid:" in open(m).read() for m in metas), "the 2.x writer should write run_uuid")
    with MlflowServer(os.path.join(wd, "server")) as srv:
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["runs_created"] == 4, f"summary {s}")
        compare_stores(src, srv.url, expect_runs=4)


main(test)
