/* tests/tool_cli/test_config.c — the command-line and configuration door
 * (args.c, config.c, config_env.c, errors.c, msgs.c) without the rest of the
 * tool: every case of issue 9's CLI defects that does not need a server.
 *   - options: integers and seconds with ranges (3e9, inf, nan, 0, -1, 1e30),
 *     no arguments, subcommands, grouping, --json on a parse error;
 *   - DEST: http://, http://[::1, unknown schemes, userinfo as credentials,
 *     never in base/dest_shown/messages, blanked in argv;
 *   - environment: booleans, MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE (0, abc,
 *     negative, > 5 GiB), MLFLOW_HTTP_REQUEST_*, DATABRICKS_*, the INI files
 *     (missing, a directory, an overlong line);
 *   - the error table and the JSON error object. */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700 /* nftw */
#include "args.h"
#include "config.h"
#include "errors.h"
#include "json.h"
#include "msgs.h"
#include "mll_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>

static char home[400];
static char tmproot[300];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Every variable the tool reads is unset; HOME is a fresh empty folder. */
static void clean_env(void)
{
    size_t i, n;
    const config_env_doc *d = config_env_docs(&n);
    static int k;
    for (i = 0; i < n; i++) unsetenv(d[i].name);
    if (!tmproot[0]) snprintf(tmproot, sizeof tmproot, "%.250s", mll_test_tmpdir()); /* bounded: paths below it fit */
    snprintf(home, sizeof home, "%s/home%d", tmproot, k++);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* args_parse over a NULL-terminated list (copied: args may write into argv) */
static args_action parse(tool_cfg *c, tool_err *e, const char *const *list)
{
    static char store[32][512];
    static char *argv[33];
    int argc = 0;
    memset(c, 0, sizeof *c);
    argv[argc] = store[0];
    snprintf(store[argc++], sizeof store[0], "mlflow-lite");
    for (; *list; list++, argc++) {
        snprintf(store[argc], sizeof store[0], "%s", *list);
        argv[argc] = store[argc];
    }
    argv[argc] = NULL;
    return args_parse(argc, argv, c, e);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* a parse that must fail with EXIT_USAGE and mention `needle` */
static int usage_error(const char *const *list, const char *needle)
{
    tool_cfg c;
    tool_err e;
    char msg[1200];
    args_action a = parse(&c, &e, list);
    err_format(&e, msg, sizeof msg);
    config_free(&c);
    if (a != ARGS_ERROR || e.code != EXIT_USAGE || !strstr(msg, needle)) {
        fprintf(stderr, "  expected usage error with '%s', got action %d code %d: %s\n", needle, (int)a, e.code, msg);
        return 0;
    }
    return 1;
}

TEST(no_arguments_is_usage_not_help)
{
    tool_cfg c;
    tool_err e;
    char *argv[] = {(char *)(uintptr_t) "mlflow-lite", NULL};
    memset(&c, 0, sizeof c);
    CHECK_EQ(args_parse(1, argv, &c, &e), ARGS_NO_ARGS);
    config_free(&c);
    CHECK_EQ(parse(&c, &e, ARGS("--help")), ARGS_HELP);
    CHECK_EQ(c.cmd, CMD_NONE);
    CHECK_EQ(parse(&c, &e, ARGS("-h")), ARGS_HELP);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--help")), ARGS_HELP);
    CHECK_EQ(c.cmd, CMD_SYNC);
    CHECK_EQ(parse(&c, &e, ARGS("--version")), ARGS_VERSION);
    CHECK(usage_error(ARGS("-v"), "no command given (commands: sync, check, diff, history, ls, relocate, report, runs, show)"));
    CHECK(usage_error(ARGS("push", "src"), "unknown command 'push'"));
}

TEST(sync_defaults_and_positionals)
{
    tool_cfg c;
    tool_err e;
    CHECK_EQ(parse(&c, &e, ARGS("sync", "src", "http://h")), ARGS_RUN);
    CHECK_STR(c.src, "src");
    CHECK_STR(c.dest, "http://h");
    CHECK_EQ(c.jobs, 4);
    CHECK_EQ(c.retries, -1);
    CHECK_EQ(c.json, 0);
    config_free(&c);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "src")), ARGS_RUN);
    CHECK(c.dest == NULL);
    CHECK(usage_error(ARGS("sync"), "missing SRC"));
    CHECK(usage_error(ARGS("sync", "a", "b", "c"), "too many arguments: 'c'"));
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--", "-odd-src")), ARGS_RUN);
    CHECK_STR(c.src, "-odd-src");
}

