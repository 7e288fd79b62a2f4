/* fuzz_header_keys: the validators of keys, values, ids, artifact paths, model names and
   aliases on any bytes. Beyond not crashing:
   - a valid UTF-8 string re-encodes to itself code point by code point;
   - a key (or artifact path) accepted never leaves its folder: joined under a base and
     normalised, the path still starts with "<base>/" and has no "." or ".." segment;
   - an accepted key is at most 250 code points, an accepted id only [A-Za-z0-9_-]. */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static const mll_allocator A = {mll__default_alloc, mll__default_free, NULL};

static void check(int cond) {
    if (!cond) __builtin_trap();
}

static void utf8_reencodes(const char *s, size_t n) {
    mll__buf out = {NULL, 0, 0};
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = mll__utf8_decode((const unsigned char *)s + i, n - i, &cp);
        check(l > 0);
        check(mll__utf8_append(&A, &out, cp) == MLL_OK);
        i += l;
    }
    check(out.len == n && (n == 0 || memcmp(out.data, s, n) == 0));
    mll__buf_free(&A, &out);
}

static void stays_inside(const char *rel) {
    char path[MLL_MAX_PATH];
    const char *base = "/base/dir";
    if (mll__path(path, base, rel, NULL) != MLL_OK) return;
    mll__normalize_abs(path);
    check(strncmp(path, "/base/dir/", 10) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = (char *)malloc(size + 1);
    size_t n;
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    n = strlen(s);
    if (mll__utf8_chars(s, n) != (size_t)-1) utf8_reencodes(s, n);
    if (mll__validate_key(s) == MLL_OK) {
        check(mll__utf8_chars(s, n) <= 250);
        stays_inside(s);
    }
    if (mll__validate_artifact_path(s) == MLL_OK) stays_inside(s);
    if (mll__validate_id(s, 256) == MLL_OK) {
        size_t i;
        for (i = 0; i < n; i++)
            check((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                  s[i] == '_' || s[i] == '-');
    }
    if (mll__validate_model_name(s) == MLL_OK) check(!strchr(s, '/') && !mll__blank_name(s));
    (void)mll__validate_alias(s);
    (void)mll__validate_value(s, 6000);
    if (mll__validate_run_name(s) == MLL_OK) check(n > 0 && !mll__blank_name(s));
    free(s);
    return 0;
}
