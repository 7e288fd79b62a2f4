/* tools/state_records.c — the typed records of the sync state: free, copy,
 * and to/from JSON. from_json checks every field's type and range with
 * json.h's getters; a record that fails is unknown to the caller, never half
 * used. Field names are short (a run record with 1,000 metric keys is one
 * line) and are those of format 1 where the meaning is the same, so records
 * of mlflow-lite 0.1 read as they are. */
#include "state.h"

#include "json.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { REMOTE_VERSION_MAX = 10 };

/* ---- strings: valid UTF-8 in the file, any bytes in memory ------------------------- */

const char *st_str_encode(const char *s, char **owned)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, n;
    *owned = NULL;
    if (s[0] != '\x01' && json_utf8_valid(s)) return s;
    n = strlen(s);
    if (!(*owned = malloc(2 * n + 2))) return NULL;
    (*owned)[0] = '\x01';
    for (i = 0; i < n; i++) {
        (*owned)[1 + 2 * i] = hex[(unsigned char)s[i] >> 4];
        (*owned)[2 + 2 * i] = hex[(unsigned char)s[i] & 15];
    }
    (*owned)[1 + 2 * n] = '\0';
    return *owned;
}

static int hexval(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; }

char *st_str_decode(const char *s)
{
    size_t i, n;
    char *d;
    if (s[0] != '\x01') return json_utf8_valid(s) ? xstrdup(s) : NULL;
    n = strlen(s + 1);
    if (n % 2 || !(d = malloc(n / 2 + 1))) return NULL;
    for (i = 0; i < n / 2; i++) {
        int hi = hexval(s[1 + 2 * i]), lo = hexval(s[2 + 2 * i]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) { /* a NUL would cut the string short */
            free(d);
            return NULL;
        }
        d[i] = (char)(hi << 4 | lo);
    }
    d[n / 2] = '\0';
    return d;
}

/* A decoded view of s for a moment (hmap_put copies it): s itself when it is
   stored plain, which saves an allocation per key on replay. NULL: invalid. */
static const char *str_view(const char *s, char **owned)
{
    *owned = NULL;
    if (s[0] != '\x01') return json_utf8_valid(s) ? s : NULL;
    return *owned = st_str_decode(s);
}

/* ---- reading fields ---------------------------------------------------------------------- */

static const cJSON *item(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* A string field: absent is fine unless required; present must be a string that decodes. */
static int get_str(const cJSON *o, const char *k, int required, char **out)
{
    const char *s;
    if (!item(o, k)) return required ? -1 : 0;
    if (json_get_str(o, k, &s) != 0 || !(*out = st_str_decode(s))) return -1;
    return 0;
}

/* An id the server gave (run, experiment, LoggedModel): json.h's id check. */
static int get_id(const cJSON *o, const char *k, int required, char **out)
{
    const char *s;
    if (!item(o, k)) return required ? -1 : 0;
    if (json_get_id(o, k, &s) != 0 || !(*out = xstrdup(s))) return -1;
    return 0;
}

static int get_ll(const cJSON *o, const char *k, long long lo, long long hi, long long def, long long *out)
{
    *out = def;
    return item(o, k) ? json_get_ll(o, k, lo, hi, out) : 0;
}

static int get_bool(const cJSON *o, const char *k, int *out)
{
    *out = 0;
    return item(o, k) ? json_get_bool(o, k, out) : 0;
}

static int is_hash(const char *s)
{
    size_t i;
    for (i = 0; i < 16; i++)
        if (hexval(s[i]) < 0) return 0;
    return s[16] == '\0';
}

static int is_decimal(const char *s)
{
    size_t n = strspn(s, "0123456789");
    return n > 0 && n <= REMOTE_VERSION_MAX && s[n] == '\0';
}

typedef int (*val_check)(const char *);

/* {key: string} into m (sval); every value passes check (NULL: any). */
static int get_map(const cJSON *o, const char *k, hmap *m, val_check check)
{
    const cJSON *obj = item(o, k), *it;
    if (!obj) return 0;
    if (!cJSON_IsObject(obj)) return -1;
    cJSON_ArrayForEach(it, obj)
    {
        char *okey, *oval;
        const char *key, *val;
        int ok;
        if (!cJSON_IsString(it) || !it->valuestring || !it->string) return -1;
        key = str_view(it->string, &okey);
        val = str_view(it->valuestring, &oval);
        ok = key && val && (!check || check(val)) && hmap_put(m, key, val, 0, 0);
        free(okey);
        free(oval);
        if (!ok) return -1;
    }
    return 0;
}

/* {key: [offset, next_line]}; format 1 wrote {key: offset} (next line unknown: 0). */
static int get_metric_map(const cJSON *o, hmap *m)
{
    const cJSON *obj = item(o, "m"), *it;
    if (!obj) return 0;
    if (!cJSON_IsObject(obj)) return -1;
    cJSON_ArrayForEach(it, obj)
    {
        long long off = 0, line = 0;
        char *owned = NULL;
        const char *key;
        int ok;
        if (!it->string) return -1;
        if (cJSON_IsNumber(it)) ok = json_value_ll(it, 0, LLONG_MAX, &off) == 0;
        else
            ok = cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 &&
                 json_value_ll(cJSON_GetArrayItem(it, 0), 0, LLONG_MAX, &off) == 0 &&
                 json_value_ll(cJSON_GetArrayItem(it, 1), 0, LLONG_MAX, &line) == 0;
        key = ok ? str_view(it->string, &owned) : NULL;
        ok = key && hmap_put(m, key, NULL, off, line);
        free(owned);
        if (!ok) return -1;
    }
    return 0;
}

static void ranges_free(st_metric_range *r, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) free(r[i].key);
    free(r);
}

