/* tools/s3_multipart.c — resumable, parallel, verified multipart uploads.
 *
 * Order of work for one key:
 *   1. ListMultipartUploads(prefix=key): in-progress uploads of this exact
 *      key. The one with the most parts is resumed; its parts are read with
 *      ListParts. (An interrupted earlier run, e.g. a SIGKILL, leaves one.)
 *   2. Otherwise CreateMultipartUpload.
 *   3. Up to `jobs` threads take parts in order: MD5 of the local bytes; a
 *      remote part of the same size and ETag is kept, otherwise UploadPart
 *      with Content-MD5, and the returned ETag must equal the MD5.
 *   4. CompleteMultipartUpload; a 200 answer may still carry <Error>
 *      (InternalError/SlowDown there are retried up to 3 times). The final
 *      ETag must be md5(concatenated part MD5s)-N.
 *   5. After success, other in-progress uploads of the key are aborted. On a
 *      definite failure (4xx, local read error, integrity mismatch) the
 *      upload is aborted; on a transient one it is kept for the next run.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "s3.h"
#include "s3_int.h"
#include "s3_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msgs.h"

#define MP_COMPLETE_RETRIES 3

static void mp_sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

typedef struct mp_part {
    long long off, len;
    unsigned char md5[16];
    char remote_etag[80];
    long long remote_size;    /* -1: the resumed upload has no such part */
    char etag[80];            /* the part's ETag in the upload, for Complete */
} mp_part;

typedef struct mp_job {
    s3_client *c;
    const char *bucket, *key, *path, *upload_id;
    mp_part *parts;
    int nparts, next, failed;
    pthread_mutex_t mu;
    s3_err err;
    long long bytes_sent;
    int sent, reused;
} mp_job;

struct mp_uploads { const char *key; char **ids; int n; };

static int mp_collect_cb(void *ud, const char *key, const char *upload_id)
{
    struct mp_uploads *u = ud;
    char **p;
    if (strcmp(key, u->key) != 0) return 0;
    p = realloc(u->ids, (size_t)(u->n + 1) * sizeof *p);
    if (!p) return 1;
    u->ids = p;
    u->ids[u->n] = strdup(upload_id);
    if (u->ids[u->n]) u->n++;
    return 0;
}

int s3_list_uploads(s3_client *c, const char *bucket, const char *prefix,
                    int (*cb)(void *ud, const char *key, const char *upload_id), void *ud, s3_err *err)
{
    char *kmark = NULL, *umark = NULL;
    int rc = 0, stop = 0;
    do {
        const char *keys[4] = {"prefix", "uploads", "key-marker", "upload-id-marker"};
        const char *vals[4];
        s3_call call;
        http_resp r;
        char *q, *trunc;
        const char *p, *end, *b, *e;
        vals[0] = prefix ? prefix : "";
        vals[1] = "";
        vals[2] = kmark;
        vals[3] = umark;
        q = s3u_query(kmark ? 4 : 2, keys, vals);
        free(kmark);
        free(umark);
        kmark = umark = NULL;
        memset(&call, 0, sizeof call);
        call.op = "ListMultipartUploads";
        call.method = "GET";
        call.bucket = bucket;
        call.query = q;
        if (!q) {
            s3i_err_set(err, call.op, 1, "out of memory");
            return -1;
        }
        rc = s3i_do(c, &call, &r, err);
        free(q);
        if (rc != 0) {
            http_resp_free(&r);
            break;
        }
        p = r.body;
        end = r.body + r.body_len;
        while (!stop && s3u_xml_elem(&p, end, "Upload", &b, &e)) {
            const char *q2 = b;
            char *k = s3u_xml_next(&q2, e, "Key"), *id;
            q2 = b;
            id = s3u_xml_next(&q2, e, "UploadId");
            if (k && id && cb(ud, k, id)) stop = 1;
            free(k);
            free(id);
        }
        p = r.body;
        trunc = s3u_xml_next(&p, end, "IsTruncated");
        if (!stop && trunc && strcmp(trunc, "true") == 0) {
            p = r.body;
            kmark = s3u_xml_next(&p, end, "NextKeyMarker");
            p = r.body;
            umark = s3u_xml_next(&p, end, "NextUploadIdMarker");
            if (!kmark || !umark) {
                free(kmark);
                free(umark);
                kmark = umark = NULL;
            }
        }
        free(trunc);
        http_resp_free(&r);
    } while (kmark && rc == 0);
    free(kmark);
    free(umark);
    return rc;
}

