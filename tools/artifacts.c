/* tools/artifacts.c — see artifacts.h */
#define _POSIX_C_SOURCE 200809L
#include "artifacts.h"
#include "exitcodes.h"
#include "msgs.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if MLL_HAVE_S3
#include "s3.h"
#endif

static long long env_ll(const char *name, long long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoll(v, NULL, 10) : def;
}

/* PUT a file (or a slice) to url. auth: whether to send the MLflow credentials. */
static int art_put(const art_target *t, const char *url, FILE *f, long long off, long long size,
                   const struct curl_slist *extra, int auth, char **etag, char *err, size_t errn)
{
    http_req rq;
    http_resp rs;
    struct curl_slist *hdrs = NULL;
    const struct curl_slist *e;
    int rc;
    char shown[512];
    memset(&rq, 0, sizeof rq);
    for (e = extra; e; e = e->next) hdrs = curl_slist_append(hdrs, e->data);
    if (!extra) hdrs = curl_slist_append(hdrs, "Content-Type: application/octet-stream");
    rq.method = "PUT";
    rq.url = url;
    rq.headers = hdrs;
    rq.body_file = f;
    rq.body_offset = off;
    rq.body_size = size;
    if (auth) {
        rq.bearer = t->rc->bearer;
        rq.userpwd = t->rc->userpwd;
    }
    rc = http_do(t->h, &rq, &rs);
    curl_slist_free_all(hdrs);
    http_redact_url(url, shown, sizeof shown);
    if (rc != 0) {
        snprintf(err, errn, "PUT %s: %s (curl %d)", shown, rs.errbuf, (int)rs.curl_code);
        http_resp_free(&rs);
        return EXIT_CONNECT;
    }
    if (rs.status < 200 || rs.status >= 300) {
        snprintf(err, errn, "PUT %s: HTTP %ld %.200s", shown, rs.status, rs.body ? rs.body : "");
        http_resp_free(&rs);
        return rs.status == 401 || rs.status == 403 ? EXIT_AUTH : EXIT_REJECTED;
    }
    if (etag) {
        *etag = rs.etag;
        rs.etag = NULL;
    }
    http_resp_free(&rs);
    return 0;
}

/* "mlflow-artifacts:/1/x/artifacts" -> "<base or netloc>/api/2.0/mlflow-artifacts/artifacts/1/x/artifacts" */
static void art_proxy_url(sbuf *u, const art_target *t, const char *sub)
{
    const char *p = t->artifact_uri + strlen("mlflow-artifacts:");
    if (p[0] == '/' && p[1] == '/') { /* netloc given: use the tracking scheme with that host */
        const char *host = p + 2, *slash = strchr(host, '/');
        const char *sch = strstr(t->rc->base, "://");
        sb_add(u, t->rc->base, sch ? (size_t)(sch - t->rc->base) : 4);
        sb_puts(u, "://");
        sb_add(u, host, slash ? (size_t)(slash - host) : strlen(host));
        p = slash ? slash : "";
    } else
        sb_puts(u, t->rc->base);
    sb_puts(u, "/api/2.0/mlflow-artifacts/");
    sb_puts(u, sub);
    while (*p == '/') p++;
    url_encode(u, p, 1);
}

