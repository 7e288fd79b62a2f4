/* tools/src_store.c — SRC's experiments and runs: every <exp>/meta.yaml and
 * <exp>/<run>/meta.yaml, read the way MLflow's FileStore reads them, into
 * src_exp/src_run; the hashed run index; the nesting order; and a problem
 * record for every folder that is skipped. One bad experiment or run never
 * stops the others (MLflow's own listing fails as a whole on some of them,
 * e.g. an empty run meta.yaml). */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath() with a buffer (XSI) */
#include "src_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- problems ------------------------------------------------------------------- */

void src_problems_add(src_problems *p, int kind, const char *path, long line, const char *fmt, ...)
{
    sbuf why = {0};
    char tmp[1024];
    va_list ap;
    src_problem *nv = src_grow(p->v, &p->cap, p->n, sizeof *nv, 8);
    if (!nv) return; /* out of memory: the record is lost, nothing else */
    p->v = nv;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_puts(&why, tmp);
    p->v[p->n].kind = kind;
    p->v[p->n].path = xstrdup(path ? path : "");
    p->v[p->n].why = why.s;
    p->v[p->n].line = line;
    if (!p->v[p->n].path || !p->v[p->n].why) {
        free(p->v[p->n].path);
        free(p->v[p->n].why);
        return;
    }
    p->n++;
}

void src_problems_merge(src_problems *p, const src_problems *q)
{
    size_t i;
    for (i = 0; i < q->n; i++) src_problems_add(p, q->v[i].kind, q->v[i].path, q->v[i].line, "%s", q->v[i].why);
}

void src_problems_free(src_problems *p)
{
    size_t i;
    for (i = 0; i < p->n; i++) {
        free(p->v[i].path);
        free(p->v[i].why);
    }
    free(p->v);
    memset(p, 0, sizeof *p);
}

/* ---- run status ---------------------------------------------------------------- */

static const char *const status_names[] = {"", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};

const char *src_status_name(int status) { return status >= 1 && status <= 5 ? status_names[status] : "RUNNING"; }

int src_status_parse(const char *s)
{
    int i;
    char *end;
    long v;
    if (!s || !*s) return 0;
    v = strtol(s, &end, 10);
    if (!*end) return v >= 1 && v <= 5 ? (int)v : 0;
    for (i = 1; i <= 5; i++)
        if (strcmp(s, status_names[i]) == 0) return i;
    return 0;
}

/* ---- small helpers -------------------------------------------------------------------- */

static char *joinp(const char *a, const char *b)
{
    sbuf p = {0};
    sb_printf(&p, "%s%s%s", a, *a ? "/" : "", b);
    return p.s;
}

static char *dup_or_empty(const char *v) { return xstrdup(v ? v : ""); }

/* a value file read at open time (tags/mlflow.parentRunId, tags/mlflow.runName):
   absent or unreadable is NULL; src_run_read reports unreadable ones */
static char *read_tag(const src_store *s, const char *run_rel, const char *key)
{
    char *rel = joinp(run_rel, key), *v;
    int why = 0;
    size_t len = 0;
    v = rel ? srcfs_read(s->root_fd, rel, SRC_VALUE_MAX_BYTES, &len, &why) : NULL;
    free(rel);
    if (v && memchr(v, '\0', len)) {
        free(v);
        v = NULL;
    }
    return v;
}

/* folders below rel that hold a meta.yaml: the runs lost with a skipped experiment */
static size_t count_runs_below(src_store *s, const char *rel)
{
    int why = 0, fd = srcfs_open_dir(s->root_fd, rel, &why);
    srcfs_entry *v;
    size_t n = 0, i, runs = 0;
    if (fd < 0) return 0;
    if (srcfs_list(fd, &v, &n) == 0) {
        for (i = 0; i < n; i++) {
            char *meta = v[i].type == SRCFS_T_DIR ? joinp(v[i].name, "meta.yaml") : NULL;
            struct stat st;
            if (meta && fstatat(fd, meta, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)) runs++;
            free(meta);
        }
        srcfs_list_free(v, n);
    }
    close(fd);
    return runs;
}

/* ---- runs ------------------------------------------------------------------------------- */

enum { RUN_NSTR = 6 };

