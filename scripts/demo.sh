#!/usr/bin/env bash
# The main job: build the header's examples, then run the demo, which logs a run into
# ./mlruns (the directory you run this from). Installs a C compiler and CMake if missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v cmake >/dev/null || ! command -v cc >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq build-essential cmake
fi
build="$repo/build-demo"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMLL_BUILD_TESTS=OFF \
      -DMLL_BUILD_TOOLS=OFF -DMLL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target demo -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
"$build/examples/demo"
