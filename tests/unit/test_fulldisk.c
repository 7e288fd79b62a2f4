/* A full disk through the fs hooks: a disk of N free bytes that every write uses and every
   truncate and remove gives back. A key first logged while the disk is full makes
   progress as soon as there is room for one line (its file is born with the lines that
   fit); mll_end_run and mll_close never drop points: they fail, keep the run open with its
   points and succeed later; what is finally given up (a run whose folder is gone) is
   counted and reported through the logger and the store's last error; refused points
   (MLL_ERR_BUFFER_FULL) are counted too. A failed mll_start_run leaves no run folder and
   says what failed. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"

/* ---- a disk with a number of free bytes ---- */
static long g_free = -1; /* < 0: unlimited */

static mll_result d_write(intptr_t h, const void *buf, size_t n, size_t *written, void *ud) {
    size_t allowed = n;
    mll_result r;
    if (g_free >= 0 && (size_t)g_free < n) allowed = (size_t)g_free;
    r = mll__posix_write(h, buf, allowed, written, ud);
    if (g_free >= 0) g_free -= (long)*written;
    if (r == MLL_OK && allowed < n) {
        errno = ENOSPC;
        return MLL_ERR_NO_SPACE;
    }
    return r;
}
static mll_result d_truncate(intptr_t h, uint64_t size, void *ud) {
    struct stat st;
    mll_result r;
    if (fstat((int)h, &st) != 0) return MLL_ERR_IO;
    r = mll__posix_truncate(h, size, ud);
    if (r == MLL_OK && g_free >= 0 && (uint64_t)st.st_size > size) g_free += (long)((uint64_t)st.st_size - size);
    return r;
}
static mll_result d_remove(const char *path, void *ud) {
    struct stat st;
    int counted = stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 1;
    mll_result r = mll__posix_remove(path, ud);
    if (r == MLL_OK && counted && g_free >= 0) g_free += (long)st.st_size;
    return r;
}

static char g_log[8192]; /* what the logger was told, line after line */
static void remember(mll_log_level level, mll_result code, const char *msg, const char *file, int line,
                     void *ud) {
    size_t n = strlen(g_log);
    (void)level, (void)code, (void)file, (void)line, (void)ud;
    snprintf(g_log + n, sizeof(g_log) - n, "%s\n", msg);
}

static mll_store *open_disk(const char *root, size_t max_pending) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.no_flush_thread = 1;
    d.flush_interval_ms = 1000000; /* flush only when told */
    d.buffer_bytes = max_pending < (1 << 20) ? max_pending : (1 << 20);
    d.max_pending_bytes = max_pending;
    d.fs.write = d_write;
    d.fs.truncate = d_truncate;
    d.fs.remove = d_remove;
    d.logger.func = remember;
    g_free = -1;
    g_log[0] = '\0';
    if (mll_open(&s, &d) != MLL_OK) return NULL;
    return s;
}

/* Lines of a metric file: whole, and the steps of `key` are first, first+1, ... */
static long steps_in_order(const char *path, long first) {
    size_t len;
    const char *p = mll_test_read(path, &len), *end = p + len;
    long expect = first;
    if (len && p[len - 1] != '\n') return -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        long long ts, step;
        double v;
        if (sscanf(p, "%lld %lf %lld", &ts, &v, &step) != 3 || step != expect || v != (double)step) return -2;
        expect++;
        p = nl + 1;
    }
    return expect - first;
}

static void log_range(mll_run *r, const char *key, long from, long to, long *ok) {
    long i;
    for (i = from; i < to; i++)
        if (mll_log_metric_at(r, key, (double)i, i, 1700000000000LL + i) == MLL_OK) ++*ok;
}

/* The case: a disk fills, a new key gets 3000 points, 24 KiB are freed. The new
   key's file must appear then (born with what fits); mll_end_run fails without losing
   anything; with the disk free again mll_close writes every point, exactly once. */
