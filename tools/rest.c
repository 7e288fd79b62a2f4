/* tools/rest.c — rest_call (every answer checked and classified) and the
 * create-once protocol; see rest.h. */
#define _POSIX_C_SOURCE 200809L
#include "rest.h"
#include "msgs.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <pthread.h>

void rest_err_clear(rest_err *e)
{
    memset(e, 0, sizeof *e);
    e->retry_after_ms = -1;
}

/* Copies text from the server into dst for printing: control bytes (an
   escape sequence could rewrite the user's terminal) become spaces, and only
   the first line is kept when first_line. */
static void rest_copy_text(char *dst, size_t n, const char *src, size_t len, int first_line)
{
    size_t i, k = 0;
    if (!n) return;
    for (i = 0; i < len && k + 1 < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        if (first_line && (ch == '\n' || ch == '\r')) {
            if (k) break;
            continue;
        }
        dst[k++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    dst[k] = '\0';
}

const char *rest_errstr(const rest_err *e, char *buf, size_t n)
{
    if (!e->status)
        snprintf(buf, n, "%s (curl %d)", e->msg[0] ? e->msg : "transport failure", e->curl_code);
    else
        snprintf(buf, n, "HTTP %ld%s%s%s%s", e->status, e->error_code[0] ? " " : "", e->error_code,
                 e->msg[0] ? ": " : "", e->msg);
    return buf;
}

int rest_err_to_tool(const rest_err *re, tool_err *te, const char *what)
{
    char buf[700];
    return err_set(te, re->code ? re->code : EXIT_FAILED, what, "%s", rest_errstr(re, buf, sizeof buf));
}

int rest_is_not_found(const rest_err *e)
{
    return e->status == 404 || strcmp(e->error_code, "RESOURCE_DOES_NOT_EXIST") == 0 ||
           strcmp(e->error_code, "NOT_FOUND") == 0;
}

int rest_is_absent(const rest_err *e)
{
    return (e->status == 404 || e->status == 400) && strcmp(e->error_code, "RESOURCE_DOES_NOT_EXIST") == 0;
}

int rest_is_exists(const rest_err *e)
{
    return strcmp(e->error_code, "RESOURCE_ALREADY_EXISTS") == 0 || strcmp(e->error_code, "ALREADY_EXISTS") == 0;
}

/* Overload seen in an answer's text. MLflow's SQL store answers
   "400 ... QueuePool limit of size 5 overflow 10 reached" when its
   connection pool is exhausted, SQLite says "database is locked", and two
   concurrent log-inputs of one dataset collide on "UNIQUE constraint failed":
   each goes away when the item is sent again later. */
static int rest_overload_text(const char *m)
{
    static const char *const marks[] = {"queuepool limit", "connection pool", "too many connections",
                                        "database is locked", "unique constraint failed"};
    char low[sizeof ((rest_err *)0)->msg];
    size_t i;
    for (i = 0; m[i] && i + 1 < sizeof low; i++) low[i] = (char)tolower((unsigned char)m[i]);
    low[i] = '\0';
    for (i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (strstr(low, marks[i])) return 1;
    return 0;
}

int rest_classify(rest_err *e, int write, int request_sent)
{
    long s = e->status;
    if (!s) {
        CURLcode cc = (CURLcode)e->curl_code;
        if (cc == CURLE_URL_MALFORMAT || cc == CURLE_UNSUPPORTED_PROTOCOL) e->code = EXIT_USAGE;
        else if (cc == CURLE_OUT_OF_MEMORY) e->code = EXIT_FAILED;
        else e->code = EXIT_CONNECT;
        e->ambiguous = write && request_sent;
        return e->code;
    }
    e->code = s == 401 || s == 403 ? EXIT_AUTH : EXIT_REJECTED;
    /* MLflow's RESOURCE_ALREADY_EXISTS text also says "UNIQUE constraint failed": that one is final */
    e->transient = s == 429 || (s == 503 && !http_endpoint_disabled(e->msg, strlen(e->msg))) ||
                   ((s >= 500 || s == 400) && !rest_is_exists(e) && rest_overload_text(e->msg));
    e->ambiguous = write && (s >= 500 || e->transient || (s >= 200 && s < 300));
    if (s == 429) e->ambiguous = 0; /* rate limited: refused before any work */
    return e->code;
}

/* error_code/message of an MLflow error body, else the body's first line */
static void rest_fill_status(rest_err *e, const http_resp *rs)
{
    cJSON *j = json_parse(rs->body, rs->body_len);
    const char *code, *msg;
    e->status = rs->status;
    e->retry_after_ms = rs->retry_after_ms;
    if (json_get_str(j, "error_code", &code) == 0) rest_copy_text(e->error_code, sizeof e->error_code, code,
                                                                  strlen(code), 1);
    if (json_get_str(j, "message", &msg) == 0) rest_copy_text(e->msg, sizeof e->msg, msg, strlen(msg), 0);
    else if (json_get_str(j, "detail", &msg) == 0) /* FastAPI's error body (MLflow 3's ASGI routes) */
        rest_copy_text(e->msg, sizeof e->msg, msg, strlen(msg), 0);
    else if (!cJSON_IsObject(j) && rs->body_len) rest_copy_text(e->msg, sizeof e->msg, rs->body, rs->body_len, 1);
    cJSON_Delete(j);
}

static void rest_fill_transport(rest_err *e, const http_resp *rs)
{
    e->curl_code = (int)rs->curl_code;
    if (rs->body_capped || rs->source_short) {
        e->status = rs->status; /* an answer came, or the file is to blame */
        snprintf(e->msg, sizeof e->msg, "%s", rs->errbuf);
    } else if (http_is_tls_error(rs->curl_code)) {
        snprintf(e->msg, sizeof e->msg, "TLS handshake failed: %s (is it an https:// URL for a plain-HTTP server, "
                 "or a certificate --cacert must name?)", rs->errbuf);
    } else {
        snprintf(e->msg, sizeof e->msg, "%s", rs->errbuf[0] ? rs->errbuf : curl_easy_strerror(rs->curl_code));
    }
}

int rest_check_answer(int http_rc, const http_resp *rs, int write, cJSON **out, rest_err *e)
{
    cJSON *j;
    if (out) *out = NULL;
    rest_err_clear(e);
    if (http_rc != 0) {
        rest_fill_transport(e, rs);
        if (rs->body_capped) { /* an answer came, too large to be what the API sends */
            e->code = EXIT_REJECTED;
            e->ambiguous = write;
            return e->code;
        }
        return rest_classify(e, write, rs->request_sent);
    }
    if (rs->status < 200 || rs->status >= 300) {
        rest_fill_status(e, rs);
        return rest_classify(e, write, 1);
    }
    j = json_parse(rs->body, rs->body_len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        e->status = rs->status;
        snprintf(e->msg, sizeof e->msg, "the answer is not the JSON object the API sends (%s%s, %zu bytes): "
                 "a proxy or login page in front of the server?",
                 rs->content_type[0] ? "type " : "no content type", rs->content_type, rs->body_len);
        return rest_classify(e, write, 1);
    }
    if (out) *out = j;
    else cJSON_Delete(j);
    return 0;
}

int rest_bad_answer(rest_err *e, int write, const char *fmt, ...)
{
    va_list ap;
    rest_err_clear(e);
    e->status = 200;
    e->code = EXIT_REJECTED;
    e->ambiguous = write;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return e->code;
}

/* MLflow's filter parser strips one pair of quotes and never unescapes, and
   sqlparse (its tokenizer) reads a backslash before a quote as an escape, so
   a value with ' or \ cannot be written exactly: LIKE with '_' (any one
   character) there, and the caller compares the matches. A double-quoted
   value would do for runs, but LoggedModel search reads "..." as no match. */
static int rest_filter_unsafe(unsigned char ch) { return ch == '\'' || ch == '\\' || ch < 0x20; }

int rest_eq_filter(sbuf *f, const char *field, const char *value)
{
    const char *p;
    size_t start = f->len;
    int like = 0;
    for (p = value; *p; p++) like |= rest_filter_unsafe((unsigned char)*p);
    sb_printf(f, "%s %s '", field, like ? "LIKE" : "=");
    for (p = value; *p; p++) {
        char out = rest_filter_unsafe((unsigned char)*p) ? '_' : *p;
        sb_add(f, &out, 1);
    }
    sb_puts(f, "'");
    if (f->oom) {
        f->len = start;
        return -1;
    }
    return like;
}

int rest_send(const rest_ctx *c, const char *method, const char *path, sbuf *b, int once, cJSON **out, rest_err *e)
{
    int rc;
    if (out) *out = NULL;
    rc = b->oom || !b->s || !path ? rest_oom(e) : rest_call(c, method, path, b->s, once, out, e);
    sb_free(b);
    return rc;
}

int rest_oom(rest_err *e)
{
    rest_err_clear(e);
    snprintf(e->msg, sizeof e->msg, "out of memory");
    return e->code = EXIT_FAILED;
}

int rest_get(const rest_ctx *c, sbuf *path, cJSON **out, rest_err *e)
{
    int rc;
    if (out) *out = NULL;
    rc = path->oom || !path->s ? rest_oom(e) : rest_call(c, "GET", path->s, NULL, REST_RETRY, out, e);
    sb_free(path);
    return rc;
}

void rest_add_str(sbuf *b, const char *name, const char *value)
{
    if (!value) return;
    sb_printf(b, ",\"%s\":", name);
    json_str(b, value);
}

int rest_enum(const cJSON *o, const char *k, const char *const *names, int n)
{
    const char *s;
    int v, i;
    if (json_get_int(o, k, 1, n, &v) == 0) return v;
    if (json_get_str(o, k, &s) != 0) return 0;
    for (i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) return i + 1;
    return 0;
}

int rest_tags_have(const cJSON *tags, const char *key, const char *value)
{
    const cJSON *t;
    if (!cJSON_IsArray(tags)) return 0;
    cJSON_ArrayForEach(t, tags)
    {
        const char *k, *v;
        if (json_get_str(t, "key", &k) == 0 && json_get_str(t, "value", &v) == 0 && strcmp(k, key) == 0 &&
            strcmp(v, value) == 0)
            return 1;
    }
    return 0;
}

int rest_parse_token(const cJSON *answer, char **token, rest_err *e)
{
    const char *t;
    *token = NULL;
    if (json_get_str(answer, "next_page_token", &t) != 0 || !t[0]) return 0;
    if (strlen(t) > 4096) return rest_bad_answer(e, 0, "the answer's next_page_token is longer than 4096 bytes");
    if (!(*token = xstrdup(t))) return rest_bad_answer(e, 0, "out of memory");
    return 0;
}

int rest_pages(const char *what, int max_pages, rest_page_fn page, void *ud, rest_err *e)
{
    char *token = NULL;
    int n, rc = 0;
    rest_err_clear(e);
    for (n = 0;; n++) {
        char *next = NULL;
        if (n >= max_pages) {
            rc = rest_bad_answer(e, 0, "%s still had pages after %d", what, max_pages);
            break;
        }
        rc = page(ud, token, &next, e);
        if (rc == 0 && next && token && strcmp(next, token) == 0)
            rc = rest_bad_answer(e, 0, "%s answered the same page token twice", what);
        free(token);
        token = next;
        if (rc != 0 || !token) break;
    }
    free(token);
    return rc;
}

int rest_marker_search_body(sbuf *b, const char *exp_id, const char *key, const char *value, const char *view,
                            int max_results, const char *token)
{
    sbuf f = {0}, field = {0};
    sb_printf(&field, "tags.`%s`", key);
    if (field.oom || rest_eq_filter(&f, field.s, value) < 0) {
        sb_free(&field);
        sb_free(&f);
        return -1;
    }
    sb_puts(b, "{\"experiment_ids\":[");
    json_str(b, exp_id);
    sb_puts(b, "],\"filter\":");
    json_str(b, f.s);
    rest_add_str(b, "run_view_type", view);
    sb_printf(b, ",\"max_results\":%d", max_results);
    rest_add_str(b, "page_token", token);
    sb_puts(b, "}");
    sb_free(&field);
    sb_free(&f);
    return b->oom ? -1 : 0;
}

static int rest_is_write(const char *method) { return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0; }

static int rest_call_once(const rest_ctx *c, const char *method, const char *path, const char *body, int once,
                          cJSON **out, rest_err *e)
{
    sbuf url = {0};
    struct curl_slist *hdrs = NULL, *t;
    http_req rq;
    http_resp rs;
    int rc;

    if (out) *out = NULL;
    rest_err_clear(e);
    sb_puts(&url, c->base);
    sb_puts(&url, path);
    hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    if (hdrs && (t = curl_slist_append(hdrs, "Accept: application/json")) != NULL) hdrs = t;
    if (url.oom || !hdrs) {
        sb_free(&url);
        curl_slist_free_all(hdrs);
        snprintf(e->msg, sizeof e->msg, "out of memory");
        e->code = EXIT_FAILED;
        return e->code;
    }
    memset(&rq, 0, sizeof rq);
    rq.method = method;
    rq.url = url.s;
    rq.headers = hdrs;
    rq.body = body;
    rq.body_len = body ? strlen(body) : 0;
    rq.bearer = c->bearer;
    rq.userpwd = c->userpwd;
    rq.no_retry = once == REST_ONCE;
    rq.retry_unsent_only = once == REST_RETRY_UNSENT;
    rc = http_do(c->h, &rq, &rs);
    curl_slist_free_all(hdrs);
    sb_free(&url);
    rc = rest_check_answer(rc, &rs, rest_is_write(method), out, e);
    http_resp_free(&rs);
    return rc;
}

/* ---- the overload gate ---------------------------------------------------------- */

enum { GATE_RAISE_AFTER = 50 };        /* good answers in a row before one more request may fly */

struct rest_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int max, limit, inflight, good;
    int retries;
    double max_time_s;
    volatile int *stop;
};

rest_gate *rest_gate_new(int max, int retries, double max_time_s, volatile int *stop)
{
    rest_gate *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    if (pthread_mutex_init(&g->mu, NULL) != 0) {
        free(g);
        return NULL;
    }
    if (pthread_cond_init(&g->cv, NULL) != 0) {
        pthread_mutex_destroy(&g->mu);
        free(g);
        return NULL;
    }
    g->max = g->limit = max < 1 ? 1 : max;
    g->retries = retries;
    g->max_time_s = max_time_s > 0 ? max_time_s : HTTP_DEFAULT_RETRY_MAX_TIME_S;
    g->stop = stop;
    return g;
}

void rest_gate_free(rest_gate *g)
{
    if (!g) return;
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

int rest_gate_limit(rest_gate *g)
{
    int n;
    pthread_mutex_lock(&g->mu);
    n = g->limit;
    pthread_mutex_unlock(&g->mu);
    return n;
}

void rest_gate_enter(rest_gate *g)
{
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    while (g->inflight >= g->limit) pthread_cond_wait(&g->cv, &g->mu);
    g->inflight++;
    pthread_mutex_unlock(&g->mu);
}

void rest_gate_leave(rest_gate *g, int overloaded)
{
    int lowered = 0;
    if (!g) return;
    pthread_mutex_lock(&g->mu);
    g->inflight--;
    if (overloaded) {
        g->good = 0;
        if (g->limit > 1) lowered = g->limit = g->limit / 2;
    } else if (++g->good >= GATE_RAISE_AFTER && g->limit < g->max) {
        g->limit++;
        g->good = 0;
    }
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    if (lowered) warnf("the server is overloaded: at most %d request%s in flight from now on", lowered,
                       lowered == 1 ? "" : "s");
}

/* Every request passes the gate; an overload 400 of a REST_RETRY call is sent again after a back-off. */
int rest_call(const rest_ctx *c, const char *method, const char *path, const char *body, int once, cJSON **out,
              rest_err *e)
{
    rest_gate *g = c->gate;
    double until = now_s() + (g ? g->max_time_s : 0);
    unsigned seed = (unsigned)(size_t)c ^ (unsigned)(now_s() * 1000.0);
    int k, rc;
    for (k = 1;; k++) {
        char why[700];
        long ms;
        rest_gate_enter(g);
        rc = rest_call_once(c, method, path, body, once, out, e);
        rest_gate_leave(g, rc != 0 && e->transient);
        if (rc == 0 || !g || !e->transient || e->status != 400 || once != REST_RETRY || k > g->retries) return rc;
        ms = e->retry_after_ms > 0 ? e->retry_after_ms : http_backoff_ms(k, &seed);
        if (now_s() + (double)ms / 1000.0 > until || (g->stop && *g->stop)) return rc;
        warnf("%s %.*s: %s; the server is overloaded, sending it again in %.1f s (try %d/%d)", method,
              (int)strcspn(path, "?"), path, rest_errstr(e, why, sizeof why), (double)ms / 1000.0, k, g->retries);
        if (g->stop ? sleep_ms_or_stop(ms, g->stop) : (sleep_ms(ms), 0)) return rc;
    }
}

/* ---- create once ------------------------------------------------------------ */

int create_once(const create_once_ops *ops, char **id, int *created, rest_err *e)
{
    int rounds = ops->max_rounds > 0 ? ops->max_rounds : 3, round, need_find = !ops->skip_first_find;
    int after_create = 0;
    long settle = ops->settle_ms > 0 ? ops->settle_ms : 2000;
    rest_err last;

    *id = NULL;
    *created = 0;
    rest_err_clear(e);
    rest_err_clear(&last);
    for (round = 0;; round++) {
        if (need_find) { /* also after the last ambiguous create: it may have landed */
            int f = ops->find(ops->ud, id, e);
            if (f == 1 && *id) {
                *created = after_create;
                return 0;
            }
            free(*id);
            *id = NULL;
            if (f != 0) return e->code ? e->code : EXIT_FAILED;
        }
        if (round >= rounds) {
            *e = last;
            return e->code;
        }
        rest_err_clear(e);
        if (ops->create(ops->ud, id, e) == 0 && *id) {
            *created = 1;
            return 0;
        }
        free(*id);
        *id = NULL;
        if (!e->code) e->code = EXIT_FAILED;
        if (!rest_is_exists(e) && !e->ambiguous && !e->transient) return e->code;
        after_create |= e->ambiguous;
        last = *e;
        need_find = 1;
        if (!rest_is_exists(e)) {
            char buf[700];
            warnf("a create failed (%s); checking whether it took effect before creating again",
                  rest_errstr(e, buf, sizeof buf));
            sleep_ms(e->retry_after_ms > settle ? e->retry_after_ms : settle);
        }
    }
}