/* [[key, from, to, from_line], ...] */
static int get_ranges(const cJSON *o, st_metric_range **out, size_t *n)
{
    const cJSON *arr = item(o, "doubt"), *it;
    int count;
    if (!arr) return 0;
    if (!cJSON_IsArray(arr)) return -1;
    count = cJSON_GetArraySize(arr);
    if (count == 0) return 0;
    if (!(*out = calloc((size_t)count, sizeof **out))) return -1;
    cJSON_ArrayForEach(it, arr)
    {
        st_metric_range *r = &(*out)[*n];
        const cJSON *k = cJSON_GetArrayItem(it, 0);
        long long line = 0;
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 4 || !cJSON_IsString(k) || !k->valuestring ||
            json_value_ll(cJSON_GetArrayItem(it, 1), 0, LLONG_MAX, &r->from) != 0 ||
            json_value_ll(cJSON_GetArrayItem(it, 2), r->from, LLONG_MAX, &r->to) != 0 ||
            json_value_ll(cJSON_GetArrayItem(it, 3), 0, LONG_MAX, &line) != 0 || !(r->key = st_str_decode(k->valuestring)))
            return -1;
        r->from_line = (long)line;
        (*n)++;
    }
    return 0;
}

/* ---- writing fields ---------------------------------------------------------------------- */

/* Adds k: s (encoded); NULL s adds nothing. 0 or -1 (out of memory). */
static int put_str(cJSON *o, const char *k, const char *s)
{
    char *owned;
    const char *e;
    int ok;
    if (!s) return 0;
    e = st_str_encode(s, &owned);
    ok = e && cJSON_AddStringToObject(o, k, e) != NULL;
    free(owned);
    return ok ? 0 : -1;
}

static int put_num(cJSON *o, const char *k, long long v)
{
    return cJSON_AddNumberToObject(o, k, (double)v) ? 0 : -1;
}

/* {key: sval}; an empty map is left out. */
static int put_map(cJSON *o, const char *k, const hmap *m)
{
    const hmap_entry *e;
    cJSON *obj;
    if (!m->live) return 0;
    if (!(obj = cJSON_AddObjectToObject(o, k))) return -1;
    HMAP_FOREACH(m, e)
    {
        char *owned;
        const char *key = st_str_encode(e->key, &owned);
        int ok = key && put_str(obj, key, e->sval ? e->sval : "") == 0;
        free(owned);
        if (!ok) return -1;
    }
    return 0;
}

