/* tools/s3_xml.h — every S3 answer body the client reads, parsed without
 * I/O (so tests/fuzz/fuzz_s3_xml.c can feed them any bytes). The body is at
 * most http.h's cap; each value is checked before use: keys 1..1024 bytes
 * without NUL, sizes decimal 0..5 TiB, part numbers 1..10000, ETags and
 * upload ids printable and bounded, continuation tokens bounded. A value
 * that fails is an error (-1, err filled, definite), never used. */
#ifndef MLL_TOOLS_S3_XML_H
#define MLL_TOOLS_S3_XML_H

#include "s3.h"

enum { S3X_MAX_KEY = 1024, S3X_MAX_TOKEN = 4096, S3X_MAX_UPLOAD_ID = 1024 };
#define S3X_MAX_SIZE (5LL << 40)

/* <Error><Code>..</Code><Message>..</Message></Error>: code and message
   (control bytes replaced) into the buffers; 1 when a Code was found. */
int s3x_error(const char *body, size_t len, char *code, size_t cn, char *msg, size_t mn);

/* ListObjectsV2: cb per <Contents> (non-zero stops: *stopped = 1); *token =
   NextContinuationToken when IsTruncated is true (malloc'd), else NULL. */
int s3x_list_objects(const char *body, size_t len, int (*cb)(void *ud, const s3_object *o), void *ud, char **token,
                     int *stopped, s3_err *err);

/* ListMultipartUploads: cb(key, upload_id) per <Upload>; the next markers
   when truncated (both, or neither). */
int s3x_list_uploads(const char *body, size_t len, int (*cb)(void *ud, const char *key, const char *upload_id),
                     void *ud, char **key_marker, char **id_marker, int *stopped, s3_err *err);

/* ListParts of an upload of nparts parts: for each <Part> numbered 1..nparts,
   sizes[n-1] and etags[n-1] (80 bytes each, unquoted); a number outside that
   range is ignored (not ours to resume). *found counts them; *next = the
   next part-number marker when truncated (> the previous one), else 0. */
int s3x_list_parts(const char *body, size_t len, int nparts, long long *sizes, char (*etags)[80], int *found,
                   int *next, s3_err *err);

/* CreateMultipartUpload: the UploadId (malloc'd). */
int s3x_create_upload(const char *body, size_t len, char **upload_id, s3_err *err);

/* CompleteMultipartUpload's 200 answer: the final ETag (unquoted, "" when
   none), or -1 when the body is an <Error> (S3 reports failures that way
   after a 200): err->code set, definite unless InternalError or SlowDown. */
int s3x_complete(const char *body, size_t len, char etag[80], s3_err *err);

/* DeleteObjects: fail_cb(key, code, message) per <Error>. */
int s3x_delete_result(const char *body, size_t len,
                      void (*fail_cb)(void *ud, const char *key, const char *code, const char *msg), void *ud);

#endif
