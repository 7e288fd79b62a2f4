/* tools/summary.c — see summary.h */
#include "summary.h"
#include "errors.h"
#include "json.h"
#include "msgs.h"
#include "util.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t summary_lock = PTHREAD_MUTEX_INITIALIZER;

enum { SUMMARY_TEXT_MAX_ITEMS = 20 };   /* per list on stderr; --json lists every item */

void summary_init(summary *s, int mirror, const char *source, const char *dest, int dry_run)
{
    memset(s, 0, sizeof *s);
    s->mirror = mirror;
    s->source = source;
    s->dest = dest;
    s->dry_run = dry_run;
}

static void list_free(summary_list *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        free(l->v[i].run);
        free(l->v[i].what);
        free(l->v[i].why);
    }
    free(l->v);
    memset(l, 0, sizeof *l);
}

void summary_free(summary *s)
{
    list_free(&s->failures);
    list_free(&s->refused);
    list_free(&s->skipped);
}

void summary_add(long long *counter, long long v) { __atomic_add_fetch(counter, v, __ATOMIC_RELAXED); }

/* Appends a copy under the lock; an item that cannot be stored (out of memory) is dropped. */
static void list_add(summary_list *l, const char *run, const char *what, const char *kind, long line, int code,
                     const char *why)
{
    summary_item c;
    c.run = run ? xstrdup(run) : NULL;
    c.what = xstrdup(what ? what : "");
    c.kind = kind;
    c.line = line;
    c.code = code;
    c.why = xstrdup(why ? why : "");
    pthread_mutex_lock(&summary_lock);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        summary_item *nv = realloc(l->v, cap * sizeof *nv);
        if (nv) {
            l->v = nv;
            l->cap = cap;
        }
    }
    if (l->n < l->cap && c.what && c.why && (c.run || !run)) {
        l->v[l->n++] = c;
        c.run = c.what = c.why = NULL;
    }
    pthread_mutex_unlock(&summary_lock);
    free(c.run);
    free(c.what);
    free(c.why);
}

void summary_fail(summary *s, int code, const char *run, const char *what, const char *why)
{
    list_add(&s->failures, run, what, NULL, 0, code, why);
}

void summary_refused(summary *s, const char *run, const char *kind, const char *key, long line, const char *why)
{
    list_add(&s->refused, run, key, kind, line, EXIT_PARTIAL, why);
}

void summary_skipped(summary *s, const char *path, const char *why)
{
    list_add(&s->skipped, NULL, path, NULL, 0, EXIT_PARTIAL, why);
}

/* ---- text ------------------------------------------------------------------------ */

static void print_lists(const summary *s)
{
    size_t i, shown;
    for (i = 0; i < s->refused.n && i < SUMMARY_TEXT_MAX_ITEMS; i++) {
        const summary_item *r = &s->refused.v[i];
        if (r->line > 0)
            notef("  refused: run %s %s '%s' line %ld: %s", r->run ? r->run : "-", r->kind, r->what, r->line, r->why);
        else notef("  refused: run %s %s '%s': %s", r->run ? r->run : "-", r->kind, r->what, r->why);
    }
    if (s->refused.n > SUMMARY_TEXT_MAX_ITEMS)
        notef("  ... and %zu more refused items (--json lists them all)", s->refused.n - SUMMARY_TEXT_MAX_ITEMS);
    for (i = 0, shown = 0; i < s->failures.n; i++) { /* runs; other items were reported where they failed */
        const summary_item *f = &s->failures.v[i];
        if (!f->run) continue;
        if (shown++ < SUMMARY_TEXT_MAX_ITEMS) notef("  failed: run %s: %s", f->run, f->why);
    }
    if (shown > SUMMARY_TEXT_MAX_ITEMS)
        notef("  ... and %zu more failed runs (--json lists them all)", shown - SUMMARY_TEXT_MAX_ITEMS);
}

static size_t failed_runs(const summary *s)
{
    size_t i, n = 0;
    for (i = 0; i < s->failures.n; i++) n += s->failures.v[i].run != NULL;
    return n;
}

