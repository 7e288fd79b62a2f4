/* tools/registry_sync.c — see registry_sync.h */
#include "registry_sync.h"
#include "logged_models.h"
#include "msgs.h"
#include "plan.h"
#include "rest_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VERSION_SETTLE_MS = 2000 };   /* how long a model-versions/create of a killed pass may be in flight */

enum { R_OK = 0, R_WAITS = 1, R_FAILED = 2, R_GONE = 3 };   /* what happened to one model or version */

typedef struct reg_ctx {
    sync_ctx *x;
    const rest_ctx *rc;
    int fresh_model;                   /* the model was (re)created in this pass: version records are void */
    rest_version *remote; size_t nremote;   /* remote versions of the current model, once listed */
    int listed;
    int any_ok, first_code;
    long models_created, waiting;      /* for the closing note */
} reg_ctx;

/* ---- failures and counters ------------------------------------------------------------- */

static void wrote(reg_ctx *g) { summary_add(&g->x->sum->reg_writes, 1); }

static int item_failed(reg_ctx *g, const char *what, tool_err *te)
{
    sbuf item = {0};
    sb_printf(&item, "registry: %s", what);
    sync_err_prefix(te, item.oom ? "registry" : item.s);
    sb_free(&item);
    err_report(te);
    summary_add(&g->x->sum->reg_failed, 1);
    summary_fail(g->x->sum, te->code, NULL, te->what, te->why);
    sync_failed(g->x, te->code);
    if (!g->first_code) g->first_code = te->code;
    return R_FAILED;
}

static int out_of_memory(reg_ctx *g, const char *what)
{
    tool_err te;
    err_clear(&te);
    err_set(&te, EXIT_FAILED, "", "out of memory");
    return item_failed(g, what, &te);
}

static int rest_failed(reg_ctx *g, const char *what, const rest_err *re, const char *step)
{
    tool_err te;
    err_clear(&te);
    rest_err_to_tool(re, &te, step);
    return item_failed(g, what, &te);
}

static void hash_of(const char *s, char h[17]) { state_value_hash(s ? s : "", h); }

/* key -> hash of value for every tag (the marker excepted): a baseline to compare against */
static int hash_tags(hmap *into, const kvlist *tags)
{
    size_t i;
    char h[17];
    for (i = 0; i < tags->n; i++) {
        if (strcmp(tags->v[i].key, REGISTRY_SYNC_TAG) == 0) continue;
        hash_of(tags->v[i].value, h);
        if (!hmap_put(into, tags->v[i].key, h, 0, 0)) return -1;
    }
    return 0;
}

static int same_hash(const char *recorded, const char *value)
{
    char h[17];
    hash_of(value, h);
    return recorded && strcmp(recorded, h) == 0;
}

/* ---- tags and descriptions, against what was recorded ------------------------------------ */

typedef struct reg_obj {               /* a registered model (version 0) or a model version */
    const char *name;
    int version;                       /* remote version number, 0 for the model */
    const char *what;                  /* for messages */
} reg_obj;

static int set_tag(reg_ctx *g, const reg_obj *o, const char *k, const char *v, rest_err *re)
{
    wrote(g);
    return o->version ? rest_version_set_tag(g->rc, o->name, o->version, k, v, re)
                      : rest_model_set_tag(g->rc, o->name, k, v, re);
}

static int delete_tag(reg_ctx *g, const reg_obj *o, const char *k, rest_err *re)
{
    wrote(g);
    return o->version ? rest_version_delete_tag(g->rc, o->name, o->version, k, re)
                      : rest_model_delete_tag(g->rc, o->name, k, re);
}

/* Sends the local tags whose hash differs from `sent`, deletes recorded ones gone
   locally (may_delete); `sent` is updated as the server acknowledges. */
