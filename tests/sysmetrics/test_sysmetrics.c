/* Unit tests of system metrics (issue 11): the readers on crafted /proc files, Python's
   round(x, 1), the environment variables as MLflow's client reads them, the API's states,
   sampling on the flusher thread and (MLL_NO_THREADS / no_flush_thread) inside log calls,
   steps resumed after a reopen, failures of the file system and of malloc. Values against
   psutil and names against MLflow itself are sm_check.py's job. Built three ways by
   tests/sysmetrics/CMakeLists.txt: as is, with -DMLL_NO_THREADS, with -DMLL_NO_SYSTEM_METRICS. */
#define _GNU_SOURCE
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"
#include <sys/time.h>
#include <time.h>

/* ---- a logger that keeps what it was told ---- */
static struct {
    int count[64];  /* by result code */
    char last[64][512];
} g_log;

static void keep_log(mll_log_level level, mll_result code, const char *msg, const char *file, int line, void *ud) {
    (void)level, (void)file, (void)line, (void)ud;
    if ((int)code >= 0 && (int)code < 64) {
        g_log.count[code]++;
        snprintf(g_log.last[code], sizeof(g_log.last[code]), "%s", msg);
    }
}

/* A store desc for root with the keeping logger (the log is cleared). */
static mll_store_desc store_desc(const char *root, int ignore_env) {
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    memset(&g_log, 0, sizeof(g_log));
    d.root = root;
    d.ignore_env = ignore_env;
    d.logger.func = keep_log;
    return d;
}

static mll_store *open_store(const char *root, int no_thread, int ignore_env) {
    mll_store *s = NULL;
    mll_store_desc d = store_desc(root, ignore_env);
    d.no_flush_thread = no_thread;
    return mll_open(&s, &d) == MLL_OK ? s : NULL;
}

static mll_run *start_run(mll_store *s, const mll_system_metrics_desc *sm, const char *run_id) {
    mll_run *r = NULL;
    mll_run_desc rd;
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "sysmetrics-unit";
    rd.run_id = run_id;
    if (sm) rd.system_metrics = *sm;
    return mll_start_run(&r, s, &rd) == MLL_OK ? r : NULL;
}

static double now_ms(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

/* Keeps logging for `ms` (sampling happens on the flusher, or inside these calls without one). */
MLL_TEST_UNUSED static void drive(mll_run *run, double ms) {
    double t0 = now_ms();
    struct timespec ts = {0, 2000000};
    long i = 0;
    while (now_ms() - t0 < ms) {
        i++;
        mll_log_metric(run, "train/loss", 1.0 / (double)i, i);
        nanosleep(&ts, NULL);
    }
}

MLL_TEST_UNUSED static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Steps of a metric file: count, first, last; -1 if malformed or not consecutive. */
MLL_TEST_UNUSED static int steps_of(const char *path, long *first, long *last) {
    size_t len;
    const char *p = mll_test_read(path, &len), *end = p + len;
    int n = 0;
    while (p < end) {
        long long ts, step;
        double v;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || sscanf(p, "%lld %lf %lld", &ts, &v, &step) != 3) return -1;
        if (n == 0) *first = (long)step;
        else if (step != *last + 1) return -1;
        *last = (long)step;
        n++;
        p = nl + 1;
    }
    return n;
}

MLL_TEST_UNUSED static const char *metric_path(mll_run *run, const char *key) {
    static char p[MLL_MAX_PATH * 2];
    snprintf(p, sizeof(p), "%s/metrics/%s", mll_run_dir(run), key);
    return p;
}

