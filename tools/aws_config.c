/* tools/aws_config.c — see aws_config.h for the resolution order. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "aws_config.h"
#include "config.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The AWS files are INI files with nested keys ("s3 =" then indented
   "endpoint_url = ..."): read with the tool's one INI walker (config.h),
   which passes those as "s3.endpoint_url". A file that exists but cannot be
   read (a directory, no permission, an overlong line) is an error. */
static int ac_file_get(const char *path, const char *section, const char *key, char **out, char *err, size_t errlen)
{
    tool_err e;
    err_clear(&e);
    if (config_ini_get(path, section, key, out, &e) == 0) return 0;
    snprintf(err, errlen, "%s: %s", e.what, e.why);
    return -1;
}

static char *ac_home_file(const char *env_name, const char *rel)
{
    const char *v = config_env_str(env_name), *home;
    if (v) return xstrdup(v);
    home = config_env_str("HOME");
    return home ? path_join(home, rel) : NULL;
}

/* The profile's value in the config file: "[default]" or "[profile NAME]". */
static int ac_config_get(const char *config_file, const char *profile, const char *key, char **out, char *err,
                         size_t errlen)
{
    char sect[300];
    snprintf(sect, sizeof sect, "profile %s", profile);
    if (ac_file_get(config_file, sect, key, out, err, errlen) != 0) return -1;
    if (!*out && strcmp(profile, "default") == 0) return ac_file_get(config_file, "default", key, out, err, errlen);
    return 0;
}

static int ac_parse_addressing(const char *v, int *out)
{
    if (!v || strcasecmp(v, "auto") == 0) *out = AWS_ADDR_AUTO;
    else if (strcasecmp(v, "path") == 0) *out = AWS_ADDR_PATH;
    else if (strcasecmp(v, "virtual") == 0) *out = AWS_ADDR_VIRTUAL;
    else return -1;
    return 0;
}

static void ac_strip_slash(char *s)
{
    size_t n;
    if (!s) return;
    n = strlen(s);
    while (n > 0 && s[n - 1] == '/') s[--n] = '\0';
}

static const char *ac_env2(const char *a, const char *b)
{
    const char *v = config_env_str(a);
    return v ? v : config_env_str(b);
}

/* key id and secret from one place: both, or neither */
static int ac_pair(aws_config *cfg, char *id, char *sec, const char *source)
{
    if (id && sec) {
        cfg->access_key_id = id;
        cfg->secret_access_key = sec;
        cfg->cred_source = source;
        return 1;
    }
    free(id);
    free(sec);
    return 0;
}

/* 1. the environment's key pair; 2. the profile in the credentials file; 3. in the config file */
static int ac_load_credentials(aws_config *cfg, const char *cred_file, const char *config_file, char *err,
                               size_t errlen)
{
    char *id = NULL, *sec = NULL;
    const char *p = cfg->profile;
    if (config_env_str("AWS_ACCESS_KEY_ID") && config_env_str("AWS_SECRET_ACCESS_KEY")) {
        ac_pair(cfg, xstrdup(config_env_str("AWS_ACCESS_KEY_ID")), xstrdup(config_env_str("AWS_SECRET_ACCESS_KEY")),
                "environment");
        cfg->session_token = xstrdup(ac_env2("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"));
        return cfg->access_key_id && cfg->secret_access_key ? 0 : -1;
    }
    if (ac_file_get(cred_file, p, "aws_access_key_id", &id, err, errlen) != 0 ||
        ac_file_get(cred_file, p, "aws_secret_access_key", &sec, err, errlen) != 0)
        return ac_pair(cfg, id, sec, NULL), -1;
    if (ac_pair(cfg, id, sec, "credentials file"))
        return ac_file_get(cred_file, p, "aws_session_token", &cfg->session_token, err, errlen);
    id = sec = NULL;
    if (ac_config_get(config_file, p, "aws_access_key_id", &id, err, errlen) != 0 ||
        ac_config_get(config_file, p, "aws_secret_access_key", &sec, err, errlen) != 0)
        return ac_pair(cfg, id, sec, NULL), -1;
    if (ac_pair(cfg, id, sec, "config file"))
        return ac_config_get(config_file, p, "aws_session_token", &cfg->session_token, err, errlen);
    return 0;
}