static int sync_tags(reg_ctx *g, const reg_obj *o, const kvlist *local, hmap *sent, int may_delete)
{
    const hmap_entry *e;
    rest_err re;
    size_t i;
    for (i = 0; i < local->n; i++) {
        const char *k = local->v[i].key;
        char h[17];
        if (strcmp(k, REGISTRY_SYNC_TAG) == 0) continue;
        hash_of(local->v[i].value, h);
        if ((e = hmap_get(sent, k)) && e->sval && strcmp(e->sval, h) == 0) continue;
        if (set_tag(g, o, k, local->v[i].value, &re) != 0)
            return rest_is_absent(&re) ? R_GONE : rest_failed(g, o->what, &re, "setting a tag");
        if (!hmap_put(sent, k, h, 0, 0)) return R_FAILED;
    }
    if (!may_delete) return R_OK;
    HMAP_FOREACH(sent, e)
    {
        char *k;
        if (kv_get(local, e->key)) continue;
        if (delete_tag(g, o, e->key, &re) != 0 && !rest_is_not_found(&re))
            return rest_failed(g, o->what, &re, "deleting a tag");
        if ((k = xstrdup(e->key)) != NULL) hmap_del(sent, k);
        free(k);
    }
    return R_OK;
}

static int sync_description(reg_ctx *g, const reg_obj *o, const char *desc, char **desc_hash)
{
    rest_err re;
    char h[17];
    int rc;
    if (same_hash(*desc_hash, desc)) return R_OK;
    wrote(g);
    rc = o->version ? rest_version_update(g->rc, o->name, o->version, desc ? desc : "", &re)
                    : rest_model_update(g->rc, o->name, desc ? desc : "", &re);
    if (rc != 0) return rest_is_absent(&re) ? R_GONE : rest_failed(g, o->what, &re, "updating the description");
    hash_of(desc, h);
    free(*desc_hash);
    *desc_hash = xstrdup(h);
    return R_OK;
}

/* ---- remote versions of the current model --------------------------------------------------- */

static void forget_remote(reg_ctx *g)
{
    rest_versions_free(g->remote, g->nremote);
    g->remote = NULL;
    g->nremote = 0;
    g->listed = 0;
}

static int list_remote(reg_ctx *g, const char *name, rest_err *re)
{
    if (g->listed) return 0;
    if (rest_version_search(g->rc, name, &g->remote, &g->nremote, re) != 0) return -1;
    g->listed = 1;
    return 0;
}

static const rest_version *with_marker(const reg_ctx *g, const char *marker, int except)
{
    size_t i;
    for (i = 0; i < g->nremote; i++) {
        const char *m = kv_get(&g->remote[i].tags, REGISTRY_SYNC_TAG);
        if (m && strcmp(m, marker) == 0 && g->remote[i].version != except) return &g->remote[i];
    }
    return NULL;
}

/* A record made from what the server holds (the state was lost): only differences are sent. */
/* A version's baseline: what the server holds (the state was lost), or what a
   create request just carried (stage None); only differences are sent after it. */
static int version_base(const kvlist *tags, const char *description, const char *stage, st_version *base)
{
    char h[17];
    memset(base, 0, sizeof *base);
    hash_of(description, h);
    base->desc_hash = xstrdup(h);
    base->stage = xstrdup(stage && stage[0] ? stage : "None");
    return hash_tags(&base->tag_hash, tags) == 0 && base->desc_hash && base->stage ? 0 : -1;
}

/* ---- one version ---------------------------------------------------------------------------- */

typedef struct ver_job {
    reg_ctx *g;
    const src_model *m;
    const src_version *v;
    const char *what, *marker;
    char *source, *remote_run, *model_id;   /* where the remote version points */
    int intent;                        /* a create of an earlier pass may be in flight */
    int rounds;
    int gone;                          /* the registered model does not exist on the server */
    rest_err last_create;
    rest_version created;
} ver_job;

static void job_free(ver_job *j)
{
    free(j->source);
    free(j->remote_run);
    free(j->model_id);
    rest_version_free(&j->created);
}

static int waits(reg_ctx *g, const char *what, const char *fmt, const char *id)
{
    char why[512];
    snprintf(why, sizeof why, fmt, id);
    warnf("registry: %s waits: %s", what, why);
    g->waiting++;
    return R_WAITS;
}

/* Where the remote version points: its source (plan_version_source, or the
   remote copy of its LoggedModel) and its remote run. Sends nothing, except
   for carrying a LoggedModel. */
