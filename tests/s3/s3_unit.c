/* tests/s3/s3_unit.c — the S3 client's pure parts: AWS encoding and
 * canonical queries (the libcurl 7.88.1 rules), XML answers, digests, URL
 * and addressing, AWS configuration precedence, the mirror record, part
 * layout and expected ETags. No network. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "aws_config.h"
#include "s3.h"
#include "s3_record.h"
#include "s3_util.h"
#include "s3_xml.h"

static int failures, checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        checks++;                                                            \
        if (!(cond)) {                                                       \
            failures++;                                                      \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
        }                                                                    \
    } while (0)
#define CHECK_STR(got, want)                                                 \
    do {                                                                     \
        const char *g_ = (got), *w_ = (want);                                \
        checks++;                                                            \
        if (!g_ || strcmp(g_, w_) != 0) {                                    \
            failures++;                                                      \
            printf("FAIL %s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
        }                                                                    \
    } while (0)

static void test_encoding(void)
{
    char *s;
    const char *k1[1] = {"uploads"}, *v1[1] = {""};
    const char *k2[3] = {"uploadId", "partNumber", "list-type"}, *v2[3] = {"a+b/c=", "3", "2"};
    const char *k3[2] = {"prefix", "continuation-token"}, *v3[2] = {"a b/é", NULL};

    s = s3u_encode("a b+c=d:e@f/é~-_.", 1);
    CHECK_STR(s, "a%20b%2Bc%3Dd%3Ae%40f/%C3%A9~-_.");
    free(s);
    s = s3u_encode("x/y", 0);
    CHECK_STR(s, "x%2Fy");
    free(s);
    s = s3u_query(1, k1, v1); /* rule 3: ?uploads= not ?uploads */
    CHECK_STR(s, "uploads=");
    free(s);
    s = s3u_query(3, k2, v2); /* sorted by key, values AWS-encoded */
    CHECK_STR(s, "list-type=2&partNumber=3&uploadId=a%2Bb%2Fc%3D");
    free(s);
    s = s3u_query(2, k3, v3);
    CHECK_STR(s, "continuation-token=&prefix=a%20b%2F%C3%A9");
    free(s);
}

static void test_xml(void)
{
    const char *doc = "<R><Contents><Key>a&amp;b &lt;&#233;&#x41;</Key><ETag>&quot;abc&quot;</ETag>"
                      "<Size>12</Size></Contents><Contents><Key>k2</Key><Empty/></Contents>"
                      "<Error><Code>InternalError</Code></Error></R>";
    const char *p = doc, *end = doc + strlen(doc), *b, *e;
    char *v, clean[80];
    int n = 0;

    while (s3u_xml_elem(&p, end, "Contents", &b, &e)) n++;
    CHECK(n == 2);
    p = doc;
    v = s3u_xml_next(&p, end, "Key");
    CHECK_STR(v, "a&b <\xC3\xA9" "A");
    free(v);
    v = s3u_xml_next(&p, end, "ETag");
    s3u_etag_clean(v, clean, sizeof clean);
    CHECK_STR(clean, "abc");
    free(v);
    v = s3u_xml_next(&p, end, "Empty");
    CHECK_STR(v, "");
    free(v);
    v = s3u_xml_next(&p, end, "Code");
    CHECK_STR(v, "InternalError");
    free(v);
    CHECK(s3u_xml_next(&p, end, "Key") == NULL);
    s3u_etag_clean("\"0123-4\"", clean, sizeof clean);
    CHECK_STR(clean, "0123-4");
    s3u_etag_clean("&quot;f00&quot;", clean, sizeof clean);
    CHECK_STR(clean, "f00");
    v = s3u_xml_escape("a<b>&\"'");
    CHECK_STR(v, "a&lt;b&gt;&amp;&quot;&apos;");
    free(v);
}

static void test_digests(void)
{
    unsigned char raw[16];
    char hex[65], b64[32];
    s3u_md5("", 0, raw);
    s3u_hex(raw, 16, hex);
    CHECK_STR(hex, "d41d8cd98f00b204e9800998ecf8427e");
    s3u_base64(raw, 16, b64);
    CHECK_STR(b64, "1B2M2Y8AsgTpgAmY7PhCfg==");
    s3u_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    s3u_base64((const unsigned char *)"ab", 2, b64);
    CHECK_STR(b64, "YWI=");
}

