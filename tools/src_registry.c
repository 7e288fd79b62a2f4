/* tools/src_registry.c — the model registry under SRC/models, as MLflow's
 * registry FileStore lays it out: models/<name>/meta.yaml, tags/, aliases/
 * (file content = version number) and version-<N>/{meta.yaml,tags/}. Deleted
 * versions (current_stage Deleted_Internal) are kept in the list, marked
 * deleted: their numbers are taken, so a sync that numbers versions in order
 * must know them. A model or version that cannot be read is a problem; the
 * others are still read (MLflow's own listing fails as a whole). */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *opt_dup(const char *v) { return v ? xstrdup(v) : NULL; }

/* the text of key, NULL when absent, null or empty */
static char *nonempty_dup(const src_ydoc *d, const char *key)
{
    const char *v = src_ystr(d, 0, key);
    return v && *v ? xstrdup(v) : NULL;
}

static long long yll(const src_ydoc *d, const char *key)
{
    long long v = 0;
    return src_yint(d, 0, key, &v) == 1 ? v : 0;
}

/* "3" (surrounding white space allowed, as migrate-filestore strip()s it) -> 3; 0 if not a version */
static int parse_version(const char *s)
{
    char *end;
    long v;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    if (*s < '0' || *s > '9') return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r') end++;
    return errno || *end || v <= 0 || v > INT_MAX ? 0 : (int)v;
}

static void version_free(src_version *v)
{
    free(v->source);
    free(v->run_id);
    free(v->description);
    free(v->status);
    free(v->user_id);
    free(v->run_link);
    free(v->storage_location);
    free(v->stage);
    free(v->model_id);
    kv_free(&v->tags);
}

static void model_free(src_model *m)
{
    size_t i;
    for (i = 0; i < m->nv; i++) version_free(&m->v[i]);
    free(m->v);
    free(m->name);
    free(m->description);
    kv_free(&m->tags);
    kv_free(&m->aliases);
    memset(m, 0, sizeof *m);
}

/* version-<N>/meta.yaml into v; 1 when skipped (a problem), 0 read, -1 out of memory */
static int read_version(src_store *s, const char *mrel, const char *dir, src_version *v, src_problems *p)
{
    char why[512];
    sbuf rel = {0};
    src_ydoc d;
    long long num = 0;
    int lr, rc = 0;
    memset(v, 0, sizeof *v);
    sb_printf(&rel, "%s/%s/meta.yaml", mrel, dir);
    if (rel.oom) return -1;
    lr = src_yaml_load(s->root_fd, rel.s, &d, why, sizeof why);
    if (lr != 0) {
        src_problems_add(p, lr == 1 ? SRC_SKIPPED_FOLDER : SRC_MALFORMED, rel.s, 0, "%s: the version is skipped",
                         lr == 1 ? "missing" : why);
        sb_free(&rel);
        return 1;
    }
    if (src_yint(&d, 0, "version", &num) != 1) num = parse_version(dir + 8); /* "version-3" */
    if (num <= 0 || num > INT_MAX) {
        src_problems_add(p, SRC_MALFORMED, rel.s, 0, "no valid version number: the version is skipped");
        rc = 1;
    } else {
        const char *stage = src_ystr(&d, 0, "current_stage");
        v->version = (int)num;
        v->deleted = stage && !strcmp(stage, "Deleted_Internal");
        v->stage = xstrdup(stage && !v->deleted ? stage : "None");
        v->source = xstrdup(src_ystr(&d, 0, "source") ? src_ystr(&d, 0, "source") : "");
        v->run_id = nonempty_dup(&d, "run_id");
        v->description = opt_dup(src_ystr(&d, 0, "description"));
        v->status = opt_dup(src_ystr(&d, 0, "status"));
        v->user_id = opt_dup(src_ystr(&d, 0, "user_id"));
        v->run_link = opt_dup(src_ystr(&d, 0, "run_link"));
        v->storage_location = opt_dup(src_ystr(&d, 0, "storage_location"));
        v->model_id = nonempty_dup(&d, "model_id");
        v->creation_time = yll(&d, "creation_timestamp");
        v->last_updated_time = yll(&d, "last_updated_timestamp");
        if (!v->stage || !v->source) rc = -1;
    }
    src_ydoc_free(&d);
    sb_free(&rel);
    if (rc == 0) {
        sb_printf(&rel, "%s/%s/tags", mrel, dir);
        rc = rel.oom ? -1 : srcfs_read_values(s->root_fd, rel.s, rel.s, &v->tags, p);
        sb_free(&rel);
    }
    if (rc != 0) version_free(v);
    return rc;
}

