/* tools/state.c — see state.h */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "state.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct state {
    char *path;
    char *dest;
    cJSON *runs, *exps;          /* objects keyed by local id */
    FILE *journal;
    int lockfd;                  /* flock()ed <path>.lock: one sync per SRC and DEST at a time */
    int readonly, dirty;
    pthread_mutex_t lock;
};

static int state_mkdirs(const char *dir)
{
    char *p = xstrdup(dir), *s;
    if (!p) return -1;
    for (s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    if (mkdir(p, 0700) != 0 && errno != EEXIST) {
        free(p);
        return -1;
    }
    free(p);
    return 0;
}

static char *state_default_path(const char *src, const char *dest)
{
    uint64_t h = fnv1a64(dest, strlen(dest), FNV_SEED);
    sbuf b = {0};
    if (access(src, W_OK) == 0) {
        sb_printf(&b, "%s/.mlflow-lite-sync-%016llx.jsonl", src, (unsigned long long)h);
        return b.s;
    } else {
        const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
        char rp[4096];
        uint64_t hs;
        if (!realpath(src, rp)) snprintf(rp, sizeof rp, "%s", src);
        hs = fnv1a64(rp, strlen(rp), h);
        if (x && *x) sb_printf(&b, "%s/mlflow-lite", x);
        else sb_printf(&b, "%s/.local/state/mlflow-lite", home ? home : "/tmp");
        if (!b.s || state_mkdirs(b.s) != 0) {
            sb_free(&b);
            return NULL;
        }
        sb_printf(&b, "/sync-%016llx.jsonl", (unsigned long long)hs);
        return b.s;
    }
}

static void state_apply(state *s, cJSON *line)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(line, "kind");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(line, "id");
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(line, "v");
    cJSON *tbl;
    if (!cJSON_IsString(kind) || !cJSON_IsString(id)) {
        cJSON_Delete(v);
        return;
    }
    tbl = strcmp(kind->valuestring, "exp") == 0 ? s->exps : s->runs;
    cJSON_DeleteItemFromObjectCaseSensitive(tbl, id->valuestring);
    if (v && !cJSON_IsNull(v)) cJSON_AddItemToObject(tbl, id->valuestring, v);
    else cJSON_Delete(v);
}

static int state_load(state *s, char *err, size_t errn)
{
    size_t len;
    char *buf = read_file(s->path, &len), *p, *nl;
    int first = 1;
    if (!buf) {
        if (errno == ENOENT) return 0;
        snprintf(err, errn, "cannot read the sync state %s: %s", s->path, strerror(errno));
        return -1;
    }
    for (p = buf; p < buf + len; p = nl + 1) {
        cJSON *j;
        nl = memchr(p, '\n', (size_t)(buf + len - p));
        if (!nl) break; /* torn last line: ignored */
        *nl = '\0';
        j = cJSON_Parse(p);
        if (!j) continue;
        if (first) {
            const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "dest");
            first = 0;
            if (!cJSON_IsString(d) || strcmp(d->valuestring, s->dest) != 0) {
                cJSON_Delete(j);
                free(buf);
                snprintf(err, errn, "the sync state %s belongs to another destination", s->path);
                return -1;
            }
        } else
            state_apply(s, j);
        cJSON_Delete(j);
    }
    free(buf);
    return 0;
}

