/* tools/src_fs.c — opening files and folders under SRC without following
 * symbolic links, with size limits; listing folders; reading value folders
 * (params/, tags/); and the one place where a link may be followed (artifacts),
 * only while it stays inside SRC. Every open is relative to a directory fd,
 * one path component at a time, so no link anywhere in a path can redirect a
 * read to /proc/self/environ or a credentials file. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* d_type */
#include "src_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/openat2.h>
#include <sys/syscall.h>
#endif

enum {
    SRCFS_MAX_WALK_DEPTH = 256,        /* folders below params/, tags/, artifacts/ */
    SRCFS_MAX_LINKS = 40               /* links followed in one artifact path (Linux's own limit) */
};

const char *srcfs_why(int code)
{
    switch (code) {
    case SRCFS_LINK: return "a symbolic link: not followed";
    case SRCFS_NOT_REGULAR: return "not a regular file (a FIFO, device, socket or folder)";
    case SRCFS_TOO_LARGE: return "larger than the limit for this kind of file";
    case SRCFS_NOT_DIR: return "not a folder";
    case ELOOP: return "a symbolic link loop";
    case EXDEV: return "a symbolic link that leads out of SRC";
    default: return code > 0 ? strerror(code) : "cannot be read";
    }
}

/* errno after a failed O_NOFOLLOW open, told apart by looking at the entry itself */
static int classify_open_error(int dir_fd, const char *name, int err)
{
    struct stat st;
    if (err != ELOOP && err != EMLINK && err != ENOTDIR && err != ENXIO) return err;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return err;
    if (S_ISLNK(st.st_mode)) return SRCFS_LINK;
    if (err == ENOTDIR) return S_ISDIR(st.st_mode) ? err : SRCFS_NOT_DIR;
    return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? err : SRCFS_NOT_REGULAR;
}

/* one component below dir_fd, as a folder */
static int open_dir_at(int dir_fd, const char *name, int *why)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) *why = classify_open_error(dir_fd, name, errno);
    return fd;
}

/* Linux 5.6+: the whole path in one openat2() that refuses any symbolic link and
   any step out of base_fd (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS): a fifth of the
   system calls of the walk below, which is what a 10,000-run listing spends its time
   on. -1 with *why for an answer that is final (ENOENT, EACCES ...); -2 when the walk
   must decide (a link, a file where a folder belongs, "..", no openat2 here). */
static int open_beneath_fast(int base_fd, const char *rel, int flags, int *why)
{
#if defined(__linux__) && defined(SYS_openat2)
    struct open_how how;
    const char *p;
    long fd;
    for (p = rel; *p; p += strcspn(p, "/"), p += *p == '/')
        if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2])) return -2;
    memset(&how, 0, sizeof how);
    how.flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC);
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    fd = syscall(SYS_openat2, base_fd, *rel ? rel : ".", &how, sizeof how);
    if (fd >= 0) return (int)fd;
    if (errno == ENOENT || errno == EACCES || errno == ENAMETOOLONG || errno == ENOMEM || errno == EMFILE) {
        *why = errno;
        return -1;
    }
#else
    (void)base_fd, (void)rel, (void)flags, (void)why;
#endif
    return -2;
}

int srcfs_open_dir(int base_fd, const char *rel, int *why)
{
    char comp[NAME_MAX + 1];
    const char *p = rel;
    int fd = open_beneath_fast(base_fd, rel, O_RDONLY | O_DIRECTORY, why);
    if (fd != -2) return fd;
    fd = openat(base_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        *why = errno;
        return -1;
    }
    while (*p) {
        size_t n = strcspn(p, "/");
        int next;
        if (n > NAME_MAX || (n == 2 && p[0] == '.' && p[1] == '.')) {
            close(fd);
            *why = n > NAME_MAX ? ENAMETOOLONG : EINVAL;
            return -1;
        }
        if (n > 0 && !(n == 1 && p[0] == '.')) {
            memcpy(comp, p, n);
            comp[n] = '\0';
            next = open_dir_at(fd, comp, why);
            close(fd);
            if (next < 0) return -1;
            fd = next;
        }
        p += n;
        if (*p == '/') p++;
    }
    return fd;
}

