"""mlflow_sigkill: kill_child is SIGKILLed at random moments (42 times, from right
after exec -- experiment/run creation -- to deep in the logging loop). After every
kill MLflow 3.18.0 must read the whole folder without error and see every point the
child reported flushed, each exactly once, in order, with no partial lines; a few
roots also go through `mlflow migrate-filestore`. Then 12 kills of a writer that
rewrites run names, tags, params and experiment tags in a loop: every read succeeds
and no param is ever partial. The README test command runs half of both (21 + 6: every
kill mode three times); MLL_TEST_FULL=1 (scripts/test-long.sh full) runs them all."""
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, migrate, parse_args, run, store_files, writer_env

from mlflow.tracking import MlflowClient

# the README test command runs half the kills (every kill mode 3 times, 6 churn kills);
# MLL_TEST_FULL=1 (scripts/test-long.sh full) runs them all
FULL = os.environ.get("MLL_TEST_FULL") == "1"
ITERATIONS = 42 if FULL else 21
CHURN_ITERATIONS = 12 if FULL else 6


def spin(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def read_all(root, ck, label):
    """Everything MLflow can read; returns {run_id: {key: [(value, step, ts)]}}."""
    c = MlflowClient(tracking_uri=root)
    out = {}
    try:
        exps = c.search_experiments()
        for e in exps:
            for r in c.search_runs([e.experiment_id], max_results=50000):
                rid = r.info.run_id
                full = c.get_run(rid)
                out[rid] = {k: [(m.value, m.step, m.timestamp) for m in c.get_metric_history(rid, k)]
                            for k in full.data.metrics}
        return exps, out
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"{label}: MLflow failed to read the folder: {type(ex).__name__}: {ex}")
        return [], out


def raw_checks(root, ck, label):
    """Metric files end with a newline; meta.yaml files MLflow reads are not empty."""
    for p, f in store_files(root):
        if os.sep + "metrics" + os.sep in p:
            data = open(p, "rb").read()
            ck.true(data.endswith(b"\n"), f"{label}: metric file {os.path.relpath(p, root)} "
                                          f"does not end with a newline (partial line): {data[-40:]!r}")
        if f == "meta.yaml":
            ck.true(os.path.getsize(p) > 0, f"{label}: empty {os.path.relpath(p, root)}")


