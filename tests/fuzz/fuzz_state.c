/* tests/fuzz/fuzz_state.c — the sync state journal (tools/state.c) and every
 * record's from_json (tools/state_records.c) on arbitrary bytes.
 *   1. the whole input as a journal: state_parse_journal never crashes, and
 *      whatever it accepted can be read back through the getters;
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
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    state *s;
    tool_err e;
    st_run r;
    msgs_set(1, 0, 0); /* the damaged-line warnings are expected: keep the output clean */
    if (state_open_memory(&s, "http://h") != 0) return 0;
    state_parse_journal(s, (const char *)data, size, &e);
    if (state_get_run(s, "a", &r)) st_run_free(&r);
    state_close(s, &e);
    every_line(data, size);
    return 0;
}
