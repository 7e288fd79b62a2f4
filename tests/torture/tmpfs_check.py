"""torture_tmpfs: a real full disk. A 64 KiB tmpfs is mounted (the tests run as root; a
mount that fails is a failure with its reason, never a skip); tmpfs_writer starts a run
on it and logs a key "old"; the disk is filled to the last byte; the writer logs a new
key "new" whose backlog is larger than what will be freed, and more "old"; mll_flush and
mll_end_run must fail with MLL_ERR_NO_SPACE and keep everything (the run stays open).
Then some room is freed: the new key's file must appear (born with the lines that fit),
not all of it. Then everything is freed and mll_close must succeed. MLflow 3.18.0 must
then read every point of both keys, exactly once, in order, and the run FINISHED.

usage: tmpfs_check.py --writer PATH --work DIR"""
import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mlflow"))
from mlt_common import Checker, check_judge, fresh_dir, writer_env  # noqa: E402

from mlflow.tracking import MlflowClient  # noqa: E402

OLD, NEW, MORE = 100, 500, 200  # "new" needs 3 pages of 4 KiB; "freed" gives 2
NO_SPACE = 11


def fill(mnt):
    """Fills the file system with 4 KiB files (the last one partial) until ENOSPC."""
    files, i = [], 0
    while True:
        p = os.path.join(mnt, f"filler-{i}")
        files.append(p)
        try:
            with open(p, "wb") as f:
                f.write(b"x" * 4096)
        except OSError:
            return files
        i += 1


def free_pages(mnt):
    st = os.statvfs(mnt)
    return st.f_bavail * st.f_frsize // 4096


def lines_of(path):
    return open(path, "rb").read().count(b"\n") if os.path.exists(path) else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--writer", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    check_judge()
    ck = Checker("torture_tmpfs")
    mnt = os.path.join(fresh_dir(a.work, "tmpfs"), "mnt")
    os.makedirs(mnt)
    m = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", mnt],
                       capture_output=True, text=True)
    if m.returncode != 0:
        print(f"FAIL: cannot mount a 64 KiB tmpfs on {mnt} (the test needs root and tmpfs): "
              f"exit {m.returncode}: {m.stderr.strip()}")
        sys.exit(1)
    try:
        run_steps(a, mnt, ck)
    finally:
        u = subprocess.run(["umount", mnt], capture_output=True, text=True)
        if u.returncode != 0:
            subprocess.run(["umount", "-l", mnt])
            ck.fail(f"umount {mnt}: {u.stderr.strip()}")
    ck.finish()


def run_steps(a, mnt, ck):
    root = os.path.join(mnt, "mlruns")
    print(f"tmpfs: {free_pages(mnt)} pages of 4 KiB free before the writer")
    p = subprocess.Popen([a.writer, root, str(OLD), str(NEW), str(MORE)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=writer_env())

    def step(cmd=None):
        if cmd:
            p.stdin.write(cmd + "\n")
            p.stdin.flush()
        line = p.stdout.readline().split()
        if not line:
            p.wait()
            ck.fail(f"writer stopped after {cmd or 'start'}: {p.stderr.read().strip()[-500:]}")
        return line

    ready = step()
    if not ready:
        return
    run_dir = ready[1]
    print(f"tmpfs: {free_pages(mnt)} pages free with the run started")
    fillers = fill(mnt)
    ck.eq(free_pages(mnt), 0, "free pages after filling the disk")
    full = step("full")
    if not full:
        return
    ck.eq([int(x) for x in full[1:]], [NO_SPACE, NO_SPACE], "mll_flush, mll_end_run on the full disk")
    new_file = os.path.join(run_dir, "metrics", "new")
    ck.true(not os.path.exists(new_file), "no metric file for the new key while the disk is full")
    for f in fillers[:2]:
        os.unlink(f)
    print(f"tmpfs: {free_pages(mnt)} pages freed")
    freed = step("freed")
    if not freed:
        return
    ck.eq(int(freed[1]), NO_SPACE, "mll_flush with some room: not everything fits")
    born = lines_of(new_file)
    print(f"tmpfs: the new key's file was born with {born} of {NEW} points; "
          f"'old' has {lines_of(os.path.join(run_dir, 'metrics', 'old'))} of {OLD + MORE}")
    ck.true(0 < born < NEW, f"the new key made progress with some room: {born} of {NEW} points in its file")
    for f in fillers[2:]:
        os.unlink(f)
    closed = step("close")
    if not closed:
        return
    ck.eq(int(closed[1]), 0, "mll_close once the disk has room")
    p.wait()
    ck.eq(p.returncode, 0, f"writer exit ({p.stderr.read().strip()[-300:]})")
    c = MlflowClient(tracking_uri=root)
    rid = os.path.basename(run_dir)
    try:
        r = c.get_run(rid)
        ck.eq(r.info.status, "FINISHED", "run status after mll_close")
        for key, n in (("old", OLD + MORE), ("new", NEW)):
            hist = sorted((m.step, m.value, m.timestamp) for m in c.get_metric_history(rid, key))
            ck.eq(hist, [(i, i / 4, 1700000000000 + i) for i in range(n)],
                  f"{key}: every point, once, in order (MLflow read {len(hist)} of {n})")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"MLflow cannot read the run: {type(ex).__name__}: {ex}")


if __name__ == "__main__":
    main()
