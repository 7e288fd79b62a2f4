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
    int unrecorded;                    /* found by its marker, not from the record: every metric line in doubt */
    tool_err *te;
} lm_job;

static void count_write(lm_job *j) { summary_add(&j->x->sum->reg_writes, 1); }

/* The remote ids of the LoggedModel's experiment and source run; 0, or LM_WAITS. */
static int lm_remotes(lm_job *j)
{
    st_exp e;
    if (state_get_exp(j->x->st, j->m->experiment_id, &e)) {
        j->remote_exp = e.remote_id ? xstrdup(e.remote_id) : NULL;
        st_exp_free(&e);
    }
    j->remote_run = lm_remote_run(j->x, j->m->source_run_id);
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

/* Lines of `key` acknowledged (the record's per-key progress). */
static long lm_acked(const lm_job *j, const char *key)
{
    const hmap_entry *h = hmap_get(&j->rec.metric_lines, key);
    return h && h->sval ? strtol(h->sval, NULL, 10) : 0;
}

static int lm_ack(lm_job *j, const char *key, long lines)
{
    char n[24];
    snprintf(n, sizeof n, "%ld", lines);
    return hmap_put(&j->rec.metric_lines, key, n, 0, 0) ? 0 : -1;
}

/* Each line's LM_LINE_* from the record: the first lm_acked lines of each key acknowledged, the
   rest in doubt (only = -1: when the record says so; else only line `only`) or new; pos[i] is the
   line's number within its key's file (0-based). */
static int lm_states(lm_job *j, const src_lm_metric *v, size_t n, long only, unsigned char *st, long *pos)
{
    int doubt = j->unrecorded || j->rec.metrics_doubt || j->rec.metrics_sent > 0;
    hmap seen = {0};
    size_t i;
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
        hmap_entry *h = hmap_get(&seen, v[i].key);
        if (!h && !(h = hmap_put(&seen, v[i].key, NULL, 0, 0))) rc = -1;
        else {
            pos[i] = (long)h->ival++;
            st[i] = pos[i] < lm_acked(j, v[i].key) ? LM_LINE_ACKED
                    : (only < 0 ? doubt : (long)i == only) ? LM_LINE_DOUBT : LM_LINE_NEW;
        }
    }
    hmap_free(&seen);
    return rc ? err_set(j->te, EXIT_FAILED, j->m->id, "out of memory") : 0;
}

/* Did line i, whose answer was lost, arrive? *there = 1 if so; 0 or the EXIT_* class. */
static int lm_line_arrived(lm_job *j, const src_lm_metric *v, size_t n, size_t i, int *there)
{
    unsigned char *arrived = calloc(n, 1), *st = calloc(n, 1);
    long *pos = calloc(n, sizeof *pos);
    int rc;
    *there = 0;
    if (!arrived || !st || !pos) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    else if ((rc = lm_states(j, v, n, (long)i, st, pos)) == 0)
        rc = lm_doubt_arrived(j->x, j->rc, j->rec.remote_id, v, n, st, arrived, 1, j->te);
    if (rc == 0) *there = arrived[i];
    free(arrived);
    free(st);
    free(pos);
    return rc;
}

/* One line, sent until acknowledged; an answer that leaves it in doubt (none after sending, a
   5xx, an overload) is followed, after a pause, by a look at the server: it is sent again only
   if it did not arrive. */
static int lm_send_line(lm_job *j, const src_lm_metric *v, size_t n, size_t i, const char *run)
{
    const tool_cfg *c = j->x->cfg;
    unsigned seed = (unsigned)i;
    rest_lm_metric q;
    rest_err re;
    int k, there = 0, rc;
    memset(&q, 0, sizeof q);
    q.run_id = run;
    q.model_id = j->rec.remote_id;
    q.key = v[i].key;
    q.dataset_name = v[i].dataset_name;
    q.dataset_digest = v[i].dataset_digest;
    q.value = v[i].value;
    q.timestamp = v[i].timestamp;
    q.step = v[i].step;
    for (k = 1;; k++) {
        char why[700];
        long ms;
        count_write(j);
        if (rest_lm_log_metric(j->rc, &q, &re) == 0) return 0;
        if (!re.ambiguous || re.code == EXIT_AUTH || k > c->retries || sync_stopped(j->x)) break;
        ms = re.retry_after_ms > 0 ? re.retry_after_ms : http_backoff_ms(k, &seed);
        warnf("LoggedModel %s: log-metric '%s': %s; in %.1f s the server says whether it arrived, and it is sent "
              "again if not (try %d/%d)", j->m->id, v[i].key, rest_errstr(&re, why, sizeof why), (double)ms / 1000.0,
              k, c->retries);
        if (sleep_ms_or_stop(ms, j->x->stop)) break;
        if ((rc = lm_line_arrived(j, v, n, i, &there)) != 0) return rc;
        if (there) {
            verbosef("LoggedModel %s: the metric '%s' line in doubt had arrived; not sent again", j->m->id, v[i].key);
            return 0;
        }
    }
    return rest_err_to_tool(&re, j->te, "log-metric");
}