static int version_target(ver_job *j)
{
    reg_ctx *g = j->g;
    const src_version *v = j->v;
    const char *lm = plan_logged_model_id(v->source), *why = NULL, *local_art = NULL;
    char *remote_art = NULL;
    sbuf src = {0};
    tool_err te;
    err_clear(&te);
    if (v->run_id && v->run_id[0]) {
        st_run run;
        const src_run *lr = src_store_find_run(g->x->src, v->run_id);
        int have = state_get_run(g->x->st, v->run_id, &run);
        if (have && run.remote_id) {
            j->remote_run = xstrdup(run.remote_id);
            remote_art = xstrdup(run.artifact_uri ? run.artifact_uri : "");
        }
        if (have) st_run_free(&run);
        if (!j->remote_run) return waits(g, j->what, "its run %s is not synced yet", v->run_id);
        local_art = lr ? lr->artifact_uri : NULL;
    }
    if (lm) {
        int code = logged_model_ensure(g->x, g->rc, lm, &j->model_id, &te);
        free(remote_art);
        if (code == LM_WAITS)
            return g->x->cfg->dry_run ? R_WAITS : waits(g, j->what, "the experiment or run of its LoggedModel %s is not synced yet", lm);
        if (code != 0) return item_failed(g, j->what, &te);
        sb_printf(&src, "models:/%s", j->model_id);
        j->source = src.s;
        return j->source ? R_OK : item_failed(g, j->what, &te);
    }
    j->source = plan_version_source(v->source, v->run_id, local_art, remote_art, j->remote_run, &why);
    free(remote_art);
    if (j->source) return R_OK;
    if (why && v->run_id && v->run_id[0] && !local_art) /* its run is not read in this pass (-e/-r): its folder decides */
        return waits(g, j->what, "its run %s is not part of this pass", v->run_id);
    err_set(&te, why ? EXIT_UNSUPPORTED : EXIT_FAILED, "", "%s", why ? why : "out of memory");
    return item_failed(g, j->what, &te);
}

/* create_once's find: the marker among the remote versions (listed again after a create) */
static int ver_find(void *ud, char **id, rest_err *re)
{
    ver_job *j = ud;
    const rest_version *f;
    char num[24];
    if (j->rounds++ > 0) {
        char why[700];
        if (j->last_create.code)
            warnf("registry: %s: model-versions/create failed (%s); checking whether it was created anyway", j->what,
                  rest_errstr(&j->last_create, why, sizeof why));
        forget_remote(j->g);
    }
    if (list_remote(j->g, j->m->name, re) != 0) return -1;
    f = with_marker(j->g, j->marker, 0);
    if (!f && j->intent && j->rounds == 1) { /* that create may still be in flight: let it land, look again */
        verbosef("registry: %s: an interrupted create may be in flight; searching again in 2 s", j->what);
        sleep_ms(VERSION_SETTLE_MS);
        forget_remote(j->g);
        if (list_remote(j->g, j->m->name, re) != 0) return -1;
        f = with_marker(j->g, j->marker, 0);
    }
    if (!f) return 0;
    snprintf(num, sizeof num, "%d", f->version);
    *id = xstrdup(num);
    return *id ? 1 : -1;
}

static void put_intent(ver_job *j)
{
    st_version mark;
    tool_err te;
    memset(&mark, 0, sizeof mark);
    mark.marker = (char *)(size_t)j->marker; /* read only by state_put_version */
    mark.intent = 1;
    if (state_put_version(j->g->x->st, j->m->name, j->v->version, &mark, &te) != 0) err_report(&te);
    j->intent = 1;
}

