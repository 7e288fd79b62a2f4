# `cpack -G DEB` in a build folder makes mlflow-lite_<version>_<arch>.deb from the install
# rules (cmake/install.cmake and tools/CMakeLists.txt): headers, Fortran module source,
# CMake package, pkg-config file, the mlflow-lite tool and its man page, installed
# under /usr. Its run-time dependencies (libcurl, libyaml, libcjson, libssl, libc) are
# found by dpkg-shlibdeps from the tool's binary. Needs MLL_BUILD_TOOLS=ON.
set(CPACK_PACKAGE_NAME "mlflow-lite")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "mlflow-lite")
set(CPACK_PACKAGE_CONTACT "mlflow-lite maintainers <mlflow-lite@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "log MLflow runs from C, C++ and Fortran into mlruns/, and sync them to a server")
set(CPACK_PACKAGE_DESCRIPTION
    "mlflow_lite.h is a header-only C99 library (with a C++17 layer, mlflow_lite.hpp, and a
Fortran module) that writes MLflow's on-disk file store without a server or Python.
The mlflow-lite tool uploads such folders to an MLflow tracking server, Databricks or S3.")
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "gfortran, libstb-dev, pkg-config, cmake")
include(CPack)
