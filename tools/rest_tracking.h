/* tools/rest_tracking.h — MLflow tracking endpoints: experiments and runs
 * (rest_tracking.c), log-batch, inputs, outputs and metric history
 * (rest_run_data.c), LoggedModels (rest_logged_models.c). Each wrapper
 * builds its body with json.h, calls rest_call(), and checks the fields it
 * needs before returning them as owned structs. Return: 0, otherwise the
 * EXIT_* class with *e filled; lookups (marked "1, 0, or -class") return 1
 * found, 0 absent (MLflow said RESOURCE_DOES_NOT_EXIST), or minus the class.
 *
 * Every search by a marker value (runs, LoggedModels) quotes the value so
 * that MLflow's filter parser reads it exactly whatever it holds (a run id
 * like it's is found, not refused; see rest_eq_filter) and compares each
 * match with the value again before returning it.
 *
 * The rest_parse_* functions are the answer checks without I/O, for the
 * tests and tests/fuzz/fuzz_json_resp.c: each takes the answer object from
 * rest_check_answer() and returns 0 or EXIT_REJECTED with *e filled; `write`
 * says whether the answer is to a create (a create whose answer cannot be
 * read comes back ambiguous). */
#ifndef MLL_TOOLS_REST_TRACKING_H
#define MLL_TOOLS_REST_TRACKING_H

#include "rest.h"

/* ---- experiments (rest_tracking.c) ---- */
typedef struct rest_exp {
    char *id, *name;
    int deleted;
} rest_exp;
void rest_exp_free(rest_exp *x);
int rest_exp_get_by_name(const rest_ctx *c, const char *name, rest_exp *out, rest_err *e);   /* 1, 0, or -class */
int rest_exp_create(const rest_ctx *c, const char *name, const kvlist *tags, char **id, rest_err *e);
int rest_exp_restore(const rest_ctx *c, const char *id, rest_err *e);
int rest_exp_set_tag(const rest_ctx *c, const char *id, const char *key, const char *value, rest_err *e);
int rest_parse_exp_get(const cJSON *answer, rest_exp *out, rest_err *e);          /* {"experiment":{...}} */
int rest_parse_exp_create(const cJSON *answer, char **id, rest_err *e);           /* {"experiment_id":"1"} */

/* ---- runs ---- */
typedef struct rest_run {
    char *id, *artifact_uri, *experiment_id;
    int deleted;
    int status;                        /* src_status numbering, 0 unknown */
    long long start_time, end_time;    /* -1 when absent */
} rest_run;
void rest_run_free(rest_run *r);
void rest_runs_free(rest_run *v, size_t n);

typedef struct rest_run_create_req {
    const char *experiment_id, *user_id, *run_name;
    long long start_time;
    const kvlist *tags;                /* includes the marker tag */
} rest_run_create_req;
int rest_run_create(const rest_ctx *c, const rest_run_create_req *q, rest_run *out, rest_err *e);
/* Runs of one experiment whose tag `key` equals `value` (value is quoted
   safely; any byte is allowed). view: "ALL" or "ACTIVE_ONLY". */
int rest_run_search_by_tag(const rest_ctx *c, const char *exp_id, const char *key, const char *value,
                           const char *view, rest_run **out, size_t *n, rest_err *e);
int rest_run_get(const rest_ctx *c, const char *run_id, rest_run *out, rest_err *e);
int rest_run_update(const rest_ctx *c, const char *run_id, const char *status, long long end_time /* -1 none */,
                    const char *run_name /* NULL none */, rest_err *e);
int rest_run_delete(const rest_ctx *c, const char *run_id, rest_err *e);
int rest_run_restore(const rest_ctx *c, const char *run_id, rest_err *e);
int rest_run_delete_tag(const rest_ctx *c, const char *run_id, const char *key, rest_err *e);   /* gone = done */
/* {"run":{"info":{...}}} (runs/create, runs/get) */
int rest_parse_run(const cJSON *answer, int write, rest_run *out, rest_err *e);
/* one page of runs/search: matches appended to *v (n counted), *token = next page or NULL */
int rest_parse_run_search(const cJSON *answer, const char *key, const char *value, rest_run **v, size_t *n,
                          char **token, rest_err *e);
int rest_parse_run_update(const cJSON *answer, const char *run_id, rest_err *e);

/* log-batch. The builder keeps each request within MLflow's limits (<= 1000
   items, <= 1000 metrics, <= 100 params, <= 100 tags, < 1 MB body):
   rest_batch_add_* return 0 (added), 1 when the item does not fit (send the
   batch, rest_batch_reset, add again) or -1 out of memory. An empty batch
   takes any one item, however large: the server judges it. rest_log_batch
   repeats a request only when it cannot have arrived (REST_RETRY_UNSENT);
   any other failure after sending comes back `ambiguous` (a file-store
   server may have written part of it): ask metric history what arrived. */
enum { REST_BATCH_MAX_ITEMS = 1000, REST_BATCH_MAX_PARAMS = 100, REST_BATCH_MAX_TAGS = 100,
       REST_BATCH_MAX_BYTES = 900 * 1024 };
