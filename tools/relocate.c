/* tools/relocate.c — `mlflow-lite relocate [ROOT] [--dry-run]`: after a folder
 * was moved, copied or rsynced, MLflow still looks for its artifacts where the
 * absolute file: URIs in its meta.yaml files say — the old place. This
 * rewrites every experiment's artifact_location, run's artifact_uri and
 * LoggedModel's artifact_location that points at this folder's own position in
 * an old copy (".../<exp id>", ".../<exp id>/<run id>/artifacts",
 * ".../<exp id>/models/<model id>/artifacts") to the same position under ROOT,
 * one meta.yaml at a time, atomically (src_write.c). Values that point
 * anywhere else (another artifact store, s3://, a server) are left alone. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath() (XSI) */
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reloc {
    src_store *s;
    int dry_run, json;
    size_t changed, failed, kept;
    sbuf json_items;
} reloc;

/* the URI of ROOT + suffix, its path quoted (%20) when the old one was, raw when it was not
   (MLflow 3.18 writes a space as it is; pathlib's as_uri() quotes it; MLflow reads both) */
static void new_uri(sbuf *b, const src_store *s, const char *suffix, int quoted)
{
    sb_puts(b, "file://");
    if (quoted) url_encode(b, src_store_real_root(s), 1);
    else sb_puts(b, src_store_real_root(s));
    sb_puts(b, suffix);
}

/* a YAML scalar for the value: plain when that reads back the same, else single-quoted */
static void yaml_value(sbuf *b, const char *v)
{
    int plain = *v && !strchr("'\"!&*[]{}|>%@`#,?:-", *v) && !strstr(v, ": ") && !strstr(v, " #");
    const char *p;
    for (p = v; *p && plain; p++) plain = (unsigned char)*p >= 0x20;
    if (plain) {
        sb_puts(b, v);
        return;
    }
    sb_add(b, "'", 1);
    for (p = v; *p; p++) sb_add(b, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
    sb_add(b, "'", 1);
}

/* the meta.yaml text with the line "key: ..." replaced; NULL when there is no such line */
static char *replace_line(const char *text, const char *key, const char *value)
{
    sbuf out = {0};
    const char *p, *nl;
    size_t kl = strlen(key);
    int found = 0;
    for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        if (!strncmp(p, key, kl) && p[kl] == ':' && !found) {
            sb_printf(&out, "%s: ", key);
            yaml_value(&out, value);
            sb_puts(&out, "\n");
            found = 1;
        } else
            sb_add(&out, p, nl ? (size_t)(nl - p) + 1 : strlen(p));
    }
    if (!found || out.oom) return sb_free(&out), NULL;
    return out.s;
}

static void report_one(reloc *r, const char *meta, const char *key, const char *from, const char *to, const char *err)
{
    if (r->json) {
        sbuf *b = &r->json_items;
        sb_puts(b, b->len ? ",{\"file\":" : "{\"file\":");
        json_str(b, meta);
        sb_puts(b, ",\"key\":");
        json_str(b, key);
        sb_puts(b, ",\"from\":");
        json_str(b, from);
        sb_puts(b, ",\"to\":");
        json_str(b, to);
        sb_puts(b, ",\"error\":");
        if (err) json_str(b, err);
        else sb_puts(b, "null");
        sb_puts(b, "}");
        return;
    }
    if (err) errorf(EXIT_SOURCE, "%s: %s not rewritten: %s", meta, key, err);
    else helpf("%s %s: %s\n    %s\n -> %s\n", r->dry_run ? "would rewrite" : "rewrote", meta, key, from, to);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
}

/* %XX decoded (file: URIs quote spaces and the like) */
static void url_decode(sbuf *b, const char *s)
{
    for (; *s; s++) {
        int hi, lo;
        if (*s == '%' && s[1] && s[2] && (hi = hexval(s[1])) >= 0 && (lo = hexval(s[2])) >= 0) {
            char c = (char)(hi * 16 + lo);
            sb_add(b, &c, 1);
            s += 2;
        } else
            sb_add(b, s, 1);
    }
}

/* 1 when `old_root` (a path) is this very folder, under another name or through a link */
static int same_place(const src_store *s, const char *old_root)
{
    char *real = realpath(old_root, NULL);
    int same = real && !strcmp(real, src_store_real_root(s));
    free(real);
    return same || !strcmp(old_root, src_store_real_root(s));
}

