# mll_fortran_target(<name> <dir>): a static library from the Fortran module
# <dir>/mlflow_lite.f90 and its C half <dir>/mlflow_lite_fortran.c (which carries its own
# MLL_STATIC copy of the implementation). Programs that link it `use mlflow_lite`: the
# module file is built into <build>/<name>_modules and put on their include path.
# Used by the source tree (CMakeLists.txt) and by the installed package
# (mlflow_lite-config.cmake), so both build the binding the same way. Needs the C and
# Fortran languages enabled and the target mlflow_lite::mlflow_lite (for mlflow_lite.h).
function(mll_fortran_target name dir)
  add_library(${name} STATIC "${dir}/mlflow_lite.f90" "${dir}/mlflow_lite_fortran.c")
  set(mod_dir "${CMAKE_CURRENT_BINARY_DIR}/${name}_modules")
  set_target_properties(${name} PROPERTIES
    Fortran_MODULE_DIRECTORY "${mod_dir}"
    C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF
    POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name} PUBLIC "$<BUILD_INTERFACE:${mod_dir}>")
  target_link_libraries(${name} PUBLIC mlflow_lite::mlflow_lite)
endfunction()
