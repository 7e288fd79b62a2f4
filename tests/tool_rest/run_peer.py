#!/usr/bin/env python3
"""Starts a peer server, runs a C test binary against it, stops the peer.

    run_peer.py badserver --badserver badserver.py --rules rules.json -- BINARY [ARGS]
    run_peer.py mlflow --python .venv/bin/python --work DIR -- BINARY [ARGS]

The binary gets the peer's base URL in MLL_TEST_URL (and, for badserver,
the badserver script and the Python to start more of them in
MLL_TEST_BADSERVER / MLL_TEST_PYTHON). The exit code is the binary's. A peer
that cannot start is a failure (exit 2), never a skip."""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))


def start_badserver(script, rules):
    cmd = [sys.executable, script]
    if rules:
        cmd += ["--rules", rules]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline().strip()
    if not line.startswith("PORT "):
        p.kill()
        raise SystemExit("badserver did not start: %r" % line)
    return p, "http://127.0.0.1:%s" % line.split()[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("peer", choices=["badserver", "mlflow"])
    ap.add_argument("--badserver")
    ap.add_argument("--rules")
    ap.add_argument("--python")
    ap.add_argument("--work")
    argv = sys.argv[1:]
    if "--" not in argv:
        ap.error("give the test binary after --")
    k = argv.index("--")
    a = ap.parse_args(argv[:k])
    cmd = argv[k + 1:]
    env = dict(os.environ)
    if a.peer == "badserver":
        proc, url = start_badserver(a.badserver, a.rules)
        env.update(MLL_TEST_URL=url, MLL_TEST_BADSERVER=a.badserver, MLL_TEST_PYTHON=sys.executable)
        try:
            return subprocess.call(cmd, env=env)
        finally:
            proc.kill()
            proc.wait()
    from mlflow_server import MlflowServer, ServerError
    if not a.python or not os.path.exists(a.python):
        print("no Python with MLflow at %r: run scripts/setup-test-env.sh" % a.python, file=sys.stderr)
        return 2
    shutil.rmtree(a.work, ignore_errors=True)
    try:
        srv = MlflowServer(a.work, python=a.python, start_timeout=600).start()  # a loaded CI box is slow
    except ServerError as e:
        print(e, file=sys.stderr)
        return 2
    env.update(MLL_TEST_URL=srv.url)
    try:
        return subprocess.call(cmd, env=env)
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