TEST(integers_are_integers_with_ranges)
{
    static const char *const bad_jobs[] = {"3e9", "inf", "nan", "0", "-1", "1e30", "65", "", "4.0", " 4", "0x4",
                                           "99999999999999999999"};
    size_t i;
    tool_cfg c;
    tool_err e;
    for (i = 0; i < sizeof bad_jobs / sizeof bad_jobs[0]; i++) {
        CHECK(usage_error(ARGS("sync", "--jobs", bad_jobs[i], "src"), "--jobs"));
        CHECK(usage_error(ARGS("sync", "--jobs", bad_jobs[i], "src"), "1..64"));
    }
    CHECK(usage_error(ARGS("sync", "--retries", "1e30", "src"), "--retries: '1e30' is not an integer in 0..100"));
    CHECK(usage_error(ARGS("sync", "--retries", "101", "src"), "--retries"));
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--jobs", "64", "--retries", "0", "src")), ARGS_RUN);
    CHECK_EQ(c.jobs, 64);
    CHECK_EQ(c.retries, 0);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "-j4", "--retries=100", "src")), ARGS_RUN);
    CHECK_EQ(c.jobs, 4);
    CHECK_EQ(c.retries, 100);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "-j", "1", "src")), ARGS_RUN);
    CHECK_EQ(c.jobs, 1);
    CHECK(usage_error(ARGS("sync", "src", "--jobs"), "--jobs needs a value (N)"));
}

TEST(seconds_are_finite_decimals_with_ranges)
{
    static const char *const bad[] = {"inf", "nan", "1e3", "-1", "604801", ".", "", "1.2.3", "+5", "5s", "Infinity"};
    static const char *const opts[] = {"--timeout", "--connect-timeout", "--retry-max-time", "--watch"};
    size_t i, j;
    tool_cfg c;
    tool_err e;
    for (j = 0; j < 4; j++)
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK(usage_error(ARGS("sync", opts[j], bad[i], "s"), opts[j]));
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--timeout", "1.5", "--watch", ".25", "--retry-max-time", "604800", "s")),
             ARGS_RUN);
    CHECK(c.timeout_s == 1.5 && c.timeout_given == 1);
    CHECK(c.watch_s == 0.25 && c.retry_max_time_s == 604800.0);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "s")), ARGS_RUN);
    CHECK_EQ(c.timeout_given, 0);
}

TEST(options_flags_lists_and_placement)
{
    tool_cfg c;
    tool_err e;
    CHECK_EQ(parse(&c, &e, ARGS("-v", "sync", "-nk", "-e", "a", "--experiment=b", "-r", "r1", "--follow-symlinks",
                                "--json", "src")),
             ARGS_RUN);
    CHECK(c.verbose && c.dry_run && c.insecure && c.follow_symlinks && c.json);
    CHECK_EQ(c.nexperiments, 2);
    CHECK_STR(c.experiments[1], "b");
    CHECK_EQ(c.nruns, 1);
    config_free(&c);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "-vsSj2", "src")), ARGS_RUN);
    CHECK(c.verbose && c.silent && c.show_error && c.jobs == 2);
    config_free(&c);
    CHECK(usage_error(ARGS("sync", "--no-such-option", "x"), "unknown option: --no-such-option"));
    CHECK(usage_error(ARGS("sync", "-X", "x"), "unknown option: -X"));
    CHECK(usage_error(ARGS("--jobs", "2", "sync", "x"), "--jobs is an option of 'sync'"));
    CHECK(usage_error(ARGS("sync", "--dry-run=1", "x"), "--dry-run takes no value"));
}

