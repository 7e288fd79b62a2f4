/* tools/registry_sync.c — see registry_sync.h */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "registry_sync.h"
#include "artifacts.h"
#include "exitcodes.h"
#include "msgs.h"
#include "scan.h"
#include "util.h"
#include "yaml.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The sync state keeps registry records next to the runs' (state.c files every
   kind other than "exp" in one table); the prefixes keep them apart from run ids. */
#define REG_KIND "reg"
#define REG_MODEL_KEY "registry:model:"
#define REG_VERSION_KEY "registry:version:"
#define REG_LM_KEY "registry:logged-model:"
#define LM_SYNC_TAG "mlflow_lite.source_model_id"

typedef struct lver {
    int num;
    char *source, *run_id, *description, *stage, *marker;
    long long ctime;
    kvlist tags;
    char *remote;                /* the remote version number, once known */
} lver;

typedef struct lmodel {
    char *name, *description;
    kvlist tags, aliases;        /* aliases: alias -> local version number (text) */
    lver *v;
    size_t nv;
} lmodel;

typedef struct rctx {
    const sync_cfg *cfg;
    state *st;
    rest_ctx rc;
    http_client *h;
    registry_summary *sum;
    volatile int *stop;
    int first_fail, any_ok, down;
    int fresh_model;             /* the model was (re)created in this pass: version records are void */
} rctx;

/* ---- small helpers --------------------------------------------------------- */

static void hash_hex(char out[17], const char *s)
{
    if (!s) s = "";
    snprintf(out, 17, "%016llx", (unsigned long long)fnv1a64(s, strlen(s), FNV_SEED));
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int str_eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static void jput(cJSON *o, const char *k, const char *v)
{
    cJSON_DeleteItemFromObjectCaseSensitive(o, k);
    cJSON_AddStringToObject(o, k, v ? v : "");
}

static cJSON *jsub(cJSON *o, const char *k)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsObject(v)) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, k);
        v = cJSON_AddObjectToObject(o, k);
    }
    return v;
}

