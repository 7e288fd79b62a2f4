#!/usr/bin/env bash
# S3 mirror benchmark (not a test): 1,000 small files plus one 256 MiB
# artifact into one moto server (SigV4 enforced, 127.0.0.1), mlflow-lite
# sync against aws s3 sync, full upload and no-op resync, in the same run.
#
# usage: bench/s3_bench.sh [path/to/mlflow-lite]   (default build-s3/tools/mlflow-lite)
# env:   PY (default .venv/bin/python), SMALL (1000), BIG_MIB (256), JOBS (8)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
tool=${1:-$repo/build-s3/tools/mlflow-lite}
PY=${PY:-$repo/.venv/bin/python}
AWS=$(dirname "$PY")/aws
SMALL=${SMALL:-1000}
BIG_MIB=${BIG_MIB:-256}
JOBS=${JOBS:-8}
[ -x "$tool" ] || { echo "s3_bench: build the tool first ($tool)" >&2; exit 1; }
[ -x "$AWS" ] || { echo "s3_bench: no aws CLI next to $PY (run scripts/setup-test-env.sh)" >&2; exit 1; }

work=$(mktemp -d /tmp/mll-s3-bench.XXXXXX)
moto_pid=""
cleanup() { [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$PY" "$repo/tests/s3/moto_launcher.py" --bucket bench --info "$work/moto.json" >/dev/null 2>"$work/moto.log" &
moto_pid=$!
for _ in $(seq 300); do [ -f "$work/moto.json" ] && break; sleep 0.1; done
[ -f "$work/moto.json" ] || { echo "s3_bench: moto did not start" >&2; cat "$work/moto.log" >&2; exit 1; }
field() { "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$work/moto.json" "$1"; }
export AWS_ACCESS_KEY_ID=$(field access_key_id) AWS_SECRET_ACCESS_KEY=$(field secret_access_key)
export AWS_ENDPOINT_URL=$(field endpoint) AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
export HOME=$work/home XDG_STATE_HOME=$work/state
mkdir -p "$HOME"

# the folder: SMALL files of 200 B..4 KiB laid out like runs, plus one big artifact
src=$work/mlruns
"$PY" - "$src" "$SMALL" "$BIG_MIB" <<'PYEOF'
import os, random, sys
src, n, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(1)
for i in range(n):
    run = "exp%d/run%03d" % (i % 5, i // 20)
    kind = ("metrics/m%d" % (i % 7), "params/p%d" % (i % 11), "tags/t%d" % (i % 13), "artifacts/f%d.txt" % i)[i % 4]
    p = os.path.join(src, run, kind + "_%d" % i)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(os.urandom(rnd.randint(200, 4096)))
p = os.path.join(src, "exp0", "run000", "artifacts", "model.bin")
with open(p, "wb") as f:
    for _ in range(big):
        f.write(os.urandom(1 << 20))
PYEOF

now() { date +%s.%N; }
timeit() {  # label, command...
    local t0 t1
    t0=$(now)
    "${@:2}" >"$work/out.txt" 2>"$work/err.txt" || { echo "s3_bench: $1 failed:" >&2; cat "$work/err.txt" >&2; exit 1; }
    t1=$(now)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }' 
}

echo "s3_bench: $SMALL small files + ${BIG_MIB} MiB artifact; moto $(field endpoint); $(nproc) cores"
# aws first: a server that already holds one copy is the harder case, and it is ours
t_aws_full=$(timeit "aws full" "$AWS" s3 sync --no-progress "$src" s3://bench/aws)
t_aws_noop=$(timeit "aws no-op" "$AWS" s3 sync --no-progress "$src" s3://bench/aws)
t_mll_full=$(timeit "mlflow-lite full" "$tool" sync "$src" s3://bench/mll -j "$JOBS")
t_mll_noop=$(timeit "mlflow-lite no-op" "$tool" sync "$src" s3://bench/mll -j "$JOBS")
t_mll_rec=$(timeit "mlflow-lite no-op --reconcile" "$tool" sync "$src" s3://bench/mll -j "$JOBS" --reconcile)
n_mll=$("$AWS" s3 ls --recursive s3://bench/mll/ | wc -l)
n_aws=$("$AWS" s3 ls --recursive s3://bench/aws/ | wc -l)
[ "$n_mll" = "$n_aws" ] || { echo "s3_bench: object counts differ: $n_mll vs $n_aws" >&2; exit 1; }

printf '\n%-22s %12s %12s %10s\n' "case" "mlflow-lite" "aws s3 sync" "speed-up"
printf '%-22s %11.2fs %11.2fs %9.2fx\n' "full upload" "$t_mll_full" "$t_aws_full" "$(awk -v a="$t_aws_full" -v b="$t_mll_full" 'BEGIN { print a / b }')"
printf '%-22s %11.3fs %11.3fs %9.2fx\n' "no-op resync" "$t_mll_noop" "$t_aws_noop" "$(awk -v a="$t_aws_noop" -v b="$t_mll_noop" 'BEGIN { print a / b }')"
printf '%-22s %11.3fs %11.3fs %9.2fx\n' "no-op, --reconcile" "$t_mll_rec" "$t_aws_noop" "$(awk -v a="$t_aws_noop" -v b="$t_mll_rec" 'BEGIN { print a / b }')"
echo "(--reconcile lists the bucket as aws s3 sync does; the plain no-op trusts the local record)"
echo "($n_mll objects each; speed-up = aws time / mlflow-lite time)"
