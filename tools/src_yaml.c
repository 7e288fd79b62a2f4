/* tools/src_yaml.c — a meta.yaml into a tree, as PyYAML's SafeLoader reads it:
 * the pre-scan (src_yaml_scan.c) first, then libyaml's events, built into a
 * flat node array with an explicit stack (no recursion, whatever the input).
 * Plain scalars get the type PyYAML 1.1 resolves them to (src_yaml_types.c),
 * because MLflow's reader sees `experiment_id: 0` as an int and `name: yes` as
 * a bool. Refused: aliases (MLflow never writes them; they are how YAML bombs
 * work), tags SafeLoader does not know, more than one document, a root that is
 * not a mapping. While building, the depth, the node count and the flow
 * nesting work are counted again on libyaml's own events, so that a document
 * the pre-scan misjudged still stops early. */
#include "src_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

enum {
    SRC_YAML_MAX_NODES = 200000        /* an MLflow meta.yaml has tens of nodes */
};

typedef struct builder {
    src_ydoc *doc;
    size_t *stack; size_t depth;       /* open collections (node index + 1) */
    int flow;                          /* open flow collections, from the events' styles */
    int *flow_at;                      /* 1 when stack[i] is a flow collection */
    long long work;
    int docs;
    char *why; size_t whyn;
} builder;

static int bfail(builder *b, const yaml_event_t *e, const char *what)
{
    if (e) snprintf(b->why, b->whyn, "line %lu: %s", (unsigned long)e->start_mark.line + 1, what);
    else snprintf(b->why, b->whyn, "%s", what);
    return -1;
}

/* appends a node and links it under the open collection */
static long add_node(builder *b, const yaml_event_t *e, int type)
{
    src_ydoc *d = b->doc;
    src_ynode *n;
    if (d->n >= SRC_YAML_MAX_NODES) return bfail(b, e, "more YAML nodes than any MLflow file holds");
    if (!(n = src_grow(d->v, &d->cap, d->n, sizeof *n, 32))) return bfail(b, NULL, "out of memory");
    d->v = n;
    n = &d->v[d->n++];
    memset(n, 0, sizeof *n);
    n->type = type;
    if (b->depth) {
        src_ynode *parent = &d->v[b->stack[b->depth - 1] - 1];
        if (parent->type == SRC_Y_MAP && parent->nchildren % 2 == 0 && type >= SRC_Y_MAP)
            return bfail(b, e, "a mapping key that is a collection (PyYAML refuses it)");
        if (parent->last) d->v[parent->last - 1].next = d->n;
        else parent->first = d->n;
        parent->last = d->n;
        parent->nchildren++;
    } else if (d->n > 1)
        return bfail(b, e, "more than one YAML node at the top");
    return (long)d->n - 1;
}

static int on_scalar(builder *b, const yaml_event_t *e)
{
    const char *tag = (const char *)e->data.scalar.tag;
    src_ynode tmp;
    long at;
    int r;
    memset(&tmp, 0, sizeof tmp);
    r = src_yaml_resolve(b->doc, &tmp, (const char *)e->data.scalar.value, e->data.scalar.length,
                         e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, tag);
    if (r == SRC_YR_TAG) return bfail(b, e, "a YAML tag PyYAML's SafeLoader does not accept");
    if (r == SRC_YR_VALUE) return bfail(b, e, "a YAML scalar that does not fit its tag");
    if (r == SRC_YR_NUL) return bfail(b, e, "a NUL character in a YAML scalar");
    if (r != 0) return bfail(b, NULL, "out of memory");
    at = add_node(b, e, tmp.type);
    if (at < 0) return -1;
    tmp.first = tmp.last = tmp.next = tmp.nchildren = 0;
    b->doc->v[at].off = tmp.off;
    b->doc->v[at].len = tmp.len;
    b->doc->v[at].ival = tmp.ival;
    b->doc->v[at].int_ok = tmp.int_ok;
    return 0;
}