/* a positive version number ("3"), else 0 */
static int parse_version(const char *s)
{
    char *end;
    long v;
    if (!s) return 0;
    errno = 0;
    v = strtol(s, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t') end++;
    if (errno || end == s || *end || v <= 0 || v > 2147483647L) return 0;
    return (int)v;
}

static void trim_value(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
}

/* ---- reading SRC/models ------------------------------------------------------ */

static void lmodel_free(lmodel *m)
{
    size_t i;
    for (i = 0; i < m->nv; i++) {
        lver *v = &m->v[i];
        free(v->source);
        free(v->run_id);
        free(v->description);
        free(v->stage);
        free(v->marker);
        free(v->remote);
        kv_free(&v->tags);
    }
    free(m->v);
    free(m->name);
    free(m->description);
    kv_free(&m->tags);
    kv_free(&m->aliases);
    memset(m, 0, sizeof *m);
}

static int ver_cmp(const void *a, const void *b)
{
    const lver *x = a, *y = b;
    return (x->num > y->num) - (x->num < y->num);
}

/* 0 read, 1 not a model folder (no meta.yaml), -1 error (err set) */
static int read_model(const char *mdir, const char *dname, lmodel *m, char *err, size_t errn)
{
    char *p = path_join(mdir, "meta.yaml"), **names = NULL;
    ymap *y = NULL;
    size_t i, nn = 0;
    struct stat st;
    memset(m, 0, sizeof *m);
    if (!p) goto oom;
    if (stat(p, &st) != 0) {
        free(p);
        return 1;
    }
    if (ymap_load(p, &y, err, errn) != 0) {
        free(p);
        return -1;
    }
    free(p);
    m->name = xstrdup(ymap_get(y, "name") ? ymap_get(y, "name") : dname);
    m->description = ymap_get(y, "description") ? xstrdup(ymap_get(y, "description")) : NULL;
    ymap_free(y);
    y = NULL;
    if (!m->name) goto oom;
    p = path_join(mdir, "tags");
    if (!p || scan_read_kv_dir(p, &m->tags) != 0) goto ioerr;
    free(p);
    p = path_join(mdir, "aliases");
    if (!p || scan_read_kv_dir(p, &m->aliases) != 0) goto ioerr;
    free(p);
    p = NULL;
    for (i = 0; i < m->aliases.n; i++) trim_value(m->aliases.v[i].value);
    names = scan_listdir(mdir, &nn);
    for (i = 0; i < nn; i++) {
        char *vdir, *meta;
        lver v, *nv;
        const char *stage, *num;
        if (strncmp(names[i], "version-", 8) != 0) continue;
        vdir = path_join(mdir, names[i]);
        meta = vdir ? path_join(vdir, "meta.yaml") : NULL;
        if (!meta || stat(meta, &st) != 0) {
            if (meta) warnf("registry: %s has no meta.yaml; skipped", vdir);
            free(vdir);
            free(meta);
            continue;
        }
        if (ymap_load(meta, &y, err, errn) != 0) {
            free(vdir);
            free(meta);
            goto fail;
        }
        free(meta);
        stage = ymap_get(y, "current_stage");
        num = ymap_get(y, "version");
        if (str_eq(stage, "Deleted_Internal") || parse_version(num) <= 0) { /* deleted (MLflow keeps the folder) */
            ymap_free(y);
            y = NULL;
            free(vdir);
            continue;
        }
        memset(&v, 0, sizeof v);
        v.num = parse_version(num);
        v.source = xstrdup(ymap_get(y, "source") ? ymap_get(y, "source") : "");
        v.run_id = ymap_get(y, "run_id") && ymap_get(y, "run_id")[0] ? xstrdup(ymap_get(y, "run_id")) : NULL;
        v.description = ymap_get(y, "description") ? xstrdup(ymap_get(y, "description")) : NULL;
        v.stage = xstrdup(stage ? stage : "None");
        v.ctime = ymap_get(y, "creation_timestamp") ? strtoll(ymap_get(y, "creation_timestamp"), NULL, 10) : 0;
        ymap_free(y);
        y = NULL;
        {
            sbuf mk = {0};
            sb_printf(&mk, "%s/%d@%lld", m->name, v.num, v.ctime);
            v.marker = mk.s;
        }
        meta = path_join(vdir, "tags");
        free(vdir);
        nv = realloc(m->v, (m->nv + 1) * sizeof *nv);
        if (!nv || !meta || !v.source || !v.stage || !v.marker || scan_read_kv_dir(meta, &v.tags) != 0) {
            int e0 = errno;
            free(meta);
            if (nv) m->v = nv;
            free(v.source);
            free(v.run_id);
            free(v.description);
            free(v.stage);
            free(v.marker);
            kv_free(&v.tags);
            errno = e0 ? e0 : ENOMEM;
            goto ioerr;
        }
        free(meta);
        m->v = nv;
        m->v[m->nv++] = v;
    }
    scan_freelist(names, nn);
    if (m->nv) qsort(m->v, m->nv, sizeof *m->v, ver_cmp);
    return 0;
oom:
    errno = ENOMEM;
ioerr:
    snprintf(err, errn, "cannot read %s: %s", p ? p : mdir, strerror(errno ? errno : ENOMEM));
    free(p);
fail:
    ymap_free(y);
    scan_freelist(names, nn);
    lmodel_free(m);
    return -1;
}

/* ---- runs: local artifact_uri and the remote copy ----------------------------- */

/* artifact_uri of a local run, from <src>/<exp>/<run_id>/meta.yaml; malloc'd or NULL */
static char *local_run_artifact_uri(const char *src, const char *run_id)
{
    size_t i, n = 0;
    char **names = scan_listdir(src, &n), *out = NULL;
    if (strchr(run_id, '/') || run_id[0] == '.') {
        scan_freelist(names, n);
        return NULL;
    }
    for (i = 0; i < n && !out; i++) {
        sbuf p = {0};
        ymap *y = NULL;
        char err[256];
        struct stat st;
        if (names[i][0] == '.' || strcmp(names[i], "models") == 0) continue;
        sb_printf(&p, "%s/%s/%s/meta.yaml", src, names[i], run_id);
        if (p.s && stat(p.s, &st) == 0 && ymap_load(p.s, &y, err, sizeof err) == 0) {
            if (ymap_get(y, "artifact_uri")) out = xstrdup(ymap_get(y, "artifact_uri"));
            ymap_free(y);
        }
        sb_free(&p);
    }
    scan_freelist(names, n);
    return out;
}

/* the path of a file: URI or an absolute path; NULL for other schemes */
static const char *file_path_of(const char *u)
{
    if (u[0] == '/') return u;
    if (strncmp(u, "file://", 7) == 0) {
        const char *p = strchr(u + 7, '/');     /* skips an authority (file://localhost/...) */
        return p;
    }
    if (strncmp(u, "file:/", 6) == 0) return u + 5;
    return NULL;
}

/* rest of s below base ("" or "/x/y"), or NULL when s is not base or below it */
static const char *below(const char *s, const char *base)
{
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/') n--;
    if (strncmp(s, base, n) != 0) return NULL;
    if (s[n] == '\0' || s[n] == '/') return s + n;
    return NULL;
}

/* The remote source of a version: malloc'd, or NULL with why set. */
static char *map_source(const lver *v, const char *local_art, const char *remote_art, const char *remote_run,
                        const char **why)
{
    const char *rest = NULL;
    sbuf out = {0};
    *why = NULL;
    if (v->run_id && remote_run) {
        sbuf runs = {0};
        sb_printf(&runs, "runs:/%s", v->run_id);
        if (runs.s && (rest = below(v->source, runs.s)) != NULL) {
            sb_printf(&out, "runs:/%s%s", remote_run, rest);
            sb_free(&runs);
            return out.s;
        }
        sb_free(&runs);
        if (local_art && remote_art && remote_art[0]) {
            rest = below(v->source, local_art);
            if (!rest && file_path_of(v->source) && file_path_of(local_art))
                rest = below(file_path_of(v->source), file_path_of(local_art));
            if (rest) {
                size_t n = strlen(remote_art);
                while (n > 1 && remote_art[n - 1] == '/') n--;
                sb_add(&out, remote_art, n);
                sb_puts(&out, rest);
                return out.s;
            }
        }
    }
    if (file_path_of(v->source)) {
        *why = v->run_id ? "its source is a local path outside the artifacts of its run, which the server cannot reach"
                         : "its source is a local path and it names no run, so the server cannot reach it";
        return NULL;
    }
    if (strncmp(v->source, "models:/", 8) == 0) {
        *why = "its source is models:/<name>/<version> (another registered model version), which is not carried";
        return NULL;
    }
    return xstrdup(v->source); /* s3://, gs://, http(s)://, mlflow-artifacts:… : reachable as is */
}

/* ---- REST -------------------------------------------------------------------- */

static int call(rctx *x, const char *method, const char *path, cJSON *body, cJSON **out, rest_err *e, int once)
{
    char *txt = NULL;
    rest_ctx rc = x->rc;
    int r;
    if (out) *out = NULL;
    if (body) {
        txt = cJSON_PrintUnformatted(body);
        cJSON_Delete(body);
        if (!txt) {
            memset(e, 0, sizeof *e);
            e->status = 0;
            snprintf(e->msg, sizeof e->msg, "out of memory");
            return -1;
        }
    }
    if (once) rc.no_retry = 1;
    if (strcmp(method, "GET") != 0) x->sum->writes++;
    r = rest_call(x->h, &rc, method, path, txt, out, e);
    free(txt);
    return r;
}

static int is_not_found(const rest_err *e)
{
    return e->status == 404 || strcmp(e->code, "RESOURCE_DOES_NOT_EXIST") == 0;
}

static int is_exists(const rest_err *e)
{
    return strcmp(e->code, "RESOURCE_ALREADY_EXISTS") == 0 || strcmp(e->code, "ALREADY_EXISTS") == 0;
}

static cJSON *body_name(const char *name)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "name", name);
    return b;
}

static cJSON *body_version(const char *name, const char *version)
{
    cJSON *b = body_name(name);
    cJSON_AddStringToObject(b, "version", version);
    return b;
}

static cJSON *tags_array(const kvlist *tags, const char *k2, const char *v2)
{
    cJSON *a = cJSON_CreateArray(), *t;
    size_t i;
    for (i = 0; tags && i <= tags->n; i++) {
        const char *k = i < tags->n ? tags->v[i].key : k2, *v = i < tags->n ? tags->v[i].value : v2;
        if (!k) continue;
        t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "key", k);
        cJSON_AddStringToObject(t, "value", v);
        cJSON_AddItemToArray(a, t);
    }
    return a;
}

/* 1 found (*out = registered_model), 0 not found, -1 error */
static int get_model(rctx *x, const char *name, cJSON **out, rest_err *e)
{
    sbuf p = {0};
    cJSON *j = NULL;
    int rc;
    *out = NULL;
    sb_puts(&p, "/api/2.0/mlflow/registered-models/get?name=");
    url_encode(&p, name, 0);
    rc = call(x, "GET", p.s, NULL, &j, e, 0);
    sb_free(&p);
    if (rc != 0) return is_not_found(e) ? 0 : -1;
    *out = cJSON_DetachItemFromObjectCaseSensitive(j, "registered_model");
    cJSON_Delete(j);
    return *out ? 1 : -1;
}