static int art_multipart(const art_target *t, FILE *f, const char *rel, long long size, char *err, size_t errn,
                         int *fallback)
{
    long long chunk = env_ll("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", 10LL << 20);
    long long nparts = (size + chunk - 1) / chunk, i;
    sbuf body = {0}, path = {0};
    const char *slash = strrchr(rel, '/');
    cJSON *j = NULL;
    rest_err re;
    char ebuf[600];
    const cJSON *creds, *c;
    char *upload_id = NULL, **etags = NULL;
    int rc = 0;

    *fallback = 0;
    /* URL carries the directory; the object name is the basename of "path" */
    {
        const char *rp = t->artifact_uri + strlen("mlflow-artifacts:");
        if (rp[0] == '/' && rp[1] == '/') rp = strchr(rp + 2, '/');
        while (rp && *rp == '/') rp++;
        sb_puts(&path, "/api/2.0/mlflow-artifacts/mpu/create/");
        url_encode(&path, rp ? rp : "", 1);
        if (slash) {
            sbuf dir = {0};
            sb_add(&dir, rel, (size_t)(slash - rel));
            sb_puts(&path, "/");
            url_encode(&path, dir.s, 1);
            sb_free(&dir);
        }
    }
    sb_puts(&body, "{\"path\":");
    json_str(&body, slash ? slash + 1 : rel);
    sb_printf(&body, ",\"num_parts\":%lld}", nparts);
    if (rest_call(t->h, t->rc, "POST", path.s, body.s, &j, &re) != 0) {
        if (re.status == 501 || re.status == 404 || re.status == 400) *fallback = 1;
        else {
            snprintf(err, errn, "multipart create for %s: %s", rel, rest_errstr(&re, ebuf, sizeof ebuf));
            rc = rest_err_exit(&re);
        }
        goto done;
    }
    {
        const cJSON *uid = cJSON_GetObjectItemCaseSensitive(j, "upload_id");
        upload_id = cJSON_IsString(uid) ? xstrdup(uid->valuestring) : NULL;
    }
    creds = cJSON_GetObjectItemCaseSensitive(j, "credentials");
    etags = calloc((size_t)nparts, sizeof *etags);
    if (!upload_id || !etags || cJSON_GetArraySize(creds) != (int)nparts) {
        snprintf(err, errn, "multipart create for %s: unexpected answer", rel);
        rc = EXIT_REJECTED;
        goto done;
    }
    i = 0;
    cJSON_ArrayForEach(c, creds)
    {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(c, "url");
        const cJSON *pn = cJSON_GetObjectItemCaseSensitive(c, "part_number");
        const cJSON *hd = cJSON_GetObjectItemCaseSensitive(c, "headers"), *hv;
        struct curl_slist *hs = NULL;
        long long k = cJSON_IsNumber(pn) ? (long long)pn->valuedouble : i + 1;
        long long off = (k - 1) * chunk, len = size - off < chunk ? size - off : chunk;
        cJSON_ArrayForEach(hv, hd) if (cJSON_IsString(hv))
        {
            sbuf h = {0};
            sb_printf(&h, "%s: %s", hv->string, hv->valuestring);
            hs = curl_slist_append(hs, h.s);
            sb_free(&h);
        }
        if (!hs) hs = curl_slist_append(hs, "Content-Type: application/octet-stream");
        rc = cJSON_IsString(url) ? art_put(t, url->valuestring, f, off, len, hs, 0, &etags[k - 1], err, errn)
                                 : EXIT_REJECTED;
        curl_slist_free_all(hs);
        if (rc != 0) break;
        i++;
    }
    sb_free(&body);
    {
        const char *verb = rc == 0 ? "complete" : "abort";
        char *cp = strstr(path.s, "/mpu/create/");
        sbuf p2 = {0};
        sb_add(&p2, path.s, (size_t)(cp - path.s));
        sb_printf(&p2, "/mpu/%s/%s", verb, cp + strlen("/mpu/create/"));
        sb_puts(&body, "{\"path\":");
        json_str(&body, slash ? slash + 1 : rel);
        sb_puts(&body, ",\"upload_id\":");
        json_str(&body, upload_id);
        if (rc == 0) {
            sb_puts(&body, ",\"parts\":[");
            for (i = 0; i < nparts; i++) {
                sb_printf(&body, "%s{\"part_number\":%lld,\"etag\":", i ? "," : "", i + 1);
                json_str(&body, etags[i] ? etags[i] : "");
                sb_puts(&body, "}");
            }
            sb_puts(&body, "]");
        }
        sb_puts(&body, "}");
        if (rest_call(t->h, t->rc, "POST", p2.s, body.s, NULL, &re) != 0 && rc == 0) {
            snprintf(err, errn, "multipart complete for %s: %s", rel, rest_errstr(&re, ebuf, sizeof ebuf));
            rc = rest_err_exit(&re);
        }
        sb_free(&p2);
    }
done:
    if (etags)
        for (i = 0; i < nparts; i++) free(etags[i]);
    free(etags);
    free(upload_id);
    cJSON_Delete(j);
    sb_free(&body);
    sb_free(&path);
    return rc;
}

