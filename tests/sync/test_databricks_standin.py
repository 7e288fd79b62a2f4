"""DEST `databricks` / `databricks://PROFILE` against a LOCAL STAND-IN of the
documented Databricks endpoints (tests/sync/databricks_standin.py). A real
Databricks workspace is not reachable from this machine, so this test proves
the client side only: credential resolution (DATABRICKS_HOST/TOKEN,
~/.databrickscfg profiles, env over file), Bearer auth, experiment names
under a workspace path (--experiment-prefix), the tracking calls, and the
credentials-for-write artifact flow (PUT to the signed URL with the given
headers and WITHOUT the token). Tracking data are compared through
MlflowClient against the real mlflow server behind the stand-in; artifact
bytes against what arrived at the signed URLs."""
import os

from databricks_standin import DatabricksStandin
from synctest import MlflowServer, check, compare_stores, main, run_tool, workdir, write_python_store

TOKEN = "dapi" + "0123456789abcdef" * 2
PREFIX = "/Users/alice@example.com/"


def test():
    wd = workdir("dbx")
    src = write_python_store(os.path.join(wd, "src"), n_runs=2, n_steps=15)
    storage = os.path.join(wd, "signed-storage")
    with MlflowServer(os.path.join(wd, "server"),
                      extra_args=["--default-artifact-root", "dbfs:/databricks/mlflow-tracking",
                                  "--no-serve-artifacts"]) as srv, \
            DatabricksStandin(srv.url, storage, TOKEN, basic=("bob", "pw-" + TOKEN[::-1])) as dbx:
        # no credentials at all: exit 10 with a hint
        home = os.path.join(wd, "home")
        os.makedirs(home)
        p = run_tool(["sync", src, "databricks"], env={"HOME": home}, check_rc=10)
        check("DATABRICKS_HOST" in p.stderr, "missing host not explained")
        # wrong token: exit 5
        p = run_tool(["sync", "--experiment-prefix", PREFIX, src, "databricks"],
                     env={"HOME": home, "DATABRICKS_HOST": dbx.url, "DATABRICKS_TOKEN": "dapi-wrong"}, check_rc=5)
        check("HTTP 401" in p.stderr and "dapi-wrong" not in p.stderr, "401 not reported, or token printed")

        # a profile in ~/.databrickscfg; DATABRICKS_HOST in the env would win, so it is unset here
        with open(os.path.join(home, ".databrickscfg"), "w") as f:
            f.write(f"[DEFAULT]\nhost = https://wrong.invalid\ntoken = nope\n\n[stand]\nhost = {dbx.url}\ntoken = {TOKEN}\n")
        start = len(dbx.log)
        p = run_tool(["sync", "-v", "--experiment-prefix", PREFIX, src, "databricks://stand"], env={"HOME": home},
                     check_rc=0)
        check(TOKEN not in p.stderr + p.stdout, "the token was printed")
        api = [l for l in dbx.log[start:] if l[1].startswith("/api/")]
        check(api and all(a == f"Bearer {TOKEN}" for _, _, a in api), "a call without the Bearer token")
        signed = [l for l in dbx.log[start:] if l[1].startswith("/signed/")]
        check(signed and all(a is None for _, _, a in signed), "the token was sent to a signed URL")
        pairs = []
        compare_stores(src, srv.url, name_prefix=PREFIX, expect_runs=3, check_artifacts=False, pairs_out=pairs)

        # artifact bytes: local artifacts/ vs what the signed URLs received
        from mlflow import MlflowClient
        lc = MlflowClient("file://" + src)
        nfiles = 0
        for lid, rid in pairs:
            adir = lc.get_run(lid).info.artifact_uri.replace("file://", "")
            for dp, _, files in os.walk(adir):
                for fn in files:
                    rel = os.path.relpath(os.path.join(dp, fn), adir)
                    with open(os.path.join(dp, fn), "rb") as a, open(os.path.join(storage, rid, rel), "rb") as b:
                        check(a.read() == b.read(), f"artifact {rel} of run {lid} differs")
                    nfiles += 1
        check(nfiles >= 8, f"only {nfiles} artifacts compared")

        # env over file: DATABRICKS_HOST/TOKEN win over the DEFAULT profile (a fresh state: reconciles)
        n0 = len(dbx.log)
        run_tool(["sync", "--experiment-prefix", PREFIX, "--state", os.path.join(wd, "st2"), src, "databricks"],
                 env={"HOME": home, "DATABRICKS_HOST": dbx.url, "DATABRICKS_TOKEN": TOKEN}, check_rc=0)
        check(len(dbx.log) > n0, "env credentials were not used")
        compare_stores(src, srv.url, name_prefix=PREFIX, expect_runs=3, check_artifacts=False)

        # a username/password profile (as the seed tutorials configure it): HTTP Basic, password never printed
        with open(os.path.join(home, ".databrickscfg"), "a") as f:
            f.write(f"\n[legacy]\nhost = {dbx.url}\nusername = bob\npassword = pw-{TOKEN[::-1]}\n")
        start = len(dbx.log)
        p = run_tool(["sync", "-v", "--experiment-prefix", PREFIX, "--state", os.path.join(wd, "st3"), src,
                      "databricks://legacy"], env={"HOME": home}, check_rc=0)
        check(TOKEN[::-1] not in p.stderr + p.stdout and "auth basic" in p.stderr, "basic profile output")
        check(all(a and a.startswith("Basic ") for _, path, a in dbx.log[start:] if path.startswith("/api/")),
              "the legacy profile did not use HTTP Basic")
        compare_stores(src, srv.url, name_prefix=PREFIX, expect_runs=3, check_artifacts=False)


main(test)
