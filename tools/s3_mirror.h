/* tools/s3_mirror.h — `mlflow-lite sync SRC s3://bucket/prefix`.
 *
 * Mirrors the folder SRC (an MLflow file store, mlruns/) into the bucket:
 * key = prefix + '/' + path relative to SRC. After
 * `aws s3 sync s3://bucket/prefix DIR` elsewhere, DIR opens in MLflow with
 * the same experiments, runs, params, tags, metric histories and artifacts.
 *
 * Incremental, in this order:
 *   1. walk SRC (regular files; symlinked files are followed, symlinked
 *      folders are not; root files named .mlflow-lite-* — local sync state —
 *      are not mirrored);
 *   2. list the bucket under the prefix (ListObjectsV2: size and ETag of
 *      every object; about one request per 1,000 objects);
 *   3. read the local record of what was sent (size, mtime, ETag per file),
 *      kept OUTSIDE SRC so MLflow never sees it: --state FILE, else
 *      $XDG_STATE_HOME/mlflow-lite/s3/<hash of SRC and DEST>.tsv, else
 *      ~/.local/state/mlflow-lite/s3/<hash>.tsv;
 *   4. a file is unchanged — nothing sent — when the bucket holds its key
 *      with the same size and the ETag in the record, and the record's size
 *      and mtime match the file. When the record is missing or stale the
 *      file's MD5 (or multipart ETag) is computed and compared with the
 *      bucket's ETag instead. Anything else (new, grown, rewritten, or
 *      missing from the bucket) is uploaded;
 *   5. small files go up in `jobs` parallel PUTs, then files above the
 *      multipart threshold one by one with their parts in parallel
 *      (s3_put_file: verified, resumable after a kill);
 *   6. with --delete, objects under the prefix with no local file are
 *      deleted; without it nothing in the bucket is ever deleted.
 * The record is appended after every upload (a kill loses nothing) and
 * compacted at the end.
 *
 * Output: one summary line on stdout (or a JSON object with --json),
 * diagnostics through msgs.h. Returns an exit code from exitcodes.h.
 */
#ifndef MLL_TOOLS_S3_MIRROR_H
#define MLL_TOOLS_S3_MIRROR_H

#include "http.h"

#ifdef __cplusplus
extern "C" {
#endif

struct s3_mirror_opts {
    int jobs;                 /* parallel requests; 0 = 8 */
    int delete_extra;         /* --delete */
    int dry_run;              /* print the plan, send and write nothing */
    int verbose;
    int json;                 /* --json summary on stdout */
    int progress;             /* progress meter on stderr (only if a tty) */
    const char *state_path;   /* --state FILE, NULL = default location */
    const http_opts *http;    /* timeouts, retries, TLS; NULL = defaults */
};

int s3_mirror_run(const char *src_dir, const char *dest_url, const struct s3_mirror_opts *opts);

#ifdef __cplusplus
}
#endif
#endif
