/* tools/aws_config.c — see aws_config.h for the resolution order. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "aws_config.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *ac_strdup(const char *s)
{
    size_t n;
    char *d;
    if (!s) return NULL;
    n = strlen(s);
    d = malloc(n + 1);
    if (d) memcpy(d, s, n + 1);
    return d;
}

static const char *ac_env(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

static int ac_truthy(const char *v)
{
    return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcasecmp(v, "yes") == 0);
}

static char *ac_trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t') s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = '\0';
    return s;
}

/* Walks an AWS ini file. For every key in `section` calls back with the
   full key name ("name" or "parent.name" for nested lines). Stops when the
   callback returns non-zero. Returns -1 if the file cannot be opened. */
typedef int (*ac_ini_cb)(void *ud, const char *key, const char *val);

static int ac_ini_walk(const char *path, const char *section, ac_ini_cb cb, void *ud, int *found_section)
{
    FILE *f;
    char line[4096];
    int in = 0;
    char parent[128] = "";

    if (found_section) *found_section = 0;
    if (!path || !(f = fopen(path, "r"))) return -1;
    while (fgets(line, sizeof line, f)) {
        int indented = (line[0] == ' ' || line[0] == '\t');
        char *s = ac_trim(line), *eq;
        if (*s == '\0' || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (e) *e = '\0';
            s = ac_trim(s + 1);
            in = strcmp(s, section) == 0;
            if (in && found_section) *found_section = 1;
            parent[0] = '\0';
            continue;
        }
        if (!in) continue;
        eq = strchr(s, '=');
        if (!eq) continue;
        *eq = '\0';
        {
            char *k = ac_trim(s), *v = ac_trim(eq + 1);
            char full[300];
            if (indented && parent[0]) {
                snprintf(full, sizeof full, "%s.%s", parent, k);
            } else {
                if (*v == '\0') snprintf(parent, sizeof parent, "%s", k);
                else parent[0] = '\0';
                snprintf(full, sizeof full, "%s", k);
            }
            if (*v && cb(ud, full, v)) break;
        }
    }
    fclose(f);
    return 0;
}

struct ac_get { const char *want; char *val; };

static int ac_get_cb(void *ud, const char *key, const char *val)
{
    struct ac_get *g = ud;
    if (strcmp(key, g->want) != 0) return 0;
    free(g->val);
    g->val = ac_strdup(val);
    return 1;
}

char *aws_ini_get(const char *path, const char *section, const char *key)
{
    struct ac_get g;
    g.want = key;
    g.val = NULL;
    ac_ini_walk(path, section, ac_get_cb, &g, NULL);
    return g.val;
}

static int ac_none_cb(void *ud, const char *key, const char *val)
{
    (void)ud; (void)key; (void)val;
    return 0;
}

int aws_ini_has_section(const char *path, const char *section)
{
    int found = 0;
    ac_ini_walk(path, section, ac_none_cb, NULL, &found);
    return found;
}

static char *ac_home_file(const char *env_name, const char *rel)
{
    const char *v = ac_env(env_name), *home;
    char buf[4096];
    if (v) return ac_strdup(v);
    home = ac_env("HOME");
    if (!home) return NULL;
    snprintf(buf, sizeof buf, "%s/%s", home, rel);
    return ac_strdup(buf);
}

