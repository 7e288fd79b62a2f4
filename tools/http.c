/* tools/http.c — see http.h for the retry policy. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "http.h"
#include "msgs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct http_client {
    CURL *curl;
    http_opts o;
    char *ca_file, *client_cert, *client_key;
    unsigned seed;
};

/* response being collected */
typedef struct http_sink {
    char *buf;
    size_t len, cap;
    char *etag;
    long retry_after_ms;
    FILE *out_file;
    long status_seen;
    CURL *curl;
} http_sink;

typedef struct http_src {
    const unsigned char *mem;
    FILE *f;
    long long left, sent;
} http_src;

static long long http_nreq, http_nbytes;

long long http_total_requests(void) { return __atomic_load_n(&http_nreq, __ATOMIC_RELAXED); }
long long http_total_bytes_sent(void) { return __atomic_load_n(&http_nbytes, __ATOMIC_RELAXED); }

static char *http_strdup(const char *s)
{
    size_t n;
    char *d;
    if (!s) return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

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
    c->ca_file = http_strdup(c->o.ca_file);
    c->client_cert = http_strdup(c->o.client_cert);
    c->client_key = http_strdup(c->o.client_key);
    c->o.ca_file = c->ca_file;
    c->o.client_cert = c->client_cert;
    c->o.client_key = c->client_key;
    if (!c->o.connect_timeout_ms) c->o.connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    if (!c->o.timeout_ms) c->o.timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    if (c->o.retry_max_time_s <= 0) c->o.retry_max_time_s = HTTP_DEFAULT_RETRY_MAX_TIME_S;
    if (!c->o.max_retries) c->o.max_retries = HTTP_DEFAULT_MAX_RETRIES;
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
    case CURLE_SSL_CONNECT_ERROR:
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

long http_backoff_ms(int n, unsigned *seed)
{
    long d = HTTP_RETRY_SLEEP_FIRST_MS;
    long jitter;
    int i;
    for (i = 1; i < n && d < HTTP_RETRY_SLEEP_MAX_MS; i++) d *= 2;
    if (d > HTTP_RETRY_SLEEP_MAX_MS) d = HTTP_RETRY_SLEEP_MAX_MS;
    jitter = (long)(rand_r(seed) % (int)(d / 2 + 1));
    return d + jitter;
}

long http_parse_retry_after(const char *v)
{
    char *end;
    long s;
    while (*v == ' ' || *v == '\t') v++;
    if (*v >= '0' && *v <= '9') {
        errno = 0;
        s = strtol(v, &end, 10);
        if (errno || (*end && *end != '\r' && *end != '\n' && *end != ' ')) return -1;
        return s > 86400 ? 86400000L : s * 1000L;
    }
    {
        time_t t = curl_getdate(v, NULL), now = time(NULL); /* IMF-fixdate and friends */
        if (t == (time_t)-1) return -1;
        return t <= now ? 0 : (long)(t - now) * 1000L;
    }
}

void http_redact_url(const char *url, char *buf, size_t n)
{
    const char *p = strstr(url, "://"), *host, *at, *slash, *q;
    size_t k = 0;
    if (!n) return;
    buf[0] = '\0';
    if (!p) {
        snprintf(buf, n, "%.*s", (int)strcspn(url, "?#"), url);
        return;
    }
    host = p + 3;
    slash = host + strcspn(host, "/?#");
    at = memchr(host, '@', (size_t)(slash - host));
    if (at) host = at + 1;
    q = slash + strcspn(slash, "?#");
    k = (size_t)snprintf(buf, n, "%.*s://%.*s%.*s%s", (int)(p - url), url, (int)(slash - host), host,
                         (int)(q - slash), slash, *q ? "?…" : "");
    (void)k;
}

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_sink *s = ud;
    size_t n = size * nmemb;
    if (s->out_file) {
        long st = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &st);
        if (st >= 200 && st < 300) return fwrite(ptr, 1, n, s->out_file);
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 1024;
        char *nb;
        while (cap < s->len + n + 1) cap *= 2;
        nb = realloc(s->buf, cap);
        if (!nb) return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, ptr, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return n;
}

static size_t http_header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    http_sink *s = ud;
    size_t n = size * nmemb, k;
    if (n > 5 && strncasecmp(ptr, "HTTP/", 5) == 0) {
        /* a new response (after 100-continue or a redirect): forget old headers */
        free(s->etag);
        s->etag = NULL;
        s->retry_after_ms = -1;
        return n;
    }
    if (n > 5 && strncasecmp(ptr, "etag:", 5) == 0) {
        const char *v = ptr + 5;
        while (v < ptr + n && (*v == ' ' || *v == '\t')) v++;
        k = (size_t)(ptr + n - v);
        while (k > 0 && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' ')) k--;
        free(s->etag);
        s->etag = malloc(k + 1);
        if (s->etag) {
            memcpy(s->etag, v, k);
            s->etag[k] = '\0';
        }
    } else if (n > 12 && strncasecmp(ptr, "retry-after:", 12) == 0) {
        char tmp[128];
        k = n - 12 < sizeof tmp - 1 ? n - 12 : sizeof tmp - 1;
        memcpy(tmp, ptr + 12, k);
        tmp[k] = '\0';
        s->retry_after_ms = http_parse_retry_after(tmp);
    }
    return n;
}

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
        got = fread(buf, 1, want, s->f);
        if (got == 0) return CURL_READFUNC_ABORT; /* file shrank or read error */
    }
    s->left -= (long long)got;
    s->sent += (long long)got;
    return got;
}

