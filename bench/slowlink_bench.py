"""Benchmark (not a test): mlflow-lite sync vs the Python MlflowClient over a slow link.

    .venv/bin/python bench/slowlink_bench.py build/tools/mlflow-lite [--runs 100 --metrics 10
        --steps 1000 --artifact-mb 10 --jobs 4 --workers 2 --delay-ms 50 --netns --loopback]

The source and the two clients are bench/sync_bench.py's (100 runs x 10
metrics x 1,000 steps = 1,000,000 points + 10 MB of artifacts; the Python
client reads the store with MlflowClient, then replays it with log_batch,
1,000 metrics a call, one run after another). Here each client talks to its
own fresh `mlflow server` 3.18.0 through tests/netfault/netfault.py, which
holds every chunk DELAY_MS in each direction (50 ms: a 100 ms round trip),
as a server in another building would. With --netns the server runs in a
network namespace of its own (tests/netfault/netns.py) and the proxy is the
only way to it; without, it listens on 127.0.0.1 behind the proxy.

Printed: both wall times in the same invocation, their ratio (issue 15's
target: at least 5x at 50 ms), the server CPU each client cost, and with
--loopback also the tool without the proxy against the server's own ceiling
(its CPU time spread over all cores; target: within 10%).
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests", "netfault"))
import sync_bench as sb  # noqa: E402  (sets MLFLOW_ALLOW_FILE_STORE, puts tests/common on the path)
from mlflow_server import MlflowServer  # noqa: E402
import netfault  # noqa: E402
from netns import NetNs  # noqa: E402


# uvicorn closes a connection idle for 5 s; 50 ms away the client learns it 50 ms late
# and may send its next request into the closing socket. The Python client (requests)
# does not retry a POST that met a closed connection and the bench died at run 5 of 20
# (`RemoteDisconnected` on runs/create), so both servers keep idle connections for
# 10 minutes, as a server behind a load balancer would be configured. (Own --uvicorn-opts
# replace MlflowServer's, so its worker health-check time is repeated here.)
KEEP_ALIVE = ("--uvicorn-opts", "--timeout-keep-alive 600 --timeout-worker-healthcheck 120")


class Place:
    """Where the servers run: a namespace (--netns) or this host's loopback."""

    def __init__(self, netns, backend):
        self.ns = NetNs().create() if netns else None
        self.backend = backend

    def server(self, wd, workers):
        if self.ns:
            return MlflowServer(wd, workers=workers, backend=self.backend, host=self.ns.ns_ip, extra_args=KEEP_ALIVE,
                                launcher=self.ns.prefix, start_timeout=300)
        return MlflowServer(wd, workers=workers, backend=self.backend, extra_args=KEEP_ALIVE, start_timeout=300)

    def close(self):
        if self.ns:
            self.ns.remove()


def through_proxy(srv, delay_ms, fn):
    """fn(url) with url the proxy in front of srv; returns (wall, server CPU, link stats)."""
    with netfault.Process((srv.host, srv.port), "--delay-ms", delay_ms) as px:
        url = f"http://127.0.0.1:{px.port}"
        wall, cpu = sb.timed_on(srv, lambda: fn(url))
        return wall, cpu, px.stop()


def bench_python(a, wd, place, src):
    box = {}
    t_read = sb.timed(lambda: box.setdefault("d", sb.python_read(src)))
    with place.server(os.path.join(wd, "srv-python"), a.workers) as s:
        t_up, cpu, link = through_proxy(s, a.delay_ms, lambda url: sb.python_upload(box["d"], url))
    print(f"Python MlflowClient at {a.delay_ms:g} ms each way: read {t_read:.2f} s + upload {t_up:.2f} s = "
          f"{t_read + t_up:.2f} s; server CPU {cpu:.1f} s; {link['connections']} connections", flush=True)
    return t_read + t_up, cpu


def bench_tool(a, wd, place, src, npts):
    box = {}

    def full_then_noop(url):  # the no-op resync goes to the same DEST: the sync state is per DEST
        box["start"] = time.perf_counter()
        p = sb.run_tool(a.tool, ["sync", "--json", "--no-progress", "--jobs", str(a.jobs), src, url])
        box["end"] = time.perf_counter()
        box["requests"] = json.loads(p.stdout.strip().splitlines()[-1])["http_requests"]
        sb.run_tool(a.tool, ["sync", src, url])
        box["noop"] = time.perf_counter() - box["end"]

    with place.server(os.path.join(wd, "srv-tool"), a.workers) as s:
        _, cpu, link = through_proxy(s, a.delay_ms, full_then_noop)  # cpu includes the (idle) no-op pass
        wall, t_noop = box["end"] - box["start"], box["noop"]
    print(f"mlflow-lite sync --jobs {a.jobs} at {a.delay_ms:g} ms each way: {wall:.2f} s ({npts / wall:,.0f} points/s); "
          f"server CPU {cpu:.1f} s; {link['connections']} connections; no-op resync {t_noop:.3f} s", flush=True)
    explain_tool(a, wall, cpu, box["requests"])
    return wall, cpu


