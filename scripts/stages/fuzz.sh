#!/usr/bin/env bash
# Stage: every libFuzzer target (tests/fuzz/fuzz_*.c) for a bounded time over
# its checked-in seed corpus (clang, ASan+UBSan). A crash fails the stage.
# Longer runs: scripts/fuzz.sh 3600  (an hour per target).
set -euo pipefail
repo=$1
exec "$repo/scripts/fuzz.sh" "${MLL_FUZZ_SECONDS:-60}"
