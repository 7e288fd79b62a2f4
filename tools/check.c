/* tools/check.c — `mlflow-lite check [ROOT] [--repair]`: finds what makes MLflow
 * 3.18 fail or mislead on a folder, or `mlflow migrate-filestore` abort, and
 * prints it with the fix (check.h). Without --repair it changes nothing and
 * the fixes are the plan; with --repair check_repair.c makes them, each
 * atomic and printed. The exit code is 12 (DAMAGED) while damage remains.
 *
 *   experiment folders without (or with an empty) meta.yaml that hold runs
 *   run folders without (or with an empty) meta.yaml, and without metrics/ params/ artifacts/
 *   temporary files where MLflow lists params, tags and metrics; keys MLflow refuses
 *   metric files: empty, a torn last line, malformed lines, lines repeated
 *   runs left RUNNING by an mlflow_lite.h process that is gone (tags mlflow_lite.host/pid) */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* gethostname */
#include "check.h"
#include "check_int.h"
#include "inspect.h"
#include "inspect_cmds.h"
#include "json.h"
#include "msgs.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the list ------------------------------------------------------------------------------ */

void findings_add(findings *f, int severity, int fix, const char *path, const char *plan, const char *aux,
                  long long num, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    finding *x;
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 32;
        finding *nv = realloc(f->v, nc * sizeof *nv);
        if (!nv) return;
        f->v = nv;
        f->cap = nc;
    }
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    x = &f->v[f->n];
    memset(x, 0, sizeof *x);
    x->severity = severity;
    x->fix = fix;
    x->num = num;
    x->path = xstrdup(path);
    x->what = xstrdup(what);
    x->plan = plan ? xstrdup(plan) : NULL;
    x->aux = aux ? xstrdup(aux) : NULL;
    if (x->path && x->what) f->n++;
}

void findings_free(findings *f)
{
    size_t i;
    for (i = 0; i < f->n; i++) {
        free(f->v[i].path);
        free(f->v[i].what);
        free(f->v[i].plan);
        free(f->v[i].aux);
        free(f->v[i].error);
    }
    free(f->v);
    memset(f, 0, sizeof *f);
}

static size_t depth(const char *rel)
{
    size_t d = 1;
    for (; *rel; rel++) d += *rel == '/';
    return d;
}

/* ---- folders the reader skipped ------------------------------------------------------------- */

/* the subfolders of an experiment folder that look like runs (a meta.yaml, or metrics/
   params/ tags/ inside); with min_start the smallest mtime of them */
static size_t count_run_folders(src_store *s, const char *rel)
{
    src_dirent *v;
    size_t n = 0, i, runs = 0;
    tool_err e;
    if (src_list_dir(s, rel, &v, &n, &e) != 0) return 0;
    for (i = 0; i < n; i++) {
        static const char *const marks[] = {"meta.yaml", "metrics", "params", "tags"};
        size_t k;
        if (v[i].type != SRC_E_DIR || !strcmp(v[i].name, "tags") || !strcmp(v[i].name, "datasets")) continue;
        for (k = 0; k < 4; k++) {
            sbuf p = {0};
            sb_printf(&p, "%s/%s/%s", rel, v[i].name, marks[k]);
            if (p.s && src_entry(s, p.s, NULL, NULL) != SRC_E_NONE) {
                runs++;
                sb_free(&p);
                break;
            }
            sb_free(&p);
        }
    }
    src_dirents_free(v, n);
    return runs;
}

/* 1 when the file is empty or holds white space only (what a crash leaves of a meta.yaml) */
static int blank_file(src_store *s, const char *rel)
{
    tool_err e;
    size_t len = 0, i;
    char *t = src_read_file(s, rel, 4096, &len, &e);
    int blank = t != NULL;
    for (i = 0; t && i < len; i++) blank &= t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t';
    free(t);
    return blank;
}

/* an experiment folder (path "X" or ".trash/X") without meta.yaml, or with an empty one */
static void exp_without_meta(src_store *s, findings *f, const char *folder, int has_meta)
{
    size_t runs = count_run_folders(s, folder);
    const char *trash = strncmp(folder, ".trash/", 7) ? NULL : "trash";
    if (!runs) {
        findings_add(f, CK_NOTE, FIX_NONE, folder, NULL, NULL, 0, "%s: not an experiment, and no runs in it "
                     "(MLflow skips it)", has_meta ? "an empty meta.yaml" : "no meta.yaml");
        return;
    }
    findings_add(f, CK_DAMAGE, FIX_EXP_META, folder, "write a meta.yaml naming it recovered-<id>", trash, 0,
                 "an experiment folder with %zu run%s but %s: MLflow does not show them, and migrate-filestore "
                 "fails on them", runs, runs == 1 ? "" : "s", has_meta ? "an empty meta.yaml" : "no meta.yaml");
}