static void print_text(const summary *s, int silent)
{
    if (s->refused.n)
        errorf(EXIT_PARTIAL, "%zu item(s) refused for good (listed below; kept until they change)%s: %s",
               s->refused.n, s->mirror ? "" : ", everything else of their runs is synced", exit_hint(EXIT_PARTIAL));
    if (failed_runs(s)) {
        int code = s->exit_code ? s->exit_code : EXIT_PARTIAL;
        errorf(code, "%zu of %lld run(s) failed (listed below)%s: %s", failed_runs(s), s->runs_total,
               (long long)failed_runs(s) < s->runs_total ? "; the others are synced" : "", exit_hint(code));
    }
    print_lists(s);
    if (silent) return;
    if (s->mirror)
        helpf("%s %s to %s: %lld uploaded (%lld bytes), %lld unchanged, %lld deleted, %lld failed, %lld requests, "
               "%.2f s\n",
               s->dry_run ? "dry run:" : "synced", s->source, s->dest, s->files_uploaded, s->bytes_sent,
               s->files_unchanged, s->files_deleted, s->files_failed, s->http_requests, s->seconds);
    else
        helpf("%s%lld runs: %lld created, %lld updated, %lld unchanged, %lld failed%s; %lld metric points, %lld "
               "artifacts (%lld bytes), %lld requests in %.2f s\n",
               s->dry_run ? "dry run: " : "", s->runs_total, s->runs_created, s->runs_updated, s->runs_unchanged,
               s->runs_failed, s->refused.n ? ", some items refused" : "", s->metric_points, s->artifacts,
               s->artifact_bytes, s->http_requests, s->seconds);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_key(sbuf *b, const char *k)
{
    sb_add(b, ",", 1);
    json_str(b, k);
    sb_add(b, ":", 1);
}

static void json_num(sbuf *b, const char *k, long long v)
{
    json_key(b, k);
    sb_printf(b, "%lld", v);
}

enum { LIST_FAILURES, LIST_REFUSED, LIST_SKIPPED };

static void json_item(sbuf *b, int which, const summary_item *it)
{
    sb_puts(b, "{\"error\":");
    json_str(b, it->why);
    if (it->run) {
        json_key(b, "run");
        json_str(b, it->run);
    }
    json_key(b, which == LIST_REFUSED ? "key" : which == LIST_SKIPPED ? "path" : "what");
    json_str(b, it->what);
    if (which == LIST_REFUSED) {
        json_key(b, "kind");
        json_str(b, it->kind ? it->kind : "");
        json_num(b, "line", it->line);
    }
    if (which == LIST_FAILURES) json_num(b, "code", it->code);
    sb_add(b, "}", 1);
}

static void json_list(sbuf *b, const char *name, int which, const summary_list *l)
{
    size_t i;
    json_key(b, name);
    sb_add(b, "[", 1);
    for (i = 0; i < l->n; i++) {
        if (i) sb_add(b, ",", 1);
        json_item(b, which, &l->v[i]);
    }
    sb_add(b, "]", 1);
}

typedef struct counter_key {
    const char *key;
    size_t off;                        /* offsetof(summary, field) */
} counter_key;
#define COUNTER(k, f) {k, offsetof(summary, f)}

static const counter_key sync_counters[] = {
    COUNTER("experiments_written", experiments), COUNTER("runs_total", runs_total),
    COUNTER("runs_created", runs_created), COUNTER("runs_updated", runs_updated),
    COUNTER("runs_unchanged", runs_unchanged), COUNTER("runs_failed", runs_failed),
    COUNTER("runs_skipped", runs_skipped), COUNTER("metric_points_sent", metric_points),
    COUNTER("params_sent", params), COUNTER("tags_sent", tags), COUNTER("artifacts_uploaded", artifacts),
    COUNTER("artifact_bytes", artifact_bytes), COUNTER("registry_models", reg_models),
    COUNTER("registry_versions", reg_versions), COUNTER("registry_versions_created", reg_versions_created),
    COUNTER("registry_failed", reg_failed), COUNTER("registry_writes", reg_writes)};

static const counter_key mirror_counters[] = {
    COUNTER("files_total", files_total), COUNTER("files_uploaded", files_uploaded),
    COUNTER("files_unchanged", files_unchanged), COUNTER("files_hashed", files_hashed),
    COUNTER("files_deleted", files_deleted), COUNTER("files_failed", files_failed)};

static void json_counters(sbuf *b, const summary *s, const counter_key *k, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) json_num(b, k[i].key, *(const long long *)(const void *)((const char *)s + k[i].off));
}

static void print_json(const summary *s)
{
    sbuf b = {0};
    sb_puts(&b, "{\"kind\":");
    json_str(&b, s->mirror ? "mirror" : "sync");
    json_key(&b, "source");
    json_str(&b, s->source ? s->source : "");
    json_key(&b, "dest");
    json_str(&b, s->dest ? s->dest : "");
    json_key(&b, "dry_run");
    sb_puts(&b, s->dry_run ? "true" : "false");
    json_num(&b, "exit_code", s->exit_code);
    json_key(&b, "seconds");
    json_double(&b, s->seconds);
    json_num(&b, "http_requests", s->http_requests);
    json_num(&b, "bytes_sent", s->bytes_sent);
    if (s->mirror) json_counters(&b, s, mirror_counters, sizeof mirror_counters / sizeof mirror_counters[0]);
    else json_counters(&b, s, sync_counters, sizeof sync_counters / sizeof sync_counters[0]);
    json_list(&b, "failures", LIST_FAILURES, &s->failures);
    json_list(&b, "refused", LIST_REFUSED, &s->refused);
    json_list(&b, "skipped", LIST_SKIPPED, &s->skipped);
    sb_puts(&b, "}\n");
    if (!b.oom) helpf("%s", b.s);
    else errorf(EXIT_FAILED, "the --json summary does not fit in memory");
    sb_free(&b);
}

void summary_print(const summary *s, int json, int silent)
{
    if (json) print_json(s);
    else print_text(s, silent);
    fflush(stdout);
}
