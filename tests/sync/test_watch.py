"""--watch SECONDS on a run that is still being written: a job appends metric
points (as a training loop does) while the tool keeps syncing; a RUNNING run
is synced again and again; idle passes send nothing; then the job finishes
the run, the next pass sends status and end time, and SIGINT ends the tool
cleanly (exit 0). Final state: exact."""
import os
import signal
import subprocess
import time

from counting_proxy import CountingProxy
from mlflow import MlflowClient
from synctest import MlflowServer, check, compare_stores, main, tool, workdir


def test():
    wd = workdir("watch")
    src = os.path.join(wd, "mlruns")
    c = MlflowClient("file://" + src)
    e = c.create_experiment("live")
    r = c.create_run(e, run_name="training")
    rid = r.info.run_id
    c.log_param(rid, "lr", "0.01")
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        p = subprocess.Popen([tool(), "sync", "--watch", "0.5", "--json", src, px.url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        step = 0
        for rnd in range(4):
            for _ in range(50):
                c.log_metric(rid, "loss", 1.0 / (step + 1), timestamp=1700000000000 + step, step=step)
                step += 1
            # the remote copy follows the RUNNING run (within a few passes)
            remote = MlflowClient(srv.url)
            deadline, n = time.time() + 60, -1
            while time.time() < deadline:
                exp = remote.get_experiment_by_name("live")
                runs = remote.search_runs([exp.experiment_id]) if exp else []
                if runs:
                    check(len(runs) == 1 and runs[0].info.status == "RUNNING", f"remote run: {runs}")
                    n = len(remote.get_metric_history(runs[0].info.run_id, "loss"))
                    if n == step:
                        break
                check(p.poll() is None, f"--watch ended early: {p.poll()}")
                time.sleep(0.2)
            check(n == step, f"round {rnd}: {n} remote points, {step} local")
        px.reset()
        time.sleep(1.5)
        check(px.requests == [], f"idle --watch passes sent {px.requests}")
        c.set_terminated(rid, "FINISHED", end_time=1700000999000)
        time.sleep(1.5)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        check(p.returncode == 0, f"--watch exited {p.returncode} on SIGINT: {err[-500:]}")
        check(len([l for l in out.splitlines() if l.startswith("{")]) >= 5, "expected one JSON summary per pass")
        compare_stores(src, srv.url, expect_runs=1)


main(test)
