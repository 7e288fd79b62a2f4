/* tools/cmd_ls.c — `mlflow-lite ls`: the experiments of a folder with their
 * run counts and the time of their last update (the newest of the
 * experiment's own last_update_time and its runs' start and end times). */
#define _POSIX_C_SOURCE 200809L
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"
#include "runsel.h"
#include "table.h"

#include <stdio.h>
#include <string.h>

typedef struct exp_counts {
    long long runs, running, deleted, last;
} exp_counts;

static exp_counts count(const src_exp *x)
{
    exp_counts n;
    size_t i;
    memset(&n, 0, sizeof n);
    n.last = x->last_update_time;
    for (i = 0; i < x->nruns; i++) {
        const src_run *r = x->runs[i];
        long long t = r->has_end && r->end_time > r->start_time ? r->end_time : r->start_time;
        if (r->deleted) {
            n.deleted++;
            continue;
        }
        n.runs++;
        n.running += r->status == SRC_RUNNING;
        if (t > n.last) n.last = t;
    }
    return n;
}

static void json_exp(sbuf *b, const src_exp *x, const exp_counts *n)
{
    sb_puts(b, "{\"experiment_id\":");
    json_str(b, x->id);
    sb_puts(b, ",\"name\":");
    json_str(b, x->name);
    sb_printf(b, ",\"lifecycle_stage\":\"%s\",\"artifact_location\":", x->deleted ? "deleted" : "active");
    json_str(b, x->artifact_location);
    sb_printf(b, ",\"runs\":%lld,\"running\":%lld,\"deleted_runs\":%lld,\"creation_time\":%lld,"
                 "\"last_update_time\":%lld}", n->runs, n->running, n->deleted, x->creation_time, n->last);
}

static int wanted(const src_exp *x, int view)
{
    return view == RUNSEL_ALL || (view == RUNSEL_DELETED) == (x->deleted != 0);
}

static int print(const src_store *s, int view, int json)
{
    static const char *const head[] = {"experiment_id", "name", "runs", "running", "last_update"};
    sbuf b = {0};
    table t;
    size_t i;
    int first = 1, oom;
    table_init(&t, 5, head);
    sb_puts(&b, "{\"root\":");
    json_str(&b, src_store_root(s));
    sb_puts(&b, ",\"experiments\":[");
    for (i = 0; i < src_store_nexps(s); i++) {
        const src_exp *x = src_store_exp(s, i);
        exp_counts n = count(x);
        char runs[32], running[32], last[32];
        const char *row[5];
        if (!wanted(x, view)) continue;
        if (!first) sb_puts(&b, ",");
        first = 0;
        json_exp(&b, x, &n);
        snprintf(runs, sizeof runs, "%lld", n.runs);
        snprintf(running, sizeof running, "%lld", n.running);
        inspect_fmt_time(last, sizeof last, n.last);
        row[0] = x->id, row[1] = x->name, row[2] = runs, row[3] = running, row[4] = last;
        table_add(&t, row);
    }
    sb_puts(&b, "]}");
    oom = b.oom || t.oom;
    if (!oom && json) helpf("%s\n", b.s);
    else if (!oom) table_print(&t, 0);
    sb_free(&b);
    table_free(&t);
    return oom ? EXIT_FAILED : EXIT_OK;
}

int cmd_ls(const tool_cfg *c)
{
    src_store *s = NULL;
    tool_err e;
    int view = RUNSEL_ACTIVE, rc;
    err_clear(&e);
    if ((rc = inspect_view(c->view, &view, &e)) == 0 && (rc = inspect_open(c, INSPECT_DELETED, &s, &e)) == 0)
        rc = print(s, view, c->json);
    if (rc && e.code) rc = inspect_fail(c, &e);
    src_store_close(s);
    return rc;
}
