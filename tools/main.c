/* tools/main.c — mlflow-lite: init, dispatch, cleanup. Nothing else. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "config.h"
#include "exitcodes.h"
#include "msgs.h"
#include "sync.h"
#include "util.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if MLL_HAVE_S3
#include "s3_mirror.h"
#endif

#ifndef MLL_TOOL_VERSION
#define MLL_TOOL_VERSION "0.1.0"
#endif

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void ensure_std_fds(void) /* curl's tool_main does the same: never write into a random file */
{
    int fd;
    for (fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1) {
            int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (nfd != fd && nfd >= 0) close(nfd);
        }
}

static int run_sync(sync_cfg *cfg)
{
    int rc;
    for (;;) {
        sync_summary sum;
        rc = sync_pass(cfg, &stop_flag, &sum);
        if (cfg->json) sync_print_json(cfg, &sum, rc);
        else if (!cfg->silent && (rc == EXIT_OK || rc == EXIT_PARTIAL || rc == EXIT_INTERRUPTED))
            printf("%s%ld runs: %ld created, %ld updated, %ld unchanged, %ld failed; %lld metric points, %lld "
                   "artifacts (%lld bytes), %lld requests in %.2f s\n",
                   cfg->dry_run ? "dry run: " : "", sum.runs_total, sum.runs_created, sum.runs_updated,
                   sum.runs_unchanged, sum.runs_failed, sum.metrics, sum.artifacts, sum.artifact_bytes, sum.requests,
                   sum.seconds);
        if (sum.nfail) {
            size_t i;
            errorf(rc, "%zu of %ld run(s) failed (listed below)%s: fix the cause and run the same command again, it "
                       "resumes",
                   sum.nfail, sum.runs_total, (long)sum.nfail < sum.runs_total ? "; the others are synced" : "");
            for (i = 0; i < sum.nfail && i < 20; i++) notef("  failed: run %s: %s", sum.fail_runs[i], sum.fail_msgs[i]);
        }
        fflush(stdout);
        sync_summary_free(&sum);
        if (cfg->watch_s <= 0 || stop_flag) break;
        if (rc != EXIT_OK && rc != EXIT_PARTIAL && rc != EXIT_CONNECT) break;
        {
            double until = now_s() + cfg->watch_s;
            while (!stop_flag && now_s() < until) {
                struct timespec ts = {0, 100000000L};
                nanosleep(&ts, NULL);
            }
        }
        if (stop_flag) {
            rc = rc == EXIT_OK ? EXIT_OK : rc;
            break;
        }
    }
    return rc;
}

int main(int argc, char **argv)
{
    sync_cfg cfg;
    const char *bad = NULL;
    args_result ar;
    int rc;
    struct sigaction sa;

    ensure_std_fds();
    msgs_init(stderr);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    memset(&cfg, 0, sizeof cfg);
    ar = args_parse(argc, argv, &cfg, &bad);
    if (ar == ARGS_HELP) {
        args_help();
        config_free(&cfg);
        return EXIT_OK;
    }
    if (ar == ARGS_VERSION) {
        printf("mlflow-lite %s (%s)\n", MLL_TOOL_VERSION, curl_version());
        config_free(&cfg);
        return EXIT_OK;
    }
    if (ar != ARGS_OK) {
        errorf(EXIT_USAGE, "%s%s%s: see 'mlflow-lite --help'", args_strerror(ar), bad ? ": " : "", bad ? bad : "");
        config_free(&cfg);
        return EXIT_USAGE;
    }
    msgs_set(cfg.silent, cfg.show_error, cfg.verbose);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        errorf(EXIT_FAILED, "libcurl initialisation failed");
        config_free(&cfg);
        return EXIT_FAILED;
    }
    rc = config_resolve(&cfg);
    if (rc == 0 && cfg.dest && strncmp(cfg.dest, "s3://", 5) == 0) {
#if MLL_HAVE_S3
        struct s3_mirror_opts so;
        http_opts ho;
        memset(&so, 0, sizeof so);
        memset(&ho, 0, sizeof ho);
        ho.connect_timeout_ms = (long)(cfg.connect_timeout_s * 1000);
        ho.timeout_ms = (long)(cfg.timeout_s * 1000);
        ho.retry_max_time_s = cfg.retry_max_time_s;
        ho.max_retries = cfg.retries < 0 ? 0 : (cfg.retries == 0 ? -1 : cfg.retries);
        ho.insecure = cfg.insecure;
        ho.ca_file = cfg.ca_file;
        ho.client_cert = cfg.client_cert;
        ho.client_key = cfg.client_key;
        ho.verbose = cfg.verbose;
        so.jobs = cfg.jobs;
        so.dry_run = cfg.dry_run;
        so.delete_extra = cfg.delete_extra;
        so.verify = cfg.reconcile;
        so.verbose = cfg.verbose;
        so.json = cfg.json;
        so.progress = !cfg.silent && !cfg.no_progress;
        so.state_path = cfg.state_path;
        so.http = &ho;
        rc = s3_mirror_run(cfg.src, cfg.dest, &so);
#else
        errorf(EXIT_UNSUPPORTED, "destination %s: this mlflow-lite was built without S3 support: rebuild with "
                                 "tools/s3.c present, or sync to a tracking server",
               cfg.dest);
        rc = EXIT_UNSUPPORTED;
#endif
    } else if (rc == 0) {
        verbosef("destination %s, auth %s%s", cfg.base, cfg.auth_kind ? cfg.auth_kind : "none",
                 cfg.insecure ? ", TLS verification OFF" : "");
        rc = run_sync(&cfg);
    }
    config_free(&cfg);
    curl_global_cleanup();
    return rc;
}
