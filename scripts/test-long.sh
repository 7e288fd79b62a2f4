#!/usr/bin/env bash
# The long runs kept out of the README test command (which must stay near 30
# minutes on 2 cores). Run after ./scripts/test-all.sh (it made the venvs and
# the build folder). Each part can be run alone: scripts/test-long.sh PART...
#   servers   the corpus folders synced to MLflow 3.18 and 2.22 servers (SQLite and
#             file backends) and compared field by field, the sync tests again
#             against MLflow 2.22 (label sync222), the slow/lossy/dead-link tests in
#             a network namespace (label netfault; needs root)     ~1 h
#   full      the randomized ctest tests the README command runs CI-sized, at full
#             size (MLL_TEST_FULL=1): mlflow_sigkill's 42 + 12 kills (CI: 21 + 6),
#             sync_exactly_once_* with 1500- and 3000-step runs (CI: 500, 1500)  ~20 min
#   torture   2,000 kill and 500 fault trials of the header (CI: 100 and 25)   ~1 h
#   fuzz      every fuzz target for an hour (CI: 20 s)             ~5 h on 2 cores
#   platforms the cross (aarch64, armhf, s390x) and Windows stages building and
#             running every test program, not the CI subset        ~1 h
# Nothing here skips: a peer that cannot be started fails the part.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
export MLFLOW_ALLOW_FILE_STORE=true
parts=("$@"); [ ${#parts[@]} -gt 0 ] || parts=(servers full torture fuzz platforms)
rc=0
for part in "${parts[@]}"; do
  t0=$(date +%s); echo "== long $part"
  case "$part" in
    servers) MLL_TEST_FULL=1 ctest --test-dir build --output-on-failure -j2 -L 'corpus|netfault|sync222' || rc=1 ;;
    full) MLL_TEST_FULL=1 ctest --test-dir build --output-on-failure -j2 \
            -R '^(mlflow_sigkill|sync_exactly_once_file|sync_exactly_once_sqlite)$' || rc=1 ;;
    torture) TORTURE_KILLS=2000 TORTURE_FAULTS=500 TORTURE_BUILD=build-torture-long \
               scripts/stages/torture.sh "$repo" "$repo/build" || rc=1 ;;
    fuzz) scripts/fuzz.sh 3600 || rc=1 ;;
    platforms)
      for s in scripts/stages/cross-*.sh scripts/stages/windows.sh; do
        [ -x "$s" ] || continue
        MLL_PLATFORM_FULL=1 "$s" "$repo" "$repo/build" || rc=1
      done ;;
    *) echo "test-long: unknown part '$part' (servers, full, torture, fuzz, platforms)" >&2; exit 2 ;;
  esac
  echo "== long $part: $(( $(date +%s) - t0 )) s"
done
exit $rc
