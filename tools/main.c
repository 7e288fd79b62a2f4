/* tools/main.c — mlflow-lite: init, dispatch, cleanup. Nothing else: the
 * command line is args.c's, the configuration config.c's, a sync pass
 * sync.c's, the S3 mirror s3_mirror.c's, and every report summary.c's or
 * errors.c's. */
#define _POSIX_C_SOURCE 200809L
#include "args.h"
#include "config.h"
#include "inspect.h"
#include "msgs.h"
#include "s3_mirror.h"
#include "summary.h"
#include "sync.h"
#include "util.h"
#include "version.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

/* curl's tool_main does the same: never write into a file that happens to get fd 0-2 */
static void ensure_std_fds(void)
{
    int fd;
    for (fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1) {
            int nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (nfd != fd && nfd >= 0) close(nfd);
        }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* A failure before any pass (command line, configuration): text on stderr, and with --json an object on stdout. */
static int report(const tool_cfg *c, const tool_err *e)
{
    err_report(e);
    if (c->json) err_print_json(e);
    return e->code ? e->code : EXIT_FAILED;
}

/* help on stdout (a result), usage on stderr (a diagnostic) */
static int print_text(sbuf *b, int diagnostic, int code)
{
    if (b->oom) code = EXIT_FAILED;
    else if (diagnostic) msgs_raw(b->s);
    else helpf("%s", b->s);
    sb_free(b);
    return code;
}

static int run_mirror(const tool_cfg *c)
{
    struct s3_mirror_opts so;
    http_opts ho;
    s3_client_opts s3o;
    summary sum;
    int rc;
    sync_http_opts(c, &ho);
    sync_s3_opts(c, &s3o);
    memset(&so, 0, sizeof so);
    so.jobs = c->jobs;
    so.dry_run = c->dry_run;
    so.delete_extra = c->delete_extra;
    so.verify = c->reconcile;
    so.verbose = c->verbose;
    so.json = c->json;
    so.progress = !c->silent && !c->no_progress;
    so.state_path = c->state_path;
    so.http = &ho;
    so.s3 = &s3o;
    so.follow_symlinks = c->follow_symlinks;
    so.state_dir = c->state_dir;
    summary_init(&sum, 1, c->src, c->dest_shown, c->dry_run);
    rc = s3_mirror_run(c->src, c->dest_shown, &so, &sum);
    summary_print(&sum, c->json, c->silent);
    summary_free(&sum);
    return rc;
}

/* Passes until done: once, or with --watch until a signal (or a failure that a later pass cannot mend). */
static int run_sync(const tool_cfg *c)
{
    int rc;
    for (;;) {
        summary sum;
        summary_init(&sum, 0, c->src, c->dest_shown, c->dry_run);
        rc = sync_pass(c, &stop_flag, &sum);
        summary_print(&sum, c->json, c->silent || (rc != EXIT_OK && rc != EXIT_PARTIAL && rc != EXIT_INTERRUPTED));
        summary_free(&sum);
        if (c->watch_s <= 0 || stop_flag) break;
        if (rc != EXIT_OK && rc != EXIT_PARTIAL && rc != EXIT_CONNECT) break;
        if (sleep_ms_or_stop((long)(c->watch_s * 1000), &stop_flag)) break;
    }
    /* SIGINT while --watch waited between passes is the normal way to stop it */
    return stop_flag && c->watch_s > 0 && rc == EXIT_OK ? EXIT_OK : rc;
}

static int run(tool_cfg *c)
{
    tool_err e;
    err_clear(&e);
    msgs_set(c->silent, c->show_error, c->verbose);
    if (inspect_is_command(c->cmd)) return inspect_main(c, &stop_flag); /* a local folder: no DEST, no credentials */
    if (config_resolve(c, &e) != 0) return report(c, &e);
    if (c->kind == DEST_S3) return run_mirror(c);
    verbosef("destination %s, auth %s%s%s%s", c->dest_shown, c->auth_kind ? c->auth_kind : "none",
             c->auth_source ? " (from " : "", c->auth_source ? c->auth_source : "", c->auth_source ? ")" : "");
    if (c->insecure) verbosef("TLS verification is OFF (--insecure / MLFLOW_TRACKING_INSECURE_TLS)");
    return run_sync(c);
}

int main(int argc, char **argv)
{
    tool_cfg cfg;
    tool_err e;
    sbuf b = {0};
    int rc;
    ensure_std_fds();
    msgs_init(stderr, stdout);
    install_signals();
    memset(&cfg, 0, sizeof cfg);
    err_clear(&e);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        errorf(EXIT_FAILED, "libcurl initialisation failed");
        return EXIT_FAILED;
    }
    switch (args_parse(argc, argv, &cfg, &e)) {
    case ARGS_HELP:
        args_help_text(&b, cfg.cmd);
        rc = print_text(&b, 0, EXIT_OK);
        break;
    case ARGS_VERSION:
        helpf("mlflow-lite %s (%s)\n", MLL_TOOL_VERSION, curl_version());
        rc = EXIT_OK;
        break;
    case ARGS_NO_ARGS:
        args_usage_text(&b);
        rc = print_text(&b, 1, EXIT_USAGE);
        break;
    case ARGS_RUN:
        rc = run(&cfg);
        break;
    default:
        rc = report(&cfg, &e);
        break;
    }
    fflush(stdout);
    config_free(&cfg);
    curl_global_cleanup();
    return rc;
}