static int on_collection_start(builder *b, const yaml_event_t *e)
{
    int is_map = e->type == YAML_MAPPING_START_EVENT;
    const char *tag = (const char *)(is_map ? e->data.mapping_start.tag : e->data.sequence_start.tag);
    int flow = is_map ? e->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                      : e->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    long at;
    if (tag && strcmp(tag, "!") != 0 && !src_yaml_tag_ok(tag, is_map ? SRC_Y_MAP : SRC_Y_SEQ))
        return bfail(b, e, "a YAML tag PyYAML's SafeLoader does not accept");
    if (b->depth >= SRC_YAML_MAX_DEPTH) return bfail(b, e, "YAML nested more than 1000 levels deep");
    at = add_node(b, e, is_map ? SRC_Y_MAP : SRC_Y_SEQ);
    if (at < 0) return -1;
    b->stack[b->depth] = (size_t)at + 1;
    b->flow_at[b->depth++] = flow;
    b->flow += flow;
    return 0;
}

static int on_event(builder *b, const yaml_event_t *e)
{
    /* libyaml's scanner costs about one unit per open flow level for every token */
    b->work += b->flow;
    if (b->work > SRC_YAML_MAX_WORK)
        return bfail(b, e, "YAML flow collections nested too deeply for the number of entries they hold");
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        return ++b->docs > 1 ? bfail(b, e, "more than one YAML document") : 0;
    case YAML_ALIAS_EVENT:
        return bfail(b, e, "a YAML alias (*name): MLflow never writes them");
    case YAML_SCALAR_EVENT:
        return on_scalar(b, e);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        return on_collection_start(b, e);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (b->depth) b->flow -= b->flow_at[--b->depth];
        return 0;
    default:
        return 0;
    }
}