/* every remote version of a model (an array), or NULL on error */
static cJSON *search_versions(rctx *x, const char *name, rest_err *e)
{
    cJSON *all = cJSON_CreateArray();
    char *token = NULL;
    sbuf f = {0};
    if (strchr(name, '\'') && strchr(name, '"')) {
        memset(e, 0, sizeof *e);
        snprintf(e->msg, sizeof e->msg, "a model name with both ' and \" cannot be searched for");
        cJSON_Delete(all);
        return NULL;
    }
    if (strchr(name, '\'')) sb_printf(&f, "name = \"%s\"", name);
    else sb_printf(&f, "name = '%s'", name);
    for (;;) {
        sbuf p = {0};
        cJSON *j = NULL, *it;
        const cJSON *mv;
        sb_puts(&p, "/api/2.0/mlflow/model-versions/search?filter=");
        url_encode(&p, f.s ? f.s : "", 0);
        sb_puts(&p, "&max_results=1000");
        if (token) {
            sb_puts(&p, "&page_token=");
            url_encode(&p, token, 0);
        }
        free(token);
        token = NULL;
        if (p.oom || call(x, "GET", p.s, NULL, &j, e, 0) != 0) {
            if (p.oom) {
                memset(e, 0, sizeof *e);
                snprintf(e->msg, sizeof e->msg, "out of memory");
            }
            sb_free(&p);
            sb_free(&f);
            cJSON_Delete(all);
            return NULL;
        }
        sb_free(&p);
        mv = cJSON_GetObjectItemCaseSensitive(j, "model_versions");
        cJSON_ArrayForEach(it, mv)
        {
            if (str_eq(jstr(it, "name"), name)) cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
        }
        if (jstr(j, "next_page_token") && jstr(j, "next_page_token")[0]) token = xstrdup(jstr(j, "next_page_token"));
        cJSON_Delete(j);
        if (!token) break;
    }
    sb_free(&f);
    return all;
}

static const cJSON *find_marker(const cJSON *versions, const char *marker)
{
    const cJSON *v, *t;
    cJSON_ArrayForEach(v, versions)
    {
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(v, "tags"))
        {
            if (str_eq(jstr(t, "key"), REGISTRY_SYNC_TAG) && str_eq(jstr(t, "value"), marker)) return v;
        }
    }
    return NULL;
}

/* tags [{key,value}] of a remote object as {key: hash}, without the marker */
static cJSON *remote_tag_hashes(const cJSON *obj)
{
    cJSON *o = cJSON_CreateObject();
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(obj, "tags"))
    {
        char hh[17];
        const char *k = jstr(t, "key");
        if (!k || strcmp(k, REGISTRY_SYNC_TAG) == 0) continue;
        hash_hex(hh, jstr(t, "value"));
        jput(o, k, hh);
    }
    return o;
}

/* ---- failures ---------------------------------------------------------------- */

static void item_failed(rctx *x, int code, const char *what, const char *why)
{
    x->sum->failed++;
    if (!x->first_fail) x->first_fail = code;
    if (code == EXIT_CONNECT) x->down = 1;
    errorf(code, "registry: %s: %s", what, why);
}

static void rest_failed(rctx *x, const rest_err *e, const char *what)
{
    char ebuf[700], msg[900];
    int code = rest_err_exit(e);
    snprintf(msg, sizeof msg, "%s: %s", rest_errstr(e, ebuf, sizeof ebuf),
             code == EXIT_AUTH      ? "check the credentials (MLFLOW_TRACKING_USERNAME/PASSWORD, MLFLOW_TRACKING_TOKEN)"
             : code == EXIT_CONNECT ? "is the server up? run the sync again; it resumes where it stopped"
                                    : "see the server log");
    item_failed(x, code, what, msg);
}

/* ---- tags and descriptions against a baseline ---------------------------------- */

/* Sends the tags of `local` that differ from base ({key: hash}); deletes keys of base
   missing locally when may_delete. Records what the server acknowledged in out.
   Returns 0, 1 = the object is gone (404), -1 = failed (reported). */
static int sync_tags(rctx *x, const char *what, const char *name, const char *version, const kvlist *local,
                     const cJSON *base, int may_delete, cJSON *out)
{
    const char *set_path = version ? "/api/2.0/mlflow/model-versions/set-tag"
                                   : "/api/2.0/mlflow/registered-models/set-tag";
    const char *del_path = version ? "/api/2.0/mlflow/model-versions/delete-tag"
                                   : "/api/2.0/mlflow/registered-models/delete-tag";
    const cJSON *b;
    size_t i;
    rest_err e;
    for (i = 0; i < local->n; i++) {
        char hh[17];
        const char *k = local->v[i].key;
        cJSON *body;
        if (strcmp(k, REGISTRY_SYNC_TAG) == 0) continue;
        hash_hex(hh, local->v[i].value);
        if (str_eq(jstr(base, k), hh)) {
            jput(out, k, hh);
            continue;
        }
        body = version ? body_version(name, version) : body_name(name);
        cJSON_AddStringToObject(body, "key", k);
        cJSON_AddStringToObject(body, "value", local->v[i].value);
        if (call(x, "POST", set_path, body, NULL, &e, 0) != 0) {
            char w[600];
            if (is_not_found(&e)) return 1;
            snprintf(w, sizeof w, "%s: tag '%s'", what, k);
            rest_failed(x, &e, w);
            return -1;
        }
        jput(out, k, hh);
    }
    if (!may_delete) return 0;
    cJSON_ArrayForEach(b, base)
    {
        cJSON *body;
        if (kv_get(local, b->string)) continue;
        body = version ? body_version(name, version) : body_name(name);
        cJSON_AddStringToObject(body, "key", b->string);
        if (call(x, "DELETE", del_path, body, NULL, &e, 0) != 0 && !is_not_found(&e)) {
            char w[600];
            snprintf(w, sizeof w, "%s: deleting tag '%s'", what, b->string);
            rest_failed(x, &e, w);
            jput(out, b->string, jstr(base, b->string));
            return -1;
        }
    }
    return 0;
}

/* 0 sent or unchanged, 1 gone, -1 failed */
static int sync_description(rctx *x, const char *what, const char *name, const char *version, const char *desc,
                            const char *base_hash, cJSON *out)
{
    char hh[17];
    cJSON *body;
    rest_err e;
    hash_hex(hh, desc);
    if (str_eq(base_hash, hh)) {
        jput(out, "d", hh);
        return 0;
    }
    body = version ? body_version(name, version) : body_name(name);
    cJSON_AddStringToObject(body, "description", desc ? desc : "");
    if (call(x, "PATCH", version ? "/api/2.0/mlflow/model-versions/update" : "/api/2.0/mlflow/registered-models/update",
             body, NULL, &e, 0) != 0) {
        char w[600];
        if (is_not_found(&e)) return 1;
        snprintf(w, sizeof w, "%s: description", what);
        rest_failed(x, &e, w);
        if (base_hash) jput(out, "d", base_hash);
        return -1;
    }
    jput(out, "d", hh);
    return 0;
}

/* ---- one version ---------------------------------------------------------------- */

static void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* ---- MLflow 3 LoggedModels used as version sources (models:/m-…) ------------------ */

