/* tests/sync/test_tool_unit.c — unit tests of the tool's policy functions:
 * the retry classification, backoff bounds, Retry-After parsing, URL
 * redaction (no secrets in --verbose), JSON number/string encoding and the
 * INI reader. (The meta.yaml reader's cases live with the SRC reader in
 * tests/tool_src.) Linked with mll_tool_lib; runs under ASan+UBSan in the
 * sanitizer build. */
#define _POSIX_C_SOURCE 200809L
#include "../../tools/config.h"
#include "../../tools/http.h"
#include "../../tools/msgs.h"
#include "../../tools/rest.h"
#include "../../tools/sync_run.h"
#include "../../tools/util.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int failures;
#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c)) {                                                                                                    \
            fprintf(stdout, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);                                               \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

static void test_classify(void)
{
    long retry[] = {408, 429, 500, 502, 503, 504};
    long final[] = {200, 201, 204, 301, 400, 401, 403, 404, 409, 413, 422, 501, 505};
    size_t i;
    for (i = 0; i < sizeof retry / sizeof retry[0]; i++) CHECK(http_classify(CURLE_OK, retry[i]) == 1);
    for (i = 0; i < sizeof final / sizeof final[0]; i++) CHECK(http_classify(CURLE_OK, final[i]) == 0);
    CHECK(http_classify(CURLE_COULDNT_CONNECT, 0) == 1);
    CHECK(http_classify(CURLE_OPERATION_TIMEDOUT, 0) == 1);
    CHECK(http_classify(CURLE_COULDNT_RESOLVE_HOST, 0) == 1);
    CHECK(http_classify(CURLE_RECV_ERROR, 0) == 1);
    CHECK(http_classify(CURLE_PEER_FAILED_VERIFICATION, 0) == 0); /* TLS verification: never */
    CHECK(http_classify(CURLE_URL_MALFORMAT, 0) == 0);
    CHECK(http_classify(CURLE_READ_ERROR, 0) == 0);
}

/* MLflow's 503 of a server started with --no-serve-artifacts: 3.x's FastAPI text, 2.x's
   Flask text (also cut short, not NUL-terminated); an overloaded server's 503 is not it */
static void test_endpoint_disabled(void)
{
    static const char v3[] = "{\"detail\":\"Artifact serving is disabled. Run `mlflow server` with "
                             "`--serve-artifacts` to enable.\"}";
    static const char v2[] = "Endpoint: /api/2.0/mlflow-artifacts/artifacts/<path:artifact_path> disabled due "
                             "to the mlflow server running with `--no-serve-artifacts`. To enable ...";
    static const char busy[] = "Service Unavailable: the server is overloaded";
    CHECK(http_endpoint_disabled(v3, sizeof v3 - 1) == 1);
    CHECK(http_endpoint_disabled(v2, sizeof v2 - 1) == 1);
    CHECK(http_endpoint_disabled(v2, 40) == 0); /* the mark lies past len: not read */
    CHECK(http_endpoint_disabled(busy, sizeof busy - 1) == 0);
    CHECK(http_endpoint_disabled(NULL, 0) == 0);
}

static void test_backoff(void)
{
    unsigned seed = 1;
    int n, k;
    for (k = 0; k < 200; k++)
        for (n = 1; n <= 12; n++) {
            long base = 1000L << (n - 1 < 5 ? n - 1 : 5), d = http_backoff_ms(n, &seed);
            if (base > HTTP_RETRY_SLEEP_MAX_MS) base = HTTP_RETRY_SLEEP_MAX_MS;
            CHECK(d >= base && d <= base + base / 2);
        }
}

