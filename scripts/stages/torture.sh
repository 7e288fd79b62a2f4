#!/usr/bin/env bash
# Stage "torture" (issue 14): random programs of mlflow_lite calls -- several runs,
# threads, keys, batches, params, tags, artifacts, end and reopen by run id, the model
# registry -- SIGKILLed at random moments (every other one then resumed by a second
# program), and the same programs on fs hooks that fail at random (ENOSPC, EIO, short
# writes, failed links/renames/closes). MLflow 3.18.0 judges every folder
# (tests/torture/torture.py says what is checked). The programs are built here with
# ASan+UBSan, so a crash, a leak or undefined behaviour fails the stage too.
#   scripts/stages/torture.sh REPO BUILD
#   TORTURE_KILLS (default 100), TORTURE_FAULTS (default 25), TORTURE_SEED, TORTURE_BUILD
#   (default REPO/build-torture). The long run (not in CI; README.md "Crashes, full disks
#   and misuse" gives its result):
#   TORTURE_KILLS=2000 TORTURE_FAULTS=500 TORTURE_BUILD=build-torture-long scripts/stages/torture.sh . build
set -euo pipefail
repo=$(cd "${1:?usage: torture.sh REPO BUILD}" && pwd)
out=${TORTURE_BUILD:-$repo/build-torture}
py="$repo/.venv/bin/python"
[ -x "$py" ] || { echo "torture: $py missing: run scripts/setup-test-env.sh" >&2; exit 1; }
mkdir -p "$out"
cc=${CC:-cc}
flags=(-std=c99 -g -O1 -Wall -Wextra -Wpedantic -Werror -fsanitize=address,undefined
       -fno-sanitize-recover=all -fno-omit-frame-pointer -I"$repo")
"$cc" "${flags[@]}" "$repo/tests/torture/torture_child.c" -o "$out/torture_child" -lpthread
export MLFLOW_ALLOW_FILE_STORE=true PYTHONDONTWRITEBYTECODE=1 TMPDIR="$out/tmp"
mkdir -p "$TMPDIR"
t0=$(date +%s)
"$py" "$repo/tests/torture/torture.py" --child "$out/torture_child" --work "$out/work" \
  --kills "${TORTURE_KILLS:-100}" --faults "${TORTURE_FAULTS:-25}" --seed "${TORTURE_SEED:-20261130}" \
  --migrate-every 100
echo "torture: $(( $(date +%s) - t0 )) s"
