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
#include "s3_xml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "msgs.h"
#include "util.h"

#define MP_COMPLETE_RETRIES 3

typedef struct mp_part {
    long long off, len;
    unsigned char md5[16];
    char remote_etag[80];
    long long remote_size;    /* -1: the resumed upload has no such part */
    char etag[80];            /* the part's ETag in the upload, for Complete */
} mp_part;

typedef struct mp_job {
    s3_client *c;
    const char *bucket, *key, *upload_id;
    int fd;
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

/* A store that hands back the markers it was given would loop forever: a
   repeated key marker is an error. */
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
        char *q, *nk = NULL, *nu = NULL;
        vals[0] = prefix ? prefix : "";
        vals[1] = "";
        vals[2] = kmark;
        vals[3] = umark;
        if (!(q = s3u_query(kmark ? 4 : 2, keys, vals))) {
            s3i_err_set(err, "ListMultipartUploads", 1, "out of memory");
            rc = -1;
            break;
        }
        memset(&call, 0, sizeof call);
        call.op = "ListMultipartUploads";
        call.method = "GET";
        call.bucket = bucket;
        call.query = q;
        rc = s3i_do(c, &call, &r, err);
        free(q);
        if (rc == 0) rc = s3x_list_uploads(r.body, r.body_len, cb, ud, &nk, &nu, &stop, err);
        if (rc == 0 && nk && kmark && strcmp(nk, kmark) == 0 && strcmp(nu, umark) == 0) {
            s3i_err_set(err, "ListMultipartUploads", 1, "the store answered the same markers twice");
            rc = -1;
        }
        http_resp_free(&r);
        free(kmark);
        free(umark);
        kmark = nk;
        umark = nu;
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
   parts found, or -1. The next-part marker must grow, or the listing could
   go round forever. */
static int mp_list_parts(s3_client *c, const char *bucket, const char *key, const char *upload_id, mp_part *parts,
                         int nparts, s3_err *err)
{
    long long *sizes = malloc((size_t)nparts * sizeof *sizes);
    char(*etags)[80] = calloc((size_t)nparts, sizeof *etags);
    int found = 0, marker = 0, rc = 0, i;
    for (i = 0; sizes && i < nparts; i++) sizes[i] = -1;
    while (rc == 0 && sizes && etags) {
        const char *keys[2] = {"uploadId", "part-number-marker"};
        const char *vals[2];
        char num[16], *q;
        s3_call call;
        http_resp r;
        int next = 0;
        snprintf(num, sizeof num, "%d", marker);
        vals[0] = upload_id;
        vals[1] = num;
        if (!(q = s3u_query(marker ? 2 : 1, keys, vals))) break;
        memset(&call, 0, sizeof call);
        call.op = "ListParts";
        call.method = "GET";
        call.bucket = bucket;
        call.key = key;
        call.query = q;
        rc = s3i_do(c, &call, &r, err);
        free(q);
        if (rc == 0) rc = s3x_list_parts(r.body, r.body_len, nparts, sizes, etags, &found, &next, err);
        http_resp_free(&r);
        if (rc == 0 && next && next <= marker) {
            s3i_err_set(err, "ListParts", 1, "the store's next part number does not advance");
            rc = -1;
        }
        if (rc != 0 || !next) break;
        marker = next;
    }
    if (!sizes || !etags) {
        s3i_err_set(err, "ListParts", 1, "out of memory");
        rc = -1;
    }
    for (i = 0; rc == 0 && i < nparts; i++) {
        parts[i].remote_size = sizes[i];
        memcpy(parts[i].remote_etag, etags[i], sizeof etags[i]);
    }
    free(sizes);
    free(etags);
    return rc == 0 ? found : -1;
}

static int mp_upload_part(mp_job *j, int idx, s3_err *err)
{
    mp_part *pt = &j->parts[idx];
    const char *keys[2] = {"partNumber", "uploadId"};
    const char *vals[2];
    char num[16], hex[33], b64[32], got[80];
    s3_call call;
    http_resp r;
    char *q;
    int rc;

    if (s3u_md5_fd(j->fd, pt->off, pt->len, pt->md5) != 0) {
        s3i_err_set(err, "UploadPart", 1, "cannot read the file: %s", errno == EIO ? "it shrank" : strerror(errno));
        err->source = 1;
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
    call.stream = 1;
    call.body_fd = j->fd;
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
    s3_err err;
    for (;;) {
        int idx;
        pthread_mutex_lock(&j->mu);
        idx = j->failed ? -1 : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (idx < 0 || idx >= j->nparts) break;
        if (mp_upload_part(j, idx, &err) != 0) {
            pthread_mutex_lock(&j->mu);
            if (!j->failed) {
                j->failed = 1;
                j->err = err;
            }
            pthread_mutex_unlock(&j->mu);
            break;
        }
    }
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
    if (rc == 0) rc = s3x_create_upload(r.body, r.body_len, upload_id, err);
    http_resp_free(&r);
    return rc;
}

static int mp_complete(s3_client *c, const char *bucket, const char *key, const char *upload_id, const mp_part *parts,
                       int nparts, const char *want_etag, char *etag_out, s3_err *err)
{
    const char *keys[1] = {"uploadId"};
    const char *vals[1];
    size_t cap = 64 + (size_t)nparts * (64 + 6 * 80), len = 0;  /* an ETag escapes to <= 6x */
    char *xml = malloc(cap), *q;
    char got[80];
    s3_call call;
    http_resp r;
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
    /* S3 may answer 200 and report the failure in the body. */
    if (rc == 0) rc = s3x_complete(r.body, r.body_len, got, err);
    if (rc == 0 && !s3i_etag_ok(c, "CompleteMultipartUpload", got, want_etag, err)) rc = -1;
    if (rc == 0) snprintf(etag_out, 80, "%s", got);
    http_resp_free(&r);
    free(xml);
    free(q);
    return rc;
}

/* 1. an upload of this key left by an interrupted run: the one with the most
   matching parts; its remote sizes/ETags go into parts[]. 0 (maybe *id set) or -1. */
static int mp_find_resumable(s3_client *c, const char *bucket, const char *key, mp_part *parts, int nparts,
                             struct mp_uploads *up, char **id, s3_err *err)
{
    int i, k, best = -1, best_found = -1;
    *id = NULL;
    if (s3_list_uploads(c, bucket, key, mp_collect_cb, up, err) != 0) {
        if (err->status != 403) return -1;
        /* credentials allowed to upload but not to list uploads: no resume */
        verbosef("cannot list the open uploads of %s (HTTP 403 %s); starting a new one", key, err->code);
    }
    for (i = 0; i < up->n; i++) {
        int found;
        mp_part *tmp = calloc((size_t)nparts, sizeof *tmp);
        if (!tmp) continue;
        for (k = 0; k < nparts; k++) tmp[k].remote_size = -1;
        found = mp_list_parts(c, bucket, key, up->ids[i], tmp, nparts, err);
        if (found > best_found) {
            best_found = found;
            best = i;
            for (k = 0; k < nparts; k++) {
                parts[k].remote_size = tmp[k].remote_size;
                memcpy(parts[k].remote_etag, tmp[k].remote_etag, sizeof tmp[k].remote_etag);
            }
        }
        free(tmp);
    }
    if (best >= 0) {
        *id = up->ids[best];
        up->ids[best] = NULL;
    }
    return 0;
}

/* 3. up to `jobs` threads take the parts in order */
static void mp_send_parts(s3_client *c, mp_job *j)
{
    pthread_t *th;
    int i, nth = c->o.jobs < j->nparts ? c->o.jobs : j->nparts;
    pthread_mutex_init(&j->mu, NULL);
    th = calloc((size_t)nth, sizeof *th);
    for (i = 0; th && i < nth; i++)
        if (pthread_create(&th[i], NULL, mp_worker, j) != 0) break;
    if (!th || i == 0) mp_worker(j);
    nth = th ? i : 0;
    for (i = 0; i < nth; i++) pthread_join(th[i], NULL);
    free(th);
    pthread_mutex_destroy(&j->mu);
}

/* 4. complete and verify: the ETag must be md5(part MD5s)-N. A 200 answer
   carrying InternalError/SlowDown is S3 asking for a retry, which http_do
   cannot see: retried here with the same backoff. */
static int mp_complete_verified(s3_client *c, const char *bucket, const char *key, const char *upload_id,
                                const mp_part *parts, int nparts, char *etag_out, s3_err *err)
{
    unsigned char *all = malloc((size_t)nparts * 16), raw[16];
    char want[80], hex[33];
    int i;
    if (!all) {
        s3i_err_set(err, "CompleteMultipartUpload", 1, "out of memory");
        return -1;
    }
    for (i = 0; i < nparts; i++) memcpy(all + 16 * i, parts[i].md5, 16);
    s3u_md5(all, (size_t)nparts * 16, raw);
    free(all);
    s3u_hex(raw, 16, hex);
    snprintf(want, sizeof want, "%s-%d", hex, nparts);
    for (i = 1;; i++) {
        unsigned seed = (unsigned)i * 2654435761u;
        long delay;
        if (mp_complete(c, bucket, key, upload_id, parts, nparts, want, etag_out, err) == 0) return 0;
        if (err->definite || err->status != 200 || i > MP_COMPLETE_RETRIES || c->http.max_retries < 0) return -1;
        delay = http_backoff_ms(i, &seed);
        warnf("CompleteMultipartUpload of %s answered 200 with %s; retry %d/%d in %.1f s", key, err->code, i,
              MP_COMPLETE_RETRIES, (double)delay / 1000.0);
        sleep_ms(delay);
    }
}

int s3i_put_multipart(s3_client *c, const char *bucket, const char *key, int fd, long long size,
                      long long part_size, int nparts, const char *content_type, s3_put_result *res, s3_err *err)
{
    struct mp_uploads up;
    mp_job j;
    char *upload_id = NULL;
    int i, started = 0, rc = -1;

    memset(&up, 0, sizeof up);
    memset(&j, 0, sizeof j);
    up.key = key;
    if (!(j.parts = calloc((size_t)nparts, sizeof *j.parts))) {
        s3i_err_set(err, "UploadPart", 1, "out of memory");
        return -1;
    }
    for (i = 0; i < nparts; i++) {
        j.parts[i].off = (long long)i * part_size;
        j.parts[i].len = size - j.parts[i].off < part_size ? size - j.parts[i].off : part_size;
        j.parts[i].remote_size = -1;
    }
    if (mp_find_resumable(c, bucket, key, j.parts, nparts, &up, &upload_id, err) != 0) goto out;
    if (upload_id) res->resumed = 1;
    else if (mp_create(c, bucket, key, content_type, &upload_id, err) != 0) goto out;
    started = 1;
    j.c = c;
    j.bucket = bucket;
    j.key = key;
    j.fd = fd;
    j.upload_id = upload_id;
    j.nparts = nparts;
    mp_send_parts(c, &j);
    res->multipart = 1;
    res->parts_total = nparts;
    res->parts_sent = j.sent;
    res->parts_reused = j.reused;
    res->bytes_sent = j.bytes_sent;
    if (j.failed) {
        *err = j.err;
        goto out;
    }
    if (mp_complete_verified(c, bucket, key, upload_id, j.parts, nparts, res->etag, err) != 0) goto out;
    rc = 0;
    for (i = 0; i < up.n; i++) { /* 5. no other upload of this key stays behind */
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
    free(j.parts);
    return rc;
}