/* splits "a/b/c" into the folder "a/b" (opened) and the last name "c"; a bare
   name needs no folder of its own: base_fd is returned and *own = 0 */
static int open_parent(int base_fd, const char *rel, const char **last, int *own, int *why)
{
    const char *slash = strrchr(rel, '/');
    char *dir;
    int fd;
    *own = 1;
    if (!slash) {
        *last = rel;
        *own = 0;
        return base_fd;
    }
    *last = slash + 1;
    dir = malloc((size_t)(slash - rel) + 1);
    if (!dir) {
        *why = ENOMEM;
        return -1;
    }
    memcpy(dir, rel, (size_t)(slash - rel));
    dir[slash - rel] = '\0';
    fd = srcfs_open_dir(base_fd, dir, why);
    free(dir);
    return fd;
}

/* The common case in three system calls instead of five: a look at the whole path,
   then one openat2() that refuses any link and any step out of base_fd. The look
   may pass through a link in a folder part of the path, but it only looks (a stat
   has no side effects), and the open then refuses that link. -1 with *why when the
   answer is final (missing); -2 when the walk below must decide and explain (a
   link, a FIFO, a device, a folder where a file belongs, no openat2). */
static int open_file_fast(int base_fd, const char *rel, struct stat *s, int *why)
{
    int fd;
#if !defined(__linux__) || !defined(SYS_openat2)
    if (base_fd >= 0) return -2; /* no openat2: the walk does it all */
#endif
    if (fstatat(base_fd, rel, s, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) return -2;
        /* missing, unless a dangling link in a folder part hid it: openat2 tells (O_DIRECTORY
           fails with ENOTDIR before anything that is not a folder is opened) */
        fd = open_beneath_fast(base_fd, rel, O_RDONLY | O_DIRECTORY, why);
        if (fd >= 0) close(fd);
        return fd == -1 && *why == ENOENT ? -1 : -2;
    }
    if (!S_ISREG(s->st_mode)) return -2;
    fd = open_beneath_fast(base_fd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, why);
    if (fd < 0) return fd == -1 && *why == ENOENT ? -1 : -2; /* EACCES etc: let the walk say it */
    if (fstat(fd, s) != 0 || !S_ISREG(s->st_mode)) { /* swapped between the look and the open */
        close(fd);
        return -2;
    }
    return fd;
}

int srcfs_open_file(int base_fd, const char *rel, struct stat *st, int *why)
{
    const char *name;
    struct stat tmp, *s = st ? st : &tmp;
    int own, dir_fd, fd = open_file_fast(base_fd, rel, s, why);
    if (fd != -2) return fd;
    dir_fd = open_parent(base_fd, rel, &name, &own, why);
    fd = -1;
    if (dir_fd < 0) return -1;
    /* look before opening: opening a device can have side effects */
    if (fstatat(dir_fd, name, s, AT_SYMLINK_NOFOLLOW) != 0)
        *why = errno;
    else if (!S_ISREG(s->st_mode))
        *why = S_ISLNK(s->st_mode) ? SRCFS_LINK : SRCFS_NOT_REGULAR;
    else if ((fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
        *why = classify_open_error(dir_fd, name, errno);
    if (own) close(dir_fd);
    if (fd < 0) return -1;
    if (fstat(fd, s) != 0 || !S_ISREG(s->st_mode)) { /* swapped between the look and the open */
        *why = SRCFS_NOT_REGULAR;
        close(fd);
        return -1;
    }
    return fd;
}

long long srcfs_pread_full(int fd, char *buf, size_t n, long long off)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got;
        ssize_t r = pread(fd, buf + got, want, (off_t)(off + (long long)got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        got += (size_t)r;
        /* a regular file gives less than asked only at its end: asking again would cost
           one more system call per file just to hear 0 */
        if ((size_t)r < want) break;
    }
    return (long long)got;
}

char *srcfs_read(int base_fd, const char *rel, size_t max, size_t *len, int *why)
{
    struct stat st;
    int fd = srcfs_open_file(base_fd, rel, &st, why);
    size_t cap;
    char *buf;
    long long got;
    if (fd < 0) return NULL;
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        *why = SRCFS_TOO_LARGE;
        return NULL;
    }
    cap = (size_t)st.st_size + 1; /* one more byte tells us the file grew past the limit */
    buf = malloc(cap + 1);
    if (!buf) {
        close(fd);
        *why = ENOMEM;
        return NULL;
    }
    got = srcfs_pread_full(fd, buf, cap, 0);
    if (got < 0 || (size_t)got > max) {
        *why = got < 0 ? errno : SRCFS_TOO_LARGE;
        close(fd);
        free(buf);
        return NULL;
    }
    close(fd);
    buf[got] = '\0';
    if (len) *len = (size_t)got;
    return buf;
}

void *src_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
    size_t nc = *cap ? *cap * 2 : first;
    void *nv;
    if (n < *cap) return v;
    if (nc <= n) nc = n + 1;
    if (nc > SIZE_MAX / elem || !(nv = realloc(v, nc * elem))) return NULL;
    *cap = nc;
    return nv;
}

