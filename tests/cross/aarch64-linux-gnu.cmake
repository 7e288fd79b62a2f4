# CMake toolchain for Debian's aarch64 cross compiler and multiarch -dev packages
# (dpkg --add-architecture arm64; libcurl4-openssl-dev:arm64 ...). Test executables run
# under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/aarch64-linux-gnu)
# libraries from /usr/lib/aarch64-linux-gnu, headers from /usr/include (arch-independent)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# stb_sprintf (libstb-dev, a header): from a folder holding only stb/, so that -isystem does
# not put the host's /usr/include before the cross C library's headers
if(NOT MLL_STB_INCLUDE_DIR AND EXISTS /usr/include/stb/stb_sprintf.h)
  file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/cross-stb)
  if(NOT EXISTS ${CMAKE_BINARY_DIR}/cross-stb/stb)
    file(CREATE_LINK /usr/include/stb ${CMAKE_BINARY_DIR}/cross-stb/stb SYMBOLIC)
  endif()
  set(MLL_STB_INCLUDE_DIR ${CMAKE_BINARY_DIR}/cross-stb CACHE PATH "stb_sprintf for the cross build")
endif()
