/* fuzz_header_yaml: mlflow_lite.h's YAML reader and entry rewriter on any bytes.
   - mll__yaml_get for every key the header reads (and one taken from the input) never
     reads out of bounds, and what it returns is NUL-terminated;
   - mll__yaml_set_entry replaces or inserts an entry; reading that key back from the
     result gives the value written (the rest of the document is kept as it was);
   - a value written by mll__yaml_put_str (the input, if it is UTF-8) reads back as is. */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"

static const mll_allocator A = {mll__default_alloc, mll__default_free, NULL};

static void check(int cond) {
    if (!cond) __builtin_trap();
}

static void get_all(const char *doc) {
    static const char *const keys[] = {"name", "artifact_location", "lifecycle_stage", "start_time", "end_time",
                                       "user_id", "run_name", "artifact_uri", "status", "current_stage", "x"};
    mll__buf v = {NULL, 0, 0};
    size_t i;
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int is_null = 0;
        int64_t n;
        if (mll__yaml_get(&A, doc, keys[i], &v, &is_null) == MLL_OK) {
            check(strlen(v.data) <= v.len);
            (void)mll__parse_i64(v.data, &n);
        }
    }
    mll__buf_free(&A, &v);
}

/* set_entry("status", "status: 3\n") then get("status") == "3" */
static void set_and_read(const char *doc) {
    mll__buf out = {NULL, 0, 0}, v = {NULL, 0, 0};
    int is_null = 0;
    if (mll__yaml_set_entry(&A, doc, "status", "status: 3\n", &out) == MLL_OK) {
        /* a document whose earlier lines are not entries (a quoted scalar spread over lines
           that start at column 0) may hide the new line; then nothing is promised */
        if (strchr(doc, '"') == NULL && strchr(doc, '\'') == NULL && strstr(doc, "status") == NULL &&
            strchr(doc, '\r') == NULL) /* else it must be found (a last line without '\n' hid it) */
            check(mll__yaml_get(&A, out.data, "status", &v, &is_null) == MLL_OK && strcmp(v.data, "3") == 0);
    }
    mll__buf_free(&A, &out);
    mll__buf_free(&A, &v);
}

static void round_trip(const char *value) {
    mll__buf doc = {NULL, 0, 0}, v = {NULL, 0, 0};
    int is_null = 0;
    if (mll__yaml_put_str(&A, &doc, "k", value) == MLL_OK) {
        check(mll__yaml_get(&A, doc.data, "k", &v, &is_null) == MLL_OK);
        check(!is_null && strcmp(v.data, value) == 0);
    }
    mll__buf_free(&A, &doc);
    mll__buf_free(&A, &v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *doc = (char *)malloc(size + 1);
    if (!doc) return 0;
    memcpy(doc, data, size);
    doc[size] = '\0';
    get_all(doc);
    set_and_read(doc);
    if (mll__utf8_chars(doc, strlen(doc)) != (size_t)-1) round_trip(doc);
    free(doc);
    return 0;
}
