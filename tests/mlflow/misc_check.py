"""Smaller interop checks, one per --mode:
threads  (mlflow_threads_one_run): 4 threads log into one run; MLflow 3.18.0 reads
         every point exactly once, each thread's points in its order.
s3       (mlflow_artifact_location): a new experiment with an s3:// artifact
         location; MLflow shows it and the runs' artifact_uri under it; the artifact
         is kept locally in the run's artifacts/ folder for a later sync.
interval (mlflow_flush_interval): points reach the file within the default flush
         interval without mll_flush (MLflow reads them from the live run).
churn    (mlflow_concurrent_reader): MLflow reads while the C side rewrites every
         file it reads; no read may fail.
diskfull (mlflow_disk_full): injected partial writes + ENOSPC; MLflow reads every
         point once, in order; failed params are absent.
git      (mlflow_git_commit): mlflow.source.git.commit in git layouts, judged by
         MLflow's own get_git_commit.
closeonly (mlflow_close_ends_runs): mll_close without mll_end_run: FINISHED, all points.
paramrace (mlflow_param_race): 16 processes, one param, different values: one wins.
doomed   (mlflow_deleted_experiment): Python deletes the experiment of an open C run.
doomed-run (mlflow_deleted_run): Python deletes an open C run; C must not undelete it.
doomed-rename (mlflow_renamed_run): the UI renames an open C run; the name must stick.
ranks    (mlflow_mpi_ranks): 4 processes reopen one Python-made run by id and log.
dups     (mlflow_duplicate_points): identical points must not become identical lines.
env      (mlflow_env_launch): as launched by `mlflow run`: MLFLOW_TRACKING_URI +
         MLFLOW_RUN_ID (or MLFLOW_EXPERIMENT_NAME) with NULL descs.
nogit    (mlflow_no_git): a program outside any git work tree writes no
         mlflow.source.git.commit tag, and source name / user default sensibly."""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, git_info, leftovers, migrate, parse_args, run, writer_env

from mlflow.tracking import MlflowClient

N = 50000


def threads(a, ck, work):
    root = os.path.join(work, "mlruns")
    p = run([a.bins["writer"], "threads", root, str(N)], env=writer_env())
    rid, eid = p.stdout.decode().split()
    c = MlflowClient(tracking_uri=root)
    ck.eq(sorted(c.get_run(rid).data.metrics), ["shared", "t0", "t1", "t2", "t3"], "metric keys")
    for k in range(4):
        hist = [(m.value, m.step, m.timestamp) for m in c.get_metric_history(rid, f"t{k}")]
        ck.eq(len(hist), N, f"t{k}: points")
        ck.true(hist == [(float(i), i, 1700000000000 + i) for i in range(N)], f"t{k}: points not exactly once in order")
    shared = [m.step for m in c.get_metric_history(rid, "shared")]
    ck.eq(sorted(shared), list(range(4 * N)), "shared: every point exactly once")
    for k in range(4):
        mine = [s for s in shared if k * N <= s < (k + 1) * N]
        ck.true(mine == sorted(mine), f"shared: thread {k}'s points out of order")
    mdir = os.path.join(root, eid, rid, "metrics")
    for f in os.listdir(mdir):
        data = open(os.path.join(mdir, f), "rb").read()
        # MLflow's own rule (file_store._get_metric_from_line): strip(), then split(" ");
        # the header pads some lines with trailing spaces so none crosses a 4 KiB page
        ck.true(all(len(ln.strip().split(b" ")) == 3 for ln in data.split(b"\n")[:-1]) and data.endswith(b"\n"),
                f"metric file {f}: torn or interleaved lines")


def s3(a, ck, work):
    root = os.path.join(work, "mlruns")
    p = run([a.bins["writer"], "s3", root], env=writer_env())
    (rid2, eid2), (rid, eid) = [ln.split() for ln in p.stdout.decode().splitlines()]
    ck.eq(eid2, eid, "second run reuses the experiment")
    c = MlflowClient(tracking_uri=root)
    ck.eq(c.get_experiment(eid).artifact_location, "s3://mll-test-bucket/prefix", "experiment artifact_location")
    for r in (rid, rid2):
        ck.eq(c.get_run(r).info.artifact_uri, f"s3://mll-test-bucket/prefix/{r}/artifacts", f"run {r} artifact_uri")
    local = os.path.join(root, eid, rid, "artifacts", "out", "report.txt")
    ck.true(os.path.isfile(local) and open(local).read() == "to be synced\n",
            "artifact kept in the run's local artifacts/ folder")