def recover(child, root, ck, label, it):
    """The next program to open the killed folder completes it: the Default experiment
    exists and the folder stays readable (a kill inside mll_open may leave no 0/)."""
    p = run([child, root, "after-kill", str(it), "complete", "10"], env=writer_env(), check=False)
    if not ck.eq(p.returncode, 0, f"{label}: a new writer on the killed folder ({p.stderr.decode(errors='replace')[-300:]})"):
        return
    c = MlflowClient(tracking_uri=root)
    try:
        ck.eq(c.get_experiment("0").name, "Default", f"{label}: Default experiment after the next mll_open")
        ck.eq(sum(1 for e in c.search_experiments() if e.name == "after-kill"), 1, f"{label}: after-kill experiment")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"{label}: MLflow after the next writer: {type(ex).__name__}: {ex}")


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_sigkill")
    work = fresh_dir(a.work, "sigkill")
    rnd = random.Random(20261122)
    child = a.bins["child"]
    stats = {"no run line": 0, "run, no flush": 0, "flushed": 0}
    t_start = time.time()
    for it in range(ITERATIONS):
        root = os.path.join(work, f"root{it}")
        label = f"iteration {it}"
        pre = it % 2 == 1
        exp = "pre" if (pre and it % 4 == 1) else f"kill-exp-{it}"
        if pre:  # an existing folder with an experiment and a finished run
            run([child, root, "pre", str(it), "complete", "1000"], env=writer_env())
        mode = it % 7
        proc = subprocess.Popen([child, root, exp, str(1000 + it)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=writer_env())
        lines = []
        got_line = threading.Event()

        def reader(p=proc, lines=lines, ev=got_line):
            for ln in p.stdout:
                parts = ln.decode(errors="replace").split()
                if parts:
                    lines.append(parts)
                ev.set()
        th = threading.Thread(target=reader)
        th.start()
        if mode == 0:
            pass  # kill at once: during exec / mll_open / experiment creation
        elif mode == 1:
            spin(rnd.uniform(0, 0.0005))  # inside mll_open / experiment / run creation
        elif mode == 2:
            spin(rnd.uniform(0.0005, 0.002))
        elif mode == 3:
            time.sleep(rnd.uniform(0.002, 0.02))
        elif mode == 4:
            time.sleep(rnd.uniform(0.02, 0.15))
        elif mode == 5:  # just after the run exists
            got_line.wait(2)
            time.sleep(rnd.uniform(0, 0.002))
        else:  # just after the k-th flush report
            want = rnd.randint(2, 6)
            deadline = time.time() + 3
            while sum(1 for x in lines if x[0] == "flushed") < want and time.time() < deadline:
                time.sleep(0.0005)
            time.sleep(rnd.uniform(0, 0.001))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        th.join()
        err = proc.stderr.read().decode(errors="replace")
        ck.true("FAIL" not in err, f"{label}: child reported an error before the kill: {err.strip()[-300:]}")

        run_line = next((x for x in lines if x[0] == "run"), None)
        flushed = [x for x in lines if x[0] == "flushed"]
        n_m = int(flushed[-1][1]) if flushed else 0
        n_k = int(flushed[-1][2]) if flushed else 0
        stats["flushed" if flushed else ("run, no flush" if run_line else "no run line")] += 1

        if not os.path.exists(root):
            ck.checks += 1  # killed before mll_open created anything: nothing to read
            continue
        raw_checks(root, ck, label)
        exps, data = read_all(root, ck, label)
        named = [e for e in exps if e.name == exp]
        ck.true(len(named) <= 1, f"{label}: {len(named)} experiments named {exp!r}")
        if pre:
            ck.eq(sum(1 for e in exps if e.name == "pre"), 1, f"{label}: the pre-existing experiment")
        if run_line is None:
            recover(child, root, ck, label, it)
            continue
        rid, eid = run_line[1], run_line[2]
        ck.eq([e.experiment_id for e in named], [eid], f"{label}: experiment of the killed run")
        if rid not in data:
            ck.fail(f"{label}: run {rid} (reported created) not readable / not listed")
            continue
        for key, n, f in (("m", n_m, lambda i: float(i)), ("nested/k", n_k, lambda i: float(-i))):
            hist = data[rid].get(key, [])
            ck.true(len(hist) >= n, f"{label}: {key}: {len(hist)} points read, {n} were reported flushed")
            step_mult = 1 if key == "m" else 3
            want = [(f(i * step_mult), i * step_mult, 1700000000000 + i * step_mult) for i in range(len(hist))]
            if hist != want:
                bad = next(i for i, (x, y) in enumerate(zip(hist, want)) if x != y) if any(
                    x != y for x, y in zip(hist, want)) else len(want)
                ck.fail(f"{label}: {key}: points not exactly once and in order; first difference at "
                        f"{bad}: {hist[bad:bad + 3]} vs {want[bad:bad + 3]}")
            else:
                ck.checks += 1
        recover(child, root, ck, label, it)
        if it % 6 == 5:
            try:
                migrate(root, os.path.join(work, f"root{it}.db"))
                ck.checks += 1
            except RuntimeError as ex:
                ck.fail(f"{label}: migrate-filestore failed on the killed folder: {ex}")
    # kills while meta.yaml, params, tags and experiment tags are being rewritten
    churner = a.bins.get("churn")
    ck.true(churner is not None, "no churn writer given (--bin churn=...)")
    for it in range(CHURN_ITERATIONS if churner else 0):
        root = os.path.join(work, f"churn{it}")
        label = f"churn kill {it}"
        proc = subprocess.Popen([churner, "churn", root, "1000"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=writer_env())
        proc.stdout.readline()  # "started": the first run exists
        time.sleep(rnd.uniform(0.01, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        raw_checks(root, ck, label)
        exps, data = read_all(root, ck, label)
        c = MlflowClient(tracking_uri=root)
        try:
            for e in exps:
                for r in c.search_runs([e.experiment_id], max_results=50000):
                    for k, v in r.data.params.items():  # p/<i> = str(i): never partial
                        if k.startswith("p/"):
                            ck.eq(v, k[2:], f"{label}: param {k}")
                    ck.true(r.info.run_name, f"{label}: run {r.info.run_id} has a name")
        except Exception as ex:  # noqa: BLE001
            ck.fail(f"{label}: {type(ex).__name__}: {ex}")
    print(f"kills: {ITERATIONS} ({stats}) + {CHURN_ITERATIONS} during rewrites, {time.time() - t_start:.1f} s")
    ck.finish()


if __name__ == "__main__":
    main()
