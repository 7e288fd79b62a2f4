/* tools/artifacts_mpu.c — multipart upload through MLflow's artifact proxy:
 * mpu/create (the server hands out one presigned URL per part), a PUT of
 * each part straight to the cloud store, mpu/complete, or mpu/abort on
 * failure. The create answer is checked before any byte moves: part numbers
 * exactly 1..N each once (a number out of range once wrote past a heap
 * array), http(s) URLs, header lines that cannot smuggle a CR/LF. */
#define _POSIX_C_SOURCE 200809L
#include "artifacts_int.h"
#include "msgs.h"

#include <stdlib.h>
#include <string.h>

#define MPU_UNSUPPORTED "Multipart upload is not supported" /* older servers say it in a non-501 answer */

void art_mpu_free(art_mpu *m)
{
    int i;
    if (!m) return;
    for (i = 0; i < m->nparts; i++) {
        if (m->urls) free(m->urls[i]);
        if (m->headers) curl_slist_free_all(m->headers[i]);
    }
    free(m->urls);
    free(m->headers);
    free(m->upload_id);
    memset(m, 0, sizeof *m);
}

/* {"Name": "value", ...} into header lines (art_header_add checks each) */
static int mpu_headers(const cJSON *hd, struct curl_slist **out)
{
    const cJSON *h;
    *out = NULL;
    if (hd && !cJSON_IsObject(hd)) return -1;
    cJSON_ArrayForEach(h, hd)
    {
        if (!cJSON_IsString(h) || art_header_add(out, h->string, h->valuestring) != 0) return -1;
    }
    return 0;
}

