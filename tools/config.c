/* tools/config.c — config_resolve(): DEST parsed and sanitized, credentials
 * and TLS settings chosen, every environment value the tool uses validated.
 * The readers themselves (getenv, INI files) are in config_env.c. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SHOWN_MAX = 200 };
#define ONE_WEEK_S 604800LL
#define GIB (1024LL * 1024 * 1024)

/* ---- small helpers ------------------------------------------------------------ */

static void wipe_free(char *s)
{
    if (!s) return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* DEST as it may appear in a message before it could be parsed: the userinfo
   (everything before the last '@' of the authority) becomes "***". */
static void dest_redacted(const char *dest, char *out, size_t n)
{
    const char *auth = strstr(dest, "://"), *end, *at = NULL, *p;
    if (!auth) {
        snprintf(out, n, "%.*s", SHOWN_MAX, dest);
        return;
    }
    auth += 3;
    end = auth + strcspn(auth, "/?#");
    for (p = auth; p < end; p++)
        if (*p == '@') at = p;
    if (at) snprintf(out, n, "%.*s***%.*s", (int)(auth - dest), dest, SHOWN_MAX, at);
    else snprintf(out, n, "%.*s", SHOWN_MAX, dest);
}

static char *home_path(const char *rel)
{
    const char *h = config_env_str("HOME");
    return h ? path_join(h, rel) : NULL;
}

/* A CA bundle, certificate or key named by an option or a variable must be a
   readable file now, not a TLS error after the first retries. */
static int check_readable(const char *path, const char *named_by, tool_err *e)
{
    struct stat st;
    if (!path) return 0;
    if (stat(path, &st) != 0) return err_set(e, EXIT_CONFIG, named_by, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return err_set(e, EXIT_CONFIG, named_by, "%s: is a directory, not a file", path);
    if (access(path, R_OK) != 0) return err_set(e, EXIT_CONFIG, named_by, "%s: %s", path, strerror(errno));
    return 0;
}

/* ---- DEST ------------------------------------------------------------------------ */

/* Well-formed MLflow tracking URIs that name a store the tool cannot write to. */
static int scheme_known_unsupported(const char *scheme)
{
    static const char *const known[] = {"file", "sqlite", "postgresql", "postgres", "mysql", "mssql",
                                        "databricks-uc", "uc", "ftp", "sftp", "hdfs", "gs", "wasbs",
                                        "abfss", "dbfs", "mlflow-artifacts", "runs", "models"};
    size_t i, n = strcspn(scheme, "+"); /* postgresql+psycopg2 */
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i]) == n && strncasecmp(scheme, known[i], n) == 0) return 1;
    return 0;
}

typedef struct dest_parts {
    char *user, *pass;                 /* decoded userinfo, owned, wiped */
} dest_parts;

