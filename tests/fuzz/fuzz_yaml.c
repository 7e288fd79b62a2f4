/* tests/fuzz/fuzz_yaml.c — the YAML door of the SRC reader on arbitrary bytes:
 * the linear pre-scan, libyaml, and the tree build (tools/src_yaml*.c).
 *   1. src_yaml_parse never crashes, hangs or leaks, whatever the input; a
 *      document it accepts is walked through every accessor.
 *   2. The pre-scan is an upper bound: when it lets a text through, libyaml's
 *      scanner never reaches a deeper flow level than the pre-scan counted
 *      (else the fuzzer aborts: a text could then make libyaml spend depth x
 *      entries time the pre-scan did not see).
 *   3. When the flat lane (src_yaml_parse_flat: "key: value" lines) reads a
 *      text, libyaml's lane reads it too, into the same tree node for node.
 * The seed corpus (corpus/yaml/) holds meta.yaml files written by MLflow 2.22
 * and 3.18 (experiments, runs, datasets, inputs, LoggedModels, the registry),
 * MLflow 1.x shapes, mlflow_lite.h's, and pathological ones. */
#include "../../tools/src_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* the deepest flow level libyaml's scanner reaches before it stops (error or end): the
   number its per-token cost grows with */
static int libyaml_max_flow(const uint8_t *data, size_t size)
{
    yaml_parser_t p;
    yaml_event_t e;
    int max = 0, done = 0;
    long events = 0;
    if (!yaml_parser_initialize(&p)) return 0;
    yaml_parser_set_input_string(&p, data, size);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    while (!done && events++ < 200000 && yaml_parser_parse(&p, &e)) {
        done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        if (p.flow_level > max) max = p.flow_level;
        if (max > SRC_YAML_MAX_DEPTH + 1) break;
    }
    if (p.flow_level > max) max = p.flow_level;
    yaml_parser_delete(&p);
    return max;
}

static void walk(const src_ydoc *d, size_t map)
{
    static const char *const keys[] = {"experiment_id", "name", "run_id", "start_time", "status", "tags", "version"};
    const src_ynode *k, *v = NULL;
    size_t i;
    long long n;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        (void)src_ystr(d, map, keys[i]);
        (void)src_yint(d, map, keys[i], &n);
    }
    for (k = src_ypair(d, map, NULL, &v); k; k = src_ypair(d, map, k, &v)) {
        const char *t = src_ytext(d, v);
        if (t && strlen(t) > v->len) abort(); /* the arena holds what the node says */
        if (v->type == SRC_Y_MAP && src_ynode_index(d, v) > map) walk(d, src_ynode_index(d, v));
    }
}

static int same_node(const src_ynode *x, const src_ynode *y)
{
    return x->type == y->type && x->off == y->off && x->len == y->len && x->ival == y->ival &&
           x->int_ok == y->int_ok && x->first == y->first && x->last == y->last && x->next == y->next &&
           x->nchildren == y->nchildren;
}

static void check_flat_lane(const uint8_t *data, size_t size)
{
    char why[512];
    src_ydoc a, b;
    size_t i;
    if (src_yaml_parse_flat((const char *)data, size, &a) != 0) return;
    if (src_yaml_parse_events((const char *)data, size, &b, why, sizeof why) != 0) abort();
    if (a.n != b.n || a.text.len != b.text.len || memcmp(a.text.s, b.text.s, a.text.len) != 0) abort();
    for (i = 0; i < a.n; i++)
        if (!same_node(&a.v[i], &b.v[i])) abort();
    src_ydoc_free(&a);
    src_ydoc_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[512];
    src_ydoc d;
    int max_flow = 0;
    check_flat_lane(data, size);
    if (src_yaml_prescan((const char *)data, size, &max_flow, why, sizeof why) == 0 &&
        libyaml_max_flow(data, size) > max_flow)
        abort();
    if (src_yaml_parse((const char *)data, size, &d, why, sizeof why) == 0) {
        if (d.n == 0 || d.v[0].type != SRC_Y_MAP) abort();
        walk(&d, 0);
        src_ydoc_free(&d);
    }
    return 0;
}