TEST(new_key_makes_progress_and_nothing_is_dropped) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 64 << 20);
    mll_run *r = NULL;
    char old_path[4200], new_path[4200], meta[4200];
    long ok_old = 0, ok_new = 0, lines_new;
    mll_error e;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(old_path, sizeof(old_path), "%s/metrics/old", mll_run_dir(r));
    snprintf(new_path, sizeof(new_path), "%s/metrics/new", mll_run_dir(r));
    snprintf(meta, sizeof(meta), "%s/meta.yaml", mll_run_dir(r));
    log_range(r, "old", 0, 100, &ok_old);
    CHECK_EQ(mll_flush(r), MLL_OK);
    g_free = 0; /* the disk is full */
    log_range(r, "new", 0, 3000, &ok_new);
    log_range(r, "old", 100, 1100, &ok_old);
    CHECK_EQ(ok_new, 3000);
    CHECK_EQ(mll_flush(r), MLL_ERR_NO_SPACE);
    CHECK(!mll_test_exists(new_path));
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_NO_SPACE);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_NO_SPACE); /* the handle is still valid */
    CHECK(strstr(e.message, "3000 points of 1 keys stay buffered") || strstr(e.message, "stay buffered"));
    CHECK(strstr(mll_test_read(meta, NULL), "status: 1\n") != NULL); /* not FINISHED */
    g_free = 24 * 1024; /* partly freed */
    CHECK_EQ(mll_flush(r), MLL_ERR_NO_SPACE);
    lines_new = steps_in_order(new_path, 0);
    CHECK(lines_new > 0);    /* the new key made progress */
    CHECK(lines_new < 3000); /* not all of it fits */
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_NO_SPACE);
    CHECK_EQ(mll_log_metric_at(r, "new", 3000.0, 3000, 1700000003000LL), MLL_OK); /* still open */
    ok_new++;
    g_free = -1; /* space is back */
    CHECK_EQ(mll_close(s), MLL_OK);
    CHECK_EQ(steps_in_order(old_path, 0), ok_old);
    CHECK_EQ(steps_in_order(new_path, 0), ok_new);
    CHECK(strstr(mll_test_read(meta, NULL), "status: 3\n") != NULL);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_RUN_ENDED);
}

/* Room for a single line is enough for a new metric file to appear. */
TEST(one_line_of_room_is_enough) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 1 << 20);
    mll_run *r = NULL;
    char path[4200];
    long ok = 0;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/k", mll_run_dir(r));
    log_range(r, "k", 0, 500, &ok);
    g_free = 30; /* "1700000000000 0.0 0\n" is 20 bytes: one line, not two */
    CHECK_EQ(mll_flush(r), MLL_ERR_NO_SPACE);
    CHECK_EQ(steps_in_order(path, 0), 1);
    g_free = 10; /* not a whole line: nothing changes, nothing torn */
    CHECK_EQ(mll_flush(r), MLL_ERR_NO_SPACE);
    CHECK_EQ(steps_in_order(path, 0), 1);
    g_free = -1;
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(steps_in_order(path, 0), 500);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* mll_close on a full disk keeps the store open with its runs and points, and succeeds
   once there is room; the background flusher also retries meanwhile. */
TEST(close_is_retriable) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 1 << 20);
    mll_run *r = NULL, *r2 = NULL;
    char path[4200], path2[4200];
    long ok = 0, ok2 = 0;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_start_run(&r2, s, NULL), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/a/b", mll_run_dir(r));
    snprintf(path2, sizeof(path2), "%s/metrics/c", mll_run_dir(r2));
    log_range(r2, "c", 0, 10, &ok2);
    CHECK_EQ(mll_flush(r2), MLL_OK);
    g_free = 0;
    log_range(r, "a/b", 0, 400, &ok);
    CHECK_EQ(mll_close(s), MLL_ERR_NO_SPACE); /* neither run can be ended: r2's meta.yaml needs room too */
    CHECK_EQ(mll_end_run(r2, MLL_RUN_FINISHED), MLL_ERR_NO_SPACE);
    CHECK(strstr(g_log, "stay open") != NULL);
    CHECK_EQ(mll_log_metric_at(r, "a/b", 400.0, 400, 1700000000400LL), MLL_OK); /* r is open */
    ok++;
    CHECK_EQ(mll_close(s), MLL_ERR_NO_SPACE);
    g_free = -1;
    CHECK_EQ(mll_close(s), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_ERR_STORE_CLOSED);
    CHECK_EQ(steps_in_order(path, 0), ok);
    CHECK_EQ(steps_in_order(path2, 0), ok2);
}

/* A run whose folder is gone (its experiment was deleted and moved to .trash, or purged)
   can never be written: mll_end_run gives its points up, counted, through the logger and
   the store's last error, and the handle ends. */