static int ac_none_cb(void *ud, const char *key, const char *val)
{
    (void)ud;
    (void)key;
    (void)val;
    return 0;
}

/* a profile named explicitly must exist somewhere */
static int ac_check_profile(const aws_config *cfg, const char *cred_file, const char *config_file, char *err,
                            size_t errlen)
{
    char sect[300];
    int in_cred = 0, in_config = 0;
    tool_err e;
    if (!ac_env2("AWS_PROFILE", "AWS_DEFAULT_PROFILE") || strcmp(cfg->profile, "default") == 0) return 0;
    snprintf(sect, sizeof sect, "profile %s", cfg->profile);
    if (config_ini_walk(cred_file, cfg->profile, ac_none_cb, NULL, &in_cred, &e) != 0 ||
        config_ini_walk(config_file, sect, ac_none_cb, NULL, &in_config, &e) != 0) {
        snprintf(err, errlen, "%s: %s", e.what, e.why);
        return -1;
    }
    if (in_cred || in_config) return 0;
    snprintf(err, errlen, "AWS profile '%s' is in neither %s nor %s", cfg->profile,
             cred_file ? cred_file : "~/.aws/credentials", config_file ? config_file : "~/.aws/config");
    return -1;
}

static int ac_bool(const char *name, int *out, char *err, size_t errlen)
{
    tool_err e;
    if (config_env_bool(name, out, &e) == 0) return 0;
    snprintf(err, errlen, "%s: %s", e.what, e.why);
    return -1;
}

