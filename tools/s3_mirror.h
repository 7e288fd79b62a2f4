/* tools/s3_mirror.h — `mlflow-lite sync SRC s3://bucket/prefix`.
 *
 * Mirrors the folder SRC (an MLflow file store, mlruns/) into the bucket:
 * key = prefix + '/' + path relative to SRC. After
 * `aws s3 sync s3://bucket/prefix DIR` elsewhere, DIR opens in MLflow with
 * the same experiments, runs, params, tags, metric histories and artifacts.
 *
 * Incremental, in this order:
 *   1. list SRC through the SRC reader (src_list_all_files: regular files
 *      under its link policy — a link resolving outside SRC is read only
 *      with --follow-symlinks, a folder link is never descended, each link
 *      not followed is named; root files named .mlflow-lite-* — local sync
 *      state — are not mirrored);
 *   2. read the local record of what was sent (size, mtime, ETag per file),
 *      kept OUTSIDE SRC so MLflow never sees it: --state FILE, else
 *      $XDG_STATE_HOME/mlflow-lite/s3/<hash of SRC and DEST>.tsv, else
 *      ~/.local/state/mlflow-lite/s3/<hash>.tsv (opts.state_dir; never
 *      /tmp, where another user could plant one). A file is "fresh" when the
 *      record has it with the same size and mtime;
 *   3. fresh files are unchanged: nothing is sent and nothing asked (a no-op
 *      resync makes no request at all). Files without a fresh record are
 *      verified against the bucket: with one HEAD each when there are at
 *      most 64 of them, else with one listing of the prefix (ListObjectsV2,
 *      one request per 1,000 keys). --reconcile (opts.verify) and --delete
 *      always list, and then a fresh file whose object is missing or has
 *      another size or ETag is sent again;
 *   4. a file whose object has its size is compared by MD5 (or multipart
 *      ETag) with the object's ETag; equal = unchanged, recorded. Anything
 *      else (new, grown, rewritten, missing from the bucket) is uploaded;
 *   5. small files go up in `jobs` parallel PUTs while, beside them, files
 *      above the multipart threshold go up one by one with their parts in
 *      parallel (s3_put_file: verified, resumable after a kill);
 *   6. with --delete, objects under the prefix with no local file are
 *      deleted; without it nothing in the bucket is ever deleted.
 * The record is appended after every upload (a kill loses nothing) and
 * compacted at the end.
 *
 * Output: the counters and failures go into the caller's summary (summary.h:
 * files_total/uploaded/unchanged/hashed/deleted/failed, bytes_sent, failures[],
 * skipped[]), which the caller prints. Returns the exit code (errors.h).
 */
#ifndef MLL_TOOLS_S3_MIRROR_H
#define MLL_TOOLS_S3_MIRROR_H

#include "http.h"
#include "s3.h"
#include "summary.h"

#ifdef __cplusplus
extern "C" {
#endif

struct s3_mirror_opts {
    int jobs;                 /* parallel requests; 0 = 8 */
    int delete_extra;         /* --delete */
    int dry_run;              /* print the plan, send and write nothing */
    int verbose;              /* informational: --verbose output goes through msgs.h's verbosef */
    int json;                 /* --json summary on stdout */
    int progress;             /* reserved: the mirror draws no progress meter yet */
    const char *state_path;   /* --state FILE, NULL = <state_dir>/s3/<hash>.tsv */
    const char *state_dir;    /* config.c's tool_cfg.state_dir (NULL: --state is needed) */
    int verify;               /* --reconcile: list the bucket even when the record is fresh */
    const http_opts *http;    /* timeouts, retries, TLS; NULL = defaults */
    const s3_client_opts *s3; /* part sizes (config.c's MLFLOW_LITE_S3_*); NULL = defaults, jobs from above */
    int follow_symlinks;      /* --follow-symlinks: links out of SRC may be read */
};

/* dest_url: the sanitized DEST (never a secret). sum: summary_init()ed by the caller (mirror = 1). */
int s3_mirror_run(const char *src_dir, const char *dest_url, const struct s3_mirror_opts *opts, summary *sum);

#ifdef __cplusplus
}
#endif
#endif