static int art_copy(const char *dst_root, const char *local_path, const char *rel, char *err, size_t errn)
{
    char *dst = path_join(dst_root, rel), *p, buf[65536];
    sbuf tmp = {0};
    FILE *in = NULL, *out = NULL;
    size_t n;
    int rc = 0;
    if (!dst) return EXIT_FAILED;
    for (p = dst + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(dst, 0777) != 0 && errno != EEXIST) {
                snprintf(err, errn, "cannot create %s: %s", dst, strerror(errno));
                free(dst);
                return EXIT_REJECTED;
            }
            *p = '/';
        }
    sb_printf(&tmp, "%s.mlflow-lite-tmp%ld", dst, (long)getpid());
    in = fopen(local_path, "rb");
    out = in ? fopen(tmp.s, "wb") : NULL;
    if (!in || !out) {
        snprintf(err, errn, "cannot copy %s to %s: %s", local_path, dst, strerror(errno));
        rc = EXIT_REJECTED;
    }
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            snprintf(err, errn, "cannot write %s: %s", tmp.s, strerror(errno));
            rc = EXIT_REJECTED;
        }
    if (in) fclose(in);
    if (out && fclose(out) != 0 && rc == 0) {
        snprintf(err, errn, "cannot write %s: %s", tmp.s, strerror(errno));
        rc = EXIT_REJECTED;
    }
    if (rc == 0 && rename(tmp.s, dst) != 0) {
        snprintf(err, errn, "cannot rename into %s: %s", dst, strerror(errno));
        rc = EXIT_REJECTED;
    }
    if (rc != 0 && tmp.s) unlink(tmp.s);
    sb_free(&tmp);
    free(dst);
    return rc;
}

static int art_databricks(const art_target *t, FILE *f, const char *rel, long long size, char *err, size_t errn)
{
    sbuf b = {0}, p = {0};
    cJSON *j = NULL;
    rest_err re;
    char ebuf[600];
    const cJSON *ci, *url, *type, *hd, *h;
    struct curl_slist *hs = NULL;
    int rc;
    sb_puts(&p, "artifacts/"); /* paths are relative to the run's artifact root */
    sb_puts(&p, rel);
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, t->run_id);
    sb_puts(&b, ",\"path\":[");
    json_str(&b, rel);
    sb_puts(&b, "]}");
    rc = rest_call(t->h, t->rc, "POST", "/api/2.0/mlflow/artifacts/credentials-for-write", b.s, &j, &re);
    sb_free(&b);
    sb_free(&p);
    if (rc != 0) {
        snprintf(err, errn, "credentials-for-write for %s: %s", rel, rest_errstr(&re, ebuf, sizeof ebuf));
        return rest_err_exit(&re);
    }
    ci = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "credential_infos"), 0);
    url = cJSON_GetObjectItemCaseSensitive(ci, "signed_uri");
    type = cJSON_GetObjectItemCaseSensitive(ci, "type");
    if (!cJSON_IsString(url)) {
        cJSON_Delete(j);
        snprintf(err, errn, "credentials-for-write for %s: no signed_uri in the answer", rel);
        return EXIT_REJECTED;
    }
    if (cJSON_IsString(type) && strcmp(type->valuestring, "AWS_PRESIGNED_URL") != 0 &&
        strcmp(type->valuestring, "GCP_SIGNED_URL") != 0) {
        snprintf(err, errn, "artifact %s: Databricks credential type %s is not supported (AWS and GCP are)", rel,
                 type->valuestring);
        cJSON_Delete(j);
        return EXIT_UNSUPPORTED;
    }
    hd = cJSON_GetObjectItemCaseSensitive(ci, "headers");
    cJSON_ArrayForEach(h, hd)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(h, "name"), *v = cJSON_GetObjectItemCaseSensitive(h, "value");
        if (cJSON_IsString(n) && cJSON_IsString(v)) {
            sbuf hl = {0};
            sb_printf(&hl, "%s: %s", n->valuestring, v->valuestring);
            hs = curl_slist_append(hs, hl.s);
            sb_free(&hl);
        }
    }
    if (!hs) hs = curl_slist_append(hs, "Content-Type: application/octet-stream");
    rc = art_put(t, url->valuestring, f, 0, size, hs, 0, NULL, err, errn);
    curl_slist_free_all(hs);
    cJSON_Delete(j);
    return rc;
}

#if MLL_HAVE_S3
/* one S3 client for the whole process (it is thread-safe and pools connections) */
static s3_client *art_s3c;
static pthread_mutex_t art_s3_lock = PTHREAD_MUTEX_INITIALIZER;

