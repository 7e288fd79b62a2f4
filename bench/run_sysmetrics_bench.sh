#!/usr/bin/env bash
# Builds sysmetrics_bench in Release and runs it: CPU time per system-metrics sample and per hour
# at the default 10 s interval, and mll_log_metric throughput with sampling off / every 100 ms
# in alternating rounds of one run. Prints the machine and its load (the box may be shared).
# usage: bench/run_sysmetrics_bench.sh [samples, default 3000] [points per round, default 300000] [rounds, default 61]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DMLL_BUILD_TESTS=OFF \
      -DMLL_BUILD_EXAMPLES=OFF -DMLL_BUILD_TOOLS=OFF >/dev/null
cmake --build "$repo/build-bench" --target sysmetrics_bench -j2 >/dev/null
scratch=$(mktemp -d "${TMPDIR:-/tmp}/mll-smbench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
echo "machine: $(nproc) cores, $cpu; $(uname -sr); $(cc --version | head -1); Release"
echo "load average before (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
"$repo/build-bench/bench/sysmetrics_bench" "$scratch" "${1:-3000}" "${2:-300000}" "${3:-61}"
echo "load average after  (1/5/15 min): $(cut -d' ' -f1-3 /proc/loadavg)"