/* the string fields of a run */
static void run_strings(src_run *r, char **v[RUN_NSTR])
{
    v[0] = &r->id, v[1] = &r->rel, v[2] = &r->name;
    v[3] = &r->user_id, v[4] = &r->artifact_uri, v[5] = &r->parent_id;
}

/* a run being read: its strings are allocated one by one */
static void run_free(src_run *r)
{
    char **v[RUN_NSTR];
    int i;
    if (!r) return;
    run_strings(r, v);
    for (i = 0; i < RUN_NSTR; i++) free(*v[i]);
    free(r);
}

/* rel is "<exp rel>/<id>" (as load_run makes it): the id is its tail */
static int id_ends_rel(const src_run *t)
{
    size_t n = strlen(t->id), m = strlen(t->rel);
    return m > n && t->rel[m - n - 1] == '/' && strcmp(t->rel + m - n, t->id) == 0;
}

/* The run as the store keeps it: one block, the struct and then its strings
   (freed with free()), the id shared with the end of rel. A store holds every
   run for the whole command: one allocation instead of seven and no second
   copy of the id save ~130 bytes a run. NULL: out of memory. */
static src_run *run_packed(const src_run *t)
{
    char **from[RUN_NSTR], **to[RUN_NSTR], *p;
    size_t len[RUN_NSTR], total = sizeof *t;
    src_run tmp = *t, *r;
    int i, share = id_ends_rel(t);
    run_strings(&tmp, from);
    for (i = 0; i < RUN_NSTR; i++) total += len[i] = *from[i] && !(i == 0 && share) ? strlen(*from[i]) + 1 : 0;
    if (!(r = malloc(total))) return NULL;
    *r = *t;
    run_strings(r, to);
    p = (char *)(r + 1);
    for (i = 0; i < RUN_NSTR; i++) {
        *to[i] = len[i] ? memcpy(p, *from[i], len[i]) : NULL;
        p += len[i];
    }
    if (share) r->id = r->rel + strlen(r->rel) - strlen(t->id);
    return r;
}

static const char *run_key(const void *store, size_t i) { return ((const src_store *)store)->runs[i]->id; }

/* t (still the caller's) into the store and its index */
static int keep_run(src_store *s, const src_run *t)
{
    src_run **nv = src_grow(s->runs, &s->capruns, s->nruns, sizeof *nv, 64), *r = nv ? run_packed(t) : NULL;
    if (nv) s->runs = nv;
    if (r) s->runs[s->nruns] = r; /* where the index looks for its key */
    if (!r || keyidx_add(&s->run_index, s->nruns) != 0) {
        free(r);
        return -1;
    }
    s->nruns++;
    return 0;
}

/* the checks MLflow makes before it lists a run; NULL when the run is fine */
static const char *run_identity_problem(const src_ydoc *d, const src_exp *x, const char *name, char *buf, size_t n)
{
    const char *id = src_ystr(d, 0, "run_id"), *eid = src_ystr(d, 0, "experiment_id");
    if (!id) id = src_ystr(d, 0, "run_uuid"); /* MLflow 0.x wrote only run_uuid */
    if (!src_valid_run_id(name))
        return "the folder name is not a valid MLflow run id (a letter or digit, then letters, digits, _ or -): "
               "MLflow cannot read this run";
    if (id && strcmp(id, name) != 0) {
        snprintf(buf, n, "meta.yaml says run_id '%.200s', not the folder's name: MLflow refuses this run", id);
        return buf;
    }
    if (eid && strcmp(eid, x->id) != 0) {
        snprintf(buf, n, "meta.yaml says experiment_id '%.200s', not %.200s: MLflow ignores this run ('Wrong "
                 "experiment ID')", eid, x->id);
        return buf;
    }
    return NULL;
}

/* a run folder's meta.yaml, parsed, and its mlflow.parentRunId tag: what every run needs,
   read ahead on several threads (read_runs_ahead) and then taken in folder order */
typedef struct run_ahead {
    const char *name;                  /* the folder's name (borrowed from the listing) */
    char *rel, *meta;                  /* <exp>/<name>, <exp>/<name>/meta.yaml; NULL when out of memory */
    int lr;                            /* src_yaml_load's answer */
    src_ydoc doc;                      /* when lr == 0 */
    char why[512];                     /* when lr < 0 */
    char *parent_id;                   /* tags/mlflow.parentRunId, or NULL */
} run_ahead;