/* Lines in doubt before any is sent (a lost state, an intent of a killed pass, a record of
   before per-key progress): those the server holds are acknowledged. */
static int lm_resolve(lm_job *j, const src_lm_metric *v, size_t n, unsigned char *st, unsigned char *arrived)
{
    size_t i, k = 0, d = 0;
    int rc;
    for (i = 0; i < n; i++) d += st[i] == LM_LINE_DOUBT;
    if (!d) return 0;
    rc = lm_doubt_arrived(j->x, j->rc, j->rec.remote_id, v, n, st, arrived, j->rec.metrics_doubt, j->te);
    for (i = 0; rc == 0 && i < n; i++) k += arrived[i];
    if (rc == 0)
        verbosef("LoggedModel %s: %zu of the %zu metric lines in doubt already arrived; they are not sent again",
                 j->m->id, k, d);
    return rc;
}

/* The lines not acknowledged (those in doubt that arrived are taken as they are), one
   runs/log-metric each, progress per key and line; the record says "in doubt" from the first
   send until the pass's last answer. */
static int lm_lines(lm_job *j, const src_lm_metric *v, size_t n, unsigned char *st, long *pos, unsigned char *arrived)
{
    size_t i;
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
        char *run;
        if (st[i] == LM_LINE_ACKED) continue;
        if (!(run = lm_remote_run(j->x, v[i].run_id)))
            return err_set(j->te, EXIT_PARTIAL, v[i].key, "its run %s is not synced (deleted, or not in this pass)",
                           v[i].run_id ? v[i].run_id : "(none)");
        if (!arrived[i]) {
            if (!j->rec.metrics_doubt) {
                j->rec.metrics_doubt = 1;
                lm_record(j); /* the intent: a pass killed from here on asks before sending again */
            }
            rc = lm_send_line(j, v, n, i, run);
        }
        if (rc == 0 && lm_ack(j, v[i].key, pos[i] + 1) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
        if (rc == 0 && !arrived[i]) lm_record(j); /* per line: a pass killed here sends none of them again */
        free(run);
    }
    return rc;
}

static int lm_metrics(lm_job *j)
{
    src_lm_metric *v = NULL;
    src_problems pr;
    unsigned char *st = NULL, *arrived = NULL;
    long *pos = NULL;
    size_t n = 0;
    int rc;
    memset(&pr, 0, sizeof pr);
    if ((rc = src_logged_model_metrics(j->x->src, j->m, &v, &n, &pr, j->te)) != 0) return rc;
    sync_report_problems(j->x, &pr);
    if (!(st = calloc(n + 1, 1)) || !(arrived = calloc(n + 1, 1)) || !(pos = calloc(n + 1, sizeof *pos)))
        rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    if (rc == 0) rc = lm_states(j, v, n, -1, st, pos);
    if (rc == 0) rc = lm_resolve(j, v, n, st, arrived);
    if (rc == 0) rc = lm_lines(j, v, n, st, pos, arrived);
    if (rc == 0) { /* every line acknowledged: nothing in doubt, the old count is replaced by the keys' */
        j->rec.metrics_doubt = 0;
        j->rec.metrics_sent = 0;
    }
    free(st);
    free(arrived);
    free(pos);
    src_lm_metrics_free(v, n);
    src_problems_free(&pr);
    return rc;
}

/* Records the values of l as on the remote copy (key -> hash). */
static int lm_mark_sent(hmap *sent, const kvlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        char h[17];
        state_value_hash(l->v[i].value, h);
        if (!hmap_put(sent, l->v[i].key, h, 0, 0)) return -1;
    }
    return 0;
}

