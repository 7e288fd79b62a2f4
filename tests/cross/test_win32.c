/* test_win32: the Win32 backend of mlflow_lite.h under wine (scripts/stages/windows.sh):
   drive-letter roots with '\', relative roots, file:///C:/ URIs as Python's pathlib writes
   them, UTF-8 <-> UTF-16 at the edge (non-ASCII root, keys, values), paths past MAX_PATH,
   atomic replacement of a file another process holds open (with and without
   FILE_SHARE_DELETE), create-only params (hard links), reopen by id (FindFirstFileW), the
   flusher thread, and Win32 error codes. It leaves a logged folder that win_check.py has
   MLflow 3.18 read on the host.
     test_win32 <root, a Windows path>    prints "run_id=..." and "exp_id=..." lines
   Paths reach the header as UTF-8; the command line is read as UTF-16 (argv would be in
   the ANSI code page). */
#define MLFLOW_LITE_IMPLEMENTATION
#include "mlflow_lite.h"
#include "mll_test.h"

static const char *g_root;
static char g_run_id[64], g_exp_id[72];

static mll_store *open_store(const char *root, int interval_ms) {
    mll_store *s = NULL;
    mll_store_desc d;
    memset(&d, 0, sizeof(d));
    d.root = root;
    d.ignore_env = 1;
    d.flush_interval_ms = interval_ms;
    return mll_open(&s, &d) == MLL_OK ? s : NULL;
}

/* Whole file through the wide API (the test's own reader). */
static const char *read_w(const char *utf8, size_t *len) {
    static char buf[1 << 16];
    wchar_t w[MLL_MAX_PATH + 16];
    HANDLE h;
    DWORD got = 0;
    buf[0] = '\0';
    if (mll__win_wide(utf8, w, MLL_MAX_PATH + 16) != MLL_OK) return buf;
    h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE) return buf;
    ReadFile(h, buf, sizeof(buf) - 1, &got, NULL);
    CloseHandle(h);
    buf[got] = '\0';
    if (len) *len = got;
    return buf;
}

/* The store's root URI, a private field (mll_store * is a handle, not the struct). */
static const char *root_uri(const mll_store *h, char *buf, size_t cap) {
    mll_result r;
    mll_store *s = mll__store_enter(h, &r);
    buf[0] = '\0';
    if (!s) return buf;
    snprintf(buf, cap, "%s", s->root_uri);
    mll__store_leave(s);
    return buf;
}

TEST(drive_root_backslashes_and_uris) {
    mll_store *s = open_store(g_root, 0);
    char want[MLL_MAX_PATH];
    size_t i;
    CHECK(s != NULL);
    /* '\' became '/', the drive letter stays as written */
    snprintf(want, sizeof(want), "%s", g_root);
    for (i = 0; want[i]; i++)
        if (want[i] == '\\') want[i] = '/';
    CHECK_STR(mll_store_root(s), want);
    {
        char u[MLL_MAX_PATH * 3 + 8];
        root_uri(s, u, sizeof(u));
        CHECK(strncmp(u, "file:///", 8) == 0 && u[9] == ':' && u[10] == '/');
    }
    CHECK_EQ(mll_close(s), MLL_OK);
    /* the same root as a file: URI (percent-encoded UTF-8) opens the same folder */
    {
        mll_store *s2 = open_store(g_root, 0), *s3;
        char uri[MLL_MAX_PATH * 3 + 8];
        CHECK(s2 != NULL);
        root_uri(s2, uri, sizeof(uri));
        s3 = open_store(uri, 0);
        CHECK(s3 != NULL);
        CHECK_STR(mll_store_root(s3), mll_store_root(s2));
        mll_close(s3);
        mll_close(s2);
    }
}

