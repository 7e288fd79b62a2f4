"""Stop the mlflow server in the middle of a sync: the tool must stop with a
clear error ("what failed: why: what to try") and a non-zero exit code
(4 = server unreachable, or 6 = some runs failed), not hang and not claim
success. Restart the server (same port, same SQLite DB), resync: exact."""
import os
import subprocess
import time

from mlflow import MlflowClient
from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, tool, workdir, write_many_runs


def test():
    wd = workdir("down")
    src = write_many_runs(os.path.join(wd, "src"), n_runs=14, n_keys=5, n_steps=600)
    srv = MlflowServer(os.path.join(wd, "server")).start()
    try:
        client = MlflowClient(srv.url)
        p = subprocess.Popen([tool(), "sync", "-j", "2", "--no-progress", "--retry-max-time", "3",
                              "--connect-timeout", "2", src, srv.url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while time.time() < deadline and p.poll() is None:
            exp = client.get_experiment_by_name("many")
            if exp and len(client.search_runs([exp.experiment_id])) >= 2:
                break
            time.sleep(0.05)
        check(p.poll() is None, "the sync finished before the server could be stopped; enlarge the fixture")
        srv.stop()
        out, err = p.communicate(timeout=300)
        print(err[-3000:])
        check(p.returncode in (4, 6), f"exit code {p.returncode}, expected 4 (unreachable) or 6 (partial)")
        check("mlflow-lite: (" in err and "failed" in err, "no numbered error message on stderr")
        check("Couldn't connect" in err or "Connection refused" in err or "curl 7" in err,
              "the error does not say why (connection refused)")
        check("run the sync again" in err or "resumes" in err, "the error does not say what to try")

        srv.start()
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["runs_failed"] == 0, f"summary {s}")
        compare_stores(src, srv.url, expect_runs=14)
    finally:
        srv.stop()


main(test)