static int mpu_url_ok(const char *u)
{
    const char *p;
    if (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) return 0;
    for (p = u; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return 0;
    return strlen(u) <= 16384;
}

static int mpu_parse_part(const cJSON *c, int nparts, art_mpu *out, rest_err *e)
{
    int pn;
    const char *url;
    if (json_get_int(c, "part_number", 1, nparts, &pn) != 0)
        return rest_bad_answer(e, 1, "mpu/create answered a part number outside 1..%d", nparts);
    if (out->urls[pn - 1]) return rest_bad_answer(e, 1, "mpu/create answered part %d twice", pn);
    if (json_get_str(c, "url", &url) != 0 || !mpu_url_ok(url))
        return rest_bad_answer(e, 1, "mpu/create answered part %d without an http(s) URL", pn);
    if (mpu_headers(cJSON_GetObjectItemCaseSensitive(c, "headers"), &out->headers[pn - 1]) != 0)
        return rest_bad_answer(e, 1, "mpu/create answered part %d with headers that are not HTTP headers", pn);
    if (!(out->urls[pn - 1] = xstrdup(url))) return rest_bad_answer(e, 1, "out of memory");
    return 0;
}

int art_parse_mpu_create(const cJSON *answer, int nparts, art_mpu *out, rest_err *e)
{
    const cJSON *creds = json_get_arr(answer, "credentials"), *c;
    const char *id;
    memset(out, 0, sizeof *out);
    rest_err_clear(e);
    if (nparts < 1 || nparts > ART_MAX_PARTS) return rest_bad_answer(e, 1, "%d parts is not 1..%d", nparts, ART_MAX_PARTS);
    if (json_get_str(answer, "upload_id", &id) != 0 || !*id || strlen(id) > 4096)
        return rest_bad_answer(e, 1, "mpu/create answered without an upload_id");
    if (!creds || cJSON_GetArraySize(creds) != nparts)
        return rest_bad_answer(e, 1, "mpu/create answered %d credentials for %d parts", creds ? cJSON_GetArraySize(creds) : 0,
                               nparts);
    out->nparts = nparts;
    out->upload_id = xstrdup(id);
    out->urls = calloc((size_t)nparts, sizeof *out->urls);
    out->headers = calloc((size_t)nparts, sizeof *out->headers);
    if (!out->upload_id || !out->urls || !out->headers) {
        art_mpu_free(out);
        return rest_bad_answer(e, 1, "out of memory");
    }
    cJSON_ArrayForEach(c, creds)
    {
        if (mpu_parse_part(c, nparts, out, e) != 0) {
            art_mpu_free(out);
            return e->code;
        }
    }
    return 0; /* nparts distinct numbers in 1..nparts: every part is there */
}

/* ---- the calls -------------------------------------------------------------------- */

typedef struct mpu_call {
    rest_ctx rc;                       /* the proxy's server (maybe another netloc) */
    sbuf base, dir;                    /* rc.base; "<uri path>[/<dir of rel>]" %-encoded */
    const char *name;                  /* the object's name: basename of rel */
    long long chunk;
    int nparts;
} mpu_call;

static int mpu_setup(mpu_call *m, const art_target *t, const char *rel, long long size)
{
    const char *path, *slash = strrchr(rel, '/');
    memset(m, 0, sizeof *m);
    if (art_proxy_split(t, &m->base, &path) != 0) return -1;
    m->rc = *t->rc;
    m->rc.base = m->base.s;
    if (!art_same_server(m->base.s, t->rc->base)) m->rc.bearer = m->rc.userpwd = NULL;
    url_encode(&m->dir, path, 1);
    while (m->dir.len && m->dir.s[m->dir.len - 1] == '/') m->dir.s[--m->dir.len] = '\0';
    if (slash) {
        char *d = xstrdup(rel);
        if (!d) return -1;
        d[slash - rel] = '\0';
        sb_puts(&m->dir, "/");
        url_encode(&m->dir, d, 1);
        free(d);
    }
    m->name = slash ? slash + 1 : rel;
    m->chunk = t->cfg && t->cfg->multipart_chunk > 0 ? t->cfg->multipart_chunk : ART_DEFAULT_CHUNK;
    while ((size + m->chunk - 1) / m->chunk > ART_MAX_PARTS) m->chunk *= 2;
    m->nparts = (int)((size + m->chunk - 1) / m->chunk);
    return m->base.oom || m->dir.oom ? -1 : 0;
}

static void mpu_teardown(mpu_call *m)
{
    sb_free(&m->base);
    sb_free(&m->dir);
}

/* POST /api/2.0/mlflow-artifacts/mpu/<verb>/<dir> with {"path": name, <extra>} */
static int mpu_post(const mpu_call *m, const char *verb, const char *extra, int once, cJSON **out, rest_err *e)
{
    sbuf p = {0}, b = {0};
    int rc;
    sb_printf(&p, "/api/2.0/mlflow-artifacts/mpu/%s/%s", verb, m->dir.s ? m->dir.s : "");
    sb_puts(&b, "{\"path\":");
    json_str(&b, m->name);
    sb_puts(&b, extra);
    sb_puts(&b, "}");
    rc = p.oom || b.oom ? rest_bad_answer(e, 0, "out of memory") : rest_call(&m->rc, "POST", p.s, b.s, once, out, e);
    sb_free(&p);
    sb_free(&b);
    return rc;
}

static void mpu_abort(const mpu_call *m, const char *upload_id)
{
    sbuf x = {0};
    rest_err e;
    sb_puts(&x, ",\"upload_id\":");
    json_str(&x, upload_id);
    if (!x.oom && mpu_post(m, "abort", x.s, REST_RETRY, NULL, &e) != 0) {
        char buf[700];
        warnf("mpu/abort of %s failed (%s): the store may keep the parts until its lifecycle rule removes them",
              m->name, rest_errstr(&e, buf, sizeof buf));
    }
    sb_free(&x);
}

static int mpu_complete(const mpu_call *m, const art_mpu *u, char **etags, rest_err *e)
{
    sbuf x = {0};
    int i, rc;
    sb_puts(&x, ",\"upload_id\":");
    json_str(&x, u->upload_id);
    sb_puts(&x, ",\"parts\":[");
    for (i = 0; i < u->nparts; i++) {
        sb_printf(&x, "%s{\"part_number\":%d,\"etag\":", i ? "," : "", i + 1);
        json_str(&x, etags[i]);
        sb_puts(&x, ",\"url\":");
        json_str(&x, u->urls[i]);
        sb_puts(&x, "}");
    }
    sb_puts(&x, "]");
    rc = x.oom ? rest_bad_answer(e, 0, "out of memory") : mpu_post(m, "complete", x.s, REST_RETRY, NULL, e);
    sb_free(&x);
    return rc;
}

/* the parts, in order, straight to the store: no MLflow credentials */
static int mpu_send_parts(const art_target *t, const mpu_call *m, const art_mpu *u, int fd, long long size,
                          char **etags, const char *rel, tool_err *e, rest_err *detail)
{
    int i, rc = 0;
    for (i = 0; i < u->nparts && rc == 0; i++) {
        long long off = (long long)i * m->chunk, len = size - off < m->chunk ? size - off : m->chunk;
        rc = art_put(t, u->urls[i], fd, off, len, u->headers[i], 0, &etags[i], rel, e, detail);
    }
    return rc;
}

static int mpu_unsupported(const rest_err *re)
{
    return re->status == 501 || (re->status == 404 && !rest_is_absent(re)) ||
           strncmp(re->msg, MPU_UNSUPPORTED, strlen(MPU_UNSUPPORTED)) == 0;
}

static int mpu_create(const mpu_call *m, art_mpu *u, const char *rel, tool_err *e, rest_err *detail)
{
    cJSON *j = NULL;
    rest_err re;
    char extra[64];
    int rc;
    snprintf(extra, sizeof extra, ",\"num_parts\":%d", m->nparts);
    rc = mpu_post(m, "create", extra, REST_RETRY_UNSENT, &j, &re);
    if (rc != 0 && mpu_unsupported(&re)) return 1;
    if (rc == 0) rc = art_parse_mpu_create(j, m->nparts, u, &re);
    cJSON_Delete(j);
    return rc ? art_rest_failed(&re, "mpu/create", rel, e, detail) : 0;
}

int art_proxy_multipart(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail)
{
    mpu_call m;
    art_mpu u;
    char **etags = NULL;
    rest_err re;
    int i, rc;
    if (mpu_setup(&m, t, rel, size) != 0) {
        mpu_teardown(&m);
        return err_set(e, EXIT_REJECTED, rel, "the run's artifact URI %s names no valid host", t->artifact_uri);
    }
    memset(&u, 0, sizeof u);
    rc = mpu_create(&m, &u, rel, e, detail);
    if (rc == 0 && !(etags = calloc((size_t)u.nparts, sizeof *etags))) rc = err_set(e, EXIT_FAILED, rel, "out of memory");
    if (rc == 0) rc = mpu_send_parts(t, &m, &u, fd, size, etags, rel, e, detail);
    if (rc == 0 && mpu_complete(&m, &u, etags, &re) != 0) rc = art_rest_failed(&re, "mpu/complete", rel, e, detail);
    if (rc != 0 && rc != 1 && u.upload_id) mpu_abort(&m, u.upload_id);
    for (i = 0; etags && i < u.nparts; i++) free(etags[i]);
    free(etags);
    art_mpu_free(&u);
    mpu_teardown(&m);
    return rc;
}
