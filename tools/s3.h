/* tools/s3.h — the one S3 client of mlflow-lite.
 *
 * Used by the mirror (`mlflow-lite sync DIR s3://bucket/prefix`, s3_mirror.h)
 * and by the tracking-server sync when a remote run's artifact_uri is
 * `s3://…`. Talks to AWS S3 or any S3-compatible store (MinIO, Ceph, moto)
 * configured as in aws_config.h.
 *
 * SIGNING: SigV4 by libcurl (CURLOPT_AWS_SIGV4 = "aws:amz:REGION:s3") — no
 * signing code here. libcurl 7.88.1 leaves parts of the canonical request to
 * the caller, so every request built here:
 *   - names region and service explicitly;
 *   - sends x-amz-content-sha256: the SHA-256 of in-memory bodies (empty ones
 *     included), UNSIGNED-PAYLOAD for bodies streamed from a file;
 *   - builds the query string already canonical (sorted, every parameter as
 *     k=v, values %-encoded the AWS way) and the key path AWS-encoded
 *     (A-Za-z0-9-_.~/ kept, %XX the rest) with CURLOPT_PATH_AS_IS;
 *   - never adds Expect:, Date or X-Amz-Date headers (a session token is an
 *     ordinary x-amz-security-token header);
 *   - parses a 200 CompleteMultipartUpload body for <Error>, decodes XML
 *     entities in ETags, sets content-type: application/xml on Complete.
 *
 * UPLOADS (s3_put_fd): one PUT with Content-MD5 up to the multipart
 * threshold (default 8 MiB), else multipart with parts of the default part
 * size (8 MiB, grown so a file needs at most 10,000 parts) sent by up to
 * `jobs` threads, each part with Content-MD5 (the store refuses damaged
 * bytes: 400 BadDigest). Every returned ETag is compared with the MD5 we
 * computed (the multipart ETag with md5(part md5s)-N); an ETag that differs
 * is accepted with one warning, as buckets with SSE-KMS/SSE-C encryption
 * answer ETags that are not MD5s (the verified Content-MD5 then vouches).
 * A 200 CompleteMultipartUpload answer carrying <Error> InternalError or
 * SlowDown is retried up to 3 times.
 * Resumable: before creating an upload, the in-progress uploads of the key
 * are listed (ListMultipartUploads + ListParts); parts whose size and ETag
 * match the local bytes are kept, the rest re-sent, and the upload is
 * completed. Other in-progress uploads of the same key are aborted after a
 * successful completion. A definite failure (a 4xx, a local read error, an
 * integrity mismatch) aborts the upload so no orphan parts stay billed; a
 * transient one (network down, 5xx after all retries) keeps it for a resume.
 *
 * RETRIES: http_do()'s single policy (connection errors, 408, 429, 5xx incl.
 * S3's 503 SlowDown; backoff with jitter; Retry-After).
 *
 * THREADS: an s3_client is thread-safe: each call borrows a pooled
 * http_client (one CURL handle) and returns it, so connections are reused.
 *
 * ERRORS: functions return 0 on success and -1 on failure with *err filled
 * (HTTP status, S3 error code such as SignatureDoesNotMatch, message, curl
 * error). s3_err_format() gives the one-line "why" for errorf(). Secrets are
 * never part of an error or of --verbose output.
 */
#ifndef MLL_TOOLS_S3_H
#define MLL_TOOLS_S3_H

#include <stddef.h>
#include <curl/curl.h>

#include "aws_config.h"
#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

#define S3_DEFAULT_MULTIPART_THRESHOLD (8LL * 1024 * 1024)
#define S3_DEFAULT_PART_SIZE (8LL * 1024 * 1024)
#define S3_MIN_PART_SIZE (5LL * 1024 * 1024)
#define S3_MAX_PARTS 10000
#define S3_DEFAULT_JOBS 8

typedef struct s3_client s3_client;

typedef struct s3_client_opts {
    int jobs;                         /* parallel parts per upload; 0 = S3_DEFAULT_JOBS */
    long long multipart_threshold;    /* 0 = default; config.c reads MLFLOW_LITE_S3_MULTIPART_THRESHOLD */
    long long part_size;              /* 0 = default; config.c reads MLFLOW_LITE_S3_PART_SIZE (>= 5 MiB on AWS) */
} s3_client_opts;

typedef struct s3_err {
    long status;                      /* HTTP status, 0 if none arrived */
    CURLcode curl_code;
    int definite;                     /* 1 = retrying later will not help (4xx, local error) */
    int source;                       /* the local file could not be read or shrank while sent */
    char code[64];                    /* S3 error code: SignatureDoesNotMatch, NoSuchBucket, ... */
    char msg[512];                    /* S3 message, curl error or local reason */
    char op[32];                      /* "PUT", "UploadPart", "ListObjectsV2", ... */
} s3_err;