/* ---- listing ------------------------------------------------------------------ */

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const srcfs_entry *)a)->name, ((const srcfs_entry *)b)->name);
}

int srcfs_stat_entry(int dir_fd, const char *name, struct stat *st)
{
    return fstatat(dir_fd, name, st, AT_SYMLINK_NOFOLLOW);
}

static int entry_type(int dir_fd, const struct dirent *d)
{
    struct stat st;
#ifdef DT_DIR
    if (d->d_type == DT_DIR) return SRCFS_T_DIR;
    if (d->d_type == DT_REG) return SRCFS_T_REG;
    if (d->d_type == DT_LNK) return SRCFS_T_LINK;
    if (d->d_type != DT_UNKNOWN) return SRCFS_T_OTHER;
#endif
    if (fstatat(dir_fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) return SRCFS_T_OTHER;
    if (S_ISDIR(st.st_mode)) return SRCFS_T_DIR;
    if (S_ISREG(st.st_mode)) return SRCFS_T_REG;
    return S_ISLNK(st.st_mode) ? SRCFS_T_LINK : SRCFS_T_OTHER;
}

static int list_push(srcfs_entry **v, size_t *n, size_t *cap, const char *name, int type)
{
    srcfs_entry *nv = src_grow(*v, cap, *n, sizeof *nv, 16);
    if (!nv) return -1;
    *v = nv;
    if (!((*v)[*n].name = xstrdup(name))) return -1;
    (*v)[*n].type = type;
    (*n)++;
    return 0;
}

int srcfs_list(int dir_fd, srcfs_entry **out, size_t *n)
{
    /* a new open file description, so that readdir's position is our own */
    int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    size_t cap = 0;
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!d) {
        int err = errno;
        if (fd >= 0) close(fd);
        errno = err;
        return -1;
    }
    errno = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (list_push(out, n, &cap, e->d_name, entry_type(dir_fd, e)) != 0) {
            rc = -1;
            errno = ENOMEM;
            break;
        }
    }
    if (rc == 0 && errno) rc = -1;
    closedir(d);
    if (rc != 0) {
        int err = errno;
        srcfs_list_free(*out, *n);
        *out = NULL;
        *n = 0;
        errno = err;
        return -1;
    }
    if (*n > 1) qsort(*out, *n, sizeof **out, entry_cmp);
    return 0;
}

void srcfs_list_free(srcfs_entry *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) free(v[i].name);
    free(v);
}

/* ---- MLflow's name rules ---------------------------------------------------------- */

/* \w of Python's re on str: ASCII alnum and '_'; any non-ASCII byte is taken as part
   of a word character (an approximation: Python would refuse a few symbols) */
static int is_word(unsigned char c) { return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/* counts UTF-8 characters (not continuation bytes) */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) n++;
    return n;
}

