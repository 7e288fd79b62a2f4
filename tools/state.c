/* tools/state.c — the sync state's journal: open and lock, replay, append,
 * compact. The records in memory are in state_table.c (cold: where their
 * lines are in this journal), their JSON in state_records.c. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "state_int.h"

#include "json.h"
#include "msgs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The journal is read and compacted through buffers of READ_CHUNK: small, as
   they count in a pass's peak memory, and large enough for few system calls. */
enum { READ_CHUNK = 64 << 10, WARN_MAX = 10 };

struct state {
    char *path, *lock_path, *legacy_path;
    char *dest, *legacy_dest;
    int fd, lockfd;                    /* the journal (O_APPEND), its lock; -1 when none */
    int readonly;
    int dirty;                         /* something was put: compact on close */
    int rewrite;                       /* the file is not a clean compacted format-2 file */
    int remove_legacy;                 /* the format-1 file was read: remove it after compaction */
    int format;                        /* the header's, 0 before it was read */
    int ignore_rest;                   /* the header was damaged: the records are not ours to trust */
    long damaged, lines;
    long long end;                     /* the journal's size as we read and wrote it: where the next line
                                          goes (-1 unknown: records then stay in memory) */
    int torn;                          /* the journal ends inside a line (a crash, a failed write):
                                          the next line starts on a new one */
    int load_cold;                     /* replaying s->fd: records stay cold, at their lines */
    st_line cur;                       /* during replay: where the line being replayed is */
    rtab tab[K_N];
    pthread_mutex_t mu;
};

/* ---- damage ---------------------------------------------------------------------------- */

/* One warning per damaged line (the first WARN_MAX; state_close sums up the rest). */
static void damaged(state *s, long lineno, const char *why)
{
    s->damaged++;
    s->rewrite = 1;
    if (s->damaged <= WARN_MAX)
        warnf("%s:%ld: %s: ignored (what it described is checked with the server again)", s->path, lineno, why);
}

/* A damaged line that still names its record: that record becomes unknown. */
static void forget(state *s, int kind, const char *key)
{
    if (kind < 0 || !key) return;
    rtab_drop(&s->tab[kind], kind, key);
}

/* ---- replay ------------------------------------------------------------------------------ */

static int kind_index(const char *name)
{
    int i;
    for (i = 0; i < K_N; i++)
        if (strcmp(st_kinds[i]->name, name) == 0) return i;
    return -1;
}

/* A model dropped: its versions go with it. */
static void drop_versions(state *s, const char *name)
{
    rtab *t = &s->tab[K_VER];
    size_t n = strlen(name), i;
    for (i = 0; i < t->n; i++) {
        const char *key = rtab_key(t, i); /* stays valid: a drop frees no key */
        if (key && strncmp(key, name, n) == 0 && key[n] == '\n' && !strchr(key + n + 1, '\n')) rtab_drop(t, K_VER, key);
    }
}

/* A valid record line: replaces the record (cold at the line when replaying s->fd). */
static void replay_put(state *s, int kind, const char *key, void *rec, long lineno)
{
    int rc;
    if (s->load_cold) { /* checked: only its place is kept */
        st_kinds[kind]->free(rec);
        free(rec);
        rc = rtab_put_cold(&s->tab[kind], kind, key, s->cur);
    } else
        rc = rtab_put_hot(&s->tab[kind], kind, key, rec);
    if (rc != 0) damaged(s, lineno, "out of memory");
}

static void replay_record(state *s, const cJSON *j, int kind, long lineno)
{
    char *key = st_line_key(j, kind);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "v");
    void *rec;
    if (!key || !v) {
        damaged(s, lineno, key ? "a record line without a record" : "a record line without a valid id");
        forget(s, kind, key);
        free(key);
        return;
    }
    if (cJSON_IsNull(v)) {
        rtab_drop(&s->tab[kind], kind, key);
        if (kind == K_MODEL) drop_versions(s, key);
    } else if (!(rec = calloc(1, st_kinds[kind]->size)) || st_kinds[kind]->from_json(v, rec) != 0) {
        free(rec);
        damaged(s, lineno, "a record with a field missing, of the wrong type or out of range");
        forget(s, kind, key);
    } else
        replay_put(s, kind, key, rec, lineno);
    free(key);
}