int s3_abort_upload(s3_client *c, const char *bucket, const char *key, const char *upload_id, s3_err *err)
{
    const char *keys[1] = {"uploadId"};
    const char *vals[1];
    s3_call call;
    http_resp r;
    char *q;
    int rc;
    vals[0] = upload_id;
    q = s3u_query(1, keys, vals);
    if (!q) {
        s3i_err_set(err, "AbortMultipartUpload", 1, "out of memory");
        return -1;
    }
    memset(&call, 0, sizeof call);
    call.op = "AbortMultipartUpload";
    call.method = "DELETE";
    call.bucket = bucket;
    call.key = key;
    call.query = q;
    rc = s3i_do(c, &call, &r, err);
    if (rc != 0 && err->status == 404) rc = 0;  /* already gone */
    http_resp_free(&r);
    free(q);
    return rc;
}

/* ListParts into parts[] (remote_size/remote_etag). Returns the number of
   parts found, or -1. */
static int mp_list_parts(s3_client *c, const char *bucket, const char *key, const char *upload_id, mp_part *parts,
                         int nparts, s3_err *err)
{
    char *marker = NULL;
    int found = 0, rc = 0;
    do {
        const char *keys[3] = {"uploadId", "part-number-marker"};
        const char *vals[3];
        s3_call call;
        http_resp r;
        char *q, *trunc;
        const char *p, *end, *b, *e;
        vals[0] = upload_id;
        vals[1] = marker;
        q = s3u_query(marker ? 2 : 1, keys, vals);
        free(marker);
        marker = NULL;
        if (!q) {
            s3i_err_set(err, "ListParts", 1, "out of memory");
            return -1;
        }
        memset(&call, 0, sizeof call);
        call.op = "ListParts";
        call.method = "GET";
        call.bucket = bucket;
        call.key = key;
        call.query = q;
        rc = s3i_do(c, &call, &r, err);
        free(q);
        if (rc != 0) {
            http_resp_free(&r);
            return -1;
        }
        p = r.body;
        end = r.body + r.body_len;
        while (s3u_xml_elem(&p, end, "Part", &b, &e)) {
            const char *q2 = b;
            char *num = s3u_xml_next(&q2, e, "PartNumber"), *sz, *et;
            long n;
            q2 = b;
            sz = s3u_xml_next(&q2, e, "Size");
            q2 = b;
            et = s3u_xml_next(&q2, e, "ETag");
            n = num ? strtol(num, NULL, 10) : 0;
            if (n >= 1 && n <= nparts && sz && et) {
                parts[n - 1].remote_size = strtoll(sz, NULL, 10);
                s3u_etag_clean(et, parts[n - 1].remote_etag, sizeof parts[n - 1].remote_etag);
                found++;
            }
            free(num);
            free(sz);
            free(et);
        }
        p = r.body;
        trunc = s3u_xml_next(&p, end, "IsTruncated");
        if (trunc && strcmp(trunc, "true") == 0) {
            p = r.body;
            marker = s3u_xml_next(&p, end, "NextPartNumberMarker");
        }
        free(trunc);
        http_resp_free(&r);
    } while (marker);
    return found;
}

