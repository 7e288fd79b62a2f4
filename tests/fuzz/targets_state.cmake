# The sync state journal (A2): tools/state.c + tools/state_records.c.
find_package(PkgConfig REQUIRED)
pkg_check_modules(MLL_FUZZ_STATE_CJSON REQUIRED IMPORTED_TARGET libcjson)
set(_st ${PROJECT_SOURCE_DIR}/tools)
mll_add_fuzz(state
  SOURCES ${_st}/state.c ${_st}/state_records.c ${_st}/state_table.c ${_st}/json.c ${_st}/util.c ${_st}/errors.c ${_st}/msgs.c
  LIBS PkgConfig::MLL_FUZZ_STATE_CJSON Threads::Threads m
  INCLUDES ${_st})
