/* tools/logged_models.c — see logged_models.h */
#include "logged_models.h"
#include "artifacts.h"
#include "msgs.h"
#include "plan.h"
#include "rest_tracking.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct lm_job {
    sync_ctx *x;
    const rest_ctx *rc;
    const src_logged_model *m;
    char *remote_exp, *remote_run;
    rest_logged_model found;           /* the remote copy, once found or created */
    st_logged_model rec;
    tool_err *te;
} lm_job;

static void count_write(lm_job *j) { summary_add(&j->x->sum->reg_writes, 1); }

/* The remote ids of the LoggedModel's experiment and source run; 0, or LM_WAITS. */
static int lm_remotes(lm_job *j)
{
    st_exp e;
    st_run r;
    if (state_get_exp(j->x->st, j->m->experiment_id, &e)) {
        j->remote_exp = e.remote_id ? xstrdup(e.remote_id) : NULL;
        st_exp_free(&e);
    }
    if (j->m->source_run_id && state_get_run(j->x->st, j->m->source_run_id, &r)) {
        j->remote_run = r.remote_id ? xstrdup(r.remote_id) : NULL;
        st_run_free(&r);
    }
    return !j->remote_exp || (j->m->source_run_id && !j->remote_run) ? LM_WAITS : 0;
}

static int lm_find(void *ud, char **id, rest_err *re)
{
    lm_job *j = ud;
    int f;
    rest_logged_model_free(&j->found);
    f = rest_lm_search_by_tag(j->rc, j->remote_exp, LOGGED_MODEL_SYNC_TAG, j->m->id, &j->found, re);
    if (f == 1 && !(*id = xstrdup(j->found.id))) return -1;
    return f < 0 ? -1 : f;
}

static int lm_create(void *ud, char **id, rest_err *re)
{
    lm_job *j = ud;
    rest_lm_create_req q;
    kvlist tags = {0};
    size_t i;
    int rc = 0;
    for (i = 0; i < j->m->tags.n && rc == 0; i++) rc = kv_add(&tags, j->m->tags.v[i].key, j->m->tags.v[i].value);
    if (rc == 0) rc = kv_add(&tags, LOGGED_MODEL_SYNC_TAG, j->m->id);
    memset(&q, 0, sizeof q);
    q.experiment_id = j->remote_exp;
    q.name = j->m->name && j->m->name[0] ? j->m->name : "model";
    q.source_run_id = j->remote_run;
    q.model_type = j->m->model_type;
    q.params = &j->m->params;
    q.tags = &tags;
    rest_logged_model_free(&j->found);
    count_write(j);
    if (rc == 0) rc = rest_lm_create(j->rc, &q, &j->found, re);
    else {
        rest_err_clear(re);
        snprintf(re->msg, sizeof re->msg, "out of memory");
        re->code = EXIT_FAILED;
    }
    kv_free(&tags);
    if (rc != 0) return -1;
    *id = xstrdup(j->found.id);
    return *id ? 0 : -1;
}

/* Artifacts not uploaded yet (by stamp), then READY. */
static int lm_upload(lm_job *j)
{
    src_artifacts arts;
    art_target t;
    size_t i;
    int rc;
    memset(&arts, 0, sizeof arts);
    if ((rc = src_logged_model_artifacts(j->x->src, j->m, &arts, j->te)) != 0) return rc;
    t.rc = j->rc;
    t.cfg = &j->x->cfg->art;
    t.artifact_uri = j->rec.artifact_location;
    t.run_id = j->remote_run ? j->remote_run : "";
    t.session = j->x->arts;
    for (i = 0; i < arts.n && rc == 0; i++) {
        const hmap_entry *old = hmap_get(&j->rec.artifact, arts.v[i].rel);
        char stamp[48];
        long long size = 0;
        int fd;
        plan_artifact_stamp(&arts.v[i], stamp);
        if (old && old->sval && strcmp(old->sval, stamp) == 0) continue;
        fd = src_logged_model_artifact_open(j->x->src, j->m, arts.v[i].rel, &size, j->te);
        if (fd < 0) rc = j->te->code ? j->te->code : EXIT_SOURCE;
        else {
            count_write(j);
            rc = art_upload(&t, fd, arts.v[i].rel, size, j->te, NULL);
            close(fd);
        }
        if (rc == 0 && !hmap_put(&j->rec.artifact, arts.v[i].rel, stamp, 0, 0))
            rc = err_set(j->te, EXIT_FAILED, arts.v[i].rel, "out of memory");
    }
    src_artifacts_free(&arts);
    return rc;
}