/* fills r from its meta.yaml (the keys as MLflow's RunInfo reads them) */
static int run_fields(src_store *s, src_run *r, const src_ydoc *d, char **parent_id)
{
    long long v;
    r->name = dup_or_empty(src_ystr(d, 0, "run_name"));
    r->user_id = dup_or_empty(src_ystr(d, 0, "user_id"));
    r->artifact_uri = dup_or_empty(src_ystr(d, 0, "artifact_uri"));
    r->status = src_status_parse(src_ystr(d, 0, "status"));
    if (!r->status) r->status = SRC_RUNNING; /* missing: MLflow's default; unknown: ours */
    if (src_yint(d, 0, "start_time", &v) == 1) r->start_time = v;
    if (src_yint(d, 0, "end_time", &v) == 1) {
        r->end_time = v;
        r->has_end = 1;
    }
    r->parent_id = *parent_id;
    *parent_id = NULL;
    if (r->name && !r->name[0]) { /* MLflow falls back to the mlflow.runName tag */
        char *t = read_tag(s, r->rel, "tags/mlflow.runName");
        if (t) {
            free(r->name);
            r->name = t;
        }
    }
    return r->name && r->user_id && r->artifact_uri ? 0 : -1;
}

/* reads one run folder's meta.yaml and parent tag (thread-safe: touches only a) */
static void read_run_ahead(const src_store *s, const char *exp_rel, run_ahead *a)
{
    a->rel = joinp(exp_rel, a->name);
    a->meta = a->rel ? joinp(a->rel, "meta.yaml") : NULL;
    if (!a->meta) return;
    a->lr = src_yaml_load(s->root_fd, a->meta, &a->doc, a->why, sizeof a->why);
    if (a->lr == 0) a->parent_id = read_tag(s, a->rel, "tags/mlflow.parentRunId");
}

/* <exp>/<name>: one run folder, read ahead into a (whose parts it takes). 0 (loaded,
   skipped or a problem recorded), -1 out of memory */
static int load_run(src_store *s, src_exp *x, run_ahead *a)
{
    char buf[512];
    char *rel = a->rel, *meta = a->meta;
    const char *bad, *name = a->name;
    src_ydoc d = a->doc;
    src_run *r = NULL;
    int rc = 0, lr = a->lr;
    a->rel = a->meta = NULL;
    if (!meta) goto oom;
    if (lr == 1) src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0, "no meta.yaml: not a run (skipped)");
    if (lr != 0) {
        if (lr < 0) src_problems_add(&s->problems, SRC_MALFORMED, meta, 0, "%s: the run is skipped", a->why);
        s->nskipped_runs += lr < 0;
        goto done;
    }
    if ((bad = run_identity_problem(&d, x, name, buf, sizeof buf)) != NULL) {
        src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0, "%s", bad);
        s->nskipped_runs++;
    } else if (keyidx_find(&s->run_index, name) >= 0) {
        src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0,
                         "a run with this id was found in another experiment first: this copy is skipped");
        s->nskipped_runs++;
    } else {
        const char *stage = src_ystr(&d, 0, "lifecycle_stage");
        int deleted = stage && strcmp(stage, "deleted") == 0;
        if (!deleted || s->include_deleted) {
            if (!(r = calloc(1, sizeof *r))) goto oom_doc;
            r->id = xstrdup(name);
            r->rel = rel;
            rel = NULL;
            r->exp = x;
            r->deleted = deleted;
            if (!r->id || run_fields(s, r, &d, &a->parent_id) != 0 || keep_run(s, r) != 0) goto oom_doc;
        }
    }
    src_ydoc_free(&d);
    goto done;
oom_doc:
    src_ydoc_free(&d);
oom:
    rc = -1;
done:
    run_free(r);
    free(a->parent_id);
    a->parent_id = NULL;
    free(meta);
    free(rel);
    return rc;
}

/* ---- reading run folders ahead ---------------------------------------------------------- */

enum {
    AHEAD_BATCH = 64,                  /* run folders read ahead at a time: their parsed meta.yaml (~2 KiB each) count in a
                                          sync's peak memory, and 64 keep two threads busy */
    AHEAD_THREADS = 2                  /* what a 2-core login node gives; reading is mostly system calls */
};

