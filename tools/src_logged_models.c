/* tools/src_logged_models.c — MLflow 3 LoggedModels: <exp>/models/<model_id>/
 * with meta.yaml (status an int: 1 PENDING, 2 READY, 3 FAILED), params/,
 * tags/, metrics/ (lines "ts value step run_id [dataset digest]") and, with
 * the default artifact root, artifacts/. A model whose meta.yaml says
 * lifecycle_stage deleted is not listed (MLflow's get_logged_model hides it
 * too). */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *opt_dup(const char *v) { return v ? xstrdup(v) : NULL; }

/* the status as a number: MLflow writes the int, migrate-filestore also accepts names */
static int lm_status(const src_ydoc *d)
{
    static const char *const names[] = {"UNSPECIFIED", "PENDING", "READY", "FAILED"};
    const char *t = src_ystr(d, 0, "status");
    long long v;
    int i;
    if (src_yint(d, 0, "status", &v) == 1) return v >= 0 && v <= 3 ? (int)v : 0;
    for (i = 0; t && i < 4; i++)
        if (!strcmp(t, names[i]) || (!strncmp(t, "LOGGED_MODEL_", 13) && !strcmp(t + 13, names[i]))) return i;
    return 0;
}

/* a model id from outside (a models:/ source): one plain path component */
static int safe_id(const char *id) { return *id && !strchr(id, '/') && strcmp(id, ".") && strcmp(id, ".."); }

/* the checks MLflow makes; NULL when fine */
static const char *lm_identity_problem(const src_ydoc *d, const char *exp_id, const char *id)
{
    const char *mid = src_ystr(d, 0, "model_id"), *eid = src_ystr(d, 0, "experiment_id");
    if (mid && strcmp(mid, id) != 0) return "meta.yaml names another model_id than its folder: skipped";
    if (eid && strcmp(eid, exp_id) != 0) return "meta.yaml names another experiment: MLflow refuses it";
    return NULL;
}

/* <exp_rel>/models/<id> into m. 0 read, 1 skipped (deleted, or a problem), -1 out of memory */
static int read_model(src_store *s, const char *exp_rel, const char *exp_id, const char *id, src_logged_model *m,
                      src_problems *p)
{
    char why[512];
    sbuf rel = {0}, sub = {0};
    src_ydoc d;
    const char *bad, *stage;
    int lr, rc = 0;
    memset(m, 0, sizeof *m);
    sb_printf(&rel, "%s/models/%s", exp_rel, id);
    sb_printf(&sub, "%s/meta.yaml", rel.s ? rel.s : "");
    if (rel.oom || sub.oom) rc = -1;
    else if ((lr = src_yaml_load(s->root_fd, sub.s, &d, why, sizeof why)) != 0) {
        src_problems_add(p, lr == 1 ? SRC_SKIPPED_FOLDER : SRC_MALFORMED, lr == 1 ? rel.s : sub.s, 0,
                         "%s: the LoggedModel is skipped", lr == 1 ? "no meta.yaml" : why);
        rc = 1;
    } else {
        if ((bad = lm_identity_problem(&d, exp_id, id)) != NULL) src_problems_add(p, SRC_SKIPPED_FOLDER, rel.s, 0, "%s", bad);
        stage = src_ystr(&d, 0, "lifecycle_stage");
        rc = bad || (stage && !strcmp(stage, "deleted")) ? 1 : 0;
        if (rc == 0) {
            m->id = xstrdup(id);
            m->experiment_id = xstrdup(exp_id);
            m->name = xstrdup(src_ystr(&d, 0, "name") ? src_ystr(&d, 0, "name") : id);
            m->source_run_id = opt_dup(src_ystr(&d, 0, "source_run_id"));
            m->model_type = opt_dup(src_ystr(&d, 0, "model_type"));
            m->artifact_location = xstrdup(src_ystr(&d, 0, "artifact_location") ? src_ystr(&d, 0, "artifact_location") : "");
            m->status = lm_status(&d);
            m->status_message = opt_dup(src_ystr(&d, 0, "status_message"));
            src_yint(&d, 0, "creation_timestamp", &m->creation_time);
            src_yint(&d, 0, "last_updated_timestamp", &m->last_updated_time);
            m->rel = rel.s;
            rel.s = NULL;
            if (!m->id || !m->experiment_id || !m->name || !m->artifact_location) rc = -1;
        }
        src_ydoc_free(&d);
    }
    sb_free(&sub);
    if (rc == 0) {
        sb_printf(&sub, "%s/params", m->rel);
        if (sub.oom || srcfs_read_values(s->root_fd, sub.s, sub.s, &m->params, p) != 0) rc = -1;
        sb_free(&sub);
        sb_printf(&sub, "%s/tags", m->rel);
        if (rc || sub.oom || srcfs_read_values(s->root_fd, sub.s, sub.s, &m->tags, p) != 0) rc = -1;
        sb_free(&sub);
    }
    sb_free(&rel);
    if (rc != 0) src_logged_model_free(m);
    return rc;
}