static int put_metric_map(cJSON *o, const hmap *m)
{
    const hmap_entry *e;
    cJSON *obj;
    if (!m->live) return 0;
    if (!(obj = cJSON_AddObjectToObject(o, "m"))) return -1;
    HMAP_FOREACH(m, e)
    {
        char *owned;
        const char *key = st_str_encode(e->key, &owned);
        cJSON *pair = cJSON_CreateArray();
        int ok = key && pair && cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)e->ival)) &&
                 cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)e->ival2)) && cJSON_GetArraySize(pair) == 2;
        if (ok) ok = cJSON_AddItemToObject(obj, key, pair) != 0;
        else cJSON_Delete(pair);
        free(owned);
        if (!ok) return -1;
    }
    return 0;
}

static int put_ranges(cJSON *o, const st_metric_range *r, size_t n)
{
    cJSON *arr;
    size_t i;
    if (!n) return 0;
    if (!(arr = cJSON_AddArrayToObject(o, "doubt"))) return -1;
    for (i = 0; i < n; i++) {
        char *owned;
        const char *key = st_str_encode(r[i].key, &owned);
        cJSON *t = cJSON_CreateArray();
        int ok = key && t && cJSON_AddItemToArray(t, cJSON_CreateString(key)) &&
                 cJSON_AddItemToArray(t, cJSON_CreateNumber((double)r[i].from)) &&
                 cJSON_AddItemToArray(t, cJSON_CreateNumber((double)r[i].to)) &&
                 cJSON_AddItemToArray(t, cJSON_CreateNumber((double)r[i].from_line));
        if (ok) ok = cJSON_AddItemToArray(arr, t) != 0;
        else cJSON_Delete(t);
        free(owned);
        if (!ok) return -1;
    }
    return 0;
}

/* ---- progress and intent lines -------------------------------------------------------- */

/* "id":ENCODED, the common start of both lines */
static void line_start(sbuf *b, const char *kind, const char *local_id)
{
    char *owned;
    const char *id = st_str_encode(local_id, &owned);
    sb_puts(b, "{\"k\":\"");
    sb_puts(b, kind);
    sb_puts(b, "\",\"id\":");
    if (id) json_str(b, id);
    else b->oom = 1;
    free(owned);
}

static void key_str(sbuf *b, const char *key)
{
    char *owned;
    const char *k = st_str_encode(key, &owned);
    if (k) json_str(b, k);
    else b->oom = 1;
    free(owned);
}

void st_progress_line(sbuf *b, const char *local_id, size_t n, const char *const *keys, const long long *offs,
                      const long *lines)
{
    size_t i;
    line_start(b, "prog", local_id);
    sb_puts(b, ",\"m\":[");
    for (i = 0; i < n; i++) {
        sb_puts(b, i ? ",[" : "[");
        key_str(b, keys[i]);
        sb_printf(b, ",%lld,%ld]", offs[i], lines[i]);
    }
    sb_puts(b, "]}\n");
}

void st_intent_line(sbuf *b, const char *local_id, size_t n, const st_metric_range *r)
{
    size_t i;
    line_start(b, "intent", local_id);
    sb_puts(b, ",\"doubt\":[");
    for (i = 0; i < n; i++) {
        sb_puts(b, i ? ",[" : "[");
        key_str(b, r[i].key);
        sb_printf(b, ",%lld,%lld,%ld]", r[i].from, r[i].to, r[i].from_line);
    }
    sb_puts(b, "]}\n");
}

/* one [key, offset, next_line] of a progress line: 0 valid (key decoded into *key) */
static int progress_item(const cJSON *it, char **key, long long *off, long long *line)
{
    const cJSON *k = cJSON_GetArrayItem(it, 0);
    *key = NULL;
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 3 || !cJSON_IsString(k) || !k->valuestring ||
        json_value_ll(cJSON_GetArrayItem(it, 1), 0, LLONG_MAX, off) != 0 ||
        json_value_ll(cJSON_GetArrayItem(it, 2), 0, LLONG_MAX, line) != 0)
        return -1;
    return (*key = st_str_decode(k->valuestring)) ? 0 : -1;
}