/* The profile's value in the config file: "[default]" or "[profile NAME]". */
static char *ac_config_get(const char *config_file, const char *profile, const char *key)
{
    char sect[300];
    char *v;
    snprintf(sect, sizeof sect, "profile %s", profile);
    v = aws_ini_get(config_file, sect, key);
    if (!v && strcmp(profile, "default") == 0) v = aws_ini_get(config_file, "default", key);
    return v;
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

/* 1. the environment's key pair; 2. the profile in the credentials file; 3. in the config file */
static void ac_load_credentials(aws_config *cfg, const char *cred_file, const char *config_file)
{
    const char *ev;
    char *id, *sec;
    if (ac_env("AWS_ACCESS_KEY_ID") && ac_env("AWS_SECRET_ACCESS_KEY")) {
        cfg->access_key_id = ac_strdup(ac_env("AWS_ACCESS_KEY_ID"));
        cfg->secret_access_key = ac_strdup(ac_env("AWS_SECRET_ACCESS_KEY"));
        ev = ac_env("AWS_SESSION_TOKEN");
        if (!ev) ev = ac_env("AWS_SECURITY_TOKEN");
        cfg->session_token = ac_strdup(ev);
        cfg->cred_source = "environment";
        return;
    }
    id = aws_ini_get(cred_file, cfg->profile, "aws_access_key_id");
    sec = aws_ini_get(cred_file, cfg->profile, "aws_secret_access_key");
    if (id && sec) {
        cfg->session_token = aws_ini_get(cred_file, cfg->profile, "aws_session_token");
        cfg->cred_source = "credentials file";
    } else {
        free(id);
        free(sec);
        id = ac_config_get(config_file, cfg->profile, "aws_access_key_id");
        sec = ac_config_get(config_file, cfg->profile, "aws_secret_access_key");
        if (id && sec) {
            cfg->session_token = ac_config_get(config_file, cfg->profile, "aws_session_token");
            cfg->cred_source = "config file";
        } else {
            free(id);
            free(sec);
            id = sec = NULL;
        }
    }
    cfg->access_key_id = id;
    cfg->secret_access_key = sec;
}

/* a profile named explicitly must exist somewhere */
static int ac_check_profile(const aws_config *cfg, const char *cred_file, const char *config_file, char *err,
                            size_t errlen)
{
    char sect[300];
    if (!(ac_env("AWS_PROFILE") || ac_env("AWS_DEFAULT_PROFILE")) || strcmp(cfg->profile, "default") == 0) return 0;
    snprintf(sect, sizeof sect, "profile %s", cfg->profile);
    if (aws_ini_has_section(cred_file, cfg->profile) || aws_ini_has_section(config_file, sect)) return 0;
    snprintf(err, errlen, "AWS profile '%s' is in neither %s nor %s", cfg->profile,
             cred_file ? cred_file : "~/.aws/credentials", config_file ? config_file : "~/.aws/config");
    return -1;
}

static int ac_load_endpoint(aws_config *cfg, const char *config_file, char *err, size_t errlen)
{
    int ignore_ep = ac_truthy(ac_env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"));
    const char *ev;
    if ((ev = ac_env("MLFLOW_S3_ENDPOINT_URL"))) cfg->endpoint_url = ac_strdup(ev);
    else if (!ignore_ep && (ev = ac_env("AWS_ENDPOINT_URL_S3"))) cfg->endpoint_url = ac_strdup(ev);
    else if (!ignore_ep && (ev = ac_env("AWS_ENDPOINT_URL"))) cfg->endpoint_url = ac_strdup(ev);
    else if (!ignore_ep) {
        cfg->endpoint_url = ac_config_get(config_file, cfg->profile, "s3.endpoint_url");
        if (!cfg->endpoint_url) cfg->endpoint_url = ac_config_get(config_file, cfg->profile, "endpoint_url");
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
    char *v;
    int bad;
    if ((ev = ac_env("MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE"))) {
        if (ac_parse_addressing(ev, &cfg->addressing) == 0) return 0;
        snprintf(err, errlen, "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE='%s' is not auto, path or virtual", ev);
        return -1;
    }
    if (!(v = ac_config_get(config_file, cfg->profile, "s3.addressing_style"))) return 0;
    bad = ac_parse_addressing(v, &cfg->addressing) != 0;
    if (bad) snprintf(err, errlen, "addressing_style '%s' in %s is not auto, path or virtual", v, config_file);
    free(v);
    return bad ? -1 : 0;
}

int aws_config_load(aws_config *cfg, char *err, size_t errlen)
{
    char *cred_file, *config_file;
    const char *ev;
    int rc = 0;

    memset(cfg, 0, sizeof *cfg);
    if (err && errlen) err[0] = '\0';
    ev = ac_env("AWS_PROFILE");
    if (!ev) ev = ac_env("AWS_DEFAULT_PROFILE");
    cfg->profile = ac_strdup(ev ? ev : "default");
    cred_file = ac_home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    config_file = ac_home_file("AWS_CONFIG_FILE", ".aws/config");
    if (!cfg->profile) rc = -1;
    if (rc == 0) {
        ac_load_credentials(cfg, cred_file, config_file);
        rc = ac_check_profile(cfg, cred_file, config_file, err, errlen);
    }
    if (rc == 0) {
        ev = ac_env("AWS_REGION");
        if (!ev) ev = ac_env("AWS_DEFAULT_REGION");
        if (ev) cfg->region = ac_strdup(ev);
        else if (!(cfg->region = ac_config_get(config_file, cfg->profile, "region")))
            cfg->region = ac_strdup("us-east-1");
        rc = ac_load_endpoint(cfg, config_file, err, errlen);
    }
    if (rc == 0) rc = ac_load_addressing(cfg, config_file, err, errlen);
    if (rc == 0) {
        cfg->ignore_tls = ac_truthy(ac_env("MLFLOW_S3_IGNORE_TLS"));
        if ((ev = ac_env("MLFLOW_S3_EXPECTED_BUCKET_OWNER"))) cfg->expected_bucket_owner = ac_strdup(ev);
        if ((ev = ac_env("MLFLOW_S3_UPLOAD_EXTRA_ARGS"))) rc = aws_parse_upload_extra_args(cfg, ev, err, errlen);
    }
    if (rc == 0 && !cfg->region) rc = -1;
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
