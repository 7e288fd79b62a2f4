#!/usr/bin/env python3
"""The SRC reader cross-checked with the judge, MLflow 3.18.

Two folders are written: one by Python MLflow itself (several experiments, a
deleted one, nested runs three deep, a deleted run, NaN/inf metrics, params with
unicode and newlines, a dataset input, a metric logged against a dataset, a
LoggedModel with params and a metric, a registered model with a models:/
version, a stage, an alias and a deleted version) and one by mlflow_lite.h
(tests/tool_src/src_lite_writer.c: page padding, NaN/inf/-0.0/subnormal values,
a RUNNING run). tests/tool_src/src_dump prints what our reader read; MlflowClient
reads the same folder; every field must agree. The one known difference is
asserted as such: for a 5-field metric line (a metric logged with a dataset)
MLflow's FileStore reads step 0 although it wrote the step; we keep the step.

    src_dump_check.py SRC_DUMP SRC_LITE_WRITER
"""
import json
import math
import os
import subprocess
import sys
import tempfile

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow >= 3.13 refuses a file store without it

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402

FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL " + msg)


def same_float(a, b):
    """Bit-for-bit equal doubles (NaN equals NaN, -0.0 differs from 0.0)."""
    if isinstance(a, str):
        a = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}[a]
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def expect(what, ours, theirs):
    if ours != theirs:
        fail(f"{what}: reader has {ours!r}, MLflow has {theirs!r}")


def pairs(what, ours, theirs):
    """The ids both sides hold (after checking they hold the same ones), with both records."""
    expect(what, sorted(ours), sorted(theirs))
    return [(k, ours[k], theirs[k]) for k in theirs if k in ours]


# ---- writing a store with Python MLflow --------------------------------------------------


def write_python_store(root):
    uri = "file://" + root
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    c = MlflowClient()
    alpha = c.create_experiment("alpha", tags={"team": "hpc", "note": "x\ny"})
    c.create_experiment("beta")
    gone = c.create_experiment("gamma")
    c.delete_experiment(gone)  # moved to .trash
    import numpy as np

    with mlflow.start_run(experiment_id=alpha, run_name="parent") as parent:
        mlflow.log_params({"unicode": "na\u00efve \u2713 \u65e5\u672c", "multi": "a\nb\r\nc ", "empty": ""})
        mlflow.set_tag("k", "v")
        for i in range(50):
            mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
        for v in (math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e308):
            mlflow.log_metric("weird/values", v)
        ds = mlflow.data.from_numpy(np.arange(6).reshape(3, 2), source="/data/x.npy", name="ds")
        mlflow.log_input(ds, context="training")
        mlflow.log_metric("eval_acc", 0.5, step=7, dataset=ds)  # a 5-field line
        lm = mlflow.initialize_logged_model(name="lm1", model_type="agent", params={"a": "1"}, tags={"t": "x"})
        mlflow.log_metric("lm_acc", 0.25, step=3, model_id=lm.model_id)
        mlflow.finalize_logged_model(lm.model_id, "READY")
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_metric("c", 1.0)
            with mlflow.start_run(run_name="grandchild", nested=True):
                mlflow.log_param("depth", "2")
    killed = c.create_run(alpha, run_name="killed")
    c.log_metric(killed.info.run_id, "m", 3.0, timestamp=1714000000000, step=-5)
    c.set_terminated(killed.info.run_id, "KILLED")
    c.create_run(alpha, run_name="still-running")
    deleted = c.create_run(alpha, run_name="deleted")
    c.set_terminated(deleted.info.run_id)
    c.delete_run(deleted.info.run_id)
    c.create_registered_model("reg1", tags={"k": "v"}, description="desc")
    c.create_model_version("reg1", f"runs:/{parent.info.run_id}/model", run_id=parent.info.run_id, tags={"vt": "1"})
    c.create_model_version("reg1", f"models:/{lm.model_id}", model_id=lm.model_id)
    v3 = c.create_model_version("reg1", "s3://bucket/model")
    c.set_registered_model_alias("reg1", "champion", "2")
    c.transition_model_version_stage("reg1", "1", "Staging")
    c.delete_model_version("reg1", v3.version)
    return {"child": child.info.run_id, "deleted": deleted.info.run_id, "gone": gone, "ds_metric": "eval_acc"}


# ---- comparing ----------------------------------------------------------------------------


def dump(reader, root, *flags):
    out = subprocess.run([reader, *flags, root], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"src_dump {root}: exit {out.returncode}: {out.stderr.strip()}")
        return None
    return json.loads(out.stdout)


