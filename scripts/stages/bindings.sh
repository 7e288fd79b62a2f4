#!/usr/bin/env bash
# Stage "bindings": mlflow_lite.hpp, the Fortran module and the MPI examples, judged by MLflow 3.18.
# Builds its own folder (build-bindings: only the library targets and tests/cxx,
# tests/fortran, tests/mpi) and runs their ctest tests (labels cxx, fortran, mpi):
#   cxx_api, cxx_noalloc, cxx_issue_matrix (g++/clang++ x -std=c++17/c++20),
#   fortran_codes, fortran_mlflow, fortran_api_asan, mpi_mlflow (mpirun -np 4).
# A missing g++, clang++, gfortran, Open MPI or MLflow fails.
# usage: bindings.sh REPO BUILD   (BUILD is not used: this stage builds its own)
set -euo pipefail
repo=$1
work="$repo/build-bindings"
jobs=$(nproc 2>/dev/null || echo 2)
export TMPDIR="$work/tmp" MLFLOW_ALLOW_FILE_STORE=true
mkdir -p "$TMPDIR"
cmake -S "$repo" -B "$work" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMLL_BUILD_BINDING_TESTS=ON \
  -DMLL_BUILD_TOOLS=OFF -DMLL_BUILD_EXAMPLES=OFF -DMLL_BUILD_BENCH=OFF -DMLL_BUILD_TESTS=OFF \
  -DMLL_INSTALL=OFF -DMLL_PYTHON="$repo/.venv/bin/python" >/dev/null
cmake --build "$work" -j"$jobs"
ctest --test-dir "$work" --output-on-failure -j"$jobs" -L 'cxx|fortran|mpi'
