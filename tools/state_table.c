/* tools/state_table.c — the sync state's records in memory: one table per
 * kind, each record hot (parsed) or cold (where its lines are in the
 * journal, read back when asked for); see state_int.h for why. */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include "state_int.h"

#include "json.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the record kinds ----------------------------------------------------------------------- */

#define ST_KIND(T, jname)                                                                                          \
    static void T##_free_v(void *p) { T##_free(p); }                                                               \
    static int T##_copy_v(void *d, const void *s) { return T##_copy(d, s); }                                       \
    static cJSON *T##_to_json_v(const void *p) { return T##_to_json(p); }                                          \
    static int T##_from_json_v(const cJSON *j, void *p) { return T##_from_json(j, p); }                            \
    static const st_kind T##_kind = {jname, sizeof(T), T##_free_v, T##_copy_v, T##_to_json_v, T##_from_json_v};
ST_KIND(st_exp, "exp")
ST_KIND(st_run, "run")
ST_KIND(st_model, "model")
ST_KIND(st_version, "ver")
ST_KIND(st_logged_model, "lm")
#undef ST_KIND

const st_kind *const st_kinds[K_N] = {&st_exp_kind, &st_run_kind, &st_model_kind, &st_version_kind,
                                      &st_logged_model_kind};

/* The version has no newline, so the last '\n' splits the key back (for compaction). */
char *st_version_key(const char *name, int version)
{
    sbuf b = {0};
    sb_printf(&b, "%s\n%d", name, version);
    return b.oom ? (sb_free(&b), NULL) : b.s;
}

char *st_line_key(const cJSON *j, int kind)
{
    const char *id;
    char *dec, *key;
    long long n = 0;
    if (json_get_str(j, "id", &id) != 0 || !(dec = st_str_decode(id))) return NULL;
    if (kind != K_VER) return dec;
    key = json_get_ll(j, "n", 1, INT_MAX, &n) == 0 ? st_version_key(dec, (int)n) : NULL;
    free(dec);
    return key;
}

/* ---- slots ------------------------------------------------------------------------------------ */

static const char *slot_key(const void *table, size_t i)
{
    const rtab *t = table;
    return t->keys + t->slot[i].key;
}

void rtab_init(rtab *t)
{
    memset(t, 0, sizeof *t);
    keyidx_init(&t->idx, slot_key, t);
}

const char *rtab_key(const rtab *t, size_t i) { return t->slot[i].key == ST_NO_KEY ? NULL : slot_key(t, i); }

void *st_hot(const st_slot *sl) { return sl->x ? sl->x->rec : NULL; }

static void slot_clear(st_slot *sl, int kind)
{
    if (sl->x && sl->x->rec) {
        st_kinds[kind]->free(sl->x->rec);
        free(sl->x->rec);
    }
    if (sl->x) free(sl->x->lines);
    free(sl->x);
    sl->x = NULL;
    sl->off = 0;
    sl->len = 0;
}

st_slot *rtab_find(rtab *t, const char *key)
{
    long i = keyidx_find(&t->idx, key);
    return i < 0 ? NULL : &t->slot[i];
}

/* key copied into the table's key store: its offset there, or ST_NO_KEY (out of memory) */
static unsigned store_key(rtab *t, const char *key)
{
    size_t n = strlen(key) + 1, at = t->nkeys;
    if (at + n >= ST_NO_KEY) return ST_NO_KEY;
    if (at + n > t->capkeys) {
        size_t cap = t->capkeys ? t->capkeys : 4096;
        char *nk;
        while (cap < at + n) cap *= 2;
        if (!(nk = realloc(t->keys, cap))) return ST_NO_KEY;
        t->keys = nk;
        t->capkeys = cap;
    }
    memcpy(t->keys + at, key, n);
    t->nkeys += n;
    return (unsigned)at;
}

/* key's slot, emptied (a new one when key has none). NULL: out of memory. */
static st_slot *slot_for(rtab *t, int kind, const char *key)
{
    st_slot *sl = rtab_find(t, key);
    if (sl) {
        slot_clear(sl, kind);
        return sl;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        st_slot *ns = realloc(t->slot, cap * sizeof *ns);
        if (!ns) return NULL;
        t->slot = ns;
        t->cap = cap;
    }
    sl = &t->slot[t->n];
    memset(sl, 0, sizeof *sl);
    if ((sl->key = store_key(t, key)) == ST_NO_KEY || keyidx_add(&t->idx, t->n) != 0) return NULL;
    t->n++;
    return sl;
}

static st_more *more_of(st_slot *sl)
{
    if (!sl->x) sl->x = calloc(1, sizeof *sl->x);
    return sl->x;
}

