/* Fault injection through the mll_fs and allocator hooks: a full disk in the middle of
   a line, failed renames and links, failed close, and running out of memory at every
   allocation. Nothing may be lost, files hold whole lines only, nothing crashes or leaks. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"

/* ---- a file system that fails on demand ---- */
static struct {
    long write_budget;  /* bytes writable to metric files before ENOSPC; < 0: unlimited */
    int fail_rename;    /* rename returns IO */
    int fail_link;      /* link returns IO */
    int fail_close;     /* close of a metric file reports a delayed write error */
    int metric_handles[64];
} g_fault;

static int is_metric_handle(intptr_t h) {
    return h >= 0 && h < 64 && g_fault.metric_handles[h];
}

static mll_result f_open(const char *path, mll_open_mode mode, intptr_t *h, void *ud) {
    mll_result r = mll__posix_open(path, mode, h, ud);
    if (r == MLL_OK && *h < 64) g_fault.metric_handles[*h] = strstr(path, "/metrics/") != NULL;
    return r;
}
static mll_result f_write(intptr_t h, const void *buf, size_t n, size_t *written, void *ud) {
    if (is_metric_handle(h) && g_fault.write_budget >= 0) {
        size_t allowed = (size_t)g_fault.write_budget < n ? (size_t)g_fault.write_budget : n;
        mll_result r = mll__posix_write(h, buf, allowed, written, ud);
        g_fault.write_budget -= (long)*written;
        if (r == MLL_OK && allowed < n) {
            errno = ENOSPC;
            return MLL_ERR_NO_SPACE;
        }
        return r;
    }
    return mll__posix_write(h, buf, n, written, ud);
}
static mll_result f_rename(const char *from, const char *to, void *ud) {
    if (g_fault.fail_rename) {
        errno = EIO;
        return MLL_ERR_IO;
    }
    return mll__posix_rename(from, to, ud);
}
static mll_result f_link(const char *from, const char *to, void *ud) {
    if (g_fault.fail_link) {
        errno = EIO;
        return MLL_ERR_IO;
    }
    return mll__posix_link(from, to, ud);
}
static mll_result f_close(intptr_t h, void *ud) {
    int metric = is_metric_handle(h);
    mll_result r = mll__posix_close(h, ud);
    if (metric && g_fault.fail_close) {
        errno = EIO;
        return MLL_ERR_IO;
    }
    return r;
}

static void quiet(mll_log_level level, mll_result code, const char *msg, const char *file, int line,
                  void *ud) {
    (void)level, (void)code, (void)msg, (void)file, (void)line, (void)ud;
}

static mll_store *open_faulty(const char *root, size_t buffer, size_t max_pending) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    memset(&g_fault, 0, sizeof(g_fault));
    g_fault.write_budget = -1;
    d.root = root;
    d.ignore_env = 1;
    d.buffer_bytes = buffer;
    d.max_pending_bytes = max_pending;
    d.no_flush_thread = 1;
    d.flush_interval_ms = 1000000; /* flush only when told or full */
    d.fs.open = f_open;
    d.fs.write = f_write;
    d.fs.rename = f_rename;
    d.fs.link = f_link;
    d.fs.close = f_close;
    d.logger.func = quiet;
    if (mll_open(&s, &d) != MLL_OK) return NULL;
    return s;
}

static mll_run *start(mll_store *s) {
    mll_run *r = NULL;
    mll_run_desc rd;
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "faults";
    if (mll_start_run(&r, s, &rd) != MLL_OK) return NULL;
    return r;
}

/* Every line is "<ts> <value> <step>" and the steps are exactly 0..n-1 in order. */
static int check_lines(const char *path, long n) {
    size_t len;
    const char *p = mll_test_read(path, &len), *end = p + len;
    long expect = 0;
    if (len && p[len - 1] != '\n') return -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        long ts, step;
        double v;
        char tail;
        char line[128];
        size_t ll = (size_t)(nl - p);
        if (ll >= sizeof(line)) return -2;
        memcpy(line, p, ll);
        line[ll] = 0;
        if (sscanf(line, "%ld %lf %ld%c", &ts, &v, &step, &tail) != 3) return -3;
        if (step != expect) return -4;
        expect++;
        p = nl + 1;
    }
    return expect == n ? 0 : -5;
}

