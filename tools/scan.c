/* tools/scan.c — see scan.h */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include "scan.h"
#include "yaml.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const scan_status_names[] = {"", "RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"};

const char *scan_status_name(int status)
{
    return status >= 1 && status <= 5 ? scan_status_names[status] : "RUNNING";
}

static int scan_parse_status(const char *v)
{
    int i;
    if (!v) return 1;
    if (v[0] >= '0' && v[0] <= '9') {
        long s = strtol(v, NULL, 10);
        return s >= 1 && s <= 5 ? (int)s : 1;
    }
    for (i = 1; i <= 5; i++)
        if (strcmp(v, scan_status_names[i]) == 0) return i;
    return 1;
}

static int scan_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted names of entries of dir (excluding . and ..) */
char **scan_listdir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    if (!d) return NULL;
    v = malloc(sizeof *v); /* non-NULL even for an empty directory */
    if (!v) {
        closedir(d);
        return NULL;
    }
    cap = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (*n == cap) {
            char **nv;
            cap = cap ? cap * 2 : 32;
            nv = realloc(v, cap * sizeof *nv);
            if (!nv) break;
            v = nv;
        }
        v[*n] = xstrdup(e->d_name);
        if (v[*n]) (*n)++;
    }
    closedir(d);
    if (*n) qsort(v, *n, sizeof *v, scan_name_cmp);
    return v;
}

