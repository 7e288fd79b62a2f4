/* Handles that cannot dangle: every misuse of an mll_store * or mll_run * after its end is
   an error code, never undefined behaviour, also while other threads use it. Double
   mll_end_run, double mll_close, mll_end_run after mll_close, calls on ended runs and closed
   stores, pointers that never were handles, a stale handle whose cell now holds another
   run, mll_end_run and mll_close while other threads log, end and close racing each other,
   and the handle limit. MLL_MAX_HANDLES (open runs) is 8 here so that cells are reused
   quickly.
   Run under ASan, TSan (by hand: see tests/torture/README.md) and valgrind. */
#define _GNU_SOURCE
#define MLL_MAX_HANDLES 8
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "../mll_test.h"
#include <pthread.h>
#include <sched.h>

static void quiet(mll_log_level level, mll_result code, const char *msg, const char *file, int line,
                  void *ud) {
    (void)level, (void)code, (void)msg, (void)file, (void)line, (void)ud;
}

static mll_store *open_store(const char *root, int interval_ms) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.logger.func = quiet;
    d.flush_interval_ms = interval_ms;
    d.buffer_bytes = 4096; /* inline flushes racing with the flusher thread */
    if (mll_open(&s, &d) != MLL_OK) return NULL;
    return s;
}

static long count_lines(const char *path) {
    size_t len, i;
    const char *t = mll_test_read(path, &len);
    long n = 0;
    if (len && t[len - 1] != '\n') return -1;
    for (i = 0; i < len; i++) n += t[i] == '\n';
    return n;
}

TEST(double_end_and_double_close_are_errors) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 1000);
    mll_run *r = NULL, *r2 = NULL;
    mll_error e;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_log_metric(r, "m", 1, 0), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_flush(r), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_set_tag(r, "t", "v"), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_log_param(r, "p", "v"), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_log_paramf(r, "p", "%d", 1), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_log_text(r, "x", "a.txt"), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_register_model(r, "model", "m", NULL), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_RUN_ENDED);
    CHECK_STR(mll_run_id(r), "");
    CHECK_STR(mll_run_dir(r), "");
    /* a run still open when the store closes is ended by mll_close */
    CHECK_EQ(mll_start_run(&r2, s, NULL), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_ERR_STORE_CLOSED);
    CHECK_EQ(mll_end_run(r2, MLL_RUN_FINISHED), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_log_metric(r2, "m", 1, 0), MLL_ERR_RUN_ENDED);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_ERR_STORE_CLOSED);
    CHECK(r == NULL);
    CHECK_EQ(mll_set_experiment_tag(s, "0", "k", "v"), MLL_ERR_STORE_CLOSED);
    CHECK_EQ(mll_create_registered_model(s, "m"), MLL_ERR_STORE_CLOSED);
    CHECK_EQ(mll_store_last_error(s, &e), MLL_ERR_STORE_CLOSED);
    CHECK_STR(mll_store_root(s), "");
}