def nogit(a, ck, work):
    outside = tempfile.mkdtemp(prefix="mll-nogit-")  # /tmp: not inside a git work tree
    try:
        ck.eq(git_info(outside)[0], None, f"{outside} must not be in a git work tree")
        exe = os.path.join(outside, "writer")
        shutil.copy2(a.bins["writer"], exe)
        root = os.path.join(work, "mlruns")
        user = pwd.getpwuid(os.getuid()).pw_name
        p = run([exe, "plain", root], env=writer_env(USER=user, LOGNAME=user), cwd=outside)
        rid, eid = p.stdout.decode().split()
        r = MlflowClient(tracking_uri=root).get_run(rid)
        ck.eq(eid, "0", "no experiment name: the Default experiment")
        ck.true(not any(k.startswith("mlflow.source.git") for k in r.data.tags),
                f"git tags written outside a git work tree: {r.data.tags}")
        ck.eq(r.data.tags.get("mlflow.source.name"), exe, "mlflow.source.name = the program's path")
        ck.eq(r.data.tags.get("mlflow.source.type"), "LOCAL", "mlflow.source.type")
        ck.eq((r.data.tags.get("mlflow.user"), r.info.user_id), (user, user), "mlflow.user / user_id")
        ck.true(bool(r.info.run_name) and r.data.tags.get("mlflow.runName") == r.info.run_name,
                "random run name, equal to tag mlflow.runName")
    finally:
        shutil.rmtree(outside)


def interval(a, ck, work):
    """Points reach the file within the flush interval (default 1 s) without mll_flush."""
    root = os.path.join(work, "mlruns")
    p = subprocess.Popen([a.bins["writer"], "interval", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         env=writer_env())
    line = p.stdout.readline().decode().split()
    ck.eq(line[:1], ["logged"], "child logged")
    time.sleep(2.0)  # > the default 1000 ms flush interval (slack for a loaded CI box)
    c = MlflowClient(tracking_uri=root)
    try:
        hist = c.get_metric_history(line[1], "m")
        ck.eq(len(hist), 1000, "points MLflow sees 2 s after logging, before any mll_flush/end")
        ck.eq(c.get_run(line[1]).info.status, "RUNNING", "run status while logging")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"MLflow cannot read the live run: {type(ex).__name__}: {ex}")
    p.communicate(b"go\n", timeout=30)
    ck.eq(p.returncode, 0, "child exit status")
    ck.eq(c.get_run(line[1]).info.status, "FINISHED", "run status after mll_end_run")
    ck.eq(len(c.get_metric_history(line[1], "m")), 1000, "points after mll_end_run (no duplicates)")


def churn(a, ck, work):
    """MLflow reads continuously while the C side rewrites meta.yaml, tags, params and
    experiment tags and appends metrics: no read may fail (temp file + rename)."""
    root = os.path.join(work, "mlruns")
    # The writer churns until we have read enough (at least 6 s and 60 run reads: a
    # loaded CI box reads slowly) or for at most 600 s.
    if os.path.exists(root + ".stop"):
        os.remove(root + ".stop")
    p = subprocess.Popen([a.bins["writer"], "churn", root, "600"], stdout=subprocess.PIPE, env=writer_env())
    ck.eq(p.stdout.readline().strip(), b"started", "writer started")
    c = MlflowClient(tracking_uri=root)
    reads, errors, t0 = 0, [], time.monotonic()
    while p.poll() is None:
        if reads > 60 and time.monotonic() - t0 > 6:
            open(root + ".stop", "w").close()
        try:
            for e in c.search_experiments():
                _ = c.get_experiment(e.experiment_id).tags
                for r in c.search_runs([e.experiment_id], max_results=1000):
                    full = c.get_run(r.info.run_id)
                    for k in full.data.metrics:
                        c.get_metric_history(r.info.run_id, k)
                    reads += 1
        except Exception as ex:  # noqa: BLE001
            if p.poll() is None:
                errors.append(f"{type(ex).__name__}: {ex}")
    p.communicate()
    ck.eq(p.returncode, 0, "writer exit status")
    ck.true(reads > 50, f"only {reads} run reads happened during the churn")
    ck.eq(errors[:5], [], f"MLflow read errors during concurrent writes ({len(errors)} in {reads} run reads)")
    print(f"{reads} run reads during the writes, {len(errors)} errors")


