"""A server whose artifact proxy is switched off: experiments made while it served
artifacts (locations `mlflow-artifacts:/N`), then restarted with `--no-serve-artifacts`.
MLflow answers every artifact PUT with 503 (3.18: "Artifact serving is disabled. Run `mlflow
server` with `--serve-artifacts` to enable."; 2.x: "... disabled due to the mlflow server
running with `--no-serve-artifacts`"), which no retry changes. The tool must take that as final at
once (a retried 503 per file took over 600 s for a dozen files), say which option of the
server is in the way, still deliver every run's metrics and params, and exit 6 (a run whose artifacts failed stays
unfinished on the server, so the next sync completes it)."""
import os
import time

from mlflow import MlflowClient
from mlflow.entities import ViewType
from synctest import MlflowServer, _metric_key, check, main, remote_history, run_tool, summary, workdir, write_python_store


def test():
    wd = workdir("noserve")
    src = write_python_store(os.path.join(wd, "src"), n_runs=3, n_steps=30)
    local = MlflowClient("file://" + src)
    names = [e.name for e in local.search_experiments()]
    srv = MlflowServer(os.path.join(wd, "server")).start()
    try:
        remote = MlflowClient(srv.url)
        for name in names:
            if not remote.get_experiment_by_name(name):
                remote.create_experiment(name)
        srv.stop()
        srv.extra_args = ["--no-serve-artifacts"]
        srv.start()
        t0 = time.time()
        p = run_tool(["sync", "--json", "--no-progress", src, srv.url], check_rc=6)
        took = time.time() - t0
        s = summary(p)
        check(took < 90, f"the sync took {took:.0f} s: the disabled proxy's 503s were retried")
        check("serve-artifacts" in p.stderr, "the error does not name the server's option (--serve-artifacts)")
        check("; retry " not in p.stderr, "a disabled endpoint's 503 was retried")
        check(s["runs_failed"] > 0 and s["artifacts_uploaded"] == 0, f"summary {s}")
        n = 0
        for e in local.search_experiments():
            for r in local.search_runs([e.experiment_id], run_view_type=ViewType.ACTIVE_ONLY):
                remote_run = None
                for key in r.data.metrics:
                    remote_run, _ = remote_history(srv.url, r.info.run_id, key)
                    got = sorted(map(_metric_key, remote.get_metric_history(remote_run.info.run_id, key)))
                    want = sorted(map(_metric_key, local.get_metric_history(r.info.run_id, key)))
                    check(got == want, f"run {r.info.run_id} metric {key}: the remote history differs")
                if remote_run:
                    check(remote_run.data.params == r.data.params, f"run {r.info.run_id}: params differ")
                n += 1
        check(n == s["runs_total"], f"{n} runs compared, the summary says {s['runs_total']}")
    finally:
        srv.stop()


main(test)
