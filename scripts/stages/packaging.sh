#!/usr/bin/env bash
# Stage "packaging": an installed mlflow-lite consumed the way users do, judged by MLflow 3.18.
#   1. cmake --install BUILD --prefix <tmp>: the files are where the package says;
#      tests/consumers/consumers_check.py --prefix: find_package (C, C++, version file),
#      a Fortran CMake project, a pkg-config Makefile, add_subdirectory, FetchContent from
#      a local source tarball, the bare `cc -I. main.c` drop-in, the tool and its man page;
#      every program's run read back by MLflow; the README's C, C++, Fortran and MPI
#      examples built and run with the one command the README gives for each.
#   2. cpack -G DEB: the .deb holds every file and declares libcurl/libyaml/libcjson;
#      dpkg -i it into THIS MACHINE (under /usr), run consumers_check.py --system (default
#      search paths, `man mlflow-lite`), then dpkg --purge it, also when a step failed.
#      dpkg runs under dpkg's own frontend lock (tests/consumers/dpkg_locked.py), so it
#      waits for any concurrent apt/dpkg instead of colliding with it.
# usage: packaging.sh REPO BUILD   (BUILD: the main build, configured with the tools on)
set -uo pipefail
repo=$1
build=$2
work="$repo/build-packaging"
py="$repo/.venv/bin/python"
export MLFLOW_ALLOW_FILE_STORE=true PYTHONDONTWRITEBYTECODE=1
rm -rf "$work" && mkdir -p "$work"
export TMPDIR="$work/tmp" && mkdir -p "$TMPDIR"
failed=()
step() { # name, command...: runs it, remembers a failure, goes on
  local name=$1 t0=$SECONDS; shift
  echo "== packaging: $name"
  if "$@"; then echo "== packaging: $name: ok ($((SECONDS - t0)) s)"
  else echo "== packaging: $name: FAILED ($((SECONDS - t0)) s)"; failed+=("$name"); fi
}

# ---- 1. cmake --install to a prefix, and the consumers ------------------------------
prefix="$work/prefix"
step "cmake --install" cmake --install "$build" --prefix "$prefix"
expect_files() { # root, then paths below it that must exist
  local root=$1 f rc=0; shift
  for f in "$@"; do [ -e "$root/$f" ] || { echo "missing after install: $root/$f"; rc=1; }; done
  return $rc
}
installed=(include/mlflow_lite.h include/mlflow_lite.hpp
  share/mlflow_lite/fortran/mlflow_lite.f90 share/mlflow_lite/fortran/mlflow_lite_fortran.c
  share/cmake/mlflow_lite/mlflow_lite-config.cmake share/cmake/mlflow_lite/mlflow_lite-config-version.cmake
  share/cmake/mlflow_lite/mlflow_lite-targets.cmake share/pkgconfig/mlflow_lite.pc bin/mlflow-lite)
step "installed files" expect_files "$prefix" "${installed[@]}"
step "consumers of the prefix" "$py" "$repo/tests/consumers/consumers_check.py" --work "$work/consumers" \
  --prefix "$prefix"
step "README examples (C, C++, Fortran, MPI)" "$py" "$repo/tests/consumers/readme_check.py" --work "$work/readme"

# ---- 2. the .deb, installed into this machine and purged ------------------------------
deb_check() { # the package's files and declared dependencies
  local deb=$1 listing depends rc=0 f
  listing=$(dpkg-deb -c "$deb") || return 1
  for f in "${installed[@]}" share/man/man1/mlflow-lite.1; do
    grep -Eq "\./usr/$f(\.gz)?\$" <<<"$listing" || { echo "the .deb lacks /usr/$f"; rc=1; }
  done
  depends=$(dpkg-deb -f "$deb" Depends) || return 1
  echo "Depends: $depends"
  for d in libcurl libyaml libcjson; do
    grep -q "$d" <<<"$depends" || { echo "the .deb does not declare a dependency on $d"; rc=1; }
  done
  return $rc
}
step "cpack -G DEB" cpack -G DEB -B "$work/deb" --config "$build/CPackConfig.cmake"
deb=$(ls "$work"/deb/mlflow-lite_*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  failed+=("no .deb was made")
else
  step ".deb contents and dependencies" deb_check "$deb"
  if dpkg -s mlflow-lite >/dev/null 2>&1; then
    echo "mlflow-lite is already installed on this machine; not replacing it (dpkg --purge mlflow-lite first)"
    failed+=("dpkg -i (mlflow-lite already installed)")
  else
    dpkg_locked=("$py" "$repo/tests/consumers/dpkg_locked.py" --)
    purge() { "${dpkg_locked[@]}" dpkg --purge mlflow-lite >/dev/null; }
    trap purge EXIT
    if step "dpkg -i" "${dpkg_locked[@]}" dpkg -i "$deb"; then
      step "consumers of the installed .deb" "$py" "$repo/tests/consumers/consumers_check.py" \
        --work "$work/system" --system
    fi
    step "dpkg --purge" purge
    trap - EXIT
    step "nothing left after purge" bash -c '! dpkg -s mlflow-lite >/dev/null 2>&1 && [ ! -e /usr/include/mlflow_lite.h ] && [ ! -e /usr/bin/mlflow-lite ]'
  fi
fi

if [ "${#failed[@]}" -gt 0 ]; then
  printf 'packaging: FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "packaging: ok"
