/* rt_writer: the C side of test mlflow_roundtrip. Writes a rich scenario through
   the public API only and records every successful call as one JSON line in a
   manifest; rt_check.py replays the manifest into the expected state and compares
   it with what MLflow reads.
   usage: rt_writer <root> <manifest.jsonl> <scratch-dir> [fsync]
   "fsync": MLL_DURABILITY_FSYNC and no background flusher (the other I/O path). */
#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mlt.h"

static FILE *man;
static int use_fsync;

static void ev_begin(const char *ev, const char *run_id) {
    fprintf(man, "{\"ev\":\"%s\",\"run\":", ev);
    mlt_json_str(man, run_id);
}
static void ev_kv(const char *k, const char *v) {
    fprintf(man, ",\"%s\":", k);
    mlt_json_str(man, v);
}
static void ev_int(const char *k, long long v) { fprintf(man, ",\"%s\":%lld", k, v); }
static void ev_end(void) {
    fputs("}\n", man);
    fflush(man);
}

static void exp_created(const char *name, const char *id) {
    ev_begin("exp", NULL);
    ev_kv("name", name);
    ev_kv("id", id);
    ev_end();
}

/* Starts a run and records what MLflow must show for it. */
static mll_run *start(mll_store *st, const mll_run_desc *rd, const char *user_expect,
                      const char *source_expect) {
    mll_run *run = NULL;
    int64_t t0 = mlt_now_ms();
    size_t i;
    MLT_OK(mll_start_run(&run, st, rd));
    int64_t t1 = mlt_now_ms();
    if (!run) mlt_die("mll_start_run gave MLL_OK and a NULL run");
    ev_begin(rd->run_id ? "reopen" : "run", mll_run_id(run));
    ev_kv("exp", mll_run_experiment_id(run));
    ev_kv("name", mll_run_name(run));
    if (!rd->run_id) {
        ev_kv("user", user_expect);
        ev_kv("source", source_expect);
        ev_kv("parent", rd->parent_run_id);
        ev_kv("description", rd->description);
        if (rd->start_time_ms) {
            ev_int("start_min", rd->start_time_ms);
            ev_int("start_max", rd->start_time_ms);
        } else {
            ev_int("start_min", t0);
            ev_int("start_max", t1);
        }
    }
    ev_end();
    for (i = 0; i < rd->num_tags; i++) {
        ev_begin("tag", mll_run_id(run));
        ev_kv("key", rd->tags[i].key);
        ev_kv("value", rd->tags[i].value);
        ev_end();
    }
    if (rd->run_name && strcmp(rd->run_name, mll_run_name(run)) != 0)
        mlt_die("run name '%s' came back as '%s'", rd->run_name, mll_run_name(run));
    return run;
}

static void end(mll_run *run, mll_run_status status) {
    char id[300];
    snprintf(id, sizeof id, "%s", mll_run_id(run));
    int64_t t0 = mlt_now_ms();
    MLT_OK(mll_end_run(run, status));
    int64_t t1 = mlt_now_ms();
    ev_begin("end", id);
    ev_int("status", status == MLL_RUN_STATUS_DEFAULT ? MLL_RUN_FINISHED : status);
    ev_int("end_min", t0);
    ev_int("end_max", t1);
    ev_end();
}

static void param_rec(mll_run *run, const char *key, const char *value) {
    ev_begin("param", mll_run_id(run));
    ev_kv("key", key);
    ev_kv("value", value);
    ev_end();
}
static void param(mll_run *run, const char *key, const char *value) {
    MLT_OK(mll_log_param(run, key, value));
    param_rec(run, key, value);
}
static void tag(mll_run *run, const char *key, const char *value) {
    MLT_OK(mll_set_tag(run, key, value));
    ev_begin("tag", mll_run_id(run));
    ev_kv("key", key);
    ev_kv("value", value);
    ev_end();
}
static void deltag(mll_run *run, const char *key) {
    MLT_OK(mll_delete_tag(run, key));
    ev_begin("deltag", mll_run_id(run));
    ev_kv("key", key);
    ev_end();
}
static void metric_rec(mll_run *run, const char *key, double v, int64_t step, int64_t ts_min,
                       int64_t ts_max) {
    ev_begin("metric", mll_run_id(run));
    ev_kv("key", key);
    fprintf(man, ",\"bits\":\"%016llx\"", (unsigned long long)mlt_bits(v));
    ev_int("step", step);
    ev_int("ts_min", ts_min);
    ev_int("ts_max", ts_max);
    ev_end();
}
static void metric_at(mll_run *run, const char *key, double v, int64_t step, int64_t ts) {
    MLT_OK(mll_log_metric_at(run, key, v, step, ts));
    metric_rec(run, key, v, step, ts, ts);
}
/* "now" comes from the kernel's coarse clock by default (header manual: exact to its
   tick, 1-10 ms), which may lag CLOCK_REALTIME by up to one tick. */
