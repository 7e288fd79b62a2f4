/* misc_writer: the C side of mlflow_threads_one_run, mlflow_artifact_location and
   mlflow_no_git. Prints "<run id> <experiment id>" lines for the checker.
   threads <root> <n>: 4 threads log n points each into one run: key "t<k>" (value i,
       step i) and key "shared" (value = step = k*n+i); all timestamps explicit.
   s3 <root>: a new experiment with artifact_location s3://mll-test-bucket/prefix,
       two runs, one text artifact (written locally, for a later sync).
   plain <root>: one run with every default (used from outside a git work tree).
   interval <root>: logs 1000 points without mll_flush, prints "logged", then waits
       for a line on stdin before ending the run (the flusher must have written them).
   churn <root> <seconds>: rewrites everything MLflow reads (run names, tags, params,
       metrics, experiment tags, new runs, end/reopen) in a loop while the checker
       reads concurrently; prints "started" once the first run exists; stops when the
       file <root>.stop exists (the checker has read enough) or after <seconds>.
   diskfull <root>: fs hooks inject "disk full" (a partial write, then ENOSPC) into
       metric appends and into every other write in some rounds; prints the params
       that were logged successfully ("param <key>") and "points <n>".
   closeonly <root>: two runs, never ended: mll_close must end them FINISHED with all points.
   paramrace <root> <run id> <barrier fd> <value>: reopens the run, waits on the
       barrier, logs param "race" = value and prints the mll_result code.
   doomed <root> / doomed-run <root> / doomed-rename <root>: starts a run, logs, flushes, prints "ready <run> <exp>", waits for a
       line on stdin (Python deletes the experiment / deletes or renames the run meanwhile), then keeps logging and
       prints the result codes of flush, tag, param and end.
   rank <root> <run id> <rank>: the manual's MPI pattern: reopen the run by id, log
       20000 points under "rank<k>/loss", end it FINISHED.
   dups <root>: the same point logged twice (explicit timestamp), and a constant
       logged 2000 times at step 0 with timestamp "now" in a tight loop.
   env -: NULL descs everywhere: root, experiment and run come from MLFLOW_* (as
       when `mlflow run` launches a C program); logs into that run. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

typedef struct worker {
    mll_run *run;
    int k;
    long n;
} worker;

static void *work(void *arg) {
    worker *w = (worker *)arg;
    char key[8];
    long i;
    snprintf(key, sizeof key, "t%d", w->k);
    for (i = 0; i < w->n; i++) {
        long s = w->k * w->n + i;
        MLT_OK(mll_log_metric_at(w->run, key, (double)i, i, 1700000000000LL + i));
        MLT_OK(mll_log_metric_at(w->run, "shared", (double)s, s, 1700000000000LL + s));
        if (i % 9973 == 0) MLT_OK(mll_flush(w->run));
    }
    return NULL;
}

/* ---- fault injection for diskfull ------------------------------------------- */
enum { FAULT_NONE, FAULT_APPEND, FAULT_ALL };
static int fault_mode;
static uint64_t fault_rng = 7;
static unsigned char append_fd[4096];
static long injected;

static mll_result fault_open(const char *path, mll_open_mode mode, intptr_t *h, void *ud) {
    int flags = mode == MLL_OPEN_READ ? O_RDONLY
              : mode == MLL_OPEN_APPEND ? O_WRONLY | O_APPEND | O_CREAT
              : mode == MLL_OPEN_CREATE_EXCL ? O_WRONLY | O_CREAT | O_EXCL
              : O_WRONLY | O_CREAT | O_TRUNC;
    int fd = open(path, flags, 0666);
    (void)ud;
    if (fd < 0) return errno == EEXIST ? MLL_ERR_EXISTS : errno == ENOENT ? MLL_ERR_NOT_FOUND : MLL_ERR_IO;
    if (fd < (int)sizeof append_fd) append_fd[fd] = mode == MLL_OPEN_APPEND;
    *h = fd;
    return MLL_OK;
}