TEST(log_a_run_for_mlflow) {
    mll_store *s = open_store(g_root, 0);
    mll_run *r = NULL, *r2 = NULL;
    mll_run_desc rd;
    char path[MLL_MAX_PATH], key[300], cfg[MLL_MAX_PATH];
    static const double vals[] = {0.1, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.125, 1e16, 0.5};
    int i;
    FILE *f;
    CHECK(s != NULL);
    memset(&rd, 0, sizeof(rd));
    rd.experiment_name = "windows-\xc3\xa9t\xc3\xa9";     /* "windows-été" */
    rd.run_name = "wine-\xe6\x97\xa5\xe6\x9c\xac";        /* "wine-日本" */
    rd.source_name = "C:\\Program Files\\train\\train.exe";
    CHECK_EQ(mll_start_run(&r, s, &rd), MLL_OK);
    snprintf(g_run_id, sizeof(g_run_id), "%s", mll_run_id(r));
    snprintf(g_exp_id, sizeof(g_exp_id), "%s", mll_run_experiment_id(r));
    CHECK(strncmp(mll_run_artifact_uri(r), "file:///", 8) == 0);
    CHECK_EQ(mll_log_param(r, "lr", "0.01"), MLL_OK);
    CHECK_EQ(mll_log_param(r, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", "\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87"), MLL_OK);
    CHECK_EQ(mll_log_param(r, "lr", "0.02"), MLL_ERR_PARAM_CHANGED); /* create-only: a hard link */
    CHECK_EQ(mll_log_metric(r, "a:b", 1.0, 0), MLL_ERR_INVALID_KEY); /* an NTFS stream: refused as MLflow does */
    CHECK_EQ(mll_set_tag(r, "note", "\xf0\x9f\x98\x80 emoji"), MLL_OK);
    for (i = 0; i < 8; i++) CHECK_EQ(mll_log_metric_at(r, "v", vals[i], i, 1795305600000LL + i), MLL_OK);
    for (i = 0; i < 100; i++) CHECK_EQ(mll_log_metric_at(r, "train/loss", 1.0 / (i + 1), i, 1795305600000LL + i), MLL_OK);
    /* a key whose file path passes MAX_PATH (260): needs the \\?\ prefix */
    memset(key, 'k', 240);
    key[60] = key[120] = key[180] = '/';
    key[240] = '\0';
    CHECK(strlen(mll_run_dir(r)) + strlen("/metrics/") + 240 > 260);
    CHECK_EQ(mll_log_metric_at(r, key, 2.5, 0, 1795305600000LL), MLL_OK);
    CHECK_EQ(mll_log_text(r, "h\xc3\xa9llo\r\n", "notes/readme.txt"), MLL_OK);
    /* a local file named the Windows way, with '\' */
    snprintf(cfg, sizeof(cfg), "%s\\..\\config.yaml", g_root);
    f = fopen(cfg, "wb");
    CHECK(f != NULL);
    fputs("lr: 0.01\n", f);
    fclose(f);
    CHECK_EQ(mll_log_artifact(r, cfg, "configs"), MLL_OK);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    /* reopen by id: the store lists experiment folders with FindFirstFileW */
    memset(&rd, 0, sizeof(rd));
    rd.run_id = g_run_id;
    CHECK_EQ(mll_start_run(&r2, s, &rd), MLL_OK);
    CHECK_EQ(mll_log_metric_at(r2, "train/loss", 0.001, 100, 1795305600100LL), MLL_OK);
    CHECK_EQ(mll_end_run(r2, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
    snprintf(path, sizeof(path), "%s/%s/%s/metrics/train/loss", g_root, g_exp_id, g_run_id);
    CHECK(strstr(read_w(path, NULL), "1795305600100 0.001 100\n") != NULL);
}

/* A reader thread holds tags/t open for 300 ms. */
typedef struct reader_arg {
    const char *path;
    DWORD share;
    HANDLE opened;
} reader_arg;
static unsigned __stdcall reader(void *p) {
    reader_arg *a = (reader_arg *)p;
    wchar_t w[MLL_MAX_PATH + 16];
    HANDLE h;
    mll__win_wide(a->path, w, MLL_MAX_PATH + 16);
    h = CreateFileW(w, GENERIC_READ, a->share, NULL, OPEN_EXISTING, 0, NULL);
    SetEvent(a->opened);
    Sleep(300);
    if (h != INVALID_HANDLE_VALUE) CloseHandle(h);
    return 0;
}

/* Replacing a file that a reader holds: readers that share delete (ours) never block it;
   Python's open() does not share delete, so the rename is retried until the reader lets go. */
TEST(rename_over_a_file_held_open) {
    mll_store *s = open_store(g_root, 0);
    mll_run *r = NULL;
    char path[MLL_MAX_PATH];
    int round;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_set_tag(r, "t", "v0"), MLL_OK);
    snprintf(path, sizeof(path), "%s/tags/t", mll_run_dir(r));
    for (round = 0; round < 2; round++) {
        reader_arg a;
        HANDLE th;
        char v[8];
        a.path = path;
        a.share = round == 0 ? (FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE) : FILE_SHARE_READ;
        a.opened = CreateEventW(NULL, TRUE, FALSE, NULL);
        th = (HANDLE)_beginthreadex(NULL, 0, reader, &a, 0, NULL);
        CHECK(th != NULL);
        WaitForSingleObject(a.opened, INFINITE);
        snprintf(v, sizeof(v), "v%d", round + 1);
        CHECK_EQ(mll_set_tag(r, "t", v), MLL_OK);
        WaitForSingleObject(th, INFINITE);
        CloseHandle(th);
        CloseHandle(a.opened);
        CHECK_STR(read_w(path, NULL), v);
    }
    CHECK_EQ(mll_end_run(r, MLL_RUN_KILLED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* The flusher (a Win32 thread, SRW lock and condition variable) writes without mll_flush. */
TEST(flusher_thread_writes_within_the_interval) {
    mll_store *s = open_store(g_root, 100);
    mll_run *r = NULL;
    char path[MLL_MAX_PATH];
    int waited;
    CHECK(s != NULL);
    CHECK_EQ(mll_start_run(&r, s, NULL), MLL_OK);
    CHECK_EQ(mll_log_metric_at(r, "m", 1.0, 0, 1795305600000LL), MLL_OK);
    snprintf(path, sizeof(path), "%s/metrics/m", mll_run_dir(r));
    for (waited = 0; waited < 3000 && !strstr(read_w(path, NULL), "1795305600000 1.0 0\n"); waited += 50) Sleep(50);
    CHECK(waited < 3000);
    CHECK_EQ(mll_end_run(r, MLL_RUN_FINISHED), MLL_OK);
    CHECK_EQ(mll_close(s), MLL_OK);
}

/* A relative root resolves against GetCurrentDirectoryW; errors map to our codes. */
TEST(relative_root_and_errors) {
    wchar_t old[MLL_MAX_PATH], w[MLL_MAX_PATH + 16];
    char parent[MLL_MAX_PATH];
    mll_store *s;
    mll_store_desc d;
    mll_stat st;
    snprintf(parent, sizeof(parent), "%s\\..", g_root);
    GetCurrentDirectoryW(MLL_MAX_PATH, old);
    CHECK(mll__win_wide(parent, w, MLL_MAX_PATH + 16) == MLL_OK && SetCurrentDirectoryW(w));
    s = open_store("rel-mlruns", 0);
    SetCurrentDirectoryW(old);
    CHECK(s != NULL);
    CHECK(strstr(mll_store_root(s), "/rel-mlruns") != NULL && mll_store_root(s)[1] == ':');
    CHECK_EQ(mll_close(s), MLL_OK);
    CHECK_EQ(mll__win_stat("Z:/no/such/dir/x", &st, NULL), MLL_OK);
    CHECK_EQ(st.exists, 0);
    CHECK_EQ(mll__win_mkdir("Z:/no/such/dir/x", NULL), MLL_ERR_NOT_FOUND);
    memset(&d, 0, sizeof(d));
    d.root = "Z:/tmp/\xff\xfe-invalid-utf8";
    d.ignore_env = 1;
    s = NULL;
    CHECK(mll_open(&s, &d) == MLL_ERR_INVALID_UTF8 && s == NULL);
}

int main(void) {
    /* argv is in the ANSI code page on Windows: take the UTF-16 command line instead */
    static char root[MLL_MAX_PATH];
    int argc = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!wargv || argc != 2 || !mll__win_utf8(wargv[1], root, (int)sizeof(root), 0)) return 2;
    LocalFree(wargv);
    g_root = root;
    RUN(drive_root_backslashes_and_uris);
    RUN(log_a_run_for_mlflow);
    RUN(rename_over_a_file_held_open);
    RUN(flusher_thread_writes_within_the_interval);
    RUN(relative_root_and_errors);
    printf("run_id=%s\nexp_id=%s\n", g_run_id, g_exp_id);
    return mll_test_summary();
}