typedef struct ahead_job {
    const src_store *s;
    const char *exp_rel;
    run_ahead *v; size_t from, to;
} ahead_job;

static void *ahead_worker(void *vj)
{
    ahead_job *j = vj;
    size_t i;
    for (i = j->from; i < j->to; i++) read_run_ahead(j->s, j->exp_rel, &j->v[i]);
    return NULL;
}

/* read_run_ahead for v[0..n), split between this thread and AHEAD_THREADS - 1 others
   (all here when a thread cannot be started, or for a handful of runs) */
static void read_runs_ahead(const src_store *s, const char *exp_rel, run_ahead *v, size_t n)
{
    pthread_t th[AHEAD_THREADS];
    ahead_job jobs[AHEAD_THREADS];
    size_t k, nth = n < 32 ? 1 : AHEAD_THREADS, started = 0, per = (n + nth - 1) / nth;
    for (k = 0; k < nth; k++) {
        jobs[k].s = s, jobs[k].exp_rel = exp_rel, jobs[k].v = v;
        jobs[k].from = k * per < n ? k * per : n;
        jobs[k].to = (k + 1) * per < n ? (k + 1) * per : n;
    }
    for (k = 1; k < nth; k++)
        if (pthread_create(&th[k], NULL, ahead_worker, &jobs[k]) == 0) started |= (size_t)1 << k;
        else ahead_worker(&jobs[k]);
    ahead_worker(&jobs[0]);
    for (k = 1; k < nth; k++)
        if (started & ((size_t)1 << k)) pthread_join(th[k], NULL);
}

/* the wanted run folders names[0..n) of x, AHEAD_BATCH at a time: read ahead, then taken
   in folder order so that problems and the run list come out as from one thread */
static int load_run_batches(src_store *s, src_exp *x, const char **names, size_t n)
{
    run_ahead *v = calloc(AHEAD_BATCH, sizeof *v);
    size_t at, i;
    int rc = 0;
    if (!v) return -1;
    for (at = 0; at < n && rc == 0; at += AHEAD_BATCH) {
        size_t m = n - at < AHEAD_BATCH ? n - at : AHEAD_BATCH;
        memset(v, 0, m * sizeof *v);
        for (i = 0; i < m; i++) v[i].name = names[at + i];
        read_runs_ahead(s, x->rel, v, m);
        for (i = 0; i < m; i++) {
            if (rc == 0) rc = load_run(s, x, &v[i]);
            else if (v[i].lr == 0) src_ydoc_free(&v[i].doc);
            free(v[i].rel), free(v[i].meta), free(v[i].parent_id);
        }
    }
    free(v);
    return rc;
}

/* ---- filters --------------------------------------------------------------------------- */

static int wanted_run(src_store *s, const char *id)
{
    const src_filter *f = s->filter;
    size_t i;
    int hit = 0;
    if (!f || !f->nruns) return 1;
    for (i = 0; i < f->nruns; i++)
        if (strcmp(f->runs[i], id) == 0) hit = s->run_matched[i] = 1;
    return hit;
}

static int wanted_exp(src_store *s, const char *id, const char *name)
{
    const src_filter *f = s->filter;
    size_t i;
    int hit = 0;
    if (!f || !f->nexperiments) return 1;
    for (i = 0; i < f->nexperiments; i++)
        if (strcmp(f->experiments[i], id) == 0 || strcmp(f->experiments[i], name) == 0)
            hit = s->exp_matched[i] = 1;
    return hit;
}

/* ---- experiments ------------------------------------------------------------------------- */

static void exp_free(src_exp *x)
{
    if (!x) return;
    free(x->id);
    free(x->name);
    free(x->rel);
    free(x->artifact_location);
    kv_free(&x->tags);
    free(x->runs);
    free(x);
}

/* why a folder without a meta.yaml is not an experiment, in words that help */
static const char *no_meta_reason(const char *name)
{
    if (strcmp(name, "mlruns") == 0)
        return "a nested mlruns folder, not an experiment (no meta.yaml): is SRC one level too high?";
    if (strcmp(name, "mlartifacts") == 0)
        return "the MLflow server's artifact folder (--artifacts-destination), not an experiment (no meta.yaml)";
    return "no meta.yaml: not an experiment (MLflow skips it too: 'Malformed experiment')";
}

