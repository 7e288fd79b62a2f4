/* tools/config_env.c — reading environment variables and INI credential
 * files, each value checked before anyone uses it. The one place in tools/
 * (with aws_config.c) that calls getenv(); config.c decides what the values
 * mean. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#define _POSIX_C_SOURCE 200809L
#include "config.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Secrets are never echoed in an error message, even when malformed. */
static int env_is_secret(const char *name)
{
    return strstr(name, "TOKEN") || strstr(name, "PASSWORD") || strstr(name, "SECRET");
}

/* The value as it may appear in a message: quoted, cut at 64 bytes, or hidden. */
static void env_shown(const char *name, const char *v, char *out, size_t n)
{
    if (env_is_secret(name)) snprintf(out, n, "(hidden)");
    else snprintf(out, n, "'%.64s%s'", v, strlen(v) > 64 ? "..." : "");
}

const char *config_env_str(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int config_env_bool(const char *name, int *out, tool_err *e)
{
    const char *v = config_env_str(name);
    char shown[80];
    if (!v) return 0;
    if (!strcasecmp(v, "true") || !strcmp(v, "1")) *out = 1;
    else if (!strcasecmp(v, "false") || !strcmp(v, "0")) *out = 0;
    else {
        env_shown(name, v, shown, sizeof shown);
        err_set(e, EXIT_CONFIG, name, "%s is not a boolean: use true, false, 1 or 0 (as MLflow)", shown);
        return -1;
    }
    return 0;
}

int config_parse_ll(const char *s, long long *out)
{
    const char *p = s;
    unsigned long long x = 0, lim;
    int neg = 0;
    if (*p == '-') neg = 1, p++;
    if (!*p) return -1;
    lim = neg ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return -1;
        if (x > (lim - (unsigned long long)(*p - '0')) / 10) return -1;
        x = x * 10 + (unsigned long long)(*p - '0');
    }
    if (neg) *out = x == 9223372036854775808ULL ? (-9223372036854775807LL - 1) : -(long long)x;
    else *out = (long long)x;
    return 0;
}

int config_parse_secs(const char *s, double *out)
{
    const char *p = s;
    double whole = 0, frac = 0, scale = 1;
    int digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (digits < 18) whole = whole * 10 + (*p - '0'); /* beyond that it is out of any range anyway */
        else whole *= 10;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, digits++)
            if (scale < 1e15) frac = frac * 10 + (*p - '0'), scale *= 10;
    if (!digits || *p) return -1;
    *out = whole + frac / scale;
    return 0;
}

static int env_number(const char *name, long long lo, long long hi, int suffix, long long *out, tool_err *e)
{
    const char *v = config_env_str(name);
    char digits[32], shown[80];
    long long x, mult = 1;
    size_t n;
    if (!v) return 0;
    n = strlen(v);
    if (suffix && n > 1 && strchr("kKmMgG", v[n - 1])) {
        char u = v[n - 1];
        mult = (u == 'k' || u == 'K') ? 1024LL : (u == 'm' || u == 'M') ? 1024LL * 1024 : 1024LL * 1024 * 1024;
        n--;
    }
    if (n < sizeof digits) {
        memcpy(digits, v, n);
        digits[n] = '\0';
    }
    if (n >= sizeof digits || config_parse_ll(digits, &x) != 0 || x > hi / mult || x < lo / mult ||
        x * mult < lo || x * mult > hi) {
        env_shown(name, v, shown, sizeof shown);
        err_set(e, EXIT_CONFIG, name, "%s is not %s in %lld..%lld%s", shown, suffix ? "a size" : "an integer", lo, hi,
                suffix ? " (bytes; K, M, G suffixes allowed)" : "");
        return -1;
    }
    *out = x * mult;
    return 0;
}

int config_env_ll(const char *name, long long lo, long long hi, long long *out, tool_err *e)
{
    return env_number(name, lo, hi, 0, out, e);
}

int config_env_size(const char *name, long long lo, long long hi, long long *out, tool_err *e)
{
    return env_number(name, lo, hi, 1, out, e);
}

/* ---- INI files -------------------------------------------------------------- */

typedef struct ini_walk {
    const char *section;
    config_ini_cb cb;
    void *ud;
    int in, found;
    char parent[128];                  /* "s3" while reading the indented lines under "s3 =" */
} ini_walk;

/* One line (NUL-terminated, newline removed). Returns non-zero to stop. */
static int ini_line(ini_walk *w, char *line)
{
    int indented = line[0] == ' ' || line[0] == '\t';
    char *s = trim(line), *eq, *k, *v, full[300];
    if (!*s || *s == '#' || *s == ';') return 0;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (end) *end = '\0';
        w->in = strcmp(trim(s + 1), w->section) == 0;
        w->found |= w->in;
        w->parent[0] = '\0';
        return 0;
    }
    if (!w->in || !(eq = strpbrk(s, "=:"))) return 0; /* configparser takes either delimiter */
    *eq = '\0';
    k = trim(s);
    v = trim(eq + 1);
    if (indented && w->parent[0]) {
        snprintf(full, sizeof full, "%s.%s", w->parent, k);
    } else {
        if (!*v) snprintf(w->parent, sizeof w->parent, "%s", k);
        else w->parent[0] = '\0';
        snprintf(full, sizeof full, "%s", k);
    }
    return *v ? w->cb(w->ud, full, v) : 0;
}

