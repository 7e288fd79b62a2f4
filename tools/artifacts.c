/* tools/artifacts.c — one artifact to where an artifact URI says: the
 * scheme dispatch, PUTs and their answer check, the proxy's URL, file:
 * copies and s3://. Multipart through the proxy is in artifacts_mpu.c,
 * Databricks in artifacts_dbfs.c. See artifacts.h. */
#define _POSIX_C_SOURCE 200809L
#include "artifacts_int.h"
#include "msgs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the session: the S3 client, made once ---------------------------------------- */

struct art_session {
    pthread_mutex_t mu;
    http_opts ho;                      /* its strings point at the copies below */
    char *ca_file, *client_cert, *client_key;
    s3_client_opts so;
    s3_client *s3;
    char s3_error[512];                /* why the client could not be made (said once per upload) */
    int s3_tried;
};

art_session *art_session_new(const http_opts *ho, const s3_client_opts *so)
{
    art_session *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    pthread_mutex_init(&s->mu, NULL);
    if (ho) s->ho = *ho;
    if (so) s->so = *so;
    s->ho.ca_file = s->ca_file = xstrdup(s->ho.ca_file);
    s->ho.client_cert = s->client_cert = xstrdup(s->ho.client_cert);
    s->ho.client_key = s->client_key = xstrdup(s->ho.client_key);
    if ((ho && ho->ca_file && !s->ca_file) || (ho && ho->client_cert && !s->client_cert) ||
        (ho && ho->client_key && !s->client_key)) {
        art_session_free(s);
        return NULL;
    }
    return s;
}

