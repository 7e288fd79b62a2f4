#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for a
# bounded time over its checked-in corpus. A crash fails the script; the crash
# input is left in build-fuzz/crashes/<target>/ — copy it into
# tests/fuzz/corpus/<target>/ as a regression input once fixed.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 60 s, every target)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}; shift || true
cd "$repo"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLL_FUZZ=ON \
  -DMLL_BUILD_BENCH=OFF -DMLL_BUILD_EXAMPLES=OFF -DMLL_PYTHON="${MLL_PYTHON:-$repo/.venv/bin/python}" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
fi
cmake --build build-fuzz -j"$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}") >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
run_one() {
  local t=$1 work="build-fuzz/work/$1" crashes="build-fuzz/crashes/$1"
  mkdir -p "$work" "$crashes"
  if ! "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$t" \
        >"build-fuzz/work/$t.log" 2>&1; then
    echo "fuzz: $t FAILED (input in $crashes/, log build-fuzz/work/$t.log)"; tail -30 "build-fuzz/work/$t.log"; return 1
  fi
  echo "fuzz: $t ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/work/$t.log" | grep -o '[0-9]*$') runs in ${secs} s)"
}
export -f run_one; export secs
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'
