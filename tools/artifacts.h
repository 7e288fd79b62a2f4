/* tools/artifacts.h — upload one local artifact file to where the remote
 * run's artifact_uri says (shared/spec/rest-sync.md §3):
 *   mlflow-artifacts:[//host]/path  PUT through the server's artifact proxy;
 *                                    files >= the multipart threshold first try
 *                                    the proxy's mpu/create (501 -> single PUT)
 *   http(s)://…                     PUT (MLflow's HttpArtifactRepository)
 *   file:///path, /path             copy (server on a shared filesystem)
 *   s3://bucket/prefix              the S3 client (tools/s3.h), if built in
 *   dbfs:/… (Databricks)            credentials-for-write, then PUT to the
 *                                    signed URL (AWS/GCP); Azure: unsupported
 * Bodies are streamed from the file; retries re-read it. */
#ifndef MLL_TOOLS_ARTIFACTS_H
#define MLL_TOOLS_ARTIFACTS_H
#include "http.h"
#include "rest.h"

typedef struct art_target {
    http_client *h;
    const rest_ctx *rc;
    const char *artifact_uri;    /* the remote run's */
    const char *run_id;          /* the remote run's */
} art_target;

/* Returns 0, or an exit code (exitcodes.h) with a message in err. */
int art_upload(const art_target *t, const char *local_path, const char *rel, long long size, char *err,
               size_t errn);
#endif
