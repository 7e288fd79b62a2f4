"""Benchmark (not a test): mlflow-lite sync vs the Python MlflowClient.

    .venv/bin/python bench/sync_bench.py build/tools/mlflow-lite [--runs 100 --metrics 10
        --steps 1000 --artifact-mb 10 --noop-runs 1000 --jobs 4 --workers 2]
    (or: cmake --build build --target sync_bench)

1. Source: RUNS runs x METRICS metric keys x STEPS steps, 2 params and 2 tags
   each, plus ARTIFACT_MB MB of artifacts in total (one file per run), in an
   MLflow file store. Runs, params and tags are created by MLflow's own
   FileStore (MlflowClient on a file: URI); the metric files are appended in
   the FileStore's exact line format ("ts value step") directly, because
   MLflow's FileStore needs minutes for a million points.
2. Two fresh `mlflow server` 3.18.0 (SQLite, artifact proxying, WORKERS
   uvicorn workers each), started the same way, in this same invocation:
   - Python: one script with MlflowClient: read the file store (timed
     separately), then create_run, log_batch (params and tags), log_batch of
     metrics, 1,000 per call, log_artifact, set_terminated; one run after
     another (as such a script is written);
   - mlflow-lite sync --jobs JOBS SRC URL.
   Wall times and the ratio are printed, and the CPU time the server spent in
   each half (its whole process group, from /proc): no client can finish
   before the server has done that work, spread over all cores at best, so the
   bench also prints that ceiling on the ratio and how close mlflow-lite came.
3. No-op resync of that folder (wall time of the whole command).
4. No-op resync of NOOP_RUNS runs (10 metrics x 10 steps each), after a
   first full sync: the "1,000 runs in under 2 s" target.
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "common"))
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

from mlflow_server import MlflowServer  # noqa: E402

import logging  # noqa: E402
logging.getLogger("mlflow").setLevel(logging.WARNING)  # no "View run at" line per run


def make_source(root, runs, metrics, steps, artifact_mb, seed=7):
    from mlflow import MlflowClient

    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    e = c.create_experiment("bench")
    rnd = random.Random(seed)
    art_bytes = int(artifact_mb * 1024 * 1024 / runs) if artifact_mb else 0
    art = None
    if art_bytes:
        art = os.path.join(root, "weights.bin")
        with open(art, "wb") as f:
            f.write(os.urandom(art_bytes))
    t0 = 1700000000000
    for i in range(runs):
        r = c.create_run(e, run_name=f"bench-{i}", start_time=t0 + i, tags={"kind": "bench", "i": str(i)})
        rid = r.info.run_id
        c.log_param(rid, "lr", "0.01")
        c.log_param(rid, "seed", str(i))
        mdir = os.path.join(mlruns, e, rid, "metrics")
        for k in range(metrics):
            with open(os.path.join(mdir, f"metric_{k}"), "a") as f:
                f.write("".join(f"{t0 + s} {rnd.random()!r} {s}\n" for s in range(steps)))
        if art:
            c.log_artifact(rid, art)
        c.set_terminated(rid, "FINISHED", end_time=t0 + 10**6 + i)
    return mlruns


def python_read(src):
    """Reads the file store with MlflowClient (what a Python uploader must do first)."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, ViewType

    lc = MlflowClient("file://" + src)
    out = []
    for le in lc.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        for lr in lc.search_runs([le.experiment_id], max_results=50000):
            pts = []
            for key in lr.data.metrics:
                pts += [Metric(key, m.value, m.timestamp, m.step) for m in lc.get_metric_history(lr.info.run_id, key)]
            adir = lr.info.artifact_uri.replace("file://", "")
            arts = [os.path.join(adir, fn) for fn in os.listdir(adir)]
            out.append((le.name, lr, pts, arts))
    return out