static FILE *ini_open(const char *path, tool_err *e)
{
    struct stat st = {0};
    FILE *f;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us */
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return NULL; /* no file: nothing configured there */
        err_set(e, EXIT_CONFIG, path, "cannot read it: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const char *why = S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file";
        err_set(e, EXIT_CONFIG, path, "cannot read it: %s", st.st_mode ? why : strerror(errno));
        close(fd);
        return NULL;
    }
    if (!(f = fdopen(fd, "r"))) {
        err_set(e, EXIT_CONFIG, path, "cannot read it: %s", strerror(errno));
        close(fd);
    }
    return f;
}

int config_ini_walk(const char *path, const char *section, config_ini_cb cb, void *ud, int *found_section,
                    tool_err *e)
{
    char line[CONFIG_INI_LINE_MAX + 2];
    ini_walk w;
    FILE *f;
    long lineno = 0;
    int rc = 0;
    tool_err local;
    memset(&w, 0, sizeof w);
    w.section = section;
    w.cb = cb;
    w.ud = ud;
    if (found_section) *found_section = 0;
    err_clear(&local);
    if (!path || !(f = ini_open(path, &local))) {
        if (local.code) {
            if (e) *e = local;
            return -1;
        }
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        lineno++;
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            err_set(e, EXIT_CONFIG, path, "line %ld is longer than %d bytes", lineno, CONFIG_INI_LINE_MAX);
            rc = -1;
            break;
        }
        if (ini_line(&w, line)) break;
    }
    if (rc == 0 && ferror(f)) {
        err_set(e, EXIT_CONFIG, path, "cannot read it: %s", strerror(errno));
        rc = -1;
    }
    fclose(f);
    explicit_bzero(line, sizeof line); /* it may have held a password */
    if (found_section) *found_section = w.found;
    return rc;
}

typedef struct ini_get {
    const char *key;
    char *val;
    int oom;
} ini_get;

static int ini_get_cb(void *ud, const char *key, const char *value)
{
    ini_get *g = ud;
    if (strcasecmp(key, g->key) != 0) return 0; /* configparser lower-cases keys */
    if (g->val) explicit_bzero(g->val, strlen(g->val));
    free(g->val);
    g->val = xstrdup(value);
    g->oom = !g->val;
    return 0; /* keep reading: the last one wins, as configparser's "later overrides" */
}

int config_ini_get(const char *path, const char *section, const char *key, char **out, tool_err *e)
{
    ini_get g = {key, NULL, 0};
    *out = NULL;
    if (config_ini_walk(path, section, ini_get_cb, &g, NULL, e) != 0 || g.oom) {
        if (g.oom) err_set(e, EXIT_FAILED, path, "out of memory");
        if (g.val) explicit_bzero(g.val, strlen(g.val));
        free(g.val);
        return -1;
    }
    *out = g.val;
    return 0;
}

/* ---- the table of variables (documentation) ------------------------------- */

static const config_env_doc env_docs[] = {
    {"MLFLOW_TRACKING_URI", "DEST when none is given"},
    {"MLFLOW_TRACKING_USERNAME", "with MLFLOW_TRACKING_PASSWORD: HTTP basic auth (wins over a token, as MLflow)"},
    {"MLFLOW_TRACKING_PASSWORD", "see MLFLOW_TRACKING_USERNAME; ~/.mlflow/credentials [mlflow] is read per field"},
    {"MLFLOW_TRACKING_TOKEN", "Authorization: Bearer token"},
    {"MLFLOW_TRACKING_INSECURE_TLS", "true: no certificate verification (like -k); test servers only"},
    {"MLFLOW_TRACKING_SERVER_CERT_PATH", "CA bundle (like --cacert)"},
    {"MLFLOW_TRACKING_CLIENT_CERT_PATH", "client certificate (like --cert)"},
    {"MLFLOW_HTTP_REQUEST_MAX_RETRIES", "retries when --retries is not given (0..100, default 7)"},
    {"MLFLOW_HTTP_REQUEST_TIMEOUT", "seconds per request when --timeout is not given (1..604800)"},
    {"MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "artifacts this large go up in parts (bytes, default 500 MiB)"},
    {"MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", "part size of those uploads (bytes, 1 .. 5 GiB, default 10 MiB)"},
    {"MLFLOW_LITE_S3_MULTIPART_THRESHOLD", "S3: files this large use multipart upload (K/M/G suffix allowed)"},
    {"MLFLOW_LITE_S3_PART_SIZE", "S3: multipart part size (K/M/G suffix allowed)"},
    {"DATABRICKS_HOST", "Databricks workspace URL (wins over the profile)"},
    {"DATABRICKS_TOKEN", "Databricks personal access token (wins over the profile)"},
    {"DATABRICKS_USERNAME", "with DATABRICKS_PASSWORD: Databricks basic auth"},
    {"DATABRICKS_PASSWORD", "see DATABRICKS_USERNAME"},
    {"DATABRICKS_CONFIG_PROFILE", "profile of ~/.databrickscfg for DEST databricks (default DEFAULT)"},
    {"DATABRICKS_CONFIG_FILE", "instead of ~/.databrickscfg"},
    {"DATABRICKS_INSECURE", "true: no certificate verification for Databricks"},
    {"XDG_STATE_HOME", "the sync state goes to $XDG_STATE_HOME/mlflow-lite when SRC is not writable"},
    {"HOME", "~/.mlflow/credentials, ~/.databrickscfg, ~/.local/state/mlflow-lite"},
    {"AWS_*, MLFLOW_S3_*", "S3: credentials, region, endpoint (as the AWS CLI); see docs/s3.md"},
};

const config_env_doc *config_env_docs(size_t *n)
{
    *n = sizeof env_docs / sizeof env_docs[0];
    return env_docs;
}