/* http(s):// through libcurl's parser; fills base/dest_shown. */
static int parse_url_dest(tool_cfg *c, const char *shown, dest_parts *dp, tool_err *e)
{
    CURLU *u = curl_url();
    CURLUcode rc;
    char *host = NULL, *query = NULL, *frag = NULL, *url = NULL;
    int ret = 0;
    if (!u) return err_set(e, EXIT_FAILED, "DEST", "out of memory");
    rc = curl_url_set(u, CURLUPART_URL, c->dest, 0);
    if (rc == CURLUE_OK) rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (rc != CURLUE_OK || !host || !*host) {
        ret = err_set(e, EXIT_USAGE, "DEST", "'%s' is not a valid URL: %s", shown,
                      rc == CURLUE_OK || rc == CURLUE_NO_HOST ? "no host" : curl_url_strerror(rc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK || curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
        ret = err_set(e, EXIT_USAGE, "DEST", "'%s': a query (?...) or fragment (#...) has no meaning in DEST", shown);
        goto out;
    }
    curl_url_get(u, CURLUPART_USER, &dp->user, CURLU_URLDECODE);
    curl_url_get(u, CURLUPART_PASSWORD, &dp->pass, CURLU_URLDECODE);
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK || !url) {
        ret = err_set(e, EXIT_FAILED, "DEST", "out of memory");
        goto out;
    }
    {
        size_t n = strlen(url);
        while (n > 0 && url[n - 1] == '/') url[--n] = '\0';
        c->dest_shown = xstrdup(url);
        c->base = xstrdup(url);
        if (!c->dest_shown || !c->base) ret = err_set(e, EXIT_FAILED, "DEST", "out of memory");
    }
out:
    curl_free(host);
    curl_free(query);
    curl_free(frag);
    curl_free(url);
    curl_url_cleanup(u);
    return ret;
}

/* s3://bucket[/prefix]: not a URL libcurl would take, since an S3 prefix may hold any character
   (spaces, '+', '=', ':', '@', non-ASCII), as boto3 and MLflow take it. The bucket is a bucket name. */
static int parse_s3_dest(tool_cfg *c, const char *shown, tool_err *e)
{
    const char *b = c->dest + 5, *slash = strchr(b, '/');
    size_t bn = slash ? (size_t)(slash - b) : strlen(b), n;
    if (bn == 0 || bn > 255 || strspn(b, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") < bn)
        return err_set(e, EXIT_USAGE, "DEST", "'%s': not s3://bucket[/prefix] (a bucket name is letters, digits, "
                       "'.', '-' and '_'; credentials go in the AWS variables or ~/.aws/credentials)", shown);
    if (!(c->dest_shown = xstrdup(c->dest))) return err_set(e, EXIT_FAILED, "DEST", "out of memory");
    n = strlen(c->dest_shown);
    while (n > 5 + bn && c->dest_shown[n - 1] == '/') c->dest_shown[--n] = '\0';
    return 0;
}

/* Decides the kind of DEST; 0 or an EXIT_* with e filled. */
static int parse_dest(tool_cfg *c, dest_parts *dp, tool_err *e)
{
    char shown[SHOWN_MAX + 64], scheme[32];
    const char *sep = strstr(c->dest, "://");
    size_t n = sep ? (size_t)(sep - c->dest) : 0;
    dest_redacted(c->dest, shown, sizeof shown);
    if (strcmp(c->dest, "databricks") == 0) return c->kind = DEST_DATABRICKS, 0;
    if (!sep) {
        if (c->dest[0] == '/' || c->dest[0] == '.')
            return err_set(e, EXIT_UNSUPPORTED, "DEST", "'%s' is a local path: syncing into another file store is not "
                           "supported; give a tracking server URL", shown);
        return err_set(e, EXIT_USAGE, "DEST", "'%s' is not a URL: use http(s)://host[:port][/prefix], "
                       "databricks[://PROFILE] or s3://bucket[/prefix]", shown);
    }
    if (n == 0 || n >= sizeof scheme || strspn(c->dest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") < n)
        return err_set(e, EXIT_USAGE, "DEST", "'%s' has no valid scheme", shown);
    memcpy(scheme, c->dest, n);
    scheme[n] = '\0';
    if (!strcasecmp(scheme, "http") || !strcasecmp(scheme, "https")) {
        c->kind = DEST_TRACKING;
        return parse_url_dest(c, shown, dp, e);
    }
    if (!strcasecmp(scheme, "s3")) {
        c->kind = DEST_S3;
        return parse_s3_dest(c, shown, e);
    }
    if (!strcasecmp(scheme, "databricks")) {
        const char *p = sep + 3;
        if (!*p || strlen(p) > 128 || strpbrk(p, "[]/?#@ \t\r\n"))
            return err_set(e, EXIT_USAGE, "DEST", "'%s': not a Databricks profile name", shown);
        if (strchr(p, ':'))
            return err_set(e, EXIT_UNSUPPORTED, "DEST", "'%s': databricks://SCOPE:PREFIX (secret scopes) is not "
                           "supported; use a profile or DATABRICKS_HOST/DATABRICKS_TOKEN", shown);
        c->kind = DEST_DATABRICKS;
        return (c->profile = xstrdup(p)) ? 0 : err_set(e, EXIT_FAILED, "DEST", "out of memory");
    }
    if (scheme_known_unsupported(scheme))
        return err_set(e, EXIT_UNSUPPORTED, "DEST", "'%s': a %s: store cannot be synced to; use http(s)://, "
                       "databricks or s3://", shown, scheme);
    return err_set(e, EXIT_USAGE, "DEST", "'%s': unknown scheme '%s': use http(s)://host[:port][/prefix], "
                   "databricks[://PROFILE] or s3://bucket[/prefix]", shown, scheme);
}

/* ---- settings every kind of DEST uses ---------------------------------------- */

static int resolve_tls(tool_cfg *c, tool_err *e)
{
    int ins = 0;
    const char *ca_from = c->cacert ? "--cacert" : "MLFLOW_TRACKING_SERVER_CERT_PATH";
    const char *cert_from = c->cert ? "--cert" : "MLFLOW_TRACKING_CLIENT_CERT_PATH";
    if (config_env_bool("MLFLOW_TRACKING_INSECURE_TLS", &ins, e) != 0) return e->code;
    if (ins) c->insecure = 1;
    c->ca_file = xstrdup(c->cacert ? c->cacert : config_env_str("MLFLOW_TRACKING_SERVER_CERT_PATH"));
    c->client_cert = xstrdup(c->cert ? c->cert : config_env_str("MLFLOW_TRACKING_CLIENT_CERT_PATH"));
    c->client_key = xstrdup(c->key);
    if (check_readable(c->ca_file, ca_from, e) || check_readable(c->client_cert, cert_from, e) ||
        check_readable(c->client_key, "--key", e))
        return e->code;
    if (c->insecure && c->ca_file)
        return err_set(e, EXIT_CONFIG, "TLS settings", "insecure TLS and a server CA bundle (%s) are both set: unset "
                       "MLFLOW_TRACKING_INSECURE_TLS (or drop -k) or MLFLOW_TRACKING_SERVER_CERT_PATH (--cacert)",
                       c->ca_file);
    return 0;
}

static int resolve_numbers(tool_cfg *c, tool_err *e)
{
    long long v;
    if (c->retries < 0) {
        v = 7; /* MLflow's own default for MLFLOW_HTTP_REQUEST_MAX_RETRIES */
        if (config_env_ll("MLFLOW_HTTP_REQUEST_MAX_RETRIES", 0, 100, &v, e) != 0) return e->code;
        c->retries = (int)v;
    }
    if (!c->timeout_given) {
        v = 0;
        if (config_env_ll("MLFLOW_HTTP_REQUEST_TIMEOUT", 1, ONE_WEEK_S, &v, e) != 0) return e->code;
        c->timeout_s = (double)v;
    }
    c->art.multipart_threshold = 500LL << 20; /* MLflow's defaults */
    c->art.multipart_chunk = 10LL << 20;
    if (config_env_ll("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", 0, 1024 * 1024 * GIB, &c->art.multipart_threshold,
                      e) != 0 ||
        config_env_ll("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", 1, 5 * GIB, &c->art.multipart_chunk, e) != 0 ||
        config_env_size("MLFLOW_LITE_S3_MULTIPART_THRESHOLD", 1, 5 * GIB, &c->s3_multipart_threshold, e) != 0 ||
        config_env_size("MLFLOW_LITE_S3_PART_SIZE", 1, 5 * GIB, &c->s3_part_size, e) != 0)
        return e->code;
    return 0;
}

/* XDG: a relative XDG_STATE_HOME is invalid and ignored. Never /tmp: a state
   file in a folder everyone can write could be planted by someone else. */
static int resolve_state_dir(tool_cfg *c, tool_err *e)
{
    const char *x = config_env_str("XDG_STATE_HOME"), *h = config_env_str("HOME");
    sbuf b = {0};
    if (x && x[0] == '/') sb_printf(&b, "%s/mlflow-lite", x);
    else if (h) sb_printf(&b, "%s/.local/state/mlflow-lite", h);
    else return 0;
    if (b.oom) return err_set(e, EXIT_FAILED, "configuration", "out of memory");
    c->state_dir = b.s;
    return 0;
}

/* ---- credentials ----------------------------------------------------------------- */

/* Tracking server: DEST's userinfo, else MLFLOW_TRACKING_USERNAME/PASSWORD
   (each overriding ~/.mlflow/credentials per field, as MLflow), else
   MLFLOW_TRACKING_TOKEN. Basic wins over a token when both are set, as MLflow. */
static int resolve_tracking_auth(tool_cfg *c, dest_parts *dp, tool_err *e)
{
    char *cred = home_path(".mlflow/credentials"), *fuser = NULL, *fpass = NULL;
    const char *user = dp->user, *pass = dp->pass, *token;
    int ret = 0;
    if (!(user && pass)) {
        if (cred && (config_ini_get(cred, "mlflow", "mlflow_tracking_username", &fuser, e) != 0 ||
                     config_ini_get(cred, "mlflow", "mlflow_tracking_password", &fpass, e) != 0)) {
            ret = e->code;
            goto out;
        }
        if (!user) user = config_env_str("MLFLOW_TRACKING_USERNAME");
        if (!user) user = fuser;
        if (!pass) pass = config_env_str("MLFLOW_TRACKING_PASSWORD");
        if (!pass) pass = fpass;
        if (dp->user && !pass) {
            ret = err_set(e, EXIT_CONFIG, "DEST", "names user '%s' but no password is given: add it to DEST, set "
                          "MLFLOW_TRACKING_PASSWORD or ~/.mlflow/credentials", dp->user);
            goto out;
        }
    }
    c->auth_source = user == dp->user && pass == dp->pass ? "DEST"
                     : (user && user == fuser) || (pass && pass == fpass) ? "~/.mlflow/credentials"
                     : "environment";
    if (user && pass) {
        c->auth_kind = "basic";
        if (!(c->userpwd = str_join(user, ':', pass))) ret = err_set(e, EXIT_FAILED, "credentials", "out of memory");
    } else if ((token = config_env_str("MLFLOW_TRACKING_TOKEN")) != NULL) {
        c->auth_kind = "bearer";
        c->auth_source = "environment";
        if (!(c->bearer = xstrdup(token))) ret = err_set(e, EXIT_FAILED, "credentials", "out of memory");
    } else {
        c->auth_kind = "none";
        c->auth_source = "none";
    }
out:
    wipe_free(fuser);
    wipe_free(fpass);
    free(cred);
    return ret;
}

typedef struct dbx_profile {
    char *host, *token, *user, *pass, *insecure;
    int oom;
} dbx_profile;

static int dbx_cb(void *ud, const char *key, const char *value)
{
    dbx_profile *p = ud;
    char **slot = !strcasecmp(key, "host") ? &p->host
                  : !strcasecmp(key, "token") ? &p->token
                  : !strcasecmp(key, "username") ? &p->user
                  : !strcasecmp(key, "password") ? &p->pass
                  : !strcasecmp(key, "insecure") ? &p->insecure
                  : NULL;
    if (!slot) return 0;
    wipe_free(*slot);
    if (!(*slot = xstrdup(value))) p->oom = 1;
    return 0;
}

static void dbx_free(dbx_profile *p)
{
    wipe_free(p->host);
    wipe_free(p->token);
    wipe_free(p->user);
    wipe_free(p->pass);
    wipe_free(p->insecure);
}

/* The workspace URL (env or profile) through the same URL parser as DEST. */
static int dbx_base(tool_cfg *c, const char *host, tool_err *e)
{
    const char *saved = c->dest;
    dest_parts dp = {NULL, NULL};
    sbuf b = {0};
    int rc;
    if (!strstr(host, "://")) sb_puts(&b, "https://");
    sb_puts(&b, host);
    if (b.oom) return err_set(e, EXIT_FAILED, "Databricks host", "out of memory");
    c->dest = b.s;
    rc = parse_url_dest(c, "the Databricks host", &dp, e);
    c->dest = saved;
    if (rc == 0 && (dp.user || dp.pass))
        rc = err_set(e, EXIT_CONFIG, "Databricks host", "must not hold credentials: use a token");
    if (rc == EXIT_USAGE) e->code = rc = EXIT_CONFIG; /* it came from the environment or a file */
    wipe_free(dp.user);
    wipe_free(dp.pass);
    sb_free(&b);
    return rc;
}

/* Environment over profile, per field; a token wins over username/password. */
static int resolve_databricks_creds(tool_cfg *c, dbx_profile *p, const char *file, tool_err *e)
{
    const char *host = config_env_str("DATABRICKS_HOST") ? config_env_str("DATABRICKS_HOST") : p->host;
    const char *token = config_env_str("DATABRICKS_TOKEN") ? config_env_str("DATABRICKS_TOKEN") : p->token;
    const char *user = config_env_str("DATABRICKS_USERNAME") ? config_env_str("DATABRICKS_USERNAME") : p->user;
    const char *pass = config_env_str("DATABRICKS_PASSWORD") ? config_env_str("DATABRICKS_PASSWORD") : p->pass;
    const char *fname = file ? file : "~/.databrickscfg";
    if (!host)
        return err_set(e, EXIT_CONFIG, "Databricks destination", "no host: set DATABRICKS_HOST or add 'host' to "
                       "profile [%s] of %s", c->profile, fname);
    if (dbx_base(c, host, e) != 0) return e->code;
    c->auth_source = token == p->token && user == p->user ? "Databricks profile" : "environment";
    if (token) {
        c->auth_kind = "bearer";
        c->bearer = xstrdup(token);
        if (!c->bearer) return err_set(e, EXIT_FAILED, "credentials", "out of memory");
    } else if (user && pass) {
        c->auth_kind = "basic";
        if (!(c->userpwd = str_join(user, ':', pass))) return err_set(e, EXIT_FAILED, "credentials", "out of memory");
    } else
        return err_set(e, EXIT_CONFIG, "Databricks destination", "no credentials: set DATABRICKS_TOKEN (or "
                       "'token', or 'username' and 'password', in profile [%s] of %s)", c->profile, fname);
    return 0;
}

static int resolve_databricks(tool_cfg *c, tool_err *e)
{
    dbx_profile p = {0};
    const char *file_env = config_env_str("DATABRICKS_CONFIG_FILE");
    char *file = file_env ? xstrdup(file_env) : home_path(".databrickscfg");
    int ins = 0, ret = 0;
    if (!c->profile) c->profile = xstrdup(config_env_str("DATABRICKS_CONFIG_PROFILE") ? config_env_str("DATABRICKS_CONFIG_PROFILE") : "DEFAULT");
    if (!c->profile) return err_set(e, EXIT_FAILED, "configuration", "out of memory");
    if (file && config_ini_walk(file, c->profile, dbx_cb, &p, NULL, e) != 0) {
        ret = e->code;
        goto out;
    }
    if (p.oom) {
        ret = err_set(e, EXIT_FAILED, "configuration", "out of memory");
        goto out;
    }
    if (config_env_bool("DATABRICKS_INSECURE", &ins, e) != 0) {
        ret = e->code;
        goto out;
    }
    if (ins || (p.insecure && (!strcasecmp(p.insecure, "true") || !strcmp(p.insecure, "1")))) c->insecure = 1;
    ret = resolve_databricks_creds(c, &p, file, e);
out:
    dbx_free(&p);
    free(file);
    return ret;
}

/* ---- the door --------------------------------------------------------------------- */

int config_resolve(tool_cfg *c, tool_err *e)
{
    dest_parts dp = {NULL, NULL};
    int rc;
    err_clear(e);
    if (!c->dest || !*c->dest) c->dest = config_env_str("MLFLOW_TRACKING_URI");
    if (!c->dest) return err_set(e, EXIT_USAGE, "DEST", "no destination: give DEST or set MLFLOW_TRACKING_URI");
    rc = parse_dest(c, &dp, e);
    if (rc == 0) rc = resolve_tls(c, e);
    if (rc == 0) rc = resolve_numbers(c, e);
    if (rc == 0) rc = resolve_state_dir(c, e);
    if (rc == 0 && c->kind == DEST_TRACKING) rc = resolve_tracking_auth(c, &dp, e);
    else if (rc == 0 && c->kind == DEST_DATABRICKS) rc = resolve_databricks(c, e);
    else if (rc == 0) c->auth_kind = "none", c->auth_source = "none"; /* S3: aws_config.c */
    if (rc == 0 && (!c->ca_file && c->cacert)) rc = err_set(e, EXIT_FAILED, "configuration", "out of memory");
    wipe_free(dp.user);
    wipe_free(dp.pass);
    return rc;
}

void config_free(tool_cfg *c)
{
    wipe_free(c->bearer);
    wipe_free(c->userpwd);
    wipe_free(c->dest_buf);
    free(c->base);
    free(c->dest_shown);
    free(c->profile);
    free(c->ca_file);
    free(c->client_cert);
    free(c->client_key);
    free(c->state_dir);
    free((void *)c->experiments);
    free((void *)c->runs);
    free((void *)c->order_by);
    memset(c, 0, sizeof *c);
}