static int run_libyaml(builder *b, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_event_t e;
    int rc = 0, done = 0;
    if (!yaml_parser_initialize(&p)) return bfail(b, NULL, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING); /* MLflow decodes meta.yaml as UTF-8 */
    while (!done && rc == 0) {
        if (!yaml_parser_parse(&p, &e)) {
            snprintf(b->why, b->whyn, "line %lu: %s%s%s", (unsigned long)p.problem_mark.line + 1,
                     p.problem ? p.problem : "YAML error", p.context ? " " : "", p.context ? p.context : "");
            rc = -1;
            break;
        }
        done = e.type == YAML_STREAM_END_EVENT;
        rc = on_event(b, &e);
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    return rc;
}

/* ---- the flat lane: "key: value" lines, as MLflow writes a run's meta.yaml ----------------- */

enum { FLAT_MAX_LINES = 1000 };        /* far above any MLflow meta.yaml; longer ones take libyaml's lane */

static int is_alnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
static int in_set(char c, const char *set) { return c && strchr(set, c); } /* strchr finds the '\0' too */

/* [A-Za-z_][A-Za-z0-9_]* then ':' — nothing YAML could read as anything but a plain key;
   at most 1000 characters (a simple key longer than 1024 is an error in libyaml) */
static size_t flat_key(const char *s, size_t n)
{
    size_t i = 0;
    if (!n || (!is_alnum(s[0]) && s[0] != '_') || (s[0] >= '0' && s[0] <= '9')) return 0;
    while (i < n && i <= 1000 && (is_alnum(s[i]) || s[i] == '_')) i++;
    return i < n && i <= 1000 && s[i] == ':' ? i : 0;
}

/* a plain scalar made only of characters that never start, end or break one: no spaces,
   no indicators ('-' only when more follows, ':' only inside a word as in file:///),
   no quotes, '#', ',', brackets, tags, anchors; ASCII only */
static int flat_plain(const char *s, size_t n)
{
    size_t i;
    if (!n) return 1;                  /* "key:" is an empty plain scalar: null */
    if (!(is_alnum(s[0]) || in_set(s[0], "/._+~") || (s[0] == '-' && n > 1))) return 0;
    for (i = 1; i < n; i++)
        if (!(is_alnum(s[i]) || in_set(s[i], "/._+~-=@%") || (s[i] == ':' && i + 1 < n))) return 0;
    return 1;
}

/* 'text' on one line, printable ASCII, no quote inside (so no '' escape) */
static int flat_quoted(const char *s, size_t n)
{
    size_t i;
    if (n < 2 || s[0] != '\'' || s[n - 1] != '\'') return 0;
    for (i = 1; i + 1 < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '\'') return 0;
    return 1;
}

/* appends one node below the root mapping (node 0) */
static src_ynode *flat_node(src_ydoc *d, int type)
{
    src_ynode *n = src_grow(d->v, &d->cap, d->n, sizeof *n, 32);
    if (!n) return NULL;
    d->v = n;
    n = &d->v[d->n++];
    memset(n, 0, sizeof *n);
    n->type = type;
    if (d->n == 1) return n;
    if (d->v[0].last) d->v[d->v[0].last - 1].next = d->n;
    else d->v[0].first = d->n;
    d->v[0].last = d->n;
    d->v[0].nchildren++;
    return n;
}

/* one scalar through the same typing as libyaml's lane (src_yaml_resolve); 0, -1 */
static int flat_scalar(src_ydoc *d, const char *s, size_t n, int plain)
{
    src_ynode tmp, *node;
    memset(&tmp, 0, sizeof tmp);
    if (src_yaml_resolve(d, &tmp, s, n, plain, NULL) != 0 || !(node = flat_node(d, tmp.type))) return -1;
    node->off = tmp.off, node->len = tmp.len, node->ival = tmp.ival, node->int_ok = tmp.int_ok;
    return 0;
}

/* one "key: value" line into the root mapping. 0, 1 not flat, -1 out of memory */
static int flat_line(src_ydoc *d, const char *s, size_t n)
{
    size_t k = flat_key(s, n);
    const char *v = s + k + 2;
    size_t vn = k + 2 <= n ? n - k - 2 : 0;
    int quoted;
    if (!k || (k + 1 < n && s[k + 1] != ' ')) return 1;
    quoted = flat_quoted(v, vn);
    if (!quoted && !flat_plain(v, vn) && !(vn == 2 && (!memcmp(v, "[]", 2) || !memcmp(v, "{}", 2)))) return 1;
    if (flat_scalar(d, s, k, 1) != 0) return -1;
    if (quoted) return flat_scalar(d, v + 1, vn - 2, 0);
    if (vn == 2 && (v[0] == '[' || v[0] == '{')) return flat_node(d, v[0] == '[' ? SRC_Y_SEQ : SRC_Y_MAP) ? 0 : -1;
    return flat_scalar(d, v, vn, 1);
}

/* A run's meta.yaml as MLflow writes it is a column of "key: value" lines with plain,
   single-quoted or empty-collection values. Such a document is read here directly into
   the same tree libyaml's lane builds (tests/tool_src compares the two), five times
   faster, which is most of what listing 10,000 runs costs. */
int src_yaml_parse_flat(const char *text, size_t len, src_ydoc *doc)
{
    const char *p = text, *end = text + len;
    size_t lines = 0;
    int rc = 0;
    memset(doc, 0, sizeof *doc);
    if (!len || !flat_node(doc, SRC_Y_MAP)) return len ? -1 : 1;
    while (p < end && rc == 0) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        rc = ++lines > FLAT_MAX_LINES ? 1 : flat_line(doc, p, n);
        p += n + (nl != NULL);
    }
    if (rc != 0) src_ydoc_free(doc);
    return rc;
}

int src_yaml_parse(const char *text, size_t len, src_ydoc *doc, char *why, size_t whyn)
{
    int rc;
    if ((rc = src_yaml_parse_flat(text, len, doc)) != 1) return rc < 0 ? snprintf(why, whyn, "out of memory"), -1 : 0;
    return src_yaml_parse_events(text, len, doc, why, whyn);
}

