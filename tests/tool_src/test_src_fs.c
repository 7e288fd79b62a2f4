/* Defect 1 of issue 9: a param, tag, metric or meta.yaml that is a symbolic link
   (to /proc/self/environ or a credentials file) was read and sent. Now every
   metadata file must be a regular file reached without following any link; a
   link, FIFO or device is skipped with a problem naming it, and the secret's
   bytes appear nowhere in what the reader hands on. Also: values are read
   exactly as MLflow reads them (whole file, no stripping), with limits. */
#include "src_test_util.h"

#include "src_int.h"

#include <sys/types.h>

#define SECRET "AKIA-not-a-real-key-but-secret-7f3e9a"

static int has_secret(const char *s) { return s && strstr(s, SECRET) != NULL; }

static int kv_has_secret(const kvlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (has_secret(l->v[i].key) || has_secret(l->v[i].value)) return 1;
    return 0;
}

static int problems_have_secret(const src_problems *p)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (has_secret(p->v[i].path) || has_secret(p->v[i].why)) return 1;
    return 0;
}

/* a store whose run 1/r1 has params and tags that are links to a secret outside SRC
   and to /proc/self/environ (which holds the secret too) */
static const char *linked_store(char *secret_path, size_t n)
{
    const char *base = mll_test_tmpdir();
    static char root[4096];
    snprintf(root, sizeof root, "%s/mlruns", base);
    snprintf(secret_path, n, "%s/credentials", base);
    putf(secret_path, "[default]\naws_secret_access_key = %s\n", SECRET);
    make_exp(root, "1", "e");
    make_run(root, "1", "r1", "run", 0);
    putf(at(root, "1/r1/params/lr"), "0.1");
    link_to(secret_path, at(root, "1/r1/params/aws"));
    link_to("/proc/self/environ", at(root, "1/r1/params/env"));
    putf(at(root, "1/r1/tags/mlflow.user"), "u");
    link_to(secret_path, at(root, "1/r1/tags/t"));
    mkdirs(root, "1/tags");
    link_to(secret_path, at(root, "1/tags/exp_tag"));
    return root;
}

TEST(linked_params_and_tags_are_skipped_and_named)
{
    char secret[4096];
    const char *root;
    src_store *s;
    const src_run *r;
    src_run_files f;
    tool_err e;
    CHECK_EQ(setenv("MLL_TEST_SECRET", SECRET, 1), 0); /* /proc/self/environ now holds it */
    root = linked_store(secret, sizeof secret);
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK((r = src_store_find_run(s, "r1")) != NULL);
    CHECK_EQ(src_run_read(s, r, SRC_READ_ALL, &f, &e), 0);
    CHECK_EQ(f.params.n, 1);
    CHECK_STR(kv_get(&f.params, "lr"), "0.1");
    CHECK(find_problem(&f.problems, "1/r1/params/aws", "symbolic link") != NULL);
    CHECK(find_problem(&f.problems, "1/r1/params/env", "symbolic link") != NULL);
    CHECK(find_problem(&f.problems, "1/r1/tags/t", "symbolic link") != NULL);
    CHECK(!kv_has_secret(&f.params) && !kv_has_secret(&f.tags) && !problems_have_secret(&f.problems));
    CHECK(find_problem(src_store_problems(s), "1/tags/exp_tag", "symbolic link") != NULL);
    CHECK(!kv_has_secret(&src_store_exp(s, 0)->tags) && !problems_have_secret(src_store_problems(s)));
    CHECK(src_run_read_value(s, r, "params", "aws") == NULL);
    src_run_files_free(&f);
    src_store_close(s);
    unsetenv("MLL_TEST_SECRET");
}

TEST(a_linked_meta_yaml_or_folder_is_not_read)
{
    const char *root = mll_test_tmpdir();
    char other[4096];
    src_store *s;
    make_exp(root, "1", "e");
    make_run(root, "1", "good", "g", 0);
    make_run(root, "1", "linkmeta", "m", 0);
    unlink(at(root, "1/linkmeta/meta.yaml"));
    /* even a link to a valid meta.yaml inside SRC: metadata must be a regular file */
    link_to("../good/meta.yaml", at(root, "1/linkmeta/meta.yaml"));
    snprintf(other, sizeof other, "%s/1/good", root);
    link_to(other, at(root, "1/linkrun"));
    link_to("1", at(root, "2"));
    mkdirs(root, "1/good/tags_real");
    link_to("tags_real", at(root, "1/good/tags"));
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_store_nruns(s), 1);
    CHECK(src_store_find_run(s, "good") != NULL);
    CHECK(find_problem(src_store_problems(s), "1/linkmeta/meta.yaml", "symbolic link") != NULL);
    CHECK(find_problem(src_store_problems(s), "1/linkrun", "symbolic link") != NULL);
    CHECK(find_problem(src_store_problems(s), "2", "symbolic link") != NULL);
    {
        src_run_files f;
        tool_err e;
        CHECK_EQ(src_run_read(s, src_store_find_run(s, "good"), SRC_READ_TAGS, &f, &e), 0);
        CHECK(find_problem(&f.problems, "1/good/tags", "symbolic link") != NULL);
        src_run_files_free(&f);
    }
    src_store_close(s);
}

