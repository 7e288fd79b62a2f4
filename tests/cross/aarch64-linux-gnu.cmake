# CMake toolchain for Debian's aarch64 cross compiler and multiarch -dev packages
# (dpkg --add-architecture arm64; libcurl4-openssl-dev:arm64 ...). Test executables run
# under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
# Run-time prefix /, not /usr/aarch64-linux-gnu: with the arm64 multiarch packages installed
# the latter's loader would load /lib/aarch64-linux-gnu/libc.so.6 (libc6:arm64, another glibc
# build than the cross toolchain's loader) and every pthread_create hangs.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/)
# libraries from /usr/lib/aarch64-linux-gnu, headers from /usr/include (arch-independent)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
# stb_sprintf (libstb-dev) is a header in /usr/include, which Debian's cross compiler searches
# last, after its own C library. MLL_STB_INCLUDE_DIR (added with -isystem, which would put the
# host's /usr/include FIRST) is set to a folder the cross compiler searches anyway and that
# holds no C library headers; <stb/stb_sprintf.h> is then found in /usr/include, last.
if(NOT MLL_STB_INCLUDE_DIR AND EXISTS /usr/include/stb/stb_sprintf.h)
  set(MLL_STB_INCLUDE_DIR /usr/include/aarch64-linux-gnu CACHE PATH "stb_sprintf for the cross build")
endif()
