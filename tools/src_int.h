/* tools/src_int.h — what the src_*.c files share and nobody else uses: the
 * store's insides, the link-safe file access of src_fs.c and the YAML tree of
 * src_yaml.c. The rest of the tool sees only src.h. */
#ifndef MLL_TOOLS_SRC_INT_H
#define MLL_TOOLS_SRC_INT_H

#include "src.h"

#include <stddef.h>
#include <sys/stat.h>

/* ---- the store (src_store.c) ----------------------------------------------- */

struct src_store {
    char *root;                        /* SRC as given */
    char *root_real;                   /* realpath(SRC): links that resolve inside it may be followed */
    int root_fd;                       /* every file under SRC is opened relative to this */
    src_opts opts;
    const src_filter *filter;          /* during src_store_open only */
    int include_deleted;
    unsigned char *exp_matched, *run_matched;   /* per filter entry, during src_store_open */
    src_exp **exps; size_t nexps, capexps;
    src_run **runs; size_t nruns, capruns;
    keyidx run_index;                  /* id -> position in runs (keys: the runs' own ids) */
    hmap exp_index;                    /* id -> position in exps */
    src_problems problems;
    char **unmatched; size_t nunmatched;   /* NULL-terminated */
    size_t nskipped_runs;
};

/* ---- link-safe file access (src_fs.c) ---------------------------------------- */

/* Why an open failed, for the problem record: errno, or one of these. */
enum {
    SRCFS_LINK = -1,                   /* a component is a symbolic link */
    SRCFS_NOT_REGULAR = -2,            /* a FIFO, device, socket or folder where a file belongs */
    SRCFS_TOO_LARGE = -3,              /* larger than the limit given */
    SRCFS_NOT_DIR = -4                 /* a file where a folder belongs */
};
const char *srcfs_why(int code);       /* "is a symbolic link", strerror(errno), ... */

/* Opens folder `rel` ("a/b", "" = base itself) below base_fd, one component at a
   time with O_NOFOLLOW. Returns the fd, or -1 with *why set (errno or SRCFS_*). */
int srcfs_open_dir(int base_fd, const char *rel, int *why);
/* Opens regular file `rel` below base_fd the same way, O_NONBLOCK so a FIFO
   cannot hang us, and fstat()s it (st may be NULL). -1 with *why when it is
   missing (ENOENT), a link, or not a regular file. */
int srcfs_open_file(int base_fd, const char *rel, struct stat *st, int *why);
/* Reads a whole regular file of at most max bytes (NUL-terminated). NULL with *why. */
char *srcfs_read(int base_fd, const char *rel, size_t max, size_t *len, int *why);
/* pread() until n bytes or end of file; returns bytes read or -1. */
long long srcfs_pread_full(int fd, char *buf, size_t n, long long off);

typedef struct srcfs_entry {
    char *name;
    int type;                          /* SRCFS_T_* below, without following links */
} srcfs_entry;
enum { SRCFS_T_OTHER = 0, SRCFS_T_DIR, SRCFS_T_REG, SRCFS_T_LINK };

/* Lists folder dir_fd (not . and ..), sorted by name (bytewise). 0, or -1
   with errno. The fd stays open and owned by the caller. */
int srcfs_list(int dir_fd, srcfs_entry **out, size_t *n);
void srcfs_list_free(srcfs_entry *v, size_t n);
/* Type and size of one entry below dir_fd, links not followed. */
int srcfs_stat_entry(int dir_fd, const char *name, struct stat *st);

/* Walks folder top_fd recursively, each folder's entries sorted. fn gets the
   entry's folder fd, its key (path below the top, '/'-separated) and the entry;
   for a folder it returns 1 to descend into it, else 0; -1 stops the walk (out
   of memory). A folder that cannot be listed or is nested too deeply is a
   problem named "prefix/key". 0, or -1 when fn stopped it. */
typedef int (*srcfs_walk_fn)(void *ctx, int dir_fd, const char *key, const srcfs_entry *e);
int srcfs_walk(int top_fd, const char *prefix, srcfs_walk_fn fn, void *ctx, src_problems *p);