/* a run folder ("X/Y", ".trash/X/Y") without meta.yaml, or with an empty one */
static void run_without_meta(findings *f, const char *folder, const char *exp_id, int has_meta)
{
    findings_add(f, CK_DAMAGE, FIX_RUN_META, folder,
                 "rebuild meta.yaml: status KILLED, start and end from its metrics, name and user from its tags",
                 exp_id, 0, "a run folder with %s: MLflow %s", has_meta ? "an empty meta.yaml" : "no meta.yaml",
                 has_meta ? "fails on its whole experiment" : "does not show the run");
}

/* a folder holding metrics/, params/ or tags/ */
static int looks_like_run(src_store *s, const char *folder)
{
    static const char *const marks[] = {"metrics", "params", "tags"};
    size_t k;
    int yes = 0;
    for (k = 0; k < 3 && !yes; k++) {
        sbuf p = {0};
        sb_printf(&p, "%s/%s", folder, marks[k]);
        yes = p.s && src_entry(s, p.s, NULL, NULL) == SRC_E_DIR;
        sb_free(&p);
    }
    return yes;
}

/* a problem with a meta.yaml, or a folder without one, that check knows how to mend; 1 handled */
static int meta_problem(src_store *s, findings *f, const src_problem *p)
{
    const char *rel = strncmp(p->path, ".trash/", 7) ? p->path : p->path + 7;
    size_t d = depth(rel);
    int is_meta = d > 1 && !strcmp(strrchr(rel, '/') + 1, "meta.yaml");
    char folder[4096], exp[256], meta[4200];
    if (is_meta) d--;
    snprintf(folder, sizeof folder, "%.*s", (int)(strlen(p->path) - (is_meta ? 10 : 0)), p->path);
    snprintf(exp, sizeof exp, "%.*s", (int)strcspn(rel, "/"), rel);
    snprintf(meta, sizeof meta, "%s/meta.yaml", folder);
    if (d > 2 || src_entry(s, folder, NULL, NULL) != SRC_E_DIR) return 0;
    if (is_meta && !blank_file(s, p->path)) return 0; /* a meta.yaml with text: reported as it is */
    if (!is_meta && src_entry(s, meta, NULL, NULL) != SRC_E_NONE) return 0;
    if (d == 1) exp_without_meta(s, f, folder, is_meta);
    else if (is_meta || looks_like_run(s, folder)) run_without_meta(f, folder, exp, is_meta);
    else return 0;
    return 1;
}

static void scan_problem(src_store *s, findings *f, const src_problem *p)
{
    if ((p->kind == SRC_SKIPPED_FOLDER || p->kind == SRC_MALFORMED) && meta_problem(s, f, p)) return;
    findings_add(f, p->kind == SRC_MALFORMED ? CK_DAMAGE : CK_NOTE, FIX_NONE, p->path, NULL, NULL, 0, "%s", p->why);
}

/* ---- runs ------------------------------------------------------------------------------------- */

/* 1 when process pid started after ms (its number was reused: the writer is gone), else 0
   (Linux /proc: the start in clock ticks after boot, and the boot time; elsewhere 0) */
static int check_proc_started_after(pid_t pid, long long ms)
{
    char path[64], line[1024];
    unsigned long long start = 0, btime = 0;
    long hz = sysconf(_SC_CLK_TCK);
    FILE *f;
    char *close_paren;
    int field;
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    if (!(f = fopen(path, "r"))) return 0;
    close_paren = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    fclose(f);
    if (!close_paren || hz <= 0) return 0;
    for (field = 3, close_paren += 2; field < 22 && close_paren; field++) { /* to field 22, the start time */
        close_paren = strchr(close_paren, ' ');
        if (close_paren) close_paren++;
    }
    if (!close_paren || sscanf(close_paren, "%llu", &start) != 1 || !(f = fopen("/proc/stat", "r"))) return 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "btime %llu", &btime) == 1) break;
    fclose(f);
    return btime && (long long)(btime * 1000 + start * 1000 / (unsigned long long)hz) > ms;
}

/* the run's writer: 1 gone (this host, its pid no longer runs, or runs a process started after
   it wrote the tag), 0 alive, -1 cannot tell (another host, another program) */