/* A progress or intent line (at `at` in the journal) onto a run's slot: applied
   to a hot record; for a cold one, checked on a scratch record (damage is found
   when the line is read, as for a hot one) and its place kept. */
static int slot_apply(st_slot *sl, const cJSON *j, int intent, st_line at)
{
    st_run scratch;
    int rc;
    if (st_hot(sl)) return intent ? st_intent_apply(st_hot(sl), j) : st_progress_apply(st_hot(sl), j);
    memset(&scratch, 0, sizeof scratch);
    rc = intent ? st_intent_apply(&scratch, j) : st_progress_apply(&scratch, j);
    st_run_free(&scratch);
    return rc == 0 ? rtab_add_line(sl, at) : -1;
}

/* "prog" and "intent" lines: onto the run record they name. */
static void replay_run_line(state *s, const cJSON *j, int intent, long lineno)
{
    char *key = st_line_key(j, K_RUN);
    st_slot *run = key ? rtab_find(&s->tab[K_RUN], key) : NULL;
    if (!run) damaged(s, lineno, key ? "metric progress of a run that has no record" : "a line without a valid id");
    else if (slot_apply(run, j, intent, s->cur) != 0) {
        damaged(s, lineno, intent ? "a damaged intent" : "damaged metric progress");
        forget(s, K_RUN, key);
    }
    free(key);
}

static int replay_header(state *s, const cJSON *j, long lineno, tool_err *e)
{
    long long fmt = 0;
    const char *d;
    if (json_get_ll(j, "mlflow_lite_sync", 1, INT_MAX, &fmt) != 0 || json_get_str(j, "dest", &d) != 0) {
        damaged(s, lineno, "not a sync state header: none of the file's records can be trusted");
        s->ignore_rest = 1;
        return 0;
    }
    if (fmt > STATE_FORMAT)
        return err_set(e, EXIT_STATE, s->path, "written by a newer mlflow-lite (format %lld): use that one, or "
                       "give another --state FILE", fmt);
    /* format 1 recorded DEST as given (userinfo and all): compare with that */
    if (strcmp(d, s->dest) != 0 && !(fmt == 1 && s->legacy_dest && strcmp(d, s->legacy_dest) == 0))
        return err_set(e, EXIT_STATE, s->path, "belongs to another destination (or --experiment-prefix): give another --state FILE, or "
                       "delete it");
    s->format = (int)fmt;
    if (fmt < STATE_FORMAT) s->rewrite = 1;
    return 0;
}

static void replay_body(state *s, const cJSON *j, long lineno)
{
    const char *k;
    int kind;
    if (s->format == 1 && json_get_str(j, "kind", &k) == 0) { /* mlflow-lite 0.1 */
        if (strcmp(k, "reg") == 0) return; /* its registry records: the registry sync finds versions by marker */
    } else if (json_get_str(j, "k", &k) != 0) {
        damaged(s, lineno, "a line without a kind");
        return;
    }
    if (strcmp(k, "prog") == 0 || strcmp(k, "intent") == 0) replay_run_line(s, j, k[0] == 'i', lineno);
    else if ((kind = kind_index(k)) >= 0) replay_record(s, j, kind, lineno);
    else damaged(s, lineno, "a record of a kind this mlflow-lite does not know");
}

/* One line (NUL-terminated, without its newline). torn: the file ended without one. */
static int replay_line(state *s, const char *line, size_t len, long lineno, int torn, tool_err *e)
{
    cJSON *j = NULL;
    const char *why = NULL;
    int rc = 0;
    if (len == 0) return 0;
    s->lines++;
    if (s->ignore_rest) return 0;
    if (strlen(line) != len) why = "a line with a NUL byte";
    else if (!json_utf8_valid(line)) why = "not valid UTF-8";
    else if (!cJSON_IsObject(j = json_parse(line, len)))
        why = torn ? "the last line is incomplete (cut short by a crash?)" : "not a JSON object";
    if (why && s->format) damaged(s, lineno, why);
    else if (why) { /* it was the header: nothing ties the rest to this DEST */
        char msg[160];
        snprintf(msg, sizeof msg, "%s, where the header should be: none of the file's records can be trusted", why);
        damaged(s, lineno, msg);
        s->ignore_rest = 1;
    } else if (!s->format)
        rc = replay_header(s, j, lineno, e);
    else
        replay_body(s, j, lineno);
    cJSON_Delete(j);
    return rc;
}