TEST(json_is_known_even_when_parsing_fails)
{
    tool_cfg c;
    tool_err e;
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--jobs", "inf", "--json", "src")), ARGS_ERROR);
    CHECK_EQ(c.json, 1);
    config_free(&c);
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--", "--json")), ARGS_RUN); /* after "--" it is SRC */
    CHECK_EQ(c.json, 0);
}

TEST(password_in_dest_is_blanked_in_argv)
{
    char a0[] = "mlflow-lite", a1[] = "sync", a2[] = "src", a3[] = "http://alice:pw-s3cr3t@host:5000/p";
    char *argv[] = {a0, a1, a2, a3, NULL};
    tool_cfg c;
    tool_err e;
    memset(&c, 0, sizeof c);
    CHECK_EQ(args_parse(4, argv, &c, &e), ARGS_RUN);
    CHECK(strstr(a3, "s3cr3t") == NULL);
    CHECK_STR(a3, "http://alice:*********@host:5000/p");
    CHECK_STR(c.dest, "http://alice:pw-s3cr3t@host:5000/p");
    config_free(&c);
}

TEST(help_and_manpage_name_every_option)
{
    sbuf help = {0}, man = {0}, usage = {0};
    size_t i, j, n, nc;
    const args_command *cmds = args_commands(&nc);
    const args_opt *common = args_common_opts(&n);
    char want[96];
    args_help_text(&help, CMD_NONE);
    args_manpage(&man, "9.9.9");
    args_usage_text(&usage);
    CHECK(help.s && man.s && usage.s && !help.oom && !man.oom);
    CHECK(strstr(help.s, "Usage: mlflow-lite sync [options] SRC [DEST]") != NULL);
    CHECK(strstr(help.s, "Exit codes:") && strstr(help.s, "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE"));
    CHECK(strstr(usage.s, "Try 'mlflow-lite --help'") != NULL);
    CHECK(strstr(man.s, ".SH EXIT CODES") && strstr(man.s, ".SH ENVIRONMENT") && strstr(man.s, "mlflow\\-lite 9.9.9"));
    for (i = 0; i < n; i++) {
        snprintf(want, sizeof want, "--%s", common[i].lname);
        CHECK(strstr(help.s, want) != NULL);
    }
    for (j = 0; j < nc; j++)
        for (i = 0; i < cmds[j].nopts; i++) {
            const char *p;
            sbuf roff = {0};
            snprintf(want, sizeof want, "--%s", cmds[j].opts[i].lname);
            CHECK(strstr(help.s, want) != NULL);
            sb_puts(&roff, "\\fB\\-\\-");
            for (p = cmds[j].opts[i].lname; *p; p++) sb_puts(&roff, *p == '-' ? "\\-" : (char[]){*p, 0});
            CHECK(strstr(man.s, roff.s) != NULL);
            sb_free(&roff);
        }
    sb_free(&help);
    sb_free(&man);
    sb_free(&usage);
}

/* ---- DEST ------------------------------------------------------------------------ */

/* args then config for `mlflow-lite sync src DEST`; returns config_resolve's code */
static int resolve(tool_cfg *c, tool_err *e, const char *dest)
{
    const char *argv_list[] = {"sync", "src", dest, NULL};
    if (!dest) argv_list[2] = NULL;
    if (parse(c, e, argv_list) != ARGS_RUN) return -1;
    return config_resolve(c, e);
}

static int no_secret(const tool_cfg *c, const tool_err *e, const char *secret)
{
    char msg[1200];
    err_format(e, msg, sizeof msg);
    return !strstr(msg, secret) && !(c->base && strstr(c->base, secret)) &&
           !(c->dest_shown && strstr(c->dest_shown, secret)) && !(c->profile && strstr(c->profile, secret));
}