int st_progress_apply(st_run *run, const cJSON *line)
{
    const cJSON *m = json_get_arr(line, "m"), *it;
    char *key;
    long long off, ln;
    if (!m) return -1;
    cJSON_ArrayForEach(it, m) /* all or nothing: check every element first */
    {
        int ok = progress_item(it, &key, &off, &ln) == 0;
        free(key);
        if (!ok) return -1;
    }
    cJSON_ArrayForEach(it, m)
    {
        int ok = progress_item(it, &key, &off, &ln) == 0 && hmap_put(&run->metric, key, NULL, off, ln);
        free(key);
        if (!ok) return -1;
    }
    ranges_free(run->in_doubt, run->nin_doubt);
    run->in_doubt = NULL;
    run->nin_doubt = 0;
    return 0;
}

int st_intent_apply(st_run *run, const cJSON *line)
{
    st_metric_range *r = NULL;
    size_t n = 0;
    if (!json_get_arr(line, "doubt") || get_ranges(line, &r, &n) != 0) {
        ranges_free(r, n);
        return -1;
    }
    ranges_free(run->in_doubt, run->nin_doubt);
    run->in_doubt = r;
    run->nin_doubt = n;
    return 0;
}

/* ---- experiments ----------------------------------------------------------------------- */

void st_exp_free(st_exp *v)
{
    free(v->remote_id);
    free(v->name);
    hmap_free(&v->tag_hash);
    memset(v, 0, sizeof *v);
}

int st_exp_copy(st_exp *d, const st_exp *s)
{
    memset(d, 0, sizeof *d);
    if ((s->remote_id && !(d->remote_id = xstrdup(s->remote_id))) || (s->name && !(d->name = xstrdup(s->name))) ||
        hmap_copy(&d->tag_hash, &s->tag_hash) != 0) {
        st_exp_free(d);
        return -1;
    }
    return 0;
}

cJSON *st_exp_to_json(const st_exp *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || put_str(o, "remote", v->remote_id) || put_str(o, "name", v->name) || put_map(o, "tags", &v->tag_hash)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int st_exp_from_json(const cJSON *j, st_exp *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(j) || get_id(j, "remote", 1, &out->remote_id) || get_str(j, "name", 0, &out->name) ||
        get_map(j, "tags", &out->tag_hash, is_hash)) {
        st_exp_free(out);
        return -1;
    }
    return 0;
}

/* ---- runs ------------------------------------------------------------------------------ */

void st_run_free(st_run *v)
{
    free(v->remote_id);
    free(v->artifact_uri);
    free(v->remote_exp);
    free(v->name);
    hmap_free(&v->metric);
    hmap_free(&v->param_hash);
    hmap_free(&v->tag_hash);
    hmap_free(&v->artifact);
    hmap_free(&v->refused);
    ranges_free(v->in_doubt, v->nin_doubt);
    memset(v, 0, sizeof *v);
}

static int ranges_copy(st_metric_range **d, size_t *dn, const st_metric_range *s, size_t n)
{
    size_t i;
    *d = NULL;
    *dn = 0;
    if (!n) return 0;
    if (!(*d = calloc(n, sizeof **d))) return -1;
    for (i = 0; i < n; i++, (*dn)++) {
        (*d)[i] = s[i];
        if (!((*d)[i].key = xstrdup(s[i].key))) return -1;
    }
    return 0;
}

static int dup_opt(char **d, const char *s) { return s && !(*d = xstrdup(s)) ? -1 : 0; }

int st_run_copy(st_run *d, const st_run *s)
{
    memset(d, 0, sizeof *d);
    d->status = s->status;
    d->end_time = s->end_time;
    d->creating = s->creating;
    d->inputs_sent = s->inputs_sent;
    d->outputs_sent = s->outputs_sent;
    if (dup_opt(&d->remote_id, s->remote_id) || dup_opt(&d->artifact_uri, s->artifact_uri) ||
        dup_opt(&d->remote_exp, s->remote_exp) || dup_opt(&d->name, s->name) || hmap_copy(&d->metric, &s->metric) ||
        hmap_copy(&d->param_hash, &s->param_hash) || hmap_copy(&d->tag_hash, &s->tag_hash) ||
        hmap_copy(&d->artifact, &s->artifact) || hmap_copy(&d->refused, &s->refused) ||
        ranges_copy(&d->in_doubt, &d->nin_doubt, s->in_doubt, s->nin_doubt)) {
        st_run_free(d);
        return -1;
    }
    return 0;
}

