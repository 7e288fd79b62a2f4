/* tools/src_artifacts.c — listing and opening artifacts under the link policy.
 *
 * Python MLflow's log_artifacts (os.walk without followlinks, shutil.copy2)
 * copies the target of a file link and never descends a folder link (it only
 * creates an empty folder of that name). We do the same for links that stay
 * inside SRC. A link that leads out of SRC is read only with --follow-symlinks
 * (rsync's --safe-links, git's refusal to leave the work tree); a loop, a
 * dangling link and a folder link are skipped with a problem naming the link.
 * MLflow's own half-written files (".artifact.uploading.*") are not listed,
 * as MLflow's list_artifacts does not list them.
 *
 * Where a run's artifacts are: the local folder its artifact_uri names
 * (file:///abs or /abs) when that is inside SRC; outside SRC only with
 * --follow-symlinks (else a problem, and <run>/artifacts is used); a
 * file:///C:/... URI is a Windows path and never local here; any other
 * scheme means <run>/artifacts (a copied or moved store keeps its files there). */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STAGING_PREFIX ".artifact.uploading."

/* where the files are: a folder below SRC (rel) or, with --follow-symlinks, outside (abs) */
typedef struct art_base {
    char *rel, *abs;                   /* at most one is set; neither = no artifacts */
} art_base;