TEST(dest_userinfo_becomes_basic_auth_and_is_never_shown)
{
    tool_cfg c;
    tool_err e;
    clean_env();
    CHECK_EQ(resolve(&c, &e, "http://alice:pw%40s3cr3t@Host.example:5000/prefix/"), 0);
    CHECK_EQ(c.kind, DEST_TRACKING);
    CHECK_STR(c.base, "http://Host.example:5000/prefix");
    CHECK_STR(c.dest_shown, c.base);
    CHECK_STR(c.userpwd, "alice:pw@s3cr3t");
    CHECK_STR(c.auth_kind, "basic");
    CHECK_STR(c.auth_source, "DEST");
    CHECK(no_secret(&c, &e, "s3cr3t"));
    config_free(&c);
    /* the environment does not override an explicit DEST userinfo */
    setenv("MLFLOW_TRACKING_USERNAME", "bob", 1);
    setenv("MLFLOW_TRACKING_PASSWORD", "envpw", 1);
    CHECK_EQ(resolve(&c, &e, "https://alice:s3cr3t@h"), 0);
    CHECK_STR(c.userpwd, "alice:s3cr3t");
    config_free(&c);
    /* a user without password takes the password from the environment */
    CHECK_EQ(resolve(&c, &e, "https://carol@h"), 0);
    CHECK_STR(c.userpwd, "carol:envpw");
    config_free(&c);
    clean_env();
    CHECK_EQ(resolve(&c, &e, "https://carol@h"), EXIT_CONFIG);
    CHECK(strstr(e.why, "no password") != NULL);
    config_free(&c);
}

TEST(malformed_dest_is_usage_at_once)
{
    static const struct {
        const char *dest;
        int code;
        const char *needle;
    } cases[] = {
        {"http://", EXIT_USAGE, "no host"},
        {"http://[::1", EXIT_USAGE, "not a valid URL"},
        {"http://u:s3cr3t@[::1", EXIT_USAGE, "http://***@[::1"},
        {"https://u:s3cr3t@", EXIT_USAGE, "DEST"},
        {"foo://host", EXIT_USAGE, "unknown scheme 'foo'"},
        {"localhost:5000", EXIT_USAGE, "is not a URL"},
        {"://x", EXIT_USAGE, "no valid scheme"},
        {"http://h/?x=1", EXIT_USAGE, "query"},
        {"http://h/#f", EXIT_USAGE, "fragment"},
        {"http://h a", EXIT_USAGE, "not a valid URL"},
        {"ftp://example", EXIT_UNSUPPORTED, "ftp"},
        {"file:///tmp/mlruns", EXIT_UNSUPPORTED, "file"},
        {"postgresql+psycopg2://u:s3cr3t@db/x", EXIT_UNSUPPORTED, "postgresql"},
        {"/tmp/other-mlruns", EXIT_UNSUPPORTED, "local path"},
        {"databricks://prof:prefix", EXIT_UNSUPPORTED, "secret scopes"},
        {"databricks://", EXIT_USAGE, "profile"},
        {"s3://key:s3cr3t@bucket/p", EXIT_USAGE, "AWS variables"},
        {"s3://", EXIT_USAGE, "not s3://bucket"},
        {"s3://bad bucket/p", EXIT_USAGE, "not s3://bucket"},
    };
    size_t i;
    tool_cfg c;
    tool_err e;
    char msg[1200];
    clean_env();
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = resolve(&c, &e, cases[i].dest);
        err_format(&e, msg, sizeof msg);
        if (rc != cases[i].code || !strstr(msg, cases[i].needle) || strstr(msg, "s3cr3t") || strcmp(e.what, "DEST"))
            fprintf(stderr, "  DEST %s: rc %d: %s\n", cases[i].dest, rc, msg);
        CHECK_EQ(rc, cases[i].code);
        CHECK(strstr(msg, cases[i].needle) != NULL);
        CHECK(no_secret(&c, &e, "s3cr3t"));
        config_free(&c);
    }
}