int src_valid_key(const char *key)
{
    const char *p;
    if (!*key) return 0;
    for (p = key; *p; p++)
        if (!is_word((unsigned char)*p) && !strchr("/.- :", *p)) return 0;
    /* posixpath.normpath(key) must be key itself: no empty, "." or ".." components */
    if (key[0] == '/' || key[strlen(key) - 1] == '/' || strstr(key, "//")) return 0;
    for (p = key; *p; p += strcspn(p, "/"), p += *p == '/') {
        size_t n = strcspn(p, "/");
        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    }
    return 1;
}

static int valid_id(const char *id, size_t max_rest)
{
    const char *p;
    unsigned char c0 = (unsigned char)id[0];
    if (!(c0 < 0x80 && is_word(c0) && c0 != '_')) return 0;
    for (p = id + 1; *p; p++)
        if (!is_word((unsigned char)*p) && *p != '-') return 0;
    return utf8_chars(id + 1) <= max_rest;
}

int src_valid_run_id(const char *id) { return valid_id(id, 255); }
int src_valid_exp_id(const char *id) { return valid_id(id, 63); }

/* ---- walking a folder tree ------------------------------------------------------------- */

void src_problem_at(src_problems *p, int kind, const char *prefix, const char *key, const char *why)
{
    sbuf b = {0};
    sb_printf(&b, "%s%s%s", prefix, *prefix && *key ? "/" : "", key);
    src_problems_add(p, kind, b.s ? b.s : prefix, 0, "%s", why);
    sb_free(&b);
}

/* key[0..kp) is the folder's own key; entries are appended in place (one buffer for
   the whole walk: this runs once per file, and the recursion must stay small) */
static int walk_dir(int dir_fd, char *key, size_t kp, const char *prefix, int depth, srcfs_walk_fn fn, void *ctx,
                    src_problems *p)
{
    srcfs_entry *v;
    size_t n, i;
    int rc = 0;
    if (srcfs_list(dir_fd, &v, &n) != 0) {
        if (errno == ENOMEM) return -1;
        src_problem_at(p, SRC_SKIPPED_FOLDER, prefix, key, strerror(errno));
        return 0;
    }
    if (kp) key[kp++] = '/';
    for (i = 0; i < n && rc == 0; i++) {
        size_t nl = strlen(v[i].name);
        int r;
        if (kp + nl >= PATH_MAX) {
            src_problem_at(p, SRC_SKIPPED_FILE, prefix, v[i].name, "a path longer than PATH_MAX");
            continue;
        }
        memcpy(key + kp, v[i].name, nl + 1);
        r = fn(ctx, dir_fd, key, &v[i]);
        if (r < 0) rc = -1;
        else if (r == 1 && v[i].type == SRCFS_T_DIR) {
            int why = 0, sub = depth < SRCFS_MAX_WALK_DEPTH ? open_dir_at(dir_fd, v[i].name, &why) : -1;
            if (sub >= 0) {
                rc = walk_dir(sub, key, kp + nl, prefix, depth + 1, fn, ctx, p);
                close(sub);
            } else
                src_problem_at(p, SRC_SKIPPED_FOLDER, prefix, key,
                               depth < SRCFS_MAX_WALK_DEPTH ? srcfs_why(why) : "nested too deeply");
        }
    }
    if (kp) key[kp - 1] = '\0';
    srcfs_list_free(v, n);
    return rc;
}

int srcfs_walk(int top_fd, const char *prefix, srcfs_walk_fn fn, void *ctx, src_problems *p)
{
    char *key = malloc(PATH_MAX);
    int rc;
    if (!key) return -1;
    key[0] = '\0';
    rc = walk_dir(top_fd, key, 0, prefix, 0, fn, ctx, p);
    free(key);
    return rc;
}

/* ---- value folders: params/, tags/, aliases/ --------------------------------------------- */

typedef struct values_ctx {
    kvlist *out;
    const char *prefix;                /* "<exp>/<run>/params", for problem paths */
    src_problems *p;
} values_ctx;

