/* tools/s3.c — the S3 client: configuration, request building, simple calls.
 * Multipart uploads are in s3_multipart.c. See s3.h for the rules. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "s3.h"
#include "s3_int.h"
#include "s3_util.h"
#include "s3_xml.h"
#include "msgs.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S3_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

void s3i_err_set(s3_err *e, const char *op, int definite, const char *fmt, ...)
{
    va_list ap;
    if (!e) return;
    memset(e, 0, sizeof *e);
    snprintf(e->op, sizeof e->op, "%s", op);
    e->definite = definite;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

s3_client *s3_client_new(const aws_config *cfg, const http_opts *http, const s3_client_opts *o, char *err,
                         size_t errlen)
{
    s3_client *c;
    size_t n;
    if (!cfg->access_key_id || !cfg->secret_access_key) {
        snprintf(err, errlen, "no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                              "or AWS_PROFILE with ~/.aws/credentials)");
        return NULL;
    }
    c = calloc(1, sizeof *c);
    if (!c) goto oom;
    c->cfg.access_key_id = strdup(cfg->access_key_id);
    c->cfg.secret_access_key = strdup(cfg->secret_access_key);
    c->cfg.session_token = cfg->session_token ? strdup(cfg->session_token) : NULL;
    c->cfg.region = strdup(cfg->region ? cfg->region : "us-east-1");
    c->cfg.endpoint_url = cfg->endpoint_url ? strdup(cfg->endpoint_url) : NULL;
    c->cfg.profile = cfg->profile ? strdup(cfg->profile) : NULL;
    c->cfg.addressing = cfg->addressing;
    c->cfg.ignore_tls = cfg->ignore_tls;
    c->cfg.cred_source = cfg->cred_source;
    if (cfg->expected_bucket_owner) {
        size_t k = strlen(cfg->expected_bucket_owner) + 40;
        c->cfg.expected_bucket_owner = malloc(k);
        if (!c->cfg.expected_bucket_owner) goto oom;
        snprintf(c->cfg.expected_bucket_owner, k, "x-amz-expected-bucket-owner: %s", cfg->expected_bucket_owner);
    }
    if (cfg->n_upload_headers) {
        size_t k;
        c->cfg.upload_headers = calloc(cfg->n_upload_headers, sizeof *c->cfg.upload_headers);
        if (!c->cfg.upload_headers) goto oom;
        for (k = 0; k < cfg->n_upload_headers; k++) {
            c->cfg.upload_headers[k] = strdup(cfg->upload_headers[k]);
            c->cfg.n_upload_headers = k + 1;
            if (!c->cfg.upload_headers[k]) goto oom;
        }
    }
    if (http) c->http = *http;
    if (cfg->ignore_tls) c->http.insecure = 1;
    if (o) c->o = *o;
    if (c->o.jobs <= 0) c->o.jobs = S3_DEFAULT_JOBS;
    /* sizes come validated from config.c (MLFLOW_LITE_S3_*); 0 = defaults */
    if (c->o.multipart_threshold <= 0) c->o.multipart_threshold = S3_DEFAULT_MULTIPART_THRESHOLD;
    if (c->o.part_size <= 0) c->o.part_size = S3_DEFAULT_PART_SIZE;
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:s3", c->cfg.region ? c->cfg.region : "us-east-1");
    n = strlen(cfg->access_key_id) + strlen(cfg->secret_access_key) + 2;
    c->userpwd = malloc(n);
    if (c->userpwd) snprintf(c->userpwd, n, "%s:%s", cfg->access_key_id, cfg->secret_access_key);
    if (cfg->session_token) {
        n = strlen(cfg->session_token) + 32;
        c->token_hdr = malloc(n);
        if (c->token_hdr) snprintf(c->token_hdr, n, "x-amz-security-token: %s", cfg->session_token);
    }
    if (!c->cfg.access_key_id || !c->cfg.secret_access_key || !c->cfg.region || !c->userpwd ||
        (cfg->session_token && !c->token_hdr))
        goto oom;
    pthread_mutex_init(&c->mu, NULL);
    return c;
oom:
    snprintf(err, errlen, "out of memory");
    if (c) {
        pthread_mutex_init(&c->mu, NULL);
        s3_client_free(c);
    }
    return NULL;
}