/* ---- Python's round(x, 1) ---- */
TEST(round1_is_pythons_round) {
    static const struct {
        double in, out;
    } cases[] = {{0.25, 0.2},  {0.75, 0.8}, {0.35, 0.3}, {2.675, 2.7}, {12.25, 12.2}, {12.35, 12.3},
                 {0.05, 0.1},  {0.15, 0.1}, {99.95, 100.0}, {1.0, 1.0}, {123.456, 123.5}, {-0.25, -0.2},
                 {-2.75, -2.8}, {1e300, 1e300}, {1e-300, 0.0}, {4503599627370497.0, 4503599627370497.0},
                 {123456789012345.65, 123456789012345.7}, {0.04999999999999999, 0.0}, {33.333333333333336, 33.3}};
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double r = mll__round1(cases[i].in);
        if (r != cases[i].out) fprintf(stderr, "round1(%.17g) = %.17g, want %.17g\n", cases[i].in, r, cases[i].out);
        CHECK(r == cases[i].out);
    }
    CHECK(mll__round1(-0.04) == 0.0 && 1.0 / mll__round1(-0.04) < 0); /* -0.0, as Python */
    CHECK(mll__round1(1.0 / 0.0) == 1.0 / 0.0);
    CHECK(mll__round1(0.0 / 0.0) != mll__round1(0.0 / 0.0)); /* nan stays nan */
}

/* ---- environment parsing ---- */
TEST(seconds_as_python_float_spells_them) {
    int ms = -1;
    CHECK(mll__sm_parse_seconds("10", &ms) && ms == 10000);
    CHECK(mll__sm_parse_seconds(" 0.5 ", &ms) && ms == 500);
    CHECK(mll__sm_parse_seconds("+2", &ms) && ms == 2000);
    CHECK(mll__sm_parse_seconds("1e1", &ms) && ms == 10000);
    CHECK(mll__sm_parse_seconds("3E-1", &ms) && ms == 300);
    CHECK(mll__sm_parse_seconds(".25", &ms) && ms == 250);
    CHECK(mll__sm_parse_seconds("2.", &ms) && ms == 2000);
    CHECK(mll__sm_parse_seconds("0.0005", &ms) && ms == 1);
    ms = -1;
    CHECK(!mll__sm_parse_seconds("0", &ms) && ms == -1); /* MLflow: 0 is falsy -> its default */
    CHECK(!mll__sm_parse_seconds("0.0004", &ms));
    CHECK(!mll__sm_parse_seconds("-1", &ms));
    CHECK(!mll__sm_parse_seconds("abc", &ms));
    CHECK(!mll__sm_parse_seconds("10s", &ms));
    CHECK(!mll__sm_parse_seconds("1e", &ms));
    CHECK(!mll__sm_parse_seconds("0,5", &ms)); /* never the locale's decimal comma */
    CHECK(!mll__sm_parse_seconds("inf", &ms));
    CHECK(!mll__sm_parse_seconds("nan", &ms));
    CHECK(!mll__sm_parse_seconds("1e400", &ms));
    CHECK(!mll__sm_parse_seconds("9999999999", &ms));
    CHECK(ms == -1);
}

TEST(counts_and_booleans_as_mlflow_reads_them) {
    int n = -1;
    CHECK(mll__sm_parse_count("1", &n) && n == 1);
    CHECK(mll__sm_parse_count(" 7 ", &n) && n == 7);
    CHECK(mll__sm_parse_count("+3", &n) && n == 3);
    CHECK(!mll__sm_parse_count("0", &n));
    CHECK(!mll__sm_parse_count("-1", &n));
    CHECK(!mll__sm_parse_count("1.5", &n));
    CHECK(!mll__sm_parse_count("abc", &n));
    CHECK(!mll__sm_parse_count("1000001", &n));
    CHECK(!mll__sm_parse_count("99999999999999999999", &n));
    CHECK(n == 3);
    CHECK(mll__sm_parse_bool("true") == 1 && mll__sm_parse_bool("TRUE") == 1 && mll__sm_parse_bool("True") == 1);
    CHECK(mll__sm_parse_bool("1") == 1 && mll__sm_parse_bool("0") == 0 && mll__sm_parse_bool("False") == 0);
    CHECK(mll__sm_parse_bool("yes") == -1 && mll__sm_parse_bool(" true") == -1 && mll__sm_parse_bool("") == -1);
    CHECK(mll__sm_parse_bool("truex") == -1 && mll__sm_parse_bool("tru") == -1 && mll__sm_parse_bool("2") == -1);
}