/* an experiment folder that is skipped: the problem, and its runs counted as skipped */
static void skip_experiment(src_store *s, int kind, const char *path, const char *rel, const char *why)
{
    size_t runs = count_runs_below(s, rel);
    s->nskipped_runs += runs;
    if (runs)
        src_problems_add(&s->problems, kind, path, 0, "%s; its %zu run%s skipped", why, runs,
                         runs == 1 ? " is" : "s are");
    else
        src_problems_add(&s->problems, kind, path, 0, "%s", why);
}

/* the checks MLflow makes on an experiment's meta.yaml; NULL when it is fine */
static const char *exp_identity_problem(const src_ydoc *d, const char *folder, char *buf, size_t n)
{
    const src_ynode *idn = src_yget(d, 0, "experiment_id");
    const char *id = src_ytext(d, idn);
    if (!id || (idn->type != SRC_Y_STR && idn->type != SRC_Y_INT)) return "meta.yaml has no experiment_id";
    if (strcmp(id, folder) != 0) {
        snprintf(buf, n, "meta.yaml says experiment_id '%.200s', not the folder's name: MLflow ignores this "
                 "experiment ('Experiment ID mismatch')", id);
        return buf;
    }
    if (!src_valid_exp_id(folder)) return "the folder name is not a valid MLflow experiment id";
    if (!src_ystr(d, 0, "name")) return "meta.yaml has no name";
    return NULL;
}

static int push_exp(src_store *s, src_exp *x)
{
    src_exp **nv = src_grow(s->exps, &s->capexps, s->nexps, sizeof *nv, 16);
    if (!nv) return -1;
    s->exps = nv;
    s->exps[s->nexps++] = x;
    return 0;
}

/* a new src_exp from a checked meta.yaml; NULL when out of memory */
static src_exp *exp_from_meta(src_store *s, const src_ydoc *d, const char *rel, const char *id, int deleted)
{
    src_exp *x = calloc(1, sizeof *x);
    long long v;
    char *tags = joinp(rel, "tags");
    if (!x || !tags) goto fail;
    x->id = xstrdup(id);
    x->name = xstrdup(src_ystr(d, 0, "name"));
    x->rel = xstrdup(rel);
    x->artifact_location = dup_or_empty(src_ystr(d, 0, "artifact_location"));
    x->deleted = deleted; /* MLflow decides by the folder (.trash), not by lifecycle_stage */
    if (src_yint(d, 0, "creation_time", &v) == 1) x->creation_time = v;
    if (src_yint(d, 0, "last_update_time", &v) == 1) x->last_update_time = v;
    if (!x->id || !x->name || !x->rel || !x->artifact_location ||
        srcfs_read_values(s->root_fd, tags, tags, &x->tags, &s->problems) != 0)
        goto fail;
    free(tags);
    return x;
fail:
    free(tags);
    exp_free(x);
    return NULL;
}

/* the run folders of experiment x */
static int load_runs(src_store *s, src_exp *x)
{
    static const char *const reserved[] = {"tags", "datasets", "traces", "models"};
    int why = 0, fd = srcfs_open_dir(s->root_fd, x->rel, &why), rc = 0;
    srcfs_entry *v;
    const char **names = NULL;
    size_t n = 0, i, k, nnames = 0;
    if (fd < 0 || srcfs_list(fd, &v, &n) != 0) {
        if (fd >= 0) why = errno, close(fd);
        if (why == ENOMEM) return -1;
        src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, x->rel, 0, "cannot be listed: %s", srcfs_why(why));
        return 0;
    }
    close(fd);
    if (!(names = malloc((n ? n : 1) * sizeof *names))) rc = -1;
    for (i = 0; i < n && rc == 0; i++) {
        int skip = 0;
        for (k = 0; k < sizeof reserved / sizeof reserved[0]; k++) skip |= strcmp(v[i].name, reserved[k]) == 0;
        if (skip || (v[i].type != SRCFS_T_DIR && v[i].type != SRCFS_T_LINK) || !wanted_run(s, v[i].name)) continue;
        if (v[i].type == SRCFS_T_LINK) {
            char *rel = joinp(x->rel, v[i].name);
            if (!rel) rc = -1;
            else src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0, "%s", srcfs_why(SRCFS_LINK));
            free(rel);
            continue;
        }
        names[nnames++] = v[i].name;
    }
    if (rc == 0) rc = load_run_batches(s, x, names, nnames);
    free(names);
    srcfs_list_free(v, n);
    return rc;
}

