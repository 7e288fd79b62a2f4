/* tools/sync_exp.c — one experiment: its remote copy (found by name, restored
 * when deleted on the server, else created once) and its tags. The state
 * record keeps the remote id and a hash per tag, so an unchanged experiment
 * costs no request. */
#include "sync.h"
#include "msgs.h"
#include "rest_tracking.h"

#include <stdlib.h>
#include <string.h>

typedef struct exp_job {
    sync_ctx *x;
    const rest_ctx *rc;
    const src_exp *e;
    const char *name;                  /* with --experiment-prefix */
    int created;                       /* created with its tags: no set-tag needed */
} exp_job;

/* create_once's find: by name; a deleted experiment is restored */
static int exp_find(void *ud, char **id, rest_err *re)
{
    exp_job *j = ud;
    rest_exp found;
    int f;
    memset(&found, 0, sizeof found);
    f = rest_exp_get_by_name(j->rc, j->name, &found, re);
    if (f == 1 && found.deleted) {
        notef("experiment '%s' is deleted on the server; restoring it", j->name);
        if (rest_exp_restore(j->rc, found.id, re) != 0) f = -1;
    }
    if (f == 1) {
        *id = found.id;
        found.id = NULL;
    }
    rest_exp_free(&found);
    return f < 0 ? -1 : f;
}

/* create_once's create: with the tags; a concurrent creator's experiment is taken */
static int exp_create(void *ud, char **id, rest_err *re)
{
    exp_job *j = ud;
    if (rest_exp_create(j->rc, j->name, &j->e->tags, id, re) == 0) {
        j->created = 1;
        return 0;
    }
    if (!rest_is_exists(re)) return -1;
    return exp_find(ud, id, re) == 1 ? 0 : -1;
}

static int tags_unchanged(const src_exp *e, const st_exp *rec)
{
    size_t i;
    for (i = 0; i < e->tags.n; i++) {
        const hmap_entry *old = hmap_get(&rec->tag_hash, e->tags.v[i].key);
        char h[17];
        state_value_hash(e->tags.v[i].value, h);
        if (!old || !old->sval || strcmp(old->sval, h) != 0) return 0;
    }
    return 1;
}

/* Sets the tags that differ from rec (all without a record); their hashes go into rec. */
static int send_tags(exp_job *j, const char *id, st_exp *rec, tool_err *te)
{
    size_t i;
    for (i = 0; i < j->e->tags.n; i++) {
        const kvpair *t = &j->e->tags.v[i];
        const hmap_entry *old = hmap_get(&rec->tag_hash, t->key);
        char h[17];
        rest_err re;
        state_value_hash(t->value, h);
        if (old && old->sval && strcmp(old->sval, h) == 0) continue;
        if (!j->created && rest_exp_set_tag(j->rc, id, t->key, t->value, &re) != 0)
            return rest_err_to_tool(&re, te, "setting an experiment tag");
        if (!hmap_put(&rec->tag_hash, t->key, h, 0, 0)) return err_set(te, EXIT_FAILED, "experiment", "out of memory");
    }
    return 0;
}

static int exp_write(exp_job *j, st_exp *rec, tool_err *te)
{
    create_once_ops ops;
    char *id = rec->remote_id ? xstrdup(rec->remote_id) : NULL;
    int created = 0, rc;
    rest_err re;
    rest_err_clear(&re);
    if (!id) {
        memset(&ops, 0, sizeof ops);
        ops.find = exp_find;
        ops.create = exp_create;
        ops.ud = j;
        if (create_once(&ops, &id, &created, &re) != 0) return rest_err_to_tool(&re, te, "finding or creating it");
        hmap_free(&rec->tag_hash); /* a found experiment: every tag is set once */
    }
    rc = send_tags(j, id, rec, te);
    if (rc == 0) {
        tool_err se;
        free(rec->remote_id);
        free(rec->name);
        rec->remote_id = id;
        rec->name = xstrdup(j->name);
        id = NULL;
        if (state_put_exp(j->x->st, j->e->id, rec, &se) != 0) err_report(&se);
        summary_add(&j->x->sum->experiments, 1);
    }
    free(id);
    return rc;
}

/* The record of e when it still describes the remote copy under this name. */
static int exp_record(sync_ctx *x, const src_exp *e, const char *name, st_exp *rec)
{
    memset(rec, 0, sizeof *rec);
    if (x->cfg->reconcile || !state_get_exp(x->st, e->id, rec)) return 0;
    if (rec->remote_id && (!rec->name || strcmp(rec->name, name) == 0)) return 1;
    st_exp_free(rec);
    memset(rec, 0, sizeof *rec);
    return 0;
}

static int exp_failed(sync_ctx *x, const char *name, tool_err *te)
{
    sbuf item = {0};
    if (!te->code) err_set(te, EXIT_FAILED, "", "out of memory");
    sb_printf(&item, "experiment '%s'", name);
    sync_err_prefix(te, item.oom ? "experiment" : item.s);
    sb_free(&item);
    err_report(te);
    summary_fail(x->sum, te->code, NULL, te->what, te->why);
    sync_failed(x, te->code);
    return te->code;
}

int sync_experiment(sync_ctx *x, const rest_ctx *rc, const src_exp *e)
{
    exp_job j;
    st_exp rec;
    sbuf name = {0};
    tool_err te;
    int have, code = 0;
    err_clear(&te);
    sb_puts(&name, x->cfg->experiment_prefix ? x->cfg->experiment_prefix : "");
    sb_puts(&name, e->name);
    if (name.oom) return exp_failed(x, e->name, &te);
    have = exp_record(x, e, name.s, &rec);
    memset(&j, 0, sizeof j);
    j.x = x;
    j.rc = rc;
    j.e = e;
    j.name = name.s;
    if (x->cfg->dry_run && !(have && tags_unchanged(e, &rec)))
        helpf("%s experiment '%s'%s\n", have ? "update" : "create-or-reuse", name.s, have ? " (tags changed)" : "");
    else if (!x->cfg->dry_run && !(have && tags_unchanged(e, &rec)))
        code = exp_write(&j, &rec, &te);
    if (code == 0 && !hmap_put(&x->exp_remote, e->id, rec.remote_id ? rec.remote_id : "", j.created, 0))
        code = EXIT_FAILED;
    if (code != 0) code = exp_failed(x, name.s, &te);
    st_exp_free(&rec);
    sb_free(&name);
    return code;
}
