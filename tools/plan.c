/* tools/plan.c — see plan.h */
#include "plan.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- item ids ------------------------------------------------------------------ */

const char *plan_item_kind_name(int kind)
{
    return kind == PLAN_PARAM ? "param" : kind == PLAN_TAG ? "tag" : "metric";
}

void plan_item_id(sbuf *b, int kind, const char *key, long line)
{
    sb_puts(b, plan_item_kind_name(kind));
    sb_add(b, ":", 1);
    sb_puts(b, key);
    if (kind == PLAN_METRIC) sb_printf(b, ":%ld", line);
}

int plan_item_parse(const char *id, int *kind, char **key, long *line)
{
    const char *colon = strchr(id, ':'), *k, *end;
    size_t klen;
    *key = NULL;
    *line = 0;
    if (!colon) return -1;
    if (strncmp(id, "param:", 6) == 0) *kind = PLAN_PARAM;
    else if (strncmp(id, "tag:", 4) == 0) *kind = PLAN_TAG;
    else if (strncmp(id, "metric:", 7) == 0) *kind = PLAN_METRIC;
    else return -1;
    k = colon + 1;
    end = k + strlen(k);
    if (*kind == PLAN_METRIC) { /* keys may hold ':'; the line number is after the last one */
        const char *lc = strrchr(k, ':');
        char *stop;
        if (!lc) return -1;
        *line = strtol(lc + 1, &stop, 10);
        if (stop == lc + 1 || *stop || *line < 0) return -1;
        end = lc;
    }
    klen = (size_t)(end - k);
    *key = malloc(klen + 1);
    if (!*key) return -1;
    memcpy(*key, k, klen);
    (*key)[klen] = '\0';
    return 0;
}

void plan_artifact_stamp(const src_artifact *a, char out[48])
{
    snprintf(out, 48, "%lld:%lld", a->size, a->mtime_ns);
}

/* ---- the plan ------------------------------------------------------------------- */

void plan_free(run_plan *p)
{
    kv_free(&p->params);
    kv_free(&p->tags);
    kv_free(&p->del_tags);
    free(p->metrics);
    free(p->arts);
    hmap_free(&p->refuse);
    kv_free(&p->unrefuse);
    memset(p, 0, sizeof *p);
}

/* the record's maps, or an empty one when there is no record */
static const hmap no_entries;
#define REC(in, field) ((in)->rec ? &(in)->rec->field : &no_entries)

/* Adds a refusal unless the record already holds it. 0, or -1 out of memory. */
static int refuse(const plan_in *in, run_plan *p, int kind, const char *key, long line, const char *why)
{
    sbuf id = {0};
    int rc = 0;
    plan_item_id(&id, kind, key, line);
    if (id.oom) rc = -1;
    else if (!hmap_get(REC(in, refused), id.s) && !hmap_put(&p->refuse, id.s, why, 0, 0)) rc = -1;
    sb_free(&id);
    return rc;
}

#define NOT_UTF8 "not valid UTF-8 (MLflow's FileStore cannot decode it either)"

/* key/value pairs whose hash differs from the record's go to `send` */
static int plan_values(const plan_in *in, run_plan *p, int kind, const kvlist *local, const hmap *sent,
                       kvlist *send)
{
    size_t i;
    for (i = 0; i < local->n; i++) {
        const char *k = local->v[i].key, *v = local->v[i].value;
        const hmap_entry *old;
        char h[17];
        if (kind == PLAN_TAG && strcmp(k, SYNC_TAG) == 0) continue;   /* ours: set on create */
        if (kind == PLAN_TAG && strcmp(k, PARENT_TAG) == 0) {
            if (!in->parent_remote) {
                p->parent_waits = 1;
                continue;
            }
            v = in->parent_remote;
        }
        if (!json_utf8_valid(k) || !json_utf8_valid(v)) {
            if (refuse(in, p, kind, k, 0, NOT_UTF8) != 0) return -1;
            continue;
        }
        state_value_hash(v, h);
        old = hmap_get(sent, k);
        if (old && old->sval && strcmp(old->sval, h) == 0) continue;
        if (kv_add(send, k, v) != 0) return -1;
    }
    return 0;
}

static int plan_deleted_tags(const plan_in *in, run_plan *p)
{
    const hmap *sent = REC(in, tag_hash);
    const hmap_entry *e;
    hmap local = {0};
    size_t i;
    int rc = 0;
    if (!sent->live) return 0;
    for (i = 0; i < in->files->tags.n && rc == 0; i++)
        if (!hmap_put(&local, in->files->tags.v[i].key, NULL, 0, 0)) rc = -1;
    HMAP_FOREACH(sent, e)
    {
        if (rc == 0 && !hmap_get(&local, e->key) && strcmp(e->key, SYNC_TAG) != 0 && kv_add(&p->del_tags, e->key, "") != 0)
            rc = -1;
    }
    hmap_free(&local);
    return rc;
}