/* one experiment folder (below SRC, or below .trash when in_trash); *seen is set
   when it has a meta.yaml file at all (then SRC is an MLflow store). 0, or -1 out of memory */
static int load_experiment(src_store *s, const char *name, int in_trash, int *seen)
{
    char why[512], buf[512];
    char *rel = in_trash ? joinp(".trash", name) : xstrdup(name), *meta = rel ? joinp(rel, "meta.yaml") : NULL;
    const char *bad;
    src_ydoc d;
    src_exp *x = NULL;
    int rc = 0, lr;
    if (!meta) goto oom;
    lr = src_yaml_load(s->root_fd, meta, &d, why, sizeof why);
    *seen |= lr != 1;
    if (lr != 0) {
        if (lr == 1) skip_experiment(s, SRC_SKIPPED_FOLDER, rel, rel, no_meta_reason(name));
        else skip_experiment(s, SRC_MALFORMED, meta, rel, why);
        goto done;
    }
    if ((bad = exp_identity_problem(&d, name, buf, sizeof buf)) != NULL)
        skip_experiment(s, SRC_SKIPPED_FOLDER, rel, rel, bad);
    else if (hmap_get(&s->exp_index, name))
        src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0,
                         "experiment %s is also active in SRC: MLflow reads that one, so this deleted copy is skipped",
                         name);
    else if ((!in_trash || s->include_deleted) && wanted_exp(s, name, src_ystr(&d, 0, "name"))) {
        if (!(x = exp_from_meta(s, &d, rel, name, in_trash)) || !hmap_put(&s->exp_index, x->id, NULL, 0, 0) ||
            push_exp(s, x) != 0)
            goto oom_doc;
        x = NULL;
        src_ydoc_free(&d);
        rc = load_runs(s, s->exps[s->nexps - 1]);
        goto done;
    }
    src_ydoc_free(&d);
    goto done;
oom_doc:
    src_ydoc_free(&d);
oom:
    rc = -1;
done:
    exp_free(x);
    free(meta);
    free(rel);
    return rc;
}

/* names in SRC (or .trash) that MLflow takes as experiment folders */
static int load_experiments_in(src_store *s, int in_trash, int *seen)
{
    int why = 0, fd = srcfs_open_dir(s->root_fd, in_trash ? ".trash" : "", &why), rc = 0;
    srcfs_entry *v;
    size_t n = 0, i;
    if (fd < 0) return in_trash && why != ENOMEM ? 0 : -1;
    if (srcfs_list(fd, &v, &n) != 0) {
        close(fd);
        return -1;
    }
    close(fd);
    for (i = 0; i < n && rc == 0; i++) {
        const char *nm = v[i].name;
        size_t len = strlen(nm);
        /* MLflow skips ".trash", any other name ending in ".trash" (mlflow_lite.h's staging
           folders) and the registry's "models"; plain files are not experiments */
        if (!in_trash && ((len >= 6 && !strcmp(nm + len - 6, ".trash")) || !strcmp(nm, "models"))) continue;
        if (v[i].type == SRCFS_T_LINK) {
            char *rel = in_trash ? joinp(".trash", nm) : xstrdup(nm);
            if (rel) src_problems_add(&s->problems, SRC_SKIPPED_FOLDER, rel, 0, "%s", srcfs_why(SRCFS_LINK));
            free(rel);
            continue;
        }
        if (v[i].type == SRCFS_T_DIR) rc = load_experiment(s, nm, in_trash, seen);
    }
    srcfs_list_free(v, n);
    return rc;
}

/* ---- nesting order -------------------------------------------------------------------- */

static long parent_index(const src_store *s, const src_run *r)
{
    return r->parent_id ? keyidx_find(&s->run_index, r->parent_id) : -1;
}