typedef struct s3_object {
    const char *key;                  /* full key, decoded */
    long long size;
    const char *etag;                 /* without quotes */
} s3_object;

typedef struct s3_put_result {
    char etag[80];                    /* without quotes */
    int multipart;                    /* 1 if sent by multipart upload */
    int parts_total, parts_sent, parts_reused;
    int resumed;                      /* an existing upload was continued */
    long long bytes_sent;
} s3_put_result;

/* Creates a client from a resolved configuration (copied). http may be NULL
   (defaults); cfg->ignore_tls turns TLS checks off. Fails (NULL, err set)
   when cfg has no credentials. */
s3_client *s3_client_new(const aws_config *cfg, const http_opts *http, const s3_client_opts *o,
                         char *err, size_t errlen);
/* aws_config_load() + s3_client_new(). */
s3_client *s3_client_new_from_env(const http_opts *http, const s3_client_opts *o, char *err, size_t errlen);
void s3_client_free(s3_client *c);
const aws_config *s3_client_config(const s3_client *c);

/* "s3://bucket/some/prefix" -> bucket "bucket", prefix "some/prefix" (may be
   ""; never a leading '/'; a trailing '/' kept). Returns 0, or -1 for a URL
   that is not s3:// or has no bucket. The strings are malloc'd. */
int s3_parse_url(const char *url, char **bucket, char **prefix);

/* Request URL for bucket/key (the key AWS-encoded) plus an optional
   canonical query; malloc'd. Exposed for tests. */
char *s3_object_url(const s3_client *c, const char *bucket, const char *key, const char *query);

/* HEAD: 0 and *size/etag filled (etag buffer >= 80 bytes) when the object
   exists, 1 when it does not (404), -1 on error. A refused HEAD (no body, so
   no S3 error code) is asked again as a 1-byte GET to learn the code. */
int s3_head(s3_client *c, const char *bucket, const char *key, long long *size, char *etag, s3_err *err);

/* ListObjectsV2 over every key starting with prefix, all pages. cb returns
   non-zero to stop. 0 on success, -1 on error. */
int s3_list(s3_client *c, const char *bucket, const char *prefix,
            int (*cb)(void *ud, const s3_object *o), void *ud, s3_err *err);

/* DELETE one object (a missing object is success, as in S3). */
int s3_delete(s3_client *c, const char *bucket, const char *key, s3_err *err);

/* DeleteObjects, 1,000 keys per request (with Content-MD5, as S3 requires);
   keys XML cannot carry (control bytes) go by single DELETE. For each key
   the store could not delete, fail_cb(ud, key, code, message). Returns 0
   when every request was answered, -1 (err set) when one was not. */
int s3_delete_many(s3_client *c, const char *bucket, const char *const *keys, size_t n,
                   void (*fail_cb)(void *ud, const char *key, const char *code, const char *msg), void *ud,
                   s3_err *err);

/* Uploads the first `size` bytes of fd (read with pread, so parts may go in
   parallel and a retry re-reads its own bytes) to bucket/key, single PUT or
   multipart (see above). content_type may be NULL (application/octet-stream).
   A file that shrinks fails with err->source set. */
int s3_put_fd(s3_client *c, const char *bucket, const char *key, int fd, long long size, const char *content_type,
              s3_put_result *res, s3_err *err);

/* Uploads an in-memory buffer with one PUT. */
int s3_put_mem(s3_client *c, const char *bucket, const char *key, const void *data, size_t len,
               const char *content_type, char *etag_out, s3_err *err);

/* In-progress multipart uploads under prefix: cb(key, upload_id). */
int s3_list_uploads(s3_client *c, const char *bucket, const char *prefix,
                    int (*cb)(void *ud, const char *key, const char *upload_id), void *ud, s3_err *err);
int s3_abort_upload(s3_client *c, const char *bucket, const char *key, const char *upload_id, s3_err *err);

/* The ETag S3 will report for the first `size` bytes of fd when uploaded
   by s3_put_fd with this client's settings (plain MD5, or md5-of-md5s-N).
   0 on success, -1 if the file cannot be read. */
int s3_expected_etag_fd(const s3_client *c, int fd, long long size, char *etag, size_t n);

/* Multipart layout for a size: 0 = single PUT, else part size (count in *parts). */
long long s3_part_size_for(const s3_client *c, long long size, int *parts);

/* "HTTP 403 SignatureDoesNotMatch: The request signature ... " etc. */
void s3_err_format(const s3_err *e, char *buf, size_t n);

/* A hint for the user based on the error ("check AWS_SECRET_ACCESS_KEY"...). */
const char *s3_err_hint(const s3_err *e);

#ifdef __cplusplus
}
#endif
#endif