/* value -> the same suffix under ROOT, or NULL when it does not point into a copy of this folder */
static char *moved_value(const reloc *r, const char *value, const char *suffix)
{
    int uri = !strncmp(value, "file:///", 8);
    const char *path = uri ? value + 7 : value;
    size_t n = strlen(path), sl = strlen(suffix);
    sbuf old = {0}, out = {0};
    if ((!uri && path[0] != '/') || n <= sl || strcmp(path + n - sl, suffix) != 0) return NULL;
    if (uri) url_decode(&old, path);
    else sb_add(&old, path, n);
    if (!old.s) return NULL;
    old.s[old.len - sl] = '\0'; /* the old root */
    if (same_place(r->s, old.s)) return sb_free(&old), NULL;
    sb_free(&old);
    if (uri) new_uri(&out, r->s, suffix, strchr(value, '%') != NULL);
    else sb_printf(&out, "%s%s", src_store_real_root(r->s), suffix);
    return out.s;
}

static void relocate_one(reloc *r, const char *meta, const char *key, const char *value, const char *suffix)
{
    char *to = value && *value ? moved_value(r, value, suffix) : NULL, *text = NULL, *edited = NULL;
    tool_err e;
    size_t len = 0;
    if (!to) {
        r->kept++;
        return;
    }
    err_clear(&e);
    if (!r->dry_run) {
        if (!(text = src_read_file(r->s, meta, SRC_YAML_MAX_BYTES, &len, &e))) (void)0;
        else if (!(edited = replace_line(text, key, to)))
            err_set(&e, EXIT_SOURCE, meta, "no '%s:' line in the form MLflow writes: not changed", key);
        else
            src_write_replace(r->s, meta, NULL, edited, strlen(edited), &e);
    }
    report_one(r, meta, key, value, to, e.code ? e.why : NULL);
    if (e.code) r->failed++;
    else r->changed++;
    free(text);
    free(edited);
    free(to);
}

/* ---- the folder -------------------------------------------------------------------------------------- */

static void relocate_models(reloc *r, const src_exp *x)
{
    src_logged_models m;
    tool_err e;
    size_t i;
    if (src_logged_models_read(r->s, x, &m, &e) != 0) return;
    for (i = 0; i < m.n; i++) {
        sbuf meta = {0}, suffix = {0};
        sb_printf(&meta, "%s/meta.yaml", m.v[i].rel);
        sb_printf(&suffix, "/%s/models/%s/artifacts", x->id, m.v[i].id);
        if (meta.s && suffix.s) relocate_one(r, meta.s, "artifact_location", m.v[i].artifact_location, suffix.s);
        sb_free(&meta);
        sb_free(&suffix);
    }
    src_logged_models_free(&m);
}

static void relocate_all(reloc *r)
{
    size_t i;
    for (i = 0; i < src_store_nexps(r->s); i++) {
        const src_exp *x = src_store_exp(r->s, i);
        sbuf meta = {0}, suffix = {0};
        sb_printf(&meta, "%s/meta.yaml", x->rel);
        sb_printf(&suffix, "/%s", x->id);
        if (meta.s && suffix.s) relocate_one(r, meta.s, "artifact_location", x->artifact_location, suffix.s);
        sb_free(&meta);
        sb_free(&suffix);
        relocate_models(r, x);
    }
    for (i = 0; i < src_store_nruns(r->s); i++) {
        const src_run *x = src_store_run(r->s, i);
        sbuf meta = {0}, suffix = {0};
        sb_printf(&meta, "%s/meta.yaml", x->rel);
        sb_printf(&suffix, "/%s/%s/artifacts", x->exp->id, x->id);
        if (meta.s && suffix.s) relocate_one(r, meta.s, "artifact_uri", x->artifact_uri, suffix.s);
        sb_free(&meta);
        sb_free(&suffix);
    }
}

int cmd_relocate(const tool_cfg *c)
{
    reloc r;
    tool_err e;
    int rc;
    memset(&r, 0, sizeof r);
    err_clear(&e);
    r.dry_run = c->dry_run;
    r.json = c->json;
    if ((rc = inspect_open(c, INSPECT_DELETED, &r.s, &e)) != 0) return inspect_fail(c, &e);
    relocate_all(&r);
    if (c->json) {
        sbuf b = {0};
        sb_puts(&b, "{\"root\":");
        json_str(&b, src_store_real_root(r.s));
        sb_printf(&b, ",\"dry_run\":%s,\"rewritten\":%zu,\"failed\":%zu,\"kept\":%zu,\"changes\":[%s]}",
                  r.dry_run ? "true" : "false", r.changed, r.failed, r.kept, r.json_items.s ? r.json_items.s : "");
        helpf("%s\n", b.s ? b.s : "{}");
        sb_free(&b);
    } else
        helpf("relocate: %zu value%s %s to %s, %zu left as they were%s%s\n", r.changed, r.changed == 1 ? "" : "s",
              r.dry_run ? "would be rewritten" : "rewritten", src_store_real_root(r.s), r.kept,
              r.failed ? ", FAILED: " : "", r.failed ? "see above" : "");
    rc = r.failed ? EXIT_SOURCE : EXIT_OK;
    sb_free(&r.json_items);
    src_store_close(r.s);
    return rc;
}
