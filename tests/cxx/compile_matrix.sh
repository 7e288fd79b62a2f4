#!/usr/bin/env bash
# The issue's C++ program (issue_example.cpp), unchanged, with g++ and clang++ under
# -std=c++17 and -std=c++20 and -Wall -Wextra -Wpedantic -Werror; then MLflow 3.18.0
# judges what each build wrote (cxx_check.py). Every variant is tried; any that does not
# compile (or a missing compiler) fails the test.
#   usage: compile_matrix.sh <python with MLflow 3.18.0> <work folder>
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=$1
work=$2
mkdir -p "$work"
bins=()
failed=()
for cxx in g++ clang++; do
  for std in c++17 c++20; do
    exe="$work/issue-$cxx-$std"
    echo "compile: $cxx -std=$std -Wall -Wextra -Wpedantic -Werror issue_example.cpp"
    if "$cxx" -std=$std -Wall -Wextra -Wpedantic -Werror -I"$repo" "$here/issue_example.cpp" -o "$exe" -pthread; then
      bins+=(--bin "$cxx-$std=$exe")
    else
      failed+=("$cxx -std=$std")
    fi
  done
done
rc=0
if [ "${#bins[@]}" -gt 0 ]; then
  "$python" "$here/cxx_check.py" --work "$work/runs" "${bins[@]}" || rc=1
fi
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'FAIL: did not compile: %s\n' "${failed[@]}"
  rc=1
fi
exit $rc
