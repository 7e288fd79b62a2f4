#!/usr/bin/env bash
# The one test command: installs what the tests need, builds everything with
# warnings as errors, and runs every test through ctest (plain, ASan+UBSan,
# valgrind). Nothing is skipped: a missing peer (MLflow, moto, a locale) fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
jobs=$(nproc 2>/dev/null || echo 2)

./scripts/setup-test-env.sh

export MLFLOW_ALLOW_FILE_STORE=true

# 1. Normal build, all tests (unit, compile matrix, interop with real MLflow, sync, S3).
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLL_PYTHON="$repo/.venv/bin/python" \
      -DMLL_PYTHON2="$repo/.venv2/bin/python" >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" -LE valgrind

# 2. ASan+UBSan build: the C unit tests again.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMLL_SANITIZE=ON -DMLL_PYTHON="$repo/.venv/bin/python" \
      -DMLL_PYTHON2="$repo/.venv2/bin/python" >/dev/null
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" -L unit

# 3. valgrind: the C unit tests under memcheck (registered with label "valgrind").
ctest --test-dir build --output-on-failure -j"$jobs" -L valgrind