/* create_once's create: once, with the marker among the tags */
static int ver_create(void *ud, char **id, rest_err *re)
{
    ver_job *j = ud;
    rest_version_create_req q;
    kvlist tags = {0};
    size_t i;
    char num[24];
    int rc = 0;
    if (!j->intent) put_intent(j);
    for (i = 0; i < j->v->tags.n && rc == 0; i++) rc = kv_add(&tags, j->v->tags.v[i].key, j->v->tags.v[i].value);
    if (rc == 0) rc = kv_add(&tags, REGISTRY_SYNC_TAG, j->marker);
    memset(&q, 0, sizeof q);
    q.name = j->m->name;
    q.source = j->source;
    q.run_id = j->remote_run;
    q.description = j->v->description;
    q.model_id = j->model_id;
    q.tags = &tags;
    rest_version_free(&j->created);
    wrote(j->g);
    rc = rc == 0 ? rest_version_create(j->g->rc, &q, &j->created, re) : -1;
    kv_free(&tags);
    j->last_create = *re;
    if (rc != 0) {
        if (rest_is_absent(re) && !j->g->fresh_model) j->gone = 1; /* the registered model is gone */
        return -1;
    }
    snprintf(num, sizeof num, "%d", j->created.version);
    *id = xstrdup(num);
    return *id ? 0 : -1;
}

/* After a create that may have raced an earlier one: other remote versions
   with our marker never received anything but their creation; deleted. */
static void delete_twins(ver_job *j, int keep)
{
    reg_ctx *g = j->g;
    rest_err re;
    size_t i;
    forget_remote(g);
    if (list_remote(g, j->m->name, &re) != 0) {
        char why[700];
        warnf("registry: %s: cannot check for duplicates: %s", j->what, rest_errstr(&re, why, sizeof why));
        return;
    }
    for (i = 0; i < g->nremote; i++) {
        const char *mk = kv_get(&g->remote[i].tags, REGISTRY_SYNC_TAG);
        int num = g->remote[i].version;
        if (!mk || strcmp(mk, j->marker) != 0 || num == keep) continue;
        wrote(g);
        if (rest_version_delete(g->rc, j->m->name, num, &re) == 0)
            warnf("registry: %s: deleted remote version %d, a duplicate left by an interrupted sync", j->what, num);
        else if (!rest_is_not_found(&re))
            warnf("registry: %s: duplicate remote version %d could not be deleted", j->what, num);
    }
    forget_remote(g);
}

static int parse_version(const char *s)
{
    char *end;
    long v;
    if (!s) return 0;
    v = strtol(s, &end, 10);
    return end != s && !*end && v > 0 && v <= 2147483647L ? (int)v : 0;
}

/* The remote version of v, found by its marker or created once. */
static int version_find_or_create(ver_job *j, st_version *base, int *remote, int *from_server)
{
    reg_ctx *g = j->g;
    create_once_ops ops;
    char *id = NULL;
    rest_err re;
    int created = 0, had_intent = j->intent, r = version_target(j);
    if (r != R_OK) return r;
    memset(&ops, 0, sizeof ops);
    ops.find = ver_find;
    ops.create = ver_create;
    ops.ud = j;
    ops.settle_ms = VERSION_SETTLE_MS;
    rest_err_clear(&re);
    if (create_once(&ops, &id, &created, &re) != 0)
        return j->gone ? R_GONE : rest_failed(g, j->what, &re, "model-versions/create");
    *remote = parse_version(id);
    free(id);
    if (created) {
        summary_add(&g->x->sum->reg_versions_created, 1);
        if (had_intent || j->rounds > 1) delete_twins(j, *remote);
        r = version_base(&j->v->tags, j->v->description, "None", base);
    } else {
        const rest_version *f = with_marker(g, j->marker, 0);
        *from_server = 1;
        r = f ? version_base(&f->tags, f->description, f->stage, base) : -1;
    }
    return r == 0 && *remote > 0 ? R_OK : out_of_memory(g, j->what);
}

/* Tags, description and stage of a remote version, against base. */
static int version_update(ver_job *j, int remote, st_version *base, int may_delete)
{
    const char *stage = j->v->stage && j->v->stage[0] ? j->v->stage : "None";
    reg_obj o;
    rest_err re;
    int r;
    o.name = j->m->name;
    o.version = remote;
    o.what = j->what;
    r = sync_tags(j->g, &o, &j->v->tags, &base->tag_hash, may_delete);
    if (r == R_OK) r = sync_description(j->g, &o, j->v->description, &base->desc_hash);
    if (r != R_OK || (base->stage && strcmp(base->stage, stage) == 0)) return r;
    wrote(j->g);
    if (rest_version_transition(j->g->rc, j->m->name, remote, stage, &re) != 0)
        return rest_is_absent(&re) ? R_GONE : rest_failed(j->g, j->what, &re, "transition-stage");
    free(base->stage);
    base->stage = xstrdup(stage);
    return R_OK;
}

