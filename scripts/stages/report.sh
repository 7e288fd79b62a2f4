#!/usr/bin/env bash
# Test stage "report" (scripts/test-all.sh runs it in its pool): `mlflow-lite report`
# opened in Debian's headless Chromium with the network off (tests/inspect/
# test_report_chromium.py: a chart per metric key, a row per run with MLflow's values,
# the downsampling said, no console error, no request). Chromium missing is a failure.
#   scripts/stages/report.sh REPO BUILD
set -euo pipefail
repo=$1 build=$2
command -v chromium >/dev/null || { echo "report stage: chromium is not installed (scripts/setup-test-env.sh)"; exit 1; }
export MLFLOW_ALLOW_FILE_STORE=true TZ=UTC TMPDIR=${TMPDIR:-/tmp}
"$repo/.venv/bin/python" "$repo/tests/inspect/test_report_chromium.py" "$build/tools/mlflow-lite"
