/* tools/rest.h — the REST layer's core: one door for everything a server says.
 *
 * Every MLflow endpoint the tool calls is a function in rest_tracking.c,
 * rest_registry.c or artifacts.c, built on rest_call() here, and every answer
 * is checked before anything else sees it:
 *   - a 2xx answer from /api/2.0/... that is not a JSON object (an HTML login
 *     page from a proxy, a truncated body, an array, an empty body) is a
 *     failure of class EXIT_REJECTED, flagged `ambiguous` for writes (the
 *     request may or may not have taken effect) — never a success;
 *   - the fields a call needs are checked for type and range by the
 *     endpoint's wrapper (json.h getters); a missing run_id is a failure with
 *     a message saying so, never an uninitialised value;
 *   - bodies are capped at HTTP_MAX_BODY bytes after decompression (http.c),
 *     so a gzip bomb costs at most that much memory;
 *   - the error record is always filled in (rest_err_clear first, then set by
 *     whoever fails), and classified: its `code` is the EXIT_* class.
 *
 * Classification (rest_classify): no answer after retries = EXIT_CONNECT
 * (global), 401/403 = EXIT_AUTH (global), TLS handshake/verification failure
 * = EXIT_CONNECT without retries, a malformed URL (DEST) = EXIT_USAGE,
 * anything else = EXIT_REJECTED for that item. `transient` marks a server
 * overload seen as an answer (429, 503, or a 5xx/400 whose message says the
 * server's connection pool is exhausted — MLflow answers "400 ... QueuePool
 * limit ... reached" — or its SQLite database is locked): the caller may back
 * off (retry_after_ms when the server said) and retry the item later in the
 * same pass. `ambiguous` marks a write whose effect is unknown (transport
 * failure after the request went out, 5xx, an overload answer, a 2xx that is
 * not JSON): the caller resolves it by asking the server (the create-once
 * protocol below, or metric history) before sending again.
 */
#ifndef MLL_TOOLS_REST_H
#define MLL_TOOLS_REST_H

#include "errors.h"
#include "http.h"
#include "json.h"

/* The pass's throttle on requests in flight, shared by every worker's
   rest_ctx (server overload, issue 15). An answer that says the server is
   overloaded (`transient`: 429, 503, "QueuePool limit ... reached", "database
   is locked", the concurrent log-inputs "UNIQUE constraint failed") halves
   the number of requests allowed in flight, down to 1; a run of good answers
   raises it by one again, up to `max`. A transient 400 (which http.h does not
   retry) of a REST_RETRY call is sent again after a back-off, up to `retries`
   times within `max_time_s`: MLflow's SQL store rolled that transaction back. */
typedef struct rest_gate rest_gate;
rest_gate *rest_gate_new(int max, int retries, double max_time_s, volatile int *stop);
void rest_gate_free(rest_gate *g);
int rest_gate_limit(rest_gate *g);             /* requests allowed in flight now */
void rest_gate_enter(rest_gate *g);            /* waits for a free slot; NULL = no gate */
void rest_gate_leave(rest_gate *g, int overloaded);

typedef struct rest_ctx {
    http_client *h;                    /* one per thread */
    rest_gate *gate;                   /* shared throttle of the pass; NULL = none (no overload retries) */
    const char *base;                  /* "https://host[:port][/prefix]", no trailing slash, no userinfo */
    const char *bearer;                /* MLFLOW_TRACKING_TOKEN / Databricks PAT; never printed */
    const char *userpwd;               /* "user:pass" for basic auth; never printed */
    int databricks;
} rest_ctx;

typedef struct rest_err {
    int code;                          /* EXIT_* class; EXIT_OK when no error */
    long status;                       /* HTTP status, 0 = no answer */
    char error_code[64];               /* MLflow's error_code ("RESOURCE_ALREADY_EXISTS"), "" if none */
    char msg[512];                     /* server message, curl's error text, or ours; never a secret */
    int curl_code;
    int ambiguous;                     /* a write that may have taken effect */
    int transient;                     /* overload: worth retrying later */
    long retry_after_ms;               /* the server's Retry-After, -1 none */
} rest_err;

void rest_err_clear(rest_err *e);
/* "HTTP 400 INVALID_PARAMETER_VALUE: message" or "connection refused (curl 7)". */
const char *rest_errstr(const rest_err *e, char *buf, size_t n);
/* Copies a REST error into a tool error: what names the item. Returns e->code. */
int rest_err_to_tool(const rest_err *re, tool_err *te, const char *what);
int rest_is_not_found(const rest_err *e);      /* 404 or RESOURCE_DOES_NOT_EXIST */
/* MLflow said the object does not exist (RESOURCE_DOES_NOT_EXIST): unlike a
   bare 404 from a proxy or a wrong path, which is an error, not an absence. */
int rest_is_absent(const rest_err *e);
int rest_is_exists(const rest_err *e);         /* RESOURCE_ALREADY_EXISTS / ALREADY_EXISTS */

/* How rest_call may repeat a request (the `once` argument):
     REST_RETRY         the full policy of http.h (reads, idempotent writes);
     REST_ONCE          never repeated;
     REST_RETRY_UNSENT  repeated only when the request cannot have reached the
                        server (connection refused, DNS, 408/429): creates and
                        log-batch, whose repetition could duplicate; any later
                        failure comes back `ambiguous` for the caller to resolve. */
enum { REST_RETRY = 0, REST_ONCE = 1, REST_RETRY_UNSENT = 2 };

