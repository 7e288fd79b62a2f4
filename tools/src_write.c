/* tools/src_write.c — the few places the tool writes into an MLflow folder
 * (check --repair, relocate), with the reader's link policy: every path is
 * reached from SRC's directory descriptor, one component at a time without
 * following a link (src_fs.c), and every change is atomic — a file is
 * replaced by writing a temporary file and renaming it over the old one, a
 * metric file is cut with one ftruncate, a folder is made with one mkdirat.
 * Also: what an entry is, and a whole file read, for check's closer looks. */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *src_store_real_root(const src_store *s) { return s->root_real; }

/* the folder of rel (opened link-safe) and rel's last component */
static int parent_of(const src_store *s, const char *rel, const char **name, int *why)
{
    const char *slash = strrchr(rel, '/');
    char *dir;
    int fd;
    *name = slash ? slash + 1 : rel;
    if (!**name || !strcmp(*name, ".") || !strcmp(*name, "..")) return *why = EINVAL, -1;
    if (!(dir = malloc(slash ? (size_t)(slash - rel) + 1 : 1))) return *why = ENOMEM, -1;
    memcpy(dir, rel, slash ? (size_t)(slash - rel) : 0);
    dir[slash ? slash - rel : 0] = '\0';
    fd = srcfs_open_dir(s->root_fd, dir, why);
    free(dir);
    return fd;
}

int src_entry(src_store *s, const char *rel, long long *size, long long *mtime_ms)
{
    const char *name;
    struct stat st;
    int why = 0, fd = parent_of(s, rel, &name, &why), type = SRC_E_NONE;
    if (fd < 0) return SRC_E_NONE;
    if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        type = S_ISREG(st.st_mode) ? SRC_E_FILE : S_ISDIR(st.st_mode) ? SRC_E_DIR
             : S_ISLNK(st.st_mode) ? SRC_E_LINK : SRC_E_OTHER;
        if (size) *size = (long long)st.st_size;
        if (mtime_ms) *mtime_ms = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    close(fd);
    return type;
}

char *src_read_file(src_store *s, const char *rel, size_t max, size_t *len, tool_err *e)
{
    int why = 0;
    char *v = srcfs_read(s->root_fd, rel, max, len, &why);
    if (!v) err_set(e, why == ENOMEM ? EXIT_FAILED : EXIT_SOURCE, rel, "%s", srcfs_why(why));
    return v;
}

static int fail(tool_err *e, const char *rel, const char *what, int err)
{
    return err_set(e, err == ENOMEM ? EXIT_FAILED : EXIT_SOURCE, rel, "cannot %s: %s", what, srcfs_why(err));
}

/* a new temporary file in dir_fd: ".mlflow-lite-tmp-<pid>-<n>", O_EXCL, never a link */
static int open_temp(int dir_fd, mode_t mode, char *name, size_t n)
{
    static unsigned counter; /* only makes names differ; a clash is retried under O_EXCL */
    int k, fd = -1;
    for (k = 0; k < 100 && fd < 0; k++) {
        snprintf(name, n, ".mlflow-lite-tmp-%ld-%u", (long)getpid(), ++counter);
        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) break;
    }
    return fd;
}

/* the mode the replaced file keeps: its own, or 0666 & ~umask for a new one; -1 when
   rel is there but not a regular file (a link is never written through) */
static int target_mode(int dir_fd, const char *name, mode_t *mode, int *why)
{
    struct stat st;
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        if (!S_ISREG(st.st_mode)) return *why = S_ISLNK(st.st_mode) ? SRCFS_LINK : SRCFS_NOT_REGULAR, -1;
        *mode = st.st_mode & 07777;
        return 0;
    }
    if (errno != ENOENT) return *why = errno, -1;
    *mode = umask(0);
    umask(*mode);
    *mode = 0666 & ~*mode;
    return 0;
}