static int mp_upload_part(mp_job *j, FILE *f, int idx, s3_err *err)
{
    mp_part *pt = &j->parts[idx];
    const char *keys[2] = {"partNumber", "uploadId"};
    const char *vals[2];
    char num[16], hex[33], b64[32], got[80];
    s3_call call;
    http_resp r;
    char *q;
    int rc;

    if (s3u_md5_fd(fileno(f), pt->off, pt->len, pt->md5) != 0) {
        s3i_err_set(err, "UploadPart", 1, "cannot read %s: %s", j->path, strerror(errno));
        return -1;
    }
    s3u_hex(pt->md5, 16, hex);
    if (pt->remote_size == pt->len && strcmp(pt->remote_etag, hex) == 0) {
        memcpy(pt->etag, pt->remote_etag, sizeof pt->etag);
        pthread_mutex_lock(&j->mu);
        j->reused++;
        pthread_mutex_unlock(&j->mu);
        return 0;
    }
    s3u_base64(pt->md5, 16, b64);
    snprintf(num, sizeof num, "%d", idx + 1);
    vals[0] = num;
    vals[1] = j->upload_id;
    q = s3u_query(2, keys, vals);
    if (!q) {
        s3i_err_set(err, "UploadPart", 1, "out of memory");
        return -1;
    }
    memset(&call, 0, sizeof call);
    call.op = "UploadPart";
    call.method = "PUT";
    call.bucket = j->bucket;
    call.key = j->key;
    call.query = q;
    call.body_file = f;
    call.body_off = pt->off;
    call.body_size = pt->len;
    call.content_md5 = b64;
    rc = s3i_do(j->c, &call, &r, err);
    free(q);
    if (rc == 0) {
        s3u_etag_clean(r.etag, got, sizeof got);
        if (!s3i_etag_ok(j->c, "UploadPart", got, hex, err)) {
            rc = -1;
        } else {
            memcpy(pt->etag, got, sizeof pt->etag);
            pthread_mutex_lock(&j->mu);
            j->sent++;
            j->bytes_sent += pt->len;
            pthread_mutex_unlock(&j->mu);
        }
    }
    http_resp_free(&r);
    return rc;
}

static void *mp_worker(void *arg)
{
    mp_job *j = arg;
    FILE *f = fopen(j->path, "rb");
    s3_err err;
    if (!f) {
        pthread_mutex_lock(&j->mu);
        if (!j->failed) {
            j->failed = 1;
            s3i_err_set(&j->err, "UploadPart", 1, "cannot open %s: %s", j->path, strerror(errno));
        }
        pthread_mutex_unlock(&j->mu);
        return NULL;
    }
    for (;;) {
        int idx;
        pthread_mutex_lock(&j->mu);
        idx = j->failed ? -1 : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (idx < 0 || idx >= j->nparts) break;
        if (mp_upload_part(j, f, idx, &err) != 0) {
            pthread_mutex_lock(&j->mu);
            if (!j->failed) {
                j->failed = 1;
                j->err = err;
            }
            pthread_mutex_unlock(&j->mu);
            break;
        }
    }
    fclose(f);
    return NULL;
}

static int mp_create(s3_client *c, const char *bucket, const char *key, const char *content_type, char **upload_id,
                     s3_err *err)
{
    const char *keys[1] = {"uploads"};
    const char *vals[1] = {""};
    s3_call call;
    http_resp r;
    char *q = s3u_query(1, keys, vals);
    int rc;
    const char *p;
    if (!q) {
        s3i_err_set(err, "CreateMultipartUpload", 1, "out of memory");
        return -1;
    }
    memset(&call, 0, sizeof call);
    call.op = "CreateMultipartUpload";
    call.method = "POST";
    call.upload = 1;
    call.bucket = bucket;
    call.key = key;
    call.query = q;
    call.content_type = content_type ? content_type : "application/octet-stream";
    rc = s3i_do(c, &call, &r, err);
    free(q);
    if (rc == 0) {
        p = r.body;
        *upload_id = s3u_xml_next(&p, r.body + r.body_len, "UploadId");
        if (!*upload_id) {
            s3i_err_set(err, "CreateMultipartUpload", 0, "answer without an UploadId");
            rc = -1;
        }
    }
    http_resp_free(&r);
    return rc;
}