static int read_value_entry(void *vctx, int dir_fd, const char *key, const srcfs_entry *e)
{
    values_ctx *c = vctx;
    size_t len = 0;
    int why = 0, rc;
    char *v;
    if (e->type == SRCFS_T_DIR) return 1;
    if (e->type != SRCFS_T_REG) {
        src_problem_at(c->p, SRC_SKIPPED_FILE, c->prefix, key,
                   srcfs_why(e->type == SRCFS_T_LINK ? SRCFS_LINK : SRCFS_NOT_REGULAR));
        return 0;
    }
    if (!src_valid_key(key)) {
        src_problem_at(c->p, SRC_SKIPPED_FILE, c->prefix, key,
                   SRC_BAD_KEY_WHY);
        return 0;
    }
    v = srcfs_read(dir_fd, e->name, SRC_VALUE_MAX_BYTES, &len, &why);
    if (!v) {
        if (why == ENOMEM) return -1;
        src_problem_at(c->p, SRC_SKIPPED_FILE, c->prefix, key, srcfs_why(why));
        return 0;
    }
    if (memchr(v, '\0', len)) {
        src_problem_at(c->p, SRC_SKIPPED_FILE, c->prefix, key, "holds a NUL byte");
        free(v);
        return 0;
    }
    rc = kv_add(c->out, key, v);
    free(v);
    return rc;
}

int srcfs_read_values(int base_fd, const char *rel, const char *prefix, kvlist *out, src_problems *p)
{
    values_ctx c;
    int why = 0, fd = srcfs_open_dir(base_fd, rel, &why), rc;
    if (fd < 0) {
        if (why == ENOENT) return 0;
        if (why == ENOMEM) return -1;
        src_problem_at(p, SRC_SKIPPED_FOLDER, prefix, "", srcfs_why(why));
        return 0;
    }
    c.out = out;
    c.prefix = prefix;
    c.p = p;
    rc = srcfs_walk(fd, prefix, read_value_entry, &c, p);
    close(fd);
    return rc;
}

/* ---- following links inside SRC only (artifacts) --------------------------------------- */

/* the folders walked through so far: ".." steps back to the previous one */
typedef struct fd_stack { int *v; size_t n, cap; } fd_stack;

static int fds_push(fd_stack *st, int fd)
{
    int *nv = src_grow(st->v, &st->cap, st->n, sizeof *nv, 16);
    if (!nv) return -1;
    st->v = nv;
    st->v[st->n++] = fd;
    return 0;
}

static void fds_clear(fd_stack *st)
{
    while (st->n) close(st->v[--st->n]);
}

/* a link's target spliced in front of the rest of the path; NULL when it leads out of
   SRC (absolute, outside root_real) or out of memory (*why says which) */
static char *splice_link(const src_store *s, const char *target, const char *rest, int *restart, int *why)
{
    sbuf b = {0};
    size_t rn = strlen(s->root_real);
    *restart = 0;
    if (target[0] == '/') {
        int inside = strcmp(s->root_real, "/") == 0 ||
                     (strncmp(target, s->root_real, rn) == 0 && (target[rn] == '/' || target[rn] == '\0'));
        if (!inside) {
            *why = EXDEV;
            return NULL;
        }
        *restart = 1; /* an absolute target inside SRC: walk again from SRC's top */
        target += strcmp(s->root_real, "/") == 0 ? 0 : rn;
    }
    sb_printf(&b, "%s/%s", target, rest);
    if (b.oom) *why = ENOMEM;
    return b.s;
}