/* "models:/m-abc" -> "m-abc"; NULL for other sources (models:/name/1, …) */
static const char *logged_model_id(const char *source)
{
    const char *id = source + 8;
    if (strncmp(source, "models:/", 8) != 0 || strncmp(id, "m-", 2) != 0 || strchr(id, '/')) return NULL;
    return id[2] ? id : NULL;
}

/* <src>/<exp>/models/<id>: malloc'd folder, *exp_id set (malloc'd); NULL if absent */
static char *local_logged_model_dir(const char *src, const char *id, char **exp_id)
{
    size_t i, n = 0;
    char **names = scan_listdir(src, &n), *out = NULL;
    *exp_id = NULL;
    for (i = 0; i < n && !out; i++) {
        sbuf p = {0};
        struct stat st;
        if (names[i][0] == '.' || strcmp(names[i], "models") == 0) continue;
        sb_printf(&p, "%s/%s/models/%s", src, names[i], id);
        if (p.s && stat(p.s, &st) == 0 && S_ISDIR(st.st_mode)) {
            out = p.s;
            *exp_id = xstrdup(names[i]);
        } else
            sb_free(&p);
    }
    scan_freelist(names, n);
    return out;
}

static cJSON *kv_array(const kvlist *l, const char *k2, const char *v2)
{
    return tags_array(l, k2, v2);
}

/* The remote copy of a local LoggedModel: created once (found again by the tag
   mlflow_lite.source_model_id = <local id> in the remote experiment), its params
   and tags, its artifacts uploaded, then finalized READY. 0 (*remote_id set),
   2 = waits (its experiment or run is not synced), -1 failed (reported). */
static int ensure_logged_model(rctx *x, const char *id, const char *what, char **remote_id)
{
    sbuf key = {0}, f = {0}, b = {0};
    char *dir = NULL, *exp = NULL, *p = NULL, *rid = NULL, *art = NULL, *artdir = NULL, err[1024];
    const char *remote_exp, *remote_run = NULL;
    cJSON *rec = NULL, *erec = NULL, *rrec = NULL, *j = NULL, *nrec = NULL;
    const cJSON *models, *info;
    ymap *y = NULL;
    kvlist params = {0}, tags = {0}, files = {0};
    rest_err e;
    size_t i;
    int rc = -1;

    *remote_id = NULL;
    sb_printf(&key, REG_LM_KEY "%s", id);
    rec = key.s && !x->cfg->reconcile ? state_get(x->st, REG_KIND, key.s) : NULL;
    if (rec && jstr(rec, "remote") && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "ready"))) {
        *remote_id = xstrdup(jstr(rec, "remote"));
        rc = *remote_id ? 0 : -1;
        goto out;
    }
    dir = local_logged_model_dir(x->cfg->src, id, &exp);
    if (!dir) {
        item_failed(x, EXIT_SOURCE, what, "its source LoggedModel is not in SRC (<experiment>/models/<id>)");
        goto out;
    }
    p = path_join(dir, "meta.yaml");
    if (!p || ymap_load(p, &y, err, sizeof err) != 0) {
        item_failed(x, EXIT_SOURCE, what, p ? err : "out of memory");
        goto out;
    }
    erec = state_get(x->st, "exp", exp);
    remote_exp = jstr(erec, "remote");
    if (ymap_get(y, "source_run_id")) {
        rrec = state_get(x->st, "run", ymap_get(y, "source_run_id"));
        remote_run = jstr(rrec, "remote");
    }
    if (!remote_exp || (ymap_get(y, "source_run_id") && !remote_run)) {
        warnf("registry: %s waits: the experiment or run of its LoggedModel %s is not synced yet", what, id);
        x->sum->versions_waiting++;
        rc = 2;
        goto out;
    }
    /* 1. find or create */
    sb_printf(&f, "tags.`%s` = '%s'", LM_SYNC_TAG, id);
    b.len = 0;
    {
        cJSON *body = cJSON_CreateObject(), *ids = cJSON_AddArrayToObject(body, "experiment_ids");
        cJSON_AddItemToArray(ids, cJSON_CreateString(remote_exp));
        cJSON_AddStringToObject(body, "filter", f.s ? f.s : "");
        cJSON_AddNumberToObject(body, "max_results", 10);
        if (strpbrk(id, "'\\`") || call(x, "POST", "/api/2.0/mlflow/logged-models/search", body, &j, &e, 0) != 0) {
            if (strpbrk(id, "'\\`")) {
                memset(&e, 0, sizeof e);
                snprintf(e.msg, sizeof e.msg, "LoggedModel id '%s' cannot be searched for", id);
            }
            x->sum->writes--; /* a search, not a write */
            rest_failed(x, &e, what);
            goto out;
        }
        x->sum->writes--;
    }
    models = cJSON_GetObjectItemCaseSensitive(j, "models");
    info = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(models, 0), "info");
    if (info && jstr(info, "model_id")) {
        rid = xstrdup(jstr(info, "model_id"));
        art = xstrdup(jstr(info, "artifact_uri") ? jstr(info, "artifact_uri") : "");
        if (str_eq(jstr(info, "status"), "LOGGED_MODEL_READY") && rid) { /* complete already (state lost) */
            cJSON_Delete(j);
            j = NULL;
            nrec = cJSON_CreateObject();
            jput(nrec, "remote", rid);
            jput(nrec, "art", art);
            goto ready;
        }
    }
    cJSON_Delete(j);
    j = NULL;
    free(p);
    p = path_join(dir, "params");
    if (!p || scan_read_kv_dir(p, &params) != 0) goto ioerr;
    free(p);
    p = path_join(dir, "tags");
    if (!p || scan_read_kv_dir(p, &tags) != 0) goto ioerr;
    if (!rid) {
        cJSON *body = cJSON_CreateObject();
        const cJSON *mi;
        cJSON_AddStringToObject(body, "experiment_id", remote_exp);
        cJSON_AddStringToObject(body, "name", ymap_get(y, "name") ? ymap_get(y, "name") : "model");
        if (ymap_get(y, "model_type")) cJSON_AddStringToObject(body, "model_type", ymap_get(y, "model_type"));
        if (remote_run) cJSON_AddStringToObject(body, "source_run_id", remote_run);
        cJSON_AddItemToObject(body, "params", kv_array(&params, NULL, NULL));
        cJSON_AddItemToObject(body, "tags", kv_array(&tags, LM_SYNC_TAG, id));
        /* not idempotent: one attempt; after a failure the next pass searches first */
        if (call(x, "POST", "/api/2.0/mlflow/logged-models", body, &j, &e, 1) != 0) {
            rest_failed(x, &e, what);
            goto out;
        }
        mi = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "model"), "info");
        rid = jstr(mi, "model_id") ? xstrdup(jstr(mi, "model_id")) : NULL;
        art = xstrdup(jstr(mi, "artifact_uri") ? jstr(mi, "artifact_uri") : "");
        cJSON_Delete(j);
        j = NULL;
        if (!rid) {
            item_failed(x, EXIT_REJECTED, what, "logged-models create answered without a model_id");
            goto out;
        }
    }
    nrec = cJSON_CreateObject();
    jput(nrec, "remote", rid);
    jput(nrec, "art", art);
    if (state_put(x->st, REG_KIND, key.s, cJSON_Duplicate(nrec, 1)) != 0)
        warnf("cannot append to the sync state %s: %s", state_path(x->st), strerror(errno));
    /* 2. artifacts (PUTs overwrite: safe to repeat) */
    artdir = ymap_get(y, "artifact_location") && file_path_of(ymap_get(y, "artifact_location"))
                 ? xstrdup(file_path_of(ymap_get(y, "artifact_location")))
                 : path_join(dir, "artifacts");
    if (!artdir || scan_list_files(artdir, &files) != 0) goto ioerr;
    for (i = 0; i < files.n; i++) {
        art_target t;
        char *lp = path_join(artdir, files.v[i].key);
        struct stat st;
        int r;
        t.h = x->h;
        t.rc = &x->rc;
        t.artifact_uri = art;
        t.run_id = remote_run ? remote_run : "";
        if (!lp || stat(lp, &st) != 0) {
            free(lp);
            goto ioerr;
        }
        x->sum->writes++;
        r = art_upload(&t, lp, files.v[i].key, (long long)st.st_size, err, sizeof err);
        free(lp);
        if (r != 0) {
            item_failed(x, r, what, err);
            goto out;
        }
    }
    /* 3. READY */
    {
        sbuf path = {0};
        cJSON *body = cJSON_CreateObject();
        int r;
        cJSON_AddStringToObject(body, "model_id", rid);
        cJSON_AddStringToObject(body, "status", "LOGGED_MODEL_READY");
        sb_puts(&path, "/api/2.0/mlflow/logged-models/");
        url_encode(&path, rid, 0);
        r = path.s ? call(x, "PATCH", path.s, body, NULL, &e, 0) : -1;
        sb_free(&path);
        if (r != 0) {
            rest_failed(x, &e, what);
            goto out;
        }
    }
