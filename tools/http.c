/* tools/http.c — the one libcurl wrapper; see http.h for the retry policy. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "http.h"
#include "msgs.h"
#include "util.h"
#include "version.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Bytes/s below which a transfer counts as stalled (averaged over stall_s):
   a server that drips an answer a byte at a time is cut off, not waited for
   forever. */
enum { HTTP_STALL_RATE = 100 };

struct http_client {
    CURL *curl;
    http_opts o;
    char *ca_file, *client_cert, *client_key;
    unsigned seed;
};

/* the answer being collected: decoded body bytes up to `cap` */
typedef struct http_sink {
    char *buf;
    size_t len, cap_alloc;
    long long cap;
    int capped;
    char *etag;
    char content_type[128];
    long retry_after_ms;
} http_sink;

/* the request body being sent */
typedef struct http_src {
    const unsigned char *mem, *mem0;   /* in-memory body: current position, start */
    int fd;
    long long off0, off, size, left, sent;
    int no_rewind;                     /* a request that must not go out twice */
    int short_read, read_errno;
} http_src;

static long long http_nreq, http_nbytes;

long long http_total_requests(void) { return __atomic_load_n(&http_nreq, __ATOMIC_RELAXED); }
long long http_total_bytes_sent(void) { return __atomic_load_n(&http_nbytes, __ATOMIC_RELAXED); }

http_client *http_client_new(const http_opts *o)
{
    http_client *c = calloc(1, sizeof *c);
    struct timespec ts;
    if (!c) return NULL;
    c->curl = curl_easy_init();
    if (!c->curl) {
        free(c);
        return NULL;
    }
    if (o) c->o = *o;
    c->ca_file = xstrdup(c->o.ca_file);
    c->client_cert = xstrdup(c->o.client_cert);
    c->client_key = xstrdup(c->o.client_key);
    c->o.ca_file = c->ca_file;
    c->o.client_cert = c->client_cert;
    c->o.client_key = c->client_key;
    if (c->o.connect_timeout_ms <= 0) c->o.connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    if (c->o.timeout_ms < 0) c->o.timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    if (!(c->o.retry_max_time_s > 0)) c->o.retry_max_time_s = HTTP_DEFAULT_RETRY_MAX_TIME_S;
    if (!c->o.max_retries) c->o.max_retries = HTTP_DEFAULT_MAX_RETRIES;
    if (c->o.max_body <= 0) c->o.max_body = HTTP_MAX_BODY;
    if (c->o.stall_s <= 0) c->o.stall_s = HTTP_DEFAULT_STALL_S;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->seed = (unsigned)ts.tv_nsec ^ (unsigned)getpid() ^ (unsigned)(size_t)c;
    return c;
}

void http_client_free(http_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c->ca_file);
    free(c->client_cert);
    free(c->client_key);
    free(c);
}

void http_resp_free(http_resp *r)
{
    if (!r) return;
    free(r->body);
    free(r->etag);
    r->body = NULL;
    r->etag = NULL;
}

int http_is_tls_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_USE_SSL_FAILED:
        return 1;
    default:
        return 0;
    }
}

/* A TLS handshake failure is not in the retried list: https:// against a
   plain-HTTP server fails the same way every time. */
