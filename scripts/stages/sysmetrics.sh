#!/usr/bin/env bash
# Stage "sysmetrics" (issue 11): system metrics judged by psutil and MLflow 3.18.
#   build-sysmetrics       unit tests (as is, MLL_NO_THREADS, MLL_NO_SYSTEM_METRICS), valgrind, and
#                          tests/sysmetrics/sm_check.py: readers vs psutil, names vs MLflow's own
#                          system-metrics run, NVML / ROCm SMI through stand-in libraries
#   build-sysmetrics-asan  the unit tests under ASan+UBSan
# usage: scripts/stages/sysmetrics.sh REPO BUILD   (BUILD is not used: this stage builds its own)
set -euo pipefail
repo=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
py="$repo/.venv/bin/python"
jobs=2
"$py" -c "import psutil, mlflow" || { echo "sysmetrics: $py lacks psutil or mlflow: run scripts/setup-test-env.sh" >&2; exit 1; }
export MLFLOW_ALLOW_FILE_STORE=true
cmake -S "$repo/tests/sysmetrics" -B "$repo/build-sysmetrics" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLL_PYTHON="$py" >/dev/null
cmake --build "$repo/build-sysmetrics" -j"$jobs"
cmake -S "$repo/tests/sysmetrics" -B "$repo/build-sysmetrics-asan" -DCMAKE_BUILD_TYPE=Debug -DMLL_SANITIZE=ON \
      -DSM_UNIT_ONLY=ON >/dev/null
cmake --build "$repo/build-sysmetrics-asan" -j"$jobs"
rc=0
ctest --test-dir "$repo/build-sysmetrics" --output-on-failure -j"$jobs" || rc=1
ctest --test-dir "$repo/build-sysmetrics-asan" --output-on-failure -j"$jobs" || rc=1
exit $rc
