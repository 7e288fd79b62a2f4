#!/usr/bin/env bash
# Installs everything the tests need, idempotently:
#   - Debian/Ubuntu packages (compilers, valgrind, libstb-dev, libcurl, OpenSSL (S3 MD5/SHA-256), libyaml, cJSON,
#     locales, man-db/groff (the man-page test), clang's runtime (libFuzzer), chromium (the report test of
#     `mlflow-lite report`: a headless browser opens the HTML file with the network off); gfortran and
#     Open MPI for the bindings stage; dpkg-dev (dpkg-shlibdeps) for the packaging stage)
#   - the platform stages' tools: cross compilers + qemu-user (aarch64, armhf, s390x), the
#     tool's -dev packages for arm64 (multiarch), mingw-w64 + wine, arm-none-eabi + newlib
#   - the fr_FR.UTF-8 locale (the locale-independence test fails without it)
#   - .venv   : MLflow 3.18.0 (the judge), moto server, boto3, awscli, psutil
#   - .venv2  : a 2.x MLflow (mlflow-skinny) for the old-reader compatibility test
#   - .venv22 : the full MLflow 2.22 (`mlflow server`, SQLite or file backend): the 2.x server peer
# Usage: scripts/setup-test-env.sh        (run from anywhere; paths are repo-relative)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

MLFLOW_VERSION=${MLFLOW_VERSION:-3.18.0}
MLFLOW2_VERSION=${MLFLOW2_VERSION:-2.22.1}
MLFLOW22_VERSION=${MLFLOW22_VERSION:-2.22.5}
PY=${PYTHON:-python3}

APT_PACKAGES="build-essential gcc g++ clang cmake make ninja-build pkg-config valgrind git
  libstb-dev libcurl4-openssl-dev libssl-dev libyaml-dev libcjson-dev locales python3-venv curl time
  man-db groff-base libclang-rt-14-dev gfortran openmpi-bin libopenmpi-dev dpkg-dev chromium"
# issue 13, the platform stages (scripts/stages/cross-*.sh, windows.sh, baremetal.sh):
# cross compilers and qemu-user for aarch64, armhf and s390x; the tool's libraries for arm64
# (multiarch, below); mingw-w64 and wine; arm-none-eabi with newlib
APT_PLATFORM_PACKAGES="file qemu-user gcc-aarch64-linux-gnu g++-aarch64-linux-gnu
  gcc-arm-linux-gnueabihf gcc-s390x-linux-gnu libc6-dev-arm64-cross libc6-dev-armhf-cross
  libc6-dev-s390x-cross gcc-mingw-w64-x86-64 wine wine64 gcc-arm-none-eabi libnewlib-arm-none-eabi"
APT_ARM64_PACKAGES="libcurl4-openssl-dev:arm64 libyaml-dev:arm64 libcjson-dev:arm64 libssl-dev:arm64"

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

install_missing() { # what, apt-get options ("" for none), packages...: only those not installed
  local what=$1 opts=$2 missing="" p
  shift 2
  for p in "$@"; do # dpkg-query, not dpkg -s: with arm64 added, "libcurl4-openssl-dev" is two packages
    case "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)" in
      ii*) ;;
      *) missing="$missing $p" ;;
    esac
  done
  [ -n "$missing" ] || return 0
  echo "setup: installing $what:$missing"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $opts $missing
}
install_missing "apt packages" "" $APT_PACKAGES
install_missing "the platform stages' packages" --no-install-recommends $APT_PLATFORM_PACKAGES

# the tool's -dev packages for the aarch64 cross build: Debian multiarch
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "setup: adding the arm64 architecture (multiarch)"
  $sudo_cmd dpkg --add-architecture arm64
  $sudo_cmd apt-get update -qq
fi
install_missing "arm64 packages" --no-install-recommends $APT_ARM64_PACKAGES

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

# the sysmetrics stage: MLflow's own system-metrics logging needs psutil, and the readers are
# compared with psutil's; pinned, since psutil's memory "used" has changed between versions
PSUTIL_VERSION=7.2.2
"$repo/.venv/bin/python" -c "import psutil, sys; sys.exit(psutil.__version__ != '$PSUTIL_VERSION')" 2>/dev/null ||
  pip_q "$repo/.venv" "psutil==$PSUTIL_VERSION"

want2="mlflow-skinny==$MLFLOW2_VERSION"
if ! venv_ok "$repo/.venv2" "$want2"; then
  echo "setup: creating .venv2 ($want2)"
  rm -rf "$repo/.venv2"
  "$PY" -m venv "$repo/.venv2"
  pip_q "$repo/.venv2" "$want2"
  echo "$want2" > "$repo/.venv2/.mll-requirements"
fi

# .venv22: a full MLflow 2.x that can run `mlflow server` (the 2.x server the sync tests also
# run against). Checked by starting it once when the venv is made (or with MLL_SETUP_CHECK_SERVERS=1).
# SQLAlchemy 2.1 removed FallbackAsyncAdaptedQueuePool, which 2.22's SQL store imports
# (its own pin allows <3): without the cap, `mlflow server` on SQLite dies at start-up.
want22="mlflow==$MLFLOW22_VERSION sqlalchemy<2.1"
made22=""
if ! venv_ok "$repo/.venv22" "$want22"; then
  echo "setup: creating .venv22 ($want22)"
  rm -rf "$repo/.venv22"
  "$PY" -m venv "$repo/.venv22"
  pip_q "$repo/.venv22" $want22
  echo "$want22" > "$repo/.venv22/.mll-requirements"
  made22=1
fi
if [ -n "$made22" ] || [ "${MLL_SETUP_CHECK_SERVERS:-}" = 1 ]; then
  echo "setup: checking that the MLflow $MLFLOW22_VERSION server starts"
  "$repo/.venv/bin/python" "$repo/tests/common/mlflow_server.py" --check "$repo/.venv22/bin/python"
fi

"$repo/.venv/bin/python" -c "import mlflow; assert mlflow.__version__ == '$MLFLOW_VERSION', mlflow.__version__"
"$repo/.venv2/bin/python" -c "import mlflow; assert mlflow.__version__.startswith('2.'), mlflow.__version__"
"$repo/.venv22/bin/python" -c "import mlflow; assert mlflow.__version__ == '$MLFLOW22_VERSION', mlflow.__version__"
echo "setup: ok (mlflow $MLFLOW_VERSION in .venv, mlflow-skinny $MLFLOW2_VERSION in .venv2, mlflow $MLFLOW22_VERSION in .venv22)"
