# The SRC reader (A1): meta.yaml (pre-scan + libyaml + tree) and metric lines.
# No INCLUDES: the targets include tools/src_int.h by relative path, because
# "-I tools" would let the old tools/yaml.h hide libyaml's <yaml.h>.
find_package(PkgConfig REQUIRED)
pkg_check_modules(MLL_FUZZ_SRC_YAML REQUIRED IMPORTED_TARGET yaml-0.1)
pkg_check_modules(MLL_FUZZ_SRC_CJSON REQUIRED IMPORTED_TARGET libcjson)
set(_src ${PROJECT_SOURCE_DIR}/tools)
set(_src_reader ${_src}/src_fs.c ${_src}/src_yaml_scan.c ${_src}/src_yaml_types.c ${_src}/src_yaml.c
    ${_src}/src_store.c ${_src}/src_metric.c ${_src}/util.c ${_src}/json.c ${_src}/errors.c ${_src}/msgs.c)
mll_add_fuzz(yaml SOURCES ${_src_reader}
  LIBS PkgConfig::MLL_FUZZ_SRC_YAML PkgConfig::MLL_FUZZ_SRC_CJSON Threads::Threads m)
mll_add_fuzz(metric_line SOURCES ${_src_reader}
  LIBS PkgConfig::MLL_FUZZ_SRC_YAML PkgConfig::MLL_FUZZ_SRC_CJSON Threads::Threads m)
