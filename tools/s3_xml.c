/* tools/s3_xml.c — S3 answer bodies to checked values; see s3_xml.h. */
#define _POSIX_C_SOURCE 200809L
#include "s3_xml.h"
#include "s3_int.h"
#include "s3_util.h"

#include <stdlib.h>
#include <string.h>

/* the text of the first <tag> in [b, e), decoded (malloc'd), or NULL */
static char *s3x_text(const char *b, const char *e, const char *tag)
{
    const char *p = b;
    return s3u_xml_next(&p, e, tag);
}

static int s3x_printable(const char *s, size_t max)
{
    size_t n = 0;
    for (; *s; s++, n++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= max) return 0;
    return 1;
}

/* decimal digits only, 0..max */
static int s3x_number(const char *s, long long max, long long *out)
{
    long long v = 0;
    if (!s || !*s) return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -1;
        if (v > (max - (*s - '0')) / 10) return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

static int s3x_fail(s3_err *err, const char *op, const char *what)
{
    s3i_err_set(err, op, 1, "the store's answer is malformed: %s", what);
    return -1;
}

static void s3x_copy_clean(char *dst, size_t n, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < n; src++) dst[k++] = (unsigned char)*src < 0x20 || *src == 0x7f ? ' ' : *src;
    if (n) dst[k] = '\0';
}

int s3x_error(const char *body, size_t len, char *code, size_t cn, char *msg, size_t mn)
{
    const char *b, *e, *p = body;
    char *c = NULL, *m = NULL;
    if (cn) code[0] = '\0';
    if (mn) msg[0] = '\0';
    if (!body || !s3u_xml_elem(&p, body + len, "Error", &b, &e)) return 0;
    c = s3x_text(b, e, "Code");
    m = s3x_text(b, e, "Message");
    s3x_copy_clean(code, cn, c);
    s3x_copy_clean(msg, mn, m);
    free(c);
    free(m);
    return code[0] != '\0';
}

/* IsTruncated true: the named token, checked; else NULL. 0 or -1. */
static int s3x_next_token(const char *body, const char *end, const char *tag, char **token)
{
    char *t = s3x_text(body, end, "IsTruncated");
    int trunc = t && strcmp(t, "true") == 0;
    free(t);
    *token = NULL;
    if (!trunc) return 0;
    *token = s3x_text(body, end, tag);
    if (!*token || !**token || !s3x_printable(*token, S3X_MAX_TOKEN)) {
        free(*token);
        *token = NULL;
        return -1;
    }
    return 0;
}

static int s3x_one_object(const char *b, const char *e, s3_object *o, char *etag, char **key)
{
    char *sz = s3x_text(b, e, "Size"), *et = s3x_text(b, e, "ETag");
    int rc = 0;
    *key = s3x_text(b, e, "Key");
    if (!*key || !**key || strlen(*key) > S3X_MAX_KEY || s3x_number(sz, S3X_MAX_SIZE, &o->size) != 0) rc = -1;
    s3u_etag_clean(et, etag, 80);
    if (et && !s3x_printable(etag, 80)) rc = -1;
    o->key = *key;
    o->etag = etag;
    free(sz);
    free(et);
    return rc;
}

int s3x_list_objects(const char *body, size_t len, int (*cb)(void *ud, const s3_object *o), void *ud, char **token,
                     int *stopped, s3_err *err)
{
    const char *p = body, *end = body + len, *b, *e;
    *token = NULL;
    *stopped = 0;
    if (!body) return s3x_fail(err, "ListObjectsV2", "no body");
    while (!*stopped && s3u_xml_elem(&p, end, "Contents", &b, &e)) {
        s3_object o;
        char etag[80], *key = NULL;
        if (s3x_one_object(b, e, &o, etag, &key) != 0) {
            free(key);
            return s3x_fail(err, "ListObjectsV2", "an object without a valid Key, Size or ETag");
        }
        if (cb(ud, &o)) *stopped = 1;
        free(key);
    }
    if (!*stopped && s3x_next_token(body, end, "NextContinuationToken", token) != 0)
        return s3x_fail(err, "ListObjectsV2", "a truncated listing without a valid continuation token");
    return 0;
}

