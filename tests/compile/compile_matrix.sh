#!/usr/bin/env bash
# Compiles the header every way the brief promises and runs what it built:
#   C99 with gcc and clang, C++11/17 with g++ and clang++, each with stb_sprintf on and off,
#   all with -Wall -Wextra -Wpedantic -Werror; two translation units linked; two MLL_STATIC
#   copies in one program; MLL_NO_THREADS; mlflow_lite.c. A missing compiler fails.
#   Platform cases (issue 13): the API program under strict POSIX.1-2008
#   (-D_POSIX_C_SOURCE=200809L, no _GNU_SOURCE: the proxy for macOS and the BSDs), and under
#   plain -std=c99 after <stdio.h> the header's own #error, never implicit declarations;
#   mlflow_lite.c under -std=c99 -pthread (glibc then sets _POSIX_C_SOURCE 199506); C++20.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
W="-Wall -Wextra -Wpedantic -Werror"
n=0
run_in_tmp() { (cd "$work" && rm -rf mlruns && echo "a: 1" > config.yaml && "$@" >/dev/null); }
for cc in gcc clang; do
  for stb in 0 1; do
    $cc -std=c99 -D_POSIX_C_SOURCE=200809L $W -DMLL_USE_STB_SPRINTF=$stb -I"$repo" "$here/issue_example.c" -o "$work/ex" -lpthread
    run_in_tmp "$work/ex"; n=$((n+1))
    $cc -std=c99 $W -DMLL_USE_STB_SPRINTF=$stb -I"$repo" -c "$here/tu_impl.c" -o "$work/impl.o"
    $cc -std=c99 $W -I"$repo" -c "$here/tu_user.c" -o "$work/user.o"
    $cc "$work/impl.o" "$work/user.o" -o "$work/two" -lpthread
    "$work/two"; n=$((n+1))
    $cc -std=c99 $W -I"$repo" "$here/tu_static_a.c" "$here/tu_static_b.c" -o "$work/st" -lpthread
    "$work/st"; n=$((n+1))
  done
  $cc -std=c99 $W -I"$repo" "$here/no_threads.c" -o "$work/nt"
  run_in_tmp "$work/nt"; n=$((n+1))
  $cc -std=c99 $W -I"$repo" -c "$repo/mlflow_lite.c" -o "$work/lib.o"; n=$((n+1))
  $cc -std=c99 -pthread $W -I"$repo" -c "$repo/mlflow_lite.c" -o "$work/lib.o"; n=$((n+1))
  $cc -std=c99 -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 $W -I"$repo" -c "$repo/mlflow_lite.c" -o "$work/lib.o"; n=$((n+1))
  # strict ISO C after a system header: POSIX is hidden, and the header says how to fix it
  if $cc -std=c99 -I"$repo" -c "$here/issue_example.c" -o "$work/bad.o" 2>"$work/err.txt"; then
    echo "FAIL: $cc -std=c99 issue_example.c compiled although POSIX is hidden" >&2; exit 1
  fi
  grep -q "POSIX.1-2008 declarations are hidden" "$work/err.txt" || { cat "$work/err.txt" >&2; exit 1; }
  n=$((n+1))
done
for cxx in g++ clang++; do
  for std in c++11 c++17 c++20; do
    for stb in 0 1; do
      $cxx -std=$std $W -DMLL_USE_STB_SPRINTF=$stb -I"$repo" "$here/cxx_example.cpp" -o "$work/cx" -lpthread
      run_in_tmp "$work/cx"; n=$((n+1))
    done
  done
done
echo "compile matrix: $n builds compiled and ran"
