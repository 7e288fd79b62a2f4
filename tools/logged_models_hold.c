/* tools/logged_models_hold.c — run metric lines that are LoggedModel metrics,
 * held back from the run's log-batch.
 *
 * MLflow writes a LoggedModel metric twice: into the model's metrics/<key>
 * ("ts value step run_id ...") and into its run's metrics/<key>. Over REST
 * one runs/log-metric with model_id writes both, and there is no call for
 * the model's side alone. A file-store server keeps every line it is sent,
 * so a point sent with the run's history and again with the model would be
 * there twice. Such a line is therefore left to the LoggedModel stage
 * (logged_models.c), which sends it once with model_id: the run's progress
 * passes over it, the model's record counts it.
 *
 * Only where the server has LoggedModels: the first held line asks the
 * server once (logged-models/search); an MLflow 2.x server answers 404 and
 * the lines go with the run as plain metrics. */
#include "logged_models.h"
#include "plan.h"
#include "rest_tracking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PROBE_UNKNOWN = 0, PROBE_HAS = 1, PROBE_NONE = 2 };

int logged_models_hold_id(sbuf *b, const char *run, const char *key, long long ts, long long step, double v)
{
    sb_printf(b, "%s\x1f%s\x1f%lld\x1f%lld\x1f%.17g", run, key, ts, step, v);
    return b->oom ? -1 : 0;
}

static int hold_model(sync_ctx *x, const src_logged_model *m)
{
    src_lm_metric *v = NULL;
    src_problems pr;
    tool_err te;
    size_t n = 0, i;
    int rc = 0;
    memset(&pr, 0, sizeof pr);
    err_clear(&te);
    if (src_logged_model_metrics(x->src, m, &v, &n, &pr, &te) != 0) n = 0; /* the stage reports it */
    for (i = 0; i < n && rc == 0; i++) {
        sbuf id = {0};
        if (!v[i].run_id) continue;
        rc = logged_models_hold_id(&id, v[i].run_id, v[i].key, v[i].timestamp, v[i].step, v[i].value);
        if (rc == 0) { /* ival: lines of SRC's LoggedModels with this point */
            hmap_entry *h = hmap_get(&x->lm_held, id.s);
            if (h) h->ival++;
            else if (!hmap_put(&x->lm_held, id.s, NULL, 1, 0)) rc = -1;
        }
        sb_free(&id);
    }
    src_lm_metrics_free(v, n);
    src_problems_free(&pr);
    return rc;
}

int logged_models_hold_prepare(sync_ctx *x)
{
    size_t i, k;
    int rc = 0;
    for (i = 0; i < src_store_nexps(x->src) && rc == 0; i++) {
        src_logged_models ms;
        tool_err te;
        memset(&ms, 0, sizeof ms);
        err_clear(&te);
        if (src_logged_models_read(x->src, src_store_exp(x->src, i), &ms, &te) != 0) continue; /* the stage reports it */
        for (k = 0; k < ms.n && rc == 0; k++) rc = hold_model(x, &ms.v[k]);
        src_logged_models_free(&ms);
    }
    return rc;
}

long long logged_models_held_n(const sync_ctx *x, const char *id)
{
    const hmap_entry *h = hmap_get(&x->lm_held, id);
    return h ? h->ival : 0;
}

/* Does the server have LoggedModels? Asked once per pass (several workers may ask at once: harmless). */
static int probe(sync_ctx *x, const rest_ctx *rc, const char *remote_exp)
{
    int p = __atomic_load_n(&x->lm_probe, __ATOMIC_RELAXED);
    rest_logged_model m;
    rest_err re;
    int f;
    if (p != PROBE_UNKNOWN) return p;
    rest_err_clear(&re);
    f = rest_lm_search_by_tag(rc, remote_exp, LOGGED_MODEL_SYNC_TAG, "-", &m, &re);
    if (f > 0) rest_logged_model_free(&m);
    if (f < 0 && rest_is_no_endpoint(&re)) {
        __atomic_store_n(&x->no_lm_endpoints, 1, __ATOMIC_RELAXED);
        p = PROBE_NONE;
    } else
        p = f < 0 ? PROBE_UNKNOWN : PROBE_HAS; /* a failed probe holds nothing: asked again later */
    if (p != PROBE_UNKNOWN) __atomic_store_n(&x->lm_probe, p, __ATOMIC_RELAXED);
    return p;
}

int logged_models_holds(sync_ctx *x, const rest_ctx *rc, const char *remote_exp, const char *run_id,
                        const char *key, const src_point *pt)
{
    sbuf id = {0};
    int held;
    if (!x->lm_held.n) return 0;
    if (logged_models_hold_id(&id, run_id, key, pt->timestamp, pt->step, pt->value) != 0) return 0;
    held = hmap_get(&x->lm_held, id.s) != NULL;
    sb_free(&id);
    return held && probe(x, rc, remote_exp) == PROBE_HAS;
}