TEST(pointers_that_never_were_handles) {
    mll_error e;
    int local = 0;
    mll_run *fake_run = (mll_run *)(void *)&local;
    mll_store *fake_store = (mll_store *)(void *)&local;
    mll_store *s = open_store(mll_test_tmpdir(), 1000);
    mll_run *r = NULL;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric(fake_run, "m", 1, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_end_run(fake_run, MLL_RUN_FINISHED), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_log_metric((mll_run *)1, "m", 1, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_close(fake_store), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_store_last_error(fake_store, &e), MLL_ERR_INVALID_ARGUMENT);
    /* a store handle is not a run handle, and the other way round */
    CHECK_EQ(mll_log_metric((mll_run *)(void *)s, "m", 1, 0), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_end_run((mll_run *)(void *)s, MLL_RUN_FINISHED), MLL_ERR_INVALID_ARGUMENT);
    CHECK_EQ(mll_close((mll_store *)(void *)r), MLL_ERR_INVALID_ARGUMENT);
    /* a handle with a generation that was never issued */
    CHECK_EQ(mll_log_metric((mll_run *)(void *)((uintptr_t)r + ((uintptr_t)1000 << 17)), "m", 1, 0),
             MLL_ERR_INVALID_ARGUMENT);
    CHECK_STR(mll_run_id(fake_run), "");
    CHECK_EQ(mll_log_metric(r, "m", 1, 0), MLL_OK); /* the real ones still work */
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(stale_handle_stays_stale_when_its_cell_is_reused) {
    mll_store *s = open_store(mll_test_tmpdir(), 1000);
    mll_run *old = NULL, *r = NULL;
    int i;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&old, s, NULL), MLL_OK);
    CHECK_EQ(mll_end_run(old, MLL_RUN_FINISHED), MLL_OK);
    for (i = 0; i < 3 * MLL_MAX_HANDLES; i++) { /* every cell is reused several times */
        CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
        CHECK_EQ(mll_log_metric(old, "m", 1, 0), MLL_ERR_RUN_ENDED);
        CHECK_EQ(mll_end_run(old, MLL_RUN_FINISHED), MLL_ERR_RUN_ENDED);
        CHECK_EQ(mll_log_metric(r, "m", 1, 0), MLL_OK);
        CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    }
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(handle_limit_is_an_error) {
    mll_store *s = open_store(mll_test_tmpdir(), 1000);
    mll_run *r[MLL_MAX_HANDLES];
    mll_run *extra = NULL;
    mll_error e;
    int i, n = 0;
    CHECK(s != NULL);
    for (i = 0; i < MLL_MAX_HANDLES; i++) {
        CHECK_EQ(mll_start_run(&r[n], s, NULL), MLL_OK);
        n++;
    }
    CHECK_EQ(mll_start_run(&extra, s, NULL), MLL_ERR_TOO_MANY_HANDLES);
    CHECK(extra == NULL);
    CHECK_EQ(mll_store_last_error(s, &e), MLL_ERR_TOO_MANY_HANDLES);
    CHECK_EQ(mll_end_run(r[0], MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_start_run(&extra, s, NULL), MLL_OK); /* a freed cell is taken again */
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(bad_status_is_refused_and_the_run_stays_open) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 1000);
    mll_run *r = NULL;
    char meta[4200];
    mll_error e;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    snprintf(meta, sizeof(meta), "%s/meta.yaml", mll_run_dir(r));
    CHECK_EQ(mll_end_run(r, (mll_run_status)42), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(mll_end_run(r, (mll_run_status)-1), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(mll_end_run(r, MLL_RUN_RUNNING), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(mll_end_run(r, MLL_RUN_SCHEDULED), MLL_ERR_INVALID_VALUE);
    CHECK_EQ(mll_run_last_error(r, &e), MLL_ERR_INVALID_VALUE);
    CHECK_STR(e.subject, "2"); /* the last refused status: SCHEDULED */
    CHECK(strstr(mll_test_read(meta, NULL), "status: 1\n") != NULL); /* still RUNNING */
    CHECK_EQ(mll_log_metric(r, "m", 1, 0), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_KILLED), MLL_OK);
    CHECK(strstr(mll_test_read(meta, NULL), "status: 5\n") != NULL);
    CHECK_EQ(mll_close(s), MLL_OK);
}

TEST(run_name_string_survives_a_rename) {
    mll_store *s = open_store(mll_test_tmpdir(), 1000);
    mll_run *r = NULL;
    mll_run_desc rd;
    const char *before;
    CHECK(s != NULL);
    memset(&rd, 0, sizeof(rd));
    rd.run_name = "first name";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    before = mll_run_name(r);
    CHECK_EQ(mll_set_run_name(r, "second name"), MLL_OK);
    CHECK_STR(before, "first name"); /* still readable (ASan/valgrind: not freed) */
    CHECK_STR(mll_run_name(r), "second name");
    CHECK_EQ(mll_set_run_name(r, ""), MLL_ERR_INVALID_NAME);
    CHECK_EQ(mll_set_run_name(r, "   "), MLL_ERR_INVALID_NAME);
    CHECK_EQ(mll_set_run_name(r, "\t\n\xe3\x80\x80"), MLL_ERR_INVALID_NAME); /* U+3000 too */
    CHECK_EQ(mll_set_tag(r, "mlflow.runName", " "), MLL_ERR_INVALID_NAME);
    CHECK_STR(mll_run_name(r), "second name");
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* ---- threads ---- */
enum { LOGGERS = 3 };
typedef struct logger_job {
    mll_run *run;
    mll_store *store;
    int id;
    long ok;          /* points acknowledged with MLL_OK */
    mll_result final; /* the code that stopped the loop */
    pthread_barrier_t *go;
} logger_job;

static void *logger_main(void *arg) {
    logger_job *j = (logger_job *)arg;
    char key[32];
    snprintf(key, sizeof(key), "thread/%d", j->id);
    pthread_barrier_wait(j->go);
    for (;;) {
        mll_result r = mll_log_metric_at(j->run, key, (double)j->ok, j->ok, 1700000000000LL + j->ok);
        if (r != MLL_OK) {
            j->final = r;
            return NULL;
        }
        j->ok++;
        if (j->ok % 97 == 0) mll_set_tag(j->run, key, "x"); /* slower calls too */
    }
}

/* LOGGERS threads log into one run until it ends under them (mll_end_run, or mll_close
   when close_store); every acknowledged point is in the file, nothing else is. */
static int end_while_logging(int close_store) {
    const char *root = mll_test_tmpdir();
    mll_store *s = open_store(root, 5);
    mll_run *r = NULL;
    pthread_t th[LOGGERS];
    logger_job job[LOGGERS];
    pthread_barrier_t go;
    char dir[4200], path[4300];
    int i, bad = 0;
    if (!s || mll_start_run(&r, s, NULL) != MLL_OK) return 1;
    snprintf(dir, sizeof(dir), "%s", mll_run_dir(r));
    pthread_barrier_init(&go, NULL, LOGGERS + 1);
    for (i = 0; i < LOGGERS; i++) {
        memset(&job[i], 0, sizeof(job[i]));
        job[i].run = r;
        job[i].id = i;
        job[i].go = &go;
        pthread_create(&th[i], NULL, logger_main, &job[i]);
    }
    pthread_barrier_wait(&go);
    while (job[0].ok < 2000) sched_yield(); /* let them log a while */
    if (close_store) bad |= mll_close(s) != MLL_OK;
    else bad |= mll_end_run(r, MLL_RUN_FINISHED) != MLL_OK;
    for (i = 0; i < LOGGERS; i++) pthread_join(th[i], NULL);
    for (i = 0; i < LOGGERS; i++) {
        snprintf(path, sizeof(path), "%s/metrics/thread/%d", dir, i);
        if (job[i].final != MLL_ERR_RUN_ENDED) bad |= 2;
        if (count_lines(path) != job[i].ok) bad |= 4;
    }
    if (!close_store) bad |= (mll_close(s) != MLL_OK) << 3;
    pthread_barrier_destroy(&go);
    return bad;
}

TEST(end_run_while_other_threads_log) {
    int round;
    for (round = 0; round < 5; round++) CHECK_EQ(end_while_logging(0), 0);
}

TEST(close_while_other_threads_log) {
    int round;
    for (round = 0; round < 5; round++) CHECK_EQ(end_while_logging(1), 0);
}

typedef struct racer {
    mll_store *store;
    mll_run *run;
    mll_result result;
    pthread_barrier_t *go;
    int starts_ok, starts_closed;
} racer;

static void *end_racer(void *arg) {
    racer *x = (racer *)arg;
    pthread_barrier_wait(x->go);
    x->result = mll_end_run(x->run, MLL_RUN_FINISHED);
    return NULL;
}

static void *close_racer(void *arg) {
    racer *x = (racer *)arg;
    pthread_barrier_wait(x->go);
    x->result = mll_close(x->store);
    return NULL;
}

/* Two threads end the same run at once: one wins, the other gets RUN_ENDED. */
TEST(two_threads_end_one_run) {
    mll_store *s = open_store(mll_test_tmpdir(), 1000);
    int round;
    CHECK(s != NULL);
    for (round = 0; round < 50; round++) {
        pthread_barrier_t go;
        pthread_t a, b;
        racer x, y;
        mll_run *r = NULL;
        CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
        pthread_barrier_init(&go, NULL, 2);
        memset(&x, 0, sizeof(x));
        x.run = r;
        x.go = &go;
        y = x;
        pthread_create(&a, NULL, end_racer, &x);
        pthread_create(&b, NULL, end_racer, &y);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        pthread_barrier_destroy(&go);
        CHECK((x.result == MLL_OK && y.result == MLL_ERR_RUN_ENDED) ||
              (y.result == MLL_OK && x.result == MLL_ERR_RUN_ENDED));
    }
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* mll_end_run racing mll_close, and two mll_close racing: each call gets OK or the
   documented error, and the run is ended exactly once. */
TEST(end_and_close_race) {
    int round;
    for (round = 0; round < 50; round++) {
        const char *root = mll_test_tmpdir();
        mll_store *s = open_store(root, 1000);
        mll_run *r = NULL;
        pthread_barrier_t go;
        pthread_t a, b, c;
        racer e, k1, k2;
        char meta[4200];
        CHECK(s != NULL);
        CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
        CHECK_EQ(mll_log_metric(r, "m", 1, 0), MLL_OK);
        snprintf(meta, sizeof(meta), "%s/meta.yaml", mll_run_dir(r));
        pthread_barrier_init(&go, NULL, 3);
        memset(&e, 0, sizeof(e));
        e.run = r;
        e.store = s;
        e.go = &go;
        k1 = k2 = e;
        pthread_create(&a, NULL, end_racer, &e);
        pthread_create(&b, NULL, close_racer, &k1);
        pthread_create(&c, NULL, close_racer, &k2);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        pthread_join(c, NULL);
        pthread_barrier_destroy(&go);
        CHECK(e.result == MLL_OK || e.result == MLL_ERR_RUN_ENDED);
        CHECK((k1.result == MLL_OK && k2.result == MLL_ERR_STORE_CLOSED) ||
              (k2.result == MLL_OK && k1.result == MLL_ERR_STORE_CLOSED));
        CHECK(strstr(mll_test_read(meta, NULL), "status: 3\n") != NULL);
        CHECK_EQ(mll_close(s), MLL_ERR_STORE_CLOSED);
    }
}

static void *start_end_loop(void *arg) {
    racer *x = (racer *)arg;
    pthread_barrier_wait(x->go);
    for (;;) {
        mll_run *r = NULL;
        mll_result res = mll_start_run(&r, x->store, NULL);
        if (res == MLL_ERR_STORE_CLOSED) {
            x->starts_closed++;
            return NULL;
        }
        if (res != MLL_OK) {
            x->result = res;
            return NULL;
        }
        x->starts_ok++;
        mll_log_metric(r, "m", 1, 0);
        res = mll_end_run(r, MLL_RUN_FINISHED);
        if (res != MLL_OK && res != MLL_ERR_RUN_ENDED) {
            x->result = res;
            return NULL;
        }
    }
}

/* mll_close while other threads start and end runs in the store: their calls succeed or
   get STORE_CLOSED / RUN_ENDED; nothing else, and no run is left RUNNING. */
TEST(close_while_other_threads_start_runs) {
    int round;
    for (round = 0; round < 5; round++) {
        const char *root = mll_test_tmpdir();
        mll_store *s = open_store(root, 1000);
        pthread_barrier_t go;
        pthread_t th[2];
        racer x[2];
        char cmd[4400];
        int i;
        CHECK(s != NULL);
        pthread_barrier_init(&go, NULL, 3);
        for (i = 0; i < 2; i++) {
            memset(&x[i], 0, sizeof(x[i]));
            x[i].store = s;
            x[i].go = &go;
            pthread_create(&th[i], NULL, start_end_loop, &x[i]);
        }
        pthread_barrier_wait(&go);
        while (x[0].starts_ok + x[1].starts_ok < 6) sched_yield();
        CHECK_EQ(mll_close(s), MLL_OK);
        for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        for (i = 0; i < 2; i++) {
            CHECK_EQ(x[i].result, MLL_OK);
            CHECK_EQ(x[i].starts_closed, 1);
        }
        snprintf(cmd, sizeof(cmd), "grep -rl 'status: 1$' %s --include=meta.yaml | grep -q .", root);
        CHECK(system(cmd) != 0); /* every run was ended */
    }
}

int main(void) {
    RUN(double_end_and_double_close_are_errors);
    RUN(pointers_that_never_were_handles);
    RUN(stale_handle_stays_stale_when_its_cell_is_reused);
    RUN(handle_limit_is_an_error);
    RUN(bad_status_is_refused_and_the_run_stays_open);
    RUN(run_name_string_survives_a_rename);
    RUN(end_run_while_other_threads_log);
    RUN(close_while_other_threads_log);
    RUN(two_threads_end_one_run);
    RUN(end_and_close_race);
    RUN(close_while_other_threads_start_runs);
    return mll_test_summary();
}