/* method + path below base ("/api/2.0/mlflow/runs/create"), body a JSON text
   or NULL (GET: pass the query in path). On 2xx, *out (when out != NULL) is
   the parsed answer and is always a JSON object (MLflow answers {} when it
   has nothing to say; an empty body is refused like any other non-JSON).
   Returns 0 or the EXIT_* class with *e filled. `once` is one of REST_RETRY,
   REST_ONCE, REST_RETRY_UNSENT. */
int rest_call(const rest_ctx *c, const char *method, const char *path, const char *body, int once, cJSON **out,
              rest_err *e);

/* The answer checks of rest_call, without I/O (for tests and the fuzzer):
   rs is what http_do returned (0 = an answer arrived, else a transport
   failure); write says the request could change something (POST, PUT,
   PATCH, DELETE). Returns 0 with *out the JSON object (out may be NULL), or
   the EXIT_* class with *e filled and classified. */
int rest_check_answer(int http_rc, const http_resp *rs, int write, cJSON **out, rest_err *e);

/* For the endpoint wrappers: a 2xx answer that lacks a field the call needs
   or holds one out of range. Fills e (status 200, EXIT_REJECTED, ambiguous
   when write: a create whose id cannot be read may still have happened) and
   returns EXIT_REJECTED. */
int rest_bad_answer(rest_err *e, int write, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Appends the search filter "<field> = 'value'" (field e.g. "tags.`k`" or
   "name") that MLflow's filter parser reads exactly for any value: a value
   holding a quote, a backslash or a control byte (which the parser cannot
   escape) becomes a LIKE pattern with those bytes as '_'. Returns 1 when the
   server's matches must be compared with the value exactly (the LIKE case;
   the wrappers always compare anyway), 0 when '=' was used, -1 when out of
   memory. */
int rest_eq_filter(sbuf *f, const char *field, const char *value);

/* ---- helpers for the endpoint files (rest_*.c, artifacts*.c) ---- */

/* Sends b, a finished JSON body, and frees it: EXIT_FAILED when building it
   ran out of memory, else rest_call(). */
int rest_send(const rest_ctx *c, const char *method, const char *path, sbuf *b, int once, cJSON **out, rest_err *e);
/* Fills e as "out of memory" and returns EXIT_FAILED. */
int rest_oom(rest_err *e);
/* GET of path (freed here). */
int rest_get(const rest_ctx *c, sbuf *path, cJSON **out, rest_err *e);
/* Appends ,"name":"value" (escaped); nothing when value is NULL. */
void rest_add_str(sbuf *b, const char *name, const char *value);
/* A proto enum field given by name or number: names[i] is value i + 1;
   1..n, or 0 when absent or unknown. */
int rest_enum(const cJSON *o, const char *k, const char *const *names, int n);
/* 1 when tags, an array of {"key","value"}, holds key = value exactly. */
int rest_tags_have(const cJSON *tags, const char *key, const char *value);
/* The answer's next_page_token: *token owned, NULL when none or empty;
   EXIT_REJECTED when it is longer than 4096 bytes. */
int rest_parse_token(const cJSON *answer, char **token, rest_err *e);
/* Follows pages: page(ud, token, &next, e) fetches one (token NULL first)
   and returns 0 or the class; it stops when *next is NULL. A token answered
   twice in a row or more than max_pages pages is an error naming `what`. */
typedef int (*rest_page_fn)(void *ud, const char *token, char **next, rest_err *e);
int rest_pages(const char *what, int max_pages, rest_page_fn page, void *ud, rest_err *e);
/* The body of runs/search and logged-models/search for one experiment's
   objects whose tag `key` is `value` (rest_eq_filter): view (NULL = none),
   max_results and the page token (NULL = first). 0 or -1 out of memory. */
int rest_marker_search_body(sbuf *b, const char *exp_id, const char *key, const char *value, const char *view,
                            int max_results, const char *token);

/* Sets e->code, e->transient and e->ambiguous from e->status, e->curl_code,
   e->msg (after the fields were filled); returns e->code. */
int rest_classify(rest_err *e, int write, int request_sent);

/* The create-once protocol, used for experiments, runs, registered models,
   model versions and LoggedModels: an object carries a marker (a name, or a
   tag such as mlflow_lite.source_run_id = <local id>) that lets the tool find
   it again.
     1. find(marker): found -> done (created = 0);
     2. create, sent exactly once (no transport retries);
     3. on an ambiguous failure, find(marker) again (after `settle_ms`, for a
        create still in flight) before any new create; a definite failure is
        returned as is; after `max_rounds` rounds the last error is returned.
   The caller's find/create fill an owned id string. A create answered
   RESOURCE_ALREADY_EXISTS (a name taken meanwhile) and an overload answer
   (transient) also lead to find before the next create. *created is 1 when
   the object was made by this call (also when it was found after an
   ambiguous create of ours). Returns 0, or the EXIT_* class with *e filled. */
typedef struct create_once_ops {
    int (*find)(void *ud, char **id, rest_err *e);     /* 1 found, 0 absent, -1 error */
    int (*create)(void *ud, char **id, rest_err *e);   /* 0 or -1 */
    void *ud;
    long settle_ms;                                    /* 0 = 2000 */
    int max_rounds;                                    /* 0 = 3 */
    int skip_first_find;                               /* the caller already knows it is absent */
} create_once_ops;
int create_once(const create_once_ops *ops, char **id, int *created, rest_err *e);

#endif