static int mp_complete(s3_client *c, const char *bucket, const char *key, const char *upload_id, const mp_part *parts,
                       int nparts, const char *want_etag, char *etag_out, s3_err *err)
{
    const char *keys[1] = {"uploadId"};
    const char *vals[1];
    size_t cap = 64 + (size_t)nparts * (64 + 6 * 80), len = 0;  /* an ETag escapes to <= 6x */
    char *xml = malloc(cap), *q, *code;
    char got[80];
    s3_call call;
    http_resp r;
    const char *p;
    int i, rc;

    vals[0] = upload_id;
    q = s3u_query(1, keys, vals);
    if (!xml || !q) {
        free(xml);
        free(q);
        s3i_err_set(err, "CompleteMultipartUpload", 1, "out of memory");
        return -1;
    }
    len += (size_t)snprintf(xml + len, cap - len, "<CompleteMultipartUpload>");
    for (i = 0; i < nparts; i++) {
        char *et = s3u_xml_escape(parts[i].etag);
        if (!et) {
            free(xml);
            free(q);
            s3i_err_set(err, "CompleteMultipartUpload", 1, "out of memory");
            return -1;
        }
        len += (size_t)snprintf(xml + len, cap - len, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>",
                                i + 1, et);
        free(et);
    }
    len += (size_t)snprintf(xml + len, cap - len, "</CompleteMultipartUpload>");
    memset(&call, 0, sizeof call);
    call.op = "CompleteMultipartUpload";
    call.method = "POST";
    call.bucket = bucket;
    call.key = key;
    call.query = q;
    call.body = xml;
    call.body_len = len;
    call.content_type = "application/xml";
    rc = s3i_do(c, &call, &r, err);
    if (rc == 0) {
        /* S3 may answer 200 and report the failure in the body. */
        p = r.body;
        if ((code = s3u_xml_next(&p, r.body + r.body_len, "Code")) != NULL &&
            strstr(r.body, "<Error") != NULL) {
            char *msg;
            p = r.body;
            msg = s3u_xml_next(&p, r.body + r.body_len, "Message");
            s3i_err_set(err, "CompleteMultipartUpload", strcmp(code, "InternalError") != 0 &&
                        strcmp(code, "SlowDown") != 0, "%s", msg ? msg : "error in a 200 answer");
            snprintf(err->code, sizeof err->code, "%s", code);
            err->status = r.status;
            free(msg);
            rc = -1;
        } else {
            char *et;
            p = r.body;
            et = s3u_xml_next(&p, r.body + r.body_len, "ETag");
            s3u_etag_clean(et, got, sizeof got);
            free(et);
            if (!s3i_etag_ok(c, "CompleteMultipartUpload", got, want_etag, err)) {
                rc = -1;
            } else {
                snprintf(etag_out, 80, "%s", got);
            }
        }
        free(code);
    }
    http_resp_free(&r);
    free(xml);
    free(q);
    return rc;
}

