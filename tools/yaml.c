/* tools/yaml.c — see yaml.h */
#include "yaml.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static char *ystrdup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int ymap_push(ymap *m, char *k, char *v, ymap *sub)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        char **nk = realloc(m->keys, cap * sizeof *nk);
        if (!nk) return -1;
        m->keys = nk;
        nk = realloc(m->vals, cap * sizeof *nk);
        if (!nk) return -1;
        m->vals = nk;
        {
            ymap **ns = realloc(m->subs, cap * sizeof *ns);
            if (!ns) return -1;
            m->subs = ns;
        }
        m->cap = cap;
    }
    m->keys[m->n] = k;
    m->vals[m->n] = v;
    m->subs[m->n] = sub;
    m->n++;
    return 0;
}

void ymap_free(ymap *m)
{
    size_t i;
    if (!m) return;
    for (i = 0; i < m->n; i++) {
        free(m->keys[i]);
        free(m->vals[i]);
        ymap_free(m->subs[i]);
    }
    free(m->keys);
    free(m->vals);
    free(m->subs);
    free(m);
}

static int yscalar_is_null(const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;
    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* skips a node whose start event was just consumed */
static int yskip(yaml_parser_t *p, yaml_event_type_t start)
{
    int depth = 1;
    yaml_event_t e;
    if (start != YAML_SEQUENCE_START_EVENT && start != YAML_MAPPING_START_EVENT) return 0;
    while (depth > 0) {
        if (!yaml_parser_parse(p, &e)) return -1;
        if (e.type == YAML_SEQUENCE_START_EVENT || e.type == YAML_MAPPING_START_EVENT) depth++;
        if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) depth--;
        yaml_event_delete(&e);
    }
    return 0;
}

/* parses mapping contents after MAPPING_START */
static int yparse_map(yaml_parser_t *p, ymap *m)
{
    for (;;) {
        yaml_event_t ke, ve;
        char *k;
        if (!yaml_parser_parse(p, &ke)) return -1;
        if (ke.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ke);
            return 0;
        }
        if (ke.type != YAML_SCALAR_EVENT) { /* complex key: skip key and value */
            yaml_event_type_t t = ke.type;
            yaml_event_delete(&ke);
            if (yskip(p, t) != 0) return -1;
            if (!yaml_parser_parse(p, &ve)) return -1;
            t = ve.type;
            yaml_event_delete(&ve);
            if (yskip(p, t) != 0) return -1;
            continue;
        }
        k = ystrdup((const char *)ke.data.scalar.value, ke.data.scalar.length);
        yaml_event_delete(&ke);
        if (!k) return -1;
        if (!yaml_parser_parse(p, &ve)) {
            free(k);
            return -1;
        }
        if (ve.type == YAML_SCALAR_EVENT) {
            char *v = yscalar_is_null(&ve) ? NULL
                                           : ystrdup((const char *)ve.data.scalar.value, ve.data.scalar.length);
            yaml_event_delete(&ve);
            if (ymap_push(m, k, v, NULL) != 0) {
                free(k);
                free(v);
                return -1;
            }
        } else if (ve.type == YAML_MAPPING_START_EVENT) {
            ymap *sub = calloc(1, sizeof *sub);
            yaml_event_delete(&ve);
            if (!sub || yparse_map(p, sub) != 0 || ymap_push(m, k, NULL, sub) != 0) {
                free(k);
                ymap_free(sub);
                return -1;
            }
        } else {
            yaml_event_type_t t = ve.type;
            yaml_event_delete(&ve);
            if (yskip(p, t) != 0 || ymap_push(m, k, NULL, NULL) != 0) {
                free(k);
                return -1;
            }
        }
    }
}

int ymap_load(const char *path, ymap **out, char *err, size_t errn)
{
    FILE *f = fopen(path, "rb");
    yaml_parser_t p;
    yaml_event_t e;
    ymap *m;
    int rc = -1, done = 0;

    *out = NULL;
    if (!f) {
        snprintf(err, errn, "%s: %s", path, strerror(errno));
        return -1;
    }
    m = calloc(1, sizeof *m);
    if (!m || !yaml_parser_initialize(&p)) {
        fclose(f);
        free(m);
        snprintf(err, errn, "%s: out of memory", path);
        return -1;
    }
    yaml_parser_set_input_file(&p, f);
    while (!done) {
        if (!yaml_parser_parse(&p, &e)) break;
        if (e.type == YAML_MAPPING_START_EVENT) {
            yaml_event_delete(&e);
            if (yparse_map(&p, m) != 0) break;
            rc = 0;
            done = 1;
        } else if (e.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&e);
            done = 1;
        } else if (e.type == YAML_SCALAR_EVENT || e.type == YAML_SEQUENCE_START_EVENT) {
            yaml_event_delete(&e);
            snprintf(err, errn, "%s: not a YAML mapping", path);
            done = 2;
        } else {
            yaml_event_delete(&e);
        }
    }
    if (rc != 0 && done != 2) {
        if (p.error != YAML_NO_ERROR)
            snprintf(err, errn, "%s:%lu: %s", path, (unsigned long)p.problem_mark.line + 1,
                     p.problem ? p.problem : "YAML error");
        else if (done == 1)
            snprintf(err, errn, "%s: empty file", path);
        else
            snprintf(err, errn, "%s: cannot parse (out of memory?)", path);
    }
    yaml_parser_delete(&p);
    fclose(f);
    if (rc != 0) {
        ymap_free(m);
        return -1;
    }
    *out = m;
    return 0;
}

const char *ymap_get(const ymap *m, const char *key)
{
    size_t i;
    if (!m) return NULL;
    for (i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) return m->vals[i];
    return NULL;
}

int ymap_has(const ymap *m, const char *key)
{
    size_t i;
    if (!m) return 0;
    for (i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) return 1;
    return 0;
}

const ymap *ymap_sub(const ymap *m, const char *key)
{
    size_t i;
    if (!m) return NULL;
    for (i = 0; i < m->n; i++)
        if (strcmp(m->keys[i], key) == 0) return m->subs[i];
    return NULL;
}
