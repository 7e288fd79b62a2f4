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
    t.artifact_uri = j->found.artifact_location;
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

static int lm_carry(lm_job *j)
{
    create_once_ops ops;
    char *id = NULL;
    rest_err re;
    int created = 0;
    memset(&ops, 0, sizeof ops);
    ops.find = lm_find;
    ops.create = lm_create;
    ops.ud = j;
    rest_err_clear(&re);
    if (create_once(&ops, &id, &created, &re) != 0) return rest_err_to_tool(&re, j->te, "logged-models create");
    if (!j->rec.remote_id || strcmp(j->rec.remote_id, id) != 0) { /* another copy: its artifacts are not there */
        free(j->rec.remote_id);
        j->rec.remote_id = id;
        hmap_free(&j->rec.artifact);
    } else
        free(id);
    j->rec.finalized = j->found.status == REST_LM_READY; /* READY already (a state lost after the last pass) */
    lm_record(j);
    if (j->rec.finalized) return 0;
    if (lm_upload(j) == 0) {
        lm_record(j);
        count_write(j);
        if (rest_lm_finalize(j->rc, j->rec.remote_id, REST_LM_READY, &re) != 0) return rest_err_to_tool(&re, j->te, "finalizing");
        j->rec.finalized = 1;
        lm_record(j);
        return 0;
    }
    lm_record(j); /* the artifacts that did arrive */
    return j->te->code;
}

int logged_model_ensure(sync_ctx *x, const rest_ctx *rc, const char *local_id, char **remote_id, tool_err *te)
{
    lm_job j;
    src_logged_model m;
    int code;
    *remote_id = NULL;
    memset(&j, 0, sizeof j);
    memset(&m, 0, sizeof m);
    j.x = x;
    j.rc = rc;
    j.te = te;
    j.m = &m;
    if (!x->cfg->reconcile && state_get_logged_model(x->st, local_id, &j.rec) && j.rec.finalized && j.rec.remote_id) {
        *remote_id = j.rec.remote_id;
        j.rec.remote_id = NULL;
        st_logged_model_free(&j.rec);
        return LM_READY;
    }
    if (src_logged_model_find(x->src, local_id, &m, te) != 0)
        code = te->code ? te->code
                        : err_set(te, EXIT_SOURCE, local_id, "its source LoggedModel is not in SRC (<experiment>/models/<id>)");
    else if ((code = lm_remotes(&j)) == 0 && !x->cfg->dry_run && (code = lm_carry(&j)) == 0) {
        verbosef("registry: LoggedModel %s is remote %s", local_id, j.rec.remote_id);
        *remote_id = xstrdup(j.rec.remote_id);
        if (!*remote_id) code = err_set(te, EXIT_FAILED, local_id, "out of memory");
    }
    if (code == 0 && x->cfg->dry_run) code = LM_WAITS;
    src_logged_model_free(&m);
    rest_logged_model_free(&j.found);
    st_logged_model_free(&j.rec);
    free(j.remote_exp);
    free(j.remote_run);
    return code;
}