static int plan_metrics(const plan_in *in, run_plan *p)
{
    const hmap *acked = REC(in, metric);
    size_t i, n = in->files->nmetrics;
    p->metrics = calloc(n + 1, sizeof *p->metrics);
    if (!p->metrics) return -1;
    for (i = 0; i < n; i++) {
        const src_metric_file *f = &in->files->metrics[i];
        const hmap_entry *e = hmap_get(acked, f->key);
        plan_metric m;
        if (!json_utf8_valid(f->key)) {
            if (refuse(in, p, PLAN_METRIC, f->key, 0, NOT_UTF8) != 0) return -1;
            continue;
        }
        memset(&m, 0, sizeof m);
        m.key = f->key;
        m.from = e ? e->ival : 0;
        m.from_line = e && e->ival2 > 0 ? (long)e->ival2 : 1;
        m.to = f->size;
        if (m.from > m.to || m.from < 0) { /* rewritten: start over (the server de-duplicates) */
            m.from = 0;
            m.from_line = 1;
            m.restart = 1;
        }
        if (m.to <= m.from && !m.restart) continue;
        p->metric_bytes += m.to - m.from;
        p->metrics[p->nmetrics++] = m;
    }
    return 0;
}

static int plan_artifacts(const plan_in *in, run_plan *p)
{
    const hmap *sent = REC(in, artifact);
    size_t i, n = in->arts ? in->arts->n : 0;
    p->arts = calloc(n + 1, sizeof *p->arts);
    if (!p->arts) return -1;
    for (i = 0; i < n; i++) {
        const src_artifact *a = &in->arts->v[i];
        const hmap_entry *e = hmap_get(sent, a->rel);
        plan_artifact *pa = &p->arts[p->narts];
        plan_artifact_stamp(a, pa->stamp);
        if (e && e->sval && strcmp(e->sval, pa->stamp) == 0) continue;
        pa->rel = a->rel;
        pa->size = a->size;
        p->art_bytes += a->size;
        p->narts++;
    }
    return 0;
}

/* a set of "<kind><key>" strings: the items the folder holds */
static int item_set_put(hmap *set, int kind, const char *key, const char *sval)
{
    sbuf k = {0};
    char c = (char)kind;
    int rc;
    sb_add(&k, &c, 1);
    sb_puts(&k, key);
    rc = !k.oom && hmap_put(set, k.s, sval, 0, 0) ? 0 : -1;
    sb_free(&k);
    return rc;
}

static const hmap_entry *item_set_get(const hmap *set, int kind, const char *key)
{
    sbuf k = {0};
    char c = (char)kind;
    const hmap_entry *e;
    sb_add(&k, &c, 1);
    sb_puts(&k, key);
    e = k.oom ? NULL : hmap_get(set, k.s);
    sb_free(&k);
    return e;
}

static int items_of_folder(const plan_in *in, const run_plan *p, hmap *set)
{
    const src_run_files *f = in->files;
    size_t i;
    for (i = 0; i < f->params.n; i++)
        if (item_set_put(set, PLAN_PARAM, f->params.v[i].key, NULL) != 0) return -1;
    for (i = 0; i < f->tags.n; i++)
        if (item_set_put(set, PLAN_TAG, f->tags.v[i].key, NULL) != 0) return -1;
    for (i = 0; i < f->nmetrics; i++)
        if (item_set_put(set, PLAN_METRIC, f->metrics[i].key, NULL) != 0) return -1;
    for (i = 0; i < p->nmetrics; i++) /* a rewritten file: its old refusals are void */
        if (p->metrics[i].restart && item_set_put(set, PLAN_METRIC, p->metrics[i].key, "rewritten") != 0) return -1;
    return 0;
}

/* Refusals in the record whose item is gone (param or tag deleted, metric file
   gone or rewritten) are dropped, so that they stop being reported. */
static int plan_stale_refusals(const plan_in *in, run_plan *p)
{
    const hmap_entry *e;
    hmap set = {0};
    int rc;
    if (!in->rec || !in->rec->refused.live) return 0;
    rc = items_of_folder(in, p, &set);
    HMAP_FOREACH(&in->rec->refused, e)
    {
        int kind;
        char *key;
        long line;
        const hmap_entry *l;
        if (rc != 0) break;
        l = plan_item_parse(e->key, &kind, &key, &line) == 0 ? item_set_get(&set, kind, key) : NULL;
        if ((!l || l->sval) && kv_add(&p->unrefuse, e->key, "") != 0) rc = -1;
        free(key);
    }
    hmap_free(&set);
    return rc;
}