/* Reads every regular file below folder `rel` of base_fd, recursively, into
   out (key = path below rel with '/', value = the bytes; limit SRC_VALUE_MAX_BYTES).
   Links, non-regular files, oversize values and values holding a NUL byte
   are skipped with a problem naming `prefix/<key>`; keys MLflow would refuse
   too (src_valid_key). A missing folder is an empty list. 0, or -1 when out
   of memory. */
int srcfs_read_values(int base_fd, const char *rel, const char *prefix, kvlist *out, src_problems *p);

/* The MLflow rules for names found on disk. */
#define SRC_BAD_KEY_WHY "not a valid MLflow key (letters, digits, _ - . space : / only): MLflow refuses it"
int src_valid_key(const char *key);    /* param/metric/tag key: [/\w.\- :]* (\w: any non-ASCII byte too) */
int src_valid_run_id(const char *id);  /* ^[a-zA-Z0-9][\w\-]{0,255}$ */
int src_valid_exp_id(const char *id);  /* ^[a-zA-Z0-9][\w\-]{0,63}$ */

/* ---- links that may be followed (src_fs.c): artifacts only ------------------------ */

/* Resolves `rel` below SRC like openat2(RESOLVE_BENEATH): symbolic links are
   followed only while they stay inside SRC (an absolute target inside
   realpath(SRC) counts as inside). Returns an fd opened with `flags`
   (O_RDONLY or O_RDONLY|O_DIRECTORY), or -1 with *why: errno (ELOOP for a
   loop, ENOENT for a dangling link), or EXDEV when a link leads out of SRC. */
int srcfs_open_beneath(const src_store *s, const char *rel, int flags, int *why);
/* Opens an absolute path following links (only with --follow-symlinks): a
   regular file or, with O_DIRECTORY, a folder; never a device or FIFO. */
int srcfs_open_outside(const char *abs_path, int flags, int *why);

/* ---- metric lines (src_metric.c) ----------------------------------------------- */

/* str.strip() then str.split(" ") into at most max fields; the count, or -1 with
   *why (blank, too long, more than max fields). */
int src_metric_fields(const char *line, size_t len, const char **f, size_t *flen, int max, const char **why);
/* A LoggedModel metric line "ts value step run_id [dataset_name dataset_digest]":
   0 (strings owned by out), or -1 with *why. out->key is not touched. */
int src_parse_lm_metric_line(const char *line, size_t len, src_lm_metric *out, const char **why);

/* ---- artifacts (src_artifacts.c) ------------------------------------------------ */

/* Lists / opens the artifacts of an artifact URI (a run's artifact_uri, a
   LoggedModel's artifact_location) with `own` (<run>/artifacts below SRC) as
   the folder used when the URI is not a local folder inside SRC; `what` names
   the run or model in problems and errors. */
int src_art_list(const src_store *s, const char *uri, const char *own, const char *what, src_artifacts *out,
                 tool_err *e);
int src_art_open(const src_store *s, const char *uri, const char *own, const char *what, const char *rel,
                 long long *size, tool_err *e);

/* ---- problems (src_store.c) ------------------------------------------------- */

/* Room for element n of an array of elem-sized elements with capacity *cap:
   returns v itself when there is room, else v grown (doubling, at least
   `first`), or NULL when out of memory (v is then still valid). */
void *src_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);

/* A problem whose path is "prefix/key" (either may be empty). */
void src_problem_at(src_problems *p, int kind, const char *prefix, const char *key, const char *why);

/* ---- YAML (src_yaml.c) ------------------------------------------------------ */

/* The type PyYAML's SafeLoader gives a scalar (plain scalars are resolved by
   their text; quoted ones are strings). */
enum { SRC_Y_NULL = 0, SRC_Y_STR, SRC_Y_INT, SRC_Y_FLOAT, SRC_Y_BOOL, SRC_Y_TIME, SRC_Y_MAP, SRC_Y_SEQ };

