"""Shared helpers of the MLflow interop test drivers (tests/mlflow/*.py).

Every driver runs under ${MLL_PYTHON} (the .venv with MLflow 3.18.0, the judge).
A driver collects every mismatch in a Checker and exits 1 if there was any; a
missing MLflow is an ImportError, i.e. a failure, never a skip.
"""
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import argparse
import json
import logging
import shutil
import struct
import subprocess
import tempfile
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import mlflow  # noqa: E402  (the judge must be importable: ImportError fails the test)

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
JUDGE_VERSION = "3.18.0"


def check_judge():
    if mlflow.__version__ != JUDGE_VERSION:
        print(f"FAIL: the judge must be MLflow {JUDGE_VERSION}, found {mlflow.__version__} "
              f"in {sys.executable}")
        sys.exit(1)


class Checker:
    """Collects failures; prints the first ones and exits non-zero at the end."""

    def __init__(self, name):
        self.name = name
        self.errors = []
        self.checks = 0

    def eq(self, got, want, what):
        self.checks += 1
        if got != want:
            self.errors.append(f"{what}: got {got!r}, expected {want!r}")
            return False
        return True

    def true(self, cond, what):
        self.checks += 1
        if not cond:
            self.errors.append(what)
        return bool(cond)

    def fail(self, what):
        self.checks += 1
        self.errors.append(what)

    def finish(self):
        if self.errors:
            print(f"{self.name}: {len(self.errors)} failure(s) out of {self.checks} checks")
            for e in self.errors[:60]:
                print("  FAIL", e[:600])
            if len(self.errors) > 60:
                print(f"  ... and {len(self.errors) - 60} more")
            sys.exit(1)
        if self.checks == 0:
            print(f"{self.name}: no checks ran")
            sys.exit(1)
        print(f"{self.name}: OK ({self.checks} checks)")
        sys.exit(0)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True, help="scratch folder for this test")
    p.add_argument("--bin", action="append", default=[], help="NAME=PATH of a C program")
    p.add_argument("--python2", default="", help="python of the 2.x reader")
    if extra:
        extra(p)
    a = p.parse_args()
    a.bins = dict(b.split("=", 1) for b in a.bin)
    return a


def fresh_dir(work, name):
    d = os.path.join(work, name)
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    return d


def run(cmd, check=True, **kw):
    """Runs a command; on failure prints its output and raises."""
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    p = subprocess.run(cmd, **kw)
    if check and p.returncode != 0:
        out = p.stdout.decode(errors="replace") if isinstance(p.stdout, bytes) else p.stdout
        err = p.stderr.decode(errors="replace") if isinstance(p.stderr, bytes) else p.stderr
        raise RuntimeError(f"command failed ({p.returncode}): {cmd}\n--- stdout\n{out}\n--- stderr\n{err}")
    return p


def writer_env(**extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("MLFLOW_") and k != "MLFLOW_ALLOW_FILE_STORE":
            del env[k]
    env.update(extra)
    return env


def dump(uri, python=None, artifacts=True):
    cmd = [python or sys.executable, os.path.join(HERE, "mlt_dump.py"), uri]
    if artifacts:
        cmd.append("--artifacts")
    p = run(cmd)
    return json.loads(p.stdout)


def migrate(root, db_path):
    """mlflow migrate-filestore into a fresh sqlite file (the tool prompts if it exists)."""
    if os.path.exists(db_path):
        os.unlink(db_path)
    cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    return run([cli, "migrate-filestore", "--source", root, "--target", "sqlite:///" + db_path],
               stdin=subprocess.DEVNULL)


def bits(v):
    return format(struct.unpack("<Q", struct.pack("<d", float(v)))[0], "016x")


def from_bits(h):
    return struct.unpack("<d", struct.pack("<Q", int(h, 16)))[0]


def git_info(path):
    """(commit, branch) of the git work tree containing path, or (None, None)."""
    try:
        c = subprocess.run(["git", "-C", path, "rev-parse", "HEAD"], capture_output=True, text=True)
        b = subprocess.run(["git", "-C", path, "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True,
                           text=True)
    except OSError:
        return None, None
    if c.returncode != 0:
        return None, None
    return c.stdout.strip(), b.stdout.strip()


def tree(path):
    """Set of relative paths (dirs end with '/') below path, path itself excluded."""
    out = set()
    for d, dirs, files in os.walk(path):
        rel = os.path.relpath(d, path)
        for x in dirs:
            out.add(os.path.normpath(os.path.join(rel, x)) + "/")
        for x in files:
            out.add(os.path.normpath(os.path.join(rel, x)))
    return out


def store_files(root):
    """(path, name) of every file below root, but for the staging folders
    "<root>/.mll-stage-*" a killed experiment creation may leave (the header's manual):
    MLflow skips every root folder whose name ends in ".trash" and migrate-filestore only
    takes integer names, so their contents are not checked."""
    for d, dirs, files in os.walk(root):
        if os.path.dirname(d) == root.rstrip(os.sep) and os.path.basename(d).startswith(".mll-stage"):
            dirs[:] = []
            continue
        for f in files:
            yield os.path.join(d, f), f


def leftovers(root):
    """Temp files / staging dirs the header must not leave behind after a clean close."""
    bad = []
    for d, dirs, files in os.walk(root):
        for x in dirs + files:
            if x.startswith(".mll-tmp") or x.startswith(".mll-stage"):
                bad.append(os.path.relpath(os.path.join(d, x), root))
    return bad