/* depth of every run below its local ancestors (parents first when sorted);
   a cycle of mlflow.parentRunId tags is cut where it closes */
static int compute_depths(src_store *s)
{
    long *path = malloc((s->nruns ? s->nruns : 1) * sizeof *path);
    size_t i, k;
    if (!path) return -1;
    for (i = 0; i < s->nruns; i++) s->runs[i]->depth = -1;
    for (i = 0; i < s->nruns; i++) {
        long j = (long)i;
        size_t len = 0;
        int base;
        while (j >= 0 && s->runs[j]->depth == -1) {
            s->runs[j]->depth = -2; /* on the path being walked */
            path[len++] = j;
            j = parent_index(s, s->runs[j]);
        }
        if (j >= 0 && s->runs[j]->depth == -2)
            src_problems_add(&s->problems, SRC_MALFORMED, s->runs[j]->rel, 0,
                             "its mlflow.parentRunId tags form a cycle: it is synced as if it had no parent");
        base = j >= 0 && s->runs[j]->depth >= 0 ? s->runs[j]->depth + 1 : 0;
        for (k = len; k-- > 0;) s->runs[path[k]]->depth = base + (int)(len - 1 - k);
    }
    free(path);
    return 0;
}

static int run_order(const void *a, const void *b)
{
    const src_run *x = *(src_run *const *)a, *y = *(src_run *const *)b;
    if (x->depth != y->depth) return x->depth < y->depth ? -1 : 1;
    if (x->start_time != y->start_time) return x->start_time < y->start_time ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* sorts the runs, rebuilds the index on the new positions, and gives each
   experiment its runs in the same order */
static int index_runs(src_store *s)
{
    size_t i;
    if (compute_depths(s) != 0) return -1;
    if (s->nruns > 1) qsort(s->runs, s->nruns, sizeof *s->runs, run_order);
    keyidx_free(&s->run_index); /* rebuilt on the new positions */
    for (i = 0; i < s->nruns; i++)
        if (keyidx_add(&s->run_index, i) != 0) return -1;
    for (i = 0; i < s->nruns; i++) s->runs[i]->exp->nruns++;
    for (i = 0; i < s->nexps; i++) {
        s->exps[i]->runs = calloc(s->exps[i]->nruns + 1, sizeof *s->exps[i]->runs);
        if (!s->exps[i]->runs) return -1;
        s->exps[i]->nruns = 0;
    }
    for (i = 0; i < s->nruns; i++) {
        src_exp *x = s->runs[i]->exp;
        x->runs[x->nruns++] = s->runs[i];
    }
    for (i = 0; i < s->nexps; i++) {
        hmap_entry *e = hmap_get(&s->exp_index, s->exps[i]->id);
        if (e) e->ival = (long long)i;
    }
    return 0;
}

/* ---- open and close ------------------------------------------------------------------------ */

/* filter entries (-e/-r values) that matched nothing, NULL-terminated */
static int collect_unmatched(src_store *s, const src_filter *f)
{
    size_t i, n = (f ? f->nexperiments + f->nruns : 0) + 1;
    s->unmatched = calloc(n, sizeof *s->unmatched);
    if (!s->unmatched) return -1;
    for (i = 0; f && i < f->nexperiments; i++)
        if (!s->exp_matched[i] && !(s->unmatched[s->nunmatched++] = xstrdup(f->experiments[i]))) return -1;
    for (i = 0; f && i < f->nruns; i++)
        if (!s->run_matched[i] && !(s->unmatched[s->nunmatched++] = xstrdup(f->runs[i]))) return -1;
    return 0;
}

/* SRC opened: its folder fd and real path */
static int open_root(src_store *s, const char *root, tool_err *e)
{
    char real[PATH_MAX];
    s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->root_fd < 0) return err_set(e, EXIT_SOURCE, root, "cannot open SRC: %s", strerror(errno));
    if (!realpath(root, real)) return err_set(e, EXIT_SOURCE, root, "cannot resolve SRC: %s", strerror(errno));
    s->root = xstrdup(root);
    s->root_real = xstrdup(real);
    return s->root && s->root_real ? 0 : err_set(e, EXIT_FAILED, root, "out of memory");
}

