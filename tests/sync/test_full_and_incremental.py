"""Python-MLflow file store -> real mlflow server 3.18.0: every field equal
(MlflowClient on both sides, artifact bytes included); a second sync sends
NO request at all (counted by a reverse proxy), and the first one no runs/search
(its experiments are new); after appending metric
points, a param, a tag, an artifact and finishing a RUNNING run, the resync
sends only that delta; a tag deleted locally is deleted remotely."""
import os
import time

from counting_proxy import CountingProxy
from synctest import (MlflowServer, check, compare_stores, main, run_tool, summary, workdir,
                      write_python_store)


def test():
    wd = workdir("full")
    src = write_python_store(os.path.join(wd, "src"), n_runs=4, n_steps=300, big_artifact=12 << 20, running=True)
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        p = run_tool(["sync", "--json", "-j", "3", src, px.url], check_rc=0)
        s = summary(p)
        check(s["runs_created"] == 5 and s["runs_failed"] == 0, f"summary {s}")
        # both experiments were created by this sync: no run of ours can be there, and a
        # runs/search per run (a full read of the experiment on a file-store server) is waste
        searches = [r for r in px.requests if r[1].startswith("/api/2.0/mlflow/runs/search")]
        check(searches == [], f"first sync into new experiments searched for runs: {searches}")
        compare_stores(src, srv.url, expect_runs=5)

        # 2. nothing new: not a single request
        px.reset()
        p = run_tool(["sync", "--json", src, px.url], check_rc=0)
        s = summary(p)
        check(px.requests == [], f"no-op resync sent {len(px.requests)} requests: {px.requests[:5]}")
        check(s["runs_unchanged"] == 5 and s["metric_points_sent"] == 0, f"summary {s}")

        # 3. append to the RUNNING run (as the training job would), then finish it
        from mlflow import MlflowClient
        from mlflow.entities import Metric
        lc = MlflowClient("file://" + src)
        running = [r for r in lc.search_runs([e.experiment_id for e in lc.search_experiments()])
                   if r.info.status == "RUNNING"]
        check(len(running) == 1, "fixture has one RUNNING run")
        rid = running[0].info.run_id
        lc.log_batch(rid, metrics=[Metric("loss", 0.001 * k, 1800000000000 + k, 10000 + k) for k in range(25)])
        lc.log_param(rid, "late", "yes")
        lc.set_tag(rid, "phase", "done")
        art = os.path.join(wd, "late.txt")
        with open(art, "w") as f:
            f.write("late artifact")
        lc.log_artifact(rid, art, "late")
        px.reset()
        p = run_tool(["sync", "--json", src, px.url], check_rc=0)
        s = summary(p)
        check(s["metric_points_sent"] == 25, f"delta sync sent {s['metric_points_sent']} metric points, expected 25")
        check(s["params_sent"] == 1 and s["tags_sent"] == 1, f"delta params/tags: {s}")
        check(s["artifacts_uploaded"] == 1, f"delta artifacts: {s}")
        check(s["runs_updated"] == 1 and s["runs_unchanged"] == 4, f"summary {s}")
        kinds = sorted(set((m, p_.split("?")[0]) for m, p_, _ in px.requests))
        check(len(px.requests) == 2, f"delta sync: expected log-batch + artifact PUT, got {px.requests}")
        compare_stores(src, srv.url, expect_runs=5)

        lc.set_terminated(rid, "FINISHED", end_time=int(time.time() * 1000))
        px.reset()
        p = run_tool(["sync", "--json", src, px.url], check_rc=0)
        check([r[1] for r in px.requests] == ["/api/2.0/mlflow/runs/update"],
              f"finishing a run should send exactly one runs/update: {px.requests} ({kinds})")
        compare_stores(src, srv.url, expect_runs=5)

        # a tag deleted locally is deleted remotely (one runs/delete-tag), and nothing else is sent
        lc.delete_tag(rid, "phase")
        px.reset()
        run_tool(["sync", src, px.url], check_rc=0)
        check([r[1] for r in px.requests] == ["/api/2.0/mlflow/runs/delete-tag"],
              f"deleting a tag should send exactly one runs/delete-tag: {px.requests}")
        compare_stores(src, srv.url, expect_runs=5)


main(test)