int rtab_put_hot(rtab *t, int kind, const char *key, void *rec)
{
    st_slot *sl = slot_for(t, kind, key);
    if (!sl || !more_of(sl)) {
        st_kinds[kind]->free(rec);
        free(rec);
        return -1;
    }
    sl->x->rec = rec;
    return 0;
}

int rtab_put_cold(rtab *t, int kind, const char *key, st_line at)
{
    st_slot *sl = at.len && at.len <= ST_COLD_LINE_MAX ? slot_for(t, kind, key) : NULL;
    if (!sl) return -1;
    sl->off = at.off;
    sl->len = (unsigned)at.len;
    return 0;
}

int rtab_add_line(st_slot *sl, st_line at)
{
    st_more *m;
    if (!sl->len || !at.len || at.len > ST_COLD_LINE_MAX || !(m = more_of(sl)) || m->nlines == UINT_MAX) return -1;
    if ((m->nlines & (m->nlines - 1)) == 0) { /* 0, 1, 2, 4, ...: grow by doubling */
        st_line *nl = realloc(m->lines, (m->nlines ? 2 * (size_t)m->nlines : 1) * sizeof *nl);
        if (!nl) return -1;
        m->lines = nl;
    }
    m->lines[m->nlines++] = at;
    return 0;
}

void rtab_drop(rtab *t, int kind, const char *key)
{
    st_slot *sl = rtab_find(t, key);
    if (!sl) return;
    keyidx_del(&t->idx, key);
    slot_clear(sl, kind);
    sl->key = ST_NO_KEY;
}

void rtab_free(rtab *t, int kind)
{
    size_t i;
    for (i = 0; i < t->n; i++) slot_clear(&t->slot[i], kind);
    free(t->slot);
    free(t->keys);
    keyidx_free(&t->idx);
    rtab_init(t);
}

/* ---- cold records, read back ------------------------------------------------------------------ */

/* pread until n bytes: 0, or -1 (an error, or the file is shorter than it was) */
static int read_at(int fd, char *buf, size_t n, long long off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + (long long)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}

/* The line at `at`, parsed, when it still names key; else NULL. */
static cJSON *line_at(int fd, st_line at, int kind, const char *key)
{
    char *buf = malloc(at.len + 1), *k = NULL;
    cJSON *j = NULL;
    if (buf && read_at(fd, buf, at.len, at.off) == 0) j = json_parse(buf, at.len);
    free(buf);
    if (j && (!(k = st_line_key(j, kind)) || strcmp(k, key) != 0)) {
        cJSON_Delete(j);
        j = NULL;
    }
    free(k);
    return j;
}

/* One progress or intent line replayed onto run, as the journal's replay does. */
static int apply_line(st_run *run, int fd, st_line at, const char *key)
{
    cJSON *j = line_at(fd, at, K_RUN, key);
    const char *k;
    int rc = -1;
    if (j && json_get_str(j, "k", &k) == 0) {
        if (strcmp(k, "prog") == 0) rc = st_progress_apply(run, j);
        else if (strcmp(k, "intent") == 0) rc = st_intent_apply(run, j);
    }
    cJSON_Delete(j);
    return rc;
}

static int read_cold(const st_slot *sl, int kind, const char *key, int fd, void *out)
{
    st_line at = {sl->off, sl->len};
    cJSON *j = line_at(fd, at, kind, key);
    const cJSON *v = j ? cJSON_GetObjectItemCaseSensitive(j, "v") : NULL;
    int rc = v && st_kinds[kind]->from_json(v, out) == 0 ? 0 : -1;
    unsigned i;
    cJSON_Delete(j);
    for (i = 0; rc == 0 && kind == K_RUN && sl->x && i < sl->x->nlines; i++) rc = apply_line(out, fd, sl->x->lines[i], key);
    if (rc != 0) st_kinds[kind]->free(out); /* a failed from_json left it zeroed: freeing is harmless */
    return rc;
}

int rtab_read(const st_slot *sl, int kind, const char *key, int fd, void *out)
{
    memset(out, 0, st_kinds[kind]->size);
    if (st_hot(sl)) return st_kinds[kind]->copy(out, st_hot(sl));
    if (!sl->len || fd < 0) return -1;
    return read_cold(sl, kind, key, fd, out);
}

int rtab_warm(st_slot *sl, int kind, const char *key, int fd)
{
    void *rec;
    if (st_hot(sl)) return 0;
    if (!(rec = calloc(1, st_kinds[kind]->size)) || !more_of(sl) || rtab_read(sl, kind, key, fd, rec) != 0) {
        free(rec); /* a failed read freed the record's parts */
        return -1;
    }
    free(sl->x->lines);
    sl->x->lines = NULL;
    sl->x->nlines = 0;
    sl->x->rec = rec;
    sl->off = 0;
    sl->len = 0;
    return 0;
}
