# mlflow_lite.h's own parsers of untrusted input (issue 14): the YAML reader (meta.yaml of
# runs, experiments and models anyone may have written), key/name/id validation, URIs and
# paths, and reopening a run whose meta.yaml is the input (the whole door, on real files).
foreach(t header_yaml header_keys header_uri header_reopen)
  mll_add_fuzz(${t} INCLUDES ${PROJECT_SOURCE_DIR} LIBS Threads::Threads)
endforeach()
