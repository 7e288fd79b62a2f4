/* tools/summary.h — what one pass did, and its one report: a one-line text
 * summary on stdout plus the failures, refused items and skipped files on
 * stderr, or one JSON object on stdout with --json. Used by the tracking
 * sync and by the S3 mirror, so both --json objects have the same keys:
 *
 *   common  kind ("sync" | "mirror"), source, dest, dry_run, exit_code,
 *           seconds, http_requests, bytes_sent, failures[], refused[], skipped[]
 *   sync    experiments_written, runs_total, runs_created, runs_updated,
 *           runs_unchanged, runs_failed, runs_skipped, metric_points_sent,
 *           params_sent, tags_sent, artifacts_uploaded, artifact_bytes,
 *           registry_models, registry_versions, registry_versions_created,
 *           registry_failed, registry_writes
 *   mirror  files_total, files_uploaded, files_unchanged, files_hashed,
 *           files_deleted, files_failed
 *   failures[]  {"run"?, "what", "code", "error"}: an item that failed this pass
 *   refused[]   {"run", "kind", "key", "line", "error"}: an item the server (or
 *               the tool, for what MLflow could not read either) refuses for
 *               good; kept until it changes, so it is listed on every pass
 *   skipped[]   {"path", "error"}: a folder or file of SRC that was not read
 *
 * Counters are updated from many workers: use summary_add(). The lists are
 * guarded by one lock inside summary.c. dest is never a secret (config.c
 * strips userinfo). */
#ifndef MLL_TOOLS_SUMMARY_H
#define MLL_TOOLS_SUMMARY_H

#include <stddef.h>

typedef struct summary_item {
    char *run;                         /* local run id, or NULL */
    char *what;                        /* the failed thing / the refused key / the skipped path */
    const char *kind;                  /* refused: "param", "tag", "metric" (static) */
    long line;                         /* refused metric points: the line in metrics/<key>; else 0 */
    int code;                          /* failures: the EXIT_* class */
    char *why;
} summary_item;

typedef struct summary_list {
    summary_item *v;
    size_t n, cap;
} summary_list;

typedef struct summary {
    int mirror;                        /* 0: tracking sync, 1: S3 mirror */
    const char *source, *dest;         /* borrowed */
    int dry_run, exit_code;
    double seconds;
    long long http_requests, bytes_sent;
    /* tracking sync */
    long long experiments, runs_total, runs_created, runs_updated, runs_unchanged, runs_failed, runs_skipped;
    long long metric_points, params, tags, artifacts, artifact_bytes;
    long long reg_models, reg_versions, reg_versions_created, reg_failed, reg_writes;
    /* S3 mirror */
    long long files_total, files_uploaded, files_unchanged, files_hashed, files_deleted, files_failed;
    summary_list failures, refused, skipped;
} summary;

void summary_init(summary *s, int mirror, const char *source, const char *dest, int dry_run);
void summary_free(summary *s);
/* Adds v to a counter of s; safe from many threads. */
void summary_add(long long *counter, long long v);

/* Thread-safe list appends (strings copied; run may be NULL). */
void summary_fail(summary *s, int code, const char *run, const char *what, const char *why);
void summary_refused(summary *s, const char *run, const char *kind, const char *key, long line, const char *why);
void summary_skipped(summary *s, const char *path, const char *why);

/* The report of a pass: text (stdout line unless silent; lists on stderr) or JSON (stdout). */
void summary_print(const summary *s, int json, int silent);

#endif