int src_logged_models_read(src_store *s, const src_exp *x, src_logged_models *out, tool_err *e)
{
    sbuf rel = {0};
    srcfs_entry *v = NULL;
    size_t n = 0, i;
    int why = 0, fd, rc = 0;
    memset(out, 0, sizeof *out);
    err_clear(e);
    sb_printf(&rel, "%s/models", x->rel);
    if (rel.oom) return err_set(e, EXIT_FAILED, x->rel, "out of memory");
    fd = srcfs_open_dir(s->root_fd, rel.s, &why);
    if (fd < 0 && why != ENOENT) src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, rel.s, 0, "%s", srcfs_why(why));
    if (fd >= 0 && srcfs_list(fd, &v, &n) != 0) n = 0;
    if (fd >= 0) close(fd);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    for (i = 0; out->v && i < n && rc >= 0; i++) {
        if (v[i].type != SRCFS_T_DIR) {
            src_problem_at(&out->problems, SRC_SKIPPED_FILE, rel.s, v[i].name,
                           v[i].type == SRCFS_T_LINK ? srcfs_why(SRCFS_LINK) : "not a LoggedModel folder");
            continue;
        }
        rc = read_model(s, x->rel, x->id, v[i].name, &out->v[out->n], &out->problems);
        if (rc == 0) out->n++;
    }
    srcfs_list_free(v, n);
    sb_free(&rel);
    if (!out->v || rc < 0) {
        src_logged_models_free(out);
        return err_set(e, EXIT_FAILED, x->rel, "out of memory while reading LoggedModels");
    }
    return 0;
}

/* the experiment folder holding models/<id>: "<name>" or ".trash/<name>", malloc'd; NULL if none */
static char *find_model_folder(src_store *s, const char *id, char **exp_id)
{
    static const char *const parents[] = {"", ".trash"};
    size_t k, i;
    for (k = 0; k < 2; k++) {
        srcfs_entry *v = NULL;
        size_t n = 0;
        int why = 0, fd = srcfs_open_dir(s->root_fd, parents[k], &why);
        char *found = NULL;
        if (fd < 0) continue;
        if (srcfs_list(fd, &v, &n) != 0) n = 0;
        for (i = 0; i < n && !found; i++) {
            sbuf p = {0};
            struct stat st;
            if (v[i].type != SRCFS_T_DIR || (!k && (!strcmp(v[i].name, ".trash") || !strcmp(v[i].name, "models"))))
                continue;
            sb_printf(&p, "%s/models/%s", v[i].name, id);
            if (!p.oom && srcfs_stat_entry(fd, p.s, &st) == 0 && S_ISDIR(st.st_mode)) {
                sb_free(&p);
                sb_printf(&p, "%s%s%s", parents[k], k ? "/" : "", v[i].name);
                found = p.s;
                *exp_id = xstrdup(v[i].name);
            } else
                sb_free(&p);
        }
        srcfs_list_free(v, n);
        close(fd);
        if (found) return found;
    }
    return NULL;
}

int src_logged_model_find(src_store *s, const char *model_id, src_logged_model *out, tool_err *e)
{
    char *exp_id = NULL, *exp_rel = safe_id(model_id) ? find_model_folder(s, model_id, &exp_id) : NULL;
    src_problems p = {0};
    int rc;
    memset(out, 0, sizeof *out);
    err_clear(e);
    if (!exp_rel || !exp_id) {
        free(exp_rel);
        free(exp_id);
        return -1;
    }
    rc = read_model(s, exp_rel, exp_id, model_id, out, &p);
    if (rc < 0) err_set(e, EXIT_FAILED, model_id, "out of memory");
    else if (rc > 0 && p.n) err_set(e, EXIT_SOURCE, p.v[0].path, "%s", p.v[0].why);
    src_problems_free(&p); /* a param or tag skipped: the listing by experiment reports those */
    free(exp_rel);
    free(exp_id);
    if (rc == 0) return 0;
    return rc < 0 ? EXIT_FAILED : e->code ? e->code : -1; /* deleted: absent, as for MLflow */
}

void src_logged_model_free(src_logged_model *m)
{
    free(m->id);
    free(m->experiment_id);
    free(m->name);
    free(m->source_run_id);
    free(m->model_type);
    free(m->artifact_location);
    free(m->status_message);
    free(m->rel);
    kv_free(&m->params);
    kv_free(&m->tags);
    memset(m, 0, sizeof *m);
}

void src_logged_models_free(src_logged_models *m)
{
    size_t i;
    for (i = 0; i < m->n; i++) src_logged_model_free(&m->v[i]);
    free(m->v);
    src_problems_free(&m->problems);
    memset(m, 0, sizeof *m);
}

