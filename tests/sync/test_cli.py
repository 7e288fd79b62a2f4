"""The command line: --help/--version, numbered exit codes with
"what failed: why: what to try" messages, DEST from MLFLOW_TRACKING_URI,
--dry-run (prints a plan, sends nothing, writes no state), --json (one JSON
line, nothing else on stdout), --experiment/--run filters, bearer tokens
(MLFLOW_TRACKING_TOKEN -> Authorization: Bearer, never printed), no progress
meter when stderr is not a terminal."""
import glob
import json
import os
import re
import socket

from counting_proxy import CountingProxy
from synctest import MlflowServer, check, compare_stores, main, run_tool, workdir, write_python_store


def header_version():
    """MLL_VERSION_* of mlflow_lite.h: the tool's version (tools/version.h)."""
    with open(os.path.join(os.path.dirname(__file__), "..", "..", "mlflow_lite.h"), encoding="utf-8") as f:
        text = f.read()
    return ".".join(re.search(rf"#define MLL_VERSION_{p} +(\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH"))


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test():
    wd = workdir("cli")
    p = run_tool(["--help"], check_rc=0)
    check("Usage: mlflow-lite sync" in p.stdout and "Exit codes" in p.stdout and "--dry-run" in p.stdout, "help text")
    p = run_tool(["--version"], check_rc=0)
    check(p.stdout.startswith(f"mlflow-lite {header_version()} ("), f"version line: {p.stdout!r}")
    p = run_tool(["sync", "--no-such-option", "x"], check_rc=2)
    check("mlflow-lite: (2) unknown option: --no-such-option" in p.stderr, "usage error message")
    p = run_tool(["sync", "--jobs", "abc", "x", "http://h"], check_rc=2)
    p = run_tool(["sync", os.path.join(wd, "nothing")], check_rc=2)  # no DEST, no MLFLOW_TRACKING_URI
    check("MLFLOW_TRACKING_URI" in p.stderr, "missing DEST explained")
    os.makedirs(os.path.join(wd, "not-a-store", "x"))
    p = run_tool(["sync", os.path.join(wd, "not-a-store"), "http://127.0.0.1:9"], check_rc=3)
    check("mlflow-lite: (3) cannot read the source" in p.stderr, "bad source message")
    p = run_tool(["sync", wd, "ftp://example"], check_rc=9)
    p = run_tool(["sync", wd, "http://127.0.0.1:9"],
                 env={"MLFLOW_TRACKING_INSECURE_TLS": "true", "MLFLOW_TRACKING_SERVER_CERT_PATH": "/x.pem"}, check_rc=10)
    p = run_tool(["sync", wd, "http://127.0.0.1:9"], env={"MLFLOW_TRACKING_INSECURE_TLS": "maybe"}, check_rc=10)

    src = write_python_store(os.path.join(wd, "src"), n_runs=3, n_steps=20)
    # unreachable server: exit 4 with the reason and a hint, quickly (bounded retries)
    p = run_tool(["sync", "--retry-max-time", "2", src, f"http://127.0.0.1:{closed_port()}"], check_rc=4)
    check("(4)" in p.stderr and "Couldn't connect" in p.stderr and "is the server running" in p.stderr,
          "unreachable server message")
    check("retry 1/" in p.stderr, "each retry should print one warning line")
    for f in glob.glob(os.path.join(src, ".mlflow-lite-sync-*")):
        os.unlink(f)

    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        # dry run: a plan on stdout, no request, no state
        p = run_tool(["sync", "--dry-run", src, px.url], check_rc=0)
        check(px.requests == [], f"--dry-run sent {px.requests}")
        check("create-or-reconcile run" in p.stdout and "create-or-reuse experiment 'sync exp α'" in p.stdout,
              f"plan not printed: {p.stdout}")
        check(not glob.glob(os.path.join(src, ".mlflow-lite-sync-*")), "--dry-run wrote a state file")

        # -e / -r naming nothing: said at once, exit 2, no request (issue 9, CLI)
        p = run_tool(["sync", "-e", "no such experiment", src, px.url], check_rc=2)
        check("--experiment 'no such experiment' matches no experiment" in p.stderr, f"-e: {p.stderr[-300:]}")
        p = run_tool(["sync", "--json", "-r", "0" * 32, src, px.url], check_rc=2)
        check("--run '" + "0" * 32 + "' matches no run" in p.stderr, f"-r: {p.stderr[-300:]}")
        check(px.requests == [], f"a filter naming nothing sent {px.requests}")

        # --experiment filter + DEST from MLFLOW_TRACKING_URI + bearer token + --json
        token = "tok-" + "z" * 20
        p = run_tool(["sync", "--json", "-v", "--experiment", "second/exp", src],
                     env={"MLFLOW_TRACKING_URI": px.url, "MLFLOW_TRACKING_TOKEN": token}, check_rc=0)
        lines = [l for l in p.stdout.splitlines() if l.strip()]
        check(len(lines) == 1, f"--json must print exactly one line on stdout: {p.stdout!r}")
        s = json.loads(lines[0])
        check(s["runs_total"] == 1 and s["runs_created"] == 1, f"--experiment filter: {s}")
        check(token not in p.stderr + p.stdout, "the token was printed")
        check(px.auth and all(a == f"Bearer {token}" for a in px.auth), f"Authorization headers: {set(px.auth)}")
        agent = f"mlflow-lite/{header_version()}"
        check(px.agents and all(a == agent for a in px.agents), f"User-Agent headers: {set(px.agents)}, want {agent}")
        check("\r" not in p.stderr, "progress meter drawn although stderr is not a terminal")
        compare_stores(src, srv.url, experiments=["second/exp"], expect_runs=1)

        # --run filter: exactly that run
        from mlflow import MlflowClient
        lc = MlflowClient("file://" + src)
        e1 = lc.get_experiment_by_name("sync exp α")
        one = lc.search_runs([e1.experiment_id], filter_string="attributes.run_name = 'parent'")[0].info.run_id
        p = run_tool(["sync", "--json", "--run", one, src, px.url], check_rc=0)
        s = json.loads(p.stdout.strip().splitlines()[-1])
        check(s["runs_total"] == 1 and s["runs_created"] == 1, f"--run filter: {s}")

        # a second sync of the same folder to the same destination while one runs: exit 8
        import fcntl
        st = glob.glob(os.path.join(src, ".mlflow-lite-sync-*.jsonl"))
        check(len(st) == 1, f"state files: {st}")
        with open(st[0] + ".lock", "a") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            p = run_tool(["sync", src, px.url], check_rc=8)
            check("another mlflow-lite sync" in p.stderr, "the lock conflict is not explained")

        # then everything; compare all
        run_tool(["sync", "-j", "4", src, px.url], check_rc=0)
        compare_stores(src, srv.url, expect_runs=4)

        # on a terminal the progress meter is drawn on stderr (and stdout stays clean)
        import pty
        import subprocess
        from synctest import tool
        master, slave = pty.openpty()
        q = subprocess.run([tool(), "sync", src, px.url], stderr=slave, stdout=subprocess.PIPE, text=True)
        os.close(slave)
        drawn = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            drawn += chunk
        os.close(master)
        check(q.returncode == 0 and b"\r" in drawn and b"4/4 runs" in drawn, f"no progress meter on a tty: {drawn!r}")
        check("\r" not in q.stdout, "progress leaked to stdout")


main(test)