void art_session_free(art_session *s)
{
    if (!s) return;
    s3_client_free(s->s3);
    free(s->ca_file);
    free(s->client_cert);
    free(s->client_key);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static s3_client *art_session_s3(art_session *s, char *why, size_t n)
{
    s3_client *c;
    pthread_mutex_lock(&s->mu);
    if (!s->s3_tried) {
        s->s3_tried = 1;
        s->s3 = s3_client_new_from_env(&s->ho, &s->so, s->s3_error, sizeof s->s3_error);
    }
    c = s->s3;
    snprintf(why, n, "%s", s->s3_error);
    pthread_mutex_unlock(&s->mu);
    return c;
}

/* ---- PUT and its answer ---------------------------------------------------------------- */

int art_check_put_answer(const http_resp *rs, rest_err *e)
{
    size_t i;
    cJSON *j;
    int obj;
    rest_err_clear(e);
    for (i = 0; i < rs->body_len; i++)
        if (rs->body[i] != ' ' && rs->body[i] != '\n' && rs->body[i] != '\r' && rs->body[i] != '\t') break;
    if (i == rs->body_len) return 0; /* MLflow 3 (uvicorn) and cloud stores answer nothing */
    j = json_parse(rs->body, rs->body_len);
    obj = cJSON_IsObject(j);
    cJSON_Delete(j);
    if (obj) return 0; /* {} from MLflow 2.x / Flask */
    rest_bad_answer(e, 1, "the answer to the upload is not what the artifact store sends (%s%s, %zu bytes): a "
                          "proxy or login page in front of the server?",
                    rs->content_type[0] ? "type " : "no content type", rs->content_type, rs->body_len);
    e->status = rs->status;
    return e->code;
}

static int art_put_ok(const http_resp *rs)
{
    rest_err tmp;
    return art_check_put_answer(rs, &tmp) == 0;
}

int art_rest_failed(const rest_err *re, const char *step, const char *rel, tool_err *e, rest_err *detail)
{
    char buf[700];
    if (detail) *detail = *re;
    return err_set(e, re->code ? re->code : EXIT_FAILED, rel, "%s: %s", step, rest_errstr(re, buf, sizeof buf));
}

/* Why a PUT failed, as a class: the file's fault, the answer's, or the link's. */
static int art_put_failed(int rc, const http_resp *rs, const char *shown, const char *rel, tool_err *e,
                          rest_err *detail)
{
    rest_err re;
    char step[600];
    if (rs->source_short)
        return err_set(e, EXIT_SOURCE, rel, "the file %s while it was sent (PUT %s)",
                       rs->source_errno ? strerror(rs->source_errno) : "shrank", shown);
    snprintf(step, sizeof step, "PUT %s", shown);
    if (rc == 0 && rs->status >= 200 && rs->status < 300) art_check_put_answer(rs, &re);
    else rest_check_answer(rc, rs, 1, NULL, &re);
    if (re.code == EXIT_USAGE) re.code = EXIT_REJECTED; /* the server gave a URL that is not one */
    return art_rest_failed(&re, step, rel, e, detail);
}

static int art_token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A header a server asks us to send (presigned uploads): the name an HTTP
   token, the value without control bytes, or a CR/LF would let the answer
   smuggle in headers of its own (an Authorization for its host). */
int art_header_add(struct curl_slist **l, const char *name, const char *value)
{
    const char *p;
    struct curl_slist *n;
    sbuf line = {0};
    if (!name || !*name || !value || strlen(name) > 256 || strlen(value) > 8192) return -1;
    for (p = name; *p; p++)
        if (!art_token_char((unsigned char)*p)) return -1;
    for (p = value; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) return -1;
    sb_printf(&line, "%s: %s", name, value);
    n = line.oom ? NULL : curl_slist_append(*l, line.s);
    sb_free(&line);
    if (!n) return -1;
    *l = n;
    return 0;
}

/* An ETag to hand back in a multipart complete: printable, bounded */
static int art_etag_ok(const char *s)
{
    size_t n = 0;
    for (; s && *s; s++, n++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= 256) return 0;
    return s && n > 0;
}

int art_put(const art_target *t, const char *url, int fd, long long off, long long size,
            const struct curl_slist *headers, int auth, char **etag, const char *rel, tool_err *e, rest_err *detail)
{
    http_req rq;
    http_resp rs;
    struct curl_slist *def = NULL;
    char shown[512];
    int rc;
    memset(&rq, 0, sizeof rq);
    if (!headers) headers = def = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    rq.method = "PUT";
    rq.url = url;
    rq.headers = headers;
    rq.stream = 1;
    rq.body_fd = fd;
    rq.body_offset = off;
    rq.body_size = size;
    rq.path_as_is = 1; /* "a/./b" is a name to keep, not a path for curl to tidy */
    if (auth) {
        rq.bearer = t->rc->bearer;
        rq.userpwd = t->rc->userpwd;
    }
    rc = http_do(t->rc->h, &rq, &rs);
    curl_slist_free_all(def);
    http_redact_url(url, shown, sizeof shown);
    if (rc != 0 || rs.status < 200 || rs.status >= 300 || !art_put_ok(&rs))
        rc = art_put_failed(rc, &rs, shown, rel, e, detail);
    else if (etag && !art_etag_ok(rs.etag))
        rc = err_set(e, EXIT_REJECTED, rel, "PUT %s: the answer has no usable ETag", shown);
    else if (etag) {
        *etag = rs.etag;
        rs.etag = NULL;
    }
    http_resp_free(&rs);
    return rc;
}

/* ---- the proxy's URL ---------------------------------------------------------------------- */

static int art_netloc_ok(const char *s, size_t n)
{
    size_t i;
    if (!n || n > 255) return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == ':' || c == '[' || c == ']'))
            return 0;
    }
    return 1;
}

/* "mlflow-artifacts:[//netloc]/path": the tracking server's scheme, the
   URI's netloc (else the server's host) and the server's path prefix; *path
   points at the URI's path (no leading '/'). */
int art_proxy_split(const art_target *t, sbuf *base, const char **path)
{
    const char *b = t->rc->base, *sch = strstr(b, "://"), *p = t->artifact_uri + strlen("mlflow-artifacts:");
    const char *host = sch ? sch + 3 : b, *prefix = host + strcspn(host, "/");
    if (!sch) return -1;
    sb_add(base, b, (size_t)(host - b));
    if (p[0] == '/' && p[1] == '/') {
        const char *nl = p + 2, *end = nl + strcspn(nl, "/");
        if (!art_netloc_ok(nl, (size_t)(end - nl))) return -1;
        sb_add(base, nl, (size_t)(end - nl));
        p = end;
    } else
        sb_add(base, host, (size_t)(prefix - host));
    sb_puts(base, prefix);
    while (*p == '/') p++;
    *path = p;
    return base->oom ? -1 : 0;
}

int art_proxy_url(sbuf *u, const art_target *t, const char *kind)
{
    const char *path;
    if (art_proxy_split(t, u, &path) != 0) return -1;
    sb_printf(u, "/api/2.0/mlflow-artifacts/%s/", kind);
    url_encode(u, path, 1);
    while (u->len && u->s[u->len - 1] == '/') u->s[--u->len] = '\0';
    return u->oom ? -1 : 0;
}

