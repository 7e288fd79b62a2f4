/* tools/src_run.c — one run's files: params/ and tags/ (the values exactly as
 * MLflow reads them: whole file, no stripping), the list of metrics/ files
 * with their sizes, and the inputs/ (datasets, models) and outputs/
 * (LoggedModels) records. Every file skipped is a problem in out->problems. */
#define _POSIX_C_SOURCE 200809L
#include "src_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *joinp(const char *a, const char *b)
{
    sbuf p = {0};
    sb_printf(&p, "%s/%s", a, b);
    return p.s;
}

/* ---- metric files ---------------------------------------------------------------------- */

typedef struct metric_list {
    src_run_files *out;
    const char *prefix;
    size_t cap;                        /* of out->metrics */
} metric_list;

static int add_metric_file(void *vctx, int dir_fd, const char *key, const srcfs_entry *e)
{
    metric_list *c = vctx;
    src_run_files *f = c->out;
    struct stat st;
    src_metric_file *nv;
    if (e->type == SRCFS_T_DIR) return 1;
    if (e->type != SRCFS_T_REG) {
        src_problem_at(&f->problems, SRC_SKIPPED_FILE, c->prefix, key,
                       srcfs_why(e->type == SRCFS_T_LINK ? SRCFS_LINK : SRCFS_NOT_REGULAR));
        return 0;
    }
    if (!src_valid_key(key)) {
        src_problem_at(&f->problems, SRC_SKIPPED_FILE, c->prefix, key, SRC_BAD_KEY_WHY);
        return 0;
    }
    if (srcfs_stat_entry(dir_fd, e->name, &st) != 0) return 0; /* gone since the listing */
    if (!(nv = src_grow(f->metrics, &c->cap, f->nmetrics, sizeof *nv, 64))) return -1;
    f->metrics = nv;
    f->metrics[f->nmetrics].key = xstrdup(key);
    f->metrics[f->nmetrics].size = (long long)st.st_size;
    if (!f->metrics[f->nmetrics].key) return -1;
    f->nmetrics++;
    return 0;
}

static int metric_file_cmp(const void *a, const void *b)
{
    return strcmp(((const src_metric_file *)a)->key, ((const src_metric_file *)b)->key);
}

/* a flat metrics/ folder is listed in order already: no second sort */
static int sorted_by_key(const src_run_files *f)
{
    size_t i;
    for (i = 1; i < f->nmetrics; i++)
        if (strcmp(f->metrics[i - 1].key, f->metrics[i].key) > 0) return 0;
    return 1;
}

static int list_metrics(src_store *s, const src_run *r, src_run_files *out)
{
    char *rel = joinp(r->rel, "metrics");
    metric_list c;
    int why = 0, fd = rel ? srcfs_open_dir(s->root_fd, rel, &why) : -1, rc = 0;
    if (!rel) return -1;
    if (fd < 0) {
        if (why != ENOENT) src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, rel, 0, "%s", srcfs_why(why));
        free(rel);
        return why == ENOMEM ? -1 : 0;
    }
    c.out = out;
    c.prefix = rel;
    c.cap = 0;
    rc = srcfs_walk(fd, rel, add_metric_file, &c, &out->problems);
    close(fd);
    free(rel);
    if (!sorted_by_key(out)) qsort(out->metrics, out->nmetrics, sizeof *out->metrics, metric_file_cmp);
    return rc;
}

/* ---- inputs and outputs ------------------------------------------------------------------- */

static char *ydup(const src_ydoc *d, size_t map, const char *key)
{
    const char *v = src_ystr(d, map, key);
    return v ? xstrdup(v) : NULL;
}