static void http_sleep_ms(long ms)
{
    struct timespec ts;
    if (ms <= 0) return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One attempt. Returns the CURLcode; fills sink. */
static CURLcode http_once(http_client *c, const http_req *r, http_sink *sink, http_src *src,
                          struct curl_slist **hdrs_out, char *errbuf)
{
    CURL *h = c->curl;
    struct curl_slist *hdrs = NULL;
    const struct curl_slist *e;
    const char *m = r->method ? r->method : "GET";
    int has_body = r->body_file != NULL || r->body != NULL;
    char auth[4096];

    curl_easy_reset(h);
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_URL, r->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mlflow-lite/0.1");
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    if (c->o.timeout_ms > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.timeout_ms);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)HTTP_DEFAULT_STALL_S);
    curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 300L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
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
    for (e = r->headers; e; e = e->next) hdrs = curl_slist_append(hdrs, e->data);
    if (r->bearer) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", r->bearer);
        hdrs = curl_slist_append(hdrs, auth);
        memset(auth, 0, sizeof auth);
    }
    *hdrs_out = hdrs;
    if (hdrs) curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);

    if (strcmp(m, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r->body_file) {
        /* streamed upload (PUT or POST): read callback over [offset, offset+size) */
        if (fseeko(r->body_file, (off_t)r->body_offset, SEEK_SET) != 0) return CURLE_READ_ERROR;
        src->f = r->body_file;
        src->mem = NULL;
        src->left = r->body_size;
        src->sent = 0;
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, http_read_cb);
        curl_easy_setopt(h, CURLOPT_READDATA, src);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)r->body_size);
        if (strcmp(m, "PUT") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    } else if (has_body || strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body ? (const char *)r->body : "");
        if (strcmp(m, "POST") != 0) curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
        src->sent = (long long)r->body_len;
    } else if (strcmp(m, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
    }
    return curl_easy_perform(h);
}

int http_do(http_client *c, const http_req *r, http_resp *out)
{
    double t0 = http_now();
    int attempt = 0;
    char shown[1024];

    memset(out, 0, sizeof *out);
    http_redact_url(r->url, shown, sizeof shown);
    for (;;) {
        http_sink sink;
        http_src src;
        struct curl_slist *hdrs = NULL;
        CURLcode cc;
        long status = 0, delay;
        int retry, left;
        double elapsed;

        memset(&sink, 0, sizeof sink);
        memset(&src, 0, sizeof src);
        sink.retry_after_ms = -1;
        sink.out_file = r->out_file;
        sink.curl = c->curl;
        attempt++;
        if (r->out_file) {
            fflush(r->out_file);
            if (ftruncate(fileno(r->out_file), 0) != 0 || fseeko(r->out_file, 0, SEEK_SET) != 0) {
                out->curl_code = CURLE_WRITE_ERROR;
                snprintf(out->errbuf, sizeof out->errbuf, "cannot truncate the output file: %s", strerror(errno));
                out->attempts = attempt;
                return -1;
            }
        }
        cc = http_once(c, r, &sink, &src, &hdrs, out->errbuf);
        curl_slist_free_all(hdrs);
        __atomic_add_fetch(&http_nreq, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&http_nbytes, src.sent, __ATOMIC_RELAXED);
        if (cc == CURLE_OK) curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        if (!out->errbuf[0] && cc != CURLE_OK) snprintf(out->errbuf, sizeof out->errbuf, "%s", curl_easy_strerror(cc));
        verbosef("%s %s -> %ld%s%s (try %d)", r->method ? r->method : "GET", shown, status,
                 cc != CURLE_OK ? ": " : "", cc != CURLE_OK ? out->errbuf : "", attempt);

        retry = !r->no_retry && c->o.max_retries > 0 && http_classify(cc, status);
        left = c->o.max_retries - (attempt - 1);
        elapsed = http_now() - t0;
        delay = sink.retry_after_ms >= 0 ? sink.retry_after_ms : http_backoff_ms(attempt, &c->seed);
        if (retry && (left <= 0 || elapsed + (double)delay / 1000.0 > c->o.retry_max_time_s)) retry = 0;
        if (!retry) {
            out->status = cc == CURLE_OK ? status : 0;
            out->curl_code = cc;
            out->body = sink.buf;
            out->body_len = sink.len;
            if (!out->body) {
                out->body = calloc(1, 1);
            }
            out->etag = sink.etag;
            out->attempts = attempt;
            out->bytes_sent = src.sent;
            {
                curl_off_t cl = -1;
                if (cc == CURLE_OK) curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
                out->content_length = (long long)cl;
            }
            return cc == CURLE_OK ? 0 : -1;
        }
        if (cc != CURLE_OK)
            warnf("%s %s failed: %s (curl %d); retry %d/%d in %.1f s", r->method ? r->method : "GET", shown,
                  out->errbuf, (int)cc, attempt, c->o.max_retries, (double)delay / 1000.0);
        else
            warnf("%s %s answered HTTP %ld; retry %d/%d in %.1f s%s", r->method ? r->method : "GET", shown, status,
                  attempt, c->o.max_retries, (double)delay / 1000.0, sink.retry_after_ms >= 0 ? " (Retry-After)" : "");
        free(sink.buf);
        free(sink.etag);
        http_sleep_ms(delay);
    }
}