#if !defined(MLL_NO_SYSTEM_METRICS)
/* ---- readers on crafted /proc files ---- */
TEST(meminfo_rules_of_psutil) {
    const char *dir = mll_test_tmpdir();
    char p[600];
    mll__sm_mem m;
    snprintf(p, sizeof(p), "%s/meminfo", dir);
    write_file(p, "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\nBuffers:  10 kB\n"
                  "Cached:          200 kB\nSReclaimable:     50 kB\n");
    CHECK(mll__sm_read_mem(p, &m) == MLL_OK);
    CHECK(m.total == 1024000 && m.used == 400 * 1024); /* total - MemAvailable */
    write_file(p, "MemTotal: 1000 kB\nMemFree: 100 kB\nCached: 200 kB\nBuffers: 10 kB\n"); /* kernel < 3.14 */
    CHECK(mll__sm_read_mem(p, &m) == MLL_OK && m.used == 700 * 1024); /* free + cached available */
    write_file(p, "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 0 kB\nCached: 300 kB\n"); /* psutil #1915 */
    CHECK(mll__sm_read_mem(p, &m) == MLL_OK && m.used == 600 * 1024);
    write_file(p, "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 5000 kB\n"); /* LXC: above total */
    CHECK(mll__sm_read_mem(p, &m) == MLL_OK && m.used == 900 * 1024);
    write_file(p, "nothing useful\n");
    CHECK(mll__sm_read_mem(p, &m) == MLL_ERR_CORRUPT);
    snprintf(p, sizeof(p), "%s/missing", dir);
    CHECK(mll__sm_read_mem(p, &m) == MLL_ERR_NOT_FOUND);
}

TEST(cpu_percent_rules_of_psutil) {
    const char *dir = mll_test_tmpdir();
    char a[600], b[600];
    mll__sm_cpu c1, c2;
    snprintf(a, sizeof(a), "%s/stat1", dir);
    snprintf(b, sizeof(b), "%s/stat2", dir);
    /* user nice system idle iowait irq softirq steal guest guest_nice */
    write_file(a, "cpu  100 0 100 700 100 0 0 0 50 0\ncpu0 1 2 3 4 5 6 7 8 9 10\nintr 1 2 3\n");
    write_file(b, "cpu  200 0 150 800 150 0 0 0 90 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n");
    CHECK(mll__sm_read_cpu(a, &c1) == MLL_OK && c1.n == 10 && c1.t[0] == 1.0 && c1.t[8] == 0.5);
    CHECK(mll__sm_read_cpu(b, &c2) == MLL_OK);
    /* deltas: user 1, system .5, idle 1, iowait .5, guest .4: total 3.4-.4 = 3, busy 3-1-.5 */
    CHECK(mll__round1(mll__sm_cpu_percent(&c1, &c2)) == 50.0);
    CHECK(mll__sm_cpu_percent(&c1, &c1) == 0.0);                          /* no time: 0.0 as psutil */
    write_file(b, "cpu  50 0 150 800 150 0 0 0 0 0\n");                   /* a counter going back */
    CHECK(mll__sm_read_cpu(b, &c2) == MLL_OK && mll__sm_cpu_percent(&c1, &c2) >= 0);
    write_file(a, "cpu  1 2 3\n");
    CHECK(mll__sm_read_cpu(a, &c1) == MLL_ERR_CORRUPT);
    write_file(a, "intr 1 2\n");
    CHECK(mll__sm_read_cpu(a, &c1) == MLL_ERR_CORRUPT);
}

TEST(net_dev_sums_every_interface_across_long_files) {
    const char *dir = mll_test_tmpdir();
    char p[600], *text = (char *)malloc(1 << 16);
    size_t off = 0;
    int i;
    mll__sm_net n;
    CHECK(text != NULL);
    off += (size_t)sprintf(text + off, "Inter-|   Receive  |  Transmit\n face |bytes    packets|bytes\n");
    for (i = 0; i < 300; i++) /* ~35 KB: many veth interfaces, read in chunks */
        off += (size_t)sprintf(text + off, "veth%04d: %d 1 0 0 0 0 0 0 %d 1 0 0 0 0 0 0\n", i, 1000 + i, 10 + i);
    off += (size_t)sprintf(text + off, "eth0:1: 5 0 0 0 0 0 0 0 7 0 0 0 0 0 0 0"); /* no final newline */
    snprintf(p, sizeof(p), "%s/dev", dir);
    write_file(p, text);
    free(text);
    CHECK(mll__sm_read_net(p, &n) == MLL_OK);
    CHECK_EQ(n.rx, 300 * 1000 + 299 * 300 / 2 + 5);
    CHECK_EQ(n.tx, 300 * 10 + 299 * 300 / 2 + 7);
    write_file(p, "header\nheader\n");
    CHECK(mll__sm_read_net(p, &n) == MLL_ERR_CORRUPT);
}

