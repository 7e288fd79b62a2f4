#!/usr/bin/env bash
# Stage "cross-armhf": the header on Linux armhf, built with Debian's cross compiler and run under
# qemu-user: unit tests, 64-bit offsets (lfs_check), and two interop folders read by MLflow
# 3.18 on the host (tests/cross/cross_linux.sh).   cross-armhf.sh REPO BUILD
set -euo pipefail
exec "$1/tests/cross/cross_linux.sh" "$1" "$1/build-cross-armhf" armhf
