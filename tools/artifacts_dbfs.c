/* tools/artifacts_dbfs.c — a run artifact on Databricks: ask
 * mlflow/artifacts/credentials-for-write for a signed URL of the path
 * (relative to the run's artifact root), then PUT the bytes there without
 * the workspace token. AWS presigned and GCP signed URLs are supported;
 * Azure SAS (block lists) is not. */
#define _POSIX_C_SOURCE 200809L
#include "artifacts_int.h"

#include <stdlib.h>
#include <string.h>

/* ArtifactCredentialType: a name or its number (1..4) */
static int dbfs_type(const cJSON *ci, const char **name)
{
    static const char *const names[] = {"AZURE_SAS_URI", "AWS_PRESIGNED_URL", "GCP_SIGNED_URL",
                                        "AZURE_ADLS_GEN2_SAS_URI"};
    int t = rest_enum(ci, "type", names, 4);
    *name = t ? names[t - 1] : "unknown";
    return t;
}

/* [{"name", "value"}, ...] into header lines (art_header_add checks each) */
static int dbfs_headers(const cJSON *arr, struct curl_slist **out)
{
    const cJSON *h;
    *out = NULL;
    cJSON_ArrayForEach(h, arr)
    {
        const char *n, *v;
        if (json_get_str(h, "name", &n) != 0 || json_get_str(h, "value", &v) != 0 || art_header_add(out, n, v) != 0)
            return -1;
    }
    return 0;
}

int art_parse_dbfs_credential(const cJSON *answer, char **url, struct curl_slist **headers, rest_err *e)
{
    const cJSON *ci = cJSON_GetArrayItem(json_get_arr(answer, "credential_infos"), 0);
    const char *u, *tname;
    int type;
    *url = NULL;
    *headers = NULL;
    rest_err_clear(e);
    if (!cJSON_IsObject(ci) || json_get_str(ci, "signed_uri", &u) != 0 ||
        (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0))
        return rest_bad_answer(e, 0, "credentials-for-write answered without an http(s) signed_uri");
    type = dbfs_type(ci, &tname);
    if (type != 2 && type != 3) {
        rest_bad_answer(e, 0, "Databricks credential type %s is not supported (AWS and GCP signed URLs are)", tname);
        e->code = EXIT_UNSUPPORTED;
        return e->code;
    }
    if (dbfs_headers(json_get_arr(ci, "headers"), headers) != 0)
        return rest_bad_answer(e, 0, "credentials-for-write answered headers that are not HTTP headers");
    if (!(*url = xstrdup(u))) {
        curl_slist_free_all(*headers);
        *headers = NULL;
        return rest_bad_answer(e, 0, "out of memory");
    }
    return 0;
}

int art_dbfs_upload(const art_target *t, int fd, const char *rel, long long size, tool_err *e, rest_err *detail)
{
    sbuf b = {0};
    cJSON *j = NULL;
    rest_err re;
    char *url = NULL;
    struct curl_slist *hs = NULL;
    int rc;
    sb_puts(&b, "{\"run_id\":");
    json_str(&b, t->run_id ? t->run_id : "");
    sb_puts(&b, ",\"path\":[");
    json_str(&b, rel);
    sb_puts(&b, "]}");
    rc = b.oom ? rest_bad_answer(&re, 0, "out of memory")
               : rest_call(t->rc, "POST", "/api/2.0/mlflow/artifacts/credentials-for-write", b.s, REST_RETRY, &j, &re);
    sb_free(&b);
    if (rc == 0) rc = art_parse_dbfs_credential(j, &url, &hs, &re);
    cJSON_Delete(j);
    if (rc != 0) return art_rest_failed(&re, "credentials-for-write", rel, e, detail);
    if (!hs) hs = curl_slist_append(NULL, "Content-Type: application/octet-stream");
    rc = art_put(t, url, fd, 0, size, hs, 0, NULL, rel, e, detail);
    curl_slist_free_all(hs);
    free(url);
    return rc;
}