LOCKS = {"sqlite": ": SQLite writes one request at a time", "file": ": the file store has no lock, both workers can run"}


def explain_tool(a, wall, cpu, requests):
    """Where the tool's time can go: round trips (requests x RTT / jobs in flight) or the server's CPU."""
    rtt = 2 * a.delay_ms / 1000
    ncpu = os.cpu_count() or 1
    print(f"  {requests} requests ({requests / a.runs:.1f} a run): round trips alone need >= {requests * rtt / a.jobs:.1f} s "
          f"at {a.jobs} in flight; the server's CPU alone needs >= {cpu / ncpu:.1f} s on all {ncpu} cores "
          f"({cpu:.1f} s on one{LOCKS[a.backend]}); mlflow-lite took {wall:.1f} s", flush=True)


def bench_loopback(a, wd, src, npts):
    """The tool with no proxy, against the ceiling the server's own CPU time sets."""
    with MlflowServer(os.path.join(wd, "srv-loop"), workers=a.workers, backend=a.backend, start_timeout=300) as s:
        wall, cpu = sb.timed_on(s, lambda: sb.run_tool(a.tool, ["sync", "--jobs", str(a.jobs), src, s.url]))
    ncpu = os.cpu_count() or 1
    floor = cpu / ncpu
    print(f"mlflow-lite sync --jobs {a.jobs} on loopback: {wall:.2f} s; server CPU {cpu:.1f} s -> ceiling "
          f"{floor:.1f} s on {ncpu} cores; mlflow-lite took {100 * (wall / floor - 1):.0f}% longer than the ceiling "
          f"(target: within 10%)", flush=True)


OPTIONS = [("--runs", int, 100), ("--metrics", int, 10), ("--steps", int, 1000), ("--artifact-mb", float, 10),
           ("--jobs", int, 4), ("--workers", int, 2), ("--delay-ms", float, 50)]  # sync_bench's, plus the delay


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    for name, kind, default in OPTIONS:
        ap.add_argument(name, type=kind, default=default)
    ap.add_argument("--netns", action="store_true", help="servers in a network namespace (needs root)")
    ap.add_argument("--loopback", action="store_true", help="also time the tool without the proxy")
    ap.add_argument("--skip-python", action="store_true")
    ap.add_argument("--backend", choices=("sqlite", "file"), default="sqlite",
                    help="the servers' backend store (file: what `mlflow server` used before 3.7)")
    a = ap.parse_args()
    a.tool = os.path.abspath(a.tool)
    wd = tempfile.mkdtemp(prefix="mll-slowlink-bench-")
    place = Place(a.netns, a.backend)
    try:
        t = time.perf_counter()
        src = sb.make_source(os.path.join(wd, "src"), a.runs, a.metrics, a.steps, a.artifact_mb)
        npts = a.runs * a.metrics * a.steps
        where = f"namespace {place.ns.name} ({place.ns.ns_ip})" if place.ns else "127.0.0.1"
        print(f"source: {a.runs} runs x {a.metrics} metrics x {a.steps} steps = {npts:,} points, "
              f"{a.artifact_mb:g} MB artifacts ({time.perf_counter() - t:.1f} s); servers on {where}, "
              f"{a.workers} workers, {a.backend} backend; link +{a.delay_ms:g} ms each way", flush=True)
        t_py = None if a.skip_python else bench_python(a, wd, place, src)[0]
        t_tool, cpu_tool = bench_tool(a, wd, place, src, npts)
        if t_py:
            print(f"  ratio Python (read + upload) / mlflow-lite at {a.delay_ms:g} ms: {t_py / t_tool:.2f}x "
                  f"(target >= 5x); the tool's server CPU caps it at {t_py / (cpu_tool / (os.cpu_count() or 1)):.2f}x "
                  f"(all cores busy with the server alone)", flush=True)
        if a.loopback:
            bench_loopback(a, wd, src, npts)
    finally:
        place.close()
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    main()