cJSON *st_run_to_json(const st_run *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || put_str(o, "remote", v->remote_id) || put_str(o, "art", v->artifact_uri) ||
        put_str(o, "exp", v->remote_exp) || put_str(o, "name", v->name) || put_num(o, "status", v->status) ||
        put_num(o, "end", v->end_time) || (v->creating && put_num(o, "creating", v->creating)) ||
        put_num(o, "in", v->inputs_sent) || put_num(o, "out", v->outputs_sent) || put_metric_map(o, &v->metric) ||
        put_map(o, "p", &v->param_hash) || put_map(o, "t", &v->tag_hash) || put_map(o, "a", &v->artifact) ||
        put_map(o, "x", &v->refused) || put_ranges(o, v->in_doubt, v->nin_doubt)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int st_run_from_json(const cJSON *j, st_run *out)
{
    long long status = 0, in = 0, outs = 0;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(j) || get_id(j, "remote", 0, &out->remote_id) || get_str(j, "art", 0, &out->artifact_uri) ||
        get_id(j, "exp", 0, &out->remote_exp) || get_str(j, "name", 0, &out->name) ||
        get_ll(j, "status", 0, 5, 0, &status) || get_ll(j, "end", LLONG_MIN, LLONG_MAX, -1, &out->end_time) ||
        get_ll(j, "creating", 0, LLONG_MAX, 0, &out->creating) || get_ll(j, "in", 0, LONG_MAX, 0, &in) ||
        get_ll(j, "out", 0, LONG_MAX, 0, &outs) || get_metric_map(j, &out->metric) ||
        get_map(j, "p", &out->param_hash, is_hash) || get_map(j, "t", &out->tag_hash, is_hash) ||
        get_map(j, "a", &out->artifact, NULL) || get_map(j, "x", &out->refused, NULL) ||
        get_ranges(j, &out->in_doubt, &out->nin_doubt) || (!out->remote_id && !out->creating)) {
        st_run_free(out);
        return -1;
    }
    out->status = (int)status;
    out->inputs_sent = (long)in;
    out->outputs_sent = (long)outs;
    return 0;
}

/* ---- registered models and versions -------------------------------------------------------- */

void st_model_free(st_model *v)
{
    free(v->remote_name);
    free(v->desc_hash);
    hmap_free(&v->tag_hash);
    hmap_free(&v->alias);
    memset(v, 0, sizeof *v);
}

int st_model_copy(st_model *d, const st_model *s)
{
    memset(d, 0, sizeof *d);
    if (dup_opt(&d->remote_name, s->remote_name) || dup_opt(&d->desc_hash, s->desc_hash) ||
        hmap_copy(&d->tag_hash, &s->tag_hash) || hmap_copy(&d->alias, &s->alias)) {
        st_model_free(d);
        return -1;
    }
    return 0;
}

cJSON *st_model_to_json(const st_model *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || put_str(o, "remote", v->remote_name) || put_str(o, "desc", v->desc_hash) ||
        put_map(o, "tags", &v->tag_hash) || put_map(o, "alias", &v->alias)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int st_model_from_json(const cJSON *j, st_model *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(j) || get_str(j, "remote", 1, &out->remote_name) || !out->remote_name[0] ||
        get_str(j, "desc", 0, &out->desc_hash) || (out->desc_hash && !is_hash(out->desc_hash)) ||
        get_map(j, "tags", &out->tag_hash, is_hash) || get_map(j, "alias", &out->alias, is_decimal)) {
        st_model_free(out);
        return -1;
    }
    return 0;
}

void st_version_free(st_version *v)
{
    free(v->remote_version);
    free(v->marker);
    free(v->stage);
    free(v->desc_hash);
    hmap_free(&v->tag_hash);
    memset(v, 0, sizeof *v);
}

int st_version_copy(st_version *d, const st_version *s)
{
    memset(d, 0, sizeof *d);
    d->intent = s->intent;
    if (dup_opt(&d->remote_version, s->remote_version) || dup_opt(&d->marker, s->marker) ||
        dup_opt(&d->stage, s->stage) || dup_opt(&d->desc_hash, s->desc_hash) || hmap_copy(&d->tag_hash, &s->tag_hash)) {
        st_version_free(d);
        return -1;
    }
    return 0;
}