int http_classify(CURLcode cc, long status)
{
    switch (cc) {
    case CURLE_OK:
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
    switch (status) {
    case 408: case 429: case 500: case 502: case 503: case 504:
        return 1;
    default:
        return 0;
    }
}

int http_endpoint_disabled(const char *body, size_t len)
{
    /* MLflow 3's FastAPI layer, then the Flask handlers (MLflow 2.x, 3.x's other routes) */
    static const char *const marks[] = {"Artifact serving is disabled",
                                        "disabled due to the mlflow server running with"};
    size_t i, k;
    for (k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        size_t n = strlen(marks[k]);
        for (i = 0; body && i + n <= len; i++)
            if (!memcmp(body + i, marks[k], n)) return 1;
    }
    return 0;
}

long http_backoff_ms(int n, unsigned *seed)
{
    long d = HTTP_RETRY_SLEEP_FIRST_MS;
    int i;
    for (i = 1; i < n && d < HTTP_RETRY_SLEEP_MAX_MS; i++) d *= 2;
    if (d > HTTP_RETRY_SLEEP_MAX_MS) d = HTTP_RETRY_SLEEP_MAX_MS;
    return d + (long)(rand_r(seed) % (int)(d / 2 + 1));
}

long http_parse_retry_after(const char *v)
{
    while (*v == ' ' || *v == '\t') v++;
    if (*v >= '0' && *v <= '9') {
        long long s = 0;
        for (; *v >= '0' && *v <= '9'; v++)
            if ((s = s * 10 + (*v - '0')) > HTTP_RETRY_AFTER_MAX_S) s = HTTP_RETRY_AFTER_MAX_S;
        while (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') v++;
        return *v ? -1 : (long)s * 1000L;
    }
    {
        time_t t = curl_getdate(v, NULL), now = time(NULL); /* IMF-fixdate and friends */
        if (t == (time_t)-1) return -1;
        if (t <= now) return 0;
        return t - now > HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S * 1000L : (long)(t - now) * 1000L;
    }
}

void http_redact_url(const char *url, char *buf, size_t n)
{
    const char *p, *host, *at, *end, *q;
    if (!n) return;
    buf[0] = '\0';
    if (!url) return;
    p = strstr(url, "://");
    if (!p || (size_t)(p - url) > 32 || p[3] == '\0') {
        q = url + strcspn(url, "?#");
        snprintf(buf, n, "%.*s%s", (int)(q - url), url, *q ? "?…" : "");
        return;
    }
    host = p + 3;
    end = host + strcspn(host, "/?#");
    /* userinfo ends at the last '@' before the path: a password may hold '@' */
    for (at = end; at > host && at[-1] != '@'; at--) {
    }
    if (at > host) host = at;
    q = end + strcspn(end, "?#");
    snprintf(buf, n, "%.*s://%.*s%.*s%s", (int)(p - url), url, (int)(end - host), host, (int)(q - end), end,
             *q ? "?…" : "");
}

/* Counts decoded bytes: curl inflates gzip/deflate before this callback, so
   the cap holds for the real size, and a bomb stops at the cap. */
static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_sink *s = ud;
    size_t n = size * nmemb;
    if ((long long)(s->len + n) > s->cap) {
        s->capped = 1;
        return 0; /* curl aborts with CURLE_WRITE_ERROR */
    }
    if (s->len + n + 1 > s->cap_alloc) {
        size_t cap = s->cap_alloc ? s->cap_alloc : 1024;
        char *nb;
        while (cap < s->len + n + 1) cap *= 2;
        if ((long long)cap > s->cap + 1) cap = (size_t)s->cap + 1; /* never twice the cap for its last byte */
        nb = realloc(s->buf, cap);
        if (!nb) return 0;
        s->buf = nb;
        s->cap_alloc = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

/* value of header line "Name: value\r\n" into out (trimmed), when its name matches */
static int http_header_value(const char *line, size_t n, const char *name, char *out, size_t outn)
{
    size_t k = strlen(name);
    const char *v, *e = line + n;
    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':') return 0;
    for (v = line + k + 1; v < e && (*v == ' ' || *v == '\t'); v++) {
    }
    while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t')) e--;
    snprintf(out, outn, "%.*s", (int)(e - v), v);
    return 1;
}

static size_t http_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_sink *s = ud;
    size_t n = size * nmemb;
    char v[256];
    if (n > 5 && strncasecmp(ptr, "HTTP/", 5) == 0) {
        /* a new answer (after 100-continue or a redirect): forget the old headers */
        free(s->etag);
        s->etag = NULL;
        s->retry_after_ms = -1;
        s->content_type[0] = '\0';
    } else if (http_header_value(ptr, n, "etag", v, sizeof v)) {
        free(s->etag);
        s->etag = xstrdup(v);
    } else if (http_header_value(ptr, n, "retry-after", v, sizeof v)) {
        s->retry_after_ms = http_parse_retry_after(v);
    } else if (http_header_value(ptr, n, "content-type", v, sizeof v)) {
        memcpy(s->content_type, v, sizeof s->content_type - 1); /* shown in messages: a prefix does */
        s->content_type[sizeof s->content_type - 1] = '\0';
    }
    return n;
}

/* pread: the fd's offset is never moved, so a retry or a parallel part reads
   exactly its own bytes. A file that ends early aborts the transfer. */
static size_t http_read_cb(char *buf, size_t size, size_t nmemb, void *ud)
{
    http_src *s = ud;
    size_t want = size * nmemb, got;
    if (s->left <= 0) return 0;
    if ((long long)want > s->left) want = (size_t)s->left;
    if (s->mem) {
        memcpy(buf, s->mem, want);
        s->mem += want;
        got = want;
    } else {
        ssize_t r;
        do
            r = pread(s->fd, buf, want, (off_t)s->off);
        while (r < 0 && errno == EINTR);
        if (r <= 0) {
            s->short_read = 1;
            s->read_errno = r < 0 ? errno : 0;
            return CURL_READFUNC_ABORT;
        }
        got = (size_t)r;
        s->off += r;
    }
    s->left -= (long long)got;
    s->sent += (long long)got;
    return got;
}

/* curl rewinds a body to send it again on its own, e.g. when a kept-alive
   connection turns out dead under the request. For a request that must not
   go out twice (creates, log-batch) that is refused: curl then fails with
   CURLE_SEND_FAIL_REWIND, which comes back ambiguous, for the caller to
   resolve by asking the server. */
static int http_seek_cb(void *ud, curl_off_t offset, int origin)
{
    http_src *s = ud;
    if (s->no_rewind || origin != SEEK_SET || offset < 0 || offset > s->size) return CURL_SEEKFUNC_FAIL;
    if (s->mem0) s->mem = s->mem0 + offset;
    else s->off = s->off0 + (long long)offset;
    s->left = s->size - (long long)offset;
    return CURL_SEEKFUNC_OK;
}

static void http_setup_common(http_client *c, const http_req *r, http_sink *sink, char *errbuf)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlflow-lite/" MLL_TOOL_VERSION);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    if (c->o.timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_STALL_RATE);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, c->o.stall_s);
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 300L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->o.max_body);
    if (c->o.insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (c->o.ca_file) curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
    if (c->o.client_cert) curl_easy_setopt(h, CURLOPT_SSLCERT, c->o.client_cert);
    if (c->o.client_key) curl_easy_setopt(h, CURLOPT_SSLKEY, c->o.client_key);
    if (r->path_as_is) curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    if (r->aws_sigv4) curl_easy_setopt(h, CURLOPT_AWS_SIGV4, r->aws_sigv4);
    if (r->userpwd) {
        curl_easy_setopt(h, CURLOPT_USERPWD, r->userpwd);
        if (!r->aws_sigv4) curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
}

/* The caller's headers plus Authorization: Bearer (built here so the token
   is never in a buffer the caller might print). */
static struct curl_slist *http_headers(const http_req *r)
{
    struct curl_slist *hdrs = NULL, *t;
    const struct curl_slist *e;
    for (e = r->headers; e; e = e->next) {
        if (!(t = curl_slist_append(hdrs, e->data))) goto oom;
        hdrs = t;
    }
    if (r->bearer) {
        sbuf a = {0};
        sb_printf(&a, "Authorization: Bearer %s", r->bearer);
        t = a.oom ? NULL : curl_slist_append(hdrs, a.s);
        if (a.s) memset(a.s, 0, a.len);
        sb_free(&a);
        if (!t) goto oom;
        hdrs = t;
    }
    return hdrs;
oom:
    curl_slist_free_all(hdrs);
    return NULL;
}

static void http_stream(CURL *h, http_src *src)
{
    curl_easy_setopt(h, CURLOPT_READFUNCTION, http_read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, src);
    curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, http_seek_cb);
    curl_easy_setopt(h, CURLOPT_SEEKDATA, src);
}

