/* tools/cmd_history.c — `mlflow-lite history RUN KEY`: every point of one metric,
 * in file order, as MLflow's get_metric_history returns them (a 5-field line,
 * with a dataset, has step 0 there; its dataset is shown). Read and printed in
 * bounded chunks, so a metric with 10 M points needs no more memory than one
 * with 10. */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"

#include <stdio.h>
#include <string.h>

enum { HISTORY_CHUNK = 4 << 20 };

static void point_text(sbuf *b, const src_point *p, long long step, int csv)
{
    char when[32];
    if (csv) {
        sb_printf(b, "%lld,%lld,", step, p->timestamp);
        inspect_fmt_num(b, p->value);
        if (p->dataset_name) sb_printf(b, ",%s,%s", p->dataset_name, p->dataset_digest);
        sb_puts(b, "\r\n");
        return;
    }
    inspect_fmt_time(when, sizeof when, p->timestamp);
    sb_printf(b, "%12lld  %14lld  %-19s  ", step, p->timestamp, when);
    inspect_fmt_num(b, p->value);
    if (p->dataset_name) sb_printf(b, "  (dataset %s %s)", p->dataset_name, p->dataset_digest);
    sb_puts(b, "\n");
}

static void point_json(sbuf *b, const src_point *p, long long step, int first)
{
    sb_printf(b, "%s{\"step\":%lld,\"timestamp\":%lld,\"value\":", first ? "" : ",", step, p->timestamp);
    json_double(b, p->value);
    if (p->dataset_name) {
        sb_puts(b, ",\"dataset_name\":");
        json_str(b, p->dataset_name);
        sb_puts(b, ",\"dataset_digest\":");
        json_str(b, p->dataset_digest);
    }
    sb_puts(b, "}");
}

/* reads and prints the file chunk by chunk; the number of points, or -1 with e filled */
static long long stream(src_store *s, src_run *r, const char *key, int json, int csv, tool_err *e)
{
    long long from = 0, total = 0;
    long line = 1;
    for (;;) {
        src_metric_chunk ch;
        sbuf b = {0};
        size_t i;
        if (src_metric_read(s, r, key, from, line, HISTORY_CHUNK, 1, &ch, e) != 0) return -1;
        inspect_warn_problems(&ch.problems, "line");
        for (i = 0; i < ch.n; i++, total++) {
            long long step = ch.pts[i].dataset_name ? 0 : ch.pts[i].step;
            if (json) point_json(&b, &ch.pts[i], step, total == 0);
            else point_text(&b, &ch.pts[i], step, csv);
        }
        if (b.len) helpf("%s", b.s);
        sb_free(&b);
        if (ch.end_offset <= from) {
            src_metric_chunk_free(&ch);
            return total;
        }
        from = ch.end_offset;
        line = ch.next_line;
        src_metric_chunk_free(&ch);
    }
}

/* the key must be one of the run's metric files: else a usage error naming some that are */
static int check_key(src_store *s, src_run *r, const char *key, tool_err *e)
{
    src_run_files f;
    sbuf some = {0};
    size_t i;
    int found = 0;
    if (src_run_read(s, r, SRC_READ_METRICS, &f, e) != 0) return e->code;
    for (i = 0; i < f.nmetrics; i++) {
        found |= !strcmp(f.metrics[i].key, key);
        if (i < 8) sb_printf(&some, "%s%s", i ? ", " : "", f.metrics[i].key);
    }
    if (!found)
        err_set(e, EXIT_USAGE, key, "run %s has no metric with this key (it has %s%s)", r->id,
                f.nmetrics ? some.s : "none", f.nmetrics > 8 ? ", ..." : "");
    sb_free(&some);
    src_run_files_free(&f);
    return found ? 0 : EXIT_USAGE;
}

int cmd_history(const tool_cfg *c)
{
    src_store *s = NULL;
    tool_err e;
    src_run *r = NULL;
    long long n = 0;
    int rc;
    err_clear(&e);
    if ((rc = inspect_open(c, INSPECT_DELETED, &s, &e)) == 0 && !(r = inspect_find_run(s, c->run_arg, &e))) rc = e.code;
    if (rc == 0) rc = check_key(s, r, c->key_arg, &e);
    if (rc == 0) {
        sbuf head = {0};
        if (c->json) {
            sb_puts(&head, "{\"run_id\":");
            json_str(&head, r->id);
            sb_puts(&head, ",\"key\":");
            json_str(&head, c->key_arg);
            sb_puts(&head, ",\"points\":[");
        } else
            sb_puts(&head, c->csv ? "step,timestamp,value\r\n" : "        step       timestamp  time                 value\n");
        helpf("%s", head.s ? head.s : "");
        sb_free(&head);
        if ((n = stream(s, r, c->key_arg, c->json, c->csv, &e)) < 0) rc = e.code;
        if (c->json && rc == 0) helpf("]}\n");
    }
    if (rc && e.code) rc = inspect_fail(c, &e);
    src_store_close(s);
    return rc;
}
