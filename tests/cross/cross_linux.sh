#!/usr/bin/env bash
# One Linux target other than x86_64, built with Debian's cross compiler and run under
# qemu-user: the header's unit tests, the 64-bit-offset check (lfs_check.c), and two interop
# writers whose folders MLflow 3.18 on the host then reads field by field, bit for bit
# (tests/mlflow/rt_check.py and numbers_check.py, unchanged).
#   cross_linux.sh REPO WORK ARCH [--no-unit]      ARCH: aarch64 | armhf | s390x
# --no-unit: the unit tests run elsewhere (the aarch64 stage runs them with the tool's
# through ctest in its CMake cross build).
# A missing cross compiler, qemu or MLflow is a failure, never a skip.
set -euo pipefail
repo=$1 work=$2 arch=$3 unit=${4:-}
# abi: flags for the unit tests and writers. On armhf they use 64-bit off_t and time_t, the
# ABI Debian builds armhf with since 2024 (and what the unit harness's own readdir needs);
# the header's behaviour under the default 32-bit offsets is what lfs_check tests.
abi=""
case "$arch" in
  # aarch64's run-time prefix is /: the arm64 multiarch packages (the tool's -dev libraries)
  # install libc6:arm64 in /lib/aarch64-linux-gnu, which the loader of /usr/aarch64-linux-gnu
  # (the cross toolchain's, another glibc build) would pair with; a loader and a libc of two
  # builds hang in pthread_create. The multiarch loader in / matches its libc.
  aarch64) triple=aarch64-linux-gnu qemu=qemu-aarch64 prefix=/ ;;
  armhf) triple=arm-linux-gnueabihf qemu=qemu-arm abi="-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64" ;;
  s390x) triple=s390x-linux-gnu qemu=qemu-s390x ;;
  *) echo "cross_linux.sh: unknown arch $arch" >&2; exit 2 ;;
esac
cc=$triple-gcc
for t in "$cc" "$qemu"; do
  command -v "$t" >/dev/null || { echo "FAIL: $t not installed (scripts/setup-test-env.sh installs it)" >&2; exit 1; }
done
py=$repo/.venv/bin/python
"$py" -c 'import mlflow' || { echo "FAIL: MLflow (.venv) missing" >&2; exit 1; }
rm -rf "$work"; mkdir -p "$work/inc" "$work/tmp"
export TMPDIR=$work/tmp MLFLOW_ALLOW_FILE_STORE=true
# stb_sprintf is a header: the cross builds use the host's copy (libstb-dev), nothing else
ln -s /usr/include/stb "$work/inc/stb"
prefix=${prefix:-/usr/$triple}
run() { "$qemu" -L "$prefix" "$@"; }
# fr_FR.UTF-8 for the locale tests, compiled for the target's byte order: the host's
# locale archive is little-endian, which big-endian glibc (s390x) cannot read
if [ "$arch" = s390x ]; then
  mkdir -p "$work/locale"
  localedef --big-endian -i fr_FR -f UTF-8 "$work/locale/fr_FR.UTF-8" 2>/dev/null || [ -d "$work/locale/fr_FR.UTF-8" ] ||
    { echo "FAIL: localedef --big-endian fr_FR.UTF-8" >&2; exit 1; }
  export LOCPATH=$work/locale
fi
W="-Wall -Wextra -Wpedantic -Werror"
CF="-std=c99 -O2 $W $abi -I$repo -I$repo/tests -isystem $work/inc -pthread"
failed=0
note() { echo "[$arch] $*"; }

# 1. unit tests (format with fewer random doubles: qemu is ~10x slower)
for src in "$repo"/tests/unit/test_*.c "$repo"/tests/platform/test_printf.c; do
  [ "$unit" = --no-unit ] && break
  name=$(basename "$src" .c)
  $cc $CF "$src" -o "$work/$name" -lm
  args=""; [ "$name" = test_format ] && args=200000
  if run "$work/$name" $args >"$work/$name.log" 2>&1; then note "$name: $(tail -1 "$work/$name.log")"
  else note "$name FAILED:"; cat "$work/$name.log"; failed=1; fi
done
if [ "$unit" != --no-unit ]; then # the printf test again with the libc engine
  $cc $CF -DMLL_USE_STB_SPRINTF=0 "$repo/tests/platform/test_printf.c" -o "$work/test_printf_builtin"
  if run "$work/test_printf_builtin" >"$work/test_printf_builtin.log" 2>&1; then note "test_printf_builtin: $(tail -1 "$work/test_printf_builtin.log")"
  else note "test_printf_builtin FAILED:"; cat "$work/test_printf_builtin.log"; failed=1; fi
fi

# 2. 64-bit offsets: reopen by id (readdir) and a >4 GiB metric file with a torn tail
lfs_variant() { # name, extra flags
  local name=$1 root=$work/lfs-$1 id f size; shift
  $cc -std=c99 -O2 $W -I"$repo" "$@" "$repo/tests/cross/lfs_check.c" -o "$work/lfs_$name" -pthread
  id=$(run "$work/lfs_$name" "$root" start)
  f=$(ls -d "$root"/*/"$id")/metrics/big
  truncate -s 4500000000 "$f"; printf '\n1700000000000 9.9' >>"$f"   # sparse, torn last line
  size=$(stat -c %s "$f")
  run "$work/lfs_$name" "$root" reopen "$id"
  # the torn 17 bytes were cut (ftruncate past 4 GiB) and the new line appended right there
  [ "$(stat -c %s "$f")" = $((size - 17 + 20)) ] || { echo "size $(stat -c %s "$f"), expected $((size - 17 + 20))"; return 1; }
  [ "$(tail -c 21 "$f" | od -An -c | tr -d ' \n')" = '\n17000000000012.52\n' ] || { echo "tail: $(tail -c 30 "$f" | od -c)"; return 1; }
}
for v in "default" "fob64:-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64" "fob32:-D_FILE_OFFSET_BITS=32"; do
  name=${v%%:*}; flags=""; [ "$v" != "$name" ] && flags=${v#*:}
  if lfs_variant "$name" $flags >"$work/lfs_$name.log" 2>&1; then note "lfs_check ($name): ok"
  else note "lfs_check ($name) FAILED:"; cat "$work/lfs_$name.log"; failed=1; fi
done

# 3. interop: the writers run under qemu, MLflow reads their folders on the host
wrap() { # name, binary: a script the check scripts can exec; /proc/self/exe is the binary
  cat >"$work/$1" <<WRAP
#!/bin/sh
export MLT_EXPECT_SOURCE=$2
exec $qemu -L $prefix $2 "\$@"
WRAP
  chmod +x "$work/$1"
}
for w in rt numbers; do
  $cc $CF -D_POSIX_C_SOURCE=200809L "$repo/tests/mlflow/${w}_writer.c" -o "$work/${w}_writer.bin" -lm
  wrap "${w}_writer" "$work/${w}_writer.bin"
done
chk() { # label, driver, args...
  local label=$1; shift
  if "$py" "$repo/tests/mlflow/$1" --work "$work/check-$label" --python2="$repo/.venv2/bin/python" "${@:2}" >"$work/$label.log" 2>&1
  then note "$label: $(grep -E 'passed|checks' "$work/$label.log" | tail -1)"
  else note "$label FAILED:"; tail -40 "$work/$label.log"; failed=1; fi
}
chk roundtrip rt_check.py --bin "rt_writer=$work/rt_writer"
chk numbers numbers_check.py --bin "writer=$work/numbers_writer" --light
exit $failed
