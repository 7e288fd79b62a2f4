"""mlflow-lite sync over a real slow link to a second host.

    test_slowlink_sync.py TOOL [--phase delay|lossy|dead] [--mlflow 3.18|2.22] [--folder DIR]

The MLflow server runs in a network namespace of its own (tests/netfault/
netns.py: a veth pair and a /30 the test made); the tool on this host reaches
it only through tests/netfault/netfault.py on 127.0.0.1, which adds 50 ms
each way (100 ms round trip). Phases:
  delay  the 50 ms link alone;
  lossy  plus resets and stalls (5 s) on 1% of requests each (drawn per chunk:
         the tool keeps its connections alive, so per connection would be none);
  dead   plus the link going dead (drop) for 20 s, 3 s into the sync.
The tool is run until it exits 0 (at most 5 passes: a pass that ends with
some runs failed is repeated, as a user would), then the server is compared
with the folder through MlflowClient (tests/corpus/expected.py): every run,
point and artifact exactly once. The time of the first pass is printed.

No namespace (no root / CAP_NET_ADMIN) is a FAILURE with ip's message, never a skip.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
sys.path.insert(0, os.path.join(HERE, "..", "corpus"))
import expected  # noqa: E402
from mlflow_server import MlflowServer, ServerError  # noqa: E402
from netfault import Proxy, Settings  # noqa: E402
from netns import NetNs, NetnsError  # noqa: E402

PHASES = {
    "delay": dict(settings=dict(delay_ms=50), dead=None),
    "lossy": dict(settings=dict(delay_ms=50, reset_fraction=0.01, stall_fraction=0.01, stall_seconds=5, per_chunk=1,
                                reset_after_ms=20), dead=None),
    "dead": dict(settings=dict(delay_ms=50), dead=(3.0, 20.0, "drop")),
}


def write_small_store(root, n_runs=8, n_keys=3, n_steps=500):
    """A Python-MLflow (3.18) folder: runs with params, tags, metrics and one artifact each."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param
    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    e = c.create_experiment("slow link")
    art = os.path.join(root, "weights.bin")
    with open(art, "wb") as f:
        f.write(os.urandom(256 << 10))
    for i in range(n_runs):
        rid = c.create_run(e, run_name=f"r{i}", start_time=1764000000000 + i).info.run_id
        c.log_batch(rid, params=[Param("i", str(i))])
        pts = [Metric(f"m{k}", (s * 7 + k) % 101 / 3.0, 1764000000000 + s, s) for k in range(n_keys) for s in range(n_steps)]
        for j in range(0, len(pts), 1000):
            c.log_batch(rid, metrics=pts[j:j + 1000])
        c.log_artifact(rid, art)
        c.set_terminated(rid, "FINISHED", end_time=1764000900000 + i)
    return mlruns


def sync_until_done(tool, src, url, passes=5):
    times, codes = [], []
    for _ in range(passes):
        t = time.monotonic()
        p = subprocess.run([tool, "sync", src, url], capture_output=True, text=True, timeout=1800)
        times.append(time.monotonic() - t)
        codes.append(p.returncode)
        sys.stderr.write(p.stderr[-2000:])
        if p.returncode == 0:
            break
    return times, codes


def run(args):
    phase = PHASES[args.phase]
    wd = tempfile.mkdtemp(prefix=f"mll-slowlink-{args.phase}-")
    ok = False
    try:
        if args.folder:
            src = os.path.join(wd, "mlruns")
            shutil.copytree(os.path.join(args.folder, "mlruns"), src, symlinks=True)
        else:
            src = write_small_store(wd)
        local = expected.dump_local(src)
        with NetNs() as ns, MlflowServer(os.path.join(wd, "server"), mlflow=args.mlflow, host=ns.ns_ip,
                                         launcher=ns.prefix, start_timeout=300) as srv:
            proxy = Proxy((ns.ns_ip, srv.port), settings=Settings(**phase["settings"]),
                          dead_schedule=[phase["dead"]] if phase["dead"] else [], seed=15)
            with proxy:
                url = f"http://127.0.0.1:{proxy.port}"
                print(f"server MLflow {args.mlflow} at {srv.url} in namespace {ns.name}; tool -> {url} "
                      f"({phase['settings']}, dead {phase['dead']})")
                times, codes = sync_until_done(args.tool, src, url)
                stats = proxy.call(proxy.status)
            print(f"passes: exit codes {codes}, seconds {[round(t, 2) for t in times]}")
            print(f"link: {stats}")
            diffs = expected.compare(local, expected.dump_remote(srv.url))
            print("\n".join(diffs) if diffs else "no differences")
            ok = codes[-1] == 0 and not diffs
            if codes[0] != 0:
                print(f"note: the first pass exited {codes[0]}; {len(codes)} passes were needed")
    finally:
        if ok:
            shutil.rmtree(wd, ignore_errors=True)
        else:
            print(f"kept for inspection: {wd}")
    return ok


def main(argv):
    a = argparse.ArgumentParser()
    a.add_argument("tool")
    a.add_argument("--phase", default="delay", choices=sorted(PHASES))
    a.add_argument("--mlflow", default="3.18", choices=("3.18", "2.22"))
    a.add_argument("--folder", help="a corpus folder (holding mlruns/) instead of the small generated store")
    args = a.parse_args(argv)
    args.tool = os.path.abspath(args.tool)
    try:
        ok = run(args)
    except NetnsError as e:
        print(f"FAIL: cannot make the second host: {e}")
        ok = False
    except ServerError as e:
        print(f"FAIL: server: {e}")
        ok = False
    print(f"{int(ok)} passed, {int(not ok)} failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