TEST(a_fifo_or_device_does_not_hang_or_get_opened)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    src_run_files f;
    tool_err e;
    double t0;
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "r", 0);
    CHECK_EQ(mkfifo(at(root, "1/r/params/fifo"), 0644), 0);
    CHECK_EQ(mkfifo(at(root, "1/r/meta2"), 0644), 0);
    CHECK((s = open_store(root, 0)) != NULL);
    t0 = mono_s();
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "r"), SRC_READ_ALL, &f, &e), 0);
    CHECK(mono_s() - t0 < 5);
    CHECK(find_problem(&f.problems, "1/r/params/fifo", "not a regular file") != NULL);
    src_run_files_free(&f);
    src_store_close(s);
}

TEST(values_are_read_exactly)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    src_run_files f;
    tool_err e;
    char *big;
    size_t bign = (size_t)SRC_VALUE_MAX_BYTES + 1;
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "r", 0);
    put(at(root, "1/r/params/nl"), "a\n", 2);          /* MLflow keeps the newline */
    put(at(root, "1/r/params/crlf"), "a\r\nb", 4);
    put(at(root, "1/r/params/empty"), "", 0);
    putf(at(root, "1/r/params/uni"), "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93");
    putf(at(root, "1/r/params/nested/deeper/k"), "v");  /* key "nested/deeper/k" */
    put(at(root, "1/r/params/nul"), "a\0b", 3);
    putf(at(root, "1/r/params/it's"), "bad key");
    big = malloc(bign);
    CHECK(big);
    memset(big, 'x', bign);
    put(at(root, "1/r/params/huge"), big, bign);
    free(big);
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_run_read(s, src_store_find_run(s, "r"), SRC_READ_PARAMS, &f, &e), 0);
    CHECK_STR(kv_get(&f.params, "nl"), "a\n");
    CHECK_STR(kv_get(&f.params, "crlf"), "a\r\nb");
    CHECK_STR(kv_get(&f.params, "empty"), "");
    CHECK_STR(kv_get(&f.params, "uni"), "\xc3\xa9t\xc3\xa9 \xe2\x9c\x93");
    CHECK_STR(kv_get(&f.params, "nested/deeper/k"), "v");
    CHECK(kv_get(&f.params, "nul") == NULL && find_problem(&f.problems, "params/nul", "NUL") != NULL);
    CHECK(kv_get(&f.params, "it's") == NULL && find_problem(&f.problems, "params/it's", "not a valid MLflow key"));
    CHECK(kv_get(&f.params, "huge") == NULL && find_problem(&f.problems, "params/huge", "larger than"));
    CHECK_EQ(f.params.n, 5);
    src_run_files_free(&f);
    src_store_close(s);
}

TEST(mlflow_names_rules)
{
    CHECK(src_valid_key("train/loss") && src_valid_key("a b:c.d-e_f") && src_valid_key("\xc3\xa9"));
    CHECK(!src_valid_key("") && !src_valid_key("a'b") && !src_valid_key("/a") && !src_valid_key("a/") &&
          !src_valid_key("a//b") && !src_valid_key("a/../b") && !src_valid_key("./a") && !src_valid_key("a\tb"));
    CHECK(src_valid_run_id("0123abcd") && src_valid_run_id("my-run_1"));
    CHECK(!src_valid_run_id("it's") && !src_valid_run_id("_x") && !src_valid_run_id("-x") && !src_valid_run_id("a b"));
    CHECK(src_valid_exp_id("123456789012345678") && !src_valid_exp_id("1.5") && !src_valid_exp_id(""));
}

int main(void)
{
    RUN(linked_params_and_tags_are_skipped_and_named);
    RUN(a_linked_meta_yaml_or_folder_is_not_read);
    RUN(a_fifo_or_device_does_not_hang_or_get_opened);
    RUN(values_are_read_exactly);
    RUN(mlflow_names_rules);
    return mll_test_summary();
}