/* Cuts a byte stream into lines, each at most STATE_LINE_MAX long. */
typedef struct splitter {
    sbuf line;
    int skipping;                      /* inside a line that is too long */
    long lineno;
    long long fed;                     /* bytes fed so far */
    long long start;                   /* where the line being gathered starts */
} splitter;

static int split_feed(state *s, splitter *sp, const char *p, size_t n, tool_err *e)
{
    const char *end = p + n, *p0 = p;
    long long base = sp->fed;
    sp->fed += (long long)n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t seg = (size_t)((nl ? nl : end) - p);
        if (!sp->skipping && sp->line.len + seg > STATE_LINE_MAX) {
            sp->skipping = 1;
            sb_free(&sp->line);
        }
        if (!sp->skipping) sb_add(&sp->line, p, seg);
        if (!nl) break;
        sp->lineno++;
        s->cur.off = sp->start;
        s->cur.len = sp->line.len;
        sp->start = base + (nl + 1 - p0);
        if (sp->skipping || sp->line.oom) damaged(s, sp->lineno, sp->skipping ? "a line longer than 64 MiB" : "out of memory");
        else if (replay_line(s, sp->line.s ? sp->line.s : "", sp->line.len, sp->lineno, 0, e) != 0) return e->code;
        sp->line.len = 0;
        sp->line.oom = 0;
        sp->skipping = 0;
        p = nl + 1;
    }
    return 0;
}

static int split_end(state *s, splitter *sp, tool_err *e)
{
    int rc = 0;
    if (sp->skipping || sp->line.len) {
        sp->lineno++;
        s->cur.off = sp->start;
        s->cur.len = sp->line.len;
        if (sp->skipping || sp->line.oom) damaged(s, sp->lineno, "a line longer than 64 MiB");
        else rc = replay_line(s, sp->line.s, sp->line.len, sp->lineno, 1, e);
        s->rewrite = 1;
    }
    sb_free(&sp->line);
    return rc;
}

int state_parse_journal(state *s, const char *buf, size_t len, tool_err *e)
{
    splitter sp = {{0}, 0, 0, 0, 0};
    int rc = split_feed(s, &sp, buf, len, e);
    if (rc == 0) rc = split_end(s, &sp, e);
    else sb_free(&sp.line);
    return rc;
}

/* Replays the file fd from its start. cold: fd is s->fd, which stays open, and
   its records stay cold (at their lines); the next line goes at its end. */
static int load_fd(state *s, int fd, int cold, tool_err *e)
{
    splitter sp = {{0}, 0, 0, 0, 0};
    char *buf = malloc(READ_CHUNK);
    ssize_t got;
    int rc = 0;
    if (!buf) return err_set(e, EXIT_STATE, s->path, "out of memory");
    s->load_cold = cold;
    while (rc == 0 && ((got = read(fd, buf, READ_CHUNK)) > 0 || (got < 0 && errno == EINTR)))
        if (got > 0) rc = split_feed(s, &sp, buf, (size_t)got, e);
    if (rc == 0 && got < 0) rc = err_set(e, EXIT_STATE, s->path, "cannot read it: %s", strerror(errno));
    if (rc == 0) rc = split_end(s, &sp, e);
    else sb_free(&sp.line);
    if (cold) s->end = sp.fed;
    s->load_cold = 0;
    free(buf);
    return rc;
}

/* ---- files: trusted only when ours ------------------------------------------------------- */

/* fd is the file at path: a regular file owned by us, mode 0600 (a wider
   mode is narrowed, with a warning, unless readonly). */
static int check_ours(int fd, const char *path, int readonly, tool_err *e)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return err_set(e, EXIT_STATE, path, "cannot stat it: %s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return err_set(e, EXIT_STATE, path, "not a regular file");
    if (st.st_uid != geteuid())
        return err_set(e, EXIT_STATE, path, "owned by uid %ld, not by you: someone else may have planted it; "
                       "remove it or give --state FILE", (long)st.st_uid);
    if ((st.st_mode & 077) == 0) return 0;
    if (readonly) {
        warnf("%s is readable by others (mode %04o); a sync without --dry-run sets it to 0600", path,
              (unsigned)(st.st_mode & 07777));
        return 0;
    }
    if (fchmod(fd, 0600) != 0) return err_set(e, EXIT_STATE, path, "cannot set mode 0600: %s", strerror(errno));
    warnf("%s was readable by others (mode %04o): set to 0600", path, (unsigned)(st.st_mode & 07777));
    return 0;
}

