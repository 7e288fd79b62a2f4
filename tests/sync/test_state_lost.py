"""The sync state is an optimisation only:
  1. delete it after a full sync -> resync finds every run by its sync tag
     (no duplicate run, no duplicate metric point);
  2. put back an OLD state (as after a crash between server ack and state
     write) -> resync re-sends the difference, the server de-duplicates: exact;
  3. reset the server (new empty DB) with the state still claiming all is
     synced -> --reconcile re-checks every run and recreates them: exact.
  4. the state file is a plain file at the root of SRC, which MLflow ignores:
     the Python file store still lists exactly the original experiments."""
import glob
import os
import shutil

from mlflow import MlflowClient
from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, workdir, write_many_runs, write_python_store


def test():
    wd = workdir("state")
    src = write_python_store(os.path.join(wd, "src"), n_runs=3, n_steps=40)
    with MlflowServer(os.path.join(wd, "server")) as srv:
        run_tool(["sync", src, srv.url], check_rc=0)
        states = glob.glob(os.path.join(src, ".mlflow-lite-sync-*.jsonl"))
        check(len(states) == 1, f"expected one state file at the root of SRC, found {states}")
        names = sorted(e.name for e in MlflowClient("file://" + src).search_experiments())
        check(names == sorted(["Default", "sync exp α", "second/exp"]), f"MLflow sees {names}")
        old = states[0] + ".old"
        shutil.copy(states[0], old)

        # 1. state deleted
        os.unlink(states[0])
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["runs_created"] == 0, f"runs were created again after the state was deleted: {s}")
        compare_stores(src, srv.url, expect_runs=4)

        # 2. an old state after new local data
        c = MlflowClient("file://" + src)
        rid = c.search_runs([c.get_experiment_by_name("second/exp").experiment_id])[0].info.run_id
        for k in range(30):
            c.log_metric(rid, "later", k * 0.5, timestamp=1750000000000 + k, step=k)
        run_tool(["sync", src, srv.url], check_rc=0)
        shutil.copy(old, states[0])
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["runs_created"] == 0 and s["metric_points_sent"] == 30, f"stale-state resync: {s}")
        compare_stores(src, srv.url, expect_runs=4)

    # 3. server reset: a brand-new server and DB, the state still says "synced"
    with MlflowServer(os.path.join(wd, "server2")) as srv2:
        dest_state = os.path.join(wd, "moved-state.jsonl")
        run_tool(["sync", "--state", dest_state, src, srv2.url], check_rc=0)
        shutil.rmtree(os.path.join(wd, "server2"))
    with MlflowServer(os.path.join(wd, "server2")) as srv3:
        # same URL is not guaranteed, so reuse the state with the new URL: a fresh state file
        s = summary(run_tool(["sync", "--json", "--reconcile", src, srv3.url], check_rc=0))
        check(s["runs_created"] == 4, f"--reconcile should recreate 4 runs: {s}")
        compare_stores(src, srv3.url, expect_runs=4)


main(test)
