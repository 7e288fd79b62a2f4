"""Benchmark (not a test): a no-op `mlflow-lite sync` pass over 1,000,000 metric files.

    .venv/bin/python bench/sync_noop_bench.py build/tools/mlflow-lite [--runs 1000 --keys 1000 --passes 3]
    (or: cmake --build build --target sync_noop_bench)

A resync with nothing new must cost time linear in the number of metric files:
every lookup (state records, metric offsets, tag and param hashes, the run
index) is hashed. Target (issue 9, defect 12): a no-op pass over 1,000,000
metric files across 1,000 runs in under 10 s on a 2-core machine.

1. Source: RUNS runs in one experiment (created by MLflow's own FileStore),
   each with KEYS metric files of one point (written in the FileStore's line
   format "ts value step" directly; the FileStore would need an hour for a
   million files) and 2 params.
2. A fresh `mlflow server` 3.18.0 (SQLite); one full sync (timed, printed).
   With --ack-server, a stand-in instead that acknowledges every request at
   once (an in-process HTTP server; nothing is stored): on a loaded machine
   the real server needs hours for a million points of a million keys, and
   the no-op passes talk to no server either way (each is checked to send no
   request), so the state they start from is the same.
3. PASSES no-op passes, each checked to send no request (--json says
   http_requests 0); for each: wall time, the tool's own `seconds`, CPU time
   (user + system) and peak RSS of the tool, from wait4().

The page cache is warm for the no-op passes (the full sync has just read every
file); the bench does not drop caches, since that would slow every other
process on a shared machine.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "common"))
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

from mlflow_server import MlflowServer  # noqa: E402

import logging  # noqa: E402
logging.getLogger("mlflow").setLevel(logging.WARNING)


def write_metrics(run_dir, keys, t0):
    mdir = os.path.join(run_dir, "metrics")
    for k in range(keys):
        with open(os.path.join(mdir, f"m{k:05d}"), "w") as f:
            f.write(f"{t0 + k} {k * 0.5} 0\n")


def make_source(root, runs, keys):
    """Run 0 is written by MLflow's FileStore; the others are copies of it with their own id, name, start
    time and param "i" (the FileStore needs ~0.1 s a run: over 15 minutes for 10,000)."""
    from mlflow import MlflowClient

    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    e = c.create_experiment("noop-bench")
    t0 = 1700000000000
    r = c.create_run(e, run_name="noop-0", start_time=t0)
    rid0 = r.info.run_id
    c.log_param(rid0, "i", "0")
    c.log_param(rid0, "seed", "42")
    c.set_terminated(rid0, "FINISHED", end_time=t0 + 10**6)
    run0 = os.path.join(mlruns, e, rid0)
    with open(os.path.join(run0, "meta.yaml")) as f:
        meta0 = f.read()
    for i in range(1, runs):
        rid = uuid.uuid4().hex
        d = os.path.join(mlruns, e, rid)
        shutil.copytree(run0, d)
        meta = meta0.replace(rid0, rid).replace("run_name: noop-0", f"run_name: noop-{i}")
        meta = meta.replace(f"start_time: {t0}", f"start_time: {t0 + i}")
        for rel, text in (("meta.yaml", meta), ("params/i", str(i)), ("tags/mlflow.runName", f"noop-{i}")):
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
    for rid in os.listdir(os.path.join(mlruns, e)):
        if os.path.isfile(os.path.join(mlruns, e, rid, "meta.yaml")):
            write_metrics(os.path.join(mlruns, e, rid), keys, t0)
    return mlruns


def state_bytes(src):
    """Size of the sync state files beside SRC (the journal the no-op pass loads)."""
    n = 0
    for d in (src, os.path.dirname(src)):
        for f in os.listdir(d):
            if f.startswith(".mlflow-lite-sync-"):
                n += os.path.getsize(os.path.join(d, f))
    return n


class AckServer:
    """Acknowledges every MLflow REST call the sync makes, as a server with empty storage would."""

    def __init__(self):
        import http.server
        import threading
        import uuid

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def answer(self, obj):
                data = json.dumps(obj).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"{}") if n else {}
                self.server.count += 1
                p = self.path.split("?")[0]
                if p.endswith("/experiments/get-by-name"):
                    return self.answer({"experiment": {"experiment_id": "1", "name": "x", "lifecycle_stage": "active"}})
                if p.endswith("/experiments/create"):
                    return self.answer({"experiment_id": "1"})
                if p.endswith("/runs/search"):
                    return self.answer({"runs": []})
                if p.endswith("/runs/create"):
                    rid = uuid.uuid4().hex
                    return self.answer({"run": {"info": {
                        "run_id": rid, "run_uuid": rid, "experiment_id": "1", "status": "RUNNING",
                        "start_time": body.get("start_time", 0), "lifecycle_stage": "active",
                        "artifact_uri": f"mlflow-artifacts:/1/{rid}/artifacts"}, "data": {}}})
                return self.answer({})

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_any

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.httpd.daemon_threads = True
        self.httpd.count = 0
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()


def run_measured(tool, args, wd):
    """Runs the tool; returns (wall s, CPU s, peak RSS MiB, stdout, stderr, exit code) of that one process
    (wait4: the server, also our child, is not counted). The peak RSS comes from /usr/bin/time (Debian
    package "time"): a child of this Python process inherits its high-water mark (~170 MiB with MLflow
    imported) through fork and exec, so wait4's ru_maxrss would report this process, not the tool."""
    rss_file = os.path.join(wd, "rss")
    with open(os.path.join(wd, "out"), "w+") as fo, open(os.path.join(wd, "err"), "w+") as fe:
        t = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss_file, tool] + args, stdout=fo, stderr=fe)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        fo.seek(0)
        fe.seek(0)
        with open(rss_file) as f:
            rss_kib = int(f.read().split()[-1])
        return wall, ru.ru_utime + ru.ru_stime, rss_kib / 1024.0, fo.read(), fe.read(), p.returncode


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--keep", help="keep the source folder here (and reuse it when it exists)")
    ap.add_argument("--ack-server", action="store_true", help="a stand-in that acknowledges everything (see above)")
    a = ap.parse_args()
    tool = os.path.abspath(a.tool)
    wd = tempfile.mkdtemp(prefix="mll-noop-bench-")
    try:
        nfiles = a.runs * a.keys
        src = os.path.join(a.keep, "mlruns") if a.keep else None
        if not src or not os.path.isdir(src):
            t = time.perf_counter()
            src = make_source(a.keep or os.path.join(wd, "src"), a.runs, a.keys)
            print(f"source: {a.runs:,} runs x {a.keys:,} metric files = {nfiles:,} files "
                  f"(written in {time.perf_counter() - t:.0f} s)", flush=True)
        for f in os.listdir(src):
            if f.startswith(".mlflow-lite-sync-"):
                os.unlink(os.path.join(src, f))
        server = AckServer() if a.ack_server else MlflowServer(os.path.join(wd, "server"), start_timeout=900)
        print(f"server: {'a stand-in that acknowledges every request' if a.ack_server else 'mlflow server 3.18.0'}",
              flush=True)
        with server as s:
            wall, cpu, rss, out, err, rc = run_measured(
                tool, ["sync", "--json", "--no-progress", "--jobs", str(a.jobs), src, s.url], wd)
            if rc != 0:
                raise SystemExit(f"the full sync failed ({rc}):\n{err[-3000:]}")
            print(f"full sync: {wall:.1f} s ({nfiles / wall:,.0f} points/s), tool CPU {cpu:.1f} s, "
                  f"peak RSS {rss:.1f} MiB; sync state {state_bytes(src) / 2**20:.2f} MiB", flush=True)
            rows = []
            for i in range(a.passes):
                wall, cpu, rss, out, err, rc = run_measured(tool, ["sync", "--json", "--no-progress", src, s.url], wd)
                summ = json.loads(out.strip().splitlines()[-1])
                if rc != 0 or summ["http_requests"] != 0 or summ["runs_unchanged"] != a.runs:
                    raise SystemExit(f"pass {i + 1} was not a no-op: exit {rc}, {summ}\n{err[-2000:]}")
                rows.append(wall)
                print(f"no-op pass {i + 1}: {wall:.2f} s wall (the tool's own: {summ['seconds']:.2f} s), "
                      f"{cpu:.2f} s CPU, peak RSS {rss:.1f} MiB, 0 requests", flush=True)
            best = min(rows)
            print(f"no-op pass over {nfiles:,} metric files in {a.runs:,} runs: best {best:.2f} s, "
                  f"median {sorted(rows)[len(rows) // 2]:.2f} s (target < 10 s); "
                  f"{1e6 * best / nfiles:.1f} us per metric file", flush=True)
    finally:
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