static int version_cmp(const void *a, const void *b)
{
    const src_version *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

/* every version-<N> folder of a model, sorted; a number seen twice keeps the first */
static int read_versions(src_store *s, src_model *m, const char *mrel, const srcfs_entry *e, size_t n,
                         src_problems *p)
{
    size_t i, j, k = 0;
    for (i = 0; i < n; i++) {
        src_version v;
        src_version *nv;
        int r;
        if (strncmp(e[i].name, "version-", 8) != 0 || e[i].type != SRCFS_T_DIR) continue;
        r = read_version(s, mrel, e[i].name, &v, p);
        if (r < 0) return -1;
        if (r > 0) continue;
        if (!(nv = realloc(m->v, (m->nv + 1) * sizeof *nv))) {
            version_free(&v);
            return -1;
        }
        m->v = nv;
        m->v[m->nv++] = v;
    }
    if (m->nv > 1) qsort(m->v, m->nv, sizeof *m->v, version_cmp);
    for (i = 0; i < m->nv; i = j) {
        for (j = i + 1; j < m->nv && m->v[j].version == m->v[i].version; j++) {
            src_problems_add(p, SRC_MALFORMED, mrel, 0, "two folders hold version %d: one is skipped", m->v[j].version);
            version_free(&m->v[j]);
        }
        m->v[k++] = m->v[i];
    }
    m->nv = k;
    return 0;
}

/* aliases/<alias> files hold a version number; anything else is a problem */
static int clean_aliases(src_model *m, const char *mrel, src_problems *p)
{
    size_t i, k = 0;
    for (i = 0; i < m->aliases.n; i++) {
        kvpair *a = &m->aliases.v[i];
        int num = parse_version(a->value);
        char text[16];
        if (!num) {
            sbuf rel = {0};
            sb_printf(&rel, "%s/aliases/%s", mrel, a->key);
            src_problems_add(p, SRC_MALFORMED, rel.s ? rel.s : mrel, 0, "does not hold a version number: skipped");
            sb_free(&rel);
            free(a->key);
            free(a->value);
            continue;
        }
        snprintf(text, sizeof text, "%d", num);
        if (strcmp(text, a->value) != 0) {
            char *t = xstrdup(text);
            if (!t) return -1;
            free(a->value);
            a->value = t;
        }
        m->aliases.v[k++] = *a;
    }
    m->aliases.n = k;
    return 0;
}

/* models/<dir>: 1 when skipped (a problem), 0 read, -1 out of memory */
static int read_model(src_store *s, const char *dir, src_model *m, src_problems *p)
{
    char why[512];
    sbuf rel = {0}, sub = {0};
    src_ydoc d;
    srcfs_entry *e = NULL;
    size_t n = 0;
    int lr, rc = 0, fd, err = 0;
    memset(m, 0, sizeof *m);
    sb_printf(&rel, "models/%s", dir);
    sb_printf(&sub, "%s/meta.yaml", rel.s ? rel.s : "");
    if (rel.oom || sub.oom) rc = -1;
    else if ((lr = src_yaml_load(s->root_fd, sub.s, &d, why, sizeof why)) != 0) {
        src_problems_add(p, lr == 1 ? SRC_SKIPPED_FOLDER : SRC_MALFORMED, lr == 1 ? rel.s : sub.s, 0,
                         "%s: the registered model is skipped", lr == 1 ? "no meta.yaml" : why);
        rc = 1;
    } else {
        m->name = xstrdup(src_ystr(&d, 0, "name") ? src_ystr(&d, 0, "name") : dir);
        m->description = opt_dup(src_ystr(&d, 0, "description"));
        m->creation_time = yll(&d, "creation_timestamp");
        m->last_updated_time = yll(&d, "last_updated_timestamp");
        src_ydoc_free(&d);
        if (!m->name) rc = -1;
    }
    sb_free(&sub);
    if (rc == 0) {
        sb_printf(&sub, "%s/tags", rel.s);
        if (sub.oom || srcfs_read_values(s->root_fd, sub.s, sub.s, &m->tags, p) != 0) rc = -1;
        sb_free(&sub);
        sb_printf(&sub, "%s/aliases", rel.s);
        if (rc || sub.oom || srcfs_read_values(s->root_fd, sub.s, sub.s, &m->aliases, p) != 0 ||
            clean_aliases(m, rel.s, p) != 0)
            rc = -1;
        sb_free(&sub);
    }
    if (rc == 0 && (fd = srcfs_open_dir(s->root_fd, rel.s, &err)) >= 0) {
        if (srcfs_list(fd, &e, &n) != 0) rc = errno == ENOMEM ? -1 : 0;
        close(fd);
        if (rc == 0) rc = read_versions(s, m, rel.s, e, n, p);
        srcfs_list_free(e, n);
    }
    sb_free(&rel);
    if (rc != 0) model_free(m);
    return rc;
}

int src_registry_read(src_store *s, src_registry *out, tool_err *e)
{
    srcfs_entry *v = NULL;
    size_t n = 0, i;
    int why = 0, fd = srcfs_open_dir(s->root_fd, "models", &why), rc = 0;
    memset(out, 0, sizeof *out);
    err_clear(e);
    if (fd < 0) {
        if (why != ENOENT) src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, "models", 0, "%s", srcfs_why(why));
        return 0;
    }
    if (srcfs_list(fd, &v, &n) != 0) {
        src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, "models", 0, "cannot be listed: %s", strerror(errno));
        n = 0;
    }
    close(fd);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    for (i = 0; out->v && i < n && rc >= 0; i++) {
        if (v[i].type == SRCFS_T_LINK) {
            src_problem_at(&out->problems, SRC_SKIPPED_FOLDER, "models", v[i].name, srcfs_why(SRCFS_LINK));
            continue;
        }
        if (v[i].type != SRCFS_T_DIR) continue; /* plain files: MLflow lists folders only */
        rc = read_model(s, v[i].name, &out->v[out->n], &out->problems);
        if (rc == 0) out->n++;
    }
    srcfs_list_free(v, n);
    if (!out->v || rc < 0) {
        src_registry_free(out);
        return err_set(e, EXIT_FAILED, "models", "out of memory while reading the registry");
    }
    return 0;
}

void src_registry_free(src_registry *r)
{
    size_t i;
    for (i = 0; i < r->n; i++) model_free(&r->v[i]);
    free(r->v);
    src_problems_free(&r->problems);
    memset(r, 0, sizeof *r);
}