def diskfull(a, ck, work):
    """Disk full (partial write + ENOSPC) on metric appends and on every write in some
    rounds: MLflow reads every point exactly once, in order, no torn line; a param
    whose write failed is absent (not empty, not partial); nothing is left behind."""
    root = os.path.join(work, "mlruns")
    p = run([a.bins["writer"], "diskfull", root], env=writer_env())
    lines = [ln.split() for ln in p.stdout.decode().splitlines()]
    params = {x[1] for x in lines if x[0] == "param"}
    n = next(int(x[1]) for x in lines if x[0] == "points")
    print(next(" ".join(x) for x in lines if x[0] == "points"))
    c = MlflowClient(tracking_uri=root)
    e = c.get_experiment_by_name("disk full")
    (r,) = c.search_runs([e.experiment_id])
    rid = r.info.run_id
    for key, odd in (("m", 1), ("nested/m", 0)):
        hist = [(m.value, m.step) for m in c.get_metric_history(rid, key)]
        want = [(float(i), i) for i in range(n) if (i % 50) % 2 == odd]
        ck.eq(len(hist), len(want), f"{key}: points")
        ck.true(hist == want, f"{key}: points not exactly once and in order")
    got = c.get_run(rid).data.params
    ck.eq(set(got), params, "params: exactly the ones whose mll_log_param succeeded")
    ck.true(all(v == "value" for v in got.values()), "params: no partial value")
    ck.eq(r.info.status, "FINISHED", "run status")
    ck.eq(leftovers(root), [], "temp files left behind")


def gitlayouts(a, ck, work):
    """mlflow.source.git.commit for the git layouts users have (loose and packed refs,
    detached HEAD, a linked worktree, a submodule, a program in a sub-folder, an unborn
    branch), judged by MLflow's own mlflow.utils.git_utils.get_git_commit (GitPython)
    on the program's path, as Python MLflow's git context does for its main file."""
    from mlflow.utils.git_utils import get_git_commit

    outside = tempfile.mkdtemp(prefix="mll-git-")  # not inside the project's work tree
    g = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main",
         "-c", "protocol.file.allow=always", "-c", "advice.detachedHead=false"]

    def git(cwd, *args):
        return run(g + list(args), cwd=cwd).stdout.decode().strip()

    def repo(name, commits=2):
        d = os.path.join(outside, name)
        os.makedirs(d)
        git(d, "init", "-q")
        for i in range(commits):
            with open(os.path.join(d, "f.txt"), "w") as f:
                f.write(f"{name} {i}")  # distinct commits in every repo
            git(d, "add", "f.txt")
            git(d, "commit", "-q", "-m", f"c{i}")
        return d

    try:
        layouts = {}
        d = repo("loose")
        layouts["loose ref"] = (d, d)
        d = repo("packed")
        git(d, "pack-refs", "--all", "--prune")
        ck.true(not os.path.exists(os.path.join(d, ".git", "refs", "heads", "main")), "packed: loose ref gone")
        layouts["packed-refs"] = (d, d)
        d = repo("detached")
        git(d, "checkout", "-q", "HEAD~1")
        layouts["detached HEAD"] = (d, d)
        d = repo("main-for-wt")
        git(d, "branch", "wt-branch", "HEAD~1")
        git(d, "worktree", "add", "-q", os.path.join(outside, "wt"), "wt-branch")
        git(d, "pack-refs", "--all", "--prune")
        layouts["linked worktree (packed)"] = (os.path.join(outside, "wt"), os.path.join(outside, "wt"))
        sub_src = repo("sub-src", 3)
        d = repo("super")
        git(d, "submodule", "add", "-q", sub_src, "sub")
        layouts["submodule"] = (os.path.join(d, "sub"), os.path.join(d, "sub"))
        d = repo("deep")
        os.makedirs(os.path.join(d, "a", "b", "c"))
        layouts["program in a sub-folder"] = (os.path.join(d, "a", "b", "c"), os.path.join(d, "a"))
        d = repo("unborn", commits=0)
        layouts["unborn branch"] = (d, d)

        root = os.path.join(work, "mlruns")
        c = MlflowClient(tracking_uri=root)
        for name, (exe_dir, cwd) in layouts.items():
            exe = os.path.join(exe_dir, "prog")
            shutil.copy2(a.bins["writer"], exe)
            want = get_git_commit(exe)
            p = run([exe, "plain", root], env=writer_env(), cwd=cwd, check=False)
            if not ck.eq(p.returncode, 0, f"{name}: writer ({p.stderr.decode(errors='replace')[-300:]})"):
                continue
            rid = p.stdout.decode().split()[0]
            print(f"{name:26} MLflow get_git_commit: {want}")
            ck.eq(c.get_run(rid).data.tags.get("mlflow.source.git.commit"), want,
                  f"{name}: mlflow.source.git.commit (MLflow's get_git_commit says {want})")
    finally:
        shutil.rmtree(outside)


