"""LoggedModels arrive exactly once: after a lost sync state and after SIGKILLs.

    test_logged_models_once.py TOOL FOLDER [--kills N] [--seed S] [--backend file|sqlite]

FOLDER is a corpus folder with MLflow 3 LoggedModels (gen-3.18-registry).
Against a fresh real MLflow 3.18 server with a file-store backend (which keeps
every repeated metric point, so a point sent twice shows; --backend sqlite:
an SQL one, which refuses a run output logged twice):
  1. the tool is SIGKILLed N times at random moments of a sync, then N times
     a random number of requests into its LoggedModel stage (the same state
     file each time), then a sync runs to the end;
  2. the state file is deleted and the folder synced again (the LoggedModels
     must be found by their marker tag, not created a second time);
  3. tags of LoggedModels are changed, deleted and added in the folder and it
     is synced again;
then expected.compare() must find no difference: no LoggedModel twice, each
model's metrics, params, tags, artifacts and status as MLflow reads them from
the folder, run outputs and versions linked to the remote copies, every run
metric history without a repeated point. Fails, never skips.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import expected  # noqa: E402
from mlflow_server import MlflowServer  # noqa: E402


def sync_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "DATABRICKS_"))}


def killed_sync(tool, src, url, state, after_s):
    """Starts a sync and SIGKILLs it after after_s seconds (if it is still running)."""
    p = subprocess.Popen([tool, "sync", "--state", state, src, url], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=sync_env())
    try:
        p.wait(timeout=after_s)
        return f"ended by itself (exit {p.returncode}) before {after_s:.2f} s"
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        return f"killed at {after_s:.2f} s"


def killed_in_stage(tool, src, url, state, after_lines):
    """Starts a sync with -v (one stderr line per request) and SIGKILLs it after_lines requests into
    the LoggedModel stage (its first request names logged-models): between a create and its record,
    between metric lines, before the status or the outputs."""
    p = subprocess.Popen([tool, "sync", "-v", "--state", state, src, url], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, env=sync_env())
    seen = None
    for line in p.stderr:
        if seen is None and "logged-models" in line:
            seen = 0
        if seen is not None:
            if seen >= after_lines:
                p.kill()
                break
            seen += 1
    p.stderr.close()
    p.wait()
    if seen is None:
        return f"ended (exit {p.returncode}) without a LoggedModel request"
    return f"killed {after_lines} requests into the LoggedModel stage" if p.returncode < 0 \
        else f"ended by itself (exit {p.returncode}) {seen} requests into the stage"


def edit_tags(mlruns):
    """On the LoggedModels of the folder, as MLflow's file store keeps tags (one file per tag): the first
    model's first tag changed, the second's first tag deleted, a new tag on the third."""
    models = sorted(os.path.join(root, d) for root, dirs, _ in os.walk(mlruns) if root.endswith(os.sep + "models")
                    for d in dirs if d.startswith("m-"))
    tags = [os.path.join(m, "tags") for m in models[:3]]
    first = [sorted(os.listdir(t))[0] for t in tags[:2]]
    with open(os.path.join(tags[0], first[0]), "w") as f:
        f.write("changed after the sync")
    os.unlink(os.path.join(tags[1], first[1]))
    with open(os.path.join(tags[2], "added_later"), "w") as f:
        f.write("yes")


def full_sync(tool, src, url, state):
    t = time.monotonic()
    p = subprocess.run([tool, "sync", "--json", "--state", state, src, url], capture_output=True, text=True,
                       env=sync_env(), timeout=1800)
    return p, time.monotonic() - t


def main(argv):
    a = argparse.ArgumentParser()
    a.add_argument("tool")
    a.add_argument("folder")
    a.add_argument("--kills", type=int, default=6)
    a.add_argument("--seed", type=int, default=None)
    a.add_argument("--backend", default="file", choices=("file", "sqlite"))
    args = a.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    print(f"seed {seed}")
    wd = tempfile.mkdtemp(prefix="mll-lm-once-")
    problems = []
    try:
        src = os.path.join(wd, "mlruns")
        shutil.copytree(os.path.join(os.path.abspath(args.folder), "mlruns"), src, symlinks=True)
        expected.restore_empty_dirs(src)
        local = expected.dump_local(src)
        if not local["logged_models"]:
            print(f"FAIL: {args.folder} holds no LoggedModels")
            return 1
        state = os.path.join(wd, "state")
        with MlflowServer(os.path.join(wd, "server"), backend=args.backend, start_timeout=300) as srv:
            # a whole first sync of gen-3.18-registry takes ~9 s here against a file store: short
            # intervals, so that each kill falls in what the previous passes left (runs, then LoggedModels)
            for k in range(args.kills):
                at = rnd.uniform(0.3, 3.5)
                print(f"kill {k + 1}: {killed_sync(os.path.abspath(args.tool), src, srv.url, state, at)}")
            for k in range(args.kills):
                n = rnd.randint(0, 6)
                print(f"stage kill {k + 1}: {killed_in_stage(os.path.abspath(args.tool), src, srv.url, state, n)}")
            p, dt = full_sync(os.path.abspath(args.tool), src, srv.url, state)
            print(f"sync to the end: exit {p.returncode} in {dt:.2f} s")
            if p.returncode != 0:
                problems.append(f"the sync after the kills exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            os.unlink(state)
            p, dt = full_sync(os.path.abspath(args.tool), src, srv.url, state)
            print(f"sync without its state: exit {p.returncode} in {dt:.2f} s")
            if p.returncode != 0:
                problems.append(f"the sync without state exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            edit_tags(src)  # tags changed, added and deleted after the models arrived: the next sync follows
            local = expected.dump_local(src)
            p, dt = full_sync(os.path.abspath(args.tool), src, srv.url, state)
            print(f"sync after tag edits: exit {p.returncode} in {dt:.2f} s")
            if p.returncode != 0:
                problems.append(f"the sync after tag edits exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            diffs = expected.compare(local, expected.dump_remote(srv.url))
            for n in diffs.notes:
                print(f"note (accepted): {n}")
            problems += list(diffs)
    finally:
        expected.keep_if_failed(wd, problems)
    return expected.verdict(problems)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
