/* tools/config.c — see config.h */
#define _POSIX_C_SOURCE 200809L
#include "config.h"
#include "exitcodes.h"
#include "msgs.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s)) s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

char *config_ini_get(const char *path, const char *section, const char *key)
{
    FILE *f = fopen(path, "r");
    char line[8192], *res = NULL;
    int in = 0;
    if (!f) return NULL;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line), *eq;
        if (*s == '#' || *s == ';' || !*s) continue;
        if (*s == '[') {
            char *end = strchr(s, ']');
            if (end) *end = '\0';
            in = strcmp(trim(s + 1), section) == 0;
            continue;
        }
        if (!in || !(eq = strchr(s, '='))) continue;
        *eq = '\0';
        if (strcmp(trim(s), key) == 0) {
            free(res);
            res = xstrdup(trim(eq + 1));
        }
    }
    fclose(f);
    memset(line, 0, sizeof line);
    return res;
}

/* MLflow booleans: true/false/1/0 in any case; -1 when set to anything else */
static int env_bool(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) return 1;
    if (!strcasecmp(v, "false") || !strcmp(v, "0")) return 0;
    return -1;
}

static char *env_dup(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? xstrdup(v) : NULL;
}

static char *home_file(const char *rel)
{
    const char *h = getenv("HOME");
    return h ? path_join(h, rel) : NULL;
}

static int config_databricks(sync_cfg *c)
{
    const char *profile = "DEFAULT";
    char *cfgfile = env_dup("DATABRICKS_CONFIG_FILE");
    char *host, *token, *user, *pass;
    sbuf b = {0};
    if (strncmp(c->dest, "databricks://", 13) == 0 && c->dest[13]) profile = c->dest + 13;
    else if (getenv("DATABRICKS_CONFIG_PROFILE") && *getenv("DATABRICKS_CONFIG_PROFILE"))
        profile = getenv("DATABRICKS_CONFIG_PROFILE");
    if (!cfgfile) cfgfile = home_file(".databrickscfg");
    /* environment variables take precedence over the file */
    host = env_dup("DATABRICKS_HOST");
    token = env_dup("DATABRICKS_TOKEN");
    user = env_dup("DATABRICKS_USERNAME");
    pass = env_dup("DATABRICKS_PASSWORD");
    if (cfgfile) {
        if (!host) host = config_ini_get(cfgfile, profile, "host");
        if (!token) token = config_ini_get(cfgfile, profile, "token");
        if (!user) user = config_ini_get(cfgfile, profile, "username");
        if (!pass) pass = config_ini_get(cfgfile, profile, "password");
        if (!c->insecure) {
            char *ins = config_ini_get(cfgfile, profile, "insecure");
            if (ins && (!strcasecmp(ins, "true") || !strcmp(ins, "1"))) c->insecure = 1;
            free(ins);
        }
    }
    if (env_bool("DATABRICKS_INSECURE") == 1) c->insecure = 1;
    if (!host) {
        errorf(EXIT_CONFIG,
               "Databricks destination '%s': no host: set DATABRICKS_HOST or add 'host' to profile [%s] of %s",
               c->dest, profile, cfgfile ? cfgfile : "~/.databrickscfg");
        free(cfgfile);
        free(token);
        free(user);
        free(pass);
        return EXIT_CONFIG;
    }
    free(cfgfile);
    if (strncmp(host, "http://", 7) != 0 && strncmp(host, "https://", 8) != 0) sb_puts(&b, "https://");
    sb_puts(&b, host);
    free(host);
    while (b.len && b.s[b.len - 1] == '/') b.s[--b.len] = '\0';
    c->base = b.s;
    c->databricks = 1;
    if (token) {
        c->bearer = token;
        c->auth_kind = xstrdup("bearer");
        free(user);
        free(pass);
    } else if (user && pass) {
        sbuf up = {0};
        sb_printf(&up, "%s:%s", user, pass);
        c->userpwd = up.s;
        c->auth_kind = xstrdup("basic");
        memset(pass, 0, strlen(pass));
        free(user);
        free(pass);
    } else {
        free(user);
        free(pass);
        errorf(EXIT_CONFIG,
               "Databricks destination '%s': no credentials: set DATABRICKS_TOKEN (or username/password in "
               "profile [%s])",
               c->dest, profile);
        return EXIT_CONFIG;
    }
    return 0;
}

