"""mlflow_roundtrip: MLflow 3.18.0 reads back, field by field, every experiment, run,
status, time, name, user, param, tag, metric history and artifact that rt_writer
wrote; then again after `mlflow migrate-filestore` into SQLite; then the 2.x reader.
"""
import json
import os
import pwd
import socket
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import (Checker, check_judge, dump, fresh_dir, from_bits, git_info, leftovers, migrate,
                        parse_args, run, writer_env)

STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
OPTIONAL_GIT_TAGS = ("mlflow.source.git.branch", "mlflow.source.git.repoURL")


def replay(manifest, git_commit):
    exps = {"0": {"name": "Default", "tags": {}}}
    runs = {}
    with open(manifest, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            ev = e["ev"]
            if ev == "exp":
                exps.setdefault(e["id"], {"name": e["name"], "tags": {}})
                exps[e["id"]]["name"] = e["name"]
                continue
            if ev == "exp_tag":
                exps[e["exp"]]["tags"][e["key"]] = e["value"]
                continue
            r = runs.get(e["run"])
            if ev == "run":
                r = runs[e["run"]] = {
                    "exp": e["exp"], "name": e["name"], "user": e["user"], "start_min": e["start_min"],
                    "start_max": e["start_max"], "status": 1, "end_min": None, "end_max": None,
                    "params": {}, "metrics": {}, "artifacts": {},
                    "tags": {"mlflow.user": e["user"], "mlflow.source.name": e["source"],
                             "mlflow.source.type": "LOCAL", "mlflow.runName": e["name"]},
                }
                if e["parent"]:
                    r["tags"]["mlflow.parentRunId"] = e["parent"]
                if e["description"]:
                    r["tags"]["mlflow.note.content"] = e["description"]
                if git_commit:
                    r["tags"]["mlflow.source.git.commit"] = git_commit
            elif ev == "reopen":
                r["status"] = 1  # Python's start_run(run_id=...) sets RUNNING, keeps end_time
            elif ev == "param":
                r["params"][e["key"]] = e["value"]
            elif ev == "tag":
                r["tags"][e["key"]] = e["value"]
                if e["key"] == "mlflow.runName":
                    r["name"] = e["value"]
            elif ev == "deltag":
                r["tags"].pop(e["key"], None)
            elif ev == "rename":
                r["name"] = e["name"]
                r["tags"]["mlflow.runName"] = e["name"]
            elif ev == "metric":
                r["metrics"].setdefault(e["key"], []).append((e["bits"], e["step"], e["ts_min"], e["ts_max"]))
            elif ev == "artifact":
                r["artifacts"][e["path"]] = e["hex"]
            elif ev == "end":
                r["status"] = e["status"]
                r["end_min"], r["end_max"] = e["end_min"], e["end_max"]
            else:
                raise ValueError(f"unknown manifest event {ev}")
    return exps, runs


def compare(ck, label, exps, runs, got, git_branch, sql_order=False, artifacts=True):
    p = f"[{label}]"
    ck.eq(sorted(got["experiments"]), sorted(exps), f"{p} experiment ids")
    for eid, want in exps.items():
        g = got["experiments"].get(eid)
        if g is None:
            continue
        ck.eq(g["name"], want["name"], f"{p} experiment {eid} name (search)")
        ck.eq(g["name_by_get"], want["name"], f"{p} experiment {eid} name (get_experiment)")
        ck.eq(g["tags"], want["tags"], f"{p} experiment {eid} tags")
        ck.eq(g["lifecycle_stage"], "active", f"{p} experiment {eid} lifecycle")
        ck.true(str(g["artifact_location"]).rstrip("/").endswith("/" + eid),
                f"{p} experiment {eid} artifact_location {g['artifact_location']!r} does not end in /{eid}")
    ck.eq(sorted(got["runs"]), sorted(runs), f"{p} run ids")
    for rid, w in runs.items():
        g = got["runs"].get(rid)
        if g is None:
            continue
        q = f"{p} run {w['name']!r} ({rid})"
        ck.eq(g["experiment_id"], w["exp"], f"{q} experiment_id")
        ck.eq(g["status"], STATUS[w["status"]], f"{q} status")
        ck.eq(g["run_name"], w["name"], f"{q} run_name")
        ck.eq(g["user_id"], w["user"], f"{q} user_id")
        ck.eq(g["lifecycle_stage"], "active", f"{q} lifecycle_stage")
        ck.true(w["start_min"] <= (g["start_time"] or -1) <= w["start_max"],
                f"{q} start_time {g['start_time']} not in [{w['start_min']}, {w['start_max']}]")
        if w["end_min"] is None:
            ck.eq(g["end_time"], None, f"{q} end_time of a RUNNING run")
        else:
            ck.true(g["end_time"] is not None and w["end_min"] <= g["end_time"] <= w["end_max"],
                    f"{q} end_time {g['end_time']} not in [{w['end_min']}, {w['end_max']}]")
        ck.true(str(g["artifact_uri"]).endswith(f"/{w['exp']}/{rid}/artifacts"),
                f"{q} artifact_uri {g['artifact_uri']!r}")
        ck.eq(g["params"], w["params"], f"{q} params")
        tags = dict(g["tags"])
        for k in OPTIONAL_GIT_TAGS:  # Python sets these too; allowed, checked when present
            if k in tags and k not in w["tags"]:
                v = tags.pop(k)
                if k.endswith("branch") and git_branch:
                    ck.eq(v, git_branch, f"{q} tag {k}")
        for k in ("mlflow_lite.host", "mlflow_lite.pid"):  # the writer (mlflow-lite check reads them)
            if k in tags and k not in w["tags"]:
                v = tags.pop(k)
                ck.true(v == socket.gethostname() if k.endswith("host") else v.isdigit(), f"{q} tag {k} = {v!r}")
        ck.eq(tags, w["tags"], f"{q} tags")
        # metric histories, every point, in file order (SQL orders by ts, step, value)
        ck.eq(sorted(g["history"]), sorted(w["metrics"]), f"{q} metric keys")
        for key, pts in w["metrics"].items():
            hist = g["history"].get(key, [])
            if not ck.eq(len(hist), len(pts), f"{q} metric {key!r} history length"):
                continue
            if sql_order:
                # the "now" points have a ts range; order by the minimum, which is exact
                # for every explicit timestamp in the scenario
                hist = sorted(hist, key=lambda h: (h[2], h[1]))
                pts = sorted(pts, key=lambda t: (t[2], t[1]))
            for i, (h, want) in enumerate(zip(hist, pts)):
                bits_, step, tmin, tmax = want
                if sql_order:  # SQLite may store -0.0 as integer 0: compare as floats there
                    ck.eq(from_bits(h[0]), from_bits(bits_), f"{q} metric {key!r}[{i}] value")
                else:
                    ck.eq(h[0], bits_, f"{q} metric {key!r}[{i}] value bits")
                ck.eq(h[1], step, f"{q} metric {key!r}[{i}] step")
                ck.true(tmin <= h[2] <= tmax, f"{q} metric {key!r}[{i}] timestamp {h[2]} not in [{tmin}, {tmax}]")
            # latest value as MLflow defines it: max over (step, timestamp, value)
            best = max(hist, key=lambda h: (h[1], h[2], from_bits(h[0])))
            ck.eq(from_bits(g["latest"].get(key, "7ff8000000000001")), from_bits(best[0]), f"{q} latest {key!r}")
        if artifacts:
            ck.eq(g.get("artifacts"), w["artifacts"], f"{q} artifacts (path -> bytes)")


def main():
    a = parse_args(lambda p: p.add_argument("--fsync", action="store_true"))
    check_judge()
    ck = Checker("mlflow_roundtrip" + (" (fsync, no flusher thread)" if a.fsync else ""))
    work = fresh_dir(a.work, "roundtrip")
    root = os.path.join(work, "mlruns")
    manifest = os.path.join(work, "manifest.jsonl")
    scratch = fresh_dir(work, "scratch")
    writer = os.path.realpath(a.bins["rt_writer"])
    user = pwd.getpwuid(os.getuid()).pw_name
    env = writer_env(USER=user, LOGNAME=user, MLT_EXPECT_USER=user, MLT_EXPECT_SOURCE=writer)
    cwd = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # inside the git work tree
    p = run([writer, root, manifest, scratch] + (["fsync"] if a.fsync else []), env=env, cwd=cwd)
    sys.stderr.write(p.stderr.decode(errors="replace"))
    commit, branch = git_info(cwd)
    ck.true(commit is not None, "the test must run inside a git work tree (mlflow.source.git.commit)")
    exps, runs = replay(manifest, commit)
    ck.true(len(runs) == 5, f"manifest has {len(runs)} runs, expected 5")

    # raw layout facts MLflow relies on (filestore.md §4, §13, §14)
    ck.eq(leftovers(root), [], "temp files or staging dirs left in the root")
    ck.true(os.path.isdir(os.path.join(root, ".trash")), ".trash/ missing")
    for rid, w in runs.items():
        d = os.path.join(root, w["exp"], rid)
        for sub in ("metrics", "params", "artifacts", "tags"):
            ck.true(os.path.isdir(os.path.join(d, sub)), f"run {rid}: {sub}/ missing")
        with open(os.path.join(d, "meta.yaml"), encoding="utf-8") as f:
            meta = yaml.safe_load(f)
        ck.eq(meta.get("run_uuid"), rid, f"run {rid}: meta.yaml run_uuid (2.x readers need it)")
        ck.eq(meta.get("run_id"), rid, f"run {rid}: meta.yaml run_id")

    got = dump(root)
    ck.eq(got["mlflow_version"], "3.18.0", "judge version")
    compare(ck, "3.18 file store", exps, runs, got, branch)

    # the same through `mlflow migrate-filestore` into SQLite
    db = os.path.join(work, "migrated.db")
    try:
        migrate(root, db)
        got_sql = dump("sqlite:///" + db)
        compare(ck, "3.18 sqlite after migrate-filestore", exps, runs, got_sql, branch, sql_order=True)
    except RuntimeError as e:
        ck.fail(f"migrate-filestore / sqlite read failed: {e}")

    # the 2.x reader on the same folder
    if not a.python2:
        ck.fail("MLL_PYTHON2 (the 2.x reader) is not configured")
    else:
        try:
            got2 = dump(root, python=a.python2)
            ck.true(got2["mlflow_version"].startswith("2."), f"2.x reader is {got2['mlflow_version']}")
            compare(ck, f"{got2['mlflow_version']} file store", exps, runs, got2, branch)
        except RuntimeError as e:
            ck.fail(f"2.x reader failed: {e}")
    ck.finish()


if __name__ == "__main__":
    main()