static int writer_gone(src_store *s, const src_run *r, char **host)
{
    char *pid_s = src_run_read_value(s, r, "tags", "mlflow_lite.pid"), me[256] = "", *end;
    sbuf tag = {0};
    long pid = pid_s ? strtol(pid_s, &end, 10) : 0;
    long long tag_ms = 0;
    int rc = -1;
    *host = src_run_read_value(s, r, "tags", "mlflow_lite.host");
    gethostname(me, sizeof me - 1);
    if (pid_s && *host && pid > 0 && !*end && !strcmp(*host, me)) {
        sb_printf(&tag, "%s/tags/mlflow_lite.pid", r->rel);
        if (tag.s) src_entry(s, tag.s, NULL, &tag_ms);
        if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) rc = 1;
        else rc = check_proc_started_after((pid_t)pid, tag_ms + 5000);
    }
    free(pid_s);
    sb_free(&tag);
    return rc;
}

typedef struct run_scan {
    src_store *s;
    findings *f;
    const src_run *r;
    int frozen;                        /* a writer may still append: its files are reported, not changed */
    long long last_ts;                 /* the latest metric timestamp seen */
} run_scan;

static void missing_folders(run_scan *rs)
{
    static const char *const subs[] = {"metrics", "params", "artifacts"};
    size_t k;
    for (k = 0; k < 3; k++) {
        sbuf p = {0};
        int t;
        sb_printf(&p, "%s/%s", rs->r->rel, subs[k]);
        if (!p.s) continue;
        t = src_entry(rs->s, p.s, NULL, NULL);
        if (t == SRC_E_NONE)
            findings_add(rs->f, CK_DAMAGE, FIX_MKDIR, p.s, "create the empty folder", NULL, 0,
                         "missing: MLflow's FileStore creates it with every run");
        else if (t != SRC_E_DIR)
            findings_add(rs->f, CK_DAMAGE, FIX_NONE, p.s, NULL, NULL, 0, "not a folder, where MLflow keeps the run's %s",
                         subs[k]);
        sb_free(&p);
    }
}

/* a file in params/, tags/ or metrics/ that is not a value: a temporary file, or a name MLflow refuses */
static void odd_key(run_scan *rs, const char *path, const char *key)
{
    if (check_is_temp_name(key))
        findings_add(rs->f, CK_DAMAGE, rs->frozen ? FIX_NONE : FIX_REMOVE, path, rs->frozen ? NULL : "remove it", NULL, 0,
                     "a temporary file where MLflow lists keys: MLflow %s%s",
                     src_valid_key(key) ? "takes it for a key" : "refuses its name and fails on the whole run",
                     rs->frozen ? " (the run is RUNNING: not changed while it may be written)" : "");
    else if (!src_valid_key(key))
        findings_add(rs->f, CK_DAMAGE, FIX_NONE, path, NULL, NULL, 0,
                     "a key MLflow refuses (letters, digits, _ - . space : / only): it fails on the whole run");
}

static void values(run_scan *rs, const char *dir, const kvlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        sbuf p = {0};
        sb_printf(&p, "%s/%s/%s", rs->r->rel, dir, l->v[i].key);
        if (!p.s) continue;
        if (check_is_temp_name(l->v[i].key)) odd_key(rs, p.s, l->v[i].key);
        else if (!*l->v[i].value)
            findings_add(rs->f, CK_NOTE, FIX_NONE, p.s, NULL, NULL, 0,
                         "empty: MLflow reads the value '' (a value lost in a crash looks the same)");
        else if (!json_utf8_valid(l->v[i].value))
            findings_add(rs->f, CK_DAMAGE, FIX_NONE, p.s, NULL, NULL, 0,
                         "not valid UTF-8: MLflow's reader fails on the whole run");
        sb_free(&p);
    }
}

/* files the reader skipped in params/, tags/, metrics/ */
static void skipped_files(run_scan *rs, const src_problems *pr)
{
    size_t i;
    for (i = 0; i < pr->n; i++) {
        const char *key = strrchr(pr->v[i].path, '/') ? strrchr(pr->v[i].path, '/') + 1 : pr->v[i].path;
        if (pr->v[i].kind == SRC_SKIPPED_FILE && (check_is_temp_name(key) || !src_valid_key(key)))
            odd_key(rs, pr->v[i].path, key);
        else
            findings_add(rs->f, pr->v[i].kind == SRC_MALFORMED ? CK_DAMAGE : CK_NOTE, FIX_NONE, pr->v[i].path, NULL, NULL,
                         0, "%s", pr->v[i].why);
    }
}