def closeonly(a, ck, work):
    """mll_close ends runs still open as FINISHED (like Python's atexit hook) and
    flushes every point."""
    root = os.path.join(work, "mlruns")
    t0 = int(time.time() * 1000)
    p = run([a.bins["writer"], "closeonly", root], env=writer_env())
    t1 = int(time.time() * 1000)
    c = MlflowClient(tracking_uri=root)
    for sign, line in zip((1, -1), p.stdout.decode().splitlines()):
        rid = line.split()[0]
        r = c.get_run(rid)
        ck.eq(r.info.status, "FINISHED", f"run {rid} status after mll_close")
        ck.true(r.info.end_time is not None and t0 <= r.info.end_time <= t1, f"run {rid} end_time {r.info.end_time}")
        ck.eq([(m.value, m.step) for m in c.get_metric_history(rid, "m")],
              [(float(sign * i), i) for i in range(5000)], f"run {rid}: every point flushed by mll_close")


def paramrace(a, ck, work):
    """16 processes log param "race" with different values into one run at the same
    moment: exactly one succeeds, the others get MLL_ERR_PARAM_CHANGED (params are
    immutable), and MLflow reads the winner's value."""
    root = os.path.join(work, "mlruns")
    c = MlflowClient(tracking_uri=root)
    for rnd in range(5):
        rid = c.create_run(c.create_experiment(f"race {rnd}")).info.run_id
        r, w = os.pipe()
        procs = [subprocess.Popen([a.bins["writer"], "paramrace", root, rid, str(r), f"value-{i}"], pass_fds=(r,),
                                  stdout=subprocess.PIPE, env=writer_env()) for i in range(16)]
        os.close(r)
        time.sleep(0.5)
        os.write(w, b"x" * 16)
        os.close(w)
        codes = []
        for p in procs:
            out, _ = p.communicate(timeout=120)
            codes.append(int(out.decode().strip() or -1) if p.returncode == 0 else -1)
        winners = [i for i, x in enumerate(codes) if x == 0]
        ck.eq(len(winners), 1, f"round {rnd}: processes whose mll_log_param succeeded (codes {codes})")
        ck.eq(sorted(set(codes) - {0}), [6], f"round {rnd}: the losers' result (MLL_ERR_PARAM_CHANGED)")
        if len(winners) == 1:
            ck.eq(c.get_run(rid).data.params, {"race": f"value-{winners[0]}"}, f"round {rnd}: MLflow reads the winner")