int s3i_put_multipart(s3_client *c, const char *bucket, const char *key, const char *path, long long size,
                      long long part_size, int nparts, const char *content_type, s3_put_result *res, s3_err *err)
{
    struct mp_uploads up;
    mp_job j;
    pthread_t *th = NULL;
    char *upload_id = NULL, want[80], hex[33];
    unsigned char *all = NULL, raw[16];
    int i, nth, started = 0, rc = -1, best = -1, best_found = -1;

    memset(&up, 0, sizeof up);
    memset(&j, 0, sizeof j);
    up.key = key;
    j.parts = calloc((size_t)nparts, sizeof *j.parts);
    if (!j.parts) {
        s3i_err_set(err, "UploadPart", 1, "out of memory");
        return -1;
    }
    for (i = 0; i < nparts; i++) {
        j.parts[i].off = (long long)i * part_size;
        j.parts[i].len = size - j.parts[i].off < part_size ? size - j.parts[i].off : part_size;
        j.parts[i].remote_size = -1;
    }

    /* 1. an upload of this key left by an interrupted run? */
    if (s3_list_uploads(c, bucket, key, mp_collect_cb, &up, err) != 0) {
        if (err->status != 403) goto out;
        /* credentials allowed to upload but not to list uploads: no resume */
        verbosef("cannot list the open uploads of %s (HTTP 403 %s); starting a new one", key, err->code);
    }
    for (i = 0; i < up.n; i++) {
        int k, found;
        mp_part *tmp = calloc((size_t)nparts, sizeof *tmp);
        if (!tmp) continue;
        for (k = 0; k < nparts; k++) tmp[k].remote_size = -1;
        found = mp_list_parts(c, bucket, key, up.ids[i], tmp, nparts, err);
        if (found > best_found) {
            best_found = found;
            best = i;
            for (k = 0; k < nparts; k++) {
                j.parts[k].remote_size = tmp[k].remote_size;
                memcpy(j.parts[k].remote_etag, tmp[k].remote_etag, sizeof tmp[k].remote_etag);
            }
        }
        free(tmp);
    }
    if (best >= 0) {
        upload_id = up.ids[best];
        up.ids[best] = NULL;
        res->resumed = 1;
    } else if (mp_create(c, bucket, key, content_type, &upload_id, err) != 0) {
        goto out;
    }
    started = 1;

    /* 3. parts in parallel */
    j.c = c;
    j.bucket = bucket;
    j.key = key;
    j.path = path;
    j.upload_id = upload_id;
    j.nparts = nparts;
    pthread_mutex_init(&j.mu, NULL);
    nth = c->o.jobs < nparts ? c->o.jobs : nparts;
    th = calloc((size_t)nth, sizeof *th);
    if (!th) {
        s3i_err_set(err, "UploadPart", 1, "out of memory");
        pthread_mutex_destroy(&j.mu);
        goto out;
    }
    for (i = 0; i < nth; i++)
        if (pthread_create(&th[i], NULL, mp_worker, &j) != 0) break;
    if (i == 0) mp_worker(&j);
    nth = i;
    for (i = 0; i < nth; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&j.mu);
    res->multipart = 1;
    res->parts_total = nparts;
    res->parts_sent = j.sent;
    res->parts_reused = j.reused;
    res->bytes_sent = j.bytes_sent;
    if (j.failed) {
        *err = j.err;
        goto out;
    }

    /* 4. complete and verify */
    all = malloc((size_t)nparts * 16);
    if (!all) {
        s3i_err_set(err, "CompleteMultipartUpload", 1, "out of memory");
        goto out;
    }
    for (i = 0; i < nparts; i++) memcpy(all + 16 * i, j.parts[i].md5, 16);
    s3u_md5(all, (size_t)nparts * 16, raw);
    s3u_hex(raw, 16, hex);
    snprintf(want, sizeof want, "%s-%d", hex, nparts);
    /* A 200 answer carrying InternalError/SlowDown is S3 asking for a retry,
       which http_do cannot see: retried here with the same backoff. */
    for (i = 1;; i++) {
        unsigned seed = (unsigned)i * 2654435761u;
        long delay;
        if (mp_complete(c, bucket, key, upload_id, j.parts, nparts, want, res->etag, err) == 0) break;
        if (err->definite || err->status != 200 || i > MP_COMPLETE_RETRIES || c->http.max_retries < 0) goto out;
        delay = http_backoff_ms(i, &seed);
        warnf("CompleteMultipartUpload of %s answered 200 with %s; retry %d/%d in %.1f s", key, err->code, i,
              MP_COMPLETE_RETRIES, (double)delay / 1000.0);
        mp_sleep_ms(delay);
    }
    rc = 0;

    /* 5. no other upload of this key stays behind */
    for (i = 0; i < up.n; i++) {
        s3_err e2;
        if (up.ids[i]) s3_abort_upload(c, bucket, key, up.ids[i], &e2);
    }
out:
    if (rc != 0 && started && err->definite) {
        s3_err e2;
        s3_abort_upload(c, bucket, key, upload_id, &e2);
    }
    for (i = 0; i < up.n; i++) free(up.ids[i]);
    free(up.ids);
    free(upload_id);
    free(th);
    free(all);
    free(j.parts);
    return rc;
}