TEST(disk_full_mid_line_keeps_lines_whole_and_points_pending) {
    const char *root = mll_test_tmpdir();
    char path[4200];
    mll_store *s = open_faulty(root, 200, 1 << 20);
    mll_run *r = start(s);
    long i, no_space = 0;
    mll_error e;
    CHECK(r != NULL);
    snprintf(path, sizeof(path), "%s/metrics/loss", mll_run_dir(r));
    g_fault.write_budget = 333; /* the disk fills in the middle of a line */
    for (i = 0; i < 100; i++) {
        mll_result res = mll_log_metric_at(r, "loss", 0.123456789 * (double)i, i, 1700000000000LL + i);
        CHECK(res == MLL_OK || res == MLL_ERR_NO_SPACE);
        if (res == MLL_ERR_NO_SPACE) no_space++;
    }
    CHECK(no_space > 0);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_NO_SPACE);
    CHECK_EQ(e.sys_errno, ENOSPC);
    {
        long whole = 0;
        size_t len;
        const char *txt = mll_test_read(path, &len);
        CHECK(len > 0 && txt[len - 1] == '\n'); /* truncated back to whole lines */
        for (; *txt; txt++) whole += *txt == '\n';
        CHECK(check_lines(path, whole) == 0);
    }
    g_fault.write_budget = -1; /* space is freed */
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_EQ(check_lines(path, 100), 0); /* every point exactly once, in order */
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    mll_close(s);
}

TEST(buffer_full_rejects_only_the_new_point) {
    const char *root = mll_test_tmpdir();
    char path[4200];
    mll_store *s = open_faulty(root, 128, 1024);
    mll_run *r = start(s);
    long i, accepted = 0, rejected = 0;
    CHECK(r != NULL);
    snprintf(path, sizeof(path), "%s/metrics/loss", mll_run_dir(r));
    g_fault.write_budget = 0; /* disk full from the start */
    for (i = 0; i < 200; i++) {
        mll_result res = mll_log_metric_at(r, "loss", 1.5, accepted, 1700000000000LL);
        if (res == MLL_ERR_BUFFER_FULL) rejected++;
        else accepted++;
    }
    CHECK(rejected > 0);
    CHECK(accepted > 10);
    g_fault.write_budget = -1;
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_EQ(check_lines(path, accepted), 0);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(failed_rename_leaves_old_meta_and_no_temp_files) {
    const char *root = mll_test_tmpdir();
    char path[4200], cmd[4400];
    mll_store *s = open_faulty(root, 1 << 16, 1 << 20);
    mll_run *r = start(s);
    mll_error e;
    CHECK(r != NULL);
    snprintf(path, sizeof(path), "%s/meta.yaml", mll_run_dir(r));
    g_fault.fail_rename = 1;
    CHECK_EQ(mll_set_tag(r, "t", "v"), MLL_ERR_IO);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_IO);
    CHECK_STR(e.subject, "t");
    CHECK(strstr(mll_test_read(path, NULL), "status: 1\n") != NULL);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_IO); /* meta.yaml rewrite fails */
    CHECK(strstr(mll_test_read(path, NULL), "status: 1\n") != NULL); /* old, intact */
    snprintf(cmd, sizeof(cmd), "find %s -name '.mll-*' | grep -q .", root);
    CHECK(system(cmd) != 0);
    g_fault.fail_rename = 0;
    mll_close(s);
}

