/* tools/rest.h — MLflow REST calls and their JSON (shared/spec/rest-sync.md).
 * All calls go through http_do() (one retry policy). Errors come back as a
 * rest_err with the HTTP status, MLflow's error_code and message, or the
 * transport failure; rest_errstr() renders "HTTP 400 INVALID_PARAMETER_VALUE:
 * message" / "connection refused (curl 7)". */
#ifndef MLL_TOOLS_REST_H
#define MLL_TOOLS_REST_H
#include <cjson/cJSON.h>
#include "http.h"
#include "util.h"

typedef struct rest_ctx {
    const char *base;            /* scheme://host[:port][/prefix], no trailing slash */
    const char *bearer;          /* MLFLOW_TRACKING_TOKEN / Databricks PAT */
    const char *userpwd;         /* basic auth "user:pass" */
    int databricks;
    int no_retry;                /* one attempt only (non-idempotent calls) */
} rest_ctx;

typedef struct rest_err {
    long status;                 /* 0 = transport failure */
    char code[64];               /* MLflow error_code, "" if none */
    char msg[512];
    int curl_code;
} rest_err;

/* method + path under base ("/api/2.0/mlflow/runs/create"); body is a JSON
   text or NULL. Returns 0 on 2xx (*out parsed, may be NULL when out==NULL),
   -1 otherwise with *e filled. */
int rest_call(http_client *h, const rest_ctx *c, const char *method, const char *path, const char *body,
              cJSON **out, rest_err *e);
const char *rest_errstr(const rest_err *e, char *buf, size_t n);
/* exit-code class of an error: 4 = cannot connect, 5 = auth, 7 = rejected */
int rest_err_exit(const rest_err *e);

/* JSON helpers for hand-built bodies */
void json_str(sbuf *b, const char *s);       /* "escaped" */
void json_double(sbuf *b, double v);         /* shortest round-trip, NaN/Infinity as strings */

/* experiments */
int rest_get_experiment_by_name(http_client *h, const rest_ctx *c, const char *name, char **id, int *deleted,
                                rest_err *e); /* 1 found, 0 not found, -1 error */
int rest_create_experiment(http_client *h, const rest_ctx *c, const char *name, const kvlist *tags, char **id,
                           rest_err *e);
int rest_restore_experiment(http_client *h, const rest_ctx *c, const char *id, rest_err *e);
int rest_set_experiment_tag(http_client *h, const rest_ctx *c, const char *id, const char *k, const char *v,
                            rest_err *e);
/* runs: find by sync tag (1 found, 0 none, -1 error) */
int rest_find_run(http_client *h, const rest_ctx *c, const char *exp_id, const char *tag, const char *value,
                  char **run_id, char **artifact_uri, int *deleted, rest_err *e);
int rest_create_run(http_client *h, const rest_ctx *c, const char *exp_id, const char *user, const char *name,
                    long long start_time, const char *tag, const char *tagval, char **run_id, char **artifact_uri,
                    rest_err *e);
int rest_update_run(http_client *h, const rest_ctx *c, const char *run_id, const char *status, long long end_time,
                    const char *name, rest_err *e);
/* Soft-deletes every ACTIVE run of exp_id carrying tag=value except `keep`
   (a duplicate left by a runs/create that was still in flight when an earlier
   sync was killed: such a run never received data). */
int rest_delete_duplicates(http_client *h, const rest_ctx *c, const char *exp_id, const char *tag, const char *value,
                           const char *keep, int *ndeleted, rest_err *e);
int rest_restore_run(http_client *h, const rest_ctx *c, const char *run_id, rest_err *e);
#endif