static void base_free(art_base *b)
{
    free(b->rel);
    free(b->abs);
    b->rel = b->abs = NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* the local absolute path an artifact URI names, malloc'd; NULL when it is not local here */
static char *local_path_of(const char *uri)
{
    const char *p = uri;
    sbuf b = {0};
    if (!strncmp(uri, "file://", 7)) {
        p = uri + 7;
        if (!strncmp(p, "localhost/", 10)) p += 9;
        if (*p != '/') return NULL; /* file://otherhost/...: not this machine */
    } else if (!strncmp(uri, "file:/", 6))
        p = uri + 5;
    else if (uri[0] != '/')
        return NULL; /* s3://, mlflow-artifacts:/, dbfs:/, C:\... */
    if (((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z') && p[2] == ':') return NULL; /* file:///C:/... */
    for (; *p; p++) {
        int hi = p[0] == '%' ? hexval(p[1]) : -1, lo = hi >= 0 ? hexval(p[2]) : -1;
        char c = lo >= 0 ? (char)(hi * 16 + lo) : *p;
        if (lo >= 0) p += 2;
        if (c == '\0') { /* %00 names no file */
            sb_free(&b);
            return NULL;
        }
        sb_add(&b, &c, 1);
    }
    return b.s;
}

/* path below SRC when abs is inside SRC (as realpath or as given), else NULL */
static char *inside_src(const src_store *s, const char *abs)
{
    const char *roots[2];
    size_t i;
    roots[0] = s->root_real;
    roots[1] = s->root[0] == '/' ? s->root : "";
    for (i = 0; i < 2; i++) {
        size_t n = strlen(roots[i]);
        while (n > 1 && roots[i][n - 1] == '/') n--;
        if (n && !strncmp(abs, roots[i], n) && (abs[n] == '/' || abs[n] == '\0'))
            return xstrdup(abs[n] ? abs + n + 1 : "");
    }
    return NULL;
}

static int dir_exists_beneath(const src_store *s, const char *rel)
{
    int why = 0, fd = srcfs_open_beneath(s, rel, O_RDONLY | O_DIRECTORY, &why);
    if (fd >= 0) close(fd);
    return fd >= 0;
}

/* the artifact folder for artifact URI `uri` with `own` (<run>/artifacts) as the fallback */
static int find_base(const src_store *s, const char *uri, const char *own, art_base *b, src_problems *p, const char *what)
{
    char *path = local_path_of(uri), *rel = path ? inside_src(s, path) : NULL;
    struct stat st;
    memset(b, 0, sizeof *b);
    if (rel && dir_exists_beneath(s, rel)) {
        b->rel = rel;
        free(path);
        return 0;
    }
    if (path && !rel && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (s->opts.follow_symlinks) {
            b->abs = path;
            return 0;
        }
        src_problems_add(p, SRC_SKIPPED_LINK, what, 0,
                         "its artifact location %s is outside SRC: not read without --follow-symlinks", path);
    }
    free(rel);
    free(path);
    if (dir_exists_beneath(s, own) && !(b->rel = xstrdup(own))) return -1;
    return 0;
}

/* opens key below the base: links followed while they stay in SRC, or anywhere with
   --follow-symlinks; -1 with *why */
static int open_in_base(const src_store *s, const art_base *b, const char *key, int *why)
{
    sbuf path = {0}, abs = {0};
    int fd = -1;
    if (b->abs) sb_printf(&path, "%s/%s", b->abs, key);
    else sb_printf(&path, "%s%s%s", b->rel, *b->rel ? "/" : "", key);
    if (path.oom) *why = ENOMEM;
    else if (b->abs) fd = srcfs_open_outside(path.s, O_RDONLY, why);
    else if ((fd = srcfs_open_beneath(s, path.s, O_RDONLY, why)) < 0 && *why == EXDEV && s->opts.follow_symlinks) {
        sb_printf(&abs, "%s/%s", s->root, path.s); /* out of SRC, and the user said so: follow it */
        if (abs.oom) *why = ENOMEM;
        else fd = srcfs_open_outside(abs.s, O_RDONLY, why);
    }
    sb_free(&path);
    sb_free(&abs);
    return fd;
}

static int push_artifact(src_artifacts *a, const char *key, const struct stat *st)
{
    src_artifact *nv = src_grow(a->v, &a->cap, a->n, sizeof *nv, 32);
    if (!nv) return -1;
    a->v = nv;
    a->v[a->n].rel = xstrdup(key);
    a->v[a->n].size = (long long)st->st_size;
    a->v[a->n].mtime_ns = (long long)st->st_mtim.tv_sec * 1000000000LL + (long long)st->st_mtim.tv_nsec;
    if (!a->v[a->n].rel) return -1;
    a->n++;
    return 0;
}

typedef struct art_walk {
    const src_store *s;
    const art_base *base;
    const char *prefix;                /* the base as shown in problems */
    src_artifacts *out;
} art_walk;

/* a link in the artifact folder: its target's file, or a problem naming the link */
static int add_link(art_walk *w, const char *key)
{
    struct stat st;
    int why = 0, fd = open_in_base(w->s, w->base, key, &why), rc = 0;
    const char *msg = NULL;
    if (fd < 0) {
        msg = why == ENOENT ? "a dangling symbolic link: skipped"
              : why == EXDEV ? "a symbolic link that leads out of SRC: not read without --follow-symlinks"
              : why == ELOOP ? "a symbolic link loop: skipped" : srcfs_why(why);
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        msg = S_ISDIR(st.st_mode) ? "a symbolic link to a folder: not descended (as MLflow's log_artifacts)"
                                  : srcfs_why(SRCFS_NOT_REGULAR);
    else
        rc = push_artifact(w->out, key, &st);
    if (fd >= 0) close(fd);
    if (msg) src_problem_at(&w->out->problems, SRC_SKIPPED_LINK, w->prefix, key, msg);
    return fd < 0 && why == ENOMEM ? -1 : rc;
}

static int add_entry(void *vctx, int dir_fd, const char *key, const srcfs_entry *e)
{
    art_walk *w = vctx;
    struct stat st;
    if (!strncmp(e->name, STAGING_PREFIX, sizeof STAGING_PREFIX - 1)) return 0;
    if (e->type == SRCFS_T_DIR) return 1;
    if (e->type == SRCFS_T_LINK) return add_link(w, key);
    if (e->type != SRCFS_T_REG) {
        src_problem_at(&w->out->problems, SRC_SKIPPED_FILE, w->prefix, key, srcfs_why(SRCFS_NOT_REGULAR));
        return 0;
    }
    if (srcfs_stat_entry(dir_fd, e->name, &st) != 0 || !S_ISREG(st.st_mode)) return 0; /* gone meanwhile */
    return push_artifact(w->out, key, &st);
}

static int artifact_cmp(const void *a, const void *b)
{
    return strcmp(((const src_artifact *)a)->rel, ((const src_artifact *)b)->rel);
}

/* every file below the base */
static int list_base(const src_store *s, const art_base *b, src_artifacts *out, tool_err *e)
{
    art_walk w;
    int why = 0, fd, rc;
    if (!b->rel && !b->abs) return 0;
    fd = b->abs ? srcfs_open_outside(b->abs, O_RDONLY | O_DIRECTORY, &why)
                : srcfs_open_beneath(s, b->rel, O_RDONLY | O_DIRECTORY, &why);
    if (fd < 0) {
        if (why != ENOENT) src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, b->abs ? b->abs : b->rel, 0, "%s",
                                            srcfs_why(why));
        return why == ENOMEM ? err_set(e, EXIT_FAILED, b->rel ? b->rel : b->abs, "out of memory") : 0;
    }
    w.s = s;
    w.base = b;
    w.prefix = b->abs ? b->abs : b->rel;
    w.out = out;
    rc = srcfs_walk(fd, w.prefix, add_entry, &w, &out->problems);
    close(fd);
    if (rc != 0) return err_set(e, EXIT_FAILED, w.prefix, "out of memory while listing artifacts");
    if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, artifact_cmp);
    return 0;
}

/* a relative artifact path from the caller: no "..", no absolute path, no empty part */
static int safe_rel(const char *rel)
{
    const char *p;
    if (!*rel || rel[0] == '/') return 0;
    for (p = rel; *p; p += strcspn(p, "/"), p += *p == '/') {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    }
    return rel[strlen(rel) - 1] != '/';
}

/* opens rel below the base as a regular file; what names it in errors */
static int open_artifact(const src_store *s, const art_base *b, const char *what, const char *rel, long long *size,
                         tool_err *e)
{
    struct stat st;
    int why = 0, fd;
    if (!safe_rel(rel)) {
        err_set(e, EXIT_SOURCE, what, "'%s' is not a path inside the artifact folder", rel);
        return -1;
    }
    if (!b->rel && !b->abs) {
        err_set(e, EXIT_SOURCE, what, "the artifact folder is missing");
        return -1;
    }
    fd = open_in_base(s, b, rel, &why);
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
        why = SRCFS_NOT_REGULAR;
    }
    if (fd < 0) {
        err_set(e, EXIT_SOURCE, what, "%s: %s", rel, srcfs_why(why));
        return -1;
    }
    *size = (long long)st.st_size;
    return fd;
}

/* ---- runs, LoggedModels and the whole of SRC --------------------------------------------- */

int src_art_list(const src_store *s, const char *uri, const char *own, const char *what, src_artifacts *out,
                 tool_err *e)
{
    art_base b;
    int rc;
    memset(out, 0, sizeof *out);
    err_clear(e);
    if (find_base(s, uri ? uri : "", own, &b, &out->problems, what) != 0)
        return err_set(e, EXIT_FAILED, what, "out of memory");
    rc = list_base(s, &b, out, e);
    base_free(&b);
    if (rc != 0) src_artifacts_free(out);
    return rc;
}

int src_art_open(const src_store *s, const char *uri, const char *own, const char *what, const char *rel,
                 long long *size, tool_err *e)
{
    art_base b;
    src_problems ignored = {0}; /* the listing reported them already */
    int fd = -1;
    err_clear(e);
    if (find_base(s, uri ? uri : "", own, &b, &ignored, what) != 0) err_set(e, EXIT_FAILED, what, "out of memory");
    else fd = open_artifact(s, &b, what, rel, size, e);
    base_free(&b);
    src_problems_free(&ignored);
    return fd;
}

static char *own_folder(const char *rel)
{
    sbuf b = {0};
    sb_printf(&b, "%s/artifacts", rel);
    return b.s;
}

int src_artifacts_list(src_store *s, const src_run *r, src_artifacts *out, tool_err *e)
{
    char *own = own_folder(r->rel);
    int rc = own ? src_art_list(s, r->artifact_uri, own, r->rel, out, e) : err_set(e, EXIT_FAILED, r->rel, "out of memory");
    free(own);
    return rc;
}

int src_artifact_open(src_store *s, const src_run *r, const char *rel, long long *size, tool_err *e)
{
    char *own = own_folder(r->rel);
    int fd = own ? src_art_open(s, r->artifact_uri, own, r->rel, rel, size, e) : -1;
    if (!own) err_set(e, EXIT_FAILED, r->rel, "out of memory");
    free(own);
    return fd;
}

void src_artifacts_free(src_artifacts *a)
{
    size_t i;
    for (i = 0; i < a->n; i++) free(a->v[i].rel);
    free(a->v);
    src_problems_free(&a->problems);
    memset(a, 0, sizeof *a);
}

int src_list_all_files(src_store *s, src_artifacts *out, tool_err *e)
{
    art_base b;
    int rc;
    memset(out, 0, sizeof *out);
    err_clear(e);
    b.abs = NULL;
    b.rel = xstrdup("");
    if (!b.rel) return err_set(e, EXIT_FAILED, s->root, "out of memory");
    rc = list_base(s, &b, out, e);
    base_free(&b);
    if (rc != 0) src_artifacts_free(out);
    return rc;
}

int src_open_file(src_store *s, const char *rel, long long *size, tool_err *e)
{
    art_base b;
    int fd = -1;
    err_clear(e);
    b.abs = NULL;
    b.rel = xstrdup("");
    if (b.rel) fd = open_artifact(s, &b, s->root, rel, size, e);
    else err_set(e, EXIT_FAILED, s->root, "out of memory");
    base_free(&b);
    return fd;
}
