/* tools/artifacts.h — upload one artifact (already opened by the SRC reader)
 * to where the remote run's artifact_uri says. Part of the REST layer: every
 * answer is checked here.
 *   mlflow-artifacts:[//host]/path  PUT through the server's artifact proxy;
 *                                   at or above the multipart threshold first
 *                                   the proxy's mpu/create (501/404/400 -> one
 *                                   PUT); its part numbers must be exactly
 *                                   1..N, each once, its URLs http(s)
 *   http(s)://...                   PUT (MLflow's HttpArtifactRepository)
 *   file:///path, /path             copy (a server on a shared file system)
 *   s3://bucket/prefix              the S3 client (s3.h), from the session
 *   dbfs:/... (Databricks)          credentials-for-write, then PUT to the
 *                                   signed URL (AWS/GCP); Azure: unsupported
 * A PUT answered 2xx counts only when its body is empty (MLflow 3 under
 * uvicorn answers 200 with no body) or a JSON object (`{}`: MLflow 2.x and
 * Flask): an HTML page from a proxy is a failure, never a success.
 * The body is streamed from the fd with pread (a retry re-reads it from its
 * offset; the fd's position is never used). A file that shrinks while it is
 * sent fails that artifact with EXIT_SOURCE naming the file — never "server
 * unreachable". Presigned URLs get no MLflow credentials, and nothing printed
 * shows a URL's query (where their signatures are). */
#ifndef MLL_TOOLS_ARTIFACTS_H
#define MLL_TOOLS_ARTIFACTS_H

#include "rest.h"
#include "s3.h"

typedef struct art_config {
    long long multipart_threshold;     /* MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE, validated by config.c */
    long long multipart_chunk;         /* MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE, validated by config.c (> 0) */
} art_config;

/* Shared by every thread of one sync: holds the S3 client for s3:// artifact
   URIs, made on the first such upload from the environment (aws_config.h)
   and then reused (it is thread-safe and pools connections). */
typedef struct art_session art_session;
/* ho: timeouts/retries/TLS for S3 (copied; NULL = defaults); so: S3 part
   sizes (NULL = defaults). NULL when out of memory. */
art_session *art_session_new(const http_opts *ho, const s3_client_opts *so);
void art_session_free(art_session *s);

typedef struct art_target {
    const rest_ctx *rc;
    const art_config *cfg;
    const char *artifact_uri;          /* the remote run's (or LoggedModel's) */
    const char *run_id;                /* the remote run's, for Databricks */
    art_session *session;              /* needed for s3:// URIs (else EXIT_CONFIG) */
} art_target;

/* fd: open for reading; size: bytes to send (from offset 0); rel: the path
   below the artifact root ('/'-separated, no "." or ".." segments).
   Returns 0, or the EXIT_* class with e filled (e->what names rel). detail,
   when not NULL, receives the server's answer when one caused the failure
   (transient, retry_after_ms: back off and try the artifact again later). */
int art_upload(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail);

/* Answer checks without I/O (tests and tests/fuzz/fuzz_json_resp.c). */
/* A PUT's answer: 0 when it counts as stored, else EXIT_REJECTED (why in e). */
int art_check_put_answer(const http_resp *rs, rest_err *e);
/* The proxy's mpu/create answer for nparts parts: the upload id and, for part
   i (1-based), urls[i-1] and its headers as "Name: value" lines (names are
   tokens, values without CR/LF). Refused unless every part 1..nparts comes
   exactly once with an http(s) URL. Owned results freed by art_mpu_free. */
typedef struct art_mpu {
    char *upload_id;
    int nparts;
    char **urls;
    struct curl_slist **headers;
} art_mpu;
int art_parse_mpu_create(const cJSON *answer, int nparts, art_mpu *out, rest_err *e);
void art_mpu_free(art_mpu *m);
/* Databricks credentials-for-write: the first credential's signed URL,
   headers and type; EXIT_UNSUPPORTED for Azure types. */
int art_parse_dbfs_credential(const cJSON *answer, char **url, struct curl_slist **headers, rest_err *e);

#endif
