#!/usr/bin/env bash
# The main job: build the header's demo and the mlflow-lite tool, run the demo, which
# logs a run into ./mlruns (the directory you run this from), and write that run's
# report: one HTML file you open in a browser, no server, no Python, no network.
# Installs a C compiler, CMake and the tool's libraries (libcurl, libyaml, cJSON,
# OpenSSL) from the distribution when they are missing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(build-essential)
command -v pkg-config >/dev/null || need+=(pkg-config)
for pc in libcurl:libcurl4-openssl-dev yaml-0.1:libyaml-dev libcjson:libcjson-dev libcrypto:libssl-dev; do
  pkg-config --exists "${pc%%:*}" 2>/dev/null || need+=("${pc#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi
build="$repo/build-demo"
cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMLL_BUILD_TESTS=OFF \
      -DMLL_BUILD_TOOLS=ON -DMLL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target demo mlflow-lite -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
"$build/examples/demo"
# the newest run of the demo's experiment is the one just logged
report="$PWD/mlruns-demo-report.html"
"$build/tools/mlflow-lite" --silent report ./mlruns -e mlflow-lite-demo --max 1 --title "mlflow-lite demo run" \
  -o "$report" >/dev/null
echo "the demo run, as a web page (open it in any browser, no server needed):"
echo "  file://$report"
