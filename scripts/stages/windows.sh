#!/usr/bin/env bash
# Stage "windows": the header's Win32 backend, cross-compiled with mingw-w64 and run under
# wine: the portable unit tests (threads, printf with both engines), test_win32
# (the Win32 specifics), then MLflow 3.18 on the host reads what ran under wine: the folder
# test_win32 logged (after mapping the wine drive: /Z: -> /) and the numbers writer's
# points, bit for bit (tests/mlflow/numbers_check.py, unchanged). MSVC cannot run here.
# Not run: tests/unit/test_format.c, whose judge is the C runtime's strtod: mingw-w64 10's
# misreads 66 of the 2,098 neighbours of powers of two (e.g. "3.839223843572815e-239", which
# is Python's repr of 0x1.fffffffffffffp-793, comes back as 0x1p-792). The formatter is
# integer code, the same text on every platform; MLflow reads the numbers written under
# wine bit for bit (the numbers check below), which is the judge that matters.
#   windows.sh REPO BUILD
set -euo pipefail
repo=$1
work=$repo/build-windows
for t in x86_64-w64-mingw32-gcc x86_64-w64-mingw32-gcc-posix wine winepath; do
  command -v $t >/dev/null || { echo "FAIL: $t not installed (scripts/setup-test-env.sh)" >&2; exit 1; }
done
py=$repo/.venv/bin/python
export WINEPREFIX=$work/wineprefix WINEDEBUG=-all MLFLOW_ALLOW_FILE_STORE=true
rm -rf "$work/bin" "$work/run"; mkdir -p "$work/bin" "$work/run" "$work/inc"
ln -sfn /usr/include/stb "$work/inc/stb"
wine wineboot --init >/dev/null 2>&1 || { echo "FAIL: wine does not start (wineboot)" >&2; exit 1; }
W=(-std=c99 -O2 -Wall -Wextra -Wpedantic -Werror -Wvla -I"$repo" -I"$repo/tests" -isystem "$work/inc"
   -include "$repo/tests/cross/win_compat.h")
cc() { x86_64-w64-mingw32-gcc "${W[@]}" "$@"; }
x86_64-w64-mingw32-gcc-posix "${W[@]}" -pthread -static "$repo/tests/unit/test_threads.c" -o "$work/bin/test_threads.exe"
cc -DMLL_USE_STB_SPRINTF=1 "$repo/tests/platform/test_printf.c" -o "$work/bin/test_printf.exe"
cc -DMLL_USE_STB_SPRINTF=0 "$repo/tests/platform/test_printf.c" -o "$work/bin/test_printf_builtin.exe"
cc "$repo/tests/cross/test_win32.c" -o "$work/bin/test_win32.exe"
cc -D_POSIX_C_SOURCE=200809L "$repo/tests/mlflow/numbers_writer.c" -o "$work/bin/numbers_writer.exe"
failed=0
note() { echo "[windows] $*"; }
winrun() { # name, exe, args...: runs under wine, prints the last line
  local name=$1; shift
  if (cd "$work/run" && wine "$@") >"$work/run/$name.log" 2>&1; then note "$name: $(tail -1 "$work/run/$name.log" | tr -d '\r')"
  else note "$name FAILED:"; cat "$work/run/$name.log"; failed=1; fi
}
# TMPDIR stays a host path (wineserver needs one): the tests' "/work/..." folders are
# rooted on the current drive (Z:), which GetFullPathNameW resolves as Windows does
export TMPDIR=$work/run
winrun test_threads "$work/bin/test_threads.exe"
winrun test_printf "$work/bin/test_printf.exe"
winrun test_printf_builtin "$work/bin/test_printf_builtin.exe"
root=$work/run/mlruns-ü
winroot=$(winepath -w "$root")
winrun test_win32 "$work/bin/test_win32.exe" "$winroot"
run_id=$(sed -n 's/^run_id=\([0-9a-f]*\).*/\1/p' "$work/run/test_win32.log")
exp_id=$(sed -n 's/^exp_id=\([0-9]*\).*/\1/p' "$work/run/test_win32.log")
# map the wine drive: Z: is "/", so file:///Z:/x (what a Windows MLflow reads as Z:\x) -> /Z:/x
[ -e /Z: ] || ln -s / /Z: || { echo "FAIL: cannot map the wine drive (/Z: -> /)" >&2; exit 1; }
if "$py" "$repo/tests/cross/win_check.py" "$root" "$winroot" "$run_id" "$exp_id" >"$work/run/win_check.log" 2>&1
then note "$(tail -1 "$work/run/win_check.log")"; else note "win_check FAILED:"; cat "$work/run/win_check.log"; failed=1; fi
cat >"$work/bin/numbers_writer" <<WRAP
#!/bin/sh
# numbers_writer <root> <expected> <run-id-out>: the root as a Windows path for the header
root=\$(winepath -w "\$1"); shift
exec wine "$work/bin/numbers_writer.exe" "\$root" "\$@"
WRAP
chmod +x "$work/bin/numbers_writer"
if "$py" "$repo/tests/mlflow/numbers_check.py" --work "$work/run/numbers" --bin "writer=$work/bin/numbers_writer" --light \
     >"$work/run/numbers.log" 2>&1
then note "numbers: $(tail -1 "$work/run/numbers.log")"; else note "numbers FAILED:"; tail -30 "$work/run/numbers.log"; failed=1; fi
exit $failed