def doomed(a, ck, work):
    """Python deletes the experiment (moves it to .trash) while a C run in it is open.
    Like Python MLflow (runs must be active), the C side must not write on: above all
    it must not re-create <root>/<id> beside .trash/<id> (MLflow would warn "Malformed
    experiment" and migrate-filestore would hit the duplicate id)."""
    root = os.path.join(work, "mlruns")
    p = subprocess.Popen([a.bins["writer"], "doomed", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=writer_env())
    ready = p.stdout.readline().decode().split()
    ck.eq(ready[:1], ["ready"], "writer ready")
    rid, eid = ready[1], ready[2]
    c = MlflowClient(tracking_uri=root)
    c.delete_experiment(eid)
    out, err = p.communicate(b"go\n", timeout=60)
    ck.eq(p.returncode, 0, f"writer exit status ({err.decode(errors='replace')[-300:]})")
    codes = out.decode().split()
    print("after the delete: flush, set_tag, log_param, end_run returned", codes[1:])
    ck.true(len(codes) == 5 and all(x != "0" for x in codes[1:4]),
            f"writes into a deleted experiment's run must fail (flush, tag, param): {codes[1:]}")
    ck.true(not os.path.exists(os.path.join(root, eid)), f"{eid}/ re-created at the root beside .trash/{eid}: "
            f"{sorted(os.listdir(os.path.join(root, eid))) if os.path.exists(os.path.join(root, eid)) else ''}")
    r = c.get_run(rid)
    ck.eq(r.info.lifecycle_stage, "deleted", "run lifecycle after the experiment was deleted")
    ck.eq([m.step for m in c.get_metric_history(rid, "m")], list(range(100)), "points flushed before the delete")
    ck.eq(r.data.params, {}, "no param after the delete")
    try:
        migrate(root, os.path.join(work, "doomed.db"))
        ck.checks += 1
    except RuntimeError as ex:
        ck.fail(f"migrate-filestore failed: {ex}")


def doomed_run(a, ck, work):
    """Python deletes (UI "delete run") an open C run: whatever the C side does next,
    it must not bring the run back to life (meta.yaml lifecycle_stage stays deleted);
    Python MLflow itself refuses to write to a deleted run."""
    root = os.path.join(work, "mlruns")
    p = subprocess.Popen([a.bins["writer"], "doomed-run", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=writer_env())
    ready = p.stdout.readline().decode().split()
    ck.eq(ready[:1], ["ready"], "writer ready")
    rid = ready[1]
    c = MlflowClient(tracking_uri=root)
    c.delete_run(rid)
    out, err = p.communicate(b"go\n", timeout=60)
    ck.eq(p.returncode, 0, f"writer exit status ({err.decode(errors='replace')[-300:]})")
    print("after delete_run: flush, set_tag, log_param, end_run returned", out.decode().split()[1:])
    r = c.get_run(rid)
    ck.eq(r.info.lifecycle_stage, "deleted", "run deleted in MLflow while C logged: lifecycle_stage after mll_end_run")
    meta = yaml.safe_load(open(os.path.join(root, r.info.experiment_id, rid, "meta.yaml"), encoding="utf-8"))
    ck.true(isinstance(meta.get("deleted_time"), int), f"meta.yaml deleted_time kept: {meta.get('deleted_time')!r}")
    ck.eq([m.step for m in c.get_metric_history(rid, "m")][:100], list(range(100)), "points flushed before the delete")


def renamed_run(a, ck, work):
    """The user renames an open C run in MLflow (update_run name=..., as the UI does);
    mll_end_run must not put the old name back into meta.yaml (Python's
    update_run_info re-reads the run and only overrides status and end time)."""
    root = os.path.join(work, "mlruns")
    p = subprocess.Popen([a.bins["writer"], "doomed-rename", root], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=writer_env())
    ready = p.stdout.readline().decode().split()
    ck.eq(ready[:1], ["ready"], "writer ready")
    rid = ready[1]
    c = MlflowClient(tracking_uri=root)
    c.update_run(rid, name="renamed in the UI")
    out, err = p.communicate(b"go\n", timeout=60)
    ck.eq(p.returncode, 0, f"writer exit status ({err.decode(errors='replace')[-300:]})")
    r = c.get_run(rid)
    ck.eq(r.info.status, "FINISHED", "status set by mll_end_run")
    ck.eq((r.info.run_name, r.data.tags.get("mlflow.runName")), ("renamed in the UI", "renamed in the UI"),
          "run name after the UI rename and mll_end_run (meta.yaml run_name, tag mlflow.runName)")


def ranks(a, ck, work):
    """The manual's MPI pattern: a run created elsewhere (here by Python MLflow), 4
    processes reopen it by id at once, log under distinct keys and end it."""
    root = os.path.join(work, "mlruns")
    c = MlflowClient(tracking_uri=root)
    rid = c.create_run(c.create_experiment("mpi"), run_name="rank 0 made me").info.run_id
    procs = [subprocess.Popen([a.bins["writer"], "rank", root, rid, str(k)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=writer_env()) for k in range(4)]
    for k, p in enumerate(procs):
        _, err = p.communicate(timeout=120)
        ck.eq(p.returncode, 0, f"rank {k} ({err.decode(errors='replace')[-300:]})")
    r = c.get_run(rid)
    ck.eq((r.info.status, r.info.run_name, r.info.lifecycle_stage), ("FINISHED", "rank 0 made me", "active"),
          "run status, name, lifecycle after 4 ranks ended it")
    for k in range(4):
        key = f"rank{k}/loss"
        ck.eq([m.step for m in c.get_metric_history(rid, key)], list(range(20000)), f"{key}: every point once")
        ck.eq(r.data.tags.get(key), "20000", f"tag {key}")


def dups(a, ck, work):
    """filestore.md §14.6: no duplicate identical metric lines, because
    `mlflow migrate-filestore` aborts the whole migration on one (UNIQUE constraint on
    metrics(key, timestamp, step, run_uuid, value, is_nan); verified with 3.18.0).
    A constant logged in a loop at one step hits it as soon as two calls share a
    timestamp (the default coarse clock ticks every 1-10 ms)."""
    root = os.path.join(work, "mlruns")
    p = run([a.bins["writer"], "dups", root], env=writer_env())
    rid = p.stdout.decode().split()[0]
    c = MlflowClient(tracking_uri=root)
    for key in ("twice", "lr"):
        hist = [(m.timestamp, m.step, m.value) for m in c.get_metric_history(rid, key)]
        ck.true(len(hist) >= 1, f"{key}: read back")
        ck.eq(len(hist), len(set(hist)), f"{key}: duplicate identical points in the metric file "
                                         f"({len(hist)} lines, {len(set(hist))} distinct)")
    try:
        migrate(root, os.path.join(work, "dups.db"))
        ck.checks += 1
    except RuntimeError as ex:
        ck.fail(f"migrate-filestore failed on what the header wrote: {str(ex)[-400:]}")


def env(a, ck, work):
    """Like `mlflow run` launching a C program: Python MLflow creates the run and passes
    MLFLOW_TRACKING_URI (file: URI) + MLFLOW_RUN_ID; the C program uses NULL descs."""
    root = os.path.join(work, "mlruns")
    c = MlflowClient(tracking_uri=root)
    eid = c.create_experiment("launched")
    rid = c.create_run(eid, run_name="python parent").info.run_id
    uri = "file://" + os.path.abspath(root)
    cwd = fresh_dir(work, "cwd")  # a wrong default (./mlruns) would land here
    p = run([a.bins["writer"], "env", "-"], env=writer_env(MLFLOW_TRACKING_URI=uri, MLFLOW_RUN_ID=rid),
            cwd=cwd)
    ck.eq(p.stdout.decode().split(), [rid, eid], "C program logged into $MLFLOW_RUN_ID")
    r = c.get_run(rid)
    ck.eq([(m.value, m.step) for m in c.get_metric_history(rid, "from_c")], [(2.5, 7)], "metric from C")
    ck.eq(r.data.params, {"c.param": "yes"}, "param from C")
    ck.eq(r.info.run_name, "python parent", "run name kept")
    ck.eq(r.info.status, "FINISHED", "status after the C program ended the run")
    ck.eq(len(c.search_runs([eid])), 1, "no extra run created")
    ck.eq(sorted(e.name for e in c.search_experiments()), ["Default", "launched"], "no extra experiment")
    ck.eq(os.listdir(cwd), [], "nothing written to ./mlruns of the working directory")

    # MLFLOW_EXPERIMENT_NAME + a plain-path MLFLOW_TRACKING_URI: a new run in that experiment
    p = run([a.bins["writer"], "env", "-"], env=writer_env(MLFLOW_TRACKING_URI=os.path.abspath(root),
                                                           MLFLOW_EXPERIMENT_NAME="launched"), cwd=cwd)
    rid2, eid2 = p.stdout.decode().split()
    ck.eq(eid2, eid, "MLFLOW_EXPERIMENT_NAME: existing experiment reused")
    ck.eq(c.get_run(rid2).data.params, {"c.param": "yes"}, "second C run readable")
    ck.eq(os.listdir(cwd), [], "nothing written to ./mlruns of the working directory")


def main():
    a = parse_args(lambda p: p.add_argument("--mode", required=True))
    check_judge()
    ck = Checker(f"misc ({a.mode})")
    work = fresh_dir(a.work, a.mode)
    {"threads": threads, "s3": s3, "nogit": nogit, "interval": interval, "env": env, "churn": churn, "diskfull": diskfull, "git": gitlayouts, "closeonly": closeonly, "paramrace": paramrace, "doomed": doomed, "doomed-run": doomed_run, "doomed-rename": renamed_run, "ranks": ranks, "dups": dups}[a.mode](a, ck, work)
    ck.finish()


if __name__ == "__main__":
    main()