TEST(points_given_up_are_counted_and_reported) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 1 << 20);
    mll_run *r = NULL;
    char cmd[4400];
    long ok = 0;
    mll_error e;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    log_range(r, "x", 0, 77, &ok);
    log_range(r, "y/z", 0, 23, &ok);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", mll_run_dir(r));
    CHECK(system(cmd) == 0);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_POINTS_DROPPED);
    CHECK_EQ(mll_store_last_error(s, &e), MLL_ERR_POINTS_DROPPED);
    CHECK(strstr(e.message, "100 points of 2 keys could not be written and were given up") != NULL);
    CHECK(strstr(g_log, "100 points of 2 keys") != NULL);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* Points refused with MLL_ERR_BUFFER_FULL (max_pending_bytes reached while the disk was
   full) are counted and reported when the run ends. */
TEST(refused_points_are_counted) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 4096);
    mll_run *r = NULL;
    long i, refused = 0;
    char want[64];
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    g_free = 0;
    for (i = 0; i < 1000; i++)
        if (mll_log_metric_at(r, "k", 1.0, i, 1700000000000LL) == MLL_ERR_BUFFER_FULL) refused++;
    CHECK(refused > 0);
    g_free = -1;
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    snprintf(want, sizeof(want), "%ld points were refused", refused);
    if (!strstr(g_log, want)) fprintf(stderr, "log:\n%s", g_log);
    CHECK(strstr(g_log, want) != NULL);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* A batch is taken whole or not at all, also when the buffer fills: the points in the
   files after the disk frees are exactly those of the batches that were taken. */
TEST(batches_are_all_or_nothing_when_the_buffer_fills) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 8192);
    mll_run *r = NULL;
    mll_metric m[10];
    char path[4200];
    long taken = 0, refused = 0, b, i;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/k", mll_run_dir(r));
    g_free = 0;
    for (b = 0; b < 100; b++) {
        mll_result res;
        for (i = 0; i < 10; i++) {
            m[i].key = "k";
            m[i].value = (double)(taken + i);
            m[i].step = taken + i;
            m[i].timestamp_ms = 1700000000000LL + taken + i;
        }
        res = mll_log_metrics(r, m, 10);
        if (res == MLL_ERR_BUFFER_FULL) refused++;
        else taken += 10; /* MLL_OK or a write error (NO_SPACE): the batch was taken */
    }
    CHECK(refused > 0 && taken > 0);
    g_free = -1;
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(steps_in_order(path, 0), taken);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* mll_start_run on a full disk: an error that names what failed (not "points"), and no
   half-made run folder for MLflow to list as broken -- at every amount of room. */
TEST(failed_start_run_leaves_nothing) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_disk(root, 1 << 20);
    mll_run *r = NULL;
    mll_run_desc rd;
    mll_error e;
    char exp_dir[4200];
    long room;
    int started = 0;
    CHECK(s != NULL);
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "full";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK); /* the experiment exists */
    snprintf(exp_dir, sizeof(exp_dir), "%s/%s", root, mll_run_experiment_id(r));
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    for (room = 0; room < 4000 && !started; room += 37) {
        int before = mll_test_count_tree(exp_dir);
        mll_result res;
        g_free = room;
        g_log[0] = '\0';
        res = mll_start_run(&r, s, &rd);
        if (res == MLL_OK) {
            started = 1;
            break;
        }
        CHECK_EQ(res, MLL_ERR_NO_SPACE);
        CHECK(r == NULL);
        CHECK_EQ(mll_test_count_tree(exp_dir), before); /* nothing left behind */
        CHECK_EQ(mll_store_last_error(s, &e), MLL_ERR_NO_SPACE);
        CHECK(strstr(e.message, "point") == NULL);
        CHECK(strstr(e.message, "no space left on device") != NULL);
        CHECK(strstr(e.operation, "write run") != NULL || strstr(e.operation, "create run") != NULL);
    }
    CHECK(started);
    g_free = -1;
    CHECK_EQ(mll_close(s), MLL_OK);
}

int main(void) {
    RUN(new_key_makes_progress_and_nothing_is_dropped);
    RUN(one_line_of_room_is_enough);
    RUN(close_is_retriable);
    RUN(points_given_up_are_counted_and_reported);
    RUN(refused_points_are_counted);
    RUN(batches_are_all_or_nothing_when_the_buffer_fills);
    RUN(failed_start_run_leaves_nothing);
    return mll_test_summary();
}