static int ac_load_endpoint(aws_config *cfg, const char *config_file, char *err, size_t errlen)
{
    int ignore_ep = 0;
    const char *ev;
    if (ac_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", &ignore_ep, err, errlen) != 0) return -1;
    if ((ev = config_env_str("MLFLOW_S3_ENDPOINT_URL"))) cfg->endpoint_url = xstrdup(ev);
    else if (!ignore_ep && (ev = ac_env2("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))) cfg->endpoint_url = xstrdup(ev);
    else if (!ignore_ep) {
        if (ac_config_get(config_file, cfg->profile, "s3.endpoint_url", &cfg->endpoint_url, err, errlen) != 0 ||
            (!cfg->endpoint_url &&
             ac_config_get(config_file, cfg->profile, "endpoint_url", &cfg->endpoint_url, err, errlen) != 0))
            return -1;
    }
    ac_strip_slash(cfg->endpoint_url);
    if (cfg->endpoint_url && strncmp(cfg->endpoint_url, "http://", 7) != 0 &&
        strncmp(cfg->endpoint_url, "https://", 8) != 0) {
        snprintf(err, errlen, "S3 endpoint URL '%s' must start with http:// or https://", cfg->endpoint_url);
        return -1;
    }
    return 0;
}

static int ac_load_addressing(aws_config *cfg, const char *config_file, char *err, size_t errlen)
{
    const char *ev;
    char *v = NULL;
    int bad;
    if ((ev = config_env_str("MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE"))) {
        if (ac_parse_addressing(ev, &cfg->addressing) == 0) return 0;
        snprintf(err, errlen, "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE='%s' is not auto, path or virtual", ev);
        return -1;
    }
    if (ac_config_get(config_file, cfg->profile, "s3.addressing_style", &v, err, errlen) != 0) return -1;
    if (!v) return 0;
    bad = ac_parse_addressing(v, &cfg->addressing) != 0;
    if (bad) snprintf(err, errlen, "addressing_style '%s' in %s is not auto, path or virtual", v, config_file);
    free(v);
    return bad ? -1 : 0;
}

static int ac_load_region(aws_config *cfg, const char *config_file, char *err, size_t errlen)
{
    const char *ev = ac_env2("AWS_REGION", "AWS_DEFAULT_REGION");
    if (ev) cfg->region = xstrdup(ev);
    else if (ac_config_get(config_file, cfg->profile, "region", &cfg->region, err, errlen) != 0) return -1;
    if (!cfg->region) cfg->region = xstrdup("us-east-1");
    return cfg->region ? 0 : -1;
}

int aws_config_load(aws_config *cfg, char *err, size_t errlen)
{
    char *cred_file, *config_file;
    const char *ev;
    int rc = 0;

    memset(cfg, 0, sizeof *cfg);
    if (err && errlen) err[0] = '\0';
    ev = ac_env2("AWS_PROFILE", "AWS_DEFAULT_PROFILE");
    cfg->profile = xstrdup(ev ? ev : "default");
    cred_file = ac_home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    config_file = ac_home_file("AWS_CONFIG_FILE", ".aws/config");
    if (!cfg->profile) rc = -1;
    if (rc == 0) rc = ac_load_credentials(cfg, cred_file, config_file, err, errlen);
    if (rc == 0) rc = ac_check_profile(cfg, cred_file, config_file, err, errlen);
    if (rc == 0) rc = ac_load_region(cfg, config_file, err, errlen);
    if (rc == 0) rc = ac_load_endpoint(cfg, config_file, err, errlen);
    if (rc == 0) rc = ac_load_addressing(cfg, config_file, err, errlen);
    if (rc == 0) rc = ac_bool("MLFLOW_S3_IGNORE_TLS", &cfg->ignore_tls, err, errlen);
    if (rc == 0 && (ev = config_env_str("MLFLOW_S3_EXPECTED_BUCKET_OWNER")) &&
        !(cfg->expected_bucket_owner = xstrdup(ev)))
        rc = -1;
    if (rc == 0 && (ev = config_env_str("MLFLOW_S3_UPLOAD_EXTRA_ARGS")))
        rc = aws_parse_upload_extra_args(cfg, ev, err, errlen);
    free(cred_file);
    free(config_file);
    if (rc != 0 && err && errlen && !err[0]) snprintf(err, errlen, "out of memory");
    return rc;
}

static void ac_free_secret(char *s)
{
    if (!s) return;
    memset(s, 0, strlen(s));
    free(s);
}

static int ac_add_header(aws_config *cfg, const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n), **p;
    if (!line) return -1;
    snprintf(line, n, "%s: %s", name, value);
    p = realloc(cfg->upload_headers, (cfg->n_upload_headers + 1) * sizeof *p);
    if (!p) {
        free(line);
        return -1;
    }
    cfg->upload_headers = p;
    cfg->upload_headers[cfg->n_upload_headers++] = line;
    return 0;
}

static int ac_header_value_ok(const char *v)
{
    for (; *v; v++)
        if ((unsigned char)*v < 0x20 || (unsigned char)*v > 0x7e) return 0;
    return 1;
}

int aws_parse_upload_extra_args(aws_config *cfg, const char *json, char *err, size_t errlen)
{
    /* boto3 ExtraArgs name -> S3 header; NULL header = handled specially */
    static const char *const map[][2] = {
        {"ACL", "x-amz-acl"},
        {"BucketKeyEnabled", "x-amz-server-side-encryption-bucket-key-enabled"},
        {"CacheControl", "cache-control"},
        {"ContentDisposition", "content-disposition"},
        {"ContentEncoding", "content-encoding"},
        {"ContentLanguage", "content-language"},
        {"Metadata", NULL},
        {"SSEKMSEncryptionContext", "x-amz-server-side-encryption-context"},
        {"SSEKMSKeyId", "x-amz-server-side-encryption-aws-kms-key-id"},
        {"ServerSideEncryption", "x-amz-server-side-encryption"},
        {"StorageClass", "x-amz-storage-class"},
        {"Tagging", "x-amz-tagging"}};
    cJSON *root = cJSON_Parse(json), *it;
    int rc = 0;
    if (!root || !cJSON_IsObject(root)) {
        snprintf(err, errlen, "MLFLOW_S3_UPLOAD_EXTRA_ARGS is not a JSON object");
        cJSON_Delete(root);
        return -1;
    }
    cJSON_ArrayForEach(it, root) {
        size_t i, found = sizeof map / sizeof map[0];
        for (i = 0; i < sizeof map / sizeof map[0]; i++)
            if (strcmp(it->string, map[i][0]) == 0) found = i;
        if (found == sizeof map / sizeof map[0]) {
            snprintf(err, errlen, "MLFLOW_S3_UPLOAD_EXTRA_ARGS: '%s' is not supported by mlflow-lite", it->string);
            rc = -1;
            break;
        }
        if (!map[found][1]) { /* Metadata: {"k": "v"} -> x-amz-meta-k: v */
            cJSON *kv;
            if (!cJSON_IsObject(it)) {
                snprintf(err, errlen, "MLFLOW_S3_UPLOAD_EXTRA_ARGS: Metadata must be an object");
                rc = -1;
                break;
            }
            cJSON_ArrayForEach(kv, it) {
                char name[300];
                if (!cJSON_IsString(kv) || !ac_header_value_ok(kv->valuestring) || !ac_header_value_ok(kv->string)) {
                    snprintf(err, errlen, "MLFLOW_S3_UPLOAD_EXTRA_ARGS: Metadata '%s' needs a printable ASCII "
                             "string value", kv->string);
                    rc = -1;
                    break;
                }
                snprintf(name, sizeof name, "x-amz-meta-%s", kv->string);
                if (ac_add_header(cfg, name, kv->valuestring) != 0) rc = -1;
            }
            if (rc) break;
        } else if (cJSON_IsBool(it)) {
            rc = ac_add_header(cfg, map[found][1], cJSON_IsTrue(it) ? "true" : "false");
        } else if (cJSON_IsString(it) && ac_header_value_ok(it->valuestring)) {
            rc = ac_add_header(cfg, map[found][1], it->valuestring);
        } else {
            snprintf(err, errlen, "MLFLOW_S3_UPLOAD_EXTRA_ARGS: '%s' needs a printable ASCII string", it->string);
            rc = -1;
        }
        if (rc) break;
    }
    cJSON_Delete(root);
    if (rc && err && !err[0]) snprintf(err, errlen, "out of memory");
    return rc;
}

void aws_config_free(aws_config *cfg)
{
    size_t i;
    if (!cfg) return;
    for (i = 0; i < cfg->n_upload_headers; i++) free(cfg->upload_headers[i]);
    free(cfg->upload_headers);
    free(cfg->expected_bucket_owner);
    free(cfg->access_key_id);
    ac_free_secret(cfg->secret_access_key);
    ac_free_secret(cfg->session_token);
    free(cfg->region);
    free(cfg->endpoint_url);
    free(cfg->profile);
    memset(cfg, 0, sizeof *cfg);
}

void aws_config_describe(const aws_config *cfg, char *buf, size_t n)
{
    char id[16] = "none";
    size_t k;
    static const char *const styles[] = {"auto", "path-style", "virtual-hosted"};
    if (cfg->access_key_id) {
        k = strlen(cfg->access_key_id);
        snprintf(id, sizeof id, "...%s", k > 4 ? cfg->access_key_id + k - 4 : "");
    }
    snprintf(buf, n, "credentials from %s (profile %s, key id %s%s), region %s, endpoint %s, %s addressing%s",
             cfg->cred_source ? cfg->cred_source : "nowhere", cfg->profile ? cfg->profile : "default", id,
             cfg->session_token ? ", session token" : "", cfg->region ? cfg->region : "?",
             cfg->endpoint_url ? cfg->endpoint_url : "AWS", styles[cfg->addressing % 3],
             cfg->ignore_tls ? ", TLS checks off" : "");
}