#define MLT_COARSE_MS 10
static void metric_now(mll_run *run, const char *key, double v, int64_t step) {
    int64_t t0 = mlt_now_ms() - MLT_COARSE_MS;
    MLT_OK(mll_log_metric(run, key, v, step));
    metric_rec(run, key, v, step, t0, mlt_now_ms());
}
static void artifact_rec(mll_run *run, const char *path, const void *data, size_t n) {
    ev_begin("artifact", mll_run_id(run));
    ev_kv("path", path);
    fputs(",\"hex\":", man);
    mlt_json_hex(man, data, n);
    ev_end();
}

/* A run left RUNNING: a child process starts it, flushes and exits without ending it. */
static void running_child(const char *root, const char *manifest) {
    pid_t pid;
    int status = 0;
    fflush(NULL);
    pid = fork();
    if (pid < 0) mlt_die("fork: %s", strerror(errno));
    if (pid == 0) {
        mll_store_desc sd = {0};
        mll_store *st = NULL;
        mll_run_desc rd = {0};
        mll_run *run;
        man = fopen(manifest, "a");
        if (!man) mlt_die("child: cannot open %s", manifest);
        sd.root = root;
        sd.ignore_env = 1;
        if (use_fsync) {
            sd.durability = MLL_DURABILITY_FSYNC;
            sd.no_flush_thread = 1;
        }
        MLT_OK(mll_open(&st, &sd));
        /* no experiment name: the Default experiment "0" */
        rd.run_name = "still-running";
        rd.user = "carol";
        rd.source_name = "job.sh";
        run = start(st, &rd, "carol", "job.sh");
        param(run, "phase", "warmup");
        metric_at(run, "progress", 0.25, 1, 1700000000100LL);
        metric_at(run, "progress", 0.5, 2, 1700000000200LL);
        MLT_OK(mll_flush(run));
        fclose(man);
        _exit(0); /* no mll_end_run, no mll_close: the run stays RUNNING */
    }
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        mlt_die("RUNNING-run child failed (status %d)", status);
}