static mll_result fault_write(intptr_t h, const void *buf, size_t n, size_t *written, void *ud) {
    size_t done = 0;
    int is_append = h >= 0 && h < (intptr_t)sizeof append_fd && append_fd[h];
    (void)ud;
    if (n > 0 && (fault_mode == FAULT_ALL || (fault_mode == FAULT_APPEND && is_append))) {
        size_t part = (size_t)(mlt_rand(&fault_rng) % n); /* a partial write, then ENOSPC */
        while (done < part) {
            ssize_t r = write((int)h, (const char *)buf + done, part - done);
            if (r <= 0) break;
            done += (size_t)r;
        }
        *written = done;
        injected++;
        errno = ENOSPC;
        return MLL_ERR_NO_SPACE;
    }
    while (done < n) {
        ssize_t r = write((int)h, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            *written = done;
            return MLL_ERR_IO;
        }
        done += (size_t)r;
    }
    *written = done;
    return MLL_OK;
}

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run_desc rd = {0};
    mll_run *run = NULL;
    if (argc < 3) mlt_die("usage: misc_writer threads|s3|plain <root> [n]");
    sd.root = argv[2];
    sd.ignore_env = 1;
    if (strcmp(argv[1], "threads") == 0 && argc == 4) {
        pthread_t th[4];
        worker w[4];
        int k;
        sd.buffer_bytes = 8192; /* many inline flushes while other threads log */
        sd.flush_interval_ms = 2;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "threads";
        MLT_OK(mll_start_run(&run, st, &rd));
        for (k = 0; k < 4; k++) {
            w[k].run = run;
            w[k].k = k;
            w[k].n = atol(argv[3]);
            if (pthread_create(&th[k], NULL, work, &w[k]) != 0) mlt_die("pthread_create");
        }
        for (k = 0; k < 4; k++) pthread_join(th[k], NULL);
    } else if (strcmp(argv[1], "s3") == 0) {
        mll_run *second = NULL;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "remote artifacts";
        rd.artifact_location = "s3://mll-test-bucket/prefix";
        MLT_OK(mll_start_run(&run, st, &rd));
        MLT_OK(mll_log_text(run, "to be synced\n", "out/report.txt"));
        rd.artifact_location = "s3://other-bucket/ignored"; /* existing experiment: ignored */
        MLT_OK(mll_start_run(&second, st, &rd));
        printf("%s %s\n", mll_run_id(second), mll_run_experiment_id(second));
        MLT_OK(mll_end_run(second, MLL_RUN_FINISHED));
    } else if (strcmp(argv[1], "interval") == 0) {
        int i;
        char line[16];
        MLT_OK(mll_open(&st, &sd)); /* default flush interval: 1000 ms */
        rd.experiment_name = "interval";
        MLT_OK(mll_start_run(&run, st, &rd));
        for (i = 0; i < 1000; i++) MLT_OK(mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i));
        printf("logged %s %s\n", mll_run_id(run), mll_run_experiment_id(run));
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) mlt_die("stdin closed");
    } else if (strcmp(argv[1], "churn") == 0 && argc == 4) {
        int64_t until = mlt_now_ms() + 1000LL * atoi(argv[3]);
        long i = 0;
        char buf[64], stop[1024];
        snprintf(stop, sizeof stop, "%s.stop", argv[2]);
        sd.flush_interval_ms = 1;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "churn";
        MLT_OK(mll_start_run(&run, st, &rd));
        printf("started\n");
        fflush(stdout);
        while (mlt_now_ms() < until && access(stop, F_OK) != 0) {
            snprintf(buf, sizeof buf, "name %ld: with a colon and 'quotes'", i);
            MLT_OK(mll_set_run_name(run, buf));
            MLT_OK(mll_set_tagf(run, "counter", "%ld", i));
            MLT_OK(mll_set_tagf(run, "nested/counter", "%ld", i));
            snprintf(buf, sizeof buf, "p/%ld", i);
            MLT_OK(mll_log_param_int(run, buf, i));
            MLT_OK(mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i));
            MLT_OK(mll_set_experiment_tag(st, mll_run_experiment_id(run), "exp.counter", buf));
            if (i % 50 == 49) { /* end, reopen, and start another run */
                mll_run_desc again = {0};
                mll_run *other = NULL;
                char id[300];
                snprintf(id, sizeof id, "%s", mll_run_id(run));
                MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
                again.run_id = id;
                MLT_OK(mll_start_run(&run, st, &again));
                MLT_OK(mll_start_run(&other, st, &rd));
                MLT_OK(mll_log_metric_at(other, "m", 1.0, 0, 1700000000000LL));
                MLT_OK(mll_end_run(other, MLL_RUN_KILLED));
            }
            i++;
        }
    } else if (strcmp(argv[1], "diskfull") == 0) {
        long i = 0, r;
        int k;
        sd.fs.open = fault_open;
        sd.fs.write = fault_write;
        sd.no_flush_thread = 1;
        sd.flush_interval_ms = 1000000;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "disk full";
        MLT_OK(mll_start_run(&run, st, &rd));
        for (r = 0; r < 300; r++) {
            char key[32];
            mll_result res;
            fault_mode = r % 3 == 1 ? FAULT_APPEND : r % 6 == 2 ? FAULT_ALL : FAULT_NONE;
            for (k = 0; k < 50; k++, i++) {
                res = mll_log_metric_at(run, k % 2 ? "m" : "nested/m", (double)i, i, 1700000000000LL + i);
                if (res != MLL_OK) mlt_die("log_metric in round %ld: %s", r, mll_strerror(res));
            }
            snprintf(key, sizeof key, "p%ld", r);
            res = mll_log_param(run, key, "value");
            if (res == MLL_OK) printf("param %s\n", key);
            else if (fault_mode != FAULT_ALL) mlt_die("log_param %s without an injected fault: %s", key, mll_strerror(res));
            res = mll_flush(run);
            if (fault_mode == FAULT_NONE && res != MLL_OK) mlt_die("flush after recovery (round %ld): %s", r, mll_strerror(res));
            if (fault_mode != FAULT_NONE && res == MLL_OK) mlt_die("flush reported success during disk full (round %ld)", r);
        }
        fault_mode = FAULT_NONE;
        printf("points %ld injected %ld\n", i, injected);
    } else if (strcmp(argv[1], "closeonly") == 0) {
        mll_run *other = NULL;
        int i;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "close only";
        MLT_OK(mll_start_run(&run, st, &rd));
        MLT_OK(mll_start_run(&other, st, &rd));
        for (i = 0; i < 5000; i++) {
            MLT_OK(mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i));
            MLT_OK(mll_log_metric_at(other, "m", (double)-i, i, 1700000000000LL + i));
        }
        printf("%s %s\n%s %s\n", mll_run_id(run), mll_run_experiment_id(run), mll_run_id(other),
               mll_run_experiment_id(other));
        MLT_OK(mll_close(st)); /* no mll_end_run */
        return 0;
    } else if (strcmp(argv[1], "paramrace") == 0 && argc == 6) {
        char c;
        mll_result r;
        MLT_OK(mll_open(&st, &sd));
        rd.run_id = argv[3];
        MLT_OK(mll_start_run(&run, st, &rd));
        if (read(atoi(argv[4]), &c, 1) != 1) mlt_die("barrier");
        r = mll_log_param(run, "race", argv[5]);
        printf("%d\n", (int)r);
        MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
        MLT_OK(mll_close(st));
        return 0;
    } else if (strncmp(argv[1], "doomed", 6) == 0) {
        char line[16];
        int i;
        mll_result rf, rt, rp, re;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = argv[1];
        MLT_OK(mll_start_run(&run, st, &rd));
        for (i = 0; i < 100; i++) MLT_OK(mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i));
        MLT_OK(mll_flush(run));
        printf("ready %s %s\n", mll_run_id(run), mll_run_experiment_id(run));
        fflush(stdout);
        if (!fgets(line, sizeof line, stdin)) mlt_die("stdin closed");
        for (i = 100; i < 200; i++) mll_log_metric_at(run, "m", (double)i, i, 1700000000000LL + i);
        rf = mll_flush(run);
        rt = mll_set_tag(run, "after", "delete");
        rp = mll_log_param(run, "after", "delete");
        if (mll_log_text(run, "x", "late.txt") == MLL_OK && !argv[1][6])
            mlt_die("mll_log_text into a deleted experiment's run succeeded");
        re = mll_end_run(run, MLL_RUN_FINISHED);
        printf("codes %d %d %d %d\n", (int)rf, (int)rt, (int)rp, (int)re);
        mll_close(st);
        return 0;
    } else if (strcmp(argv[1], "rank") == 0 && argc == 5) {
        char key[32];
        int i;
        MLT_OK(mll_open(&st, &sd));
        rd.run_id = argv[3];
        MLT_OK(mll_start_run(&run, st, &rd));
        snprintf(key, sizeof key, "rank%d/loss", atoi(argv[4]));
        for (i = 0; i < 20000; i++) MLT_OK(mll_log_metric_at(run, key, 1.0 / (i + 1), i, 1700000000000LL + i));
        MLT_OK(mll_set_tagf(run, key, "%d", i));
    } else if (strcmp(argv[1], "dups") == 0) {
        int i;
        MLT_OK(mll_open(&st, &sd));
        rd.experiment_name = "duplicates";
        MLT_OK(mll_start_run(&run, st, &rd));
        MLT_OK(mll_log_metric_at(run, "twice", 0.5, 3, 1700000000000LL));
        MLT_OK(mll_log_metric_at(run, "twice", 0.5, 3, 1700000000000LL));
        for (i = 0; i < 2000; i++) MLT_OK(mll_log_metric(run, "lr", 0.01, 0));
    } else if (strcmp(argv[1], "env") == 0) {
        MLT_OK(mll_open(&st, NULL));
        MLT_OK(mll_start_run(&run, st, NULL));
        MLT_OK(mll_log_metric_at(run, "from_c", 2.5, 7, 1700000000000LL));
        MLT_OK(mll_log_param(run, "c.param", "yes"));
    } else if (strcmp(argv[1], "plain") == 0) {
        MLT_OK(mll_open(&st, &sd));
        MLT_OK(mll_start_run(&run, st, &rd));
    } else {
        mlt_die("unknown mode %s", argv[1]);
    }
    printf("%s %s\n", mll_run_id(run), mll_run_experiment_id(run));
    MLT_OK(mll_end_run(run, MLL_RUN_FINISHED));
    MLT_OK(mll_close(st));
    return 0;
}