def python_upload(data, url):
    """What a user writes with MlflowClient: log_batch, 1,000 metrics a call, one run after another."""
    from mlflow import MlflowClient
    from mlflow.entities import Param, RunTag

    rc = MlflowClient(url)
    exps = {}
    for name, lr, pts, arts in data:
        if name not in exps:
            e = rc.get_experiment_by_name(name)
            exps[name] = e.experiment_id if e else rc.create_experiment(name)
        rr = rc.create_run(exps[name], run_name=lr.info.run_name, start_time=lr.info.start_time)
        rid = rr.info.run_id
        rc.log_batch(rid, params=[Param(k, v) for k, v in lr.data.params.items()],
                     tags=[RunTag(k, v) for k, v in lr.data.tags.items() if k != "mlflow.runName"])
        for j in range(0, len(pts), 1000):
            rc.log_batch(rid, metrics=pts[j:j + 1000])
        for a in arts:
            rc.log_artifact(rid, a)
        rc.set_terminated(rid, lr.info.status, end_time=lr.info.end_time)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def server_cpu_seconds(server):
    """CPU time (user + system) used so far by every process of the server: the
    server runs in its own session, so its process group holds its uvicorn workers
    and its job runner. Exited processes are not counted; ours stay up."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == server.proc.pid:  # field 5, pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def wait_until_idle(server, quiet_cpu=0.05, timeout=90):
    """`mlflow server` answers /health before its job runner and huey consumers have
    finished importing MLflow (~8 s of CPU on this box). Waits until the whole process
    group uses under quiet_cpu seconds of CPU in a second, so neither client is timed
    against a server that is still booting."""
    end = time.monotonic() + timeout
    last = server_cpu_seconds(server)
    while time.monotonic() < end:
        time.sleep(1)
        now = server_cpu_seconds(server)
        if now - last < quiet_cpu:
            return
        last = now
    print(f"warning: the server was still busy after {timeout} s; timing anyway", flush=True)


def timed_on(server, fn):
    """Wall time of fn() and the server CPU time it caused, once the server is idle."""
    wait_until_idle(server)
    c0 = server_cpu_seconds(server)
    wall = timed(fn)
    return wall, server_cpu_seconds(server) - c0


def run_tool(tool, args):
    p = subprocess.run([tool] + args, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"mlflow-lite failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--metrics", type=int, default=10)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--artifact-mb", type=float, default=10)
    ap.add_argument("--noop-runs", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-python", action="store_true")
    a = ap.parse_args()
    tool = os.path.abspath(a.tool)
    wd = tempfile.mkdtemp(prefix="mll-sync-bench-")
    try:
        t = time.perf_counter()
        src = make_source(os.path.join(wd, "src"), a.runs, a.metrics, a.steps, a.artifact_mb)
        npts = a.runs * a.metrics * a.steps
        print(f"source: {a.runs} runs x {a.metrics} metrics x {a.steps} steps = {npts:,} points, "
              f"{a.artifact_mb:g} MB artifacts (written in {time.perf_counter() - t:.1f} s)", flush=True)

        t_py = None
        if not a.skip_python:
            box = {}
            t_read = timed(lambda: box.setdefault("d", python_read(src)))
            with MlflowServer(os.path.join(wd, "srv-python"), workers=a.workers) as s:
                t_up, cpu_py = timed_on(s, lambda: python_upload(box["d"], s.url))
            t_py = t_read + t_up
            print(f"Python MlflowClient: read the store {t_read:.2f} s + upload (log_batch, 1,000 metrics/call) "
                  f"{t_up:.2f} s = {t_py:.2f} s; server CPU {cpu_py:.1f} s = {1e6 * cpu_py / npts:.0f} us/point",
                  flush=True)
            box.clear()

        with MlflowServer(os.path.join(wd, "srv-tool"), workers=a.workers) as s:
            t0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t_tool, cpu_srv = timed_on(s, lambda: run_tool(tool, ["sync", "--jobs", str(a.jobs), src, s.url]))
            t1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_tool = t1.ru_utime + t1.ru_stime - t0.ru_utime - t0.ru_stime
            print(f"mlflow-lite sync --jobs {a.jobs}:                      {t_tool:8.2f} s  "
                  f"({npts / t_tool:,.0f} points/s); server CPU {cpu_srv:.1f} s = {1e6 * cpu_srv / npts:.0f} us/point "
                  f"({cpu_srv / t_tool:.2f} cores busy on average), "
                  f"mlflow-lite CPU {cpu_tool:.2f} s = {1e6 * cpu_tool / npts:.2f} us/point", flush=True)
            if t_py:
                print(f"  ratio Python (read + upload) / mlflow-lite: {t_py / t_tool:.2f}x; "
                      f"Python upload alone / mlflow-lite: {t_up / t_tool:.2f}x", flush=True)
                # No client can finish before the server has done its own work for every
                # point, spread over all cores at best: that bounds the ratio any client reaches.
                ncpu = os.cpu_count() or 1
                floor = cpu_srv / ncpu
                print(f"  server-bound ceiling on {ncpu} cores: {cpu_srv:.1f} s / {ncpu} = {floor:.1f} s, "
                      f"i.e. at most {t_py / floor:.2f}x for any client; mlflow-lite reached "
                      f"{100 * floor / t_tool:.0f}% of it (a loose bound: it ignores the database's write lock)", flush=True)
            t_noop = timed(lambda: run_tool(tool, ["sync", src, s.url]))
            print(f"no-op resync of {a.runs} runs:                          {t_noop:8.3f} s", flush=True)

        if a.noop_runs:
            src2 = make_source(os.path.join(wd, "src2"), a.noop_runs, 10, 10, 0)
            with MlflowServer(os.path.join(wd, "srv-noop"), workers=a.workers) as s:
                t_first = timed(lambda: run_tool(tool, ["sync", "--jobs", str(a.jobs), src2, s.url]))
                t_noop2 = timed(lambda: run_tool(tool, ["sync", src2, s.url]))
            print(f"{a.noop_runs} runs x 10 metrics x 10 steps: first sync {t_first:.2f} s, "
                  f"no-op resync {t_noop2:.3f} s (target < 2 s)", flush=True)
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
