#!/usr/bin/env bash
# Builds bench_metrics in Release and prints one table: mll_log_metric (1 thread,
# 2 threads with a run each, 2 threads sharing a run), the write() floor, Python
# MLflow's file store log_metric and log_batch measured in the same run, the
# ratios, RSS over 10 M points, steady-state allocations, and mll_format_double
# against glibc / stb_sprintf "%.17g".
# usage: bench/run_bench.sh [points per thread, default 5000000] [python seconds per measurement, default 20]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
points=${1:-5000000}
pysec=${2:-20}
py="$repo/.venv/bin/python"
[ -x "$py" ] || { echo "run_bench: $py missing: run scripts/setup-test-env.sh" >&2; exit 1; }

cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DMLL_BUILD_TESTS=OFF \
      -DMLL_BUILD_EXAMPLES=OFF -DMLL_BUILD_TOOLS=OFF >/dev/null
cmake --build "$repo/build-bench" --target bench_metrics -j"$(nproc)" >/dev/null

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mll-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
"$repo/build-bench/bench/bench_metrics" "$scratch" "$points" > "$scratch/c.txt"
"$py" "$repo/bench/bench_python.py" "$scratch" "$pysec" > "$scratch/py.txt"

"$py" - "$scratch/c.txt" "$scratch/py.txt" <<'PY'
import platform, subprocess, sys
r = {}
for f in sys.argv[1:]:
    for line in open(f):
        k, v = line.split()
        r[k] = v
f = lambda k: float(r[k])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
print(f"machine: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores, {cpu}; "
      f"{platform.system()} {platform.release()}; {cc}; Release (-O3); MLflow {r['python_mlflow_version']}")
print(f"load average at the end (1/5/15 min): {open('/proc/loadavg').read().split()[:3]} "
      f"(other processes on the box slow every row alike)")
print(f"points per C thread: {int(f('points_per_thread')):,}\n")
rows = [
    ("mll_log_metric, 1 thread", f("mll_1t_points"), f("mll_1t_s")),
    ("mll_log_metric, 2 threads, own runs", f("mll_2t_own_points"), f("mll_2t_own_s")),
    ("mll_log_metric, 2 threads, one run", f("mll_2t_shared_points"), f("mll_2t_shared_s")),
    ("write() floor (preformatted, 1 MiB chunks)", f("write_floor_points"), f("write_floor_s")),
    ("Python MLflow log_metric (1 call/point)", f("py_log_metric_points"), f("py_log_metric_s")),
    ("Python MLflow log_batch (1000/call)", f("py_log_batch_points"), f("py_log_batch_s")),
]
print(f"{'what':<46} {'points':>12} {'points/s':>14} {'ns/point':>10}")
for name, n, s in rows:
    print(f"{name:<46} {int(n):>12,} {n / s:>14,.0f} {s / n * 1e9:>10.1f}")
one = f("mll_1t_points") / f("mll_1t_s")
batch = f("py_log_batch_points") / f("py_log_batch_s")
single = f("py_log_metric_points") / f("py_log_metric_s")
ns = f("mll_1t_s") / f("mll_1t_points") * 1e9
print()
print(f"ratio mll 1 thread / Python log_batch : {one / batch:,.0f}x  (target >= 100x: {'met' if one / batch >= 100 else 'NOT met'})")
print(f"ratio mll 1 thread / Python log_metric: {one / single:,.0f}x")
print(f"mll 1 thread ns/point                 : {ns:.1f}  (target <= 100 ns: {'met' if ns <= 100 else 'NOT met'})")
print(f"mll 1 thread / write() floor          : {ns / (f('write_floor_s') / f('write_floor_points') * 1e9):.1f}x the floor")
rss = [int(r[f"rss_kib_{m}M"]) for m in range(11)]
print(f"RSS over 10 M points (KiB at 0,1,..,10 M): {rss}  -> growth after 1 M: {rss[-1] - rss[1]} KiB "
      f"({'flat' if rss[-1] - rss[1] <= 1024 else 'NOT flat'})")
print(f"allocations during 8 M steady-state points (allocator hook): {r['allocs_steady_8M']}")
print(f"format one double: mll_format_double {f('fmt_mll_ns'):.1f} ns, glibc snprintf %.17g {f('fmt_glibc_ns'):.1f} ns, "
      f"stb_sprintf %.17g {f('fmt_stb_ns'):.1f} ns")
PY