/* <exp>/datasets/<id>/meta.yaml into a dataset input with the input's own tags */
static int add_dataset_input(src_store *s, const src_run *r, const src_ydoc *in, const char *source_id,
                             src_run_files *out)
{
    char why[512];
    sbuf rel = {0};
    src_ydoc d;
    src_dataset_input *di, *nv;
    const src_ynode *k, *v = NULL, *tags = src_yget(in, 0, "tags");
    size_t tmap = tags ? src_ynode_index(in, tags) : (size_t)-1;
    int lr;
    sb_printf(&rel, "%s/datasets/%s/meta.yaml", r->exp->rel, source_id);
    if (rel.oom) return -1;
    lr = strchr(source_id, '/') || !strcmp(source_id, "..") ? 1 : src_yaml_load(s->root_fd, rel.s, &d, why, sizeof why);
    if (lr != 0) {
        src_problems_add(&out->problems, lr == 1 ? SRC_SKIPPED_FILE : SRC_MALFORMED, rel.s, 0, "%s",
                         lr == 1 ? "the dataset this run names as an input is missing: the input is skipped" : why);
        sb_free(&rel);
        return 0;
    }
    sb_free(&rel);
    if (!(nv = realloc(out->inputs, (out->ninputs + 1) * sizeof *nv))) { /* a run has a few inputs */
        src_ydoc_free(&d);
        return -1;
    }
    out->inputs = nv;
    di = &out->inputs[out->ninputs++];
    memset(di, 0, sizeof *di);
    di->name = ydup(&d, 0, "name");
    di->digest = ydup(&d, 0, "digest");
    di->source_type = ydup(&d, 0, "source_type");
    di->source = ydup(&d, 0, "source");
    di->schema = ydup(&d, 0, "schema");
    di->profile = ydup(&d, 0, "profile");
    src_ydoc_free(&d);
    for (k = tags ? src_ypair(in, tmap, NULL, &v) : NULL; k; k = src_ypair(in, tmap, k, &v))
        if (src_ytext(in, k) && src_ytext(in, v) && kv_add(&di->tags, src_ytext(in, k), src_ytext(in, v)) != 0)
            return -1;
    return 0;
}

static int add_model_input(src_run_files *out, const char *model_id)
{
    char **nv = realloc(out->model_inputs, (out->nmodel_inputs + 1) * sizeof *nv);
    if (!nv) return -1;
    out->model_inputs = nv;
    if (!(nv[out->nmodel_inputs] = xstrdup(model_id))) return -1;
    out->nmodel_inputs++;
    return 0;
}

static int add_model_output(src_run_files *out, const char *model_id, long long step)
{
    src_model_output *nv = realloc(out->outputs, (out->noutputs + 1) * sizeof *nv);
    if (!nv) return -1;
    out->outputs = nv;
    nv[out->noutputs].step = step;
    if (!(nv[out->noutputs].model_id = xstrdup(model_id))) return -1;
    out->noutputs++;
    return 0;
}

/* one record folder below inputs/ or outputs/ */
static int read_link_record(src_store *s, const src_run *r, const char *dir, const char *name, src_run_files *out)
{
    char why[512];
    sbuf rel = {0};
    src_ydoc d;
    int lr, rc = 0, outputs = strcmp(dir, "outputs") == 0;
    sb_printf(&rel, "%s/%s/%s/meta.yaml", r->rel, dir, name);
    if (rel.oom) return -1;
    lr = src_yaml_load(s->root_fd, rel.s, &d, why, sizeof why);
    if (lr != 0) {
        src_problems_add(&out->problems, lr == 1 ? SRC_SKIPPED_FOLDER : SRC_MALFORMED, rel.s, 0, "%s",
                         lr == 1 ? "missing: this input/output record is skipped" : why);
    } else if (outputs) {
        const char *type = src_ystr(&d, 0, "destination_type"), *id = src_ystr(&d, 0, "destination_id");
        long long step = 0;
        src_yint(&d, 0, "step", &step);
        if (type && !strcmp(type, "MODEL_OUTPUT")) rc = add_model_output(out, id ? id : name, step);
    } else {
        const char *type = src_ystr(&d, 0, "source_type"), *id = src_ystr(&d, 0, "source_id");
        if (type && id && !strcmp(type, "DATASET")) rc = add_dataset_input(s, r, &d, id, out);
        else if (type && id && !strcmp(type, "MODEL")) rc = add_model_input(out, id);
    }
    if (lr == 0) src_ydoc_free(&d);
    sb_free(&rel);
    return rc;
}