static int count_lines(char *line, void *ctx) {
    (void)line;
    ++*(int *)ctx;
    return 0;
}

TEST(a_line_longer_than_the_buffer_is_skipped) {
    const char *dir = mll_test_tmpdir();
    char p[600], *text = (char *)malloc(20000);
    int n = 0;
    CHECK(text != NULL);
    memset(text, 'x', 19000);
    memcpy(text, "a\n", 2);
    strcpy(text + 19000, "\nb\nc");
    snprintf(p, sizeof(p), "%s/long", dir);
    write_file(p, text);
    free(text);
    CHECK(mll__sm_each_line(p, count_lines, &n) == MLL_OK);
    CHECK_EQ(n, 3); /* a, b, c */
}

TEST(process_and_cpuinfo) {
    const char *dir = mll_test_tmpdir();
    char p[600];
    mll__sm_proc pr;
    mll__sm_cpuinfo ci;
    CHECK(mll__sm_read_proc("/proc/self/status", &pr) == MLL_OK && pr.rss > 0 && pr.threads >= 1 && pr.cpu_us >= 0);
    snprintf(p, sizeof(p), "%s/cpuinfo", dir);
    write_file(p, "processor\t: 0\nmodel name\t: Test CPU @ 1GHz\nphysical id\t: 0\ncpu cores\t: 4\n"
                  "processor\t: 1\nmodel name\t: Test CPU @ 1GHz\nphysical id\t: 1\ncpu cores\t: 4\n");
    memset(&ci, 0, sizeof(ci));
    mll__sm_each_line(p, mll__sm_cpuinfo_line, &ci);
    CHECK_STR(ci.model, "Test CPU @ 1GHz");
    CHECK(ci.nids == 2 && ci.cores == 4);
    write_file(p, "Processor\t: AArch64 Processor rev 4 (aarch64)\nprocessor\t: 0\n"); /* older ARM kernels */
    memset(&ci, 0, sizeof(ci));
    mll__sm_each_line(p, mll__sm_cpuinfo_line, &ci);
    CHECK_STR(ci.model, "AArch64 Processor rev 4 (aarch64)");
    CHECK(ci.nids == 0);
}

/* ---- settings: desc, else environment, else MLflow's defaults ---- */
TEST(settings_from_desc_env_and_defaults) {
    const char *root = mll_test_tmpdir();
    mll_store *s;
    mll_run *run;
    mll_system_metrics_desc d, q;
    setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "0.25", 1);
    setenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "3", 1);
    setenv("MLFLOW_SYSTEM_METRICS_NODE_ID", "rank7", 1);
    s = open_store(root, 0, 0);
    CHECK(s != NULL);
    run = start_run(s, NULL, NULL);
    CHECK(run != NULL);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF && q.interval_ms == 0);
    memset(&d, 0, sizeof(d));
    d.no_gpu = 1;
    CHECK(mll_start_system_metrics(run, &d) == MLL_OK);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK);
    CHECK(q.enabled == MLL_SYSTEM_METRICS_ON && q.interval_ms == 250 && q.samples_before_logging == 3);
    CHECK_STR(q.node_id, "rank7");
    CHECK_STR(q.disk_path, "/");
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_SYSTEM_METRICS_ACTIVE);
    CHECK(mll_stop_system_metrics(run) == MLL_OK && mll_stop_system_metrics(run) == MLL_OK);
    d.interval_ms = 1500; /* the desc wins over the environment */
    d.samples_before_logging = 2;
    d.node_id = "";       /* "" = no node id (MLflow: falsy) */
    CHECK(mll_start_system_metrics(run, &d) == MLL_OK);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.interval_ms == 1500 && q.samples_before_logging == 2);
    CHECK(q.node_id == NULL);
    CHECK(mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK);
    mll_close(s);
    s = open_store(root, 0, 1); /* ignore_env: MLflow's defaults */
    CHECK(s != NULL);
    run = start_run(s, NULL, NULL);
    CHECK(run && mll_start_system_metrics(run, NULL) == MLL_OK);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.interval_ms == 10000 && q.samples_before_logging == 1);
    CHECK(q.node_id == NULL);
    mll_close(s);
    unsetenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL");
    unsetenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING");
    unsetenv("MLFLOW_SYSTEM_METRICS_NODE_ID");
}

