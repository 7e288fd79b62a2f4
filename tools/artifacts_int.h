/* tools/artifacts_int.h — shared by artifacts.c, artifacts_mpu.c and
 * artifacts_dbfs.c only. */
#ifndef MLL_TOOLS_ARTIFACTS_INT_H
#define MLL_TOOLS_ARTIFACTS_INT_H

#include "artifacts.h"

enum { ART_MAX_PARTS = 10000 };                      /* S3's limit, which the proxy hands on */
#define ART_DEFAULT_CHUNK (10LL << 20)                /* MLflow's MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE */
#define ART_DEFAULT_THRESHOLD (500LL << 20)           /* MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE */

/* One PUT of bytes [off, off+size) of fd to url. auth: send the MLflow
   credentials (only to the tracking server, never to a presigned URL).
   headers: extra lines (NULL = Content-Type: application/octet-stream).
   etag: when not NULL, receives the answer's ETag (required then).
   Returns 0 or the EXIT_* class with e (what = rel) and detail filled. */
int art_put(const art_target *t, const char *url, int fd, long long off, long long size,
            const struct curl_slist *headers, int auth, char **etag, const char *rel, tool_err *e, rest_err *detail);

/* Appends "name: value" to *l after checking it (name an HTTP token, value
   without control bytes, both bounded): 0, or -1 refused / out of memory. */
int art_header_add(struct curl_slist **l, const char *name, const char *value);

/* A failed REST call for rel: e and detail filled; returns the class. */
int art_rest_failed(const rest_err *re, const char *step, const char *rel, tool_err *e, rest_err *detail);

/* For an mlflow-artifacts:[//netloc]/path URI: base = the tracking server's
   scheme, the URI's netloc (else the server's host:port) and the server's
   path prefix; *path = the URI's path without leading '/'. -1 for a netloc
   that is not host[:port]. */
int art_proxy_split(const art_target *t, sbuf *base, const char **path);
/* base + "/api/2.0/mlflow-artifacts/<kind>/" + the URI's path %-encoded */
int art_proxy_url(sbuf *u, const art_target *t, const char *kind);
/* 1 when url has the tracking server's scheme://host[:port]: only then are
   MLflow credentials sent with it. */
int art_same_server(const char *url, const char *base);

/* Multipart through the proxy (artifacts_mpu.c): 0 done, 1 not offered by
   the server (use one PUT), else the EXIT_* class. */
int art_proxy_multipart(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail);

/* Databricks (artifacts_dbfs.c). */
int art_dbfs_upload(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail);

#endif