static void lm_record(lm_job *j)
{
    tool_err se;
    if (state_put_logged_model(j->x->st, j->m->id, &j->rec, &se) != 0) err_report(&se);
}

/* The remote run of a metric line's run (recorded by the run's sync), or NULL. */
static char *lm_metric_run(lm_job *j, const char *local_run)
{
    st_run r;
    char *id = NULL;
    if (local_run && state_get_run(j->x->st, local_run, &r)) {
        id = r.remote_id ? xstrdup(r.remote_id) : NULL;
        st_run_free(&r);
    }
    return id;
}

/* The line is among the metrics the found remote copy already has (a pass whose state was lost). */
static int lm_metric_there(const lm_job *j, const src_lm_metric *m, const char *remote_run)
{
    size_t i;
    for (i = 0; i < j->found.nmetrics; i++) {
        const rest_lm_point *p = &j->found.metrics[i];
        if (!strcmp(p->key, m->key) && !strcmp(p->run_id, remote_run) && p->timestamp == m->timestamp &&
            p->step == m->step && (p->value == m->value || (p->value != p->value && m->value != m->value)))
            return 1;
    }
    return 0;
}

/* Metric lines after the acknowledged ones, one runs/log-metric each, progress per line. */
static int lm_metrics(lm_job *j)
{
    src_lm_metric *v = NULL;
    src_problems pr;
    size_t n = 0, i;
    int rc;
    memset(&pr, 0, sizeof pr);
    if ((rc = src_logged_model_metrics(j->x->src, j->m, &v, &n, &pr, j->te)) != 0) return rc;
    sync_report_problems(j->x, &pr);
    for (i = (size_t)j->rec.metrics_sent; i < n && rc == 0; i++) {
        rest_lm_metric q;
        rest_err re;
        char *run = lm_metric_run(j, v[i].run_id);
        if (!run) {
            rc = err_set(j->te, EXIT_PARTIAL, v[i].key, "its run %s is not synced (deleted, or not in this pass)",
                         v[i].run_id ? v[i].run_id : "(none)");
            break;
        }
        memset(&q, 0, sizeof q);
        q.run_id = run;
        q.model_id = j->rec.remote_id;
        q.key = v[i].key;
        q.dataset_name = v[i].dataset_name;
        q.dataset_digest = v[i].dataset_digest;
        q.value = v[i].value;
        q.timestamp = v[i].timestamp;
        q.step = v[i].step;
        if (lm_metric_there(j, &v[i], run)) { /* found with the model: it arrived before */
            j->rec.metrics_sent = (long)i + 1;
            free(run);
            continue;
        }
        count_write(j);
        if (rest_lm_log_metric(j->rc, &q, &re) != 0) rc = rest_err_to_tool(&re, j->te, "log-metric");
        else {
            j->rec.metrics_sent = (long)i + 1;
            lm_record(j); /* per line: a pass killed here sends none of them again */
        }
        free(run);
    }
    src_lm_metrics_free(v, n);
    src_problems_free(&pr);
    return rc;
}

/* Records the local tags (those of `only`, when given) as on the remote copy. */
static int lm_tags_sent(lm_job *j, const kvlist *only)
{
    size_t i;
    for (i = 0; i < j->m->tags.n; i++) {
        char h[17];
        if (only && !kv_get(only, j->m->tags.v[i].key)) continue;
        state_value_hash(j->m->tags.v[i].value, h);
        if (!hmap_put(&j->rec.tag_hash, j->m->tags.v[i].key, h, 0, 0)) return -1;
    }
    return 0;
}