/* ---- metrics ------------------------------------------------------------------------ */

typedef struct lm_metrics {
    src_lm_metric *v; size_t n, cap;
    const char *key, *path;            /* the file being read */
    src_problems *p;
} lm_metrics;

static int lm_line(void *vctx, const char *line, size_t len, long lineno, int last)
{
    lm_metrics *c = vctx;
    src_lm_metric m, *nv;
    const char *why = NULL;
    (void)last;
    if (src_parse_lm_metric_line(line, len, &m, &why) != 0) {
        src_problems_add(c->p, SRC_MALFORMED, c->path, lineno, "%s: the line is skipped", why ? why : "malformed");
        return why && !strcmp(why, "out of memory") ? -1 : 0;
    }
    if (!(nv = src_grow(c->v, &c->cap, c->n, sizeof *nv, 16))) goto oom;
    c->v = nv;
    if (!(m.key = xstrdup(c->key))) goto oom;
    c->v[c->n++] = m;
    return 0;
oom:
    free(m.run_id);
    free(m.dataset_name);
    free(m.dataset_digest);
    return -1;
}

static int lm_metric_file(void *vctx, int dir_fd, const char *key, const srcfs_entry *e)
{
    lm_metrics *c = vctx;
    const char *prefix = c->path;
    sbuf path = {0};
    size_t len = 0;
    int why = 0, rc = 0;
    char *buf;
    if (e->type == SRCFS_T_DIR) return 1;
    if (e->type != SRCFS_T_REG || !src_valid_key(key)) {
        src_problem_at(c->p, SRC_SKIPPED_FILE, prefix, key,
                       e->type == SRCFS_T_REG ? SRC_BAD_KEY_WHY
                                              : srcfs_why(e->type == SRCFS_T_LINK ? SRCFS_LINK : SRCFS_NOT_REGULAR));
        return 0;
    }
    if (!(buf = srcfs_read(dir_fd, e->name, SRC_VALUE_MAX_BYTES, &len, &why))) {
        src_problem_at(c->p, SRC_SKIPPED_FILE, prefix, key, srcfs_why(why));
        return why == ENOMEM ? -1 : 0;
    }
    sb_printf(&path, "%s/%s", prefix, key);
    c->key = key;
    c->path = path.s ? path.s : prefix;
    rc = path.oom ? -1 : src_split_lines(buf, len, lm_line, c);
    c->path = prefix;
    sb_free(&path);
    free(buf);
    return rc;
}

int src_logged_model_metrics(src_store *s, const src_logged_model *m, src_lm_metric **out, size_t *n,
                             src_problems *problems, tool_err *e)
{
    lm_metrics c;
    sbuf rel = {0};
    int why = 0, fd, rc = 0;
    *out = NULL;
    *n = 0;
    err_clear(e);
    memset(&c, 0, sizeof c);
    sb_printf(&rel, "%s/metrics", m->rel);
    if (rel.oom) return err_set(e, EXIT_FAILED, m->rel, "out of memory");
    fd = srcfs_open_dir(s->root_fd, rel.s, &why);
    if (fd < 0 && why != ENOENT) src_problems_add(problems, SRC_SKIPPED_FOLDER, rel.s, 0, "%s", srcfs_why(why));
    if (fd >= 0) {
        c.path = rel.s;
        c.p = problems;
        rc = srcfs_walk(fd, rel.s, lm_metric_file, &c, problems);
        close(fd);
    }
    sb_free(&rel);
    if (rc != 0) {
        src_lm_metrics_free(c.v, c.n);
        return err_set(e, EXIT_FAILED, m->rel, "out of memory while reading LoggedModel metrics");
    }
    *out = c.v;
    *n = c.n;
    return 0;
}

void src_lm_metrics_free(src_lm_metric *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].run_id);
        free(v[i].dataset_name);
        free(v[i].dataset_digest);
    }
    free(v);
}

/* ---- artifacts ---------------------------------------------------------------------- */

static char *own_folder(const src_logged_model *m)
{
    sbuf b = {0};
    sb_printf(&b, "%s/artifacts", m->rel);
    return b.s;
}

int src_logged_model_artifacts(src_store *s, const src_logged_model *m, src_artifacts *out, tool_err *e)
{
    char *own = own_folder(m);
    int rc = own ? src_art_list(s, m->artifact_location, own, m->rel, out, e) : err_set(e, EXIT_FAILED, m->rel, "out of memory");
    free(own);
    return rc;
}

int src_logged_model_artifact_open(src_store *s, const src_logged_model *m, const char *rel, long long *size,
                                   tool_err *e)
{
    char *own = own_folder(m);
    int fd = own ? src_art_open(s, m->artifact_location, own, m->rel, rel, size, e) : -1;
    if (!own) err_set(e, EXIT_FAILED, m->rel, "out of memory");
    free(own);
    return fd;
}
