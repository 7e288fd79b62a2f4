"""The sync state belongs to SRC, DEST and --experiment-prefix together:
  1. a folder synced to a server, then to the same server with a new
     --experiment-prefix, arrives a second time under the prefixed names
     (before, the second sync found the first one's state and sent nothing);
  2. each pair then resyncs as a no-op (4 runs unchanged, no point sent);
  3. a --state FILE written without the prefix, given with one, is refused
     (exit 8, "another destination (or --experiment-prefix)"), never used."""
import glob
import os

from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, workdir, write_python_store

PREFIX = "copy/"


def test():
    wd = workdir("prefix")
    src = write_python_store(os.path.join(wd, "src"), n_runs=3, n_steps=40)
    with MlflowServer(os.path.join(wd, "server")) as srv:
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["runs_created"] == 4, f"first sync: {s}")
        s = summary(run_tool(["sync", "--json", "--experiment-prefix", PREFIX, src, srv.url], check_rc=0))
        check(s["runs_created"] == 4 and s["metric_points_sent"] > 0, f"the new prefix sent nothing: {s}")
        states = glob.glob(os.path.join(src, ".mlflow-lite-sync-*.jsonl"))
        check(len(states) == 2, f"expected a state per prefix, found {states}")
        compare_stores(src, srv.url, expect_runs=4)
        compare_stores(src, srv.url, expect_runs=4, name_prefix=PREFIX)

        for extra in ([], ["--experiment-prefix", PREFIX]):
            s = summary(run_tool(["sync", "--json"] + extra + [src, srv.url], check_rc=0))
            check(s["runs_unchanged"] == 4 and s["metric_points_sent"] == 0, f"resync {extra} was not a no-op: {s}")

        st = os.path.join(wd, "explicit.jsonl")
        run_tool(["sync", "--state", st, src, srv.url], check_rc=0)
        p = run_tool(["sync", "--state", st, "--experiment-prefix", "other/", src, srv.url], check_rc=8)
        check("another destination (or --experiment-prefix)" in p.stderr, f"unclear refusal: {p.stderr[-800:]}")
        compare_stores(src, srv.url, expect_runs=4)


main(test)