static void test_retry_after(void)
{
    char date[64];
    time_t t = time(NULL) + 30;
    struct tm tm;
    long ms;
    CHECK(http_parse_retry_after("5") == 5000);
    CHECK(http_parse_retry_after(" 0\r\n") == 0);
    CHECK(http_parse_retry_after("abc") == -1);
    CHECK(http_parse_retry_after("5x") == -1);
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    ms = http_parse_retry_after(date);
    CHECK(ms >= 28000 && ms <= 31000);
    CHECK(http_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT") == 0); /* in the past */
}

static void test_redact(void)
{
    char b[256];
    http_redact_url("https://user:pw@host:8080/a/b?X-Amz-Signature=secret#f", b, sizeof b);
    CHECK(strstr(b, "pw") == NULL && strstr(b, "secret") == NULL && strstr(b, "user") == NULL);
    CHECK(strncmp(b, "https://host:8080/a/b", 21) == 0);
    http_redact_url("http://h/p", b, sizeof b);
    CHECK(strcmp(b, "http://h/p") == 0);
}

static void test_json(void)
{
    sbuf b = {0};
    json_double(&b, NAN);
    sb_puts(&b, " ");
    json_double(&b, INFINITY);
    sb_puts(&b, " ");
    json_double(&b, -INFINITY);
    sb_puts(&b, " ");
    json_double(&b, -0.0);
    sb_puts(&b, " ");
    json_double(&b, 0.1);
    sb_puts(&b, " ");
    json_double(&b, 5e-324);
    CHECK(strcmp(b.s, "\"NaN\" \"Infinity\" \"-Infinity\" -0.0 0.1 4.94065645841247e-324") == 0);
    if (strcmp(b.s, "\"NaN\" \"Infinity\" \"-Infinity\" -0.0 0.1 4.94065645841247e-324") != 0) printf("%s\n", b.s);
    b.len = 0;
    json_str(&b, "a\"b\\c\n\x01\xc3\xa9");
    CHECK(strcmp(b.s, "\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\"") == 0);
    sb_free(&b);
}

static void test_ini(const char *dir)
{
    char *p = path_join(dir, "cfg");
    FILE *f = fopen(p, "w");
    char *v = NULL;
    fputs("[DEFAULT]\nhost = https://a\ntoken = t1\n\n[prof]\n  host=https://b  \n# c\ntoken = t2\n", f);
    fclose(f);
    tool_err e;
    err_clear(&e);
    CHECK(config_ini_get(p, "prof", "host", &v, &e) == 0 && v && strcmp(v, "https://b") == 0);
    free(v);
    CHECK(config_ini_get(p, "DEFAULT", "token", &v, &e) == 0 && v && strcmp(v, "t1") == 0);
    free(v);
    CHECK(config_ini_get(p, "nope", "host", &v, &e) == 0 && v == NULL);
    free(p);
}

/* issue 15: the overload gate halves what may be in flight, down to 1, and climbs back after good answers */
static void test_gate(void)
{
    rest_gate *g = rest_gate_new(8, 7, 0, NULL);
    int i;
    CHECK(g && rest_gate_limit(g) == 8);
    if (!g) return;
    rest_gate_enter(g);
    rest_gate_leave(g, 1);
    CHECK(rest_gate_limit(g) == 4);
    for (i = 0; i < 3; i++) {
        rest_gate_enter(g);
        rest_gate_leave(g, 1);
    }
    CHECK(rest_gate_limit(g) == 1);
    for (i = 0; i < 50; i++) {
        rest_gate_enter(g);
        rest_gate_leave(g, 0);
    }
    CHECK(rest_gate_limit(g) == 2);
    rest_gate_enter(NULL); /* no gate: no throttle */
    rest_gate_leave(NULL, 1);
    rest_gate_free(g);
}

/* issue 15: a point is known by what the SQL store gives back (-0.0 as 0.0, inf as DBL_MAX, any NaN) */
static void test_point_id(void)
{
    char a[DOUBT_ID_MAX], b[DOUBT_ID_MAX];
    doubt_point_id(a, 1, 2, -0.0);
    doubt_point_id(b, 1, 2, 0.0);
    CHECK(strcmp(a, b) == 0);
    doubt_point_id(a, 1, 2, INFINITY);
    doubt_point_id(b, 1, 2, DBL_MAX);
    CHECK(strcmp(a, b) == 0);
    doubt_point_id(a, 1, 2, -NAN);
    doubt_point_id(b, 1, 2, NAN);
    CHECK(strcmp(a, b) == 0);
    doubt_point_id(a, 1, 2, 0.5);
    doubt_point_id(b, 1, 3, 0.5);
    CHECK(strcmp(a, b) != 0);
    doubt_point_id(b, 2, 2, 0.5);
    CHECK(strcmp(a, b) != 0);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : ".";
    msgs_init(stderr, stdout);
    test_classify();
    test_endpoint_disabled();
    test_backoff();
    test_retry_after();
    test_redact();
    test_json();
    test_ini(dir);
    test_gate();
    test_point_id();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