/* 1 when url's scheme://host[:port] is the tracking server's: only then do MLflow credentials go with it */
int art_same_server(const char *url, const char *base)
{
    const char *a = strstr(url, "://"), *b = strstr(base, "://");
    size_t na, nb;
    if (!a || !b) return 0;
    na = (size_t)(a + 3 - url) + strcspn(a + 3, "/?#");
    nb = (size_t)(b + 3 - base) + strcspn(b + 3, "/?#");
    return na == nb && strncmp(url, base, na) == 0;
}

static int art_upload_put(const art_target *t, const char *root_url, int fd, const char *rel, long long size,
                          tool_err *e, rest_err *detail)
{
    sbuf url = {0};
    int rc;
    sb_puts(&url, root_url);
    while (url.len && url.s[url.len - 1] == '/') url.s[--url.len] = '\0';
    sb_puts(&url, "/");
    url_encode(&url, rel, 1);
    if (url.oom) rc = err_set(e, EXIT_FAILED, rel, "out of memory");
    else rc = art_put(t, url.s, fd, 0, size, NULL, art_same_server(url.s, t->rc->base), NULL, rel, e, detail);
    sb_free(&url);
    return rc;
}

static int art_upload_proxy(const art_target *t, int fd, const char *rel, long long size, tool_err *e,
                            rest_err *detail)
{
    long long thr = t->cfg && t->cfg->multipart_threshold > 0 ? t->cfg->multipart_threshold : ART_DEFAULT_THRESHOLD;
    sbuf root = {0};
    int rc;
    if (size > 0 && size >= thr) {
        rc = art_proxy_multipart(t, fd, rel, size, e, detail);
        if (rc != 1) return rc;
        verbosef("the server offers no multipart upload for %s; sending it in one PUT", rel);
    }
    if (art_proxy_url(&root, t, "artifacts") != 0) {
        sb_free(&root);
        return err_set(e, EXIT_REJECTED, rel, "the run's artifact URI %s names no valid host", t->artifact_uri);
    }
    rc = art_upload_put(t, root.s, fd, rel, size, e, detail);
    sb_free(&root);
    return rc;
}

/* ---- file: ------------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "file:///a%20b", "file://host/a", "/a" -> "/a b"; NULL when not an
   absolute POSIX path (a Windows server's file:///C:/... is none here) */
static char *art_file_root(const char *u)
{
    sbuf d = {0};
    const char *p = u[0] == '/' ? u : u + 5;
    if (p[0] == '/' && p[1] == '/') p = strchr(p + 2, '/');
    if (!p || *p != '/' || (p[1] && p[2] == ':' && (p[3] == '/' || !p[3]))) return NULL;
    for (; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            char c = (char)(hi * 16 + lo);
            if (!c) break;
            sb_add(&d, &c, 1);
            p += 2;
        } else
            sb_add(&d, p, 1);
    }
    if (d.oom || !d.s || strlen(d.s) != d.len) {
        sb_free(&d);
        return NULL;
    }
    return d.s;
}

static int art_copy_bytes(int in, int out, long long size, const char *rel, const char *tmp, tool_err *e)
{
    char buf[65536];
    long long off = 0;
    while (off < size) {
        size_t want = size - off < (long long)sizeof buf ? (size_t)(size - off) : sizeof buf;
        ssize_t r = pread(in, buf, want, (off_t)off), w = 0;
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return err_set(e, EXIT_SOURCE, rel, "the file %s while it was copied", r ? strerror(errno) : "shrank");
        while (w < r) {
            ssize_t k = write(out, buf + w, (size_t)(r - w));
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) return err_set(e, EXIT_REJECTED, rel, "cannot write %s: %s", tmp, strerror(errno));
            w += k;
        }
        off += r;
    }
    return 0;
}

/* A copy onto a file system the server shares: temp file (never following a
   link planted in the destination), then rename. */