def check_experiments(d, c, view):
    theirs = {e.experiment_id: e for e in c.search_experiments(view_type=view)}
    for eid, o, e in pairs("experiment ids", {e["id"]: e for e in d["experiments"]}, theirs):
        expect(f"experiment {eid} name", o["name"], e.name)
        expect(f"experiment {eid} artifact_location", o["artifact_location"], e.artifact_location)
        expect(f"experiment {eid} deleted", o["deleted"], e.lifecycle_stage == "deleted")
        expect(f"experiment {eid} creation_time", o["creation_time"], e.creation_time or 0)
        expect(f"experiment {eid} last_update_time", o["last_update_time"], e.last_update_time or 0)
        expect(f"experiment {eid} tags", o["tags"], e.tags)
    return list(theirs)


def check_history(what, ours, theirs, dataset_steps):
    if len(ours) != len(theirs):
        fail(f"{what}: reader has {len(ours)} points, MLflow {len(theirs)}")
        return
    for i, (o, m) in enumerate(zip(ours, theirs)):
        ts, value, step = o
        if ts != m.timestamp or not same_float(value, m.value):
            fail(f"{what} point {i}: reader {o!r}, MLflow {(m.timestamp, m.value, m.step)!r}")
        if m.dataset_name is not None:
            # MLflow's FileStore reads step 0 from a 5-field line; we keep the step written
            dataset_steps.append((what, step, m.step))
        elif step != m.step:
            fail(f"{what} point {i}: step {step} vs MLflow {m.step}")


def check_run_data(o, r, c, dataset_steps):
    rid = r.info.run_id
    expect(f"run {rid} params", o["params"], r.data.params)
    expect(f"run {rid} tags", o["tags"], r.data.tags)
    expect(f"run {rid} parent", o["parent_id"], r.data.tags.get("mlflow.parentRunId"))
    expect(f"run {rid} metric keys", sorted(o["metrics"]), sorted(r.data.metrics))
    for key in r.data.metrics:
        check_history(f"run {rid} metric {key}", o["metrics"].get(key, []), c.get_metric_history(rid, key),
                      dataset_steps)
    theirs = [(i.dataset.name, i.dataset.digest, i.dataset.source_type, i.dataset.source, i.dataset.schema,
               i.dataset.profile, {t.key: t.value for t in i.tags}) for i in r.inputs.dataset_inputs]
    ours = [(i["name"], i["digest"], i["source_type"], i["source"], i["schema"], i["profile"], i["tags"])
            for i in o["inputs"]]
    expect(f"run {rid} dataset inputs", sorted(ours, key=str), sorted(theirs, key=str))
    expect(f"run {rid} model inputs", sorted(o["model_inputs"]), sorted(m.model_id for m in r.inputs.model_inputs))
    expect(f"run {rid} outputs", sorted((x["model_id"], x["step"]) for x in o["outputs"]),
           sorted((m.model_id, m.step) for m in r.outputs.model_outputs))


def check_runs(d, c, exp_ids, view, dataset_steps):
    ours = {r["id"]: r for r in d["runs"]}
    theirs = {}
    for eid in exp_ids:
        for r in c.search_runs([eid], run_view_type=view, max_results=50000):
            theirs[r.info.run_id] = r
    for rid, o, r in pairs("run ids", ours, theirs):
        i = r.info
        expect(f"run {rid} experiment", o["experiment_id"], i.experiment_id)
        expect(f"run {rid} name", o["name"], i.run_name)
        expect(f"run {rid} user", o["user_id"], i.user_id)
        expect(f"run {rid} status", o["status"], i.status)
        expect(f"run {rid} start_time", o["start_time"], i.start_time)
        expect(f"run {rid} end_time", o["end_time"], i.end_time)
        expect(f"run {rid} artifact_uri", o["artifact_uri"], i.artifact_uri)
        expect(f"run {rid} deleted", o["deleted"], i.lifecycle_stage == "deleted")
        check_run_data(o, r, c, dataset_steps)