/* ---- metric files ---------------------------------------------------------------------------------- */

typedef struct mscan {
    hmap seen;
    long long records, bad, dups, good_end, maxts;
    long long tail_len;
    int torn, any_ts;
    char tail[40];
} mscan;

static int scan_record(void *vc, const char *rec, size_t len, int terminated, long long end)
{
    mscan *m = vc;
    src_point p;
    int dup = 0, ok;
    if (!terminated && end >= 0) { /* the last line, without its line break */
        m->torn = 1;
        m->tail_len = (long long)len;
        snprintf(m->tail, sizeof m->tail, "%.*s", (int)(len < 32 ? len : 32), rec);
        return 0;
    }
    m->records++;
    if ((ok = terminated ? check_judge_record(rec, len, &m->seen, &dup) : 0) < 0) return -1;
    if (!ok) m->bad++;
    m->dups += dup;
    if (ok && end > 0) m->good_end = end;
    if (ok && src_parse_metric_line(rec, len, &p) == 0) {
        if (!m->any_ts || p.timestamp > m->maxts) m->maxts = p.timestamp;
        m->any_ts = 1;
        src_point_free(&p);
    }
    return 0;
}

static void metric_findings(run_scan *rs, const char *path, const mscan *m, long long size);

static void metric_file(run_scan *rs, const char *key)
{
    sbuf path = {0};
    mscan m;
    tool_err e;
    long long size = 0;
    memset(&m, 0, sizeof m);
    sb_printf(&path, "%s/metrics/%s", rs->r->rel, key);
    if (!path.s || src_entry(rs->s, path.s, &size, NULL) != SRC_E_FILE) {
        sb_free(&path);
        return;
    }
    if (size == 0)
        findings_add(rs->f, CK_DAMAGE, rs->frozen ? FIX_NONE : FIX_REMOVE, path.s, rs->frozen ? NULL : "remove it", NULL,
                     0, "an empty metric file: MLflow fails on the whole run ('No data found')");
    else if (check_each_record(rs->s, path.s, scan_record, &m, &e) != 0)
        findings_add(rs->f, CK_NOTE, FIX_NONE, path.s, NULL, NULL, 0, "cannot be read: %s", e.why);
    else
        metric_findings(rs, path.s, &m, size);
    hmap_free(&m.seen);
    sb_free(&path);
}

/* what one metric file's scan found, as one finding with the fix that mends all of it */
static void metric_findings(run_scan *rs, const char *path, const mscan *m, long long size)
{
    sbuf what = {0};
    if (m->any_ts && m->maxts > rs->last_ts) rs->last_ts = m->maxts;
    if (m->bad) sb_printf(&what, "%lld malformed line%s (MLflow fails on the whole run)", m->bad, m->bad == 1 ? "" : "s");
    if (m->dups)
        sb_printf(&what, "%s%lld repeated line%s (mlflow migrate-filestore aborts on them)", what.s ? "; " : "", m->dups,
                  m->dups == 1 ? "" : "s");
    if (m->torn)
        sb_printf(&what, "%sa torn last line '%s' (no line break: the next append joins it)", what.s ? "; " : "",
                  m->tail);
    if (what.s && rs->frozen) sb_puts(&what, "; the run is RUNNING: not changed while it may be written");
    if (!what.s) return;
    if (rs->frozen) findings_add(rs->f, CK_DAMAGE, FIX_NONE, path, NULL, NULL, 0, "%s", what.s);
    else if (m->bad || m->dups)
        findings_add(rs->f, CK_DAMAGE, FIX_REWRITE_METRIC, path,
                     m->records > m->bad + m->dups ? "rewrite it without those lines" : "remove it (no line is left)",
                     rs->r->rel, 0, "%s", what.s);
    else
        findings_add(rs->f, CK_DAMAGE, FIX_TRUNCATE, path, "cut the torn line off", NULL, size - m->tail_len, "%s", what.s);
    sb_free(&what);
}

/* ---- one run, and the whole folder ---------------------------------------------------------------- */

/* a RUNNING run, after its metric files were scanned (the last timestamp is the end time
   a fix writes); gone: what writer_gone said */
