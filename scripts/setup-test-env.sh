#!/usr/bin/env bash
# Installs everything the tests need, idempotently:
#   - Debian/Ubuntu packages (compilers, libFuzzer's runtime, valgrind, libstb-dev, libcurl, OpenSSL (S3 MD5/SHA-256), libyaml, cJSON, locales)
#   - the fr_FR.UTF-8 locale (the locale-independence test fails without it)
#   - .venv   : MLflow 3.18.0 (the judge), moto server, boto3, awscli
#   - .venv2  : a 2.x MLflow (mlflow-skinny) for the old-reader compatibility test
# Usage: scripts/setup-test-env.sh        (run from anywhere; paths are repo-relative)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

MLFLOW_VERSION=${MLFLOW_VERSION:-3.18.0}
MLFLOW2_VERSION=${MLFLOW2_VERSION:-2.22.1}
PY=${PYTHON:-python3}

APT_PACKAGES="build-essential gcc g++ clang libclang-rt-14-dev cmake make pkg-config valgrind git
  libstb-dev libcurl4-openssl-dev libssl-dev libyaml-dev libcjson-dev locales python3-venv curl"

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

missing=""
for p in $APT_PACKAGES; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing apt packages:$missing"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $missing
fi

if ! locale -a 2>/dev/null | grep -qi '^fr_FR\.utf-\?8$'; then
  echo "setup: generating fr_FR.UTF-8 locale"
  $sudo_cmd localedef -i fr_FR -f UTF-8 fr_FR.UTF-8
fi

pip_q() { "$1/bin/pip" install -q --disable-pip-version-check "${@:2}"; }

venv_ok() {  # dir, wanted-stamp
  [ -x "$1/bin/python" ] && [ -f "$1/.mll-requirements" ] && [ "$(cat "$1/.mll-requirements")" = "$2" ]
}

# .venv: the judge. mlflow 3.18.0 pins mlflow-skinny==3.18.0 and
# mlflow-tracing==3.18.0; when the index we reach lacks those two (it did in
# Nov 2026), install 3.17.2's dependency closure and then the 3.18.0 wheel
# itself with --no-deps: that wheel carries the whole `mlflow` package.
want="mlflow==$MLFLOW_VERSION moto[server]==5.2.1 boto3 awscli"
if ! venv_ok "$repo/.venv" "$want"; then
  echo "setup: creating .venv ($want)"
  rm -rf "$repo/.venv"
  "$PY" -m venv "$repo/.venv"
  if ! pip_q "$repo/.venv" "mlflow==$MLFLOW_VERSION" 2>/dev/null; then
    echo "setup: mlflow-skinny/tracing $MLFLOW_VERSION not on the index; using the 3.17.2 dependency closure"
    pip_q "$repo/.venv" "mlflow==3.17.2"
    "$repo/.venv/bin/pip" uninstall -q -y mlflow mlflow-skinny mlflow-tracing
    pip_q "$repo/.venv" --no-deps "mlflow==$MLFLOW_VERSION"
  fi
  pip_q "$repo/.venv" "moto[server]==5.2.1" boto3 awscli
  echo "$want" > "$repo/.venv/.mll-requirements"
fi

# the sync tests run `mlflow server --app-name basic-auth`, which needs MLflow's [auth] extra
"$repo/.venv/bin/python" -c "import flask_wtf" 2>/dev/null || pip_q "$repo/.venv" "Flask-WTF<2"

want2="mlflow-skinny==$MLFLOW2_VERSION"
if ! venv_ok "$repo/.venv2" "$want2"; then
  echo "setup: creating .venv2 ($want2)"
  rm -rf "$repo/.venv2"
  "$PY" -m venv "$repo/.venv2"
  pip_q "$repo/.venv2" "$want2"
  echo "$want2" > "$repo/.venv2/.mll-requirements"
fi

"$repo/.venv/bin/python" -c "import mlflow; assert mlflow.__version__ == '$MLFLOW_VERSION', mlflow.__version__"
"$repo/.venv2/bin/python" -c "import mlflow; assert mlflow.__version__.startswith('2.'), mlflow.__version__"
echo "setup: ok (mlflow $MLFLOW_VERSION in .venv, mlflow-skinny $MLFLOW2_VERSION in .venv2)"
