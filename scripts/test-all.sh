#!/usr/bin/env bash
# The one test command: installs what the tests need, builds everything with
# warnings as errors, and runs every test. Nothing is skipped: a missing peer
# (MLflow, moto, a locale, qemu, wine, chromium, a network namespace) fails.
#
# Stages run in a pool of parallel jobs (MLL_TEST_JOBS, default: the number of
# cores) once the main build is done; each prints its time, and a table of all
# stage times ends the run. A stage is a function here or an executable
# scripts/stages/<name>.sh (called with the repository root and the main build
# folder); its output goes to build/stage-logs/<name>.log and is printed when
# it fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=$(nproc 2>/dev/null || echo 2)
pool=${MLL_TEST_JOBS:-$jobs}
t_start=$(date +%s)
declare -a stage_names=() stage_secs=() stage_rcs=()

record() { stage_names+=("$1"); stage_secs+=("$2"); stage_rcs+=("$3"); }
timed() { # name, command...: runs in the foreground, records the time
  local name=$1 t0 rc=0; shift; t0=$(date +%s)
  echo "== stage $name"
  "$@" || rc=$?
  record "$name" $(( $(date +%s) - t0 )) "$rc"
  echo "== stage $name: $([ "$rc" = 0 ] && echo ok || echo "FAILED ($rc)") in $(( $(date +%s) - t0 )) s"
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
# 2. ASan+UBSan build: the C unit tests, the fuzz corpora and the tool's defect tests
stage_asan() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMLL_SANITIZE=ON "${cmake_common[@]}" >/dev/null
  cmake --build build-asan -j"$jobs"
  ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|tool_asan'
}
# 3. valgrind: the C unit tests under memcheck
stage_valgrind() { ctest --test-dir build --output-on-failure -j"$jobs" -L valgrind; }

mkdir -p build/stage-logs
declare -A pid_of=() t0_of=()
run_bg() { # name, command...
  local name=$1; shift
  ( "$@" ) >"build/stage-logs/$name.log" 2>&1 &
  pid_of[$name]=$!; t0_of[$name]=$(date +%s)
  echo "== stage $name started"
}
reap_one() { # waits for any stage, records it
  local done_pid name rc=0
  wait -n -p done_pid "${pid_of[@]}" || rc=$?
  for name in "${!pid_of[@]}"; do
    [ "${pid_of[$name]}" = "$done_pid" ] || continue
    unset "pid_of[$name]"
    record "$name" $(( $(date +%s) - t0_of[$name] )) "$rc"
    if [ "$rc" = 0 ]; then echo "== stage $name: ok in $(( $(date +%s) - t0_of[$name] )) s"
    else echo "== stage $name: FAILED ($rc) in $(( $(date +%s) - t0_of[$name] )) s; its log:"; cat "build/stage-logs/$name.log"; fi
  done
}
queue=(ctest asan valgrind)
for s in scripts/stages/*.sh; do [ -x "$s" ] && queue+=("ext:$s"); done
for item in "${queue[@]}"; do
  while [ "${#pid_of[@]}" -ge "$pool" ]; do reap_one; done
  case "$item" in
    ext:*) s=${item#ext:}; n=$(basename "$s" .sh); run_bg "$n" "$s" "$repo" "$repo/build" ;;
    *) run_bg "$item" "stage_$item" ;;
  esac
done
while [ "${#pid_of[@]}" -gt 0 ]; do reap_one; done

echo
echo "stage                      seconds  result"
failed=0
for i in "${!stage_names[@]}"; do
  printf '%-26s %7s  %s\n' "${stage_names[$i]}" "${stage_secs[$i]}" "$([ "${stage_rcs[$i]}" = 0 ] && echo ok || echo FAILED)"
  [ "${stage_rcs[$i]}" = 0 ] || failed=1
done
printf '%-26s %7s\n' total $(( $(date +%s) - t_start ))
exit $failed
