/* tests/fuzz/fuzz_s3_xml.c — every S3 XML answer parser (s3_xml.c) and the
 * XML helpers under them (s3_util.c) fed arbitrary bytes: listings, uploads,
 * parts, create, complete (with the 200-with-<Error> case), delete results,
 * error bodies. The first byte chooses the number of parts for ListParts. */
#include "s3_util.h"
#include "s3_xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int on_object(void *ud, const s3_object *o)
{
    (void)ud;
    return o->key[0] == '\0'; /* keys are never empty: never stops */
}

static int on_upload(void *ud, const char *key, const char *id)
{
    (void)ud;
    return key[0] == '\0' || id[0] == '\0';
}

static void on_delete_error(void *ud, const char *key, const char *code, const char *msg)
{
    (void)ud;
    (void)key;
    (void)code;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body, *tok = NULL, *km = NULL, *um = NULL, *id = NULL, code[64], msg[512], etag[80];
    char(*etags)[80];
    long long *sizes;
    int stopped, found = 0, next, nparts, i;
    s3_err err;
    if (size < 1) return 0;
    nparts = 1 + data[0] % 64;
    body = malloc(size); /* NUL-terminated like http.c's bodies */
    sizes = malloc((size_t)nparts * sizeof *sizes);
    etags = calloc((size_t)nparts, sizeof *etags);
    if (!body || !sizes || !etags) goto out;
    memcpy(body, data + 1, size - 1);
    body[size - 1] = '\0';
    for (i = 0; i < nparts; i++) sizes[i] = -1;
    s3x_error(body, size - 1, code, sizeof code, msg, sizeof msg);
    if (s3x_list_objects(body, size - 1, on_object, NULL, &tok, &stopped, &err) == 0) free(tok);
    if (s3x_list_uploads(body, size - 1, on_upload, NULL, &km, &um, &stopped, &err) == 0) {
        free(km);
        free(um);
    }
    s3x_list_parts(body, size - 1, nparts, sizes, etags, &found, &next, &err);
    if (s3x_create_upload(body, size - 1, &id, &err) == 0) free(id);
    s3x_complete(body, size - 1, etag, &err);
    s3x_delete_result(body, size - 1, on_delete_error, NULL);
    {
        const char *p = body;
        char *t = s3u_xml_next(&p, body + size - 1, "Key");
        free(t);
        s3u_etag_clean(body, etag, sizeof etag);
    }
out:
    free(body);
    free(sizes);
    free(etags);
    return 0;
}