int main(int argc, char **argv) {
    mll_store_desc sd = {0};
    mll_store *st = NULL;
    mll_run *a, *b, *c, *d;
    char alpha_id[300], path[4096], run_a_id[300];
    unsigned char bin[256];
    const char *cfg = "lr: 0.01\nlayers: [64, 64]\n";
    int i;

    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "fsync") == 0))
        mlt_die("usage: rt_writer <root> <manifest> <scratch> [fsync]");
    use_fsync = argc == 5;
    man = fopen(argv[2], "w");
    if (!man) mlt_die("cannot open %s", argv[2]);
    sd.root = argv[1];
    sd.ignore_env = 1;
    if (use_fsync) {
        sd.durability = MLL_DURABILITY_FSYNC;
        sd.no_flush_thread = 1;
    }
    MLT_OK(mll_open(&st, &sd));

    /* ---- run A: experiment "rt-alpha" (created by the run), FINISHED, the rich one -- */
    {
        static const mll_tag init_tags[] = {{"init.tag", "from desc"}, {"team", "vision"}};
        mll_run_desc rd = {0};
        rd.experiment_name = "rt-alpha";
        rd.run_name = "finished-run";
        rd.user = "alice";
        rd.source_name = "train.py";
        rd.start_time_ms = 1700000000000LL;
        rd.tags = init_tags;
        rd.num_tags = 2;
        rd.description = "a run with *everything*\nsecond line";
        a = start(st, &rd, "alice", "train.py");
    }
    snprintf(run_a_id, sizeof run_a_id, "%s", mll_run_id(a));
    MLT_OK(mll_get_experiment_id(st, "rt-alpha", alpha_id, sizeof alpha_id));
    if (strcmp(alpha_id, mll_run_experiment_id(a)) != 0)
        mlt_die("mll_get_experiment_id(rt-alpha)=%s but run is in %s", alpha_id, mll_run_experiment_id(a));
    exp_created("rt-alpha", alpha_id);
    MLT_OK(mll_set_experiment_tag(st, alpha_id, "owner", "ml-team"));
    MLT_OK(mll_set_experiment_tag(st, alpha_id, "mlflow.note.content", "experiment notes\nline 2"));
    MLT_OK(mll_set_experiment_tag(st, alpha_id, "nested/exp/tag", "deep"));
    fprintf(man, "{\"ev\":\"exp_tag\",\"exp\":\"%s\",\"key\":\"owner\",\"value\":\"ml-team\"}\n", alpha_id);
    fprintf(man, "{\"ev\":\"exp_tag\",\"exp\":\"%s\",\"key\":\"mlflow.note.content\",\"value\":\"experiment notes\\nline 2\"}\n", alpha_id);
    fprintf(man, "{\"ev\":\"exp_tag\",\"exp\":\"%s\",\"key\":\"nested/exp/tag\",\"value\":\"deep\"}\n", alpha_id);

    /* params: plain, typed helpers, printf, nested keys, unicode, empty, multi-line */
    param(a, "lr", "0.01");
    MLT_OK(mll_log_param_int(a, "epochs", 10));
    param_rec(a, "epochs", "10");
    MLT_OK(mll_log_param_int(a, "neg", -9223372036854775807LL - 1));
    param_rec(a, "neg", "-9223372036854775808");
    MLT_OK(mll_log_param_double(a, "wd", 1e-05));
    param_rec(a, "wd", "1e-05");
    MLT_OK(mll_log_param_double(a, "momentum", 0.9));
    param_rec(a, "momentum", "0.9");
    MLT_OK(mll_log_param_double(a, "one", 1.0));
    param_rec(a, "one", "1.0");
    MLT_OK(mll_log_param_double(a, "big", 1e16));
    param_rec(a, "big", "1e+16");
    MLT_OK(mll_log_param_double(a, "third", 1.0 / 3.0));
    param_rec(a, "third", "0.3333333333333333");
    MLT_OK(mll_log_param_bool(a, "shuffle", 1));
    param_rec(a, "shuffle", "True");
    MLT_OK(mll_log_param_bool(a, "augment", 0));
    param_rec(a, "augment", "False");
    MLT_OK(mll_log_paramf(a, "fmt", "%d-%s-%05.2f", 3, "x", 2.5));
    param_rec(a, "fmt", "3-x-02.50");
    param(a, "model/layers/0", "conv3x3");
    param(a, "model/layers/1", "relu");
    param(a, "opt/name", "adam");
    param(a, "unicode", "\xc3\xbc \xc3\xb1 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89");
    param(a, "multi line", "line 1\nline 2\n");
    param(a, "empty", "");
    param(a, "spaces:and-dots.v1", "  padded  ");
    /* immutability: same value OK (no new event), other value rejected */
    MLT_OK(mll_log_param(a, "lr", "0.01"));
    MLT_EXPECT(mll_log_param(a, "lr", "0.02"), MLL_ERR_PARAM_CHANGED);
    MLT_EXPECT(mll_log_param(a, "../escape", "x"), MLL_ERR_INVALID_KEY);

    /* tags: set, overwrite, delete, printf, nested */
    tag(a, "stage", "first");
    tag(a, "stage", "second");
    tag(a, "to-delete", "x");
    deltag(a, "to-delete");
    MLT_OK(mll_set_tagf(a, "formatted", "%s=%d", "k", 42));
    ev_begin("tag", run_a_id); ev_kv("key", "formatted"); ev_kv("value", "k=42"); ev_end();
    tag(a, "a/b/c", "nested tag");
    tag(a, "json", "{\"k\": [1, 2, \"three\"]}");

    /* metrics: several keys, explicit timestamps, negative steps, nested keys */
    for (i = 0; i < 100; i++) metric_at(a, "loss", 1.0 / (i + 1), i, 1700000001000LL + i * 10);
    for (i = -5; i < 5; i++) metric_at(a, "acc", 0.5 + i * 0.01, i, 1700000002000LL + (i + 5));
    metric_at(a, "val/acc", 0.91, 999, 1732300000000LL);
    metric_at(a, "val/acc", 0.92, 999, 1732300000001LL); /* same step, later time */
    metric_at(a, "val/acc", 0.90, 1000, 1732300000000LL);
    metric_at(a, "big step", 1.5, 9007199254740993LL, 1700000003000LL);
    metric_at(a, "neg step", -2.5, -9007199254740993LL, 1700000003001LL);
    metric_at(a, "zero ts", 7.0, 0, 0);
    metric_at(a, "neg zero", -0.0, 0, 1700000003002LL);
    metric_at(a, "tiny", 5e-324, 0, 1700000003003LL);
    metric_now(a, "now", 3.0, 1);
    metric_now(a, "now", 4.0, 2);
    {
        mll_metric batch[3];
        int64_t t0 = mlt_now_ms() - MLT_COARSE_MS;
        memset(batch, 0, sizeof batch);
        batch[0].key = "batch/x"; batch[0].value = 1.25; batch[0].step = 1; batch[0].timestamp_ms = 1700000004000LL;
        batch[1].key = "batch/y"; batch[1].value = -1e300; batch[1].step = 1; batch[1].timestamp_ms = 1700000004001LL;
        batch[2].key = "batch/x"; batch[2].value = 2.5; batch[2].step = 2; batch[2].timestamp_ms = 0; /* now */
        MLT_OK(mll_log_metrics(a, batch, 3));
        metric_rec(a, "batch/x", 1.25, 1, 1700000004000LL, 1700000004000LL);
        metric_rec(a, "batch/y", -1e300, 1, 1700000004001LL, 1700000004001LL);
        metric_rec(a, "batch/x", 2.5, 2, t0, mlt_now_ms());
    }
    {
        mll_metric m[1];
        mll_param p[2] = {{"batch.param", "bp"}, {"batch/nested", "bn"}};
        mll_tag t[1] = {{"batch.tag", "bt"}};
        mll_metric bad[1];
        memset(m, 0, sizeof m);
        m[0].key = "batch/z"; m[0].value = 42.0; m[0].step = 7; m[0].timestamp_ms = 1700000005000LL;
        MLT_OK(mll_log_batch(a, m, 1, p, 2, t, 1));
        metric_rec(a, "batch/z", 42.0, 7, 1700000005000LL, 1700000005000LL);
        param_rec(a, "batch.param", "bp");
        param_rec(a, "batch/nested", "bn");
        ev_begin("tag", run_a_id); ev_kv("key", "batch.tag"); ev_kv("value", "bt"); ev_end();
        /* all or nothing: a bad key in a batch logs nothing */
        memset(bad, 0, sizeof bad);
        bad[0].key = "a//b"; bad[0].value = 1.0; bad[0].timestamp_ms = 1;
        {
            mll_param p2[1] = {{"never.logged", "x"}};
            MLT_EXPECT(mll_log_batch(a, bad, 1, p2, 1, NULL, 0), MLL_ERR_INVALID_KEY);
        }
    }

    /* artifacts: a file (root and sub-dir), text, bytes with NULs, deep sub-dirs */
    snprintf(path, sizeof path, "%s/config.yaml", argv[3]);
    mlt_write_file(path, cfg, strlen(cfg));
    MLT_OK(mll_log_artifact(a, path, "configs"));
    artifact_rec(a, "configs/config.yaml", cfg, strlen(cfg));
    MLT_OK(mll_log_artifact(a, path, NULL));
    artifact_rec(a, "config.yaml", cfg, strlen(cfg));
    MLT_OK(mll_log_artifact(a, path, "deep/er/dir"));
    artifact_rec(a, "deep/er/dir/config.yaml", cfg, strlen(cfg));
    MLT_OK(mll_log_text(a, "hello\n", "notes/readme.txt"));
    artifact_rec(a, "notes/readme.txt", "hello\n", 6);
    MLT_OK(mll_log_text(a, "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89", "unicode.txt"));
    artifact_rec(a, "unicode.txt", "\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x8e\x89", 11);
    for (i = 0; i < 256; i++) bin[i] = (unsigned char)i;
    MLT_OK(mll_log_bytes(a, bin, sizeof bin, "bin/all-bytes.bin"));
    artifact_rec(a, "bin/all-bytes.bin", bin, sizeof bin);
    MLT_OK(mll_log_bytes(a, "", 0, "bin/empty.bin"));
    artifact_rec(a, "bin/empty.bin", "", 0);

    /* ---- run B: nested child of A, FAILED ----------------------------------------- */
    {
        mll_run_desc rd = {0};
        rd.experiment_name = "rt-alpha";
        rd.run_name = "child-run";
        rd.parent_run_id = run_a_id;
        rd.user = "alice";
        rd.source_name = "train.py";
        b = start(st, &rd, "alice", "train.py");
    }
    if (strcmp(mll_run_experiment_id(b), alpha_id) != 0) mlt_die("child run not in rt-alpha");
    param(b, "fold", "3");
    for (i = 0; i < 20; i++) metric_at(b, "fold/loss", 2.0 - i * 0.1, i, 1700000010000LL + i);
    end(b, MLL_RUN_FAILED);
    end(a, MLL_RUN_FINISHED);

    /* ---- run C: experiment "rt-beta", KILLED, defaults for user/source/name ------ */
    {
        mll_run_desc rd = {0};
        const char *user = getenv("MLT_EXPECT_USER");
        const char *exe = getenv("MLT_EXPECT_SOURCE");
        rd.experiment_name = "rt-beta";
        c = start(st, &rd, user ? user : "", exe ? exe : "");
        exp_created("rt-beta", mll_run_experiment_id(c));
    }
    metric_now(c, "m", 1.0, 0);
    tag(c, "killed.by", "test");
    end(c, MLL_RUN_KILLED);

    /* ---- run D: a second run in rt-beta by name (reuses the experiment) ---------- */
    {
        mll_run_desc rd = {0};
        rd.experiment_name = "rt-beta";
        rd.run_name = "second in beta";
        rd.user = "bob";
        rd.source_name = "eval.py";
        d = start(st, &rd, "bob", "eval.py");
    }
    MLT_OK(mll_set_run_name(d, "renamed run"));
    ev_begin("rename", mll_run_id(d)); ev_kv("name", "renamed run"); ev_end();
    metric_at(d, "m", 2.0, 0, 1700000020000LL);
    end(d, MLL_RUN_FINISHED);

    /* ---- reopen A by id (a job restart) and append ------------------------------- */
    {
        mll_run_desc rd = {0};
        rd.run_id = run_a_id;
        a = start(st, &rd, NULL, NULL);
    }
    if (strcmp(mll_run_name(a), "finished-run") != 0) mlt_die("reopened run lost its name: '%s'", mll_run_name(a));
    for (i = 100; i < 110; i++) metric_at(a, "loss", 1.0 / (i + 1), i, 1700000001000LL + i * 10);
    param(a, "resumed", "yes");
    param(a, "lr", "0.01"); /* same value again after reopen: OK */
    MLT_EXPECT(mll_log_param(a, "lr", "0.5"), MLL_ERR_PARAM_CHANGED);
    tag(a, "stage", "third");
    MLT_OK(mll_log_text(a, "after restart\n", "notes/restart.txt"));
    artifact_rec(a, "notes/restart.txt", "after restart\n", 14);
    end(a, MLL_RUN_FINISHED);

    MLT_OK(mll_close(st));
    fclose(man);

    /* ---- run E: left RUNNING by a child process that exits without ending it ------- */
    running_child(argv[1], argv[2]);
    return 0;
}