/* every record folder below <run>/inputs or <run>/outputs */
static int read_links(src_store *s, const src_run *r, const char *dir, src_run_files *out)
{
    char *rel = joinp(r->rel, dir);
    int why = 0, fd = rel ? srcfs_open_dir(s->root_fd, rel, &why) : -1, rc = 0;
    srcfs_entry *v = NULL;
    size_t n = 0, i;
    if (!rel) return -1;
    if (fd >= 0 && srcfs_list(fd, &v, &n) != 0) why = errno;
    if (fd >= 0) close(fd);
    if (why && why != ENOENT) src_problems_add(&out->problems, SRC_SKIPPED_FOLDER, rel, 0, "%s", srcfs_why(why));
    for (i = 0; i < n && rc == 0; i++) {
        if (v[i].type == SRCFS_T_DIR) rc = read_link_record(s, r, dir, v[i].name, out);
        else src_problem_at(&out->problems, SRC_SKIPPED_FILE, rel, v[i].name,
                            v[i].type == SRCFS_T_LINK ? srcfs_why(SRCFS_LINK) : "not a record folder");
    }
    srcfs_list_free(v, n);
    free(rel);
    return why == ENOMEM ? -1 : rc;
}

/* ---- the run ----------------------------------------------------------------------------- */

static int read_values(src_store *s, const src_run *r, const char *dir, kvlist *out, src_problems *p)
{
    char *rel = joinp(r->rel, dir);
    int rc = rel ? srcfs_read_values(s->root_fd, rel, rel, out, p) : -1;
    free(rel);
    return rc;
}

int src_run_read(src_store *s, const src_run *r, unsigned what, src_run_files *out, tool_err *e)
{
    int why = 0, fd = srcfs_open_dir(s->root_fd, r->rel, &why), rc = 0;
    memset(out, 0, sizeof *out);
    err_clear(e);
    if (fd < 0) return err_set(e, EXIT_SOURCE, r->rel, "the run folder cannot be read: %s", srcfs_why(why));
    close(fd);
    if (what & SRC_READ_PARAMS) rc = read_values(s, r, "params", &out->params, &out->problems);
    if (rc == 0 && (what & SRC_READ_TAGS)) rc = read_values(s, r, "tags", &out->tags, &out->problems);
    if (rc == 0 && (what & SRC_READ_METRICS)) rc = list_metrics(s, r, out);
    if (rc == 0 && (what & SRC_READ_INPUTS)) rc = read_links(s, r, "inputs", out);
    if (rc == 0 && (what & SRC_READ_OUTPUTS)) rc = read_links(s, r, "outputs", out);
    if (rc != 0) {
        src_run_files_free(out);
        return err_set(e, EXIT_FAILED, r->rel, "out of memory while reading the run");
    }
    return 0;
}

void src_run_files_free(src_run_files *f)
{
    size_t i;
    kv_free(&f->params);
    kv_free(&f->tags);
    for (i = 0; i < f->nmetrics; i++) free(f->metrics[i].key);
    free(f->metrics);
    for (i = 0; i < f->ninputs; i++) {
        src_dataset_input *d = &f->inputs[i];
        free(d->name);
        free(d->digest);
        free(d->source_type);
        free(d->source);
        free(d->schema);
        free(d->profile);
        kv_free(&d->tags);
    }
    free(f->inputs);
    for (i = 0; i < f->nmodel_inputs; i++) free(f->model_inputs[i]);
    free(f->model_inputs);
    for (i = 0; i < f->noutputs; i++) free(f->outputs[i].model_id);
    free(f->outputs);
    src_problems_free(&f->problems);
    memset(f, 0, sizeof *f);
}

char *src_run_read_value(src_store *s, const src_run *r, const char *dir, const char *key)
{
    sbuf rel = {0};
    size_t len = 0;
    int why = 0;
    char *v;
    if (!src_valid_key(key)) return NULL;
    sb_printf(&rel, "%s/%s/%s", r->rel, dir, key);
    v = rel.s ? srcfs_read(s->root_fd, rel.s, SRC_VALUE_MAX_BYTES, &len, &why) : NULL;
    sb_free(&rel);
    if (v && memchr(v, '\0', len)) {
        free(v);
        v = NULL;
    }
    return v;
}