ready:
    cJSON_AddBoolToObject(nrec, "ready", 1);
    if (state_put(x->st, REG_KIND, key.s, nrec) != 0)
        warnf("cannot append to the sync state %s: %s", state_path(x->st), strerror(errno));
    nrec = NULL;
    verbosef("registry: LoggedModel %s is remote %s", id, rid);
    *remote_id = rid;
    rid = NULL;
    rc = 0;
    goto out;
ioerr:
    snprintf(err, sizeof err, "cannot read %s: %s", dir ? dir : id, strerror(errno ? errno : ENOMEM));
    item_failed(x, EXIT_SOURCE, what, err);
out:
    sb_free(&key);
    sb_free(&f);
    sb_free(&b);
    free(dir);
    free(exp);
    free(p);
    free(rid);
    free(art);
    free(artdir);
    cJSON_Delete(rec);
    cJSON_Delete(erec);
    cJSON_Delete(rrec);
    cJSON_Delete(j);
    cJSON_Delete(nrec);
    ymap_free(y);
    kv_free(&params);
    kv_free(&tags);
    kv_free(&files);
    return rc;
}

/* Where the remote version will point: the remote run and the mapped source.
   0 ok (*source malloc'd, *remote_run malloc'd or NULL), 2 = waits for its run,
   -1 = cannot be carried (reported). Sends nothing. */
static int prepare_source(rctx *x, const lver *v, const char *what, char **remote_run, char **source,
                          char **model_id)
{
    cJSON *run = NULL;
    char *local_art = NULL;
    const char *rr = NULL, *ra = NULL, *why = NULL, *lm = logged_model_id(v->source);
    *remote_run = *source = *model_id = NULL;
    if (v->run_id) {
        run = state_get(x->st, "run", v->run_id);
        rr = jstr(run, "remote");
        ra = jstr(run, "art");
        if (!rr) {
            warnf("registry: %s waits: its run %s is not synced yet", what, v->run_id);
            x->sum->versions_waiting++;
            cJSON_Delete(run);
            return 2;
        }
        local_art = local_run_artifact_uri(x->cfg->src, v->run_id);
    }
    if (lm && x->cfg->dry_run) {
        cJSON_Delete(run);
        free(local_art);
        return 2;
    }
    if (lm) { /* an MLflow 3 LoggedModel: carry it, point at its remote copy */
        int r = ensure_logged_model(x, lm, what, model_id);
        if (r == 0) {
            sbuf src = {0};
            sb_printf(&src, "models:/%s", *model_id);
            *source = src.s;
            if (rr) *remote_run = xstrdup(rr);
        }
        cJSON_Delete(run);
        free(local_art);
        if (r != 0 || !*source || (rr && !*remote_run)) {
            free(*source);
            free(*model_id);
            *source = *model_id = NULL;
            if (r == 0) item_failed(x, EXIT_FAILED, what, "out of memory");
            return r == 2 ? 2 : -1;
        }
        return 0;
    }
    *source = map_source(v, local_art, ra, rr, &why);
    free(local_art);
    if (*source && rr) *remote_run = xstrdup(rr);
    cJSON_Delete(run);
    if (!*source || (rr && !*remote_run)) {
        free(*source);
        *source = NULL;
        item_failed(x, why ? EXIT_UNSUPPORTED : EXIT_FAILED, what, why ? why : "out of memory");
        return -1;
    }
    return 0;
}

/* Creates the remote version once. 0 (*remote set), -1 failed (reported), 3 = the
   registered model is missing on the server (not reported: the caller re-creates it). */