/* SRC holds no experiment: say what it looks like instead */
static int not_a_store(src_store *s, tool_err *e)
{
    int why = 0, fd = srcfs_open_dir(s->root_fd, "mlruns", &why);
    if (fd >= 0) {
        close(fd);
        return err_set(e, EXIT_SOURCE, s->root, "holds no MLflow experiment, but has an mlruns folder: did you mean %s/mlruns?",
                       s->root);
    }
    return err_set(e, EXIT_SOURCE, s->root, "holds no MLflow experiment (no <experiment id>/meta.yaml)");
}

static int store_read(src_store *s, const src_filter *f, tool_err *e)
{
    int seen = 0, why = 0, fd;
    size_t nf = f ? f->nexperiments + f->nruns + 1 : 1;
    s->exp_matched = calloc(nf, 1);
    s->run_matched = calloc(nf, 1);
    if (!s->exp_matched || !s->run_matched || load_experiments_in(s, 0, &seen) != 0 ||
        (s->include_deleted && load_experiments_in(s, 1, &seen) != 0))
        return err_set(e, EXIT_FAILED, s->root, "out of memory while reading SRC");
    /* a store with only a registry (models/) or a fresh .trash is a store too */
    fd = seen ? -1 : srcfs_open_dir(s->root_fd, "models", &why);
    if (fd < 0 && !seen) fd = srcfs_open_dir(s->root_fd, ".trash", &why);
    if (fd >= 0) close(fd), seen = 1;
    if (!seen) return not_a_store(s, e);
    if (index_runs(s) != 0 || collect_unmatched(s, f) != 0)
        return err_set(e, EXIT_FAILED, s->root, "out of memory while reading SRC");
    return 0;
}

int src_store_open(src_store **out, const char *root, const src_opts *o, const src_filter *f, tool_err *e)
{
    src_store *s = calloc(1, sizeof *s);
    int rc;
    *out = NULL;
    err_clear(e);
    if (!s) return err_set(e, EXIT_FAILED, root, "out of memory");
    s->root_fd = -1;
    keyidx_init(&s->run_index, run_key, s);
    if (o) s->opts = *o;
    s->filter = f;
    s->include_deleted = f && f->include_deleted;
    rc = open_root(s, root, e);
    if (rc == 0) rc = store_read(s, f, e);
    free(s->exp_matched);
    free(s->run_matched);
    s->exp_matched = s->run_matched = NULL;
    s->filter = NULL;
    if (rc != 0) {
        src_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void src_store_close(src_store *s)
{
    size_t i;
    if (!s) return;
    for (i = 0; i < s->nruns; i++) free(s->runs[i]); /* one block each (run_packed) */
    for (i = 0; i < s->nexps; i++) exp_free(s->exps[i]);
    for (i = 0; i < s->nunmatched; i++) free(s->unmatched[i]);
    free(s->unmatched);
    free(s->runs);
    free(s->exps);
    keyidx_free(&s->run_index);
    hmap_free(&s->exp_index);
    src_problems_free(&s->problems);
    if (s->root_fd >= 0) close(s->root_fd);
    free(s->root);
    free(s->root_real);
    free(s);
}

/* ---- accessors ------------------------------------------------------------------------------ */

const char *src_store_root(const src_store *s) { return s->root; }
size_t src_store_nexps(const src_store *s) { return s->nexps; }
src_exp *src_store_exp(const src_store *s, size_t i) { return i < s->nexps ? s->exps[i] : NULL; }
size_t src_store_nruns(const src_store *s) { return s->nruns; }
src_run *src_store_run(const src_store *s, size_t i) { return i < s->nruns ? s->runs[i] : NULL; }
const src_problems *src_store_problems(const src_store *s) { return &s->problems; }
const char *const *src_store_unmatched(const src_store *s) { return (const char *const *)s->unmatched; }
size_t src_store_nskipped_runs(const src_store *s) { return s->nskipped_runs; }

src_run *src_store_find_run(const src_store *s, const char *run_id)
{
    long i = keyidx_find(&s->run_index, run_id);
    return i >= 0 ? s->runs[i] : NULL;
}

src_exp *src_store_find_exp(const src_store *s, const char *exp_id)
{
    const hmap_entry *e = hmap_get(&s->exp_index, exp_id);
    return e ? s->exps[e->ival] : NULL;
}
