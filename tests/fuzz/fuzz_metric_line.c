/* tests/fuzz/fuzz_metric_line.c — metric lines (tools/src_metric.c) on
 * arbitrary bytes: the input cut into lines as Python's str.splitlines() does,
 * each parsed as a run metric line ("ts value [step [dataset digest]]") and as a
 * LoggedModel metric line ("ts value step run_id [dataset digest]"). Never a
 * crash or leak; an accepted line has the fields its shape promises. The seed
 * corpus (corpus/metric_line/) holds lines of every shape MLflow and
 * mlflow_lite.h write (padding, CR, nan/inf spellings, 5 fields) and broken ones. */
#include "../../tools/src_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int each_line(void *ctx, const char *line, size_t len, long lineno, int last)
{
    src_point p;
    src_lm_metric m;
    const char *why = NULL;
    (void)ctx;
    (void)last;
    if (lineno < 1) abort();
    if (src_parse_metric_line_why(line, len, &p, &why) == 0) {
        if ((p.dataset_name == NULL) != (p.dataset_digest == NULL)) abort();
        src_point_free(&p);
    } else if (!why)
        abort(); /* a refused line always says why */
    if (src_parse_lm_metric_line(line, len, &m, &why) == 0) {
        if (!m.run_id || (m.dataset_name == NULL) != (m.dataset_digest == NULL)) abort();
        free(m.run_id);
        free(m.dataset_name);
        free(m.dataset_digest);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    src_point p;
    /* the whole input as one line too (src_metric_read hands lines without '\n') */
    if (src_parse_metric_line((const char *)data, size, &p) == 0) src_point_free(&p);
    src_split_lines((const char *)data, size, each_line, NULL);
    return 0;
}