static int create_version(rctx *x, const lmodel *m, const lver *v, const char *what, const char *source,
                          const char *remote_run, const char *model_id, cJSON **remote_versions, char **remote,
                          int *retried)
{
    cJSON *body;
    rest_err e;
    unsigned seed = (unsigned)v->num * 2654435761u;
    int k;

    for (k = 0;; k++) {
        cJSON *j = NULL;
        const cJSON *found;
        *retried = k > 0;
        body = body_name(m->name);
        cJSON_AddStringToObject(body, "source", source);
        if (remote_run) cJSON_AddStringToObject(body, "run_id", remote_run);
        if (model_id) cJSON_AddStringToObject(body, "model_id", model_id);
        cJSON_AddItemToObject(body, "tags", tags_array(&v->tags, REGISTRY_SYNC_TAG, v->marker));
        if (v->description) cJSON_AddStringToObject(body, "description", v->description);
        /* not idempotent: one attempt, then look for the marker before another */
        if (call(x, "POST", "/api/2.0/mlflow/model-versions/create", body, &j, &e, 1) == 0) {
            const cJSON *mv = cJSON_GetObjectItemCaseSensitive(j, "model_version");
            const char *num = jstr(mv, "version");
            *remote = num ? xstrdup(num) : NULL;
            /* keep the listing current for later versions of this pass */
            if (*remote_versions && mv) cJSON_AddItemToArray(*remote_versions, cJSON_Duplicate(mv, 1));
            cJSON_Delete(j);
            if (!*remote) {
                memset(&e, 0, sizeof e);
                e.status = 200;
                snprintf(e.msg, sizeof e.msg, "model-versions/create answered without a version number");
                rest_failed(x, &e, what);
                return -1;
            }
            x->sum->versions_created++;
            return 0;
        }
        if (is_not_found(&e) && !x->fresh_model) return 3; /* the registered model is gone (server reset?) */
        if (k >= 5 || !http_classify(e.status ? CURLE_OK : (CURLcode)e.curl_code, e.status)) {
            rest_failed(x, &e, what);
            return -1;
        }
        {
            char ebuf[700];
            warnf("registry: %s: model-versions/create failed (%s); checking whether it was created anyway", what,
                  rest_errstr(&e, ebuf, sizeof ebuf));
        }
        sleep_ms(http_backoff_ms(k + 1, &seed));
        cJSON_Delete(*remote_versions);
        *remote_versions = search_versions(x, m->name, &e);
        if (!*remote_versions) {
            rest_failed(x, &e, what);
            return -1;
        }
        found = find_marker(*remote_versions, v->marker);
        if (found && jstr(found, "version")) {
            *remote = xstrdup(jstr(found, "version"));
            x->sum->versions_created++;
            return 0;
        }
    }
}

/* After a create that followed an interrupted or ambiguous one: an earlier request may
   have landed after our search. Deletes every other remote version with our marker
   (they never received anything but their creation). */
static void delete_duplicates(rctx *x, const lmodel *m, const lver *v, const char *what, const char *keep)
{
    rest_err e;
    cJSON *all = search_versions(x, m->name, &e);
    const cJSON *it, *t;
    if (!all) {
        char ebuf[700];
        warnf("registry: %s: cannot check for duplicates: %s", what, rest_errstr(&e, ebuf, sizeof ebuf));
        return;
    }
    cJSON_ArrayForEach(it, all)
    {
        const char *num = jstr(it, "version");
        int mine = 0;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(it, "tags"))
        {
            if (str_eq(jstr(t, "key"), REGISTRY_SYNC_TAG) && str_eq(jstr(t, "value"), v->marker)) mine = 1;
        }
        if (!mine || !num || str_eq(num, keep)) continue;
        if (call(x, "DELETE", "/api/2.0/mlflow/model-versions/delete", body_version(m->name, num), NULL, &e, 0) == 0)
            warnf("registry: %s: deleted remote version %s, a duplicate left by an interrupted sync", what, num);
        else if (!is_not_found(&e)) {
            char ebuf[700];
            warnf("registry: %s: duplicate remote version %s could not be deleted: %s", what, num,
                  rest_errstr(&e, ebuf, sizeof ebuf));
        }
    }
    cJSON_Delete(all);
}

/* 0 synced (v->remote set), 2 waits, -1 failed, 3 = the registered model is missing. */
static int sync_version(rctx *x, lmodel *m, lver *v, cJSON **remote_versions)
{
    sbuf key = {0};
    char what[600];
    int attempt, rc = -1;
    snprintf(what, sizeof what, "model '%s' version %d", m->name, v->num);
    sb_printf(&key, REG_VERSION_KEY "%s/%d", m->name, v->num);
    if (key.oom) {
        item_failed(x, EXIT_FAILED, what, "out of memory");
        return -1;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        cJSON *rec = attempt == 0 && !x->cfg->reconcile && !x->fresh_model ? state_get(x->st, REG_KIND, key.s) : NULL;
        cJSON *base = NULL, *nrec = NULL;
        char *remote = NULL;
        int from_server = 0, r;
        const char *stage;
        rest_err e;

        if (rec && str_eq(jstr(rec, "m"), v->marker) && jstr(rec, "remote")) {
            base = rec;
            remote = xstrdup(jstr(rec, "remote"));
            rec = NULL;
        } else {
            const cJSON *found;
            char *src0 = NULL, *rr0 = NULL, *mid0 = NULL;
            /* an earlier sync stopped between sending model-versions/create and its answer */
            int intent = rec && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "creating")) &&
                         str_eq(jstr(rec, "m"), v->marker);
            cJSON_Delete(rec);
            rec = NULL;
            /* a version that cannot be carried (or waits for its run) costs no request */
            r = prepare_source(x, v, what, &rr0, &src0, &mid0);
            if (r != 0) {
                rc = r;
                break;
            }
            if (!*remote_versions) *remote_versions = search_versions(x, m->name, &e);
            found = *remote_versions ? find_marker(*remote_versions, v->marker) : NULL;
            if (*remote_versions && !found && intent) {
                /* that create may still be in flight: let it land, look again */
                verbosef("registry: %s: an interrupted create may be in flight; searching again in 2 s", what);
                sleep_ms(2000);
                cJSON_Delete(*remote_versions);
                *remote_versions = search_versions(x, m->name, &e);
                found = *remote_versions ? find_marker(*remote_versions, v->marker) : NULL;
            }
            if (!*remote_versions) {
                rest_failed(x, &e, what);
                free(src0);
                free(rr0);
                free(mid0);
                break;
            }
            if (found && jstr(found, "version")) {
                char hh[17];
                free(src0);
                free(rr0);
                free(mid0);
                from_server = 1;
                remote = xstrdup(jstr(found, "version"));
                base = cJSON_CreateObject();
                cJSON_AddItemToObject(base, "t", remote_tag_hashes(found));
                hash_hex(hh, jstr(found, "description"));
                jput(base, "d", hh);
                jput(base, "s", jstr(found, "current_stage") ? jstr(found, "current_stage") : "None");
            } else {
                char hh[17];
                size_t i;
                int retried = 0;
                cJSON *t = cJSON_CreateObject();
                cJSON_AddNumberToObject(t, "creating", (double)now_ms()); /* the intent, before the call */
                cJSON_AddStringToObject(t, "m", v->marker);
                if (state_put(x->st, REG_KIND, key.s, t) != 0)
                    warnf("cannot append to the sync state %s: %s", state_path(x->st), strerror(errno));
                r = create_version(x, m, v, what, src0, rr0, mid0, remote_versions, &remote, &retried);
                free(src0);
                free(rr0);
                free(mid0);
                if (r != 0) {
                    rc = r;
                    break;
                }
                if (intent || retried) {
                    delete_duplicates(x, m, v, what, remote);
                    cJSON_Delete(*remote_versions);
                    *remote_versions = NULL;
                }
                base = cJSON_CreateObject();
                t = cJSON_AddObjectToObject(base, "t");
                for (i = 0; i < v->tags.n; i++) {
                    hash_hex(hh, v->tags.v[i].value);
                    jput(t, v->tags.v[i].key, hh);
                }
                hash_hex(hh, v->description);
                jput(base, "d", hh);
                jput(base, "s", "None");
            }
        }
        if (!remote) {
            cJSON_Delete(base);
            item_failed(x, EXIT_FAILED, what, "out of memory");
            break;
        }
        if (x->cfg->verbose) verbosef("registry: %s is remote version %s", what, remote);
        nrec = cJSON_CreateObject();
        jput(nrec, "remote", remote);
        jput(nrec, "m", v->marker);
        r = sync_tags(x, what, m->name, remote, &v->tags, cJSON_GetObjectItemCaseSensitive(base, "t"), !from_server,
                      jsub(nrec, "t"));
        if (r == 0) r = sync_description(x, what, m->name, remote, v->description, jstr(base, "d"), nrec);
        stage = v->stage && v->stage[0] ? v->stage : "None";
        if (r == 0 && !str_eq(jstr(base, "s"), stage)) {
            cJSON *body = body_version(m->name, remote);
            cJSON_AddStringToObject(body, "stage", stage);
            cJSON_AddBoolToObject(body, "archive_existing_versions", 0);
            if (call(x, "POST", "/api/2.0/mlflow/model-versions/transition-stage", body, NULL, &e, 0) != 0) {
                char w[700];
                if (is_not_found(&e)) r = 1;
                else {
                    snprintf(w, sizeof w, "%s: stage %s", what, stage);
                    rest_failed(x, &e, w);
                    r = -1;
                }
            }
        }
        if (r == 0) jput(nrec, "s", stage);
        else if (jstr(base, "s")) jput(nrec, "s", jstr(base, "s"));
        cJSON_Delete(base);
        if (r == 1 && !from_server && attempt == 0) { /* the remote version is gone: look again, re-create */
            warnf("registry: %s: remote version %s recorded in the sync state is gone; searching and re-creating",
                  what, remote);
            free(remote);
            cJSON_Delete(nrec);
            state_drop(x->st, REG_KIND, key.s);
            cJSON_Delete(*remote_versions);
            *remote_versions = NULL;
            continue;
        }
        if (r == 1) {
            memset(&e, 0, sizeof e);
            item_failed(x, EXIT_REJECTED, what, "the remote version vanished while it was being updated");
        }
        if (state_put(x->st, REG_KIND, key.s, nrec) != 0)
            warnf("cannot append to the sync state %s: %s (the next sync compares with the server)",
                  state_path(x->st), strerror(errno));
        if (r == 0) {
            free(v->remote);
            v->remote = remote;
            remote = NULL;
            rc = 0;
        } else
            rc = -1;
        free(remote);
        break;
    }
    sb_free(&key);
    return rc;
}