static int art_copy(const art_target *t, int fd, const char *rel, long long size, tool_err *e)
{
    char *root = art_file_root(t->artifact_uri), *dst = root ? path_join(root, rel) : NULL, *slash;
    sbuf tmp = {0};
    int out = -1, rc = 0;
    if (!dst) {
        free(root);
        return err_set(e, EXIT_UNSUPPORTED, rel, "artifact URI %s is not an absolute file path", t->artifact_uri);
    }
    slash = strrchr(dst, '/');
    *slash = '\0';
    if (mkdir_p(dst, 0777) != 0) rc = err_set(e, EXIT_REJECTED, rel, "cannot create %s: %s", dst, strerror(errno));
    *slash = '/';
    sb_printf(&tmp, "%s.mlflow-lite-tmp%ld", dst, (long)getpid());
    if (!rc && (tmp.oom || (out = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) < 0))
        rc = err_set(e, EXIT_REJECTED, rel, "cannot create %s: %s", tmp.s ? tmp.s : dst, strerror(errno));
    if (!rc) rc = art_copy_bytes(fd, out, size, rel, tmp.s, e);
    if (out >= 0 && close(out) != 0 && !rc) rc = err_set(e, EXIT_REJECTED, rel, "cannot write %s: %s", tmp.s, strerror(errno));
    if (!rc && rename(tmp.s, dst) != 0) rc = err_set(e, EXIT_REJECTED, rel, "cannot rename into %s: %s", dst, strerror(errno));
    if (rc && out >= 0) unlink(tmp.s);
    sb_free(&tmp);
    free(dst);
    free(root);
    return rc;
}

/* ---- s3:// ----------------------------------------------------------------------------------- */

static int art_s3_class(const s3_err *se)
{
    if (se->source) return EXIT_SOURCE;
    if (se->status == 401 || se->status == 403) return EXIT_AUTH;
    if (se->status) return EXIT_REJECTED;
    return http_is_tls_error(se->curl_code) || se->curl_code != CURLE_OK ? EXIT_CONNECT : EXIT_REJECTED;
}

static int art_s3(const art_target *t, int fd, const char *rel, long long size, tool_err *e)
{
    char *bucket = NULL, *prefix = NULL, why[700];
    sbuf key = {0};
    s3_client *c;
    s3_err se;
    int rc = 0;
    if (!t->session) return err_set(e, EXIT_CONFIG, rel, "no S3 session for the artifact URI %s", t->artifact_uri);
    if (!(c = art_session_s3(t->session, why, sizeof why)))
        return err_set(e, EXIT_CONFIG, rel, "cannot set up the S3 client for %s: %s", t->artifact_uri, why);
    if (s3_parse_url(t->artifact_uri, &bucket, &prefix) != 0)
        return err_set(e, EXIT_REJECTED, rel, "the artifact URI %s is not a valid s3:// URI", t->artifact_uri);
    sb_puts(&key, prefix);
    if (key.len && key.s[key.len - 1] != '/') sb_puts(&key, "/");
    sb_puts(&key, rel);
    if (key.oom) rc = err_set(e, EXIT_FAILED, rel, "out of memory");
    else if (s3_put_fd(c, bucket, key.s, fd, size, NULL, NULL, &se) != 0) {
        s3_err_format(&se, why, sizeof why);
        rc = err_set(e, art_s3_class(&se), rel, "to s3://%s/%s: %s: %s", bucket, key.s, why, s3_err_hint(&se));
    }
    free(bucket);
    free(prefix);
    sb_free(&key);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

int art_upload(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail)
{
    const char *u = t->artifact_uri ? t->artifact_uri : "";
    err_clear(e);
    if (detail) rest_err_clear(detail);
    if (size < 0 || fd < 0) return err_set(e, EXIT_FAILED, rel, "no file to send (fd %d, size %lld)", fd, size);
    if (strncmp(u, "mlflow-artifacts:", 17) == 0) return art_upload_proxy(t, fd, rel, size, e, detail);
    if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0)
        return art_upload_put(t, u, fd, rel, size, e, detail);
    if (strncmp(u, "file:", 5) == 0 || u[0] == '/') return art_copy(t, fd, rel, size, e);
    if (strncmp(u, "s3://", 5) == 0) return art_s3(t, fd, rel, size, e);
    if (strncmp(u, "dbfs:", 5) == 0 && t->rc->databricks) return art_dbfs_upload(t, fd, rel, size, e, detail);
    return err_set(e, EXIT_UNSUPPORTED, rel, "the remote artifact location %s uses a scheme mlflow-lite cannot write "
                   "(supported: mlflow-artifacts:, http(s):, file:, s3:, and dbfs: on Databricks)", u);
}