static void version_record(ver_job *j, int remote, st_version *base)
{
    char num[24];
    tool_err te;
    snprintf(num, sizeof num, "%d", remote);
    free(base->remote_version);
    free(base->marker);
    base->remote_version = xstrdup(num);
    base->marker = xstrdup(j->marker);
    base->intent = 0;
    if (state_put_version(j->g->x->st, j->m->name, j->v->version, base, &te) != 0) err_report(&te);
}

/* The record of v when it names the remote copy of this very version. */
static int version_known(reg_ctx *g, ver_job *j, int attempt, st_version *rec, int *remote)
{
    int have;
    memset(rec, 0, sizeof *rec);
    have = attempt == 0 && !g->x->cfg->reconcile && !g->fresh_model &&
           state_get_version(g->x->st, j->m->name, j->v->version, rec);
    if (!have) return 0;
    if (rec->marker && strcmp(rec->marker, j->marker) == 0) {
        j->intent = rec->intent;
        if (!rec->intent && (*remote = parse_version(rec->remote_version)) > 0) return 1;
    }
    st_version_free(rec);
    memset(rec, 0, sizeof *rec);
    return 0;
}

/* One version: R_OK (*remote set), R_WAITS, R_FAILED, R_GONE (the registered model is missing). */
static int sync_version(reg_ctx *g, const src_model *m, const src_version *v, int *remote)
{
    char what[512];
    char *marker = plan_version_marker(m->name, v->version, v->creation_time);
    int attempt, r = R_FAILED;
    snprintf(what, sizeof what, "model '%s' version %d", m->name, v->version);
    for (attempt = 0; marker && attempt < 2; attempt++) {
        ver_job j;
        st_version base;
        int known, from_server = 0;
        memset(&j, 0, sizeof j);
        j.g = g;
        j.m = m;
        j.v = v;
        j.what = what;
        j.marker = marker;
        known = version_known(g, &j, attempt, &base, remote);
        r = known ? R_OK : version_find_or_create(&j, &base, remote, &from_server);
        if (r == R_OK) r = version_update(&j, *remote, &base, !from_server);
        if (r == R_GONE && known && attempt == 0) {
            warnf("registry: %s: remote version %d recorded in the sync state is gone; searching and re-creating",
                  what, *remote);
            forget_remote(g);
        } else if (r == R_OK || (r == R_FAILED && *remote > 0))
            version_record(&j, *remote, &base);
        st_version_free(&base);
        job_free(&j);
        if (!(r == R_GONE && known && attempt == 0)) break;
    }
    free(marker);
    return r;
}

/* ---- aliases, then the whole model -------------------------------------------------------- */

static int remote_of(const src_model *m, const int *remote, const char *local)
{
    int num = parse_version(local);
    size_t i;
    for (i = 0; i < m->nv; i++)
        if (m->v[i].version == num) return remote[i];
    return 0;
}

/* Aliases pointed at the remote numbers; recorded ones gone locally deleted (may_delete). */
static int sync_aliases(reg_ctx *g, const src_model *m, const int *remote, hmap *sent, int may_delete)
{
    const hmap_entry *e;
    size_t i;
    rest_err re;
    char what[600];
    int r = R_OK;
    for (i = 0; i < m->aliases.n && !sync_stopped(g->x); i++) {
        const char *alias = m->aliases.v[i].key;
        int num = remote_of(m, remote, m->aliases.v[i].value);
        char nums[24];
        snprintf(what, sizeof what, "model '%s' alias '%s'", m->name, alias);
        if (!num) {
            warnf("registry: %s waits: version %s is not synced", what, m->aliases.v[i].value);
            continue;
        }
        snprintf(nums, sizeof nums, "%d", num);
        if ((e = hmap_get(sent, alias)) && e->sval && strcmp(e->sval, nums) == 0) continue;
        wrote(g);
        if (rest_model_set_alias(g->rc, m->name, alias, num, &re) != 0) r = rest_failed(g, what, &re, "setting it");
        else if (!hmap_put(sent, alias, nums, 0, 0)) r = out_of_memory(g, what);
    }
    if (!may_delete) return r;
    HMAP_FOREACH(sent, e)
    {
        char *alias;
        if (kv_get(&m->aliases, e->key)) continue;
        snprintf(what, sizeof what, "model '%s' alias '%s'", m->name, e->key);
        wrote(g);
        if (rest_model_delete_alias(g->rc, m->name, e->key, &re) != 0 && !rest_is_not_found(&re)) {
            r = rest_failed(g, what, &re, "deleting it");
            continue;
        }
        if ((alias = xstrdup(e->key)) != NULL) hmap_del(sent, alias);
        free(alias);
    }
    return r;
}

