#!/usr/bin/env bash
# Stage "baremetal": arm-none-eabi-gcc (Cortex-M4, newlib-nano, -Os) builds the bare-metal
# example (examples/baremetal_ramdisk.c: MLL_NO_THREADS, MLL_NO_DEFAULT_FS, MLL_NO_STDIO,
# MLL_NO_REGISTRY) as one file, and again with the header in its own object, linked with
# --gc-sections; tests/platform/size_budget.py then reports the header's .text/.data/.bss
# in the firmware and fails past the budget (32 KiB of code). The same hooks run on the host
# in ctest (unit_test_ramdisk, mlflow_baremetal_ramdisk).
#   baremetal.sh REPO BUILD
set -euo pipefail
repo=$1
work=$repo/build-baremetal
command -v arm-none-eabi-gcc >/dev/null || { echo "FAIL: arm-none-eabi-gcc not installed (scripts/setup-test-env.sh)" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work"
A=(-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -ffunction-sections -fdata-sections
   -std=c99 -Wall -Wextra -Wpedantic -Werror -I"$repo")
L=(-specs=nano.specs -specs=nosys.specs -Wl,--gc-sections)
# newlib's nosys stubs warn at link time that they always fail (the board supplies them)
quiet() { grep -v 'is not implemented and will always fail' || true; }
# 1. as a user builds it: one file
arm-none-eabi-gcc "${A[@]}" "$repo/examples/baremetal_ramdisk.c" "${L[@]}" -o "$work/fw_onefile.elf" 2>&1 | quiet
# 2. the header in its own object, to measure it
cat >"$work/impl.c" <<'C'
#define MLL_NO_THREADS
#define MLL_NO_DEFAULT_FS
#define MLL_NO_STDIO
#define MLL_NO_REGISTRY
#define MLL_USE_STB_SPRINTF 0
#define MLL_MAX_HANDLES 8
#define MLL_MAX_STORES 2
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
C
arm-none-eabi-gcc "${A[@]}" -c "$work/impl.c" -o "$work/impl.o"
arm-none-eabi-gcc "${A[@]}" -DMLFLOW_LITE_IMPLEMENTATION_INCLUDED -c "$repo/examples/baremetal_ramdisk.c" -o "$work/app.o"
arm-none-eabi-gcc "${A[@]}" "$work/app.o" "$work/impl.o" "${L[@]}" -Wl,-Map="$work/fw.map" -o "$work/fw.elf" 2>&1 | quiet
# 3. with the model registry too (short enums there: -Wtype-limits catches checks of enum ranges)
grep -v '^#define MLL_NO_REGISTRY$' "$work/impl.c" >"$work/impl_registry.c"
arm-none-eabi-gcc "${A[@]}" -c "$work/impl_registry.c" -o "$work/impl_registry.o"
echo "whole firmware (header, example, newlib-nano, startup):"
arm-none-eabi-size "$work/fw.elf" "$work/fw_onefile.elf"
echo "header object alone (every public function, no --gc-sections):"
arm-none-eabi-size "$work/impl.o"
echo "header object alone with the model registry:"
arm-none-eabi-size "$work/impl_registry.o"
python3 "$repo/tests/platform/size_budget.py" "$work/fw.map" impl.o app.o