/* open(2) without following a link; a link is named as such. -1 with e filled (ENOENT: e untouched). */
static int open_nofollow(const char *path, int flags, tool_err *e)
{
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600); /* a planted FIFO must not hang us */
    if (fd < 0 && errno == ELOOP) err_set(e, EXIT_STATE, path, "is a symbolic link: the state is never read through one");
    else if (fd < 0 && errno != ENOENT) err_set(e, EXIT_STATE, path, "cannot open it: %s", strerror(errno));
    return fd;
}

static int take_lock(state *s, tool_err *e)
{
    int fd = open_nofollow(s->lock_path, O_RDWR | O_CREAT, e);
    if (fd < 0) return e->code ? e->code : err_set(e, EXIT_STATE, s->lock_path, "cannot create it: %s", strerror(errno));
    s->lockfd = fd;
    if (check_ours(fd, s->lock_path, 0, e) != 0) return e->code;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        return err_set(e, EXIT_STATE, s->lock_path, errno == EWOULDBLOCK ? "another mlflow-lite sync of this folder "
                       "to this destination is running (this lock is held)" : "cannot lock it: %s", strerror(errno));
    return 0;
}

/* SRC/.mlflow-lite-sync-<hash>.jsonl, or <state_dir>/sync-<hash>.jsonl when SRC is not writable. */
static char *derive_path(const char *src, const char *dest, const char *state_dir, int readonly, tool_err *e)
{
    uint64_t h = fnv1a64(dest, strlen(dest), FNV_SEED);
    char real[PATH_MAX];
    sbuf b = {0};
    if (access(src, W_OK) == 0) {
        sb_printf(&b, "%s/.mlflow-lite-sync-%016llx.jsonl", src, (unsigned long long)h);
    } else {
        if (!state_dir) {
            err_set(e, EXIT_STATE, src, "not writable, and neither HOME nor XDG_STATE_HOME is set: give --state FILE");
            return NULL;
        }
        if (!realpath(src, real)) snprintf(real, sizeof real, "%s", src);
        if (!readonly && mkdir_p(state_dir, 0700) != 0) {
            err_set(e, EXIT_STATE, state_dir, "cannot create it: %s", strerror(errno));
            return NULL;
        }
        sb_printf(&b, "%s/sync-%016llx.jsonl", state_dir, (unsigned long long)fnv1a64(real, strlen(real), h));
    }
    if (b.oom) err_set(e, EXIT_STATE, src, "out of memory");
    return b.oom ? (sb_free(&b), NULL) : b.s;
}

static state *state_new(const char *dest)
{
    state *s = calloc(1, sizeof *s);
    int k;
    if (!s) return NULL;
    s->fd = s->lockfd = -1;
    s->end = -1;
    for (k = 0; k < K_N; k++) rtab_init(&s->tab[k]);
    pthread_mutex_init(&s->mu, NULL);
    if (!(s->dest = xstrdup(dest))) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    return s;
}