static void unset_aws(void)
{
    static const char *const vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                       "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                                       "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                                       "AWS_ENDPOINT_URL_S3", "MLFLOW_S3_ENDPOINT_URL",
                                       "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE", "MLFLOW_S3_IGNORE_TLS",
                                       "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_SHARED_CREDENTIALS_FILE",
                                       "AWS_CONFIG_FILE"};
    size_t i;
    for (i = 0; i < sizeof vars / sizeof vars[0]; i++) unsetenv(vars[i]);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static void test_aws_config(const char *dir)
{
    char cred[512], conf[512], err[256], desc[512];
    aws_config c;
    snprintf(cred, sizeof cred, "%s/credentials", dir);
    snprintf(conf, sizeof conf, "%s/config", dir);
    write_file(cred, "[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = defsecret\n"
                     "# comment\n[p1]\naws_access_key_id=P1KEY\naws_secret_access_key = p1/secret+=\n"
                     "aws_session_token = tok\n");
    write_file(conf, "[default]\nregion = eu-north-1\n[profile p1]\nregion = ap-south-1\n"
                     "s3 =\n  endpoint_url = http://minio.local:9000/\n  addressing_style = virtual\n"
                     "[profile p2]\naws_access_key_id = P2KEY\naws_secret_access_key = p2s\n"
                     "endpoint_url = https://ceph.local\n");
    unset_aws();
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);

    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.access_key_id, "DEFKEY");
    CHECK_STR(c.region, "eu-north-1");
    CHECK(c.endpoint_url == NULL && c.addressing == AWS_ADDR_AUTO && c.session_token == NULL);
    aws_config_free(&c);

    setenv("AWS_PROFILE", "p1", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.access_key_id, "P1KEY");
    CHECK_STR(c.secret_access_key, "p1/secret+=");
    CHECK_STR(c.session_token, "tok");
    CHECK_STR(c.region, "ap-south-1");
    CHECK_STR(c.endpoint_url, "http://minio.local:9000");
    CHECK(c.addressing == AWS_ADDR_VIRTUAL);
    aws_config_describe(&c, desc, sizeof desc);
    CHECK(strstr(desc, "secret") == NULL && strstr(desc, "tok,") == NULL && strstr(desc, "...1KEY") != NULL);
    aws_config_free(&c);

    /* environment beats files; MLflow's endpoint beats AWS's */
    setenv("AWS_ACCESS_KEY_ID", "ENVKEY", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_REGION", "us-west-2", 1);
    setenv("AWS_DEFAULT_REGION", "us-east-2", 1);
    setenv("AWS_ENDPOINT_URL", "http://a", 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://b", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.access_key_id, "ENVKEY");
    CHECK_STR(c.cred_source, "environment");
    CHECK_STR(c.region, "us-west-2");
    CHECK_STR(c.endpoint_url, "http://b");
    aws_config_free(&c);
    setenv("MLFLOW_S3_ENDPOINT_URL", "http://c", 1);
    setenv("MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE", "path", 1);
    setenv("MLFLOW_S3_IGNORE_TLS", "true", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.endpoint_url, "http://c");
    CHECK(c.addressing == AWS_ADDR_PATH && c.ignore_tls == 1);
    aws_config_free(&c);
    setenv("MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE", "sideways", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == -1 && strstr(err, "sideways") != NULL);
    aws_config_free(&c);

    /* keys in the config file; profile endpoint_url */
    unset_aws();
    setenv("AWS_SHARED_CREDENTIALS_FILE", cred, 1);
    setenv("AWS_CONFIG_FILE", conf, 1);
    setenv("AWS_PROFILE", "p2", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.access_key_id, "P2KEY");
    CHECK_STR(c.cred_source, "config file");
    CHECK_STR(c.endpoint_url, "https://ceph.local");
    CHECK_STR(c.region, "us-east-1");
    aws_config_free(&c);
    setenv("AWS_PROFILE", "missing", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == -1 && strstr(err, "missing") != NULL);
    aws_config_free(&c);
    /* MLFLOW_S3_UPLOAD_EXTRA_ARGS */
    unset_aws();
    memset(&c, 0, sizeof c);
    CHECK(aws_parse_upload_extra_args(&c, "{\"ServerSideEncryption\":\"aws:kms\",\"BucketKeyEnabled\":true,"
                                          "\"Metadata\":{\"a\":\"1\"}}", err, sizeof err) == 0);
    CHECK(c.n_upload_headers == 3);
    if (c.n_upload_headers == 3) {
        CHECK_STR(c.upload_headers[0], "x-amz-server-side-encryption: aws:kms");
        CHECK_STR(c.upload_headers[1], "x-amz-server-side-encryption-bucket-key-enabled: true");
        CHECK_STR(c.upload_headers[2], "x-amz-meta-a: 1");
    }
    aws_config_free(&c);
    CHECK(aws_parse_upload_extra_args(&c, "[1]", err, sizeof err) == -1);
    aws_config_free(&c);
    CHECK(aws_parse_upload_extra_args(&c, "{\"Metadata\":{\"a\":\"\\u00e9\"}}", err, sizeof err) == -1);
    aws_config_free(&c);
    setenv("MLFLOW_S3_EXPECTED_BUCKET_OWNER", "111122223333", 1);
    CHECK(aws_config_load(&c, err, sizeof err) == 0);
    CHECK_STR(c.expected_bucket_owner, "111122223333");
    aws_config_free(&c);
    unsetenv("MLFLOW_S3_EXPECTED_BUCKET_OWNER");
    unset_aws();
}

static void test_urls(void)
{
    aws_config cfg;
    s3_client *c;
    char err[256], *u, *b, *p;

    CHECK(s3_parse_url("s3://bkt/a/b/", &b, &p) == 0);
    CHECK_STR(b, "bkt");
    CHECK_STR(p, "a/b/");
    free(b);
    free(p);
    CHECK(s3_parse_url("s3://bkt", &b, &p) == 0);
    CHECK_STR(p, "");
    free(b);
    free(p);
    CHECK(s3_parse_url("http://bkt/x", &b, &p) == -1);
    CHECK(s3_parse_url("s3:///x", &b, &p) == -1);

    memset(&cfg, 0, sizeof cfg);
    cfg.region = (char *)(uintptr_t) "eu-west-1";
    CHECK(s3_client_new(&cfg, NULL, NULL, err, sizeof err) == NULL); /* no credentials */
    cfg.access_key_id = (char *)(uintptr_t) "AK";
    cfg.secret_access_key = (char *)(uintptr_t) "SK";
    c = s3_client_new(&cfg, NULL, NULL, err, sizeof err);
    CHECK(c != NULL);
    if (!c) return;
    u = s3_object_url(c, "my-bucket", "a b/c+d.txt", NULL);
    CHECK_STR(u, "https://my-bucket.s3.eu-west-1.amazonaws.com/a%20b/c%2Bd.txt");
    free(u);
    u = s3_object_url(c, "dotted.bucket", "k", "uploads=");
    CHECK_STR(u, "https://s3.eu-west-1.amazonaws.com/dotted.bucket/k?uploads=");
    free(u);
    u = s3_object_url(c, "my-bucket", NULL, "list-type=2&prefix=");
    CHECK_STR(u, "https://my-bucket.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=");
    free(u);
    u = s3_object_url(c, "my-bucket", "a/../x", NULL); /* rule 4: kept as is (PATH_AS_IS) */
    CHECK_STR(u, "https://my-bucket.s3.eu-west-1.amazonaws.com/a/../x");
    free(u);
    s3_client_free(c);

    cfg.endpoint_url = (char *)(uintptr_t) "http://127.0.0.1:9000";
    c = s3_client_new(&cfg, NULL, NULL, err, sizeof err);
    if (!c) return;
    u = s3_object_url(c, "my-bucket", "é", NULL);
    CHECK_STR(u, "http://127.0.0.1:9000/my-bucket/%C3%A9");
    free(u);
    s3_client_free(c);
    cfg.addressing = AWS_ADDR_VIRTUAL;
    cfg.endpoint_url = (char *)(uintptr_t) "https://minio.local";
    c = s3_client_new(&cfg, NULL, NULL, err, sizeof err);
    if (!c) return;
    u = s3_object_url(c, "bkt", "k", NULL);
    CHECK_STR(u, "https://bkt.minio.local/k");
    free(u);
    s3_client_free(c);
}

static void test_parts_and_etag(const char *dir)
{
    aws_config cfg;
    s3_client_opts o;
    s3_client *c;
    char err[256], path[512], etag[80], hex[33];
    unsigned char raw[16], cat[48];
    static char buf[2500];
    int n = 0, fd;
    FILE *f;

    memset(&cfg, 0, sizeof cfg);
    cfg.region = (char *)(uintptr_t) "us-east-1";
    cfg.access_key_id = (char *)(uintptr_t) "AK";
    cfg.secret_access_key = (char *)(uintptr_t) "SK";
    memset(&o, 0, sizeof o);
    c = s3_client_new(&cfg, NULL, &o, err, sizeof err);
    if (!c) return;
    CHECK(s3_part_size_for(c, 8LL << 20, &n) == 8LL << 20 && n == 1);
    CHECK(s3_part_size_for(c, (8LL << 20) - 1, &n) == 0);
    CHECK(s3_part_size_for(c, 64LL << 20, &n) == 8LL << 20 && n == 8);
    CHECK(s3_part_size_for(c, 100000LL << 20, &n) == 16LL << 20 && n == 6250); /* <= 10,000 parts */
    s3_client_free(c);

    o.multipart_threshold = 2000;
    o.part_size = 1000;
    c = s3_client_new(&cfg, NULL, &o, err, sizeof err);
    if (!c) return;
    memset(buf, 'x', sizeof buf);
    buf[1500] = 'y';
    snprintf(path, sizeof path, "%s/blob", dir);
    f = fopen(path, "wb");
    if (f) {
        fwrite(buf, 1, sizeof buf, f);
        fclose(f);
    }
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    CHECK(s3_expected_etag_fd(c, fd, (long long)sizeof buf, etag, sizeof etag) == 0);
    s3u_md5(buf, 1000, cat);
    s3u_md5(buf + 1000, 1000, cat + 16);
    s3u_md5(buf + 2000, 500, cat + 32);
    s3u_md5(cat, 48, raw);
    s3u_hex(raw, 16, hex);
    CHECK(strncmp(etag, hex, 32) == 0 && strcmp(etag + 32, "-3") == 0);
    CHECK(s3_expected_etag_fd(c, fd, 1999, etag, sizeof etag) == 0);
    s3u_md5(buf, 1999, raw);
    s3u_hex(raw, 16, hex);
    CHECK_STR(etag, hex);
    CHECK(s3_expected_etag_fd(c, fd, 99999, etag, sizeof etag) != 0); /* the file is shorter: an error */
    close(fd);
    s3_client_free(c);
}

static int count_cb(void *ud, const s3_object *o)
{
    (*(int *)ud)++;
    return o->size < 0;
}

static int upload_cb(void *ud, const char *key, const char *id)
{
    (void)key;
    (void)id;
    (*(int *)ud)++;
    return 0;
}

static int xml_list(const char *x, char **tok)
{
    s3_err err;
    int n = 0, stopped;
    if (s3x_list_objects(x, strlen(x), count_cb, &n, tok, &stopped, &err) != 0) return -1;
    return n;
}

/* every S3 answer parser fed answers a broken or hostile store gives */
static void test_xml_parsers(void)
{
    char *tok = NULL, *km, *um, *id = NULL, etag[80], code[64], msg[512];
    char etags[3][80];
    long long sizes[3] = {-1, -1, -1};
    int found = 0, next = 0, n = 0, stopped;
    s3_err err;
    const char *parts;
    CHECK(xml_list("<R><Contents><Key>a</Key><Size>5</Size><ETag>&quot;e&quot;</ETag></Contents>"
                   "<IsTruncated>true</IsTruncated><NextContinuationToken>t+/=</NextContinuationToken></R>", &tok) == 1);
    CHECK(tok && strcmp(tok, "t+/=") == 0);
    free(tok);
    CHECK(xml_list("<R><IsTruncated>true</IsTruncated></R>", &tok) == -1);       /* truncated, no token */
    CHECK(xml_list("<R><Contents><Key>a</Key><Size>-5</Size></Contents></R>", &tok) == -1);
    CHECK(xml_list("<R><Contents><Key>a</Key><Size>99999999999999999999</Size></Contents></R>", &tok) == -1);
    CHECK(xml_list("<R><Contents><Size>5</Size></Contents></R>", &tok) == -1);  /* no key */
    CHECK(xml_list("<R><Contents><Key>&#0;x</Key><Size>1</Size></Contents></R>", &tok) == 1); /* NUL decoded as U+FFFD */
    parts = "<L><Part><PartNumber>2</PartNumber><Size>10</Size><ETag>\"x2\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><Size>11</Size><ETag>dup</ETag></Part>"
            "<Part><PartNumber>4</PartNumber><Size>10</Size><ETag>out</ETag></Part>"
            "<IsTruncated>true</IsTruncated><NextPartNumberMarker>4</NextPartNumberMarker></L>";
    CHECK(s3x_list_parts(parts, strlen(parts), 3, sizes, etags, &found, &next, &err) == 0);
    CHECK(found == 1 && sizes[1] == 10 && strcmp(etags[1], "x2") == 0 && sizes[0] == -1); /* dup and 4-of-3 ignored */
    CHECK(next == 4);
    parts = "<L><Part><PartNumber>99999</PartNumber><Size>1</Size><ETag>x</ETag></Part></L>";
    CHECK(s3x_list_parts(parts, strlen(parts), 3, sizes, etags, &found, &next, &err) == -1); /* over S3's 10,000 */
    parts = "<R><UploadId></UploadId></R>";
    CHECK(s3x_create_upload(parts, strlen(parts), &id, &err) == -1);
    parts = "<R><UploadId>a\x01b</UploadId></R>";
    CHECK(s3x_create_upload(parts, strlen(parts), &id, &err) == -1);
    parts = "<R><UploadId>u+/=</UploadId></R>";
    CHECK(s3x_create_upload(parts, strlen(parts), &id, &err) == 0 && strcmp(id, "u+/=") == 0);
    free(id);
    /* a 200 CompleteMultipartUpload that carries an <Error> */
    parts = "<?xml version=\"1.0\"?>\n<Error><Code>InternalError</Code><Message>try again</Message></Error>";
    CHECK(s3x_complete(parts, strlen(parts), etag, &err) == -1 && !err.definite && strcmp(err.code, "InternalError") == 0);
    parts = "<Error><Code>InvalidPart</Code></Error>";
    CHECK(s3x_complete(parts, strlen(parts), etag, &err) == -1 && err.definite);
    parts = "<CompleteMultipartUploadResult><ETag>&quot;abc-2&quot;</ETag></CompleteMultipartUploadResult>";
    CHECK(s3x_complete(parts, strlen(parts), etag, &err) == 0 && strcmp(etag, "abc-2") == 0);
    /* a NUL byte before <Error> does not hide it (no strstr on a body) */
    CHECK(s3x_complete("x\0<Error><Code>SlowDown</Code></Error>", 2 + strlen("<Error><Code>SlowDown</Code></Error>"),
                       etag, &err) == -1);
    parts = "<L><Upload><Key>k</Key><UploadId>u1</UploadId></Upload><IsTruncated>true</IsTruncated>"
            "<NextKeyMarker>k</NextKeyMarker></L>"; /* one marker without the other */
    CHECK(s3x_list_uploads(parts, strlen(parts), upload_cb, &n, &km, &um, &stopped, &err) == -1 && n == 1);
    parts = "<Error><Code>A\x1b[2J</Code><Message>m\x07</Message></Error>";
    CHECK(s3x_error(parts, strlen(parts), code, sizeof code, msg, sizeof msg) == 1);
    CHECK(strchr(code, 0x1b) == NULL && strchr(msg, 0x07) == NULL); /* no escape reaches the terminal */
}

static void test_record(const char *dir)
{
    char path[512];
    s3rec r;
    const s3rec_entry *e;
    s3rec_entry v[2];
    snprintf(path, sizeof path, "%s/state/sub/rec.tsv", dir);
    CHECK(s3rec_load(&r, path) == 0 && r.n == 0); /* missing = empty */
    CHECK(s3rec_open_journal(&r) == 0);
    {
        s3rec r2; /* a second mirror of the same SRC and DEST is locked out */
        CHECK(s3rec_load(&r2, path) == 0);
        CHECK(s3rec_open_journal(&r2) == -1 && errno == EBUSY);
        s3rec_free(&r2);
    }
    CHECK(s3rec_append(&r, "a b/c\td", 10, 111, "e1") == 0);
    CHECK(s3rec_append(&r, "x", 5, 222, "e2") == 0);
    CHECK(s3rec_append(&r, "a b/c\td", 11, 100, "e3") == 0); /* later line wins */
    s3rec_free(&r);
    {
        FILE *f = fopen(path, "a"); /* a torn line of a killed run */
        if (f) {
            fputs("12\t1\tzz\tpart", f);
            fclose(f);
        }
    }
    CHECK(s3rec_load(&r, path) == 0 && r.n == 2);
    e = s3rec_find(&r, "a b/c\td");
    CHECK(e && e->size == 11 && e->mtime_ns == 100 && strcmp(e->etag, "e3") == 0);
    CHECK(s3rec_find(&r, "part") == NULL);
    memset(v, 0, sizeof v);
    v[0].rel = (char *)(uintptr_t) "only";
    v[0].size = 1;
    snprintf(v[0].etag, sizeof v[0].etag, "e9");
    CHECK(s3rec_save(&r, v, 1) == 0);
    s3rec_free(&r);
    CHECK(s3rec_load(&r, path) == 0 && r.n == 1 && s3rec_find(&r, "only") != NULL);
    s3rec_free(&r);
}

int main(void)
{
    char dir[] = "/tmp/s3_unit.XXXXXX";
    char cmd[64];
    if (!mkdtemp(dir)) return 1;
    test_encoding();
    test_xml();
    test_xml_parsers();
    test_digests();
    test_aws_config(dir);
    test_urls();
    test_parts_and_etag(dir);
    test_record(dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", dir);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
