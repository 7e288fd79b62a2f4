/* Artifacts under the link policy (defect 1 of issue 9). Python MLflow's
   log_artifacts copies a file link's target and only makes an empty folder for a
   folder link (checked against MLflow 3.18's LocalArtifactRepository: a loop
   makes it fail as a whole). We read a file link that stays inside SRC, never
   descend a folder link, read a link out of SRC only with --follow-symlinks, and
   skip loops and dangling links with a problem naming the link. */
#include "src_test_util.h"

static const src_artifact *find_art(const src_artifacts *a, const char *rel)
{
    size_t i;
    for (i = 0; i < a->n; i++)
        if (!strcmp(a->v[i].rel, rel)) return &a->v[i];
    return NULL;
}

/* SRC = <base>/mlruns; <base>/outside/secret.txt is outside it */
static const char *links_store(char *base_out, size_t n)
{
    const char *base = mll_test_tmpdir();
    static char root[4096];
    char p[4200];
    snprintf(base_out, n, "%s", base);
    snprintf(root, sizeof root, "%s/mlruns", base);
    snprintf(p, sizeof p, "%s/outside/secret.txt", base);
    putf(p, "secret outside SRC");
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "r", 0);
    make_run(root, "1", "q", "q", 0);
    putf(at(root, "1/q/artifacts/shared.bin"), "0123456789");
    putf(at(root, "1/r/artifacts/model/MLmodel"), "flavors: {}\n");
    putf(at(root, "1/r/artifacts/plot.png"), "png");
    putf(at(root, "1/r/artifacts/.artifact.uploading.x1y2"), "half written by MLflow");
    link_to("../../q/artifacts/shared.bin", at(root, "1/r/artifacts/in_src"));
    link_to(p, at(root, "1/r/artifacts/out_of_src"));
    link_to("../../../../outside/secret.txt", at(root, "1/r/artifacts/dotdot_out"));
    snprintf(p, sizeof p, "%s/1/q/artifacts/shared.bin", root);
    link_to(p, at(root, "1/r/artifacts/abs_in_src"));
    link_to("model", at(root, "1/r/artifacts/dirlink"));
    link_to("loop_b", at(root, "1/r/artifacts/loop_a"));
    link_to("loop_a", at(root, "1/r/artifacts/loop_b"));
    link_to("nothing_here", at(root, "1/r/artifacts/dangling"));
    mkfifo(at(root, "1/r/artifacts/fifo"), 0644);
    return root;
}

TEST(links_inside_src_are_read_others_are_named)
{
    char base[4096];
    const char *root = links_store(base, sizeof base);
    src_store *s;
    src_artifacts a;
    tool_err e;
    const src_artifact *x;
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    print_problems(&a.problems);
    CHECK(find_art(&a, "model/MLmodel") && find_art(&a, "plot.png"));
    CHECK((x = find_art(&a, "in_src")) != NULL && x->size == 10);
    CHECK(find_art(&a, "abs_in_src") != NULL);
    CHECK(!find_art(&a, ".artifact.uploading.x1y2") && !find_problem(&a.problems, NULL, "uploading"));
    CHECK(!find_art(&a, "out_of_src") && find_problem(&a.problems, "artifacts/out_of_src", "--follow-symlinks"));
    CHECK(!find_art(&a, "dotdot_out") && find_problem(&a.problems, "artifacts/dotdot_out", "--follow-symlinks"));
    CHECK(!find_art(&a, "dirlink") && find_problem(&a.problems, "artifacts/dirlink", "not descended"));
    CHECK(find_problem(&a.problems, "artifacts/loop_a", "loop") && find_problem(&a.problems, "artifacts/loop_b", "loop"));
    CHECK(find_problem(&a.problems, "artifacts/dangling", "dangling") != NULL);
    CHECK(find_problem(&a.problems, "artifacts/fifo", "not a regular file") != NULL);
    CHECK_EQ(a.n, 4);
    CHECK_EQ(a.problems.n, 7);
    CHECK(strcmp(a.v[0].rel, a.v[1].rel) < 0 && strcmp(a.v[2].rel, a.v[3].rel) < 0); /* sorted */
    src_artifacts_free(&a);
    src_store_close(s);
}

static int read_fd(int fd, char *buf, size_t n)
{
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got < 0) return -1;
    buf[got] = '\0';
    return 0;
}

TEST(opening_follows_the_same_policy)
{
    char base[4096], buf[256];
    const char *root = links_store(base, sizeof base);
    src_store *s;
    const src_run *r;
    long long size = 0;
    tool_err e;
    int fd;
    CHECK((s = open_store(root, 0)) != NULL);
    r = src_store_find_run(s, "r");
    CHECK((fd = src_artifact_open(s, r, "in_src", &size, &e)) >= 0);
    CHECK_EQ(read_fd(fd, buf, sizeof buf), 0);
    CHECK_STR(buf, "0123456789");
    CHECK_EQ(size, 10);
    CHECK_EQ(src_artifact_open(s, r, "out_of_src", &size, &e), -1);
    CHECK(strstr(e.why, "out of SRC") != NULL);
    CHECK_EQ(src_artifact_open(s, r, "../../q/artifacts/shared.bin", &size, &e), -1);
    CHECK_EQ(src_artifact_open(s, r, "/etc/passwd", &size, &e), -1);
    CHECK_EQ(src_artifact_open(s, r, "dirlink", &size, &e), -1);
    CHECK_EQ(src_artifact_open(s, r, "fifo", &size, &e), -1);
    src_store_close(s);
}

