"""SIGKILL the tool mid-sync, several times at different points (right after
the first requests, i.e. between runs/create and the state record; in the
middle of metric batches; during artifact uploads), resync each time, and at
the end every run exists exactly once on the server and every metric point
exactly once (MlflowClient compare, artifact bytes included)."""
import os
import subprocess
import time

from counting_proxy import CountingProxy
from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, tool, workdir, write_many_runs


def test():
    wd = workdir("kill")
    src = write_many_runs(os.path.join(wd, "src"), n_runs=12, n_keys=4, n_steps=1000, artifact_bytes=2 << 20)
    kills = 0
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        for threshold in (2, 5, 13, 30, 45):
            px.reset()
            p = subprocess.Popen([tool(), "sync", "-j", "2", "--no-progress", src, px.url],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 120
            while p.poll() is None and len(px.requests) < threshold and time.time() < deadline:
                time.sleep(0.002)
            if p.poll() is None:
                p.kill()  # SIGKILL: no chance to write anything
                kills += 1
            p.wait()
            print(f"killed after {len(px.requests)} requests (threshold {threshold}), rc {p.returncode}")
        check(kills >= 3, f"only {kills} kills landed mid-sync; the fixture is too small")

        # the worst moment: runs/create already sent (held in flight by the proxy for 1.5 s) when
        # the tool dies; the next sync starts at once, before that create reaches the server
        from mlflow import MlflowClient
        lc = MlflowClient("file://" + src)
        e2 = lc.create_experiment("inflight")
        r2 = lc.create_run(e2, run_name="inflight-run")
        lc.log_metric(r2.info.run_id, "m", 1.0, timestamp=1700000000000, step=0)
        lc.set_terminated(r2.info.run_id, "FINISHED")
        px.reset()
        px.delays["/runs/create"] = 1.5
        p = subprocess.Popen([tool(), "sync", "--experiment", "inflight", "--no-progress", src, px.url],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while not any(q[1].endswith("/runs/create") for q in px.requests) and time.time() < deadline:
            time.sleep(0.002)
        p.kill()
        p.wait()
        del px.delays["/runs/create"]
        run_tool(["sync", "--experiment", "inflight", src, px.url], check_rc=0)
        time.sleep(2)  # let the held create land in any case
        compare_stores(src, srv.url, experiments=["inflight"], expect_runs=1)
        s = summary(run_tool(["sync", "--json", src, px.url], check_rc=0))
        check(s["runs_failed"] == 0, f"summary {s}")
        compare_stores(src, srv.url, expect_runs=13)
        px.reset()
        run_tool(["sync", src, px.url], check_rc=0)
        check(px.requests == [], f"after recovery a resync still sent {px.requests[:3]}")


main(test)
