/* tools/s3_int.h — shared between s3.c and s3_multipart.c only. */
#ifndef MLL_TOOLS_S3_INT_H
#define MLL_TOOLS_S3_INT_H

#include <pthread.h>

#include "s3.h"

struct s3_client {
    aws_config cfg;
    http_opts http;
    s3_client_opts o;
    char sigv4[96];
    char *userpwd;           /* "key:secret", wiped on free */
    char *token_hdr;         /* "x-amz-security-token: …", wiped on free */
    pthread_mutex_t mu;      /* guards the pool */
    http_client **pool;
    int npool, cap;
    int etag_warned;         /* the "ETag is not an MD5" note was given */
};

typedef struct s3_call {
    const char *op;          /* for messages: "PutObject", "UploadPart" ... */
    const char *method;
    const char *bucket;
    const char *key;         /* NULL for bucket-level requests */
    const char *query;       /* canonical, without '?', may be NULL */
    const void *body;        /* in-memory body (SHA-256 is computed) */
    size_t body_len;
    int stream;              /* streamed body from body_fd (pread): UNSIGNED-PAYLOAD */
    int body_fd;
    long long body_off, body_size;
    const char *content_type;
    const char *content_md5; /* base64 */
    const char *extra_header; /* one more "name: value" line, or NULL */
    int upload;              /* PutObject/CreateMultipartUpload: add MLFLOW_S3_UPLOAD_EXTRA_ARGS headers */
} s3_call;

/* Performs one S3 call. Returns 0 for a 2xx, -1 otherwise with *err filled
   (S3 <Code>/<Message> parsed from the body). *resp is always valid and must
   be freed with http_resp_free(). */
int s3i_do(s3_client *c, const s3_call *call, http_resp *resp, s3_err *err);

/* Integrity check of a 2xx answer: 1 when the returned ETag equals the MD5
   (or multipart ETag) we computed. A different non-empty ETag is accepted
   with one warning per client: buckets with SSE-KMS or SSE-C encryption
   answer ETags that are not MD5s, and S3 has then already verified the
   Content-MD5 we sent. 0 (err set) when the answer has no ETag. */
int s3i_etag_ok(s3_client *c, const char *op, const char *got, const char *want, s3_err *err);

void s3i_err_set(s3_err *e, const char *op, int definite, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Multipart upload of [0, size) of fd (s3_multipart.c). */
int s3i_put_multipart(s3_client *c, const char *bucket, const char *key, int fd, long long size,
                      long long part_size, int nparts, const char *content_type, s3_put_result *res, s3_err *err);

#endif
