/* tools/check_repair.c — what `check --repair` does for each finding of
 * check.c, every change atomic (src_write.c), and the rules both share: which
 * names are temporary files, which metric lines are kept (the well-formed ones,
 * each migration key once, never a torn last line), and what a rebuilt
 * meta.yaml holds. Runs written by other programs are never changed where the
 * fix would need to know who wrote them: check.c gives those no fix. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "check_int.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- shared rules ------------------------------------------------------------------------ */

int check_is_temp_name(const char *path)
{
    static const char *const prefixes[] = {".mll-tmp-", ".mlflow-lite-tmp-", ".nfs", ".#", ".~lock.", "~$"};
    static const char *const suffixes[] = {"~", ".tmp", ".swp", ".swx", ".part", ".crdownload"};
    const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(name), i, k;
    for (i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return 1;
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (n > strlen(suffixes[i]) && !strcmp(name + n - strlen(suffixes[i]), suffixes[i])) return 1;
    if (!strcmp(name, ".DS_Store") || !strcmp(name, "Thumbs.db")) return 1;
    /* rsync's ".<name>.XXXXXX" */
    if (n > 8 && name[0] == '.' && name[n - 7] == '.') {
        for (k = n - 6; k < n && (name[k] == '_' || (name[k] >= '0' && name[k] <= '9') || ((name[k] | 0x20) >= 'a' &&
                                                                                          (name[k] | 0x20) <= 'z'));
             k++) {}
        if (k == n) return 1;
    }
    return 0;
}

void check_metric_key(const src_point *p, char *buf, size_t n)
{
    double v = p->value;
    int is_nan = isnan(v);
    if (is_nan) v = 0;
    else if (isinf(v)) v = v > 0 ? DBL_MAX : -DBL_MAX; /* what the migration stores for infinities */
    if (v == 0) v = 0; /* -0.0 and 0.0 are one value in SQLite */
    snprintf(buf, n, "%lld %lld %.17g %d", p->timestamp, p->step, v, is_nan);
}

/* ---- metric records ---------------------------------------------------------------------------- */

typedef struct piece_ctx {
    src_point pts[8];
    size_t n;
    int bad;
} piece_ctx;

static int take_piece(void *vc, const char *s, size_t n, long lineno, int last)
{
    piece_ctx *c = vc;
    (void)lineno, (void)last;
    if (c->n == 8 || src_parse_metric_line(s, n, &c->pts[c->n]) != 0) c->bad = 1;
    else c->n++;
    return 0;
}

int check_judge_record(const char *rec, size_t len, hmap *seen, int *dup)
{
    piece_ctx c;
    size_t i;
    char key[128];
    memset(&c, 0, sizeof c);
    *dup = 0;
    src_split_lines(rec, len, take_piece, &c);
    for (i = 0; i < c.n; i++) {
        check_metric_key(&c.pts[i], key, sizeof key);
        if (!c.bad && seen) {
            if (hmap_get(seen, key)) *dup = 1;
            else if (!hmap_put(seen, key, NULL, 0, 0)) c.bad = -1;
        }
        src_point_free(&c.pts[i]);
    }
    return c.bad < 0 ? -1 : !c.bad && c.n > 0;
}

int check_each_record(src_store *s, const char *rel, ck_record_fn fn, void *ctx, tool_err *e)
{
    enum { BLOCK = 256 << 10 };
    long long size = 0, pos = 0, got;
    int fd = src_open_file(s, rel, &size, e), rc = 0;
    char *buf = fd >= 0 ? malloc(BLOCK + 1) : NULL;
    size_t keep = 0;
    if (fd < 0) return e->code;
    if (!buf) return close(fd), err_set(e, EXIT_FAILED, rel, "out of memory");
    while (rc == 0 && pos < size && (got = pread(fd, buf + keep, BLOCK - keep, (off_t)pos)) > 0) {
        size_t n = keep + (size_t)got, at = 0;
        char *nl;
        pos += got;
        while (rc == 0 && (nl = memchr(buf + at, '\n', n - at)) != NULL) {
            rc = fn(ctx, buf + at, (size_t)(nl - buf) - at, 1, pos - (long long)(n - (size_t)(nl - buf) - 1));
            at = (size_t)(nl - buf) + 1;
        }
        keep = n - at;
        if (keep == BLOCK) rc = fn(ctx, buf, keep, 0, -1), keep = 0; /* a record longer than any metric line */
        else memmove(buf, buf + at, keep);
    }
    if (rc == 0 && keep) rc = fn(ctx, buf, keep, 0, pos); /* the torn (unterminated) tail */
    free(buf);
    close(fd);
    return rc;
}

/* ---- the fixes ------------------------------------------------------------------------------------ */

typedef struct rewrite {
    sbuf out;
    hmap seen;
    long dropped;
} rewrite;

static int keep_record(void *vc, const char *rec, size_t len, int terminated, long long end)
{
    rewrite *w = vc;
    int dup = 0, ok = terminated ? check_judge_record(rec, len, &w->seen, &dup) : 0;
    (void)end;
    if (ok < 0) return -1;
    if (ok && !dup) {
        sb_add(&w->out, rec, len);
        sb_add(&w->out, "\n", 1);
    } else
        w->dropped++;
    return w->out.oom ? -1 : 0;
}

static int fix_rewrite_metric(src_store *s, finding *f, tool_err *e)
{
    rewrite w;
    int rc;
    memset(&w, 0, sizeof w);
    rc = check_each_record(s, f->path, keep_record, &w, e);
    if (rc < 0 || w.out.oom) rc = err_set(e, EXIT_FAILED, f->path, "out of memory");
    if (rc == 0 && !w.out.len) rc = src_write_remove(s, f->path, e); /* an empty metric file fails MLflow too */
    else if (rc == 0) rc = src_write_replace(s, f->path, f->aux, w.out.s, w.out.len, e);
    sb_free(&w.out);
    hmap_free(&w.seen);
    return rc;
}

/* a YAML string as MLflow's yaml.safe_dump would accept back: single-quoted, ' doubled */
static void yaml_str(sbuf *b, const char *s)
{
    sb_add(b, "'", 1);
    for (; s && *s; s++) {
        if (*s == '\'') sb_add(b, "'", 1);
        if ((unsigned char)*s >= 0x20) sb_add(b, s, 1);
    }
    sb_add(b, "'", 1);
}

/* m as the meta.yaml of f's folder, replaced atomically; m is freed */
static int write_meta(src_store *s, const finding *f, sbuf *m, tool_err *e)
{
    sbuf path = {0};
    int rc;
    sb_printf(&path, "%s/meta.yaml", f->path);
    rc = m->oom || path.oom ? err_set(e, EXIT_FAILED, f->path, "out of memory")
                            : src_write_replace(s, path.s, NULL, m->s, m->len, e);
    sb_free(m);
    sb_free(&path);
    return rc;
}

static int fix_exp_meta(src_store *s, finding *f, tool_err *e)
{
    sbuf m = {0}, name = {0};
    const char *id = strrchr(f->path, '/') ? strrchr(f->path, '/') + 1 : f->path;
    long long now = now_ms();
    sb_printf(&m, "artifact_location: file://%s/%s\ncreation_time: %lld\nexperiment_id: ", src_store_real_root(s),
              f->path, f->num > 0 ? f->num : now);
    yaml_str(&m, id);
    sb_printf(&m, "\nlast_update_time: %lld\nlifecycle_stage: %s\nname: ", now, f->aux ? "deleted" : "active");
    sb_printf(&name, "recovered-%s", id);
    yaml_str(&m, name.s);
    sb_puts(&m, "\n");
    m.oom |= name.oom;
    sb_free(&name);
    return write_meta(s, f, &m, e);
}

typedef struct ts_range {
    long long lo, hi;
    int any;
} ts_range;

static int range_record(void *vc, const char *rec, size_t len, int terminated, long long end)
{
    ts_range *t = vc;
    src_point p;
    (void)end;
    if (terminated && src_parse_metric_line(rec, len, &p) == 0) {
        if (!t->any || p.timestamp < t->lo) t->lo = p.timestamp;
        if (!t->any || p.timestamp > t->hi) t->hi = p.timestamp;
        t->any = 1;
        src_point_free(&p);
    }
    return 0;
}

/* the first and last metric timestamps of the run folder (a run the store skipped, so
   the reader is given the folder as a run of its own) */
static ts_range run_time_range(src_store *s, src_run *r)
{
    src_run_files files;
    ts_range t;
    tool_err e;
    size_t i;
    memset(&t, 0, sizeof t);
    if (src_run_read(s, r, SRC_READ_METRICS, &files, &e) != 0) return t;
    for (i = 0; i < files.nmetrics; i++) {
        sbuf rel = {0};
        sb_printf(&rel, "%s/metrics/%s", r->rel, files.metrics[i].key);
        if (rel.s) check_each_record(s, rel.s, range_record, &t, &e);
        sb_free(&rel);
    }
    src_run_files_free(&files);
    return t;
}

static void run_meta_text(sbuf *m, src_store *s, src_run *r, const char *exp, ts_range t, long long mtime)
{
    char *name = src_run_read_value(s, r, "tags", "mlflow.runName"), *user = src_run_read_value(s, r, "tags", "mlflow.user");
    sb_printf(m, "artifact_uri: file://%s/%s/artifacts\nend_time: ", src_store_real_root(s), r->rel);
    if (t.any) sb_printf(m, "%lld", t.hi);
    else sb_puts(m, "null");
    sb_puts(m, "\nentry_point_name: ''\nexperiment_id: ");
    yaml_str(m, exp);
    sb_puts(m, "\nlifecycle_stage: active\nrun_id: ");
    yaml_str(m, r->id);
    sb_puts(m, "\nrun_name: ");
    yaml_str(m, name ? name : "");
    sb_printf(m, "\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: %lld\nstatus: 5\ntags: []\nuser_id: ",
              t.any ? t.lo : mtime);
    yaml_str(m, user ? user : "unknown");
    sb_puts(m, "\n");
    free(name);
    free(user);
}

static int fix_run_meta(src_store *s, finding *f, tool_err *e)
{
    src_exp x;
    src_run r;
    sbuf m = {0};
    long long mtime = 0;
    memset(&x, 0, sizeof x);
    memset(&r, 0, sizeof r);
    x.id = f->aux;
    x.rel = f->aux;
    r.exp = &x;
    r.rel = f->path;
    r.id = strrchr(f->path, '/') + 1;
    src_entry(s, f->path, NULL, &mtime);
    run_meta_text(&m, s, &r, f->aux, run_time_range(s, &r), mtime);
    return write_meta(s, f, &m, e);
}

/* status: 1 -> 5 and end_time: <num>, line by line in the block form MLflow and mlflow_lite.h write */
static int fix_run_ended(src_store *s, finding *f, tool_err *e)
{
    sbuf out = {0};
    size_t len = 0;
    char *text = src_read_file(s, f->path, SRC_YAML_MAX_BYTES, &len, e), *p, *nl;
    int status = 0, end = 0, rc;
    if (!text) return e->code;
    for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (!strncmp(p, "status:", 7)) sb_puts(&out, "status: 5\n"), status = 1;
        else if (!strncmp(p, "end_time:", 9)) sb_printf(&out, "end_time: %lld\n", f->num), end = 1;
        else sb_add(&out, p, nl ? (size_t)(nl - p) + 1 : strlen(p));
    }
    if (!end) sb_printf(&out, "end_time: %lld\n", f->num);
    rc = !status ? err_set(e, EXIT_SOURCE, f->path, "no 'status:' line in the form MLflow writes: not changed")
         : out.oom ? err_set(e, EXIT_FAILED, f->path, "out of memory")
                   : src_write_replace(s, f->path, NULL, out.s, out.len, e);
    sb_free(&out);
    free(text);
    return rc;
}

static int fix_one(src_store *s, finding *f, tool_err *e)
{
    switch (f->fix) {
    case FIX_EXP_META: return fix_exp_meta(s, f, e);
    case FIX_RUN_META: return fix_run_meta(s, f, e);
    case FIX_MKDIR: return src_write_mkdir(s, f->path, e);
    case FIX_REMOVE: return src_write_remove(s, f->path, e);
    case FIX_TRUNCATE: return src_write_truncate(s, f->path, f->num, e);
    case FIX_REWRITE_METRIC: return fix_rewrite_metric(s, f, e);
    case FIX_RUN_ENDED: return fix_run_ended(s, f, e);
    }
    return 0;
}

void check_repair(src_store *s, findings *f)
{
    size_t i;
    for (i = 0; i < f->n; i++) {
        tool_err e;
        if (!f->v[i].fix) continue;
        err_clear(&e);
        f->v[i].done = fix_one(s, &f->v[i], &e) == 0 ? 1 : -1;
        if (f->v[i].done < 0) f->v[i].error = xstrdup(e.why);
    }
}