/* Every local version (deleted ones are never carried). R_GONE: the model is missing remotely. */
static int sync_versions(reg_ctx *g, const src_model *m, int *remote)
{
    size_t i;
    for (i = 0; i < m->nv && !sync_stopped(g->x); i++) {
        int r;
        if (m->v[i].deleted) continue;
        r = sync_version(g, m, &m->v[i], &remote[i]);
        summary_add(&g->x->sum->reg_versions, 1);
        if (r == R_GONE) return R_GONE;
    }
    forget_remote(g);
    return R_OK;
}

/* A model's baseline: the server's copy (with its aliases), or the one just created. */
static int model_base_of(const kvlist *tags, const char *description, const kvlist *aliases, st_model *base)
{
    size_t i;
    char h[17];
    memset(base, 0, sizeof *base);
    for (i = 0; aliases && i < aliases->n; i++)
        if (!hmap_put(&base->alias, aliases->v[i].key, aliases->v[i].value, 0, 0)) return -1;
    hash_of(description, h);
    return hash_tags(&base->tag_hash, tags) == 0 && (base->desc_hash = xstrdup(h)) ? 0 : -1;
}

/* Without a record: the server's copy, or a new one. R_OK (*from_server set) or R_FAILED. */
static int model_base(reg_ctx *g, const src_model *m, const char *what, st_model *base, int *from_server)
{
    rest_model rm;
    rest_err re;
    int f;
    memset(&rm, 0, sizeof rm);
    f = rest_model_get(g->rc, m->name, &rm, &re);
    if (f == 0) {
        wrote(g);
        if (rest_model_create(g->rc, m->name, m->description, &m->tags, &re) == 0) {
            g->models_created++;
            g->fresh_model = 1;
            return model_base_of(&m->tags, m->description, NULL, base) == 0 ? R_OK : out_of_memory(g, what);
        }
        if (!rest_is_exists(&re)) return rest_failed(g, what, &re, "creating it");
        f = rest_model_get(g->rc, m->name, &rm, &re); /* created meanwhile (a concurrent sync) */
    }
    if (f != 1) {
        if (f == 0) { /* it said "exists" and then "does not exist" */
            rest_err_clear(&re);
            re.code = EXIT_REJECTED;
            snprintf(re.msg, sizeof re.msg, "the registered model was neither found nor created");
        }
        return rest_failed(g, what, &re, "finding it");
    }
    *from_server = 1;
    f = model_base_of(&rm.tags, rm.description, &rm.aliases, base);
    rest_model_free(&rm);
    return f == 0 ? R_OK : out_of_memory(g, what);
}

static void print_model_plan(reg_ctx *g, const src_model *m, int have)
{
    size_t i, fresh = 0;
    for (i = 0; i < m->nv; i++) {
        st_version vr;
        char *mk = plan_version_marker(m->name, m->v[i].version, m->v[i].creation_time);
        int known = !m->v[i].deleted && mk && state_get_version(g->x->st, m->name, m->v[i].version, &vr);
        if (!m->v[i].deleted && !(known && vr.marker && strcmp(vr.marker, mk) == 0 && vr.remote_version)) fresh++;
        if (known) st_version_free(&vr);
        free(mk);
    }
    helpf("%s registered model '%s': %zu versions (%zu not synced yet), %zu aliases\n",
          have ? "update" : "create-or-reconcile", m->name, m->nv, fresh, m->aliases.n);
}