/* ---- one registered model --------------------------------------------------------- */

static int sync_aliases(rctx *x, const lmodel *m, const cJSON *base, int may_delete, cJSON *out)
{
    size_t i;
    const cJSON *b;
    rest_err e;
    int rc = 0;
    for (i = 0; i < m->aliases.n && !x->down; i++) {
        const char *alias = m->aliases.v[i].key;
        int num = parse_version(m->aliases.v[i].value);
        const char *remote = NULL;
        char what[700];
        size_t k;
        cJSON *body;
        for (k = 0; k < m->nv; k++)
            if (m->v[k].num == num) remote = m->v[k].remote;
        snprintf(what, sizeof what, "model '%s' alias '%s'", m->name, alias);
        if (!remote) {
            warnf("registry: %s waits: version %s is not synced", what, m->aliases.v[i].value);
            if (jstr(base, alias)) jput(out, alias, jstr(base, alias));
            continue;
        }
        if (str_eq(jstr(base, alias), remote)) {
            jput(out, alias, remote);
            continue;
        }
        body = body_name(m->name);
        cJSON_AddStringToObject(body, "alias", alias);
        cJSON_AddStringToObject(body, "version", remote);
        if (call(x, "POST", "/api/2.0/mlflow/registered-models/alias", body, NULL, &e, 0) != 0) {
            rest_failed(x, &e, what);
            if (jstr(base, alias)) jput(out, alias, jstr(base, alias));
            rc = -1;
            continue;
        }
        jput(out, alias, remote);
    }
    if (!may_delete) return rc;
    cJSON_ArrayForEach(b, base)
    {
        cJSON *body;
        if (kv_get(&m->aliases, b->string)) continue;
        body = body_name(m->name);
        cJSON_AddStringToObject(body, "alias", b->string);
        if (call(x, "DELETE", "/api/2.0/mlflow/registered-models/alias", body, NULL, &e, 0) != 0 && !is_not_found(&e)) {
            char what[700];
            snprintf(what, sizeof what, "model '%s': deleting alias '%s'", m->name, b->string);
            rest_failed(x, &e, what);
            jput(out, b->string, jstr(base, b->string));
            rc = -1;
        }
    }
    return rc;
}

/* the model's baseline from the server: {"d","t","a"} */
static cJSON *model_base_from_server(const cJSON *rm)
{
    cJSON *base = cJSON_CreateObject(), *a;
    const cJSON *it;
    char hh[17];
    hash_hex(hh, jstr(rm, "description"));
    jput(base, "d", hh);
    cJSON_AddItemToObject(base, "t", remote_tag_hashes(rm));
    a = cJSON_AddObjectToObject(base, "a");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rm, "aliases"))
    {
        if (jstr(it, "alias") && jstr(it, "version")) jput(a, jstr(it, "alias"), jstr(it, "version"));
    }
    return base;
}

