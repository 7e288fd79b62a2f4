"""Benchmark (not a test) of issue 12: `mlflow-lite runs` and `report` against
MlflowClient.search_runs, on the same folder, in the same run.

    .venv/bin/python bench/inspect_bench.py build/tools/mlflow-lite [--folder DIR] [--runs 10000 ...]
    (or: cmake --build build --target inspect_bench)

1. The folder: RUNS runs x KEYS metrics x STEPS steps x PARAMS params in one
   experiment (bench/gen_inspect_folder.py, the format Python MLflow 3.18 writes;
   reused when --folder already holds it).
2. The same query through both, timed (wall clock, and the CPU time of the tool):
   --filter "metrics.m01 > 0.03 AND params.p1 != '0.5'" --order-by "metrics.m02 DESC"
   mlflow-lite is run REPEAT times (the first pass on a cold page cache is
   printed too); MLflow's search_runs once (it reads every file of every run:
   minutes) with max_results=50000. The two lists of run ids must be equal.
3. `mlflow-lite report -e EXP` (100 runs by default: its --max) timed the same way.

The page cache is warm after the first pass; the machine may be shared, so the
CPU time of the tool is given beside the wall time. Targets (issue 12): runs at
least 50x faster than search_runs and under 1 s; report for 100 runs under 2 s.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
FILTER = "metrics.m01 > 0.03 AND params.p1 != '0.5'"
ORDER = "metrics.m02 DESC"


def timed(cmd):
    """(seconds wall, seconds CPU of the child, stdout)"""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode:
        raise SystemExit("%s failed: %s" % (cmd, p.stderr))
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.stdout


def best(tool_cmd, repeat):
    runs = [timed(tool_cmd) for _ in range(repeat)]
    return runs[0], min(runs[1:] or runs, key=lambda r: r[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--folder")
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--keys", type=int, default=20)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--params", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    folder = a.folder or os.path.join(tempfile.gettempdir(), "mll-inspect-bench-%d" % a.runs)
    if not os.path.isdir(folder):
        t0 = time.monotonic()
        subprocess.run([sys.executable, os.path.join(HERE, "gen_inspect_folder.py"), folder, "--runs", str(a.runs),
                        "--keys", str(a.keys), "--steps", str(a.steps), "--params", str(a.params)], check=True)
        print("generated %s in %.0f s" % (folder, time.monotonic() - t0))
    exp = "100"
    cmd = [a.tool, "--json", "runs", folder, "-e", exp, "--filter", FILTER, "--order-by", ORDER, "--columns", "run_id"]
    cold, warm = best(cmd, a.repeat)
    ids = [r["run_id"] for r in json.loads(warm[2])["runs"]]
    from mlflow import MlflowClient
    c = MlflowClient("file://" + folder)
    t0 = time.monotonic()
    ref = c.search_runs([exp], FILTER, max_results=50000, order_by=[ORDER])
    py = time.monotonic() - t0
    same = ids == [r.info.run_id for r in ref]
    out = os.path.join(tempfile.gettempdir(), "mll-inspect-bench-report.html")
    rcold, rwarm = best([a.tool, "--json", "report", folder, "-e", exp, "-o", out], a.repeat)
    rep = json.loads(rwarm[2])
    print("folder: %d runs x %d metrics x %d steps x %d params" % (a.runs, a.keys, a.steps, a.params))
    print("runs --filter %r --order-by %r: %d runs, same ids and order as search_runs: %s" % (FILTER, ORDER, len(ids),
                                                                                             same))
    print("  mlflow-lite: %.3f s wall (%.3f s CPU); first pass %.3f s wall" % (warm[0], warm[1], cold[0]))
    print("  MlflowClient.search_runs: %.1f s wall -> %.0fx" % (py, py / warm[0]))
    print("report -e %s: %d runs, %d charts, %d bytes: %.3f s wall (%.3f s CPU); first pass %.3f s" %
          (exp, rep["runs"], rep["charts"], rep["bytes"], rwarm[0], rwarm[1], rcold[0]))
    print("  vs search_runs of the same experiment: %.0fx" % (py / rwarm[0]))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
