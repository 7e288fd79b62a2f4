"""The one retry policy, against a real server behind a fault-injecting proxy:
  - 503 with Retry-After: 2, then 429, then 500, then 502: retried (one
    warning line each, the Retry-After delay honoured), the sync succeeds;
  - runs/create whose answer is lost AFTER the server created the run (the
    ambiguous failure of a non-idempotent POST): the tool searches by its
    sync tag instead of creating a second run -> still exactly one run;
  - a 400 is final: no retry, the run fails with (7) and the server's
    error_code, the pass exits 6 (partial: the other run is synced);
  - --retries 0 disables retries."""
import os
import re
import time

from counting_proxy import CountingProxy
from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, workdir, write_python_store


def test():
    wd = workdir("retry")
    src = write_python_store(os.path.join(wd, "src"), n_runs=2, n_steps=10)
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        px.fail_next = [(503, 2), (429, None), (500, None), (502, None)]
        t0 = time.time()
        p = run_tool(["sync", "--json", src, px.url], check_rc=0)
        took = time.time() - t0
        warns = [l for l in p.stderr.splitlines() if "retry" in l and "warning" in l]
        check(len(warns) == 4, f"expected 4 retry warnings, got {warns}")
        check("HTTP 503" in warns[0] and "(Retry-After)" in warns[0] and "in 2.0 s" in warns[0],
              f"Retry-After not honoured: {warns[0]}")
        check(took >= 2.0, f"the sync took {took:.1f} s although Retry-After said 2 s")
        compare_stores(src, srv.url, expect_runs=3)

        # lost answer of runs/create: no duplicate
        for f in os.listdir(src):
            if f.startswith(".mlflow-lite-sync-"):
                os.unlink(os.path.join(src, f))
        from mlflow import MlflowClient
        c = MlflowClient("file://" + src)
        e = c.create_experiment("ambiguous")
        r = c.create_run(e, run_name="amb")
        c.log_metric(r.info.run_id, "m", 1.0, timestamp=1700000000000, step=0)
        c.set_terminated(r.info.run_id, "FINISHED")
        px.reset()
        px.fail_next = [(503, None, True, "/runs/create")]
        p = run_tool(["sync", "--json", "--experiment", "ambiguous", src, px.url], check_rc=0)
        check("checking whether the run was created anyway" in p.stderr, "no search after the ambiguous create")
        creates = [q for q in px.requests if q[1].endswith("/runs/create")]
        check(len(creates) == 1, f"runs/create was sent {len(creates)} times")
        compare_stores(src, srv.url, experiments=["ambiguous"], expect_runs=1)

        # a 400 is final
        r2 = c.create_run(e, run_name="amb2")
        c.set_terminated(r2.info.run_id, "FINISHED")
        px.reset()
        px.fail_next = [(400, None, False, "/runs/")]
        p = run_tool(["sync", "--experiment", "ambiguous", src, px.url], check_rc=6)  # 1 of 2 runs failed
        check("(7) run" in p.stderr and "INVALID_PARAMETER_VALUE" in p.stderr, "the run's error is not a (7) rejection")
        check("retry" not in p.stderr.replace("run the same command again", ""), "a 400 must not be retried")
        check(len(px.requests) == 1, f"requests after a 400: {px.requests}")

        # --retries 0
        px.fail_next = [(503, None, False, "/runs/")]
        p = run_tool(["sync", "--retries", "0", "--experiment", "ambiguous", src, px.url])
        check(p.returncode == 6 and not re.search(r"retry \d", p.stderr), f"--retries 0: {p.returncode}")
        run_tool(["sync", "--experiment", "ambiguous", src, px.url], check_rc=0)
        compare_stores(src, srv.url, experiments=["ambiguous"], expect_runs=2)


main(test)