TEST(bad_environment_values_warn_and_use_defaults) {
    const char *root = mll_test_tmpdir();
    mll_store *s;
    mll_run *run;
    mll_system_metrics_desc q;
    setenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL", "-5", 1);
    setenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING", "two", 1);
    setenv("MLFLOW_SYSTEM_METRICS_NODE_ID", "../evil", 1);
    setenv("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "TRUE", 1);
    s = open_store(root, 0, 0);
    CHECK(s != NULL);
    run = start_run(s, NULL, NULL); /* enabled by the environment */
    CHECK(run != NULL);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_ON);
    CHECK(q.interval_ms == 10000 && q.samples_before_logging == 1 && q.node_id == NULL);
    CHECK_EQ(g_log.count[MLL_ERR_SYSTEM_METRICS_ENV], 3);
    CHECK(strstr(g_log.last[MLL_ERR_SYSTEM_METRICS_ENV], "MLFLOW_SYSTEM_METRICS_NODE_ID='../evil'") != NULL);
    mll_end_run(run, MLL_RUN_FINISHED);
    setenv("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "yes", 1);
    memset(&g_log, 0, sizeof(g_log));
    run = start_run(s, NULL, NULL);
    CHECK(run != NULL);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
    CHECK(strstr(g_log.last[MLL_ERR_SYSTEM_METRICS_ENV], "MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING='yes'") != NULL);
    mll_end_run(run, MLL_RUN_FINISHED);
    setenv("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING", "1", 1);
    { /* the desc's OFF wins over the environment's on */
        mll_system_metrics_desc off;
        memset(&off, 0, sizeof(off));
        off.enabled = MLL_SYSTEM_METRICS_OFF;
        run = start_run(s, &off, NULL);
        CHECK(run && mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
        mll_end_run(run, MLL_RUN_FINISHED);
    }
    unsetenv("MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING");
    unsetenv("MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL");
    unsetenv("MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING");
    unsetenv("MLFLOW_SYSTEM_METRICS_NODE_ID");
    mll_close(s);
}

TEST(bad_desc_fields_are_errors) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 0, 1);
    mll_run *run;
    mll_system_metrics_desc d, q;
    char longpath[MLL_MAX_PATH + 10];
    CHECK(s != NULL);
    run = start_run(s, NULL, NULL);
    CHECK(run != NULL);
    CHECK(mll_start_system_metrics(NULL, NULL) == MLL_ERR_INVALID_ARGUMENT);
    CHECK(mll_stop_system_metrics(NULL) == MLL_ERR_INVALID_ARGUMENT);
    CHECK(mll_query_system_metrics(run, NULL) == MLL_ERR_INVALID_ARGUMENT);
    memset(&d, 0, sizeof(d));
    d.interval_ms = -1;
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_INVALID_ARGUMENT);
    d.interval_ms = 0;
    d.samples_before_logging = -2;
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_INVALID_ARGUMENT);
    d.samples_before_logging = 0;
    d.node_id = "a//b";
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_INVALID_KEY);
    d.node_id = "bad\nnode";
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_INVALID_KEY);
    d.node_id = NULL;
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    d.disk_path = longpath;
    CHECK(mll_start_system_metrics(run, &d) == MLL_ERR_PATH_TOO_LONG);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
    { /* from the run desc: a warning, and the run starts without system metrics */
        mll_run *r2;
        d.disk_path = NULL;
        d.interval_ms = -1;
        d.enabled = MLL_SYSTEM_METRICS_ON;
        r2 = start_run(s, &d, NULL);
        CHECK(r2 != NULL);
        CHECK(mll_query_system_metrics(r2, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
        CHECK(g_log.count[MLL_ERR_INVALID_ARGUMENT] >= 1);
        d.enabled = (mll_system_metrics_mode)7;
        d.interval_ms = 0;
        mll_end_run(r2, MLL_RUN_FINISHED);
        r2 = start_run(s, &d, NULL);
        CHECK(r2 && mll_query_system_metrics(r2, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
        mll_end_run(r2, MLL_RUN_FINISHED);
    }
    mll_close(s);
}

/* ---- sampling, names, steps ---- */
static void check_sampled(mll_run *run, const char *prefix, int min_steps) {
    static const char *const keys[] = {"cpu_utilization_percentage", "system_memory_usage_megabytes",
                                       "system_memory_usage_percentage", "disk_usage_percentage",
                                       "disk_usage_megabytes", "disk_available_megabytes",
                                       "network_receive_megabytes", "network_transmit_megabytes",
                                       "process_cpu_utilization_percentage", "process_memory_rss_megabytes",
                                       "process_threads"};
    size_t i;
    long first = -1, last = -1, f0 = -1, l0 = -1;
    int n0 = -1;
    char key[300];
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        int n;
        snprintf(key, sizeof(key), "%s%s", prefix, keys[i]);
        n = steps_of(metric_path(run, key), &first, &last);
        if (n < min_steps) fprintf(stderr, "%s: %d steps\n", key, n);
        CHECK(n >= min_steps);
        if (n0 < 0) n0 = n, f0 = first, l0 = last;
        CHECK(first == f0 && last == l0 && n == n0); /* every key at every step */
    }
}

TEST(samples_on_the_flusher_thread_and_stops_at_the_end) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 0, 1);
    mll_run *run;
    mll_system_metrics_desc d;
    long first = 0, last = 0;
    int n_end;
    char dir[MLL_MAX_PATH * 2];
    CHECK(s != NULL);
    memset(&d, 0, sizeof(d));
    d.enabled = MLL_SYSTEM_METRICS_ON;
    d.interval_ms = 40;
    d.samples_before_logging = 2;
    d.no_gpu = 1;
    run = start_run(s, &d, NULL);
    CHECK(run != NULL);
    drive(run, 700);
    CHECK(mll_stop_system_metrics(run) == MLL_OK); /* a step is logged whole: stop, then compare */
    CHECK(mll_flush(run) == MLL_OK);
    check_sampled(run, "system/", 3);
    CHECK(steps_of(metric_path(run, "system/cpu_utilization_percentage"), &first, &last) >= 3 && first == 0);
    snprintf(dir, sizeof(dir), "%s/tags/mlflow_lite.system.hostname", mll_run_dir(run));
    CHECK(mll_test_exists(dir));
    snprintf(dir, sizeof(dir), "%s", mll_run_dir(run));
    CHECK(mll_start_system_metrics(run, &d) == MLL_OK);
    drive(run, 100);
    CHECK(mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK); /* stops sampling */
    { /* nothing is logged after the end */
        char p[MLL_MAX_PATH * 3];
        struct timespec ts = {0, 200000000};
        snprintf(p, sizeof(p), "%s/metrics/system/cpu_utilization_percentage", dir);
        n_end = steps_of(p, &first, &last);
        nanosleep(&ts, NULL);
        CHECK(steps_of(p, &first, &last) == n_end);
    }
    mll_close(s);
}