int config_resolve(sync_cfg *c)
{
    int ins;
    if (!c->dest || !*c->dest) c->dest = getenv("MLFLOW_TRACKING_URI");
    if (!c->dest || !*c->dest) {
        errorf(EXIT_USAGE, "no destination: give DEST or set MLFLOW_TRACKING_URI");
        return EXIT_USAGE;
    }
    ins = env_bool("MLFLOW_TRACKING_INSECURE_TLS");
    if (ins < 0) {
        errorf(EXIT_CONFIG, "MLFLOW_TRACKING_INSECURE_TLS must be true, false, 1 or 0");
        return EXIT_CONFIG;
    }
    if (ins) c->insecure = 1;
    c->ca_file = c->cacert ? xstrdup(c->cacert) : env_dup("MLFLOW_TRACKING_SERVER_CERT_PATH");
    c->client_cert = c->cert ? xstrdup(c->cert) : env_dup("MLFLOW_TRACKING_CLIENT_CERT_PATH");
    c->client_key = c->key ? xstrdup(c->key) : NULL;
    if (c->insecure && c->ca_file) {
        errorf(EXIT_CONFIG,
               "TLS settings contradict each other: insecure TLS and a server CA bundle (%s) are both set: "
               "unset MLFLOW_TRACKING_INSECURE_TLS or MLFLOW_TRACKING_SERVER_CERT_PATH",
               c->ca_file);
        return EXIT_CONFIG;
    }
    if (strcmp(c->dest, "databricks") == 0 || strncmp(c->dest, "databricks://", 13) == 0)
        return config_databricks(c);
    if (strncmp(c->dest, "http://", 7) == 0 || strncmp(c->dest, "https://", 8) == 0) {
        char *user = env_dup("MLFLOW_TRACKING_USERNAME"), *pass = env_dup("MLFLOW_TRACKING_PASSWORD");
        char *cred = home_file(".mlflow/credentials");
        size_t n;
        c->base = xstrdup(c->dest);
        n = strlen(c->base);
        while (n && c->base[n - 1] == '/') c->base[--n] = '\0';
        if (cred) { /* the environment overrides the file, per field */
            if (!user) user = config_ini_get(cred, "mlflow", "mlflow_tracking_username");
            if (!pass) pass = config_ini_get(cred, "mlflow", "mlflow_tracking_password");
            free(cred);
        }
        /* as MLflow's code does: basic when both are set, even if a token is set */
        if (user && pass) {
            sbuf up = {0};
            sb_printf(&up, "%s:%s", user, pass);
            c->userpwd = up.s;
            c->auth_kind = xstrdup("basic");
            memset(pass, 0, strlen(pass));
        } else if ((c->bearer = env_dup("MLFLOW_TRACKING_TOKEN")) != NULL) {
            c->auth_kind = xstrdup("bearer");
        } else
            c->auth_kind = xstrdup("none");
        free(user);
        free(pass);
        return 0;
    }
    if (strncmp(c->dest, "s3://", 5) == 0) return 0; /* handled by main.c */
    errorf(EXIT_UNSUPPORTED,
           "destination '%s' is not supported: use http(s)://host[:port][/prefix], databricks[://PROFILE] or "
           "s3://bucket/prefix",
           c->dest);
    return EXIT_UNSUPPORTED;
}

void config_free(sync_cfg *c)
{
    if (c->bearer) memset(c->bearer, 0, strlen(c->bearer));
    if (c->userpwd) memset(c->userpwd, 0, strlen(c->userpwd));
    free(c->base);
    free(c->bearer);
    free(c->userpwd);
    free(c->ca_file);
    free(c->client_cert);
    free(c->client_key);
    free(c->auth_kind);
    free(c->experiments);
    free(c->runs);
}