static void state_free(state *s)
{
    int k;
    if (s->fd >= 0) close(s->fd);
    if (s->lockfd >= 0) close(s->lockfd); /* releases the flock */
    for (k = 0; k < K_N; k++) rtab_free(&s->tab[k], k);
    free(s->path);
    free(s->lock_path);
    free(s->legacy_path);
    free(s->dest);
    free(s->legacy_dest);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* ---- writing lines ------------------------------------------------------------------------ */

static void header_line(sbuf *b, const char *dest)
{
    sb_printf(b, "{\"mlflow_lite_sync\":%d,\"dest\":", STATE_FORMAT);
    json_str(b, dest);
    sb_puts(b, "}\n");
}

/* {"k":KIND,"id":ID[,"n":VERSION],"v":RECORD|null}\n; rec NULL: a drop */
static void record_line(sbuf *b, int kind, const char *key, const void *rec)
{
    const char *nl = kind == K_VER ? strrchr(key, '\n') : NULL;
    char *owned, *id = nl ? malloc((size_t)(nl - key) + 1) : NULL, *text = NULL;
    const char *enc;
    cJSON *j = rec ? st_kinds[kind]->to_json(rec) : NULL;
    if (nl && id) {
        memcpy(id, key, (size_t)(nl - key));
        id[nl - key] = '\0';
    }
    enc = (nl && !id) ? NULL : st_str_encode(nl ? id : key, &owned);
    if (!enc || (rec && (!j || !(text = cJSON_PrintUnformatted(j))))) b->oom = 1;
    else {
        sb_printf(b, "{\"k\":\"%s\",\"id\":", st_kinds[kind]->name);
        json_str(b, enc);
        if (nl) sb_printf(b, ",\"n\":%s", nl + 1);
        sb_puts(b, ",\"v\":");
        sb_puts(b, text ? text : "null");
        sb_puts(b, "}\n");
    }
    if (enc) free(owned);
    free(text);
    free(id);
    cJSON_Delete(j);
}

/* One line onto the journal, with s->mu held: one write(2) on O_APPEND, so
   lines of many threads never interleave and a crash tears at most the last.
   *at: where the line now is (len 0: it is not in the journal, --dry-run). */
static int append(state *s, const sbuf *line, st_line *at, tool_err *e)
{
    at->off = 0;
    at->len = 0;
    if (line->oom) return err_set(e, EXIT_STATE, s->path, "out of memory");
    if (s->readonly || s->fd < 0) return 0;
    s->dirty = 1;
    /* glued to a torn line, a good one would be damaged with it: both lost */
    if (s->torn && write_all(s->fd, "\n", 1) == 0) {
        s->torn = 0;
        if (s->end >= 0) s->end++;
    }
    if (s->torn || write_all(s->fd, line->s, line->len) != 0) {
        int err = errno ? errno : EIO;
        s->torn = 1;
        s->end = (long long)lseek(s->fd, 0, SEEK_END); /* after a torn write: where the next line goes */
        return err_set(e, EXIT_STATE, s->path, "cannot append to it: %s (the next sync checks with the server)",
                       strerror(err));
    }
    if (s->end >= 0) {
        at->off = s->end;
        at->len = line->len - 1; /* the newline is not part of the line */
        s->end += (long long)line->len;
    }
    return 0;
}

/* ---- compaction --------------------------------------------------------------------------- */

static int fsync_dir_of(const char *path)
{
    char *dir = xstrdup(path), *slash;
    int fd, rc;
    if (!dir) return -1;
    slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
    fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* A live record's line into b: a cold one is read back first, one at a time,
   so compaction needs no more memory than the largest record. 0; -1 out of
   memory (errno); -2 a line no longer reads back as written (the journal is
   then kept as it is: what it holds is not ours to drop). */
static int slot_line(state *s, int kind, const char *key, const st_slot *sl, sbuf *b)
{
    void *rec;
    if (st_hot(sl)) {
        record_line(b, kind, key, st_hot(sl));
        return b->oom ? (errno = ENOMEM, -1) : 0;
    }
    if (!(rec = calloc(1, st_kinds[kind]->size))) return errno = ENOMEM, -1;
    if (rtab_read(sl, kind, key, s->fd, rec) != 0) {
        free(rec);
        return -2;
    }
    record_line(b, kind, key, rec);
    st_kinds[kind]->free(rec);
    free(rec);
    return b->oom ? (errno = ENOMEM, -1) : 0;
}

/* Every live record, one line each, into fd (buffered READ_CHUNK at a time).
   0, -1 (errno), or -2 as slot_line. */
static int write_records(state *s, int fd)
{
    sbuf b = {0};
    size_t i;
    int k, rc = 0;
    header_line(&b, s->dest);
    for (k = 0; k < K_N && rc == 0; k++)
        for (i = 0; i < s->tab[k].n && rc == 0; i++) {
            const char *key = rtab_key(&s->tab[k], i);
            if (!key) continue; /* dropped */
            if ((rc = slot_line(s, k, key, &s->tab[k].slot[i], &b)) != 0 || b.len < READ_CHUNK) continue;
            if (write_all(fd, b.s, b.len) != 0) rc = -1;
            b.len = 0;
        }
    if (rc == 0 && (b.oom || write_all(fd, b.s, b.len) != 0)) rc = -1;
    if (b.oom) errno = ENOMEM;
    sb_free(&b);
    return rc;
}

/* temp file, fsync, rename over the journal, fsync the folder */
static int compact(state *s, tool_err *e)
{
    sbuf tmp = {0};
    int fd, rc = 0;
    sb_printf(&tmp, "%s.tmp", s->path);
    if (tmp.oom) return err_set(e, EXIT_STATE, s->path, "out of memory");
    unlink(tmp.s); /* a leftover of a killed sync; we hold the lock */
    fd = open_nofollow(tmp.s, O_WRONLY | O_CREAT | O_EXCL, e);
    if (fd < 0) rc = e->code ? e->code : err_set(e, EXIT_STATE, tmp.s, "cannot create it: %s", strerror(errno));
    else {
        int w = write_records(s, fd);
        if (w == -2)
            rc = err_set(e, EXIT_STATE, s->path, "a record no longer reads back as it was written (was the file "
                         "changed during the sync?): left as it is, not compacted");
        else if (w != 0 || fsync(fd) != 0)
            rc = err_set(e, EXIT_STATE, tmp.s, "cannot write it: %s", strerror(errno));
        if (close(fd) != 0 && rc == 0) rc = err_set(e, EXIT_STATE, tmp.s, "cannot write it: %s", strerror(errno));
        if (rc == 0 && rename(tmp.s, s->path) != 0)
            rc = err_set(e, EXIT_STATE, s->path, "cannot replace it: %s", strerror(errno));
        if (rc != 0) unlink(tmp.s);
        else fsync_dir_of(s->path);
    }
    sb_free(&tmp);
    return rc;
}

/* ---- open and close ------------------------------------------------------------------------ */

/* A format-1 file named after DEST as given (it may hold a password in its
   name's source and its header): read it now, remove it after compaction. */
static int load_legacy(state *s, const state_opts *o, tool_err *e)
{
    tool_err none;
    char *lp = derive_path(o->src, o->legacy_dest, o->state_dir, 1, &none), *shown;
    int fd, rc;
    if (!lp) return 0; /* no fallback folder: nothing to find there */
    if (strcmp(lp, s->path) == 0 || (fd = open_nofollow(lp, O_RDONLY, e)) < 0) {
        free(lp);
        return e->code;
    }
    shown = s->path; /* warnings name the file the lines are in */
    s->path = lp;
    rc = check_ours(fd, lp, 1, e);
    if (rc == 0) rc = load_fd(s, fd, 0, e); /* its records stay in memory: the file is removed */
    s->path = shown;
    close(fd);
    if (rc == 0 && !s->readonly) {
        s->legacy_path = lp;
        s->remove_legacy = 1;
        s->rewrite = 1;
    } else
        free(lp);
    return rc;
}

static int ends_with_newline(int fd, off_t size)
{
    char c = 0;
    return pread(fd, &c, 1, size - 1) == 1 && c == '\n';
}

static int open_journal(state *s, const state_opts *o, tool_err *e)
{
    struct stat st;
    int fd = open_nofollow(s->path, s->readonly ? O_RDONLY : O_RDWR | O_CREAT | O_APPEND, e), rc;
    if (fd < 0 && e->code) return e->code;
    if (fd < 0) return !o->path && o->legacy_dest ? load_legacy(s, o, e) : 0; /* --dry-run, no state yet */
    s->fd = fd;
    if ((rc = check_ours(fd, s->path, s->readonly, e)) != 0) return rc;
    if (fstat(fd, &st) != 0) return err_set(e, EXIT_STATE, s->path, "cannot stat it: %s", strerror(errno));
    if (st.st_size == 0 && !o->path && o->legacy_dest) rc = load_legacy(s, o, e);
    else rc = load_fd(s, fd, 1, e);
    if (rc == 0 && !s->readonly && st.st_size > 0) s->torn = !ends_with_newline(fd, st.st_size);
    if (rc == 0 && !s->readonly && st.st_size == 0) { /* a new journal starts with its header */
        sbuf h = {0};
        header_line(&h, s->dest);
        if (h.oom || write_all(fd, h.s, h.len) != 0)
            rc = err_set(e, EXIT_STATE, s->path, "cannot write it: %s", strerror(errno ? errno : ENOMEM));
        s->end = (long long)h.len;
        sb_free(&h);
    }
    return rc; /* with --dry-run too, fd stays open: the cold records are read from it */
}

int state_open(state **out, const state_opts *o, tool_err *e)
{
    state *s = state_new(o->dest);
    sbuf lk = {0};
    int rc = 0;
    *out = NULL;
    err_clear(e);
    if (!s) return err_set(e, EXIT_STATE, "sync state", "out of memory");
    s->readonly = o->readonly;
    if (o->legacy_dest && !(s->legacy_dest = xstrdup(o->legacy_dest))) rc = err_set(e, EXIT_STATE, "sync state", "out of memory");
    if (rc == 0) s->path = o->path ? xstrdup(o->path) : derive_path(o->src, o->dest, o->state_dir, o->readonly, e);
    if (rc == 0 && !s->path) rc = e->code ? e->code : err_set(e, EXIT_STATE, "sync state", "out of memory");
    if (rc == 0 && !s->readonly) {
        sb_printf(&lk, "%s.lock", s->path);
        s->lock_path = lk.s;
        rc = lk.oom ? err_set(e, EXIT_STATE, s->path, "out of memory") : take_lock(s, e);
    }
    if (rc == 0) rc = open_journal(s, o, e);
    if (rc != 0) {
        state_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int state_open_memory(state **out, const char *dest)
{
    state *s = state_new(dest);
    *out = NULL;
    if (!s || !(s->path = xstrdup("(memory)"))) {
        if (s) state_free(s);
        return EXIT_STATE;
    }
    s->readonly = 1;
    *out = s;
    return 0;
}

const char *state_path(const state *s) { return s->path; }

long state_damaged_lines(const state *s) { return s->damaged; }

int state_close(state *s, tool_err *e)
{
    int rc = 0;
    if (!s) return 0;
    if (s->damaged > WARN_MAX) warnf("%s: %ld damaged lines ignored in all", s->path, s->damaged);
    if (!s->readonly && s->fd >= 0 && (s->dirty || s->rewrite)) rc = compact(s, e);
    if (rc == 0 && s->remove_legacy && s->legacy_path) {
        sbuf lk = {0};
        unlink(s->legacy_path); /* it may name (and hold) a password of the DEST it was made for */
        sb_printf(&lk, "%s.lock", s->legacy_path);
        if (!lk.oom) unlink(lk.s);
        sb_free(&lk);
    }
    state_free(s);
    return rc;
}

/* ---- records: get, put, drop ------------------------------------------------------------------ */

static int get_any(state *s, int kind, const char *key, void *out)
{
    const st_slot *sl;
    int found;
    memset(out, 0, st_kinds[kind]->size);
    if (!key) return 0;
    pthread_mutex_lock(&s->mu);
    sl = rtab_find(&s->tab[kind], key);
    found = sl && rtab_read(sl, kind, key, s->fd, out) == 0;
    pthread_mutex_unlock(&s->mu);
    if (sl && !found) /* out of memory, or the journal changed under us: as absent, the server is asked */
        warnf("%s: the %s record of '%s' could not be read back; it is checked with the server again", s->path,
              st_kinds[kind]->name, key);
    return found;
}

/* v in memory after its line was appended at `at`: cold there, else (no
   place in the journal: --dry-run, a failed write) a copy. 0 or -1. */
static int keep(state *s, int kind, const char *key, const void *v, st_line at)
{
    void *copy;
    if (at.len && rtab_put_cold(&s->tab[kind], kind, key, at) == 0) return 0;
    if (!(copy = calloc(1, st_kinds[kind]->size)) || st_kinds[kind]->copy(copy, v) != 0) {
        free(copy); /* a failed copy freed what it had made */
        return -1;
    }
    return rtab_put_hot(&s->tab[kind], kind, key, copy);
}

/* Appends the line and replaces (v) or drops (v NULL) the record in memory. Takes key. */
static int put_any(state *s, int kind, char *key, const void *v, tool_err *e)
{
    sbuf line = {0};
    st_line at;
    int rc;
    if (!key) return err_set(e, EXIT_STATE, s->path, "out of memory");
    record_line(&line, kind, key, v);
    pthread_mutex_lock(&s->mu);
    rc = append(s, &line, &at, e);
    if (!v) {
        rtab_drop(&s->tab[kind], kind, key);
        if (kind == K_MODEL) drop_versions(s, key);
    } else if (keep(s, kind, key, v, at) != 0 && rc == 0)
        rc = err_set(e, EXIT_STATE, s->path, "out of memory");
    pthread_mutex_unlock(&s->mu);
    sb_free(&line);
    free(key);
    return rc;
}

int state_get_exp(state *s, const char *id, st_exp *out) { return get_any(s, K_EXP, id, out); }
int state_get_run(state *s, const char *id, st_run *out) { return get_any(s, K_RUN, id, out); }
int state_get_model(state *s, const char *name, st_model *out) { return get_any(s, K_MODEL, name, out); }
int state_get_logged_model(state *s, const char *id, st_logged_model *out) { return get_any(s, K_LM, id, out); }

int state_get_version(state *s, const char *name, int version, st_version *out)
{
    char *key = st_version_key(name, version);
    int found = get_any(s, K_VER, key, out);
    free(key);
    return found;
}

int state_put_exp(state *s, const char *id, const st_exp *v, tool_err *e)
{
    return put_any(s, K_EXP, xstrdup(id), v, e);
}

int state_put_run(state *s, const char *id, const st_run *v, tool_err *e)
{
    return put_any(s, K_RUN, xstrdup(id), v, e);
}

int state_put_model(state *s, const char *name, const st_model *v, tool_err *e)
{
    return put_any(s, K_MODEL, xstrdup(name), v, e);
}

int state_put_version(state *s, const char *name, int version, const st_version *v, tool_err *e)
{
    if (version < 1) return err_set(e, EXIT_STATE, name, "model version %d: versions start at 1", version);
    return put_any(s, K_VER, st_version_key(name, version), v, e);
}

int state_put_logged_model(state *s, const char *id, const st_logged_model *v, tool_err *e)
{
    return put_any(s, K_LM, xstrdup(id), v, e);
}

int state_drop_run(state *s, const char *id, tool_err *e) { return put_any(s, K_RUN, xstrdup(id), NULL, e); }

int state_drop_model(state *s, const char *name, tool_err *e)
{
    return put_any(s, K_MODEL, xstrdup(name), NULL, e);
}

/* ---- progress and intents ------------------------------------------------------------------- */

/* The line is appended and then replayed onto the record in memory (or, for
   a cold record, checked and its place kept) by the same function a later
   pass replays it with: what the next pass reads is what this pass used. */
static int run_line(state *s, const char *id, sbuf *line, int intent, tool_err *e)
{
    cJSON *j = line->oom ? NULL : json_parse(line->s, line->len);
    st_slot *run;
    st_line at;
    int rc = 0;
    pthread_mutex_lock(&s->mu);
    run = rtab_find(&s->tab[K_RUN], id);
    if (!j) rc = err_set(e, EXIT_STATE, s->path, "out of memory");
    else if (!run) rc = err_set(e, EXIT_STATE, id, "metric progress for a run without a record (put the record first)");
    else if ((rc = append(s, line, &at, e)) == 0 &&
             ((!at.len && rtab_warm(run, K_RUN, id, s->fd) != 0) || slot_apply(run, j, intent, at) != 0))
        rc = err_set(e, EXIT_STATE, id, "cannot apply its metric progress (out of memory?)");
    pthread_mutex_unlock(&s->mu);
    cJSON_Delete(j);
    sb_free(line);
    return rc;
}

int state_run_progress(state *s, const char *local_id, size_t n, const char *const *keys, const long long *offs,
                       const long *lines, tool_err *e)
{
    sbuf line = {0};
    st_progress_line(&line, local_id, n, keys, offs, lines);
    return run_line(s, local_id, &line, 0, e);
}

int state_run_intent(state *s, const char *local_id, size_t n, const st_metric_range *ranges, tool_err *e)
{
    sbuf line = {0};
    st_intent_line(&line, local_id, n, ranges);
    return run_line(s, local_id, &line, 1, e);
}