static void http_setup_body(CURL *h, const http_req *r, const char *m, http_src *src)
{
    src->no_rewind = r->no_retry || r->retry_unsent_only;
    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r->stream) {
        src->fd = r->body_fd;
        src->off0 = src->off = r->body_offset;
        src->size = src->left = r->body_size;
        http_stream(h, src);
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_size);
        if (strcmp(m, "PUT") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else if (r->body && src->no_rewind) { /* through the read callback, so curl cannot resend it */
        src->mem0 = src->mem = r->body;
        src->size = src->left = (long long)r->body_len;
        http_stream(h, src);
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        if (strcmp(m, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else if (r->body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? (const char *)r->body : "");
        if (strcmp(m, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
        src->sent = (long long)r->body_len;
    } else if (strcmp(m, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    }
}

/* One attempt: fills sink and src, returns curl's code. */
static CURLcode http_once(http_client *c, const http_req *r, http_sink *sink, http_src *src, char *errbuf)
{
    struct curl_slist *hdrs;
    CURLcode cc;
    http_setup_common(c, r, sink, errbuf);
    hdrs = http_headers(r);
    if (!hdrs && (r->headers || r->bearer)) return CURLE_OUT_OF_MEMORY;
    if (hdrs) curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
    http_setup_body(c->curl, r, r->method ? r->method : "GET", src);
    cc = curl_easy_perform(c->curl);
    curl_slist_free_all(hdrs);
    return cc;
}

/* Moves the last attempt's results into out. */
static int http_finish(http_client *c, CURLcode cc, http_sink *sink, const http_src *src, int attempt,
                       http_resp *out)
{
    long status = 0, reqsize = 0;
    curl_off_t cl = -1;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    }
    curl_easy_getinfo(c->curl, CURLINFO_REQUEST_SIZE, &reqsize);
    out->status = status;
    out->curl_code = cc;
    out->body = sink->buf ? sink->buf : calloc(1, 1);
    out->body_len = sink->buf ? sink->len : 0;
    out->etag = sink->etag;
    snprintf(out->content_type, sizeof out->content_type, "%s", sink->content_type);
    out->attempts = attempt;
    out->bytes_sent = src->sent;
    out->content_length = (long long)cl;
    out->retry_after_ms = sink->retry_after_ms;
    out->request_sent = reqsize > 0;
    out->body_capped = sink->capped || cc == CURLE_FILESIZE_EXCEEDED;
    out->source_short = src->short_read;
    out->source_errno = src->read_errno;
    if (out->body_capped)
        snprintf(out->errbuf, sizeof out->errbuf, "the answer is larger than %lld bytes (the limit)", c->o.max_body);
    else if (src->short_read)
        snprintf(out->errbuf, sizeof out->errbuf, "the file %s while it was sent",
                 src->read_errno ? strerror(src->read_errno) : "shrank");
    if (!out->body) return -1;
    return cc == CURLE_OK && !out->body_capped ? 0 : -1;
}

/* 1 when the last attempt cannot have changed anything on the server: it
   never got the request out, or the answer says it was not processed. */
static int http_unsent(CURL *h, CURLcode cc, long status)
{
    long reqsize = 0;
    if (cc == CURLE_OK) return status == 408 || status == 429;
    if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY || cc == CURLE_COULDNT_CONNECT) return 1;
    curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &reqsize);
    return reqsize == 0;
}

static void http_warn_retry(const http_req *r, const char *shown, CURLcode cc, long status, const char *why,
                            int attempt, int max, long delay, int honoured)
{
    const char *m = r->method ? r->method : "GET";
    if (cc != CURLE_OK)
        warnf("%s %s failed: %s (curl %d); retry %d/%d in %.1f s", m, shown, why, (int)cc, attempt, max,
              (double)delay / 1000.0);
    else
        warnf("%s %s answered HTTP %ld; retry %d/%d in %.1f s%s", m, shown, status, attempt, max,
              (double)delay / 1000.0, honoured ? " (Retry-After)" : "");
}

int http_do(http_client *c, const http_req *r, http_resp *out)
{
    double t0 = now_s();
    int attempt = 0;
    char shown[1024];

    memset(out, 0, sizeof *out);
    http_redact_url(r->url, shown, sizeof shown);
    for (;;) {
        http_sink sink;
        http_src src;
        CURLcode cc;
        long status = 0, delay;
        int retry, left;

        memset(&sink, 0, sizeof sink);
        memset(&src, 0, sizeof src);
        sink.retry_after_ms = -1;
        sink.cap = c->o.max_body;
        attempt++;
        cc = http_once(c, r, &sink, &src, out->errbuf);
        __atomic_add_fetch(&http_nreq, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&http_nbytes, src.sent, __ATOMIC_RELAXED);
        if (cc == CURLE_OK) curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        if (!out->errbuf[0] && cc != CURLE_OK) snprintf(out->errbuf, sizeof out->errbuf, "%s", curl_easy_strerror(cc));
        verbosef("%s %s -> %ld%s%s (try %d)", r->method ? r->method : "GET", shown, status,
                 cc != CURLE_OK ? ": " : "", cc != CURLE_OK ? out->errbuf : "", attempt);

        retry = !r->no_retry && c->o.max_retries > 0 && !sink.capped && !src.short_read && http_classify(cc, status);
        if (retry && r->retry_unsent_only && !http_unsent(c->curl, cc, status)) retry = 0;
        if (retry && status == 503 && http_endpoint_disabled(sink.buf, sink.len)) retry = 0;
        left = c->o.max_retries - (attempt - 1);
        delay = sink.retry_after_ms >= 0 ? sink.retry_after_ms : http_backoff_ms(attempt, &c->seed);
        if (retry && (left <= 0 || now_s() - t0 + (double)delay / 1000.0 > c->o.retry_max_time_s)) retry = 0;
        if (!retry) return http_finish(c, cc, &sink, &src, attempt, out);
        http_warn_retry(r, shown, cc, status, out->errbuf, attempt, c->o.max_retries, delay, sink.retry_after_ms >= 0);
        free(sink.buf);
        free(sink.etag);
        sleep_ms(delay);
    }
}
