/* tools/http.h — the single libcurl wrapper of mlflow-lite.
 *
 * One http_client owns one CURL easy handle, so consecutive requests reuse
 * the connection (keep-alive, TLS session). A client is not thread-safe: use
 * one per thread. Every request goes through http_do(), which applies the one
 * retry policy of the tool (http_classify(); docs/rest-api.md):
 *
 *   - retried: connection errors, DNS failures, timeouts, sends/receives that
 *     broke, and HTTP 408, 429, 500, 502, 503 (S3 SlowDown), 504;
 *   - never retried: every other status (4xx), a TLS handshake or
 *     verification failure (https:// against a plain-HTTP server fails at
 *     once, not after two minutes), a malformed URL, a local file error, an
 *     answer body over the cap;
 *   - delay: exponential from 1 s (1, 2, 4, 8 … capped at 30 s) plus up to
 *     50 % random jitter; a Retry-After header (seconds or HTTP date, at most
 *     a day) replaces the computed delay; the total time spent waiting and
 *     retrying is bounded by retry_max_time_s, the count by max_retries; the
 *     state lives in the request, not in statics;
 *   - each retry prints exactly one warning line (reason, delay, tries left).
 *
 * Answers are capped: the body is counted after decompression (curl hands the
 * write callback decoded bytes), so a gzip bomb costs at most max_body bytes
 * and then fails cleanly (resp.body_capped, no retry).
 *
 * Request bodies come from memory or are streamed from a file descriptor with
 * pread(), so a retry re-reads from the same offset and parallel parts can
 * share one fd. A file that ends before body_size bytes aborts the request
 * with resp.source_short set: that is the file's fault, not the server's.
 *
 * Secrets: the wrapper never enables CURLOPT_VERBOSE and never prints header
 * values, user:password pairs or URL query strings (presigned URLs carry
 * signatures there): every URL shown passes http_redact_url(). --verbose
 * prints "METHOD scheme://host/path -> status".
 */
#ifndef MLL_TOOLS_HTTP_H
#define MLL_TOOLS_HTTP_H

#include <stddef.h>
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
    HTTP_RETRY_SLEEP_MAX_MS = 30000,
    HTTP_RETRY_AFTER_MAX_S = 86400
};
#define HTTP_DEFAULT_RETRY_MAX_TIME_S 120.0
#define HTTP_MAX_BODY (64LL << 20)          /* answer bytes kept, after decompression */

typedef struct http_opts {
    long connect_timeout_ms, timeout_ms;   /* 0 = defaults */
    double retry_max_time_s;               /* total retry budget, 0 = default */
    int max_retries;                       /* 0 = default, < 0 = never retry */
    int insecure;                          /* skip TLS verification (explicit opt-in only) */
    const char *ca_file, *client_cert, *client_key;
    int verbose;                           /* never prints secrets */
    long long max_body;                    /* answer cap in bytes, 0 = HTTP_MAX_BODY */
    long stall_s;                          /* 0 = HTTP_DEFAULT_STALL_S (tests shorten it) */
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
    const void *body; size_t body_len;     /* in-memory body, or a streamed one: */
    int stream;                            /* 1: body_size bytes of body_fd from body_offset (pread) */
    int body_fd; long long body_offset, body_size;
    const char *aws_sigv4;                 /* e.g. "aws:amz:us-east-1:s3", NULL = none */
    const char *userpwd;                   /* "user:pass" (basic) or "key:secret" (sigv4) */
    int path_as_is;                        /* CURLOPT_PATH_AS_IS */
    int no_retry;                          /* never repeat */
    int retry_unsent_only;                 /* repeat only when the request cannot have reached the server */
    const char *bearer;                    /* token for "Authorization: Bearer", never printed */
} http_req;

typedef struct http_resp {
    long status; char *body; size_t body_len;   /* body NUL-terminated (never NULL after http_do) */
    char *etag;                                  /* response ETag header if any (malloc'd) */
    char content_type[128];                      /* Content-Type of the answer, "" if none */
    CURLcode curl_code; char errbuf[CURL_ERROR_SIZE];
    int attempts;
    long long bytes_sent;                        /* request body bytes, last attempt */
    long long content_length;                    /* Content-Length of the answer (HEAD too), -1 unknown */
    long retry_after_ms;                         /* the last answer's Retry-After, -1 none */
    int request_sent;                            /* the last attempt got the request out (a write may have landed) */
    int body_capped;                             /* the answer was larger than max_body: dropped, failed */
    int source_short;                            /* the streamed file ended early or could not be read */
    int source_errno;                            /* errno of that read, 0 = it ended early */
} http_resp;

/* Performs the request with the retry policy. Returns 0 when a whole answer
   arrived (any status; caller checks resp->status), -1 on transport failure
   after retries, an answer over the cap, or a short source file
   (resp->curl_code, errbuf, body_capped, source_short say which). *out is
   always initialised; release it with http_resp_free(). */
int http_do(http_client *c, const http_req *r, http_resp *out);
void http_resp_free(http_resp *r);

/* Retry classification, exposed for tests: 1 = retry, 0 = final. */
int http_classify(CURLcode cc, long status);
/* 1 when an answer's body says the endpoint is switched off on this server: MLflow answers
   503 to every artifact-proxy request of a server started with --no-serve-artifacts
   ("Artifact serving is disabled..." from 3.x, "... disabled due to the mlflow server running
   with `--no-serve-artifacts`" from 2.x), which no retry changes. body may be NULL or not
   NUL-terminated (len bytes). */
int http_endpoint_disabled(const char *body, size_t len);
/* 1 when cc says the TLS handshake or certificate check failed. */
int http_is_tls_error(CURLcode cc);

/* Next delay in ms for retry number n (1-based) without Retry-After. */
long http_backoff_ms(int n, unsigned *seed);

/* Parses a Retry-After value ("120" or an HTTP date) into ms from now,
   at most HTTP_RETRY_AFTER_MAX_S; -1 if unparsable. */
long http_parse_retry_after(const char *v);

/* Process-wide request counters (atomic), for --json and tests. */
long long http_total_requests(void);
long long http_total_bytes_sent(void);

/* Writes "scheme://host[:port]/path" of url into buf: no userinfo, and a
   query or fragment is shown as "?…" (presigned URLs carry signatures). */
void http_redact_url(const char *url, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