/* The items of l whose value is not recorded in sent (new or changed), into out: 0 or -1. */
static int lm_unsent(const kvlist *l, const hmap *sent, kvlist *out)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        const hmap_entry *old = hmap_get(sent, l->v[i].key);
        char h[17];
        state_value_hash(l->v[i].value, h);
        if ((!old || !old->sval || strcmp(old->sval, h) != 0) && kv_add(out, l->v[i].key, l->v[i].value) != 0) return -1;
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
    if (lm_unsent(&j->m->tags, &j->rec.tag_hash, &changed) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    else if (changed.n) {
        count_write(j);
        if (rest_lm_set_tags(j->rc, j->rec.remote_id, &changed, &re) != 0) rc = rest_err_to_tool(&re, j->te, "set tags");
        else if (lm_mark_sent(&j->rec.tag_hash, &changed) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
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

/* Of the local params not recorded as sent (new, changed, or a record from before params were
   kept), those the remote copy lacks or holds with another value: asked first (an SQL server
   refuses a param the model has; a file store overwrites it). */
static int lm_params_missing(lm_job *j, const kvlist *unsent, kvlist *send, const char **changed)
{
    rest_logged_model r;
    rest_err re;
    size_t i;
    int rc = 0;
    *changed = NULL;
    if (rest_lm_get(j->rc, j->rec.remote_id, &r, &re) != 0) return rest_err_to_tool(&re, j->te, "logged-models get");
    for (i = 0; i < unsent->n && rc == 0; i++) {
        const char *there = kv_get(&r.params, unsent->v[i].key);
        if (there && strcmp(there, unsent->v[i].value) != 0) *changed = unsent->v[i].key;
        if (!there || strcmp(there, unsent->v[i].value) != 0) rc = kv_add(send, unsent->v[i].key, unsent->v[i].value);
    }
    rest_logged_model_free(&r);
    return rc ? err_set(j->te, EXIT_FAILED, j->m->id, "out of memory") : 0;
}

/* Params logged to the model after its remote copy was made (MlflowClient.log_model_params). */
static int lm_params(lm_job *j)
{
    const tool_cfg *c = j->x->cfg;
    kvlist unsent = {0};
    unsigned seed = 1;
    int rc = 0, k;
    if (lm_unsent(&j->m->params, &j->rec.param_hash, &unsent) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
    for (k = 1; rc == 0 && unsent.n; k++) {
        kvlist send = {0};
        rest_err re;
        char why[700];
        const char *changed = NULL;
        rc = lm_params_missing(j, &unsent, &send, &changed);
        if (rc == 0 && send.n) {
            count_write(j);
            if (rest_lm_log_params(j->rc, j->rec.remote_id, &send, &re) != 0) {
                rc = rest_err_to_tool(&re, j->te, "log params");
                if (changed && re.status == 400) /* an SQL server: the key is taken (a file store overwrites) */
                    rc = err_set(j->te, EXIT_PARTIAL, changed, "this LoggedModel param changed after it was synced, "
                                 "and the server refuses to change it (%s)", rest_errstr(&re, why, sizeof why));
                else if (re.ambiguous && re.code != EXIT_AUTH && k <= c->retries && !sync_stopped(j->x)) {
                    warnf("LoggedModel %s: log params: %s; the server is asked what arrived (try %d/%d)", j->m->id,
                          rest_errstr(&re, why, sizeof why), k, c->retries);
                    rc = sleep_ms_or_stop(http_backoff_ms(k, &seed), j->x->stop) ? rc : 0;
                    kv_free(&send);
                    continue;
                }
            }
        }
        if (rc == 0 && lm_mark_sent(&j->rec.param_hash, &unsent) != 0) rc = err_set(j->te, EXIT_FAILED, j->m->id, "out of memory");
        kv_free(&send);
        break;
    }
    kv_free(&unsent);
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
    if (!j->rec.remote_id || strcmp(j->rec.remote_id, id) != 0) { /* another copy: nothing of ours is known there */
        free(j->rec.remote_id);
        j->rec.remote_id = id;
        hmap_free(&j->rec.artifact);
        hmap_free(&j->rec.tag_hash);
        hmap_free(&j->rec.param_hash);
        hmap_free(&j->rec.metric_lines);
        j->rec.metrics_sent = 0;
        j->rec.metrics_doubt = 0;
        j->rec.status = 0;
        j->unrecorded = !created; /* found: what it holds is asked (lm_resolve, lm_params) */
    } else
        free(id);
    free(j->rec.artifact_location);
    if (!(j->rec.artifact_location = xstrdup(j->found.artifact_location)) ||
        (created && (lm_mark_sent(&j->rec.tag_hash, &j->m->tags) != 0 || lm_mark_sent(&j->rec.param_hash, &j->m->params) != 0)))
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
    if (rc == 0) rc = lm_params(j);
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