def check_registry(d, c):
    theirs = {m.name: m for m in c.search_registered_models()}
    for name, o, m in pairs("registered models", {m["name"]: m for m in d["registry"]}, theirs):
        expect(f"model {name} description", o["description"], m.description)
        expect(f"model {name} tags", o["tags"], m.tags)
        expect(f"model {name} aliases", o["aliases"], m.aliases)
        live = {v["version"]: v for v in o["versions"] if not v["deleted"]}
        versions = {int(v.version): v for v in c.search_model_versions(f"name='{name}'")}
        expect(f"model {name} versions", sorted(live), sorted(versions))
        for n, v in versions.items():
            ov = live.get(n, {})
            for field, theirs_v in (("stage", v.current_stage), ("source", v.source), ("run_id", v.run_id or None),
                                    ("model_id", v.model_id), ("description", v.description),
                                    ("status", v.status), ("creation_time", v.creation_timestamp),
                                    ("last_updated_time", v.last_updated_timestamp), ("tags", v.tags)):
                expect(f"model {name} version {n} {field}", ov.get(field), theirs_v)
        if not any(v["deleted"] for v in o["versions"]):
            fail(f"model {name}: the deleted version is not listed (its number must be known)")


def check_logged_models(d, c, exp_ids):
    theirs = {m.model_id: m for m in c.search_logged_models(experiment_ids=exp_ids)}
    for mid, o, m in pairs("logged models", {m["id"]: m for m in d["logged_models"]}, theirs):
        expect(f"logged model {mid} name", o["name"], m.name)
        expect(f"logged model {mid} experiment", o["experiment_id"], m.experiment_id)
        expect(f"logged model {mid} source_run_id", o["source_run_id"], m.source_run_id)
        expect(f"logged model {mid} model_type", o["model_type"], m.model_type)
        expect(f"logged model {mid} status", o["status"], m.status.to_int())
        expect(f"logged model {mid} params", o["params"], m.params)
        expect(f"logged model {mid} tags", o["tags"], m.tags)
        # MLflow keeps the latest point per metric; the reader returns every line
        latest = {}
        for p in o["metrics"]:
            k = p["key"]
            if k not in latest or (p["step"], p["timestamp"]) > (latest[k]["step"], latest[k]["timestamp"]):
                latest[k] = p
        expect(f"logged model {mid} metrics", sorted((k, p["step"], p["timestamp"], p["value"], p["run_id"])
                                                     for k, p in latest.items()),
               sorted((x.key, x.step, x.timestamp, x.value, x.run_id) for x in m.metrics))


def check_store(reader, root, label, with_registry):
    mlflow.set_tracking_uri("file://" + root)
    mlflow.set_registry_uri("file://" + root)
    c = MlflowClient()
    dataset_steps = []
    before = len(FAILURES)
    d = dump(reader, root)
    if d is None:
        return []
    if d["problems"]:
        fail(f"{label}: the reader reported problems in a clean store: {d['problems']}")
    exp_ids = check_experiments(d, c, ViewType.ACTIVE_ONLY)
    check_runs(d, c, exp_ids, ViewType.ACTIVE_ONLY, dataset_steps)
    if with_registry:
        check_registry(d, c)
        check_logged_models(d, c, exp_ids)
    dd = dump(reader, root, "--deleted")
    if dd is not None:
        check_experiments(dd, c, ViewType.ALL)
        check_runs(dd, c, [e["id"] for e in dd["experiments"]], ViewType.ALL, [])
    print(f"{'FAIL' if len(FAILURES) > before else 'ok  '} {label}: {len(d['experiments'])} experiments, {len(d['runs'])} runs, "
          f"{sum(len(h) for r in d['runs'] for h in r['metrics'].values())} metric points compared with MLflow "
          f"{mlflow.__version__}")
    return dataset_steps


def main():
    reader, writer = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="src-dump-check-", dir=os.environ.get("TMPDIR"))
    py_root = os.path.join(work, "python", "mlruns")
    facts = write_python_store(py_root)
    steps = check_store(reader, py_root, "a store written by Python MLflow", True)
    # the known difference, asserted: the 5-field line was written with step 7
    if not steps or any(ours != 7 or theirs != 0 for _, ours, theirs in steps):
        fail(f"5-field metric lines: expected reader step 7 and MLflow step 0, got {steps}")
    else:
        print("ok   5-field metric line: reader keeps step 7 (written), MLflow's FileStore reads 0 (its bug)")
    d = dump(reader, py_root)
    if d and any(r["id"] == facts["deleted"] for r in d["runs"]):
        fail("the deleted run was loaded without --deleted")
    if d and [r["depth"] for r in d["runs"] if r["id"] == facts["child"]] != [1]:
        fail("the child run's depth is not 1")
    lite_root = os.path.join(work, "lite")
    subprocess.run([writer, lite_root], check=True)
    check_store(reader, lite_root, "a store written by mlflow_lite.h", False)
    print(f"{'FAILED' if FAILURES else 'passed'}: {len(FAILURES)} differences")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