TEST(dest_kinds)
{
    tool_cfg c;
    tool_err e;
    clean_env();
    CHECK_EQ(resolve(&c, &e, "s3://bucket/some/prefix"), 0);
    CHECK_EQ(c.kind, DEST_S3);
    CHECK_STR(c.dest_shown, "s3://bucket/some/prefix");
    CHECK(c.base == NULL);
    config_free(&c);
    /* an S3 prefix may hold any character, as boto3 and MLflow take it (tests/s3 roundtrip) */
    CHECK_EQ(resolve(&c, &e, "s3://mll-bucket/team a/mlruns \xc3\xa9+=:@/"), 0);
    CHECK_STR(c.dest_shown, "s3://mll-bucket/team a/mlruns \xc3\xa9+=:@");
    config_free(&c);
    CHECK_EQ(resolve(&c, &e, "http://[::1]:5000"), 0);
    CHECK_STR(c.base, "http://[::1]:5000");
    CHECK_STR(c.auth_kind, "none");
    config_free(&c);
    CHECK_EQ(resolve(&c, &e, NULL), EXIT_USAGE);
    CHECK(strstr(e.why, "MLFLOW_TRACKING_URI") != NULL);
    config_free(&c);
    setenv("MLFLOW_TRACKING_URI", "http://u:s3cr3t@envhost:1", 1);
    setenv("MLFLOW_TRACKING_TOKEN", "tok-s3cr3t", 1);
    CHECK_EQ(resolve(&c, &e, NULL), 0);
    CHECK_STR(c.base, "http://envhost:1");
    CHECK_STR(c.auth_kind, "basic"); /* basic wins over a token, as MLflow */
    CHECK(c.bearer == NULL);
    config_free(&c);
    unsetenv("MLFLOW_TRACKING_URI");
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_STR(c.auth_kind, "bearer");
    CHECK_STR(c.bearer, "tok-s3cr3t");
    config_free(&c);
}

/* ---- environment ------------------------------------------------------------------ */

static int env_case(const char *name, const char *value, int want_code)
{
    tool_cfg c;
    tool_err e;
    char msg[1200];
    int rc;
    clean_env();
    setenv(name, value, 1);
    rc = resolve(&c, &e, "http://h");
    err_format(&e, msg, sizeof msg);
    config_free(&c);
    if (rc != want_code || (rc && !strstr(msg, name))) {
        fprintf(stderr, "  %s=%s: rc %d (want %d): %s\n", name, value, rc, want_code, msg);
        return 0;
    }
    return 1;
}

