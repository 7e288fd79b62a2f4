/* tools/aws_config.h — AWS settings resolved the way the AWS CLI and boto3
 * (and therefore MLflow) resolve them. Only what an S3 client needs.
 *
 * Credentials, first match wins:
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN, or the
 *      older AWS_SECURITY_TOKEN);
 *   2. the profile (AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default") in
 *      the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *      ~/.aws/credentials): aws_access_key_id, aws_secret_access_key,
 *      aws_session_token;
 *   3. the same keys in the profile of the config file (AWS_CONFIG_FILE,
 *      else ~/.aws/config; section "[profile NAME]", or "[default]").
 *   Instance roles, SSO and credential_process are not supported.
 * Region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, us-east-1.
 * Endpoint (S3-compatible stores: MinIO, Ceph, moto): MLFLOW_S3_ENDPOINT_URL
 *   (as MLflow does), AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
 *   nested `s3 = / endpoint_url = …`, the profile's `endpoint_url`; none =
 *   https://s3.REGION.amazonaws.com. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
 *   ignores all but MLFLOW_S3_ENDPOINT_URL.
 * Addressing: MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE (auto|path|virtual), else
 *   the profile's nested `s3 = / addressing_style = …`, else auto (path-style
 *   with an endpoint override or a bucket name that is not DNS-safe,
 *   virtual-hosted otherwise).
 * TLS: MLFLOW_S3_IGNORE_TLS=true turns certificate checks off.
 * Uploads, as MLflow: MLFLOW_S3_UPLOAD_EXTRA_ARGS, a JSON object of boto3
 *   ExtraArgs, becomes headers on PutObject/CreateMultipartUpload (ACL,
 *   CacheControl, ContentDisposition, ContentEncoding, ContentLanguage,
 *   Metadata, ServerSideEncryption, SSEKMSKeyId, SSEKMSEncryptionContext,
 *   BucketKeyEnabled, StorageClass, Tagging; others are an error);
 *   MLFLOW_S3_EXPECTED_BUCKET_OWNER adds x-amz-expected-bucket-owner to
 *   every request.
 *
 * The files are read with the tool's one INI walker (config.h: nested
 * "s3 =" keys, a line-length limit, an unreadable file is an error) and the
 * variables with its validated readers (booleans as MLflow spells them).
 *
 * Secrets: nothing here prints. aws_config_describe() shows where the
 * credentials came from and the key id's last 4 characters only.
 */
#ifndef MLL_TOOLS_AWS_CONFIG_H
#define MLL_TOOLS_AWS_CONFIG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum aws_addressing { AWS_ADDR_AUTO = 0, AWS_ADDR_PATH = 1, AWS_ADDR_VIRTUAL = 2 };

typedef struct aws_config {
    char *access_key_id;      /* NULL when no credentials were found */
    char *secret_access_key;
    char *session_token;      /* NULL if none */
    char *region;             /* never NULL after a successful load */
    char *endpoint_url;       /* NULL = AWS; no trailing '/' */
    char *profile;            /* the profile name used */
    int addressing;           /* enum aws_addressing */
    int ignore_tls;
    const char *cred_source;  /* "environment", "credentials file", "config file", NULL */
    char **upload_headers;    /* "name: value" lines from MLFLOW_S3_UPLOAD_EXTRA_ARGS */
    size_t n_upload_headers;
    char *expected_bucket_owner;  /* MLFLOW_S3_EXPECTED_BUCKET_OWNER, NULL if unset */
} aws_config;

/* Resolves everything from the environment and the shared files. Returns 0,
   or -1 with a message in err (unreadable file, bad addressing style, a
   named profile that exists nowhere). Missing credentials are not an error
   here (cfg->access_key_id stays NULL); the caller decides. */
int aws_config_load(aws_config *cfg, char *err, size_t errlen);
void aws_config_free(aws_config *cfg);

/* "credentials from the environment (key id …ABCD), region us-east-1,
   endpoint http://127.0.0.1:5000, path-style" — never a secret. */
void aws_config_describe(const aws_config *cfg, char *buf, size_t n);

/* Parses a MLFLOW_S3_UPLOAD_EXTRA_ARGS JSON text into cfg->upload_headers.
   0, or -1 with a message in err. Exposed for tests. */
int aws_parse_upload_extra_args(aws_config *cfg, const char *json, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif
