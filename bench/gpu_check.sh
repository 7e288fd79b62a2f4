#!/usr/bin/env bash
# gpu_check.sh: on a machine with a real NVIDIA GPU, compares what mlflow_lite logs through NVML
# with `nvidia-smi --query-gpu` sampled over the same seconds. (The test suite only has stand-in
# libraries: the machines it runs on have no GPU. See tests/sysmetrics/README.md.)
#   bench/gpu_check.sh [seconds, default 20] [--load]   (--load: runs `python3 -c` matrix products
#   on the GPU with torch if it is installed, so that utilisation and power move)
# Checks, per GPU: the name, driver and memory-total tags equal nvidia-smi's; over the run, the
# mean memory used (NVML's v1 "used" counts the driver's reservation, so it is compared with
# nvidia-smi's used + reserved, and used alone), utilisation, power and power % agree within
# tolerances that allow for the two tools sampling at different instants. Exit 0 when all agree,
# 1 on a mismatch, 2 when there is no NVIDIA GPU or driver here.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
load=${2:-}
command -v nvidia-smi >/dev/null || { echo "gpu_check: nvidia-smi not found: this needs an NVIDIA GPU and its driver" >&2; exit 2; }
nvidia-smi -L >/dev/null 2>&1 || { echo "gpu_check: nvidia-smi finds no GPU" >&2; exit 2; }

cmake -S "$repo/tests/sysmetrics" -B "$repo/build-gpucheck" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$repo/build-gpucheck" --target sm_writer -j2 >/dev/null
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mll-gpucheck.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$scratch"' EXIT

if [ "$load" = "--load" ] && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  python3 -c "
import time, torch
a = torch.randn(4096, 4096, device='cuda'); t = time.time()
while time.time() - t < $secs + 2: a = (a @ a).clamp_(-1, 1)
" &
fi
fields=index,name,driver_version,memory.total,memory.used,memory.reserved,utilization.gpu,power.draw,power.limit
nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits >/dev/null 2>&1 || fields=${fields/,memory.reserved/}
( for _ in $(seq 1 "$secs"); do nvidia-smi --query-gpu=$fields --format=csv,noheader,nounits; sleep 1; done ) \
  > "$scratch/smi.csv" &
smi=$!
"$repo/build-gpucheck/sm_writer" "$scratch/mlruns" "$secs" --interval-ms 1000 --samples 1 \
  > "$scratch/run.json" 2> "$scratch/log.txt"
wait $smi

python3 - "$scratch" "$fields" <<'PY'
import glob, json, os, sys
scratch, fields = sys.argv[1], sys.argv[2].split(",")
run = json.load(open(os.path.join(scratch, "run.json")))
rdir = os.path.join(scratch, "mlruns", run["experiment_id"], run["run_id"])
tags = {os.path.basename(p): open(p).read() for p in glob.glob(os.path.join(rdir, "tags", "mlflow_lite.system.*"))}
def metric(name):
    p = os.path.join(rdir, "metrics", "system", name)
    return [float(l.split()[1]) for l in open(p)] if os.path.exists(p) else []
rows = {}
for line in open(os.path.join(scratch, "smi.csv")):
    r = dict(zip(fields, [x.strip() for x in line.split(",")]))
    rows.setdefault(int(r["index"]), []).append(r)
def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")
def num(x):
    try:
        return float(x)
    except ValueError:
        return None
MIB = 1048576 / 1e6
bad = 0
def check(ok, what):
    global bad
    print(("  ok   " if ok else "  FAIL ") + what)
    bad += not ok
print(open(os.path.join(scratch, "log.txt")).read().strip())
check(tags.get("mlflow_lite.system.gpu_count") == str(len(rows)), f"gpu_count {tags.get('mlflow_lite.system.gpu_count')} vs {len(rows)} GPUs")
for i, rs in sorted(rows.items()):
    print(f"GPU {i}: {rs[0]['name']}")
    check(tags.get(f"mlflow_lite.system.gpu_{i}_name") == rs[0]["name"], f"name tag {tags.get(f'mlflow_lite.system.gpu_{i}_name')!r}")
    check(tags.get("mlflow_lite.system.gpu_driver_version") == rs[0]["driver_version"], f"driver tag {tags.get('mlflow_lite.system.gpu_driver_version')!r} vs {rs[0]['driver_version']!r}")
    total = float(tags.get(f"mlflow_lite.system.gpu_{i}_memory_total_megabytes", "nan"))
    check(abs(total - num(rs[0]["memory.total"]) * MIB) <= 0.01 * total, f"memory total {total} MB vs nvidia-smi {num(rs[0]['memory.total']) * MIB:.1f} MB")
    ours = mean(metric(f"gpu_{i}_memory_usage_megabytes"))
    used = mean(num(r["memory.used"]) for r in rs) * MIB
    reserved = mean(num(r.get("memory.reserved", "0")) for r in rs) * MIB
    tol = max(0.05 * max(ours, used), 64 * MIB)
    check(min(abs(ours - used), abs(ours - used - reserved)) <= tol,
          f"memory used: ours {ours:.1f} MB, nvidia-smi used {used:.1f} (+ reserved {reserved:.1f}) MB")
    ours = mean(metric(f"gpu_{i}_utilization_percentage"))
    theirs = mean(num(r["utilization.gpu"]) for r in rs)
    check(abs(ours - theirs) <= 10, f"utilization: ours {ours:.1f} %, nvidia-smi {theirs:.1f} %")
    ours = mean(metric(f"gpu_{i}_power_usage_watts"))
    theirs = mean(num(r["power.draw"]) for r in rs)
    check(abs(ours - theirs) <= max(0.1 * theirs, 5), f"power: ours {ours:.1f} W, nvidia-smi {theirs:.1f} W")
    ours = mean(metric(f"gpu_{i}_power_usage_percentage"))
    theirs = mean(num(r["power.draw"]) / num(r["power.limit"]) * 100 for r in rs if num(r["power.limit"]))
    check(abs(ours - theirs) <= 5, f"power %: ours {ours:.1f}, nvidia-smi draw/limit {theirs:.1f}")
sys.exit(1 if bad else 0)
PY
