#!/usr/bin/env bash
# Stage: every libFuzzer target (tests/fuzz/fuzz_*.c) for a bounded time over
# its checked-in seed corpus (clang, ASan+UBSan). A crash fails the stage.
# 20 s per target here (MLL_FUZZ_SECONDS): a smoke run that keeps every target
# building and running its corpus; the corpora are also replayed by ctest
# (label fuzz_replay). The real search is the documented long run:
# scripts/test-long.sh fuzz = scripts/fuzz.sh 3600  (an hour per target).
set -euo pipefail
repo=$1
exec "$repo/scripts/fuzz.sh" "${MLL_FUZZ_SECONDS:-20}"