static int str_differs(const char *a, const char *b) { return !a || !b || strcmp(a, b) != 0; }

static void plan_meta(const plan_in *in, run_plan *p)
{
    const src_run *r = in->run;
    const st_run *rec = in->rec;
    long long end = r->has_end ? r->end_time : -1;
    int name_changed = rec && str_differs(rec->name, r->name);
    p->meta_changed = !rec || rec->status != r->status || rec->end_time != end || name_changed;
    /* a new run gets its name and start time from runs/create, and RUNNING is where it starts */
    p->update_meta = p->meta_changed && (r->status != SRC_RUNNING || r->has_end || name_changed);
    p->send_inputs = in->files->ninputs > 0 && (long)in->files->ninputs > (rec ? rec->inputs_sent : 0);
}

int plan_run(const plan_in *in, run_plan *p)
{
    memset(p, 0, sizeof *p);
    p->known = in->rec && in->rec->remote_id && in->rec->remote_id[0];
    if (plan_values(in, p, PLAN_PARAM, &in->files->params, REC(in, param_hash), &p->params) != 0 ||
        plan_values(in, p, PLAN_TAG, &in->files->tags, REC(in, tag_hash), &p->tags) != 0 ||
        plan_deleted_tags(in, p) != 0 || plan_metrics(in, p) != 0 || plan_artifacts(in, p) != 0 ||
        plan_stale_refusals(in, p) != 0) {
        plan_free(p);
        return -1;
    }
    plan_meta(in, p);
    p->nothing = p->known && !p->params.n && !p->tags.n && !p->del_tags.n && !p->nmetrics && !p->narts &&
                 !p->send_inputs && !p->meta_changed && !p->refuse.live && !p->unrefuse.n;
    return 0;
}

/* ---- the model registry ---------------------------------------------------------------- */

char *plan_version_marker(const char *model, int version, long long creation_time)
{
    sbuf m = {0};
    sb_printf(&m, "%s/%d@%lld", model, version, creation_time);
    return m.s;
}

const char *plan_logged_model_id(const char *source)
{
    const char *id = source + 8;
    if (strncmp(source, "models:/", 8) != 0 || strncmp(id, "m-", 2) != 0 || strchr(id, '/') || !id[2]) return NULL;
    return id;
}

/* the path of a file: URI or an absolute path; NULL for other schemes */
static const char *file_path_of(const char *u)
{
    if (u[0] == '/') return u;
    if (strncmp(u, "file://", 7) == 0) return strchr(u + 7, '/'); /* skips an authority (file://localhost/...) */
    if (strncmp(u, "file:/", 6) == 0) return u + 5;
    return NULL;
}

/* the rest of s below base ("" or "/x/y"), or NULL when s is not base or below it */
static const char *below(const char *s, const char *base)
{
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/') n--;
    if (strncmp(s, base, n) != 0) return NULL;
    return s[n] == '\0' || s[n] == '/' ? s + n : NULL;
}

/* source below the local run's artifacts, re-rooted at the remote run's */
static char *rebase(const char *source, const char *local_art, const char *remote_art)
{
    const char *rest;
    sbuf out = {0};
    size_t n;
    if (!local_art || !remote_art || !remote_art[0]) return NULL;
    rest = below(source, local_art);
    if (!rest && file_path_of(source) && file_path_of(local_art)) rest = below(file_path_of(source), file_path_of(local_art));
    if (!rest) return NULL;
    n = strlen(remote_art);
    while (n > 1 && remote_art[n - 1] == '/') n--;
    sb_add(&out, remote_art, n);
    sb_puts(&out, rest);
    return out.s;
}

char *plan_version_source(const char *source, const char *run_id, const char *local_art, const char *remote_art,
                          const char *remote_run, const char **why)
{
    *why = NULL;
    if (run_id && remote_run) {
        sbuf runs = {0}, out = {0};
        const char *rest;
        char *moved;
        sb_printf(&runs, "runs:/%s", run_id);
        rest = runs.s ? below(source, runs.s) : NULL;
        if (rest) sb_printf(&out, "runs:/%s%s", remote_run, rest);
        sb_free(&runs);
        if (rest) return out.s;
        if ((moved = rebase(source, local_art, remote_art)) != NULL) return moved;
    }
    if (file_path_of(source)) {
        *why = run_id ? "its source is a local path outside the artifacts of its run, which the server cannot reach"
                      : "its source is a local path and it names no run, so the server cannot reach it";
        return NULL;
    }
    if (strncmp(source, "models:/", 8) == 0) {
        *why = "its source is models:/<name>/<version> (another registered model version), which is not carried";
        return NULL;
    }
    return xstrdup(source); /* s3://, gs://, http(s)://, mlflow-artifacts:... : reachable as is */
}