static int state_write_line(FILE *f, const char *kind, const char *id, const cJSON *v)
{
    cJSON *line = cJSON_CreateObject();
    char *txt;
    int rc;
    if (!line) return -1;
    cJSON_AddStringToObject(line, "kind", kind);
    cJSON_AddStringToObject(line, "id", id);
    cJSON_AddItemToObject(line, "v", v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
    txt = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    if (!txt) return -1;
    rc = fputs(txt, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    free(txt);
    return rc;
}

static int state_write_header(FILE *f, const char *dest)
{
    cJSON *h = cJSON_CreateObject();
    char *txt;
    int rc;
    cJSON_AddNumberToObject(h, "mlflow_lite_sync", 1);
    cJSON_AddStringToObject(h, "dest", dest);
    txt = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    if (!txt) return -1;
    rc = fprintf(f, "%s\n", txt) > 0 ? 0 : -1;
    free(txt);
    return rc;
}

int state_open(state **out, const char *path, const char *src, const char *dest, int readonly, char *err,
               size_t errn)
{
    state *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    pthread_mutex_init(&s->lock, NULL);
    s->path = path ? xstrdup(path) : state_default_path(src, dest);
    s->dest = xstrdup(dest);
    s->runs = cJSON_CreateObject();
    s->exps = cJSON_CreateObject();
    s->readonly = readonly;
    if (!s->path || !s->dest || !s->runs || !s->exps) {
        snprintf(err, errn, "cannot set up the sync state: %s", strerror(errno ? errno : ENOMEM));
        goto fail;
    }
    s->lockfd = -1;
    if (!readonly) {
        sbuf lk = {0};
        sb_printf(&lk, "%s.lock", s->path);
        s->lockfd = lk.s ? open(lk.s, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
        if (s->lockfd < 0) {
            snprintf(err, errn, "cannot create the lock file %s: %s", lk.s ? lk.s : s->path, strerror(errno));
            sb_free(&lk);
            goto fail;
        }
        if (flock(s->lockfd, LOCK_EX | LOCK_NB) != 0) {
            snprintf(err, errn, "another mlflow-lite sync of this folder to this destination is running (%s is locked)",
                     lk.s);
            sb_free(&lk);
            goto fail;
        }
        sb_free(&lk);
    }
    if (state_load(s, err, errn) != 0) goto fail;
    if (!readonly) {
        struct stat st;
        int fresh = stat(s->path, &st) != 0 || st.st_size == 0;
        s->journal = fopen(s->path, "a");
        if (!s->journal) {
            snprintf(err, errn, "cannot write the sync state %s: %s", s->path, strerror(errno));
            goto fail;
        }
        if (fresh && (state_write_header(s->journal, s->dest) != 0 || fflush(s->journal) != 0)) {
            snprintf(err, errn, "cannot write the sync state %s: %s", s->path, strerror(errno));
            goto fail;
        }
    }
    *out = s;
    return 0;
fail:
    if (s->journal) fclose(s->journal);
    if (s->lockfd >= 0) close(s->lockfd);
    cJSON_Delete(s->runs);
    cJSON_Delete(s->exps);
    free(s->path);
    free(s->dest);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return -1;
}

const char *state_path(const state *s) { return s->path; }

cJSON *state_get(state *s, const char *kind, const char *id)
{
    cJSON *r;
    pthread_mutex_lock(&s->lock);
    r = cJSON_GetObjectItemCaseSensitive(strcmp(kind, "exp") == 0 ? s->exps : s->runs, id);
    r = r ? cJSON_Duplicate(r, 1) : NULL;
    pthread_mutex_unlock(&s->lock);
    return r;
}

int state_put(state *s, const char *kind, const char *id, cJSON *v)
{
    cJSON *tbl;
    int rc = 0;
    pthread_mutex_lock(&s->lock);
    tbl = strcmp(kind, "exp") == 0 ? s->exps : s->runs;
    if (s->journal) {
        rc = state_write_line(s->journal, kind, id, v);
        if (rc == 0 && fflush(s->journal) != 0) rc = -1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(tbl, id);
    if (v) cJSON_AddItemToObject(tbl, id, v);
    s->dirty = 1;
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int state_drop(state *s, const char *kind, const char *id) { return state_put(s, kind, id, NULL); }

int state_close(state *s, char *err, size_t errn)
{
    int rc = 0;
    if (!s) return 0;
    if (s->journal) {
        if (fclose(s->journal) != 0) rc = -1;
        s->journal = NULL;
    }
    if (!s->readonly && s->dirty && rc == 0) {
        sbuf tmp = {0};
        FILE *f;
        const cJSON *it;
        sb_printf(&tmp, "%s.tmp%ld", s->path, (long)getpid());
        f = tmp.s ? fopen(tmp.s, "w") : NULL;
        if (!f) rc = -1;
        else {
            rc = state_write_header(f, s->dest);
            cJSON_ArrayForEach(it, s->exps) if (rc == 0) rc = state_write_line(f, "exp", it->string, it);
            cJSON_ArrayForEach(it, s->runs) if (rc == 0) rc = state_write_line(f, "run", it->string, it);
            if (fflush(f) != 0 || fsync(fileno(f)) != 0) rc = -1;
            if (fclose(f) != 0) rc = -1;
            if (rc == 0 && rename(tmp.s, s->path) != 0) rc = -1;
            if (rc != 0) unlink(tmp.s);
        }
        if (rc != 0) snprintf(err, errn, "cannot compact the sync state %s: %s", s->path, strerror(errno));
        sb_free(&tmp);
    }
    if (s->lockfd >= 0) close(s->lockfd); /* releases the flock */
    cJSON_Delete(s->runs);
    cJSON_Delete(s->exps);
    free(s->path);
    free(s->dest);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return rc;
}