TEST(samples_inside_log_calls_without_a_flusher) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 1, 1);
    mll_run *run;
    mll_system_metrics_desc d;
    CHECK(s != NULL);
    memset(&d, 0, sizeof(d));
    d.enabled = MLL_SYSTEM_METRICS_ON;
    d.interval_ms = 40;
    d.node_id = "node-1";
    d.no_gpu = 1;
    run = start_run(s, &d, NULL);
    CHECK(run != NULL);
    drive(run, 500);
    CHECK(mll_flush(run) == MLL_OK);
    check_sampled(run, "system/node-1/", 4);
    {
        char p[MLL_MAX_PATH * 2];
        snprintf(p, sizeof(p), "%s/tags/mlflow_lite.system.node-1.cpu_count", mll_run_dir(run));
        CHECK(mll_test_exists(p));
    }
    mll_close(s); /* ends the sampling run too */
}

TEST(steps_resume_after_the_largest_system_step) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 0, 1);
    mll_run *run;
    mll_system_metrics_desc d;
    char id[300], p[MLL_MAX_PATH * 2], *big;
    long first = -1, last = -1;
    size_t i, off = 0;
    CHECK(s != NULL);
    run = start_run(s, NULL, NULL);
    CHECK(run != NULL);
    snprintf(id, sizeof(id), "%s", mll_run_id(run));
    /* files another session left: one padded to a page (mlflow_lite), one long, one nested */
    snprintf(p, sizeof(p), "%s/metrics/system", mll_run_dir(run));
    mkdir(p, 0777);
    snprintf(p, sizeof(p), "%s/metrics/system/a", mll_run_dir(run));
    write_file(p, "1 2.5 3\n1 2.5 41        \n");
    big = (char *)malloc(100000);
    CHECK(big != NULL);
    for (i = 0; i < 3000; i++) off += (size_t)sprintf(big + off, "1700000000000 %u.5 %u\n", (unsigned)i, (unsigned)i);
    snprintf(p, sizeof(p), "%s/metrics/system/b", mll_run_dir(run));
    write_file(p, big);
    free(big);
    snprintf(p, sizeof(p), "%s/metrics/system/n1", mll_run_dir(run));
    mkdir(p, 0777);
    snprintf(p, sizeof(p), "%s/metrics/system/n1/c", mll_run_dir(run));
    write_file(p, "1 nan 5\n1 -inf 6\n");
    CHECK(mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK);
    memset(&d, 0, sizeof(d));
    d.enabled = MLL_SYSTEM_METRICS_ON;
    d.interval_ms = 30;
    d.no_gpu = 1;
    run = start_run(s, &d, id); /* reopened: MLflow's resume_logging */
    CHECK(run != NULL);
    drive(run, 200);
    CHECK(mll_stop_system_metrics(run) == MLL_OK);
    CHECK(mll_flush(run) == MLL_OK);
    CHECK(steps_of(metric_path(run, "system/cpu_utilization_percentage"), &first, &last) >= 2);
    CHECK_EQ(first, 3000); /* after b's 2999 */
    {   /* started again on the same run: the steps go on (steps_of wants them consecutive) */
        long last1 = last;
        CHECK(mll_start_system_metrics(run, &d) == MLL_OK);
        drive(run, 150);
        CHECK(mll_stop_system_metrics(run) == MLL_OK);
        CHECK(mll_flush(run) == MLL_OK);
        CHECK(steps_of(metric_path(run, "system/cpu_utilization_percentage"), &first, &last) >= 3);
        CHECK(first == 3000 && last > last1);
    }
    CHECK(mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK);
    mll_close(s);
}