static void running(run_scan *rs, int gone, const char *host)
{
    char when[32];
    sbuf meta = {0};
    inspect_fmt_time(when, sizeof when, rs->r->start_time);
    sb_printf(&meta, "%s/meta.yaml", rs->r->rel);
    if (!meta.s) return;
    if (gone == 1)
        findings_add(rs->f, CK_DAMAGE, FIX_RUN_ENDED, meta.s, "set status KILLED and end_time to its last metric", NULL,
                     rs->last_ts > rs->r->start_time ? rs->last_ts : rs->r->start_time,
                     "RUNNING since %s, but the mlflow_lite.h process that writes it is gone", when);
    else if (host)
        findings_add(rs->f, CK_NOTE, FIX_NONE, meta.s, NULL, NULL, 0, "RUNNING since %s%s%s", when,
                     gone == 0 ? ", and its writer still runs" : ", written on host ", gone == 0 ? "" : host);
    else
        findings_add(rs->f, CK_NOTE, FIX_NONE, meta.s, NULL, NULL, 0,
                     "RUNNING since %s, written by a program other than mlflow_lite.h: not changed", when);
    sb_free(&meta);
}

static void scan_run(src_store *s, findings *f, const src_run *r)
{
    run_scan rs;
    src_run_files files;
    tool_err e;
    char *host = NULL;
    size_t i;
    int gone = r->status == SRC_RUNNING ? writer_gone(s, r, &host) : 0;
    memset(&rs, 0, sizeof rs);
    rs.s = s;
    rs.f = f;
    rs.r = r;
    rs.frozen = r->status == SRC_RUNNING && gone != 1; /* a writer may still append: report, change nothing */
    missing_folders(&rs);
    if (src_run_read(s, r, SRC_READ_PARAMS | SRC_READ_TAGS | SRC_READ_METRICS, &files, &e) != 0) {
        findings_add(f, CK_DAMAGE, FIX_NONE, r->rel, NULL, NULL, 0, "%s", e.why);
        free(host);
        return;
    }
    for (i = 0; i < files.nmetrics; i++) {
        sbuf p = {0};
        sb_printf(&p, "%s/metrics/%s", r->rel, files.metrics[i].key);
        if (p.s && check_is_temp_name(files.metrics[i].key)) odd_key(&rs, p.s, files.metrics[i].key);
        else metric_file(&rs, files.metrics[i].key);
        sb_free(&p);
    }
    if (r->status == SRC_RUNNING) running(&rs, gone, host);
    values(&rs, "params", &files.params);
    values(&rs, "tags", &files.tags);
    skipped_files(&rs, &files.problems);
    src_run_files_free(&files);
    free(host);
}

int check_scan(src_store *s, findings *out)
{
    const src_problems *p = src_store_problems(s);
    size_t i;
    for (i = 0; i < p->n; i++) scan_problem(s, out, &p->v[i]);
    for (i = 0; i < src_store_nruns(s); i++) scan_run(s, out, src_store_run(s, i));
    return 0;
}

/* ---- output ----------------------------------------------------------------------------------------- */

typedef struct tally {
    size_t damaged, fixable, fixed, failed, notes;
} tally;

static tally count_all(const findings *f)
{
    tally t;
    size_t i;
    memset(&t, 0, sizeof t);
    for (i = 0; i < f->n; i++) {
        t.damaged += f->v[i].severity == CK_DAMAGE;
        t.notes += f->v[i].severity == CK_NOTE;
        t.fixable += f->v[i].fix != FIX_NONE;
        t.fixed += f->v[i].done == 1;
        t.failed += f->v[i].done < 0;
    }
    return t;
}

static void print_text(const findings *f, int repair, tally t, int total_only)
{
    size_t i;
    for (i = 0; i < f->n && !total_only; i++) {
        const finding *x = &f->v[i];
        sbuf l = {0};
        sb_puts(&l, x->done == 1 ? "fixed   " : x->done < 0 ? "FAILED  " : x->severity == CK_DAMAGE ? "DAMAGE  " : "note    ");
        inspect_defang(&l, x->path, 0);
        sb_puts(&l, ": ");
        inspect_defang(&l, x->what, 0);
        if (x->plan) sb_printf(&l, "\n        %s %s", x->done == 1 ? "done:" : repair ? "fix:" : "fix (--repair):", x->plan);
        if (x->error) sb_printf(&l, "\n        not fixed: %s", x->error);
        helpf("%s\n", l.s ? l.s : "");
        sb_free(&l);
    }
    if (total_only)
        helpf("check, all rounds: %zu damaged, %zu fixed, %zu failed, %zu note%s\n", t.damaged, t.fixed, t.failed,
              t.notes, t.notes == 1 ? "" : "s");
    else if (repair)
        helpf("check: %zu damaged, %zu fixed, %zu failed, %zu note%s\n", t.damaged, t.fixed, t.failed, t.notes,
              t.notes == 1 ? "" : "s");
    else
        helpf("check: %zu damaged (%zu can be fixed with --repair), %zu note%s\n", t.damaged, t.fixable, t.notes,
              t.notes == 1 ? "" : "s");
}