/* Tags set or changed locally since the last pass (one set-tags call), and tags deleted locally. */
static int lm_tags(lm_job *j)
{
    kvlist changed = {0};
    rest_err re;
    size_t i;
    int rc = 0;
    for (i = 0; i < j->m->tags.n && rc == 0; i++) {
        const hmap_entry *old = hmap_get(&j->rec.tag_hash, j->m->tags.v[i].key);
        char h[17];
        state_value_hash(j->m->tags.v[i].value, h);
        if (!old || !old->sval || strcmp(old->sval, h) != 0) rc = kv_add(&changed, j->m->tags.v[i].key, j->m->tags.v[i].value);
    }
    if (rc != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    else if (changed.n) {
        count_write(j);
        if (rest_lm_set_tags(j->rc, j->rec.remote_id, &changed, &re) != 0) rc = rest_err_to_tool(&re, j->te, "set tags");
        else if (lm_tags_sent(j, &changed) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    }
    kv_free(&changed);
    for (i = 0; i < j->rec.tag_hash.n && rc == 0; i++) {
        const char *key = j->rec.tag_hash.v[i].key;
        if (!key || kv_get(&j->m->tags, key)) continue;
        count_write(j);
        if (rest_lm_delete_tag(j->rc, j->rec.remote_id, key, &re) != 0 && !rest_is_absent(&re))
            rc = rest_err_to_tool(&re, j->te, "delete tag");
        else hmap_del(&j->rec.tag_hash, key);
    }
    return rc;
}

/* The remote copy: the recorded one, else found by its marker or created once. */
static int lm_remote(lm_job *j)
{
    create_once_ops ops;
    char *id = NULL;
    rest_err re;
    int created = 0;
    if (j->rec.remote_id && j->rec.artifact_location && !j->x->cfg->reconcile) return 0;
    memset(&ops, 0, sizeof ops);
    ops.find = lm_find;
    ops.create = lm_create;
    ops.ud = j;
    rest_err_clear(&re);
    if (create_once(&ops, &id, &created, &re) != 0) {
        if (rest_is_no_endpoint(&re)) __atomic_store_n(&j->x->no_lm_endpoints, 1, __ATOMIC_RELAXED);
        return rest_err_to_tool(&re, j->te, "logged-models create");
    }
    if (!j->rec.remote_id || strcmp(j->rec.remote_id, id) != 0) { /* another copy: nothing of ours is there */
        free(j->rec.remote_id);
        j->rec.remote_id = id;
        hmap_free(&j->rec.artifact);
        hmap_free(&j->rec.tag_hash);
        j->rec.metrics_sent = 0;
        j->rec.status = 0;
    } else
        free(id);
    free(j->rec.artifact_location);
    if (!(j->rec.artifact_location = xstrdup(j->found.artifact_location)) || (created && lm_tags_sent(j, NULL) != 0))
        return err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    if (j->found.status == REST_LM_READY || j->found.status == REST_LM_FAILED) j->rec.status = j->found.status;
    j->rec.finalized = j->rec.status != 0;
    lm_record(j);
    return 0;
}

/* Create, artifacts, metrics, then the local status (PENDING stays pending). */
static int lm_carry(lm_job *j)
{
    int want = j->m->status == REST_LM_READY || j->m->status == REST_LM_FAILED ? j->m->status : 0, rc;
    rest_err re;
    if ((rc = lm_remote(j)) != 0) return rc;
    rc = lm_tags(j);
    if (rc == 0) rc = lm_upload(j);
    if (rc == 0) rc = lm_metrics(j);
    lm_record(j); /* what did arrive */
    if (rc != 0 || !want || j->rec.status == want) return rc;
    count_write(j);
    if (rest_lm_finalize(j->rc, j->rec.remote_id, want, &re) != 0) return rest_err_to_tool(&re, j->te, "finalizing");
    j->rec.status = want;
    j->rec.finalized = 1;
    lm_record(j);
    return 0;
}

int logged_model_ensure(sync_ctx *x, const rest_ctx *rc, const char *local_id, char **remote_id, tool_err *te)
{
    src_logged_model m;
    int code;
    *remote_id = NULL;
    memset(&m, 0, sizeof m);
    if (src_logged_model_find(x->src, local_id, &m, te) != 0)
        code = te->code ? te->code
                        : err_set(te, EXIT_SOURCE, local_id, "its source LoggedModel is not in SRC (<experiment>/models/<id>)");
    else
        code = logged_model_sync(x, rc, &m, remote_id, te);
    src_logged_model_free(&m);
    return code;
}

int logged_model_sync(sync_ctx *x, const rest_ctx *rc, const src_logged_model *m, char **remote_id, tool_err *te)
{
    lm_job j;
    int code;
    if (remote_id) *remote_id = NULL;
    if (__atomic_load_n(&x->no_lm_endpoints, __ATOMIC_RELAXED))
        return err_set(te, EXIT_UNSUPPORTED, m->id, "it cannot be carried: this server has no LoggedModels (said above)");
    memset(&j, 0, sizeof j);
    j.x = x;
    j.rc = rc;
    j.te = te;
    j.m = m;
    state_get_logged_model(x->st, m->id, &j.rec);
    if ((code = lm_remotes(&j)) == 0 && !x->cfg->dry_run && (code = lm_carry(&j)) == 0) {
        verbosef("LoggedModel %s is remote %s", m->id, j.rec.remote_id);
        if (remote_id && !(*remote_id = xstrdup(j.rec.remote_id))) code = err_set(te, EXIT_FAILED, m->id, "out of memory");
    }
    if (code == 0 && x->cfg->dry_run) code = LM_WAITS;
    rest_logged_model_free(&j.found);
    st_logged_model_free(&j.rec);
    free(j.remote_exp);
    free(j.remote_run);
    return code;
}