int src_yaml_parse_events(const char *text, size_t len, src_ydoc *doc, char *why, size_t whyn)
{
    builder b;
    int rc;
    memset(doc, 0, sizeof *doc);
    if (src_yaml_prescan(text, len, NULL, why, whyn) != 0) return -1;
    memset(&b, 0, sizeof b);
    b.doc = doc;
    b.why = why;
    b.whyn = whyn;
    b.stack = malloc((SRC_YAML_MAX_DEPTH + 1) * sizeof *b.stack);
    b.flow_at = malloc((SRC_YAML_MAX_DEPTH + 1) * sizeof *b.flow_at);
    rc = b.stack && b.flow_at ? run_libyaml(&b, text, len) : bfail(&b, NULL, "out of memory");
    free(b.stack);
    free(b.flow_at);
    if (rc == 0 && (doc->n == 0 || doc->v[0].type == SRC_Y_NULL)) rc = bfail(&b, NULL, "empty (no YAML mapping)");
    else if (rc == 0 && doc->v[0].type != SRC_Y_MAP) rc = bfail(&b, NULL, "not a YAML mapping");
    if (rc != 0) src_ydoc_free(doc);
    return rc;
}

int src_yaml_load(int base_fd, const char *rel, src_ydoc *doc, char *why, size_t whyn)
{
    size_t len = 0;
    int err = 0, rc;
    char *text = srcfs_read(base_fd, rel, SRC_YAML_MAX_BYTES, &len, &err);
    memset(doc, 0, sizeof *doc);
    if (!text) {
        if (err == ENOENT) return 1;
        snprintf(why, whyn, "%s", err == SRCFS_TOO_LARGE ? "larger than 4 MiB: no MLflow meta.yaml is" : srcfs_why(err));
        return -1;
    }
    rc = src_yaml_parse(text, len, doc, why, whyn);
    free(text);
    return rc;
}

void src_ydoc_free(src_ydoc *doc)
{
    free(doc->v);
    sb_free(&doc->text);
    memset(doc, 0, sizeof *doc);
}

/* ---- lookups ------------------------------------------------------------------------ */

size_t src_ynode_index(const src_ydoc *d, const src_ynode *n) { return (size_t)(n - d->v); }

const char *src_ytext(const src_ydoc *d, const src_ynode *n)
{
    if (!n || n->type == SRC_Y_NULL || n->type >= SRC_Y_MAP) return NULL;
    return d->text.s + n->off;
}

const src_ynode *src_ypair(const src_ydoc *d, size_t map, const src_ynode *prev_key, const src_ynode **val)
{
    size_t k;
    if (map >= d->n || d->v[map].type != SRC_Y_MAP) return NULL;
    k = prev_key ? (prev_key->next ? d->v[prev_key->next - 1].next : 0) : d->v[map].first;
    if (!k || !d->v[k - 1].next) return NULL;
    *val = &d->v[d->v[k - 1].next - 1];
    return &d->v[k - 1];
}

const src_ynode *src_yget(const src_ydoc *d, size_t map, const char *key)
{
    const src_ynode *k, *v = NULL, *found = NULL;
    for (k = src_ypair(d, map, NULL, &v); k; k = src_ypair(d, map, k, &v)) {
        const char *t = src_ytext(d, k);
        if (t && strcmp(t, key) == 0) found = v; /* the last duplicate wins, as in PyYAML */
    }
    return found;
}

const char *src_ystr(const src_ydoc *d, size_t map, const char *key) { return src_ytext(d, src_yget(d, map, key)); }

int src_yint(const src_ydoc *d, size_t map, const char *key, long long *out)
{
    const src_ynode *n = src_yget(d, map, key);
    if (!n || n->type == SRC_Y_NULL) return 0;
    if (n->type == SRC_Y_INT && n->int_ok) {
        *out = n->ival;
        return 1;
    }
    if (n->type == SRC_Y_STR) { /* '1714000000000' quoted: a string of digits is taken too */
        const char *t = src_ytext(d, n);
        char *end;
        long long v;
        errno = 0;
        v = strtoll(t, &end, 10);
        if (*t && !*end && !errno && t[0] != ' ' && t[0] != '+' && t[0] != '\t') {
            *out = v;
            return 1;
        }
    }
    return -1;
}
