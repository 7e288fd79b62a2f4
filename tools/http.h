/* tools/http.h — the single libcurl wrapper of mlflow-lite.
 *
 * One http_client owns one CURL easy handle, so consecutive requests reuse
 * the connection (keep-alive, TLS session). A client is not thread-safe: use
 * one per thread. Every request goes through http_do(), which applies the one
 * retry policy of the tool (see http_classify() and docs/sync.md):
 *
 *   - retried: connection errors, DNS failures, timeouts, sends/receives that
 *     broke, and HTTP 408, 429, 500, 502, 503 (S3 SlowDown), 504;
 *   - never retried: every other status (4xx), TLS verification failures,
 *     bad URLs, local file errors;
 *   - delay: exponential from 1 s (1, 2, 4, 8 … capped at 30 s) plus up to
 *     50 % random jitter; a Retry-After header (seconds or HTTP date) replaces
 *     the computed delay; the total time spent waiting and retrying is bounded
 *     by retry_max_time_s, the count by max_retries;
 *   - each retry prints exactly one warning line (reason, delay, tries left).
 *
 * Secrets: the wrapper never enables CURLOPT_VERBOSE and never prints header
 * values, user:password pairs or URL query strings (presigned URLs carry
 * signatures there). --verbose prints "METHOD scheme://host/path -> status".
 */
#ifndef MLL_TOOLS_HTTP_H
#define MLL_TOOLS_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <curl/curl.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    HTTP_DEFAULT_CONNECT_TIMEOUT_MS = 10000,
    HTTP_DEFAULT_TIMEOUT_MS = 0,            /* no total limit; stalls are caught below */
    HTTP_DEFAULT_STALL_S = 60,              /* abort if < 1 byte/s for this long */
    HTTP_DEFAULT_MAX_RETRIES = 7,
    HTTP_RETRY_SLEEP_FIRST_MS = 1000,
    HTTP_RETRY_SLEEP_MAX_MS = 30000
};
#define HTTP_DEFAULT_RETRY_MAX_TIME_S 120.0

typedef struct http_opts {
    long connect_timeout_ms, timeout_ms;   /* 0 = defaults */
    double retry_max_time_s;               /* total retry budget, 0 = default */
    int max_retries;                       /* 0 = default, < 0 = never retry */
    int insecure;                          /* skip TLS verification (explicit opt-in only) */
    const char *ca_file, *client_cert, *client_key;
    int verbose;                           /* never prints secrets */
} http_opts;

typedef struct http_client http_client;    /* one CURL easy handle: reuse connections; one per thread */

/* Returns NULL when out of memory or curl_easy_init fails. The strings in
   *o are copied. */
http_client *http_client_new(const http_opts *o);
void http_client_free(http_client *c);

typedef struct http_req {
    const char *method;                    /* "GET","POST","PUT","DELETE","HEAD","PATCH" */
    const char *url;
    const struct curl_slist *headers;      /* extra headers, owned by caller */
    const void *body; size_t body_len;     /* in-memory body, or a streamed file body: */
    FILE *body_file; long long body_offset, body_size;   /* re-seeked on every retry */
    const char *aws_sigv4;                 /* e.g. "aws:amz:us-east-1:s3", NULL = none */
    const char *userpwd;                   /* "user:pass" (basic) or "key:secret" (sigv4) */
    int path_as_is;                        /* CURLOPT_PATH_AS_IS */
    int no_retry;
    const char *bearer;                    /* token for "Authorization: Bearer", never printed */
    FILE *out_file;                        /* if set, a 2xx body is written here, not kept */
} http_req;

typedef struct http_resp {
    long status; char *body; size_t body_len;   /* body NUL-terminated */
    char *etag;                                  /* response ETag header if any (malloc'd) */
    CURLcode curl_code; char errbuf[CURL_ERROR_SIZE];
    int attempts;
    long long bytes_sent;                        /* request body bytes, last attempt */
    long long content_length;                    /* Content-Length of the answer (HEAD too), -1 unknown */
} http_resp;

/* Performs the request with the retry policy. Returns 0 when a response
   arrived (any status; caller checks resp->status), -1 on transport failure
   after retries (resp->curl_code and resp->errbuf say why). *out is always
   initialised; release it with http_resp_free(). */
int http_do(http_client *c, const http_req *r, http_resp *out);
void http_resp_free(http_resp *r);

/* Retry classification, exposed for tests: 1 = retry, 0 = final. */
int http_classify(CURLcode cc, long status);

/* Next delay in ms for retry number n (1-based) without Retry-After. */
long http_backoff_ms(int n, unsigned *seed);

/* Parses a Retry-After value ("120" or an HTTP date) into ms from now;
   -1 if unparsable. */
long http_parse_retry_after(const char *v);

/* Process-wide request counters (atomic), for --json and tests. */
long long http_total_requests(void);
long long http_total_bytes_sent(void);

/* Writes "scheme://host[:port]/path" of url into buf (no userinfo, no query). */
void http_redact_url(const char *url, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