/* One attempt at a model: R_OK, R_FAILED, or R_GONE (the recorded remote model vanished: again). */
static int model_attempt(reg_ctx *g, const src_model *m, const char *what, int attempt)
{
    st_model base;
    reg_obj o;
    int from_server = 0, r = R_OK, have, *remote = calloc(m->nv + 1, sizeof *remote);
    tool_err te;
    memset(&base, 0, sizeof base);
    if (!remote) return out_of_memory(g, what);
    have = attempt == 0 && !g->x->cfg->reconcile && state_get_model(g->x->st, m->name, &base);
    if (!have) r = model_base(g, m, what, &base, &from_server);
    o.name = m->name;
    o.version = 0;
    o.what = what;
    if (r == R_OK) r = sync_tags(g, &o, &m->tags, &base.tag_hash, !from_server);
    if (r == R_OK) r = sync_description(g, &o, m->description, &base.desc_hash);
    if (r == R_OK) r = sync_versions(g, m, remote);
    if (r == R_GONE && (from_server || attempt > 0)) {
        err_clear(&te);
        err_set(&te, EXIT_REJECTED, "", "the registered model vanished on the server while it was synced");
        r = item_failed(g, what, &te);
    }
    if (r == R_OK && !sync_stopped(g->x)) sync_aliases(g, m, remote, &base.alias, !from_server);
    if (r != R_GONE && (have || from_server || g->fresh_model)) {
        free(base.remote_name);
        base.remote_name = xstrdup(m->name);
        if (state_put_model(g->x->st, m->name, &base, &te) != 0) err_report(&te);
    }
    st_model_free(&base);
    free(remote);
    return r;
}

static void sync_model(reg_ctx *g, const src_model *m)
{
    char what[600];
    long long failed = g->x->sum->reg_failed;
    int attempt;
    snprintf(what, sizeof what, "model '%s'", m->name);
    g->fresh_model = 0;
    if (g->x->cfg->dry_run) {
        st_model rec;
        int have = !g->x->cfg->reconcile && state_get_model(g->x->st, m->name, &rec);
        print_model_plan(g, m, have);
        if (have) st_model_free(&rec);
        return;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        tool_err te;
        if (model_attempt(g, m, what, attempt) != R_GONE) break;
        warnf("registry: %s recorded in the sync state is gone on the server; re-creating it and its versions",
              what);
        if (state_drop_model(g->x->st, m->name, &te) != 0) err_report(&te);
        forget_remote(g);
        g->fresh_model = 1;
    }
    if (g->x->sum->reg_failed == failed) g->any_ok = 1;
}

int registry_sync(sync_ctx *x, const rest_ctx *rc)
{
    reg_ctx g;
    src_registry reg;
    tool_err te;
    size_t i, skipped;
    memset(&g, 0, sizeof g);
    memset(&reg, 0, sizeof reg);
    g.x = x;
    g.rc = rc;
    err_clear(&te);
    if (src_registry_read(x->src, &reg, &te) != 0) {
        item_failed(&g, "SRC/models", &te);
        return te.code;
    }
    sync_report_problems(x, &reg.problems);
    for (i = 0; i < reg.n && !sync_stopped(x); i++) {
        summary_add(&x->sum->reg_models, 1);
        sync_model(&g, &reg.v[i]);
    }
    forget_remote(&g);
    skipped = reg.problems.n;
    src_registry_free(&reg);
    if (x->sum->reg_writes || x->sum->reg_failed || g.waiting)
        notef("registry: %lld models (%ld created), %lld versions (%lld created, %ld waiting for their run), %lld "
              "failed, %lld write requests",
              x->sum->reg_models, g.models_created, x->sum->reg_versions, x->sum->reg_versions_created, g.waiting,
              x->sum->reg_failed, x->sum->reg_writes);
    if (*x->stop) return EXIT_INTERRUPTED;
    if (!x->sum->reg_failed) return skipped ? EXIT_PARTIAL : EXIT_OK;
    return g.any_ok ? EXIT_PARTIAL : g.first_code ? g.first_code : EXIT_FAILED;
}