void scan_freelist(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int scan_walk(const char *base, const char *rel, kvlist *out, int read_values)
{
    char *dir = rel[0] ? path_join(base, rel) : xstrdup(base);
    size_t n, i;
    char **names;
    int rc = 0;
    if (!dir) return -1;
    names = scan_listdir(dir, &n);
    if (!names) {
        int e = errno;
        free(dir);
        return e == ENOENT || e == ENOTDIR ? 0 : -1;
    }
    for (i = 0; i < n && rc == 0; i++) {
        char *full = path_join(dir, names[i]);
        char *r = rel[0] ? path_join(rel, names[i]) : xstrdup(names[i]);
        struct stat st;
        if (!full || !r) rc = -1;
        else if (stat(full, &st) != 0) rc = errno == ENOENT ? 0 : -1;
        else if (S_ISDIR(st.st_mode)) rc = scan_walk(base, r, out, read_values);
        else if (S_ISREG(st.st_mode)) {
            if (read_values) {
                char *v = read_file(full, NULL);
                if (!v) rc = -1;
                else {
                    rc = kv_add(out, r, v);
                    free(v);
                }
            } else {
                rc = kv_add(out, r, "");
            }
        }
        free(full);
        free(r);
    }
    scan_freelist(names, n);
    free(dir);
    return rc;
}

int scan_read_kv_dir(const char *dir, kvlist *out) { return scan_walk(dir, "", out, 1); }
int scan_list_files(const char *dir, kvlist *out) { return scan_walk(dir, "", out, 0); }

static int scan_wanted_exp(const scan_filter *f, const char *id, const char *name)
{
    size_t i;
    if (!f || !f->nexperiments) return 1;
    for (i = 0; i < f->nexperiments; i++)
        if (strcmp(f->experiments[i], name) == 0 || strcmp(f->experiments[i], id) == 0) return 1;
    return 0;
}

static int scan_wanted_run(const scan_filter *f, const char *id)
{
    size_t i;
    if (!f || !f->nruns) return 1;
    for (i = 0; i < f->nruns; i++)
        if (strcmp(f->runs[i], id) == 0) return 1;
    return 0;
}

static long long scan_ll(const char *v) { return v ? strtoll(v, NULL, 10) : 0; }

static int scan_load_run(scan_exp *x, const char *name, char *err, size_t errn, size_t *skipped)
{
    char *dir = path_join(x->dir, name), *meta = dir ? path_join(dir, "meta.yaml") : NULL;
    ymap *m = NULL;
    scan_run *r;
    const char *v;
    char *ptag;
    struct stat st;
    int rc = 0;

    if (!meta) goto oom;
    if (stat(meta, &st) != 0) { /* not a run (MLflow: "Malformed run", debug level) */
        free(meta);
        free(dir);
        return 0;
    }
    if (ymap_load(meta, &m, err, errn) != 0) {
        rc = -1;
        goto done;
    }
    v = ymap_get(m, "lifecycle_stage");
    if (v && strcmp(v, "deleted") == 0) {
        (*skipped)++;
        goto done;
    }
    if (x->nruns == x->capruns) {
        size_t cap = x->capruns ? x->capruns * 2 : 16;
        scan_run *nr = realloc(x->runs, cap * sizeof *nr);
        if (!nr) goto oom;
        x->runs = nr;
        x->capruns = cap;
    }
    r = &x->runs[x->nruns];
    memset(r, 0, sizeof *r);
    r->id = xstrdup(name);
    r->dir = dir;
    dir = NULL;
    r->exp_id = xstrdup(x->id);
    v = ymap_get(m, "run_name");
    r->run_name = xstrdup(v ? v : "");
    v = ymap_get(m, "user_id");
    r->user_id = xstrdup(v ? v : "");
    v = ymap_get(m, "artifact_uri");
    r->artifact_uri = xstrdup(v ? v : "");
    r->status = scan_parse_status(ymap_get(m, "status"));
    r->start_time = scan_ll(ymap_get(m, "start_time"));
    v = ymap_get(m, "end_time");
    r->has_end = v != NULL;
    r->end_time = scan_ll(v);
    ptag = path_join(r->dir, "tags/mlflow.parentRunId");
    r->parent = ptag ? read_file(ptag, NULL) : NULL;
    free(ptag);
    if (!r->run_name[0]) { /* MLflow falls back to the mlflow.runName tag */
        char *tp = path_join(r->dir, "tags/mlflow.runName");
        char *tv = tp ? read_file(tp, NULL) : NULL;
        if (tv) {
            free(r->run_name);
            r->run_name = tv;
        }
        free(tp);
    }
    if (!r->id || !r->exp_id || !r->run_name || !r->user_id || !r->artifact_uri) goto oom;
    x->nruns++;
    goto done;
oom:
    snprintf(err, errn, "out of memory");
    rc = -1;
done:
    ymap_free(m);
    free(meta);
    free(dir);
    return rc;
}

int scan_store_load(const char *root, const scan_filter *f, scan_store *out, char *err, size_t errn)
{
    size_t n, i, j, k;
    char **names;
    int any = 0;

    memset(out, 0, sizeof *out);
    out->root = xstrdup(root);
    names = scan_listdir(root, &n);
    if (!names) {
        snprintf(err, errn, "cannot read %s: %s", root, errno ? strerror(errno) : "empty directory");
        return -1;
    }
    out->exps = calloc(n ? n : 1, sizeof *out->exps);
    if (!out->exps) {
        scan_freelist(names, n);
        snprintf(err, errn, "out of memory");
        return -1;
    }
    for (i = 0; i < n; i++) {
        char *dir, *meta, *tagdir;
        ymap *m = NULL;
        scan_exp *x;
        size_t nr;
        char **runs;
        const char *id, *name;
        size_t len = strlen(names[i]);
        if (len >= 6 && strcmp(names[i] + len - 6, ".trash") == 0) continue;
        if (strcmp(names[i], "models") == 0) continue;
        dir = path_join(root, names[i]);
        if (!dir || !is_dir(dir)) {
            free(dir);
            continue;
        }
        meta = path_join(dir, "meta.yaml");
        if (ymap_load(meta, &m, err, errn) != 0) {
            if (errno != ENOENT) any = any ? any : 0;
            free(meta);
            free(dir);
            continue; /* MLflow: "Malformed experiment", skipped */
        }
        free(meta);
        id = ymap_get(m, "experiment_id");
        name = ymap_get(m, "name");
        if (!id || strcmp(id, names[i]) != 0 || !name) {
            ymap_free(m);
            free(dir);
            continue; /* MLflow ignores an experiment whose id differs from its folder */
        }
        any = 1;
        if (!scan_wanted_exp(f, id, name)) {
            ymap_free(m);
            free(dir);
            continue;
        }
        x = &out->exps[out->nexps++];
        x->id = xstrdup(id);
        x->name = xstrdup(name);
        x->artifact_location = xstrdup(ymap_get(m, "artifact_location"));
        x->dir = dir;
        ymap_free(m);
        tagdir = path_join(dir, "tags");
        if (!tagdir || scan_read_kv_dir(tagdir, &x->tags) != 0) {
            snprintf(err, errn, "cannot read experiment tags in %s: %s", dir, strerror(errno));
            free(tagdir);
            scan_freelist(names, n);
            return -1;
        }
        free(tagdir);
        runs = scan_listdir(dir, &nr);
        for (j = 0; j < nr; j++) {
            static const char *const reserved[] = {"tags", "datasets", "traces", "models", "meta.yaml"};
            int skip = 0;
            for (k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
                if (strcmp(runs[j], reserved[k]) == 0) skip = 1;
            if (skip || !scan_wanted_run(f, runs[j])) continue;
            if (scan_load_run(x, runs[j], err, errn, &out->nskipped) != 0) {
                scan_freelist(runs, nr);
                scan_freelist(names, n);
                return -1;
            }
        }
        scan_freelist(runs, nr);
    }
    scan_freelist(names, n);
    if (!any) {
        snprintf(err, errn, "%s holds no MLflow experiment (no <id>/meta.yaml)", root);
        return -1;
    }
    /* nesting depth among local runs, so parents are synced before children */
    for (i = 0; i < out->nexps; i++)
        for (j = 0; j < out->exps[i].nruns; j++) {
            scan_run *r = &out->exps[i].runs[j];
            const char *p = r->parent;
            int d = 0;
            r->exp = &out->exps[i];
            while (p && d < 64) {
                const scan_run *pr = NULL;
                size_t a, b;
                for (a = 0; a < out->nexps && !pr; a++)
                    for (b = 0; b < out->exps[a].nruns; b++)
                        if (strcmp(out->exps[a].runs[b].id, p) == 0) {
                            pr = &out->exps[a].runs[b];
                            break;
                        }
                if (!pr) break;
                d++;
                p = pr->parent;
            }
            r->depth = d;
        }
    return 0;
}

void scan_store_free(scan_store *s)
{
    size_t i, j;
    for (i = 0; i < s->nexps; i++) {
        scan_exp *x = &s->exps[i];
        for (j = 0; j < x->nruns; j++) {
            scan_run *r = &x->runs[j];
            free(r->id);
            free(r->dir);
            free(r->exp_id);
            free(r->run_name);
            free(r->user_id);
            free(r->artifact_uri);
            free(r->parent);
        }
        free(x->runs);
        free(x->id);
        free(x->name);
        free(x->dir);
        free(x->artifact_location);
        kv_free(&x->tags);
    }
    free(s->exps);
    free(s->root);
    memset(s, 0, sizeof *s);
}

void scan_datasets_free(scan_dataset *d, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        free(d[i].name);
        free(d[i].digest);
        free(d[i].source_type);
        free(d[i].source);
        free(d[i].schema);
        free(d[i].profile);
        kv_free(&d[i].tags);
    }
    free(d);
}

int scan_read_inputs(const scan_run *r, scan_dataset **out, size_t *n, char *err, size_t errn)
{
    char *idir = path_join(r->dir, "inputs");
    char **names;
    size_t nn, i, cap = 0;
    *out = NULL;
    *n = 0;
    if (!idir) return -1;
    names = scan_listdir(idir, &nn);
    for (i = 0; names && i < nn; i++) {
        char *sub = path_join(idir, names[i]), *meta = sub ? path_join(sub, "meta.yaml") : NULL;
        ymap *m = NULL, *dm = NULL;
        const char *st, *sid;
        free(sub);
        if (!meta || ymap_load(meta, &m, err, errn) != 0) {
            free(meta);
            scan_freelist(names, nn);
            free(idir);
            return -1;
        }
        free(meta);
        st = ymap_get(m, "source_type");
        sid = ymap_get(m, "source_id");
        if (st && sid && strcmp(st, "DATASET") == 0) {
            char *dpath = NULL;
            sbuf b = {0};
            sb_printf(&b, "%s/datasets/%s/meta.yaml", r->exp->dir, sid);
            dpath = b.s;
            if (dpath && ymap_load(dpath, &dm, err, errn) == 0) {
                scan_dataset *d;
                const ymap *tags = ymap_sub(m, "tags");
                size_t t;
                if (*n == cap) {
                    scan_dataset *nd;
                    cap = cap ? cap * 2 : 4;
                    nd = realloc(*out, cap * sizeof *nd);
                    if (!nd) {
                        ymap_free(dm);
                        ymap_free(m);
                        free(dpath);
                        break;
                    }
                    *out = nd;
                }
                d = &(*out)[(*n)++];
                memset(d, 0, sizeof *d);
                d->name = xstrdup(ymap_get(dm, "name"));
                d->digest = xstrdup(ymap_get(dm, "digest"));
                d->source_type = xstrdup(ymap_get(dm, "source_type"));
                d->source = xstrdup(ymap_get(dm, "source"));
                d->schema = xstrdup(ymap_get(dm, "schema"));
                d->profile = xstrdup(ymap_get(dm, "profile"));
                for (t = 0; tags && t < tags->n; t++)
                    if (tags->vals[t]) kv_add(&d->tags, tags->keys[t], tags->vals[t]);
                ymap_free(dm);
            }
            free(dpath);
        }
        ymap_free(m);
    }
    scan_freelist(names, nn);
    free(idir);
    return 0;
}

char *scan_artifact_dir(const scan_run *r)
{
    char *own = path_join(r->dir, "artifacts");
    const char *u = r->artifact_uri;
    kvlist files = {0};
    if (own && scan_list_files(own, &files) == 0 && files.n > 0) {
        kv_free(&files);
        return own;
    }
    kv_free(&files);
    /* the artifact_uri may point elsewhere on this machine (file:///abs or /abs) */
    if (strncmp(u, "file://", 7) == 0) {
        const char *p = u + 7;
        sbuf b = {0};
        if (*p != '/') p = strchr(p, '/'); /* file://host/path */
        if (p) {
            for (; *p; p++) { /* percent-decode */
                if (*p == '%' && p[1] && p[2]) {
                    char hx[3] = {p[1], p[2], 0};
                    char c = (char)strtol(hx, NULL, 16);
                    sb_add(&b, &c, 1);
                    p += 2;
                } else
                    sb_add(&b, p, 1);
            }
            if (b.s && is_dir(b.s)) {
                free(own);
                return b.s;
            }
        }
        sb_free(&b);
    } else if (u[0] == '/' && is_dir(u)) {
        free(own);
        return xstrdup(u);
    }
    return own;
}
