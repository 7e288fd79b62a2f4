#!/usr/bin/env bash
# The one test command: installs what the tests need, builds everything with
# warnings as errors, and runs every test. Nothing is skipped: a missing peer
# (MLflow, moto, a locale, qemu, wine, chromium, a network namespace) fails.
#
# Stages run in a pool of parallel jobs (MLL_TEST_JOBS, default: the number of
# cores) once the main build is done, longest first; each prints its wall time,
# CPU seconds and the load average, and a table of them all ends the run. The
# long runs (hours of fuzzing, thousands of torture trials, the full-size random
# tests, the server suites of other MLflow versions) are scripts/test-long.sh.
# A stage is a function here or an executable
# scripts/stages/<name>.sh (called with the repository root and the main build
# folder); its output goes to build/stage-logs/<name>.log and is printed when
# it fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=$(nproc 2>/dev/null || echo 2)
pool=${MLL_TEST_JOBS:-$jobs}
t_start=$(date +%s)
declare -a stage_names=() stage_secs=() stage_cpus=() stage_rcs=()
# each stage's CPU seconds (user + system of everything it ran and waited for): set
# beside its wall time, it says whether the stage computes or waits
cpu_dir=$(mktemp -d "${TMPDIR:-/tmp}/mll-stage-cpu.XXXXXX")
trap 'rm -rf "$cpu_dir"' EXIT
with_cpu() { # name, command...: runs the command, leaves its CPU seconds in $cpu_dir/name
  local name=$1 rc=0; shift
  "$@" || rc=$?
  times >"$cpu_dir/$name.times"     # a builtin in this shell: a pipe would time a subshell
  awk 'END { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
             printf "%d\n", t + 0.5 }' "$cpu_dir/$name.times" >"$cpu_dir/$name"
  return "$rc"
}
load() { cut -d' ' -f1 /proc/loadavg; }
record() { # name, seconds, rc
  stage_names+=("$1"); stage_secs+=("$2"); stage_rcs+=("$3")
  stage_cpus+=("$(cat "$cpu_dir/$1" 2>/dev/null || echo '?')")
}
timed() { # name, command...: runs in the foreground, records the time
  local name=$1 t0 rc=0; shift; t0=$(date +%s)
  echo "== stage $name (load $(load))"
  ( with_cpu "$name" "$@" ) || rc=$?
  record "$name" $(( $(date +%s) - t0 )) "$rc"
  echo "== stage $name: $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") in $(( $(date +%s) - t0 )) s," \
       "CPU ${stage_cpus[-1]} s (load $(load))"
  return "$rc"
}

timed setup ./scripts/setup-test-env.sh
export MLFLOW_ALLOW_FILE_STORE=true
cmake_common=(-DMLL_PYTHON="$repo/.venv/bin/python" -DMLL_PYTHON2="$repo/.venv2/bin/python")
build_main() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_common[@]}" >/dev/null
  cmake --build build -j"$jobs"
}
timed build build_main

# ---- the stages that run in parallel -------------------------------------------
# 1. every ctest test of the normal build except the valgrind ones and the long
#    server suites of scripts/test-long.sh (corpus, netfault, sync222)
stage_ctest() { ctest --test-dir build --output-on-failure -j"$jobs" -LE 'valgrind|corpus|netfault|sync222'; }
# 2. ASan+UBSan build: the C unit tests, the fuzz corpora and the tool's defect tests;
#    it builds the programs those tests run (scripts/ctest_targets.py), not the whole
#    project again. Ninja builds them all in one parallel graph (CMake's Makefiles build
#    several targets one after another); a folder made by another generator is remade.
stage_asan() {
  local sel=(-L 'unit|tool_asan') targets
  grep -qs '^CMAKE_GENERATOR:INTERNAL=Ninja$' build-asan/CMakeCache.txt || rm -rf build-asan
  cmake -G Ninja -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMLL_SANITIZE=ON "${cmake_common[@]}" >/dev/null
  targets=$(python3 scripts/ctest_targets.py build-asan "${sel[@]}")
  cmake --build build-asan -j"$jobs" --target $targets
  ctest --test-dir build-asan --output-on-failure -j"$jobs" "${sel[@]}"
}
# 3. valgrind: the C unit tests under memcheck
stage_valgrind() { ctest --test-dir build --output-on-failure -j"$jobs" -L valgrind; }

mkdir -p build/stage-logs
declare -A pid_of=() t0_of=()
run_bg() { # name, command...
  local name=$1; shift
  ( with_cpu "$name" "$@" ) >"build/stage-logs/$name.log" 2>&1 &
  pid_of[$name]=$!; t0_of[$name]=$(date +%s)
  echo "== stage $name started (load $(load))"
}
reap_one() { # waits for any stage, records it
  local done_pid name rc=0
  wait -n -p done_pid "${pid_of[@]}" || rc=$?
  for name in "${!pid_of[@]}"; do
    [ "${pid_of[$name]}" = "$done_pid" ] || continue
    unset "pid_of[$name]"
    record "$name" $(( $(date +%s) - t0_of[$name] )) "$rc"
    local took="in $(( $(date +%s) - t0_of[$name] )) s, CPU ${stage_cpus[-1]} s (load $(load))"
    if [ "$rc" = 0 ]; then echo "== stage $name: ok $took"
    else echo "== stage $name: FAILED ($rc) $took; its log:"; cat "build/stage-logs/$name.log"; fi
  done
}
# Longest first, so that the last stages to start are short and both lanes end
# together (stage times of the last full runs: README.md "Tests"). A stage not named
# here (a new scripts/stages/*.sh) starts after the named ones.
longest_first=(ctest cross-aarch64 asan fuzz valgrind cross-armhf bindings cross-s390x
               packaging sysmetrics torture windows demo report baremetal)
declare -A stage_item=([ctest]=ctest [asan]=asan [valgrind]=valgrind)
for s in scripts/stages/*.sh; do [ -x "$s" ] && stage_item[$(basename "$s" .sh)]="ext:$s"; done
queue=()
for n in "${longest_first[@]}"; do
  [ -n "${stage_item[$n]:-}" ] || continue
  queue+=("${stage_item[$n]}"); unset "stage_item[$n]"
done
for n in $(printf '%s\n' "${!stage_item[@]}" | sort); do queue+=("${stage_item[$n]}"); done
for item in "${queue[@]}"; do
  while [ "${#pid_of[@]}" -ge "$pool" ]; do reap_one; done
  case "$item" in
    ext:*) s=${item#ext:}; n=$(basename "$s" .sh); run_bg "$n" "$s" "$repo" "$repo/build" ;;
    *) run_bg "$item" "stage_$item" ;;
  esac
done
while [ "${#pid_of[@]}" -gt 0 ]; do reap_one; done

echo
echo "stage                      seconds  CPU s  result"
failed=0
for i in "${!stage_names[@]}"; do
  printf '%-26s %7s %6s  %s\n' "${stage_names[$i]}" "${stage_secs[$i]}" "${stage_cpus[$i]}" \
    "$([ "${stage_rcs[$i]}" = 0 ] && echo ok || echo FAILED)"
  [ "${stage_rcs[$i]}" = 0 ] || failed=1
done
printf '%-26s %7s  (load average now %s)\n' total $(( $(date +%s) - t_start )) "$(cut -d' ' -f1-3 /proc/loadavg)"
exit $failed
