/* tests/fuzz/fuzz_state.c — the sync state journal (tools/state.c) and every
 * record's from_json (tools/state_records.c) on arbitrary bytes.
 *   1. the whole input as a journal: state_parse_journal never crashes, and
 *      whatever it accepted can be read back through the getters; the same
 *      bytes as a journal file (state_open, whose records stay cold and are
 *      read back from the file) give the same answer, the same record and
 *      the same number of damaged lines;
 *   2. every line as JSON, given to each record's from_json and to the
 *      progress/intent replays; a record that was accepted must survive
 *      to_json -> from_json unchanged in shape (else the fuzzer aborts: a
 *      record we wrote would be damage when we read it back).
 * The seed corpus (corpus/state/) holds valid journals of both formats and
 * damaged ones; crashes found become files there. */
#include "json.h"
#include "msgs.h"
#include "state.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* to_json(from_json(x)) must be accepted by from_json again */
#define ROUND_TRIP(T, j)                                                                                           \
    do {                                                                                                           \
        T a_, b_;                                                                                                  \
        if (T##_from_json(j, &a_) == 0) {                                                                          \
            cJSON *o_ = T##_to_json(&a_);                                                                          \
            if (o_ && T##_from_json(o_, &b_) != 0) abort();                                                        \
            if (o_) T##_free(&b_);                                                                                 \
            cJSON_Delete(o_);                                                                                      \
            T##_free(&a_);                                                                                         \
        }                                                                                                          \
    } while (0)

static void one_object(const cJSON *j)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
    const cJSON *targets[2];
    st_run run;
    size_t i;
    targets[0] = j;
    targets[1] = v ? v : j;
    for (i = 0; i < 2; i++) {
        ROUND_TRIP(st_exp, targets[i]);
        ROUND_TRIP(st_run, targets[i]);
        ROUND_TRIP(st_model, targets[i]);
        ROUND_TRIP(st_version, targets[i]);
        ROUND_TRIP(st_logged_model, targets[i]);
    }
    memset(&run, 0, sizeof run);
    st_progress_apply(&run, j);
    st_intent_apply(&run, j);
    st_run_free(&run);
}

static void every_line(const uint8_t *data, size_t size)
{
    size_t start = 0, i;
    for (i = 0; i <= size; i++) {
        if (i < size && data[i] != '\n') continue;
        if (i > start) {
            cJSON *j = json_parse((const char *)data + start, i - start);
            if (j) one_object(j);
            cJSON_Delete(j);
        }
        start = i + 1;
    }
}

/* Run "a" as JSON text (NULL: absent), and the number of damaged lines. */
typedef struct outcome {
    int rc;
    long damaged;
    char *run_a;
} outcome;

static void outcome_of(state *s, int rc, outcome *o)
{
    st_run r;
    tool_err e;
    o->rc = rc;
    o->damaged = rc == 0 ? state_damaged_lines(s) : 0;
    o->run_a = NULL;
    if (rc == 0 && state_get_run(s, "a", &r)) {
        cJSON *j = st_run_to_json(&r);
        o->run_a = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        st_run_free(&r);
    }
    if (s) state_close(s, &e);
}

static void from_memory(const uint8_t *data, size_t size, outcome *o)
{
    state *s;
    tool_err e;
    if (state_open_memory(&s, "http://h") != 0) abort();
    outcome_of(s, state_parse_journal(s, (const char *)data, size, &e), o);
}

/* The bytes as a journal file, opened as --dry-run opens it (records cold). */
static int from_file(const uint8_t *data, size_t size, outcome *o)
{
    const char *tmp = getenv("TMPDIR");
    char path[512];
    state_opts so;
    state *s = NULL;
    tool_err e;
    FILE *f;
    int rc;
    snprintf(path, sizeof path, "%.400s/fuzz_state_%ld.jsonl", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    if (!(f = fopen(path, "wb")) || fwrite(data, 1, size, f) != size || fclose(f) != 0) return -1;
    memset(&so, 0, sizeof so);
    so.path = path;
    so.dest = "http://h";
    so.readonly = 1;
    rc = state_open(&s, &so, &e);
    outcome_of(rc == 0 ? s : NULL, rc, o);
    unlink(path);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    outcome mem, file;
    msgs_set(1, 0, 0); /* the damaged-line warnings are expected: keep the output clean */
    from_memory(data, size, &mem);
    if (from_file(data, size, &file) == 0) {
        if (mem.rc != file.rc || mem.damaged != file.damaged || !mem.run_a != !file.run_a ||
            (mem.run_a && strcmp(mem.run_a, file.run_a) != 0))
            abort(); /* a record read back from the file is not the one the journal holds */
        free(file.run_a);
    }
    free(mem.run_a);
    every_line(data, size);
    return 0;
}
