# What `cmake --install` puts where (and so what the .deb holds):
#   include/mlflow_lite.h, include/mlflow_lite.hpp
#   share/mlflow_lite/fortran/mlflow_lite.f90, mlflow_lite_fortran.c   (compiled by the user's build)
#   share/cmake/mlflow_lite/   find_package(mlflow_lite 0.2 CONFIG): targets mlflow_lite::mlflow_lite
#                              and mlflow_lite::fortran, version file (same 0.minor accepted)
#   share/pkgconfig/mlflow_lite.pc
# plus what tools/CMakeLists.txt installs: bin/mlflow-lite and its man page (the tool owns
# its man page, generated from the same option table as --help).
# The library is header-only, so everything here is architecture-independent (share/).
include(CMakePackageConfigHelpers)
set(MLL_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/cmake/mlflow_lite")
set(MLL_INSTALL_FORTRANDIR "${CMAKE_INSTALL_DATADIR}/mlflow_lite/fortran")
set(MLL_INSTALL_PCDIR "${CMAKE_INSTALL_DATADIR}/pkgconfig")
set(_mll_gen "${PROJECT_BINARY_DIR}/mlflow_lite-package")

install(FILES "${PROJECT_SOURCE_DIR}/mlflow_lite.h" "${PROJECT_SOURCE_DIR}/mlflow_lite.hpp"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" COMPONENT dev)
install(FILES "${PROJECT_SOURCE_DIR}/mlflow_lite.f90" "${PROJECT_SOURCE_DIR}/mlflow_lite_fortran.c"
        DESTINATION "${MLL_INSTALL_FORTRANDIR}" COMPONENT dev)

install(TARGETS mlflow_lite EXPORT mlflow_lite-targets COMPONENT dev)
install(EXPORT mlflow_lite-targets NAMESPACE mlflow_lite:: DESTINATION "${MLL_INSTALL_CMAKEDIR}"
        COMPONENT dev)
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/mlflow_lite-config.cmake.in"
  "${_mll_gen}/mlflow_lite-config.cmake"
  INSTALL_DESTINATION "${MLL_INSTALL_CMAKEDIR}" PATH_VARS MLL_INSTALL_FORTRANDIR)
# 0.x: a new minor version may change the API, so find_package(mlflow_lite 0.2) takes 0.2.*
write_basic_package_version_file("${_mll_gen}/mlflow_lite-config-version.cmake"
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES "${_mll_gen}/mlflow_lite-config.cmake" "${_mll_gen}/mlflow_lite-config-version.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/mlflow_lite_fortran.cmake"
        DESTINATION "${MLL_INSTALL_CMAKEDIR}" COMPONENT dev)

# pkg-config: the prefix is only known when installing (cmake --install --prefix, cpack),
# so the .pc file is written then, from a template with everything else filled in now.
set(MLL_PC_PREFIX "@MLL_PC_PREFIX@")
configure_file("${PROJECT_SOURCE_DIR}/cmake/mlflow_lite.pc.in" "${_mll_gen}/mlflow_lite.pc.in" @ONLY)
install(CODE "set(MLL_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${_mll_gen}/mlflow_lite.pc.in\" \"${_mll_gen}/mlflow_lite.pc\" @ONLY)"
  COMPONENT dev)
install(FILES "${_mll_gen}/mlflow_lite.pc" DESTINATION "${MLL_INSTALL_PCDIR}" COMPONENT dev)
unset(_mll_gen)
