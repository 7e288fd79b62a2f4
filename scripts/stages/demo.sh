#!/usr/bin/env bash
# Test stage "demo" (scripts/test-all.sh runs it in its pool): the main job. From an empty
# folder, scripts/demo.sh must build the demo and the tool (build-demo/), log one run into
# ./mlruns and end with the path of that run's report. Checked with MLflow 3.18 as the judge:
# the last line is file://<an HTML file>, that file has a table row for the run MLflow finds
# in ./mlruns and a chart for each of its metric keys. (The report's rendering is checked in
# headless Chromium by the report stage.)
#   scripts/stages/demo.sh REPO BUILD
set -euo pipefail
repo=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/stage-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
out=$("$repo/scripts/demo.sh")
printf '%s\n' "$out" | tail -3
last=$(printf '%s\n' "$out" | tail -1 | sed 's/^ *//')
case "$last" in
  file://*.html) ;;
  *) echo "demo stage: the last line is not the report's file:// path: $last"; exit 1 ;;
esac
html=${last#file://}
[ -s "$html" ] || { echo "demo stage: $html does not exist or is empty"; exit 1; }
MLFLOW_ALLOW_FILE_STORE=true "$repo/.venv/bin/python" - "$work/mlruns" "$html" <<'EOF'
import sys
from mlflow import MlflowClient
root, html = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
c = MlflowClient("file://" + root)
exp = c.get_experiment_by_name("mlflow-lite-demo")
runs = c.search_runs([exp.experiment_id]) if exp else []
problems = [] if len(runs) == 1 else ["MLflow finds %d runs of mlflow-lite-demo, not 1" % len(runs)]
for r in runs:
    if '<tr data-run="%s">' % r.info.run_id not in html:
        problems.append("no table row for the demo run %s" % r.info.run_id)
    if not r.data.metrics:
        problems.append("the demo run has no metrics")
    for k in r.data.metrics:
        if 'class="chart"' not in html or 'data-key="%s"' % k not in html:
            problems.append("no chart for metric %s" % k)
for p in problems:
    print("demo stage:", p)
print("demo stage: %s" % ("FAILED" if problems else "ok (the report shows the run MLflow reads)"))
sys.exit(1 if problems else 0)
EOF