typedef struct src_ynode {
    int type;                          /* SRC_Y_* */
    size_t off, len;                   /* scalar text in the document's arena; an INT's text is its
                                          decimal form and a BOOL's "True"/"False", as Python's str() */
    long long ival;                    /* SRC_Y_INT when it fits, SRC_Y_BOOL 0/1 */
    int int_ok;                        /* ival holds the value (not out of range) */
    size_t first, last, next;          /* children and next sibling, 1-based node index, 0 = none */
    size_t nchildren;                  /* a mapping's children alternate key, value */
} src_ynode;

typedef struct src_ydoc {
    src_ynode *v; size_t n, cap;       /* v[0] is the root mapping */
    sbuf text;                         /* all scalar texts, NUL-separated */
} src_ydoc;

enum {
    SRC_YAML_MAX_WORK = 32 << 20       /* flow nesting x entries: libyaml spends ~15 ns per unit */
};

/* Parses a meta.yaml held in memory: pre-scan (size, depth, nesting work),
   then libyaml, then the tree. The root must be a mapping, as every MLflow
   meta.yaml is. 0, or -1 with why (a sentence, with the line number when
   libyaml gives one) filled. */
int src_yaml_parse(const char *text, size_t len, src_ydoc *doc, char *why, size_t whyn);
/* The two lanes of src_yaml_parse, for the tests that compare them. The flat lane
   reads only a column of "key: value" lines (plain, 'quoted', [] or {} values):
   0 read, 1 not such a document (doc empty), -1 out of memory. The events lane
   is the pre-scan and libyaml, for every document. */
int src_yaml_parse_flat(const char *text, size_t len, src_ydoc *doc);
int src_yaml_parse_events(const char *text, size_t len, src_ydoc *doc, char *why, size_t whyn);
/* Reads rel below base_fd (link-safe, SRC_YAML_MAX_BYTES) and parses it.
   0; 1 when the file does not exist; -1 with why (unreadable, a link, empty,
   malformed). */
int src_yaml_load(int base_fd, const char *rel, src_ydoc *doc, char *why, size_t whyn);
void src_ydoc_free(src_ydoc *doc);

/* The linear pre-scan alone (also used by the fuzz target): 0 when the text
   may go to libyaml; -1 with why. max_flow gets the deepest flow nesting seen,
   an upper bound of what libyaml will see. */
int src_yaml_prescan(const char *text, size_t len, int *max_flow, char *why, size_t whyn);

/* src_yaml_types.c: types a scalar as PyYAML would (by its tag, or for a plain
   scalar by its text) and stores its text in d's arena. 0, or SRC_YR_*. */
enum { SRC_YR_TAG = -1, SRC_YR_VALUE = -2, SRC_YR_NUL = -3, SRC_YR_NOMEM = -4 };
int src_yaml_resolve(src_ydoc *d, src_ynode *node, const char *s, size_t n, int plain, const char *tag);
int src_yaml_tag_ok(const char *tag, int type);

/* Lookups in a mapping node (0 = the root). The last of duplicate keys wins, as
   in PyYAML. NULL when absent. */
const src_ynode *src_yget(const src_ydoc *d, size_t map, const char *key);
size_t src_ynode_index(const src_ydoc *d, const src_ynode *n);
/* A scalar's text (NULL for null, mappings and sequences). */
const char *src_ytext(const src_ydoc *d, const src_ynode *n);
/* The text of key's value, NULL when absent, null or not a scalar. */
const char *src_ystr(const src_ydoc *d, size_t map, const char *key);
/* key's value as an integer (an int scalar, or a string of decimal digits):
   1 found, 0 absent or null, -1 another type. */
int src_yint(const src_ydoc *d, size_t map, const char *key, long long *out);
/* Iterates a mapping's pairs: for (k = src_ypair(d, m, 0, &v); k; k = src_ypair(d, m, k, &v)) */
const src_ynode *src_ypair(const src_ydoc *d, size_t map, const src_ynode *prev_key, const src_ynode **val);

#endif