TEST(chunk_size_and_other_numbers_are_validated)
{
    static const char *const bad[] = {"0", "abc", "-5", "5368709121", "1e6", "10M", " 5", "", "99999999999999999999999"};
    size_t i;
    tool_cfg c;
    tool_err e;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(env_case("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", bad[i], bad[i][0] ? EXIT_CONFIG : 0));
    CHECK(env_case("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", "5368709120", 0));
    CHECK(env_case("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "-1", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", "0", 0));
    CHECK(env_case("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "abc", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "101", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_HTTP_REQUEST_TIMEOUT", "0", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_LITE_S3_PART_SIZE", "8M", 0));
    CHECK(env_case("MLFLOW_LITE_S3_PART_SIZE", "6G", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_LITE_S3_MULTIPART_THRESHOLD", "k", EXIT_CONFIG));
    clean_env();
    setenv("MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", "5242880", 1);
    setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "3", 1);
    setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30", 1);
    setenv("MLFLOW_LITE_S3_PART_SIZE", "16m", 1);
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_EQ(c.art.multipart_chunk, 5242880);
    CHECK_EQ(c.art.multipart_threshold, 500LL << 20);
    CHECK_EQ(c.retries, 3);
    CHECK(c.timeout_s == 30.0);
    CHECK_EQ(c.s3_part_size, 16LL << 20);
    config_free(&c);
    /* the command line wins over the environment */
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--retries", "1", "--timeout", "2", "src", "http://h")), ARGS_RUN);
    CHECK_EQ(config_resolve(&c, &e), 0);
    CHECK_EQ(c.retries, 1);
    CHECK(c.timeout_s == 2.0);
    config_free(&c);
    clean_env();
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_EQ(c.retries, 7);
    CHECK_EQ(c.art.multipart_chunk, 10LL << 20);
    config_free(&c);
}

TEST(booleans_as_mlflow_spells_them)
{
    tool_cfg c;
    tool_err e;
    CHECK(env_case("MLFLOW_TRACKING_INSECURE_TLS", "maybe", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_TRACKING_INSECURE_TLS", "yes", EXIT_CONFIG));
    CHECK(env_case("MLFLOW_TRACKING_INSECURE_TLS", "FALSE", 0));
    clean_env();
    setenv("MLFLOW_TRACKING_INSECURE_TLS", "True", 1);
    CHECK_EQ(resolve(&c, &e, "https://h"), 0);
    CHECK_EQ(c.insecure, 1);
    config_free(&c);
    /* contradictory TLS settings */
    setenv("MLFLOW_TRACKING_SERVER_CERT_PATH", "/etc/hostname", 1);
    CHECK_EQ(resolve(&c, &e, "https://h"), EXIT_CONFIG);
    CHECK(strstr(e.why, "both set") != NULL);
    config_free(&c);
    clean_env();
    CHECK(env_case("DATABRICKS_INSECURE", "2", 0)); /* read only for Databricks destinations */
    CHECK(env_case("MLFLOW_TRACKING_TOKEN", "x", 0));
}

TEST(tls_files_must_exist)
{
    tool_cfg c;
    tool_err e;
    clean_env();
    CHECK_EQ(parse(&c, &e, ARGS("sync", "--cacert", "/nonexistent/ca.pem", "src", "https://h")), ARGS_RUN);
    CHECK_EQ(config_resolve(&c, &e), EXIT_CONFIG);
    CHECK_STR(e.what, "--cacert");
    config_free(&c);
    setenv("MLFLOW_TRACKING_CLIENT_CERT_PATH", home, 1); /* a directory */
    CHECK_EQ(resolve(&c, &e, "https://h"), EXIT_CONFIG);
    CHECK_STR(e.what, "MLFLOW_TRACKING_CLIENT_CERT_PATH");
    CHECK(strstr(e.why, "directory") != NULL);
    config_free(&c);
}

TEST(secret_values_are_not_echoed)
{
    tool_err e;
    long long v = 0;
    err_clear(&e);
    setenv("SOME_TOKEN", "s3cr3t-value", 1);
    CHECK_EQ(config_env_ll("SOME_TOKEN", 0, 10, &v, &e), -1);
    CHECK(strstr(e.why, "s3cr3t") == NULL && strstr(e.why, "hidden") != NULL);
    unsetenv("SOME_TOKEN");
}

/* ---- credential files ------------------------------------------------------------ */

TEST(mlflow_credentials_file)
{
    tool_cfg c;
    tool_err e;
    char dir[600], path[700], longline[5000];
    clean_env();
    snprintf(dir, sizeof dir, "%s/.mlflow", home);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/credentials", dir);
    write_text(path, "# comment\n[other]\nmlflow_tracking_username = nobody\n[mlflow]\n"
                     "mlflow_tracking_username = fileuser\nMLFLOW_TRACKING_PASSWORD: filepw\n");
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_STR(c.userpwd, "fileuser:filepw");
    CHECK_STR(c.auth_source, "~/.mlflow/credentials");
    config_free(&c);
    setenv("MLFLOW_TRACKING_PASSWORD", "envpw", 1); /* the environment overrides per field */
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_STR(c.userpwd, "fileuser:envpw");
    config_free(&c);
    unsetenv("MLFLOW_TRACKING_PASSWORD");
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    write_text(path, longline);
    CHECK_EQ(resolve(&c, &e, "http://h"), EXIT_CONFIG);
    CHECK_STR(e.what, path);
    CHECK(strstr(e.why, "longer than 4096") != NULL);
    config_free(&c);
    unlink(path);
    mkdir(path, 0700); /* a directory where the file should be */
    CHECK_EQ(resolve(&c, &e, "http://h"), EXIT_CONFIG);
    CHECK_STR(e.what, path);
    CHECK(strstr(e.why, "directory") != NULL);
    config_free(&c);
    rmdir(path);
    CHECK_EQ(resolve(&c, &e, "http://h"), 0); /* missing: fine */
    CHECK_STR(c.auth_kind, "none");
    config_free(&c);
}

TEST(ini_reader)
{
    tool_err e;
    char path[700], *v = NULL;
    clean_env();
    snprintf(path, sizeof path, "%s/cfg", home);
    write_text(path, "[default]\nregion = eu\ns3 =\n  endpoint_url = http://minio\n  addressing_style = path\n"
                     "key = first\nkey = last\n[p2]\nregion=us\n");
    CHECK_EQ(config_ini_get(path, "default", "s3.endpoint_url", &v, &e), 0);
    CHECK_STR(v, "http://minio");
    free(v);
    CHECK_EQ(config_ini_get(path, "default", "KEY", &v, &e), 0);
    CHECK_STR(v, "last");
    free(v);
    CHECK_EQ(config_ini_get(path, "p2", "region", &v, &e), 0);
    CHECK_STR(v, "us");
    free(v);
    CHECK_EQ(config_ini_get(path, "p3", "region", &v, &e), 0);
    CHECK(v == NULL);
    CHECK_EQ(config_ini_get("/nonexistent/x", "p3", "region", &v, &e), 0);
    CHECK(v == NULL);
}

TEST(databricks)
{
    tool_cfg c;
    tool_err e;
    char path[700];
    clean_env();
    snprintf(path, sizeof path, "%s/.databrickscfg", home);
    write_text(path, "[DEFAULT]\nhost = https://adb-1.example.net/\ntoken = dapi-s3cr3t\n"
                     "[prof]\nhost = adb-2.example.net\nusername = u\npassword = p-s3cr3t\ninsecure = true\n");
    CHECK_EQ(resolve(&c, &e, "databricks"), 0);
    CHECK_EQ(c.kind, DEST_DATABRICKS);
    CHECK_STR(c.base, "https://adb-1.example.net");
    CHECK_STR(c.dest_shown, c.base);
    CHECK_STR(c.auth_kind, "bearer");
    CHECK_STR(c.profile, "DEFAULT");
    config_free(&c);
    CHECK_EQ(resolve(&c, &e, "databricks://prof"), 0);
    CHECK_STR(c.base, "https://adb-2.example.net");
    CHECK_STR(c.userpwd, "u:p-s3cr3t");
    CHECK_EQ(c.insecure, 1);
    CHECK(no_secret(&c, &e, "s3cr3t"));
    config_free(&c);
    setenv("DATABRICKS_HOST", "https://envhost.example.net", 1);
    setenv("DATABRICKS_TOKEN", "env-s3cr3t", 1);
    CHECK_EQ(resolve(&c, &e, "databricks://prof"), 0);
    CHECK_STR(c.base, "https://envhost.example.net");
    CHECK_STR(c.bearer, "env-s3cr3t");
    CHECK_STR(c.auth_source, "environment");
    config_free(&c);
    setenv("DATABRICKS_HOST", "https://x:s3cr3t@envhost", 1);
    CHECK_EQ(resolve(&c, &e, "databricks"), EXIT_CONFIG);
    CHECK(no_secret(&c, &e, "s3cr3t"));
    config_free(&c);
    setenv("DATABRICKS_HOST", "http://[::1", 1);
    CHECK_EQ(resolve(&c, &e, "databricks"), EXIT_CONFIG);
    config_free(&c);
    clean_env();
    CHECK_EQ(resolve(&c, &e, "databricks://nosuch"), EXIT_CONFIG);
    CHECK(strstr(e.why, "no host") && strstr(e.why, "[nosuch]"));
    config_free(&c);
    setenv("DATABRICKS_HOST", "https://h", 1);
    CHECK_EQ(resolve(&c, &e, "databricks"), EXIT_CONFIG);
    CHECK(strstr(e.why, "no credentials") != NULL);
    config_free(&c);
    setenv("DATABRICKS_TOKEN", "t", 1);
    setenv("DATABRICKS_INSECURE", "perhaps", 1);
    CHECK_EQ(resolve(&c, &e, "databricks"), EXIT_CONFIG);
    CHECK_STR(e.what, "DATABRICKS_INSECURE");
    config_free(&c);
}

TEST(state_dir)
{
    tool_cfg c;
    tool_err e;
    char want[700];
    clean_env();
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    snprintf(want, sizeof want, "%s/.local/state/mlflow-lite", home);
    CHECK_STR(c.state_dir, want);
    config_free(&c);
    setenv("XDG_STATE_HOME", "relative/ignored", 1);
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_STR(c.state_dir, want);
    config_free(&c);
    setenv("XDG_STATE_HOME", "/var/x", 1);
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK_STR(c.state_dir, "/var/x/mlflow-lite");
    config_free(&c);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    CHECK_EQ(resolve(&c, &e, "http://h"), 0);
    CHECK(c.state_dir == NULL);
    config_free(&c);
}

/* ---- the error table ---------------------------------------------------------------- */

TEST(error_table_and_json)
{
    char buf[4096], line[2048];
    tool_err e;
    FILE *out = tmpfile(), *err = tmpfile();
    cJSON *j;
    const char *s;
    int code;
    CHECK(out && err);
    CHECK(exit_codes_text(buf, sizeof buf, EXIT_TEXT_PLAIN) < sizeof buf);
    CHECK(strstr(buf, "   2  bad command line\n") && strstr(buf, "  10  configuration"));
    CHECK(exit_codes_text(buf, sizeof buf, EXIT_TEXT_MARKDOWN) < sizeof buf);
    CHECK(strncmp(buf, "| code | meaning | what to try |\n|---|---|---|\n| 0 |", 45) == 0);
    CHECK_EQ(exit_is_global(EXIT_PARTIAL), 0);
    CHECK_EQ(exit_is_global(EXIT_CONNECT), 1);
    CHECK_STR(exit_name(EXIT_CONFIG), "CONFIG");
    CHECK(exit_codes_text(buf, 10, EXIT_TEXT_PLAIN) > 10 && strlen(buf) == 9);
    msgs_init(err, out);
    err_set(&e, EXIT_CONFIG, "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE", "'0' is not an integer in 1..5368709120 \"q\"");
    err_print_json(&e);
    err_report(&e);
    rewind(out);
    rewind(err);
    CHECK(fgets(line, sizeof line, out) != NULL);
    j = json_parse(line, strlen(line));
    CHECK(j != NULL);
    CHECK(json_get_int(j, "exit_code", 0, 100, &code) == 0 && code == 10);
    CHECK(json_get_str(j, "class", &s) == 0 && strcmp(s, "CONFIG") == 0);
    CHECK(json_get_str(j, "what", &s) == 0 && strcmp(s, "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE") == 0);
    CHECK(json_get_str(j, "error", &s) == 0 && strstr(s, "MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: '0' is not") == s);
    CHECK(json_get_str(j, "hint", &s) == 0 && strstr(s, "fix the variable") == s);
    cJSON_Delete(j);
    CHECK(fgets(line, sizeof line, err) != NULL);
    CHECK(strncmp(line, "mlflow-lite: (10) MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE: '0' is not", 62) == 0);
    msgs_init(NULL, NULL);
    fclose(out);
    fclose(err);
}

TEST(messages_defang_control_characters)
{
    FILE *err = tmpfile();
    char line[256];
    CHECK(err != NULL);
    msgs_init(err, NULL);
    msgs_set(0, 0, 0);
    warnf("run %s", "evil\033]0;title\007\r\nmlflow-lite: forged");
    msgs_init(NULL, NULL);
    rewind(err);
    CHECK(fgets(line, sizeof line, err) != NULL);
    CHECK_STR(line, "mlflow-lite: warning: run evil?]0;title???mlflow-lite: forged\n");
    fclose(err);
}

int main(void)
{
    RUN(no_arguments_is_usage_not_help);
    RUN(sync_defaults_and_positionals);
    RUN(integers_are_integers_with_ranges);
    RUN(seconds_are_finite_decimals_with_ranges);
    RUN(options_flags_lists_and_placement);
    RUN(json_is_known_even_when_parsing_fails);
    RUN(password_in_dest_is_blanked_in_argv);
    RUN(help_and_manpage_name_every_option);
    RUN(dest_userinfo_becomes_basic_auth_and_is_never_shown);
    RUN(malformed_dest_is_usage_at_once);
    RUN(dest_kinds);
    RUN(chunk_size_and_other_numbers_are_validated);
    RUN(booleans_as_mlflow_spells_them);
    RUN(tls_files_must_exist);
    RUN(secret_values_are_not_echoed);
    RUN(mlflow_credentials_file);
    RUN(ini_reader);
    RUN(databricks);
    RUN(state_dir);
    RUN(error_table_and_json);
    RUN(messages_defang_control_characters);
    if (tmproot[0]) nftw(tmproot, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return mll_test_summary();
}
