#!/usr/bin/env bash
# Stage "cross-aarch64": the project cross-built for Linux aarch64 with Debian's cross
# compiler and multiarch -dev packages (libcurl, libyaml, cJSON, OpenSSL :arm64): the tool
# (whatever tools/ holds, through its CMakeLists) and the tool's "unit" tests run under
# qemu-user via CMAKE_CROSSCOMPILING_EMULATOR; then tests/cross/cross_linux.sh: the header's
# unit tests, the 64-bit-offset check and two interop folders read by MLflow 3.18 on the host.
#   cross-aarch64.sh REPO BUILD
# What is built: by default (the README test command) the tool and the programs of the
# tests run here; MLL_PLATFORM_FULL=1 cross-builds every target of the project first (the
# header's other test programs too, which nothing runs under qemu; ~3x the compile time).
# Ninja builds the selected targets in one parallel graph (Makefiles: one after another).
set -euo pipefail
repo=$1
work=$repo/build-cross-aarch64
for t in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v $t >/dev/null || { echo "FAIL: $t not installed (scripts/setup-test-env.sh)" >&2; exit 1; }
done
rm -rf "$work/cmake"; mkdir -p "$work"
cmake -G Ninja -S "$repo" -B "$work/cmake" -DCMAKE_TOOLCHAIN_FILE="$repo/tests/cross/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLL_BUILD_EXAMPLES=OFF -DMLL_BUILD_BENCH=OFF \
  -DMLL_PYTHON="$repo/.venv/bin/python" -DMLL_PYTHON2="$repo/.venv2/bin/python" >"$work/cmake.log" 2>&1 ||
  { cat "$work/cmake.log"; echo "FAIL: aarch64 configure (multiarch -dev packages: scripts/setup-test-env.sh)" >&2; exit 1; }
# the tool's unit tests: every "unit" test but the header's unit_*, which cross_linux.sh runs
# with a qemu-sized random-double count
tests=(-L unit -E '^unit_')
if [ "${MLL_PLATFORM_FULL:-0}" = 1 ]; then
  cmake --build "$work/cmake" -j2
else # the programs those tests run
  targets=$(python3 "$repo/scripts/ctest_targets.py" "$work/cmake" "${tests[@]}") ||
    { echo "FAIL: no unit test found in the aarch64 build" >&2; exit 1; }
  echo "cross-aarch64: building mlflow-lite and $targets"
  cmake --build "$work/cmake" -j2 --target mlflow-lite $targets
fi
file "$work/cmake/tools/mlflow-lite" | grep -q 'ARM aarch64' || { echo "FAIL: the tool was not built for aarch64" >&2; exit 1; }
TMPDIR=$work/tmp; mkdir -p "$TMPDIR"; export TMPDIR
ctest --test-dir "$work/cmake" "${tests[@]}" --output-on-failure -j2 --timeout 900
"$repo/tests/cross/cross_linux.sh" "$repo" "$work/run" aarch64