int s3x_list_uploads(const char *body, size_t len, int (*cb)(void *ud, const char *key, const char *upload_id),
                     void *ud, char **key_marker, char **id_marker, int *stopped, s3_err *err)
{
    const char *p = body, *end = body + len, *b, *e;
    *key_marker = *id_marker = NULL;
    *stopped = 0;
    if (!body) return s3x_fail(err, "ListMultipartUploads", "no body");
    while (!*stopped && s3u_xml_elem(&p, end, "Upload", &b, &e)) {
        char *k = s3x_text(b, e, "Key"), *id = s3x_text(b, e, "UploadId");
        int ok = k && *k && strlen(k) <= S3X_MAX_KEY && id && *id && s3x_printable(id, S3X_MAX_UPLOAD_ID);
        if (ok && cb(ud, k, id)) *stopped = 1;
        free(k);
        free(id);
        if (!ok) return s3x_fail(err, "ListMultipartUploads", "an upload without a valid Key or UploadId");
    }
    if (*stopped) return 0;
    if (s3x_next_token(body, end, "NextKeyMarker", key_marker) != 0 ||
        s3x_next_token(body, end, "NextUploadIdMarker", id_marker) != 0 || (!*key_marker != !*id_marker)) {
        free(*key_marker);
        free(*id_marker);
        *key_marker = *id_marker = NULL;
        return s3x_fail(err, "ListMultipartUploads", "a truncated listing without valid next markers");
    }
    return 0;
}

int s3x_list_parts(const char *body, size_t len, int nparts, long long *sizes, char (*etags)[80], int *found,
                   int *next, s3_err *err)
{
    const char *p = body, *end = body + len, *b, *e;
    char *marker = NULL;
    long long m;
    *next = 0;
    if (!body) return s3x_fail(err, "ListParts", "no body");
    while (s3u_xml_elem(&p, end, "Part", &b, &e)) {
        char *num = s3x_text(b, e, "PartNumber"), *sz = s3x_text(b, e, "Size"), *et = s3x_text(b, e, "ETag");
        long long n = 0, size = -1;
        int ok = s3x_number(num, S3_MAX_PARTS, &n) == 0 && n >= 1 && s3x_number(sz, S3X_MAX_SIZE, &size) == 0 && et;
        if (ok && n <= nparts && sizes[n - 1] < 0) { /* another upload's numbering is not ours: skipped */
            s3u_etag_clean(et, etags[n - 1], 80);
            if (s3x_printable(etags[n - 1], 80)) {
                sizes[n - 1] = size;
                (*found)++;
            } else
                etags[n - 1][0] = '\0';
        }
        free(num);
        free(sz);
        free(et);
        if (!ok) return s3x_fail(err, "ListParts", "a part without a valid PartNumber, Size or ETag");
    }
    if (s3x_next_token(body, end, "NextPartNumberMarker", &marker) != 0 || (marker && s3x_number(marker, S3_MAX_PARTS, &m) != 0)) {
        free(marker);
        return s3x_fail(err, "ListParts", "a truncated listing without a valid next part number");
    }
    if (marker) *next = (int)m;
    free(marker);
    return 0;
}

int s3x_create_upload(const char *body, size_t len, char **upload_id, s3_err *err)
{
    *upload_id = body ? s3x_text(body, body + len, "UploadId") : NULL;
    if (*upload_id && **upload_id && s3x_printable(*upload_id, S3X_MAX_UPLOAD_ID)) return 0;
    free(*upload_id);
    *upload_id = NULL;
    s3i_err_set(err, "CreateMultipartUpload", 0, "answer without a valid UploadId");
    return -1;
}

int s3x_complete(const char *body, size_t len, char etag[80], s3_err *err)
{
    char code[64], msg[512], *et;
    etag[0] = '\0';
    if (!body) return 0;
    if (s3x_error(body, len, code, sizeof code, msg, sizeof msg)) {
        s3i_err_set(err, "CompleteMultipartUpload", strcmp(code, "InternalError") != 0 && strcmp(code, "SlowDown") != 0,
                    "%s", msg[0] ? msg : "error in a 200 answer");
        snprintf(err->code, sizeof err->code, "%s", code);
        err->status = 200;
        return -1;
    }
    et = s3x_text(body, body + len, "ETag");
    s3u_etag_clean(et, etag, 80);
    free(et);
    if (!s3x_printable(etag, 80)) etag[0] = '\0';
    return 0;
}

int s3x_delete_result(const char *body, size_t len,
                      void (*fail_cb)(void *ud, const char *key, const char *code, const char *msg), void *ud)
{
    const char *p = body, *end = body + len, *b, *e;
    int n = 0;
    while (body && s3u_xml_elem(&p, end, "Error", &b, &e)) {
        char *k = s3x_text(b, e, "Key"), *c = s3x_text(b, e, "Code"), *m = s3x_text(b, e, "Message");
        char code[64], msg[512];
        s3x_copy_clean(code, sizeof code, c);
        s3x_copy_clean(msg, sizeof msg, m);
        if (k && *k) fail_cb(ud, k, code, msg);
        free(k);
        free(c);
        free(m);
        n++;
    }
    return n;
}
