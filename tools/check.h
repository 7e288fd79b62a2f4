/* tools/check.h — `mlflow-lite check [--repair]`: what check.c finds in a
 * folder and what check_repair.c does about it.
 *
 * A finding is DAMAGE when MLflow fails on it, hides data because of it, or
 * `mlflow migrate-filestore` aborts on it; a NOTE when it may mislead but MLflow
 * reads the folder (an empty param value, a run RUNNING whose writer cannot be
 * checked from here). A finding has a fix when the tool can make it right
 * without guessing data; the plan says what the fix changes. */
#ifndef MLL_TOOLS_CHECK_H
#define MLL_TOOLS_CHECK_H

#include "src.h"

enum { CK_NOTE = 0, CK_DAMAGE = 1 };

typedef enum ck_fix {
    FIX_NONE = 0,
    FIX_EXP_META,       /* write a meta.yaml for an experiment folder that holds runs (aux: "trash" when deleted) */
    FIX_RUN_META,       /* rebuild an empty or missing run meta.yaml (aux: experiment id) */
    FIX_MKDIR,          /* create a missing metrics/ params/ artifacts/ folder */
    FIX_REMOVE,         /* remove a temporary file or an empty metric file */
    FIX_TRUNCATE,       /* cut a torn last metric line: num = the size to keep */
    FIX_REWRITE_METRIC, /* drop malformed and repeated metric lines (aux: the run folder, for the temporary file) */
    FIX_RUN_ENDED       /* a run left RUNNING by a process that is gone: status KILLED, end_time = num */
} ck_fix;

typedef struct finding {
    int severity;                      /* CK_DAMAGE or CK_NOTE */
    int fix;                           /* ck_fix */
    char *path;                        /* below ROOT: what is wrong / what the fix changes */
    char *what;                        /* what is wrong */
    char *plan;                        /* what the fix does, or NULL */
    char *aux;
    long long num;
    int done;                          /* after repair: 1 fixed, -1 failed */
    char *error;                       /* why the fix failed */
} finding;

typedef struct findings {
    finding *v; size_t n, cap;
} findings;

/* check.c: looks at every experiment, run, param, tag and metric file of s. 0, or
   EXIT_FAILED when out of memory. */
int check_scan(src_store *s, findings *out);
void findings_free(findings *f);
/* Appends a finding (strings copied; plan and aux may be NULL). */
void findings_add(findings *f, int severity, int fix, const char *path, const char *plan, const char *aux,
                  long long num, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 8, 9)))
#endif
    ;

/* check_repair.c: makes every fix, each atomic, and records done/error in it. */
void check_repair(src_store *s, findings *f);

/* The rules the scan and the repair share (check_repair.c). */
/* A name left by an editor, a copy or a crash where MLflow lists keys. */
int check_is_temp_name(const char *name);
/* The key under which `mlflow migrate-filestore` stores a metric line (timestamp,
   step as written, value with NaN and infinities as it stores them): two lines
   with the same key abort the migration. */
void check_metric_key(const src_point *p, char *buf, size_t n);

#endif