static void sync_model(rctx *x, lmodel *m)
{
    sbuf key = {0};
    char what[600];
    int attempt;
    size_t i;
    snprintf(what, sizeof what, "model '%s'", m->name);
    sb_printf(&key, REG_MODEL_KEY "%s", m->name);
    x->fresh_model = 0;
    if (key.oom) {
        item_failed(x, EXIT_FAILED, what, "out of memory");
        return;
    }
    for (attempt = 0; attempt < 2; attempt++) {
        cJSON *rec = attempt == 0 && !x->cfg->reconcile ? state_get(x->st, REG_KIND, key.s) : NULL;
        cJSON *base = rec, *nrec, *remote_versions = NULL;
        int from_server = 0, r, failed_before = (int)x->sum->failed;
        rest_err e;

        if (x->cfg->dry_run) {
            size_t fresh = 0;
            for (i = 0; i < m->nv; i++) {
                sbuf vk = {0};
                cJSON *vr;
                sb_printf(&vk, REG_VERSION_KEY "%s/%d", m->name, m->v[i].num);
                vr = vk.s ? state_get(x->st, REG_KIND, vk.s) : NULL;
                if (!vr || !str_eq(jstr(vr, "m"), m->v[i].marker) || !jstr(vr, "remote")) fresh++;
                cJSON_Delete(vr);
                sb_free(&vk);
            }
            helpf("%s registered model '%s': %zu versions (%zu not synced yet), %zu aliases\n",
                  rec ? "update" : "create-or-reconcile", m->name, m->nv, fresh, m->aliases.n);
            cJSON_Delete(rec);
            break;
        }
        if (!base) {
            cJSON *rm = NULL;
            r = get_model(x, m->name, &rm, &e);
            if (r == 0) {
                cJSON *body = body_name(m->name);
                cJSON_AddItemToObject(body, "tags", tags_array(&m->tags, NULL, NULL));
                if (m->description) cJSON_AddStringToObject(body, "description", m->description);
                if (call(x, "POST", "/api/2.0/mlflow/registered-models/create", body, NULL, &e, 0) == 0) {
                    char hh[17];
                    cJSON *t;
                    x->sum->models_created++;
                    base = cJSON_CreateObject();
                    t = cJSON_AddObjectToObject(base, "t");
                    for (i = 0; i < m->tags.n; i++) {
                        hash_hex(hh, m->tags.v[i].value);
                        jput(t, m->tags.v[i].key, hh);
                    }
                    hash_hex(hh, m->description);
                    jput(base, "d", hh);
                    cJSON_AddObjectToObject(base, "a");
                    remote_versions = cJSON_CreateArray(); /* a new model has no versions */
                } else if (is_exists(&e)) { /* created meanwhile (a retried create, a concurrent sync) */
                    r = get_model(x, m->name, &rm, &e);
                } else
                    r = -1;
            }
            if (r < 0 || (!base && !rm)) {
                if (r >= 0) {
                    memset(&e, 0, sizeof e);
                    snprintf(e.msg, sizeof e.msg, "the registered model was neither found nor created");
                }
                rest_failed(x, &e, what);
                break;
            }
            if (!base) {
                base = model_base_from_server(rm);
                from_server = 1;
            }
            cJSON_Delete(rm);
        }
        nrec = cJSON_CreateObject();
        r = sync_tags(x, what, m->name, NULL, &m->tags, cJSON_GetObjectItemCaseSensitive(base, "t"), !from_server,
                      jsub(nrec, "t"));
        if (r == 0) r = sync_description(x, what, m->name, NULL, m->description, jstr(base, "d"), nrec);
        else if (jstr(base, "d")) jput(nrec, "d", jstr(base, "d"));
        if (r == 1 && !from_server && attempt == 0) { /* the remote model is gone: compare with the server */
            warnf("registry: %s recorded in the sync state is gone on the server; re-creating it", what);
            cJSON_Delete(base);
            cJSON_Delete(nrec);
            state_drop(x->st, REG_KIND, key.s);
            x->fresh_model = 1;
            continue;
        }
        if (r == 1) item_failed(x, EXIT_REJECTED, what, "the registered model vanished while it was being updated");
        if (r == 0) {
            int gone = 0;
            for (i = 0; i < m->nv && !x->down && !*x->stop; i++) {
                int vr = sync_version(x, m, &m->v[i], &remote_versions);
                if (vr == 3 && !from_server && attempt == 0) {
                    gone = 1;
                    break;
                }
                if (vr == 3) {
                    char w[700];
                    snprintf(w, sizeof w, "model '%s' version %d", m->name, m->v[i].num);
                    item_failed(x, EXIT_REJECTED, w, "the server says its registered model or run does not exist");
                }
                x->sum->versions++;
            }
            if (gone) { /* the state is ahead of the server (reset, model deleted there): start over */
                warnf("registry: %s recorded in the sync state is gone on the server; re-creating it and its "
                      "versions", what);
                cJSON_Delete(base);
                cJSON_Delete(nrec);
                cJSON_Delete(remote_versions);
                state_drop(x->st, REG_KIND, key.s);
                x->fresh_model = 1;
                continue;
            }
            if (!x->down && !*x->stop)
                sync_aliases(x, m, cJSON_GetObjectItemCaseSensitive(base, "a"), !from_server, jsub(nrec, "a"));
            else /* stopped before the aliases: keep what the baseline says */
                cJSON_AddItemToObject(nrec, "a", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(base, "a"), 1));
        } else
            cJSON_AddItemToObject(nrec, "a", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(base, "a"), 1));
        if (!cJSON_GetObjectItemCaseSensitive(nrec, "a")) cJSON_AddObjectToObject(nrec, "a");
        if (state_put(x->st, REG_KIND, key.s, nrec) != 0)
            warnf("cannot append to the sync state %s: %s (the next sync compares with the server)",
                  state_path(x->st), strerror(errno));
        if ((int)x->sum->failed == failed_before) x->any_ok = 1;
        cJSON_Delete(base);
        cJSON_Delete(remote_versions);
        break;
    }
    sb_free(&key);
}

/* ---- the pass ----------------------------------------------------------------------- */

int registry_sync(const sync_cfg *c, state *st, const rest_ctx *rc, const http_opts *ho, volatile int *stop,
                  registry_summary *sum)
{
    rctx x;
    char *root = path_join(c->src, "models"), **names = NULL, err[1024];
    size_t n = 0, i;
    memset(sum, 0, sizeof *sum);
    memset(&x, 0, sizeof x);
    if (!root) return EXIT_FAILED;
    if (!is_dir(root)) { /* no registry: nothing to do, no request */
        free(root);
        return EXIT_OK;
    }
    names = scan_listdir(root, &n);
    x.cfg = c;
    x.st = st;
    x.rc = *rc;
    x.sum = sum;
    x.stop = stop;
    if (n && !c->dry_run) {
        x.h = http_client_new(ho);
        if (!x.h) {
            scan_freelist(names, n);
            free(root);
            return EXIT_FAILED;
        }
    }
    for (i = 0; i < n && !x.down && !*stop; i++) {
        char *mdir = path_join(root, names[i]);
        lmodel m;
        int r;
        if (!mdir || !is_dir(mdir)) {
            free(mdir);
            continue;
        }
        r = read_model(mdir, names[i], &m, err, sizeof err);
        free(mdir);
        if (r == 1) continue;
        if (r < 0) {
            item_failed(&x, EXIT_SOURCE, names[i], err);
            continue;
        }
        sum->models++;
        sync_model(&x, &m);
        lmodel_free(&m);
    }
    if (x.h) http_client_free(x.h);
    scan_freelist(names, n);
    free(root);
    if (sum->writes || sum->failed || sum->versions_waiting)
        notef("registry: %ld models (%ld created), %ld versions (%ld created, %ld waiting for their run), %ld "
              "failed, %lld write requests",
              sum->models, sum->models_created, sum->versions, sum->versions_created, sum->versions_waiting,
              sum->failed, sum->writes);
    if (*stop) return EXIT_INTERRUPTED;
    if (!sum->failed) return EXIT_OK;
    return x.any_ok ? EXIT_PARTIAL : (x.first_fail ? x.first_fail : EXIT_FAILED);
}