static void print_json(const findings *f, const char *root, int repair, tally t)
{
    sbuf b = {0};
    size_t i;
    sb_puts(&b, "{\"root\":");
    json_str(&b, root);
    sb_printf(&b, ",\"repair\":%s,\"damaged\":%zu,\"fixable\":%zu,\"fixed\":%zu,\"failed\":%zu,\"notes\":%zu,\"findings\":[",
              repair ? "true" : "false", t.damaged, t.fixable, t.fixed, t.failed, t.notes);
    for (i = 0; i < f->n; i++) {
        const finding *x = &f->v[i];
        sb_printf(&b, "%s{\"severity\":\"%s\",\"path\":", i ? "," : "", x->severity == CK_DAMAGE ? "damage" : "note");
        json_str(&b, x->path);
        sb_puts(&b, ",\"what\":");
        json_str(&b, x->what);
        sb_puts(&b, ",\"fix\":");
        if (x->plan) json_str(&b, x->plan);
        else sb_puts(&b, "null");
        sb_printf(&b, ",\"fixed\":%s", x->done == 1 ? "true" : x->done < 0 ? "false" : "null");
        if (x->error) sb_puts(&b, ",\"error\":"), json_str(&b, x->error);
        sb_puts(&b, "}");
    }
    sb_puts(&b, "]}");
    helpf("%s\n", b.s ? b.s : "{}");
    sb_free(&b);
}

/* keeps only the findings below the folders whose meta.yaml was just written (their runs
   are new to the reader); the others were reported in the round before */
static void keep_below(findings *f, const findings *prev)
{
    size_t i, k, w = 0;
    for (i = 0; i < f->n; i++) {
        int keep = 0;
        for (k = 0; k < prev->n && !keep; k++) {
            size_t n = strlen(prev->v[k].path);
            keep = (prev->v[k].fix == FIX_EXP_META || prev->v[k].fix == FIX_RUN_META) && prev->v[k].done == 1 &&
                   !strncmp(f->v[i].path, prev->v[k].path, n) && f->v[i].path[n] == '/';
        }
        if (keep) f->v[w++] = f->v[i];
        else free(f->v[i].path), free(f->v[i].what), free(f->v[i].plan), free(f->v[i].aux), free(f->v[i].error);
    }
    f->n = w;
}

/* one scan (and repair), printed; 1 when a meta.yaml was written, so that a new round
   looks inside the runs it made visible */
static int round_of(const tool_cfg *c, src_store *s, findings *f, const findings *prev, tally *sum)
{
    tally t;
    size_t i;
    int again = 0;
    check_scan(s, f);
    if (prev) keep_below(f, prev);
    if (c->repair) check_repair(s, f);
    t = count_all(f);
    sum->damaged += t.damaged, sum->fixable += t.fixable, sum->fixed += t.fixed, sum->failed += t.failed;
    sum->notes += t.notes;
    if (c->json) print_json(f, src_store_root(s), c->repair, t);
    else print_text(f, c->repair, t, 0);
    for (i = 0; i < f->n; i++) again |= (f->v[i].fix == FIX_EXP_META || f->v[i].fix == FIX_RUN_META) && f->v[i].done == 1;
    return again;
}

int cmd_check(const tool_cfg *c)
{
    src_store *s = NULL;
    findings f, prev;
    tool_err e;
    tally sum;
    int rc, round;
    memset(&prev, 0, sizeof prev);
    memset(&sum, 0, sizeof sum);
    err_clear(&e);
    for (round = 0; round < 3; round++) {
        int again;
        memset(&f, 0, sizeof f);
        if ((rc = inspect_open(c, INSPECT_DELETED | INSPECT_QUIET, &s, &e)) != 0) return inspect_fail(c, &e);
        again = round_of(c, s, &f, round ? &prev : NULL, &sum);
        src_store_close(s);
        findings_free(&prev);
        prev = f;
        if (!c->repair || !again) break;
    }
    findings_free(&prev);
    if (!c->json && round) print_text(&prev, c->repair, sum, 1);
    return (c->repair ? sum.damaged - sum.fixed : sum.damaged) ? EXIT_DAMAGED : EXIT_OK;
}
