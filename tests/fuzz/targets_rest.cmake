# Server answers (B): every JSON answer check of the REST layer and every S3
# XML answer parser. The sources are listed (not a library) so the libFuzzer
# builds instrument them for coverage.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(PkgConfig REQUIRED)
pkg_check_modules(MLL_FUZZ_REST_CJSON REQUIRED IMPORTED_TARGET libcjson)
get_filename_component(_rt ${CMAKE_CURRENT_LIST_DIR}/../../tools ABSOLUTE)
set(_rest_common ${_rt}/util.c ${_rt}/json.c ${_rt}/errors.c ${_rt}/msgs.c ${_rt}/config_env.c)
mll_add_fuzz(json_resp
  SOURCES ${_rt}/http.c ${_rt}/rest.c ${_rt}/rest_tracking.c ${_rt}/rest_run_data.c ${_rt}/rest_logged_models.c
          ${_rt}/rest_registry.c ${_rt}/artifacts.c ${_rt}/artifacts_mpu.c ${_rt}/artifacts_dbfs.c
          ${_rt}/s3.c ${_rt}/s3_multipart.c ${_rt}/s3_util.c ${_rt}/s3_xml.c ${_rt}/aws_config.c ${_rest_common}
  LIBS CURL::libcurl PkgConfig::MLL_FUZZ_REST_CJSON OpenSSL::Crypto Threads::Threads m
  INCLUDES ${_rt}
  DEFS MLL_HAVE_S3=1)
mll_add_fuzz(s3_xml
  SOURCES ${_rt}/s3.c ${_rt}/s3_multipart.c ${_rt}/s3_util.c ${_rt}/s3_xml.c ${_rt}/aws_config.c ${_rt}/http.c
          ${_rest_common}
  LIBS CURL::libcurl PkgConfig::MLL_FUZZ_REST_CJSON OpenSSL::Crypto Threads::Threads m
  INCLUDES ${_rt})