static int art_s3(const art_target *t, const char *uri, const char *local_path, const char *rel, long long size,
                  char *err, size_t errn)
{
    char *bucket = NULL, *prefix = NULL, ebuf[700];
    sbuf key = {0};
    s3_put_result res;
    s3_err se;
    int rc = 0;
    (void)t;
    pthread_mutex_lock(&art_s3_lock);
    if (!art_s3c) art_s3c = s3_client_new_from_env(NULL, NULL, ebuf, sizeof ebuf);
    pthread_mutex_unlock(&art_s3_lock);
    if (!art_s3c) {
        snprintf(err, errn, "artifact %s: cannot set up the S3 client for %s: %s", rel, uri, ebuf);
        return EXIT_CONFIG;
    }
    if (s3_parse_url(uri, &bucket, &prefix) != 0) {
        snprintf(err, errn, "artifact %s: bad S3 URI %s", rel, uri);
        return EXIT_REJECTED;
    }
    sb_puts(&key, prefix);
    if (key.len && key.s[key.len - 1] != '/') sb_puts(&key, "/");
    sb_puts(&key, rel);
    memset(&res, 0, sizeof res);
    if (s3_put_file(art_s3c, bucket, key.s, local_path, size, NULL, &res, &se) != 0) {
        s3_err_format(&se, ebuf, sizeof ebuf);
        snprintf(err, errn, "artifact %s to s3://%s/%s: %s: %s", rel, bucket, key.s, ebuf, s3_err_hint(&se));
        rc = se.status == 401 || se.status == 403 ? EXIT_AUTH : se.status ? EXIT_REJECTED : EXIT_CONNECT;
    }
    free(bucket);
    free(prefix);
    sb_free(&key);
    return rc;
}
#endif

int art_upload(const art_target *t, const char *local_path, const char *rel, long long size, char *err, size_t errn)
{
    const char *u = t->artifact_uri;
    FILE *f;
    int rc;
    if (strncmp(u, "file:", 5) == 0 || u[0] == '/') {
        sbuf d = {0};
        const char *p = u[0] == '/' ? u : u + 5;
        if (p[0] == '/' && p[1] == '/') p = strchr(p + 2, '/'); /* file://host/path */
        for (; p && *p; p++) {
            if (*p == '%' && p[1] && p[2]) {
                char hx[3] = {p[1], p[2], 0}, c = (char)strtol(hx, NULL, 16);
                sb_add(&d, &c, 1);
                p += 2;
            } else
                sb_add(&d, p, 1);
        }
        rc = d.s ? art_copy(d.s, local_path, rel, err, errn) : EXIT_FAILED;
        sb_free(&d);
        return rc;
    }
    if (strncmp(u, "s3://", 5) == 0) {
#if MLL_HAVE_S3
        return art_s3(t, u, local_path, rel, size, err, errn);
#else
        snprintf(err, errn,
                 "artifact %s: the remote run stores artifacts in %s, and this mlflow-lite was built without S3 "
                 "support: rebuild with tools/s3.c, or start the server with --serve-artifacts",
                 rel, u);
        return EXIT_UNSUPPORTED;
#endif
    }
    f = fopen(local_path, "rb");
    if (!f) {
        snprintf(err, errn, "cannot read %s: %s", local_path, strerror(errno));
        return EXIT_SOURCE;
    }
    if (strncmp(u, "mlflow-artifacts:", 17) == 0) {
        long long thr = env_ll("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", 500LL << 20);
        sbuf url = {0};
        if (size >= thr && size > 0) {
            int fallback = 0;
            rc = art_multipart(t, f, rel, size, err, errn, &fallback);
            if (!fallback) {
                fclose(f);
                return rc;
            }
            verbosef("multipart upload not offered for %s; using a single PUT", rel);
        }
        art_proxy_url(&url, t, "artifacts/");
        sb_puts(&url, "/");
        url_encode(&url, rel, 1);
        rc = url.s ? art_put(t, url.s, f, 0, size, NULL, 1, NULL, err, errn) : EXIT_FAILED;
        sb_free(&url);
    } else if (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) {
        sbuf url = {0};
        sb_puts(&url, u);
        while (url.len && url.s[url.len - 1] == '/') url.s[--url.len] = '\0';
        sb_puts(&url, "/");
        url_encode(&url, rel, 1);
        rc = url.s ? art_put(t, url.s, f, 0, size, NULL, 1, NULL, err, errn) : EXIT_FAILED;
        sb_free(&url);
    } else if (strncmp(u, "dbfs:", 5) == 0 && t->rc->databricks) {
        rc = art_databricks(t, f, rel, size, err, errn);
    } else {
        snprintf(err, errn, "artifact %s: the remote artifact location %s uses a scheme mlflow-lite cannot write", rel,
                 u);
        rc = EXIT_UNSUPPORTED;
    }
    fclose(f);
    return rc;
}