/* the target of link `name` in dir_fd, malloc'd */
static char *read_link_at(int dir_fd, const char *name, int *why)
{
    char *buf = malloc(PATH_MAX + 1);
    ssize_t n = buf ? readlinkat(dir_fd, name, buf, PATH_MAX) : -1;
    if (n < 0) {
        *why = buf ? errno : ENOMEM;
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* the last component: a folder when asked for, else a regular file (never a device) */
static int open_last(int dir_fd, const char *name, const struct stat *st, int flags, int *why)
{
    int fd;
    if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
        *why = SRCFS_NOT_REGULAR;
        return -1;
    }
    if ((flags & O_DIRECTORY) && !S_ISDIR(st->st_mode)) {
        *why = SRCFS_NOT_DIR;
        return -1;
    }
    fd = openat(dir_fd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) *why = classify_open_error(dir_fd, name, errno);
    return fd;
}

/* the state of one walk below SRC */
typedef struct beneath {
    const src_store *s;
    fd_stack up;                       /* the folders above cur, for ".." */
    int cur;                           /* the folder reached so far */
    char *path;                        /* what is left to walk starts at p */
    const char *p;
    int links;                         /* links followed so far */
} beneath;

static int reopen_top(beneath *b, int *why)
{
    fds_clear(&b->up);
    if (b->cur >= 0) close(b->cur);
    b->cur = openat(b->s->root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (b->cur < 0) *why = errno;
    return b->cur < 0 ? -1 : 0;
}

/* "..": back to the folder above, never above SRC */
static int step_up(beneath *b, int *why)
{
    if (!b->up.n) {
        *why = EXDEV;
        return -1;
    }
    close(b->cur);
    b->cur = b->up.v[--b->up.n];
    return 0;
}

/* a link in the middle or at the end: its target replaces it in what is left to walk */
static int follow_link(beneath *b, const char *comp, int *why)
{
    char *target = ++b->links > SRCFS_MAX_LINKS ? NULL : read_link_at(b->cur, comp, why), *np;
    int restart;
    if (!target) {
        if (!*why) *why = ELOOP;
        return -1;
    }
    np = splice_link(b->s, target, b->p, &restart, why);
    free(target);
    if (!np) return -1;
    free(b->path);
    b->p = b->path = np;
    return restart ? reopen_top(b, why) : 0;
}

static int step_down(beneath *b, const char *comp, int *why)
{
    int next = open_dir_at(b->cur, comp, why);
    if (next < 0) return -1;
    if (fds_push(&b->up, b->cur) != 0) {
        close(next);
        *why = ENOMEM;
        return -1;
    }
    b->cur = next;
    return 0;
}

/* the next component of the path into comp; 0 none left, -1 too long */
static int next_component(beneath *b, char comp[NAME_MAX + 1], int *why)
{
    size_t n;
    while (*b->p == '/') b->p++;
    n = strcspn(b->p, "/");
    if (n > NAME_MAX) {
        *why = ENAMETOOLONG;
        return -1;
    }
    memcpy(comp, b->p, n);
    comp[n] = '\0';
    b->p += n;
    while (*b->p == '/') b->p++;
    return n > 0;
}

int srcfs_open_beneath(const src_store *s, const char *rel, int flags, int *why)
{
    beneath b;
    char comp[NAME_MAX + 1];
    int out = -1, r;
    memset(&b, 0, sizeof b);
    b.s = s;
    b.cur = -1;
    *why = 0;
    if (!(b.p = b.path = xstrdup(rel))) *why = ENOMEM;
    else reopen_top(&b, why);
    while (!*why && (r = next_component(&b, comp, why)) >= 0) {
        struct stat st;
        if (r == 0) { /* the path named SRC's folder itself (or ".." back to it) */
            if (flags & O_DIRECTORY) {
                out = b.cur;
                b.cur = -1;
            } else
                *why = SRCFS_NOT_REGULAR;
            break;
        }
        if (!strcmp(comp, ".")) continue;
        if (!strcmp(comp, "..")) r = step_up(&b, why);
        else if (fstatat(b.cur, comp, &st, AT_SYMLINK_NOFOLLOW) != 0) *why = errno;
        else if (S_ISLNK(st.st_mode)) r = follow_link(&b, comp, why);
        else if (!*b.p) { /* the last component */
            out = open_last(b.cur, comp, &st, flags, why);
            break;
        } else
            r = step_down(&b, comp, why);
        if (r < 0) break;
    }
    if (b.cur >= 0) close(b.cur);
    fds_clear(&b.up);
    free(b.up.v);
    free(b.path);
    return out;
}

int srcfs_open_outside(const char *abs_path, int flags, int *why)
{
    struct stat st;
    int fd;
    if (stat(abs_path, &st) != 0) {
        *why = errno;
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        *why = SRCFS_NOT_REGULAR;
        return -1;
    }
    fd = open(abs_path, flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) *why = errno;
    return fd;
}