cJSON *st_version_to_json(const st_version *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || put_str(o, "remote", v->remote_version) || put_str(o, "marker", v->marker) ||
        (v->intent && !cJSON_AddTrueToObject(o, "intent")) || put_str(o, "stage", v->stage) ||
        put_str(o, "desc", v->desc_hash) || put_map(o, "tags", &v->tag_hash)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int st_version_from_json(const cJSON *j, st_version *out)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(j) || get_str(j, "remote", 0, &out->remote_version) ||
        (out->remote_version && !is_decimal(out->remote_version)) || get_str(j, "marker", 0, &out->marker) ||
        get_bool(j, "intent", &out->intent) || get_str(j, "stage", 0, &out->stage) ||
        get_str(j, "desc", 0, &out->desc_hash) || (out->desc_hash && !is_hash(out->desc_hash)) ||
        get_map(j, "tags", &out->tag_hash, is_hash) || (!out->remote_version && !out->intent)) {
        st_version_free(out);
        return -1;
    }
    return 0;
}

/* ---- LoggedModels ---------------------------------------------------------------------------- */

void st_logged_model_free(st_logged_model *v)
{
    free(v->remote_id);
    free(v->artifact_location);
    hmap_free(&v->artifact);
    hmap_free(&v->tag_hash);
    hmap_free(&v->param_hash);
    hmap_free(&v->metric_lines);
    memset(v, 0, sizeof *v);
}

int st_logged_model_copy(st_logged_model *d, const st_logged_model *s)
{
    memset(d, 0, sizeof *d);
    d->finalized = s->finalized;
    d->status = s->status;
    d->metrics_sent = s->metrics_sent;
    d->metrics_doubt = s->metrics_doubt;
    if (dup_opt(&d->remote_id, s->remote_id) || dup_opt(&d->artifact_location, s->artifact_location) ||
        hmap_copy(&d->artifact, &s->artifact) || hmap_copy(&d->tag_hash, &s->tag_hash) ||
        hmap_copy(&d->param_hash, &s->param_hash) || hmap_copy(&d->metric_lines, &s->metric_lines)) {
        st_logged_model_free(d);
        return -1;
    }
    return 0;
}

cJSON *st_logged_model_to_json(const st_logged_model *v)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || put_str(o, "remote", v->remote_id) || put_str(o, "loc", v->artifact_location) || (v->finalized && !cJSON_AddTrueToObject(o, "final")) ||
        (v->status && !cJSON_AddNumberToObject(o, "st", v->status)) ||
        (v->metrics_sent && !cJSON_AddNumberToObject(o, "m", (double)v->metrics_sent)) || put_map(o, "ml", &v->metric_lines) ||
        (v->metrics_doubt && !cJSON_AddTrueToObject(o, "md")) || put_map(o, "a", &v->artifact) ||
        put_map(o, "t", &v->tag_hash) || put_map(o, "p", &v->param_hash)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int st_logged_model_from_json(const cJSON *j, st_logged_model *out)
{
    long long st = 0, m = 0;
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(j) || get_id(j, "remote", 1, &out->remote_id) || get_str(j, "loc", 0, &out->artifact_location) ||
        get_bool(j, "final", &out->finalized) || get_ll(j, "st", 0, 3, 0, &st) || get_ll(j, "m", 0, LONG_MAX, 0, &m) || get_bool(j, "md", &out->metrics_doubt) ||
        get_map(j, "a", &out->artifact, NULL) || get_map(j, "t", &out->tag_hash, NULL) || get_map(j, "p", &out->param_hash, NULL) ||
        get_map(j, "ml", &out->metric_lines, is_decimal)) {
        st_logged_model_free(out);
        return -1;
    }
    /* a record written before "st": final meant READY */
    out->status = st ? (int)st : out->finalized ? 2 : 0;
    out->metrics_sent = (long)m;
    return 0;
}

void state_value_hash(const char *value, char out[17])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t h = fnv1a64(value, strlen(value), FNV_SEED); /* as format 1: its hashes stay valid */
    int i;
    for (i = 15; i >= 0; i--, h >>= 4) out[i] = hex[h & 15];
    out[16] = '\0';
}