/* ---- failures ---- */
static int g_fail_system_writes;
static mll_result f_open(const char *path, mll_open_mode mode, intptr_t *h, void *ud) {
    if (g_fail_system_writes && mode != MLL_OPEN_READ && strstr(path, "/metrics/system/")) {
        errno = ENOSPC;
        return MLL_ERR_NO_SPACE;
    }
    return mll__posix_open(path, mode, h, ud);
}
static mll_result f_rename(const char *from, const char *to, void *ud) {
    if (g_fail_system_writes && strstr(to, "/tags/mlflow_lite.")) {
        errno = EIO;
        return MLL_ERR_IO;
    }
    return mll__posix_rename(from, to, ud);
}
static mll_result f_link(const char *from, const char *to, void *ud) {
    if (g_fail_system_writes && strstr(to, "/metrics/system/")) {
        errno = ENOSPC;
        return MLL_ERR_NO_SPACE;
    }
    return mll__posix_link(from, to, ud);
}

TEST(a_full_disk_under_system_metrics_is_an_error_not_a_crash) {
    const char *root = mll_test_tmpdir();
    mll_store *s = NULL;
    mll_store_desc sd = store_desc(root, 1);
    mll_run *run;
    mll_system_metrics_desc d;
    mll_error e;
    sd.fs.open = f_open;
    sd.fs.link = f_link;
    sd.fs.rename = f_rename;
    CHECK(mll_open(&s, &sd) == MLL_OK);
    run = start_run(s, NULL, NULL);
    CHECK(run != NULL);
    g_fail_system_writes = 1;
    memset(&d, 0, sizeof(d));
    d.interval_ms = 30;
    d.no_gpu = 1;
    CHECK(mll_start_system_metrics(run, &d) == MLL_OK); /* tags fail: recorded, sampling starts */
    CHECK(mll_run_last_error(run, &e) == MLL_ERR_IO && strstr(e.subject, "mlflow_lite.system.") != NULL);
    drive(run, 200);
    CHECK(mll_flush(run) == MLL_ERR_NO_SPACE); /* the points stay buffered */
    CHECK(mll_log_metric(run, "ok", 1.0, 0) == MLL_OK);
    g_fail_system_writes = 0;
    CHECK(mll_end_run(run, MLL_RUN_FINISHED) == MLL_OK); /* now they are written */
    mll_close(s);
}

