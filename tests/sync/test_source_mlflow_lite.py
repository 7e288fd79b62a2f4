"""A source folder written by mlflow_lite.h (tests/sync/lite_writer.c): synced
to the real server, every field equal through MlflowClient on both sides,
artifact bytes included; a resync sends nothing."""
import os
import subprocess
import sys

from counting_proxy import CountingProxy
from synctest import MlflowServer, check, compare_stores, main, run_tool, summary, workdir


def test():
    writer = sys.argv[2]
    wd = workdir("lite")
    src = os.path.join(wd, "mlruns")
    art = os.path.join(wd, "weights.bin")
    with open(art, "wb") as f:
        f.write(os.urandom(300000))
    subprocess.run([writer, src, art], check=True)
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        s = summary(run_tool(["sync", "--json", src, px.url], check_rc=0))
        check(s["runs_created"] == 4 and s["runs_failed"] == 0, f"summary {s}")
        compare_stores(src, srv.url, expect_runs=4)
        px.reset()
        run_tool(["sync", src, px.url], check_rc=0)
        check(px.requests == [], f"resync sent {px.requests}")


main(test)
