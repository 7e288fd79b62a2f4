/* tools/search_filter.h — MLflow's search_runs language: the --filter and
 * --order-by strings of `mlflow-lite runs` and `report`, parsed as MLflow 3.18's
 * SearchUtils parses them for its file store, and evaluated as its
 * _does_run_match_clause and sort() evaluate them.
 *
 * MLflow tokenizes a filter with sqlparse and then checks the tokens; the
 * lexer here follows sqlparse's rules for what can appear in a filter
 * (quoted strings with '' and \' inside, "symbols", `backquoted` names, its
 * number spellings, runs of <>=!~ as one comparison operator, the keywords it
 * treats specially), so that what MLflow accepts is accepted with the same
 * meaning and what it refuses is refused with its kind of message (the texts
 * of MlflowException are copied). A filter is a list of comparisons joined by
 * AND (OR, NOT and parentheses are refused, as MLflow refuses them):
 *
 *   metrics.acc > 0.9 AND params.lr = '0.01' AND tags.`mlflow.user` LIKE 'a%'
 *   attributes.status IN ('FINISHED', 'FAILED')      (only run_id takes IN)
 *   datasets.name = 'train'       params.opt IS NULL    start_time >= 1700000000000
 *
 * One deliberate difference: a comparator MLflow accepts when parsing but
 * refuses when it evaluates a run (metrics.a == 1, metrics.a <> 1,
 * params.a > 'x', NOT LIKE) is refused here at once; MLflow refuses it too, but
 * only when some run reaches that clause.
 *
 * The parsed structures own their strings; sf_filter_free/sf_order_free
 * release them. Nothing here reads a file: search_eval.c compares values
 * that runsel.c read through the SRC reader. */
#ifndef MLL_TOOLS_SEARCH_FILTER_H
#define MLL_TOOLS_SEARCH_FILTER_H

#include <stddef.h>

enum { SF_MAX_CLAUSES = 256, SF_MAX_FILTER_BYTES = 65536 };

typedef enum sf_kind { SF_METRIC = 1, SF_PARAM, SF_TAG, SF_ATTR, SF_DATASET } sf_kind;

typedef enum sf_op {
    SF_EQ = 1, SF_NE, SF_LT, SF_LE, SF_GT, SF_GE, SF_LIKE, SF_ILIKE, SF_IN, SF_NOT_IN, SF_IS_NULL, SF_NOT_NULL
} sf_op;

/* The run attributes MLflow searches and orders by (RunInfo's searchable and
   orderable attributes; "created" and "run name" are its aliases). */
typedef enum sf_attr {
    SF_A_NONE = 0, SF_A_RUN_ID, SF_A_RUN_NAME, SF_A_STATUS, SF_A_USER_ID, SF_A_ARTIFACT_URI, SF_A_START_TIME,
    SF_A_END_TIME
} sf_attr;

/* The dataset keys of datasets.<key>. */
typedef enum sf_dskey { SF_DS_NAME = 1, SF_DS_DIGEST, SF_DS_CONTEXT } sf_dskey;

typedef struct sf_clause {
    int kind;                          /* sf_kind */
    char *key;                         /* metric/param/tag key as MLflow reads it; attribute name after aliases */
    int attr;                          /* sf_attr for SF_ATTR, sf_dskey for SF_DATASET */
    int op;                            /* sf_op */
    char *str;                         /* string value (params, tags, string attributes, datasets) */
    double num;                        /* metrics and numeric attributes */
    char **list; size_t nlist;         /* IN / NOT IN, and = / != against a list (never true / always true) */
} sf_clause;

typedef struct sf_filter {
    sf_clause *v; size_t n;
} sf_filter;

typedef struct sf_order {
    int kind;                          /* SF_METRIC, SF_PARAM, SF_TAG or SF_ATTR */
    char *key;
    int attr;                          /* sf_attr for SF_ATTR */
    int ascending;
} sf_order;

/* Parses a filter. 0 with out filled (an empty string is no clause, as in
   MLflow), or -1 with err holding MLflow's kind of message ("Invalid clause(s)
   in filter string: 'OR'"). out is always safe to free. */
int sf_parse_filter(const char *text, sf_filter *out, char *err, size_t errn);
void sf_filter_free(sf_filter *f);

/* Parses one --order-by value: "metrics.acc DESC", "params.`a b`", "start_time".
   0, or -1 with err. */
int sf_parse_order(const char *text, sf_order *out, char *err, size_t errn);
void sf_order_free(sf_order *o);

/* ---- search_eval.c: what a run's values make of a clause or an order ----------------- */

/* One value of a run as MLflow's Run object holds it: absent (None), a string
   (params, tags, string attributes) or a number (metrics, start/end time). */
typedef struct sf_value {
    int present;
    int is_num;
    const char *s;
    double d;
} sf_value;

/* A dataset input of a run, for datasets.* clauses (context: the input's
   mlflow.data.context tag, NULL when it has none). */
typedef struct sf_dataset {
    const char *name, *digest, *context;
} sf_dataset;

/* _does_run_match_clause for every kind but datasets: 1 or 0. */
int sf_match(const sf_clause *c, const sf_value *v);
/* datasets.<key> against the run's dataset inputs (any of them matches). */
int sf_match_datasets(const sf_clause *c, const sf_dataset *d, size_t n);
/* MLflow's LIKE / ILIKE: % and _ over the characters of s, as its regular
   expression does (neither crosses a line break; a final "\n" is ignored at
   the end unless the pattern ends with %). 1 or 0. */
int sf_like(const char *s, const char *pattern, int icase);
/* The order of two runs by one --order-by clause, as MLflow's sort keys give
   it: values first (ascending or descending), then NaN, then absent. <0, 0, >0. */
int sf_order_cmp(const sf_order *o, const sf_value *a, const sf_value *b);

/* Names, for messages and --json. */
const char *sf_kind_name(int kind);      /* "metric", "parameter", "tag", "attribute", "dataset" */
const char *sf_attr_name(int attr);      /* "run_id", ... */
const char *sf_op_name(int op);          /* "=", "LIKE", "IS NULL", ... */

#endif
