/* mll_test.h - the in-house test harness: no vendored framework, no skips.
   TEST(name) defines a case; CHECK* record a failure and leave the case; main() from
   MLL_TEST_MAIN(...) runs the cases and prints "N passed, M failed". Helpers make a
   fresh temporary folder per case and read files back. */
#ifndef MLL_TEST_H
#define MLL_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <dirent.h>

#if defined(__GNUC__) || defined(__clang__)
#define MLL_TEST_UNUSED __attribute__((unused))
#else
#define MLL_TEST_UNUSED
#endif

MLL_TEST_UNUSED static int mll_test_failed_flag;
MLL_TEST_UNUSED static int mll_test_passed, mll_test_failed;

#define TEST(name) static void name(void)
#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);      \
            mll_test_failed_flag = 1;                                                      \
            return;                                                                        \
        }                                                                                  \
    } while (0)
#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long va_ = (long long)(a), vb_ = (long long)(b);                              \
        if (va_ != vb_) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %s (%lld vs %lld)\n", __FILE__, \
                    __LINE__, #a, #b, va_, vb_);                                           \
            mll_test_failed_flag = 1;                                                      \
            return;                                                                        \
        }                                                                                  \
    } while (0)
#define CHECK_STR(a, b)                                                                    \
    do {                                                                                   \
        const char *sa_ = (a), *sb_ = (b);                                                 \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                       \
            fprintf(stderr, "%s:%d: CHECK_STR failed: %s == %s (\"%s\" vs \"%s\")\n",      \
                    __FILE__, __LINE__, #a, #b, sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
            mll_test_failed_flag = 1;                                                      \
            return;                                                                        \
        }                                                                                  \
    } while (0)

typedef void (*mll_test_fn)(void);
MLL_TEST_UNUSED static void mll_test_run(const char *name, mll_test_fn fn) {
    mll_test_failed_flag = 0;
    fn();
    if (mll_test_failed_flag) {
        mll_test_failed++;
        fprintf(stderr, "FAIL %s\n", name);
    } else {
        mll_test_passed++;
        printf("ok   %s\n", name);
    }
}
#define RUN(name) mll_test_run(#name, name)
MLL_TEST_UNUSED static int mll_test_summary(void) {
    printf("%d passed, %d failed\n", mll_test_passed, mll_test_failed);
    return mll_test_failed ? 1 : 0;
}

/* A fresh folder under $TMPDIR (or /tmp) for one case. */
MLL_TEST_UNUSED static const char *mll_test_tmpdir(void) {
    static char path[512];
    const char *base = getenv("TMPDIR");
    snprintf(path, sizeof(path), "%s/mll-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(path)) {
        perror("mkdtemp");
        exit(2);
    }
    return path;
}

/* Whole file into a static buffer ("" if missing); *len gets the size. */
MLL_TEST_UNUSED static const char *mll_test_read(const char *path, size_t *len) {
    static char buf[16 << 20];
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

MLL_TEST_UNUSED static int mll_test_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

/* Number of entries in a folder (recursively), to prove nothing extra was created. */
MLL_TEST_UNUSED static int mll_test_count_tree(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d) return 0;
    while ((e = readdir(d)) != NULL) {
        char p[1024];
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        n++;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) n += mll_test_count_tree(p);
    }
    closedir(d);
    return n;
}
#endif