TEST(follow_symlinks_reads_links_out_of_src)
{
    char base[4096], buf[256];
    const char *root = links_store(base, sizeof base);
    src_store *s;
    src_artifacts a;
    long long size;
    tool_err e;
    int fd;
    CHECK((s = open_store(root, 1)) != NULL);
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    CHECK(find_art(&a, "out_of_src") && find_art(&a, "dotdot_out"));
    CHECK(find_problem(&a.problems, "artifacts/dirlink", "not descended") != NULL); /* never */
    CHECK(find_problem(&a.problems, "artifacts/loop_a", "loop") != NULL);
    src_artifacts_free(&a);
    CHECK((fd = src_artifact_open(s, src_store_find_run(s, "r"), "out_of_src", &size, &e)) >= 0);
    CHECK_EQ(read_fd(fd, buf, sizeof buf), 0);
    CHECK_STR(buf, "secret outside SRC");
    src_store_close(s);
}

/* artifact_uri names a folder elsewhere on this machine */
TEST(an_artifact_location_outside_src)
{
    const char *base = mll_test_tmpdir();
    char root[4096], meta[4200], elsewhere[4200];
    src_store *s;
    src_artifacts a;
    tool_err e;
    snprintf(root, sizeof root, "%s/mlruns", base);
    snprintf(elsewhere, sizeof elsewhere, "%s/store%%20two/abc", base); /* as a URI: "store%20two" */
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "r", 0);
    snprintf(meta, sizeof meta, "%s/store two/abc/far.txt", base);
    putf(meta, "far");
    putf(at(root, "1/r/artifacts/near.txt"), "near");
    snprintf(meta, sizeof meta, "%s/1/r/meta.yaml", root);
    putf(meta, "artifact_uri: file://%s\nexperiment_id: '1'\nrun_id: r\nstart_time: 1\nstatus: 3\nuser_id: u\n",
         elsewhere);
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    CHECK(a.n == 1 && !strcmp(a.v[0].rel, "near.txt")); /* <run>/artifacts is used instead */
    CHECK(find_problem(&a.problems, "1/r", "outside SRC") != NULL);
    src_artifacts_free(&a);
    src_store_close(s);
    CHECK((s = open_store(root, 1)) != NULL);
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    CHECK(a.n == 1 && !strcmp(a.v[0].rel, "far.txt"));
    src_artifacts_free(&a);
    src_store_close(s);
    putf(meta, "artifact_uri: file:///C:/Users/u/mlruns/1/r/artifacts\nexperiment_id: '1'\nrun_id: r\n"
               "start_time: 1\nstatus: 3\nuser_id: u\n");
    CHECK((s = open_store(root, 1)) != NULL); /* a Windows path is never local */
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    CHECK(a.n == 1 && !strcmp(a.v[0].rel, "near.txt") && a.problems.n == 0);
    src_artifacts_free(&a);
    src_store_close(s);
}

/* a store moved elsewhere: artifact_uri names the old place, the files are in <run>/artifacts */
TEST(a_moved_store_uses_its_own_folder)
{
    const char *root = mll_test_tmpdir();
    src_store *s;
    src_artifacts a;
    tool_err e;
    make_exp(root, "1", "e");
    make_run(root, "1", "r", "r", 0);
    putf(at(root, "1/r/meta.yaml"), "artifact_uri: file:///nonexistent/old/place/1/r/artifacts\nexperiment_id: '1'\n"
                                    "run_id: r\nstart_time: 1\nstatus: 3\nuser_id: u\n");
    putf(at(root, "1/r/artifacts/a.txt"), "a");
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_artifacts_list(s, src_store_find_run(s, "r"), &a, &e), 0);
    CHECK(a.n == 1 && a.problems.n == 0);
    src_artifacts_free(&a);
    src_store_close(s);
}

TEST(every_file_for_the_s3_mirror)
{
    char base[4096], buf[64];
    const char *root = links_store(base, sizeof base);
    src_store *s;
    src_artifacts a;
    tool_err e;
    long long size;
    int fd;
    CHECK((s = open_store(root, 0)) != NULL);
    CHECK_EQ(src_list_all_files(s, &a, &e), 0);
    CHECK(find_art(&a, "1/meta.yaml") && find_art(&a, "1/r/meta.yaml") && find_art(&a, "1/r/artifacts/in_src"));
    CHECK(!find_art(&a, "1/r/artifacts/out_of_src"));
    CHECK(find_problem(&a.problems, "1/r/artifacts/out_of_src", "--follow-symlinks") != NULL);
    src_artifacts_free(&a);
    CHECK((fd = src_open_file(s, "1/q/artifacts/shared.bin", &size, &e)) >= 0);
    CHECK_EQ(read_fd(fd, buf, sizeof buf), 0);
    CHECK(size == 10 && !strcmp(buf, "0123456789"));
    CHECK_EQ(src_open_file(s, "1/r/artifacts/out_of_src", &size, &e), -1);
    CHECK_EQ(src_open_file(s, "../outside/secret.txt", &size, &e), -1);
    src_store_close(s);
}

int main(void)
{
    RUN(links_inside_src_are_read_others_are_named);
    RUN(opening_follows_the_same_policy);
    RUN(follow_symlinks_reads_links_out_of_src);
    RUN(an_artifact_location_outside_src);
    RUN(a_moved_store_uses_its_own_folder);
    RUN(every_file_for_the_s3_mirror);
    return mll_test_summary();
}