typedef struct rest_batch {
    sbuf m, p, t;
    int nm, np, nt;
} rest_batch;
int rest_batch_add_metric(rest_batch *b, const char *key, double value, long long ts, long long step);
int rest_batch_add_param(rest_batch *b, const char *key, const char *value);
int rest_batch_add_tag(rest_batch *b, const char *key, const char *value);
int rest_batch_empty(const rest_batch *b);
void rest_batch_reset(rest_batch *b);
void rest_batch_free(rest_batch *b);
int rest_log_batch(const rest_ctx *c, const char *run_id, const rest_batch *b, rest_err *e);

typedef struct rest_dataset_input {
    const char *name, *digest, *source_type, *source, *schema, *profile;
    const kvlist *tags;
} rest_dataset_input;
int rest_log_inputs(const rest_ctx *c, const char *run_id, const rest_dataset_input *d, size_t n, rest_err *e);
/* MLflow 3 run outputs: models logged by the run (model_id, step). */
/* The LoggedModel ids a remote run has as outputs (runs/get): SQL servers refuse one
   twice (the inputs table's key), so only the missing ones are sent. */
int rest_run_outputs(const rest_ctx *c, const char *run_id, kvlist *out, rest_err *e);
int rest_parse_run_outputs(const cJSON *answer, kvlist *out, rest_err *e);
int rest_log_outputs(const rest_ctx *c, const char *run_id, const char *const *model_ids, const long long *steps,
                     size_t n, rest_err *e);

/* metrics/get-history, every page (for resolving an in-doubt batch). */
typedef struct rest_point {
    long long timestamp, step;
    double value;
    int dataset;                       /* the point names a dataset: a file-store server read its step as 0 */
} rest_point;
int rest_metric_history(const rest_ctx *c, const char *run_id, const char *key, rest_point **out, size_t *n,
                        rest_err *e);
/* one page: points appended to *v (n used, cap allocated), *token = next page or NULL */
int rest_parse_history(const cJSON *answer, rest_point **v, size_t *n, size_t *cap, char **token, rest_err *e);

/* ---- MLflow 3 LoggedModels ---- */
/* a metric value of an answer: a number, or "NaN" / "Infinity" / "-Infinity" (protobuf JSON); 0 or -1 */
int rest_metric_value(const cJSON *m, double *out);
typedef struct rest_lm_point {         /* a LoggedModel metric as the server keeps it (the latest per key and dataset) */
    char *key, *run_id;
    long long timestamp, step;
    double value;
} rest_lm_point;
typedef struct rest_logged_model {
    char *id, *artifact_location, *experiment_id;
    int status;                        /* 1 PENDING, 2 READY, 3 FAILED, 0 unknown */
    rest_lm_point *metrics;            /* data.metrics (search, get); malformed ones left out. A file-store
                                          server gives the latest per key and dataset, an SQL one every point */
    size_t nmetrics;
    kvlist params;                     /* data.params (search, get) */
} rest_logged_model;
enum { REST_LM_PENDING = 1, REST_LM_READY = 2, REST_LM_FAILED = 3 };
void rest_logged_model_free(rest_logged_model *m);
typedef struct rest_lm_create_req {
    const char *experiment_id, *name, *source_run_id, *model_type;
    const kvlist *params, *tags;       /* tags include the marker */
} rest_lm_create_req;
int rest_lm_create(const rest_ctx *c, const rest_lm_create_req *q, rest_logged_model *out, rest_err *e);
int rest_lm_search_by_tag(const rest_ctx *c, const char *exp_id, const char *key, const char *value,
                          rest_logged_model *out, rest_err *e);   /* 1, 0, or -class */
/* GET logged-models/<id>: info, params and metrics (for what arrived of a write in doubt). */
int rest_lm_get(const rest_ctx *c, const char *model_id, rest_logged_model *out, rest_err *e);
int rest_lm_finalize(const rest_ctx *c, const char *model_id, int status, rest_err *e);
int rest_lm_set_tags(const rest_ctx *c, const char *model_id, const kvlist *tags, rest_err *e);
/* Repeated only when it cannot have arrived: an SQL server refuses a param the model has
   (a failure after sending comes back `ambiguous`; ask rest_lm_get). */
int rest_lm_log_params(const rest_ctx *c, const char *model_id, const kvlist *params, rest_err *e);
int rest_lm_delete(const rest_ctx *c, const char *model_id, rest_err *e);
int rest_lm_delete_tag(const rest_ctx *c, const char *model_id, const char *key, rest_err *e);
/* One metric point of a LoggedModel: runs/log-metric with model_id (the server
   links it to run_id, which must be active, and to the dataset, if named). Repeated only
   when it cannot have arrived: a failure after sending comes back `ambiguous` (a
   file-store server keeps a repeated point twice). */
typedef struct rest_lm_metric {
    const char *run_id, *model_id, *key, *dataset_name, *dataset_digest;
    double value;
    long long timestamp, step;
} rest_lm_metric;
int rest_lm_log_metric(const rest_ctx *c, const rest_lm_metric *m, rest_err *e);
/* The answer of a server without the endpoint: 404 without MLflow's error JSON (MLflow 2.x). */
int rest_is_no_endpoint(const rest_err *e);
/* {"model":{"info":{...}}} (create, finalize) */
int rest_parse_lm(const cJSON *answer, int write, rest_logged_model *out, rest_err *e);
/* one page of logged-models/search: 1 found, 0 not on this page (*token = next), or -class */
int rest_parse_lm_search(const cJSON *answer, const char *key, const char *value, rest_logged_model *out,
                         char **token, rest_err *e);

#endif