TEST(failed_link_is_an_error_and_param_absent) {
    const char *root = mll_test_tmpdir();
    char path[4200];
    mll_store *s = open_faulty(root, 1 << 16, 1 << 20);
    mll_run *r = start(s);
    CHECK(r != NULL);
    g_fault.fail_link = 1;
    CHECK_EQ(mll_log_param(r, "p", "v"), MLL_ERR_IO);
    snprintf(path, sizeof(path), "%s/params/p", mll_run_dir(r));
    CHECK(!mll_test_exists(path));
    g_fault.fail_link = 0;
    CHECK_EQ(mll_log_param(r, "p", "v"), MLL_OK);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

TEST(delayed_write_error_at_close_keeps_points) {
    const char *root = mll_test_tmpdir();
    char path[4200];
    mll_store *s = open_faulty(root, 1 << 16, 1 << 20);
    mll_run *r = start(s);
    long i;
    CHECK(r != NULL);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    for (i = 0; i < 5; i++) CHECK_EQ(mll_log_metric_at(r, "m", 2.0, i, 5), MLL_OK);
    CHECK_EQ(mll_flush(r), MLL_OK); /* creates the file (temporary file + link) */
    for (; i < 10; i++) CHECK_EQ(mll_log_metric_at(r, "m", 2.0, i, 5), MLL_OK);
    g_fault.fail_close = 1; /* appends go through open/write/close */
    CHECK_EQ(mll_flush(r), MLL_ERR_IO);
    g_fault.fail_close = 0;
    /* the data did reach the file (only close complained): it is not written twice */
    CHECK_EQ(mll_flush(r), MLL_OK);
    CHECK_EQ(check_lines(path, 10), 0);
    mll_end_run(r, MLL_RUN_FINISHED);
    mll_close(s);
}

/* The SIGKILL-safety layout: for random line lengths and starting offsets, no line
   crosses a page, every line reads back (after strip) as logged, and the flush leaves
   room for one more line in its page (or ends on a boundary). */
TEST(no_line_crosses_a_page) {
    mll_allocator a = {mll__default_alloc, mll__default_free, NULL};
    mll__buf pending = {NULL, 0, 0}, out = {NULL, 0, 0};
    uint64_t seed = 7;
    int round;
    for (round = 0; round < 300; round++) {
        uint64_t base = 0;
        int lines, i;
        size_t o = 0, p = 0;
        seed = mll__mix64(seed);
        base = (round % 3 == 0) ? 0 : (seed % 9000) / 96 * 96; /* file sizes our flushes leave */
        if (round % 3 == 2) base = seed % 4000 / 100 * 4096;    /* page-aligned */
        pending.len = 0;
        lines = 1 + (int)((seed >> 20) % 400);
        for (i = 0; i < lines; i++) {
            char line[80];
            int n;
            seed = mll__mix64(seed);
            n = snprintf(line, sizeof(line), "%llu %.*f %d\n", 1700000000000ULL + (seed & 0xFFFF),
                         (int)(seed >> 60), 0.123456789012345678, i);
            CHECK_EQ(mll__buf_append(&a, &pending, line, (size_t)n), MLL_OK);
        }
        CHECK_EQ(mll__layout_lines(&a, &pending, base, &out), MLL_OK);
        CHECK(out.len > 0 && out.data[out.len - 1] == '\n');
        while (o < out.len) { /* each output line: within one page, same text after strip */
            const char *nl = memchr(out.data + o, '\n', out.len - o);
            const char *pn = memchr(pending.data + p, '\n', pending.len - p);
            size_t ol = (size_t)(nl - (out.data + o)), pl = (size_t)(pn - (pending.data + p));
            CHECK((base + o) / MLL_PAGE_SIZE == (base + o + ol) / MLL_PAGE_SIZE);
            CHECK(ol >= pl && memcmp(out.data + o, pending.data + p, pl) == 0);
            for (i = (int)pl; i < (int)ol; i++) CHECK(out.data[o + (size_t)i] == ' ');
            o += ol + 1;
            p += pl + 1;
        }
        CHECK_EQ(p, pending.len);
        CHECK((base + out.len) % MLL_PAGE_SIZE == 0 ||
              MLL_PAGE_SIZE - (base + out.len) % MLL_PAGE_SIZE >= MLL__MAX_LINE);
    }
    mll__buf_free(&a, &pending);
    mll__buf_free(&a, &out);
}

/* ---- allocation failures ---- */
static long g_allocs_left, g_outstanding;
static void *fail_alloc(size_t n, void *ud) {
    void *p;
    (void)ud;
    if (g_allocs_left-- <= 0) return NULL;
    p = malloc(n);
    if (p) g_outstanding++;
    return p;
}
static void count_free(void *p, void *ud) {
    (void)ud;
    if (p) g_outstanding--;
    free(p);
}

static int scenario(const char *root) {
    mll_store *s = NULL;
    mll_run *r = NULL;
    mll_store_desc d;
    mll_run_desc rd;
    int ok = 1, i;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.allocator.alloc = fail_alloc;
    d.allocator.free = count_free;
    d.logger.func = quiet;
    if (mll_open(&s, &d) != MLL_OK) return 0;
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "alloc";
    if (mll_start_run(&r, s, &rd) != MLL_OK) ok = 0;
    if (mll_log_param(r, "p", "v") != MLL_OK) ok = 0;
    for (i = 0; i < 40; i++) {
        char key[16];
        snprintf(key, sizeof(key), "k%d", i % 20);
        if (mll_log_metric(r, key, i, i) != MLL_OK) ok = 0;
    }
    if (mll_set_tag(r, "t", "v") != MLL_OK) ok = 0;
    if (mll_log_text(r, "x", "a.txt") != MLL_OK) ok = 0;
    if (r && mll_end_run(r, MLL_RUN_FINISHED) != MLL_OK) ok = 0;
    if (mll_close(s) != MLL_OK) {
        /* a close that failed kept the store (and any run it could not end) with their
           points: with memory back, closing again must succeed and free everything */
        ok = 0;
        g_allocs_left = 1L << 30;
        if (mll_close(s) != MLL_OK) return -1;
    }
    return ok;
}

TEST(out_of_memory_at_every_allocation) {
    long n;
    int succeeded = 0;
    for (n = 0; n < 400 && !succeeded; n++) {
        g_allocs_left = n;
        g_outstanding = 0;
        succeeded = scenario(mll_test_tmpdir());
        CHECK(succeeded >= 0);      /* a retried close always succeeds */
        CHECK_EQ(g_outstanding, 0); /* no leak on any failure path */
    }
    CHECK(succeeded); /* and with enough memory the scenario passes */
}

int main(void) {
    RUN(disk_full_mid_line_keeps_lines_whole_and_points_pending);
    RUN(buffer_full_rejects_only_the_new_point);
    RUN(failed_rename_leaves_old_meta_and_no_temp_files);
    RUN(failed_link_is_an_error_and_param_absent);
    RUN(delayed_write_error_at_close_keeps_points);
    RUN(no_line_crosses_a_page);
    RUN(out_of_memory_at_every_allocation);
    return mll_test_summary();
}