static long g_allocs_left = -1, g_outstanding;
static void *count_alloc(size_t n, void *ud) {
    (void)ud;
    if (g_allocs_left == 0) return NULL;
    if (g_allocs_left > 0) g_allocs_left--;
    g_outstanding++;
    return malloc(n);
}
static void count_free(void *p, void *ud) {
    (void)ud;
    if (p) g_outstanding--;
    free(p);
}

TEST(out_of_memory_while_starting_is_no_memory_and_no_leak) {
    const char *root = mll_test_tmpdir();
    long n;
    int started = 0;
    for (n = 0; n < 200 && !started; n++) {
        mll_store *s = NULL;
        mll_store_desc sd = store_desc(root, 1);
        mll_run *run = NULL;
        mll_system_metrics_desc d;
        mll_result r;
        sd.allocator.alloc = count_alloc;
        sd.allocator.free = count_free;
        g_allocs_left = -1;
        g_outstanding = 0;
        CHECK(mll_open(&s, &sd) == MLL_OK);
        run = start_run(s, NULL, NULL);
        CHECK(run != NULL);
        memset(&d, 0, sizeof(d));
        d.no_gpu = 1;
        g_allocs_left = n;
        r = mll_start_system_metrics(run, &d);
        g_allocs_left = -1;
        CHECK(r == MLL_OK || r == MLL_ERR_NO_MEMORY);
        started = r == MLL_OK;
        mll_close(s);
        CHECK_EQ(g_outstanding, 0);
    }
    CHECK(started);
}
#else
TEST(compiled_out_says_unsupported) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 0, 1);
    mll_run *run;
    mll_system_metrics_desc d, q;
    CHECK(s != NULL);
    memset(&d, 0, sizeof(d));
    d.enabled = MLL_SYSTEM_METRICS_ON;
    run = start_run(s, &d, NULL);
    CHECK(run != NULL); /* the run starts; system metrics do not (a warning) */
    CHECK_EQ(g_log.count[MLL_ERR_SYSTEM_METRICS_UNSUPPORTED], 1);
    CHECK(mll_start_system_metrics(run, NULL) == MLL_ERR_SYSTEM_METRICS_UNSUPPORTED);
    CHECK(mll_query_system_metrics(run, &q) == MLL_OK && q.enabled == MLL_SYSTEM_METRICS_OFF);
    CHECK(mll_stop_system_metrics(run) == MLL_OK);
    mll_close(s);
}
#endif

int main(void) {
    RUN(round1_is_pythons_round);
    RUN(seconds_as_python_float_spells_them);
    RUN(counts_and_booleans_as_mlflow_reads_them);
#if !defined(MLL_NO_SYSTEM_METRICS)
    RUN(meminfo_rules_of_psutil);
    RUN(cpu_percent_rules_of_psutil);
    RUN(net_dev_sums_every_interface_across_long_files);
    RUN(a_line_longer_than_the_buffer_is_skipped);
    RUN(process_and_cpuinfo);
    RUN(settings_from_desc_env_and_defaults);
    RUN(bad_environment_values_warn_and_use_defaults);
    RUN(bad_desc_fields_are_errors);
    RUN(samples_on_the_flusher_thread_and_stops_at_the_end);
    RUN(samples_inside_log_calls_without_a_flusher);
    RUN(steps_resume_after_the_largest_system_step);
    RUN(a_full_disk_under_system_metrics_is_an_error_not_a_crash);
    RUN(out_of_memory_while_starting_is_no_memory_and_no_leak);
#else
    RUN(compiled_out_says_unsupported);
#endif
    return mll_test_summary();
}