int src_write_replace(src_store *s, const char *rel, const char *tmp_dir, const char *data, size_t len, tool_err *e)
{
    char tmp[64];
    const char *name;
    mode_t mode = 0;
    int why = 0, dir_fd = parent_of(s, rel, &name, &why), tdir_fd, fd, rc = 0;
    if (dir_fd < 0) return fail(e, rel, "open its folder", why);
    tdir_fd = tmp_dir ? srcfs_open_dir(s->root_fd, tmp_dir, &why) : dir_fd;
    if (tdir_fd < 0 || target_mode(dir_fd, name, &mode, &why) != 0) {
        rc = fail(e, rel, tdir_fd < 0 ? "open the folder for its temporary file" : "replace it", why);
        goto out;
    }
    if ((fd = open_temp(tdir_fd, mode, tmp, sizeof tmp)) < 0) {
        rc = fail(e, rel, "create a temporary file beside it", errno);
        goto out;
    }
    if (fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) rc = fail(e, rel, "write", errno);
    if (close(fd) != 0 && rc == 0) rc = fail(e, rel, "write", errno);
    if (rc == 0 && renameat(tdir_fd, tmp, dir_fd, name) != 0) rc = fail(e, rel, "rename the new file over it", errno);
    if (rc != 0) unlinkat(tdir_fd, tmp, 0);
    else fsync(dir_fd); /* the rename itself on disk */
out:
    if (tdir_fd >= 0 && tdir_fd != dir_fd) close(tdir_fd);
    close(dir_fd);
    return rc;
}

int src_write_truncate(src_store *s, const char *rel, long long size, tool_err *e)
{
    struct stat st;
    const char *name;
    int why = 0, dir_fd = parent_of(s, rel, &name, &why), fd, rc = 0;
    if (dir_fd < 0) return fail(e, rel, "open its folder", why);
    fd = openat(dir_fd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) rc = fail(e, rel, "open it for writing", errno == ELOOP ? SRCFS_LINK : errno);
    else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) rc = fail(e, rel, "cut it", SRCFS_NOT_REGULAR);
    else if (ftruncate(fd, (off_t)size) != 0 || fsync(fd) != 0) rc = fail(e, rel, "cut it", errno);
    if (fd >= 0) close(fd);
    close(dir_fd);
    return rc;
}

int src_write_mkdir(src_store *s, const char *rel, tool_err *e)
{
    const char *name;
    int why = 0, dir_fd = parent_of(s, rel, &name, &why), rc = 0;
    if (dir_fd < 0) return fail(e, rel, "open its folder", why);
    if (mkdirat(dir_fd, name, 0777) != 0 && errno != EEXIST) rc = fail(e, rel, "create the folder", errno);
    else fsync(dir_fd);
    close(dir_fd);
    return rc;
}

int src_write_remove(src_store *s, const char *rel, tool_err *e)
{
    struct stat st;
    const char *name;
    int why = 0, dir_fd = parent_of(s, rel, &name, &why), rc = 0;
    if (dir_fd < 0) return fail(e, rel, "open its folder", why);
    if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) rc = fail(e, rel, "remove it", errno);
    else if (!S_ISREG(st.st_mode)) rc = fail(e, rel, "remove it", S_ISLNK(st.st_mode) ? SRCFS_LINK : SRCFS_NOT_REGULAR);
    else if (unlinkat(dir_fd, name, 0) != 0) rc = fail(e, rel, "remove it", errno);
    else fsync(dir_fd);
    close(dir_fd);
    return rc;
}

int src_list_dir(src_store *s, const char *rel, src_dirent **out, size_t *n, tool_err *e)
{
    srcfs_entry *v = NULL;
    size_t k;
    int why = 0, fd = srcfs_open_dir(s->root_fd, rel, &why);
    *out = NULL;
    *n = 0;
    if (fd < 0) return fail(e, rel, "open the folder", why);
    if (srcfs_list(fd, &v, n) != 0) {
        why = errno;
        close(fd);
        return fail(e, rel, "list the folder", why);
    }
    close(fd);
    if (!(*out = calloc(*n ? *n : 1, sizeof **out))) {
        srcfs_list_free(v, *n);
        return fail(e, rel, "list the folder", ENOMEM);
    }
    for (k = 0; k < *n; k++) { /* the names move over */
        (*out)[k].name = v[k].name;
        (*out)[k].type = v[k].type == SRCFS_T_DIR ? SRC_E_DIR : v[k].type == SRCFS_T_REG ? SRC_E_FILE
                       : v[k].type == SRCFS_T_LINK ? SRC_E_LINK : SRC_E_OTHER;
    }
    free(v);
    return 0;
}

void src_dirents_free(src_dirent *v, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++) free(v[k].name);
    free(v);
}
