"""Server overload and the concurrent log-inputs race (issue 15), against a
real MLflow 3.18 server (SQLite):

1. sixteen runs of one experiment share one dataset; `--jobs 4` sends their
   log-inputs at once and MLflow's SQL store answers all but one
   `400 UNIQUE constraint failed: datasets...` (it checks for the dataset and
   inserts it without a lock). Synced five times (each into a new experiment,
   `--experiment-prefix`), every sync must exit 0 with every run FINISHED and
   its inputs there: 0 failures allowed;
2. badserver in front of the same server answers the first requests of
   log-batch, log-inputs, runs/search, runs/update and runs/create with
   MLflow's own overload answer (`400 ... QueuePool limit of size 5 overflow
   10 reached`), as a server whose connection pool is exhausted does: the
   sync backs off, lowers its parallelism, finishes with exit 0, and the
   server holds every run and point exactly once.
"""
import os

from synctest import BadServer, MlflowServer, check, compare_stores, main, run_tool, summary, workdir

N_RUNS = 16
REPEATS = 5
QUEUEPOOL = {"error_code": "BAD_REQUEST",
             "message": "(sqlalchemy.exc.TimeoutError) QueuePool limit of size 5 overflow 10 reached, connection "
                        "timed out, timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)"}


def write_shared_dataset_store(root):
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    mlruns = os.path.join(root, "mlruns")
    uri = "file://" + mlruns
    c = MlflowClient(uri)
    e = c.create_experiment("shared-dataset")
    mlflow.set_tracking_uri(uri)
    ds = mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]}), name="shared")
    for i in range(N_RUNS):
        r = c.create_run(e, run_name=f"r{i}", start_time=1700000000000 + i)
        rid = r.info.run_id
        # few points: the runs reach log-inputs at about the same moment, as they do in real folders
        c.log_batch(rid, metrics=[Metric("loss", 1.0 / (s + 1), 1700000000000 + s, s) for s in range(3)])
        with mlflow.start_run(run_id=rid):
            mlflow.log_input(ds, context="training")
        c.set_terminated(rid, "FINISHED", end_time=1700000100000 + i)
    mlflow.set_tracking_uri(None)
    return mlruns


def test():
    wd = workdir("overload")
    src = write_shared_dataset_store(os.path.join(wd, "src"))
    with MlflowServer(os.path.join(wd, "server")) as srv:
        races = 0
        for k in range(REPEATS):
            prefix = f"try{k}/"
            state = os.path.join(wd, f"state-{k}.jsonl")  # the state is per DEST, not per prefix
            p = run_tool(["sync", "--jobs", "4", "--json", "--no-registry", "--experiment-prefix", prefix, "--state",
                          state, src, srv.url])
            races += p.stderr.count("UNIQUE constraint failed")
            check(p.returncode == 0, f"sync {k + 1}/{REPEATS} exited {p.returncode}:\n{p.stderr[-2000:]}")
            s = summary(p)
            check(s["runs_failed"] == 0 and s["runs_created"] == N_RUNS, f"sync {k + 1}: {s}")
            compare_stores(src, srv.url, expect_runs=N_RUNS, name_prefix=prefix, check_artifacts=False)
        print(f"log-inputs race answers seen and ridden out: {races} in {REPEATS} syncs")

        rules = [dict(path=f"/api/2.0/mlflow/runs/{ep}", status=400, body_json=QUEUEPOOL, times=n)
                 for ep, n in (("log-batch", 3), ("log-inputs", 2), ("search", 2), ("update", 2), ("create", 1))]
        with BadServer(srv.url, rules) as bad:
            state = os.path.join(wd, "state-pool.jsonl")
            p = run_tool(["sync", "--jobs", "8", "--json", "--no-registry", "--experiment-prefix", "pool/", "--state",
                          state, src, bad.url])
            check(p.returncode == 0, f"the overloaded sync exited {p.returncode}:\n{p.stderr[-2000:]}")
            check("the server is overloaded" in p.stderr, "no back-off was reported")
            check("in flight from now on" in p.stderr, "parallelism was not lowered")
            compare_stores(src, srv.url, expect_runs=N_RUNS, name_prefix="pool/", check_artifacts=False)
            p = run_tool(["sync", "--json", "--experiment-prefix", "pool/", "--state", state, src, bad.url],
                         check_rc=0)
            check(summary(p)["http_requests"] == 0, "the resync after the overload sent requests")


if __name__ == "__main__":
    main(test)
