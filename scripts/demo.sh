#!/usr/bin/env bash
# The main job: build, then run the demo, which logs a run into ./mlruns.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=Release -DMLL_BUILD_TESTS=OFF \
      -DMLL_BUILD_TOOLS=OFF -DMLL_BUILD_BENCH=OFF >/dev/null
cmake --build "$repo/build" --target demo -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
"$repo/build/examples/demo"
