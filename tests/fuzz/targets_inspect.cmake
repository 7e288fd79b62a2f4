# The inspect commands (issue 12): MLflow's search_runs filter and order-by language.
set(_ins ${PROJECT_SOURCE_DIR}/tools)
mll_add_fuzz(search_filter
  SOURCES ${_ins}/search_lex.c ${_ins}/search_filter.c ${_ins}/search_eval.c ${_ins}/util.c
  INCLUDES ${_ins} LIBS m)
