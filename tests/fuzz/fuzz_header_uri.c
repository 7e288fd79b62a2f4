/* fuzz_header_uri: tracking URIs and roots on any bytes (MLFLOW_TRACKING_URI, desc.root,
   a run's artifact_uri read from its meta.yaml).
   - mll__uri_to_path never writes past its buffer, and a local path it returns has no
     NUL inside (an encoded %00 is refused, not cut);
   - mll__normalize_abs of "/" + input is absolute, has no "//", "." or ".." segment and
     no trailing '/' (but for the root);
   - for such a normalised path, mll__path_to_uri then mll__uri_to_path gives it back. */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static void check(int cond) {
    if (!cond) __builtin_trap();
}

static void normalised(const char *p) {
    const char *q;
    size_t n = strlen(p);
    check(p[0] == '/');
    check(n == 1 || p[n - 1] != '/');
    check(strstr(p, "//") == NULL);
    for (q = p; (q = strchr(q, '/')) != NULL; q++) {
        check(!(q[1] == '.' && (q[2] == '/' || q[2] == '\0')));
        check(!(q[1] == '.' && q[2] == '.' && (q[3] == '/' || q[3] == '\0')));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char in[MLL_MAX_PATH + 2], path[MLL_MAX_PATH], small[16], uri[MLL_MAX_PATH * 3 + 8], back[MLL_MAX_PATH];
    int r;
    if (size > MLL_MAX_PATH) return 0;
    memcpy(in, data, size);
    in[size] = '\0';
    r = mll__uri_to_path(in, path, sizeof(path));
    check(r == 1 || r == 0 || r == MLL__URI_MALFORMED || r == MLL__URI_TOO_LONG);
    r = mll__uri_to_path(in, small, sizeof(small)); /* a tight buffer: too long, never past it */
    if (r == 1) check(strlen(small) < sizeof(small));
    in[0] = '/';
    if (size == 0) in[1] = '\0';
    mll__normalize_abs(in);
    normalised(in);
    if (mll__path_to_uri(in, uri, sizeof(uri)) == MLL_OK) {
        check(strncmp(uri, "file:///", 8) == 0 || strcmp(uri, "file:///") == 0);
        r = mll__uri_to_path(uri, back, sizeof(back));
        if (strlen(in) < sizeof(back)) check(r == 1 && strcmp(back, in) == 0);
    }
    return 0;
}
