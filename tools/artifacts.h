/* tools/artifacts.h — upload one artifact (already opened by the SRC reader)
 * to where the remote run's artifact_uri says. Part of the REST layer: every
 * answer is checked here (a 2xx HTML page from a proxy is a failure; the
 * multipart answer's part numbers must be exactly 1..N, each once).
 *   mlflow-artifacts:[//host]/path  PUT through the server's artifact proxy;
 *                                   at or above the multipart threshold first
 *                                   the proxy's mpu/create (501/404 -> one PUT)
 *   http(s)://...                   PUT (MLflow's HttpArtifactRepository)
 *   file:///path, /path             copy (a server on a shared file system)
 *   s3://bucket/prefix              the S3 client (s3.h)
 *   dbfs:/... (Databricks)          credentials-for-write, then PUT to the
 *                                   signed URL (AWS/GCP); Azure: unsupported
 * The body is streamed from the fd; a retry re-reads it from its offset. A
 * file that shrinks while it is sent fails that artifact (EXIT_SOURCE class,
 * not global), never "server unreachable". */
#ifndef MLL_TOOLS_ARTIFACTS_H
#define MLL_TOOLS_ARTIFACTS_H

#include "rest.h"

typedef struct art_config {
    long long multipart_threshold;     /* MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE, validated by config.c */
    long long multipart_chunk;         /* MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE, validated by config.c (> 0) */
} art_config;

typedef struct art_target {
    const rest_ctx *rc;
    const art_config *cfg;
    const char *artifact_uri;          /* the remote run's (or LoggedModel's) */
    const char *run_id;                /* the remote run's, for Databricks */
} art_target;

/* fd: open for reading, positioned anywhere; size: bytes to send (from 0).
   Returns 0, or the EXIT_* class with e filled (e->what names rel). */
int art_upload(const art_target *t, int fd, const char *rel, long long size, tool_err *e);

#endif
