/* tests/fuzz/fuzz_search_filter.c — MLflow's search_runs language
 * (tools/search_lex.c, search_filter.c, search_eval.c) on arbitrary bytes: the
 * input as a --filter and as an --order-by. Never a crash, a leak or a hang
 * (the lexer's backtracking over quoted spans is linear); a refused string
 * always says why; every clause of an accepted filter can be evaluated
 * against an absent value, a number, a string and datasets, and every LIKE
 * pattern against the input itself. The seed corpus (corpus/search_filter/)
 * holds the filters of the MLflow docs and of tests/inspect, and broken ones. */
#include "search_filter.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void evaluate(const sf_filter *f, const char *text)
{
    sf_value none = {0, 0, NULL, 0}, n = {1, 1, NULL, 0.5}, nan = {1, 1, NULL, NAN}, s = {1, 0, text, 0};
    sf_dataset d[2] = {{"train", "d1", "training"}, {text, text, NULL}};
    size_t i;
    for (i = 0; i < f->n; i++) {
        const sf_clause *c = &f->v[i];
        if (!c->key) abort();
        if (c->kind == SF_DATASET) {
            (void)sf_match_datasets(c, d, 2);
            continue;
        }
        (void)sf_match(c, &none);
        (void)sf_match(c, c->kind == SF_METRIC ? &nan : &s);
        (void)sf_match(c, &n);
        if (c->str && (c->op == SF_LIKE || c->op == SF_ILIKE)) (void)sf_like(text, c->str, c->op == SF_ILIKE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[1024];
    sf_filter f;
    sf_order o;
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL inside ends the string, as on a command line */
    err[0] = '\0';
    if (sf_parse_filter(text, &f, err, sizeof err) == 0) {
        evaluate(&f, text);
        sf_filter_free(&f);
    } else if (!err[0])
        abort();
    err[0] = '\0';
    if (sf_parse_order(text, &o, err, sizeof err) == 0) {
        sf_value a = {1, 0, "a", 0}, b = {1, 1, NULL, NAN};
        if (!o.key) abort();
        (void)sf_order_cmp(&o, &a, &a);
        (void)sf_order_cmp(&o, &b, &b);
        sf_order_free(&o);
    } else if (!err[0])
        abort();
    free(text);
    return 0;
}