s3_client *s3_client_new_from_env(const http_opts *http, const s3_client_opts *o, char *err, size_t errlen)
{
    aws_config cfg;
    s3_client *c;
    if (aws_config_load(&cfg, err, errlen) != 0) {
        aws_config_free(&cfg);
        return NULL;
    }
    c = s3_client_new(&cfg, http, o, err, errlen);
    aws_config_free(&cfg);
    return c;
}

static void s3_wipe(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

void s3_client_free(s3_client *c)
{
    int i;
    if (!c) return;
    for (i = 0; i < c->npool; i++) http_client_free(c->pool[i]);
    free(c->pool);
    s3_wipe(c->userpwd);
    s3_wipe(c->token_hdr);
    aws_config_free(&c->cfg);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

const aws_config *s3_client_config(const s3_client *c)
{
    return &c->cfg;
}

static http_client *s3_borrow(s3_client *c)
{
    http_client *h = NULL;
    pthread_mutex_lock(&c->mu);
    if (c->npool > 0) h = c->pool[--c->npool];
    pthread_mutex_unlock(&c->mu);
    return h ? h : http_client_new(&c->http);
}

static void s3_return(s3_client *c, http_client *h)
{
    pthread_mutex_lock(&c->mu);
    if (c->npool == c->cap) {
        int ncap = c->cap ? 2 * c->cap : 8;
        http_client **p = realloc(c->pool, (size_t)ncap * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&c->mu);
            http_client_free(h);
            return;
        }
        c->pool = p;
        c->cap = ncap;
    }
    c->pool[c->npool++] = h;
    pthread_mutex_unlock(&c->mu);
}

int s3_parse_url(const char *url, char **bucket, char **prefix)
{
    const char *b, *slash;
    *bucket = *prefix = NULL;
    if (strncmp(url, "s3://", 5) != 0 && strncmp(url, "s3a://", 6) != 0) return -1;
    b = strstr(url, "://") + 3;
    slash = strchr(b, '/');
    if (slash == b || *b == '\0') return -1;
    *bucket = slash ? strndup(b, (size_t)(slash - b)) : strdup(b);
    while (slash && *slash == '/') slash++;
    *prefix = strdup(slash ? slash : "");
    if (!*bucket || !*prefix) {
        free(*bucket);
        free(*prefix);
        *bucket = *prefix = NULL;
        return -1;
    }
    return 0;
}

/* DNS-safe for virtual-hosted addressing: 3-63 chars of [a-z0-9-], no dots
   (dotted names break TLS wildcard certificates). */
static int s3_bucket_dns_ok(const char *b)
{
    size_t n = strlen(b), i;
    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-') return 0;
    for (i = 0; i < n; i++)
        if (!((b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '-')) return 0;
    return 1;
}

char *s3_object_url(const s3_client *c, const char *bucket, const char *key, const char *query)
{
    char base[1024];
    char *ekey = key ? s3u_encode(key, 1) : NULL, *out;
    int virt;
    size_t n;

    if (key && !ekey) return NULL;
    virt = c->cfg.addressing == AWS_ADDR_VIRTUAL ||
           (c->cfg.addressing == AWS_ADDR_AUTO && !c->cfg.endpoint_url && s3_bucket_dns_ok(bucket));
    if (c->cfg.endpoint_url) {
        if (virt) {
            const char *hs = strstr(c->cfg.endpoint_url, "://") + 3;
            snprintf(base, sizeof base, "%.*s%s.%s", (int)(hs - c->cfg.endpoint_url), c->cfg.endpoint_url, bucket,
                     hs);
        } else {
            snprintf(base, sizeof base, "%s/%s", c->cfg.endpoint_url, bucket);
        }
    } else if (virt) {
        snprintf(base, sizeof base, "https://%s.s3.%s.amazonaws.com", bucket, c->cfg.region);
    } else {
        snprintf(base, sizeof base, "https://s3.%s.amazonaws.com/%s", c->cfg.region, bucket);
    }
    n = strlen(base) + (ekey ? strlen(ekey) : 0) + (query ? strlen(query) : 0) + 4;
    out = malloc(n);
    if (out) {
        if (virt)
            snprintf(out, n, "%s/%s%s%s", base, ekey ? ekey : "", query ? "?" : "", query ? query : "");
        else
            snprintf(out, n, "%s%s%s%s%s", base, ekey ? "/" : "", ekey ? ekey : "", query ? "?" : "",
                     query ? query : "");
    }
    free(ekey);
    return out;
}

static void s3_fill_err(s3_err *e, const s3_call *call, const http_resp *r, int transport_failed)
{
    memset(e, 0, sizeof *e);
    snprintf(e->op, sizeof e->op, "%s", call->op);
    e->status = r->status;
    e->curl_code = r->curl_code;
    if (r->source_short) { /* the local file, not the store */
        e->source = e->definite = 1;
        snprintf(e->msg, sizeof e->msg, "%s", r->errbuf);
        return;
    }
    if (transport_failed && !r->body_capped) {
        snprintf(e->msg, sizeof e->msg, "%s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->curl_code));
        e->definite = r->curl_code == CURLE_URL_MALFORMAT || r->curl_code == CURLE_UNSUPPORTED_PROTOCOL ||
                      r->curl_code == CURLE_READ_ERROR || http_is_tls_error(r->curl_code);
        return;
    }
    if (r->body_capped) {
        snprintf(e->msg, sizeof e->msg, "%s", r->errbuf);
        e->definite = 1;
        return;
    }
    if (!s3x_error(r->body, r->body_len, e->code, sizeof e->code, e->msg, sizeof e->msg)) {
        if (r->status == 404) snprintf(e->code, sizeof e->code, "NotFound");
        else if (r->status == 403) snprintf(e->code, sizeof e->code, "Forbidden");
    }
    {
        size_t k = strlen(e->msg); /* "…method." + ": hint" reads badly */
        while (k > 0 && (e->msg[k - 1] == '.' || e->msg[k - 1] == ' ')) e->msg[--k] = '\0';
    }
    e->definite = r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429;
}

int s3i_do(s3_client *c, const s3_call *call, http_resp *resp, s3_err *err)
{
    struct curl_slist *h = NULL;
    char line[256], sha[65];
    char *url;
    http_req rq;
    http_client *hc;
    int rc;

    memset(resp, 0, sizeof *resp);
    url = s3_object_url(c, call->bucket, call->key, call->query);
    if (!url) {
        s3i_err_set(err, call->op, 1, "out of memory");
        return -1;
    }
    if (call->stream) {
        snprintf(line, sizeof line, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    } else {
        if (call->body_len) s3u_sha256_hex(call->body, call->body_len, sha);
        else snprintf(sha, sizeof sha, "%s", S3_EMPTY_SHA256);
        snprintf(line, sizeof line, "x-amz-content-sha256: %s", sha);
    }
    h = curl_slist_append(h, line);
    if (call->content_type) {
        snprintf(line, sizeof line, "content-type: %s", call->content_type);
        h = curl_slist_append(h, line);
    }
    if (call->content_md5) {
        snprintf(line, sizeof line, "content-md5: %s", call->content_md5);
        h = curl_slist_append(h, line);
    }
    if (call->extra_header) h = curl_slist_append(h, call->extra_header);
    if (c->cfg.expected_bucket_owner) h = curl_slist_append(h, c->cfg.expected_bucket_owner);
    if (call->upload) {
        size_t k;
        for (k = 0; k < c->cfg.n_upload_headers; k++) h = curl_slist_append(h, c->cfg.upload_headers[k]);
    }
    if (c->token_hdr) h = curl_slist_append(h, c->token_hdr);

    memset(&rq, 0, sizeof rq);
    rq.method = call->method;
    rq.url = url;
    rq.headers = h;
    rq.body = call->body;
    rq.body_len = call->body_len;
    rq.stream = call->stream;
    rq.body_fd = call->body_fd;
    rq.body_offset = call->body_off;
    rq.body_size = call->body_size;
    rq.aws_sigv4 = c->sigv4;
    rq.userpwd = c->userpwd;
    rq.path_as_is = 1;

    hc = s3_borrow(c);
    if (!hc) {
        curl_slist_free_all(h);
        free(url);
        s3i_err_set(err, call->op, 1, "cannot create a curl handle");
        return -1;
    }
    rc = http_do(hc, &rq, resp);
    s3_return(c, hc);
    curl_slist_free_all(h);
    free(url);
    if (rc != 0) {
        s3_fill_err(err, call, resp, 1);
        return -1;
    }
    if (resp->status < 200 || resp->status > 299) {
        s3_fill_err(err, call, resp, 0);
        return -1;
    }
    return 0;
}

int s3_head(s3_client *c, const char *bucket, const char *key, long long *size, char *etag, s3_err *err)
{
    s3_call call;
    http_resp r;
    int rc;
    memset(&call, 0, sizeof call);
    call.op = "HeadObject";
    call.method = "HEAD";
    call.bucket = bucket;
    call.key = key;
    rc = s3i_do(c, &call, &r, err);
    if (rc == 0) {
        if (etag) s3u_etag_clean(r.etag, etag, 80);
        if (size) *size = r.content_length;  /* Content-Length of a HEAD answer = object size */
    } else if (err->status == 404) {
        rc = 1;
    } else if (err->status >= 400 && err->status < 500 && !r.body_len) {
        /* A HEAD answer has no body, so no S3 error code: ask again with a
           one-byte GET to learn it (SignatureDoesNotMatch, ...). */
        http_resp r2;
        s3_err e2;
        call.method = "GET";
        call.extra_header = "range: bytes=0-0";
        if (s3i_do(c, &call, &r2, &e2) != 0 && e2.code[0]) *err = e2;
        snprintf(err->op, sizeof err->op, "HeadObject");
        http_resp_free(&r2);
    }
    http_resp_free(&r);
    return rc;
}

/* A listing is followed page by page; a store that hands back the token it
   was given would loop forever, so a repeated token is an error. */
int s3_list(s3_client *c, const char *bucket, const char *prefix, int (*cb)(void *ud, const s3_object *o),
            void *ud, s3_err *err)
{
    char *token = NULL;
    int rc = 0, stop = 0;
    do {
        const char *keys[3] = {"list-type", "prefix", "continuation-token"};
        const char *vals[3];
        s3_call call;
        http_resp r;
        char *q, *next = NULL;
        vals[0] = "2";
        vals[1] = prefix ? prefix : "";
        vals[2] = token;
        if (!(q = s3u_query(token ? 3 : 2, keys, vals))) {
            s3i_err_set(err, "ListObjectsV2", 1, "out of memory");
            rc = -1;
            break;
        }
        memset(&call, 0, sizeof call);
        call.op = "ListObjectsV2";
        call.method = "GET";
        call.bucket = bucket;
        call.query = q;
        rc = s3i_do(c, &call, &r, err);
        free(q);
        if (rc == 0) rc = s3x_list_objects(r.body, r.body_len, cb, ud, &next, &stop, err);
        if (rc == 0 && next && token && strcmp(next, token) == 0) {
            s3i_err_set(err, "ListObjectsV2", 1, "the store answered the same continuation token twice");
            rc = -1;
        }
        http_resp_free(&r);
        free(token);
        token = next;
    } while (token && rc == 0);
    free(token);
    return rc;
}

int s3_delete(s3_client *c, const char *bucket, const char *key, s3_err *err)
{
    s3_call call;
    http_resp r;
    int rc;
    memset(&call, 0, sizeof call);
    call.op = "DeleteObject";
    call.method = "DELETE";
    call.bucket = bucket;
    call.key = key;
    rc = s3i_do(c, &call, &r, err);
    if (rc != 0 && err->status == 404) rc = 0;
    http_resp_free(&r);
    return rc;
}

static int s3_xml_safe(const char *k)
{
    for (; *k; k++)
        if ((unsigned char)*k < 0x20 && *k != '\t' && *k != '\n' && *k != '\r') return 0;
    return 1;
}

int s3_delete_many(s3_client *c, const char *bucket, const char *const *keys, size_t n,
                   void (*fail_cb)(void *ud, const char *key, const char *code, const char *msg), void *ud,
                   s3_err *err)
{
    size_t i = 0;
    while (i < n) {
        sbuf x;
        size_t batch = 0;
        unsigned char raw[16];
        char b64[32];
        s3_call call;
        http_resp r;
        memset(&x, 0, sizeof x);
        sb_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete xmlns=\"http://s3.amazonaws.com/doc/"
                    "2006-03-01/\"><Quiet>true</Quiet>");
        for (; i < n && batch < 1000; i++) {
            char *ek;
            if (!s3_xml_safe(keys[i])) {
                s3_err e1;
                if (s3_delete(c, bucket, keys[i], &e1) != 0) fail_cb(ud, keys[i], e1.code, e1.msg);
                continue;
            }
            ek = s3u_xml_escape(keys[i]);
            if (!ek) {
                x.oom = 1;
                break;
            }
            sb_puts(&x, "<Object><Key>");
            sb_puts(&x, ek);
            sb_puts(&x, "</Key></Object>");
            free(ek);
            batch++;
        }
        sb_puts(&x, "</Delete>");
        if (x.oom) {
            sb_free(&x);
            s3i_err_set(err, "DeleteObjects", 1, "out of memory");
            return -1;
        }
        if (!batch) {
            sb_free(&x);
            continue;
        }
        s3u_md5(x.s, x.len, raw);
        s3u_base64(raw, 16, b64);
        memset(&call, 0, sizeof call);
        call.op = "DeleteObjects";
        call.method = "POST";
        call.bucket = bucket;
        call.query = "delete=";
        call.body = x.s;
        call.body_len = x.len;
        call.content_type = "application/xml";
        call.content_md5 = b64;
        if (s3i_do(c, &call, &r, err) != 0) {
            http_resp_free(&r);
            sb_free(&x);
            return -1;
        }
        s3x_delete_result(r.body, r.body_len, fail_cb, ud);
        http_resp_free(&r);
        sb_free(&x);
    }
    return 0;
}

long long s3_part_size_for(const s3_client *c, long long size, int *parts)
{
    long long ps = c->o.part_size;
    if (parts) *parts = 1;
    if (size < c->o.multipart_threshold) return 0;
    while ((size + ps - 1) / ps > S3_MAX_PARTS) ps *= 2;
    if (parts) *parts = (int)((size + ps - 1) / ps);
    if (parts && *parts == 0) *parts = 1;
    return ps;
}

int s3_expected_etag_fd(const s3_client *c, int fd, long long size, char *etag, size_t n)
{
    int nparts, i, rc = 0;
    long long ps = s3_part_size_for(c, size, &nparts);
    unsigned char raw[16], *all;
    char hex[33];
    if (ps == 0) {
        rc = s3u_md5_fd(fd, 0, size, raw);
        s3u_hex(raw, 16, hex);
        snprintf(etag, n, "%s", hex);
        return rc;
    }
    if (!(all = malloc((size_t)nparts * 16))) return -1;
    for (i = 0; rc == 0 && i < nparts; i++) {
        long long off = (long long)i * ps, len = size - off < ps ? size - off : ps;
        rc = s3u_md5_fd(fd, off, len, all + 16 * i);
    }
    if (rc == 0) {
        s3u_md5(all, (size_t)nparts * 16, raw);
        s3u_hex(raw, 16, hex);
        snprintf(etag, n, "%s-%d", hex, nparts);
    }
    free(all);
    return rc;
}

static int s3_put_single(s3_client *c, const char *bucket, const char *key, int fd, long long size,
                         const char *content_type, s3_put_result *res, s3_err *err)
{
    unsigned char raw[16];
    char hex[33], b64[32], got[80];
    s3_call call;
    http_resp r;
    int rc;

    if (s3u_md5_fd(fd, 0, size, raw) != 0) {
        s3i_err_set(err, "PutObject", 1, "cannot read the file: %s", errno == EIO ? "it shrank" : strerror(errno));
        err->source = 1;
        return -1;
    }
    s3u_hex(raw, 16, hex);
    s3u_base64(raw, 16, b64);
    memset(&call, 0, sizeof call);
    call.op = "PutObject";
    call.method = "PUT";
    call.upload = 1;
    call.bucket = bucket;
    call.key = key;
    call.stream = 1;
    call.body_fd = fd;
    call.body_off = 0;
    call.body_size = size;
    call.content_type = content_type ? content_type : "application/octet-stream";
    call.content_md5 = b64;
    rc = s3i_do(c, &call, &r, err);
    if (rc == 0) {
        s3u_etag_clean(r.etag, got, sizeof got);
        if (!s3i_etag_ok(c, "PutObject", got, hex, err)) {
            rc = -1;
        } else if (res) {
            snprintf(res->etag, sizeof res->etag, "%s", got);
            res->parts_total = 1;
            res->parts_sent = 1;
            res->bytes_sent = size;
        }
    }
    http_resp_free(&r);
    return rc;
}

int s3_put_fd(s3_client *c, const char *bucket, const char *key, int fd, long long size, const char *content_type,
              s3_put_result *res, s3_err *err)
{
    s3_put_result tmp;
    long long ps;
    int nparts;
    if (!res) res = &tmp;
    memset(res, 0, sizeof *res);
    if (size < 0) {
        s3i_err_set(err, "PutObject", 1, "no size given");
        return -1;
    }
    ps = s3_part_size_for(c, size, &nparts);
    if (ps == 0) return s3_put_single(c, bucket, key, fd, size, content_type, res, err);
    return s3i_put_multipart(c, bucket, key, fd, size, ps, nparts, content_type, res, err);
}

int s3_put_mem(s3_client *c, const char *bucket, const char *key, const void *data, size_t len,
               const char *content_type, char *etag_out, s3_err *err)
{
    unsigned char raw[16];
    char hex[33], b64[32], got[80];
    s3_call call;
    http_resp r;
    int rc;
    s3u_md5(data, len, raw);
    s3u_hex(raw, 16, hex);
    s3u_base64(raw, 16, b64);
    memset(&call, 0, sizeof call);
    call.op = "PutObject";
    call.method = "PUT";
    call.upload = 1;
    call.bucket = bucket;
    call.key = key;
    call.body = data;
    call.body_len = len;
    call.content_type = content_type ? content_type : "application/octet-stream";
    call.content_md5 = b64;
    rc = s3i_do(c, &call, &r, err);
    if (rc == 0) {
        s3u_etag_clean(r.etag, got, sizeof got);
        if (!s3i_etag_ok(c, "PutObject", got, hex, err)) {
            rc = -1;
        } else if (etag_out) {
            snprintf(etag_out, 80, "%s", got);
        }
    }
    http_resp_free(&r);
    return rc;
}

int s3i_etag_ok(s3_client *c, const char *op, const char *got, const char *want, s3_err *err)
{
    int first;
    if (strcmp(got, want) == 0) return 1;
    if (!got[0]) {
        s3i_err_set(err, op, 1, "integrity check failed: the answer has no ETag (local MD5 %s)", want);
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    first = !c->etag_warned;
    c->etag_warned = 1;
    pthread_mutex_unlock(&c->mu);
    if (first)
        warnf("%s: the store answered ETag %s for bytes whose MD5 is %s: it encrypts with SSE-KMS or SSE-C, "
              "so integrity rests on the Content-MD5 it verified; unchanged files are then recognised by the "
              "record only",
              op, got, want);
    return 1;
}

void s3_err_format(const s3_err *e, char *buf, size_t n)
{
    if (e->status)
        snprintf(buf, n, "%s answered HTTP %ld%s%s%s%s", e->op, e->status, e->code[0] ? " " : "", e->code,
                 e->msg[0] ? ": " : "", e->msg);
    else
        snprintf(buf, n, "%s: %s", e->op, e->msg[0] ? e->msg : "failed");
}

const char *s3_err_hint(const s3_err *e)
{
    if (strcmp(e->code, "SignatureDoesNotMatch") == 0)
        return "check AWS_SECRET_ACCESS_KEY (or the profile's aws_secret_access_key) and the region";
    if (strcmp(e->code, "InvalidAccessKeyId") == 0 || strcmp(e->code, "InvalidClientTokenId") == 0)
        return "check AWS_ACCESS_KEY_ID (or AWS_PROFILE) and the endpoint";
    if (strcmp(e->code, "ExpiredToken") == 0 || strcmp(e->code, "TokenRefreshRequired") == 0)
        return "the temporary credentials expired: get new ones (AWS_SESSION_TOKEN with its key and secret)";
    if (strcmp(e->code, "InvalidToken") == 0)
        return "check AWS_SESSION_TOKEN: it must be the token issued with AWS_ACCESS_KEY_ID";
    if (strcmp(e->code, "AccessDenied") == 0 || e->status == 403)
        return "check the IAM policy of these credentials for this bucket";
    if (strcmp(e->code, "NoSuchBucket") == 0) return "check the bucket name and the endpoint";
    if (strcmp(e->code, "BadDigest") == 0 || strcmp(e->code, "InvalidDigest") == 0)
        return "the bytes were damaged on the way (or the file changed while it was sent): sync again";
    if (e->status == 0 && e->curl_code == CURLE_PEER_FAILED_VERIFICATION)
        return "the store's TLS certificate is not trusted: pass --cacert FILE, or for a test store "
               "MLFLOW_S3_IGNORE_TLS=true / --insecure";
    if (e->status == 0 && e->curl_code != CURLE_OK)
        return "check the endpoint URL (MLFLOW_S3_ENDPOINT_URL / AWS_ENDPOINT_URL) and the network";
    if (e->status >= 500) return "the store is failing; run the same command again later to resume";
    return "run again with --verbose for the requests";
}
