"""The judge's reading of an MLflow file store, and of a server after a sync.

    python expected.py dump MLRUNS            # what MLflow 3.18 reads from the folder (JSON)
    python expected.py dump-remote URL        # what it reads from a tracking server (JSON)
    python expected.py compare MLRUNS URL     # every difference, field by field; exit 1 if any

Both dumps go through MlflowClient (3.18.0, the judge): the folder with
MLFLOW_ALLOW_FILE_STORE=true, the server over REST with its artifacts
downloaded. A dump is a plain dict of experiments, runs (info, params,
tags, every metric history as (step, timestamp, value), dataset inputs,
model outputs, artifact paths with SHA-256 of their bytes), the model
registry (names, live version numbers, deleted numbers, sources, stages,
aliases, tags, descriptions) and MLflow 3 LoggedModels.

compare() maps local ids to remote ones: runs by the tag
mlflow_lite.source_run_id, LoggedModels by mlflow_lite.source_model_id,
experiments and registered models by name (these marker tags, and a
version's mlflow_lite.source_version, are the tool's own and not compared). It returns one line per
difference; nothing is skipped silently (what the tool does not carry by
design, e.g. deleted runs, is expected to be ABSENT remotely and checked).

Where MLflow itself cannot read a run's artifacts (an artifact_uri of another
machine, file:///C:/... or /mnt/c/...), the local side reads the run folder's
artifacts/ directory, which is what a sync uploads, and says so in the dump.
"""
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

SYNC_TAG = "mlflow_lite.source_run_id"
MODEL_TAG = "mlflow_lite.source_model_id"
VERSION_TAG = "mlflow_lite.source_version"  # the tool's marker on a version it created ("name/num@created")
MAXD = 1.7976931348623157e308
MAX_RESULTS = 50000


# ------------------------------------------------------------------ values --

def metric_value(v):
    """A metric value as the SQL store gives it back: no sign of zero, inf as
    +-DBL_MAX (the Python client sees the same); NaN as a string."""
    if isinstance(v, float) and math.isnan(v):
        return "nan"
    if v in (math.inf, MAXD):
        return "+inf"
    if v in (-math.inf, -MAXD):
        return "-inf"
    if v == 0:
        return "0.0"
    return repr(float(v))


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def hash_tree(root):
    """{relative path: sha256} of every regular file under root."""
    out = {}
    for dp, _, files in os.walk(root):
        for name in files:
            p = os.path.join(dp, name)
            out[os.path.relpath(p, root).replace(os.sep, "/")] = sha256_file(p)
    return out


# ------------------------------------------------------------------ folders --

RUN_DIR = re.compile(r"[0-9a-f]{32}")


def keep_if_failed(wd, problems):
    """A test's work folder: kept (and named) when it found problems, else removed."""
    if problems:
        print(f"kept for inspection: {wd}")
    else:
        shutil.rmtree(wd, ignore_errors=True)


def verdict(problems):
    """Prints each problem and the verdict; the test's exit code."""
    for line in problems:
        print(f"FAIL {line}")
    print("passed" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


def restore_empty_dirs(mlruns):
    """Recreates the empty metrics/, params/ and artifacts/ folders of every run.

    MLflow makes all three when it creates a run, and git keeps no empty folder,
    so a folder committed to a repository (all of the corpus) loses them. MLflow
    3.18 then lists such a run in search_runs but answers "Run '<id>' not found"
    to get_run and get_metric_history (it only accepts a run folder holding all
    three, a guard against paths inside artifacts/). Returns how many were made."""
    made = 0
    for dp, _, files in os.walk(mlruns):
        rel = os.path.relpath(dp, mlruns).split(os.sep)
        if RUN_DIR.fullmatch(rel[-1]) and "meta.yaml" in files and "artifacts" not in rel[:-1] \
                and "models" not in rel[:-1]:
            for sub in ("metrics", "params", "artifacts"):
                if not os.path.isdir(os.path.join(dp, sub)):
                    os.mkdir(os.path.join(dp, sub))
                    made += 1
    return made


# ------------------------------------------------------------------ reading --

def client_for(uri):
    from mlflow import MlflowClient
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def read_experiments(c):
    from mlflow.entities import ViewType
    out = {}
    for e in c.search_experiments(view_type=ViewType.ALL, max_results=MAX_RESULTS):
        out[e.experiment_id] = {"name": e.name, "lifecycle_stage": e.lifecycle_stage, "tags": dict(e.tags)}
    return out


def read_metrics(c, run):
    hist = {}
    for key in sorted(run.data.metrics):
        pts = [(m.step, m.timestamp, metric_value(m.value)) for m in c.get_metric_history(run.info.run_id, key)]
        hist[key] = sorted(pts, key=lambda p: (p[0], p[1], p[2]))
    return hist


def read_inputs(run):
    ds = []
    for d in run.inputs.dataset_inputs if run.inputs else []:
        x = d.dataset
        ds.append([x.name, x.digest, x.source_type, x.source, x.schema, x.profile,
                   sorted([t.key, t.value] for t in d.tags)])
    models = sorted(m.model_id for m in (getattr(run.inputs, "model_inputs", None) or []))
    return sorted(ds), models


def read_outputs(run):
    outs = getattr(run, "outputs", None)
    return sorted([m.model_id, m.step] for m in (outs.model_outputs if outs else []))


def local_artifact_dir(mlruns, run):
    return os.path.join(mlruns, run.info.experiment_id, run.info.run_id, "artifacts")


def read_local_artifacts(c, mlruns, run):
    """MLflow's own listing where it can read the run's artifact_uri, the folder's files otherwise."""
    folder = local_artifact_dir(mlruns, run)
    files = hash_tree(folder) if os.path.isdir(folder) else {}
    note = None
    try:
        listed = sorted(list_artifacts(c, run.info.run_id))
    except Exception as e:  # noqa: BLE001 - any failure to read is reported, not fatal
        listed, note = None, f"MLflow cannot list them ({type(e).__name__}: {str(e)[:120]})"
    if listed is not None and listed != sorted(files):
        note = f"MLflow lists {len(listed)} files at {run.info.artifact_uri}, the folder holds {len(files)}"
    return files, note


def list_artifacts(c, run_id, path=None):
    out = []
    for fi in c.list_artifacts(run_id, path):
        out += list_artifacts(c, run_id, fi.path) if fi.is_dir else [fi.path]
    return out


def read_remote_artifacts(url, run):
    """The run's artifacts straight from its artifact repository: MlflowClient.list_artifacts
    of 3.18 also asks the server for the run's LoggedModels, which a 2.x server answers 404."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    repo = get_artifact_repository(run.info.artifact_uri, tracking_uri=url)
    if not repo.list_artifacts():
        return {}
    tmp = tempfile.mkdtemp(prefix="mll-corpus-dl-")
    try:
        return hash_tree(repo.download_artifacts("", dst_path=tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_run(c, run, artifacts):
    i = run.info
    ds, model_inputs = read_inputs(run)
    files, note = artifacts(run)
    d = {"experiment_id": i.experiment_id, "run_name": i.run_name, "status": i.status,
         "start_time": i.start_time, "end_time": i.end_time, "user_id": i.user_id,
         "lifecycle_stage": i.lifecycle_stage, "params": dict(run.data.params), "tags": dict(run.data.tags),
         "metrics": read_metrics(c, run), "datasets": ds, "model_inputs": model_inputs,
         "model_outputs": read_outputs(run), "artifacts": files}
    if note:
        d["artifacts_note"] = note
    return d


def read_runs(c, exp_ids, artifacts):
    from mlflow.entities import ViewType
    out = {}
    for eid in exp_ids:
        for r in c.search_runs([eid], run_view_type=ViewType.ALL, max_results=MAX_RESULTS):
            out[r.info.run_id] = read_run(c, r, artifacts)
    return out


def search_logged_models(c, exp_ids):
    """The LoggedModels of exp_ids; None where the server has none at all (MLflow 2.x: 404)."""
    from mlflow.exceptions import MlflowException
    try:
        return c.search_logged_models(experiment_ids=list(exp_ids), max_results=MAX_RESULTS) if exp_ids else []
    except MlflowException as e:
        if "404" in str(e) or getattr(e, "error_code", "") == "ENDPOINT_NOT_FOUND":
            return None
        raise


def latest_model_metrics(metrics):
    """A LoggedModel's metrics as MLflow's file store gives them: the latest point (by step,
    timestamp, value) per key and dataset. An SQL server gives every point; the whole history is
    checked elsewhere (test_logged_models_later.py reads it from the server's own store)."""
    best = {}
    for x in metrics:
        g = (x.key, x.dataset_name, x.dataset_digest)
        if g not in best or (x.step, x.timestamp, x.value) > (best[g].step, best[g].timestamp, best[g].value):
            best[g] = x
    return list(best.values())


def read_logged_models(c, exp_ids, artifacts):
    out = {}
    found = search_logged_models(c, exp_ids)
    if found is None:
        return None
    for m in found:
        out[m.model_id] = {
            "name": m.name, "experiment_id": m.experiment_id, "status": str(m.status),
            "source_run_id": m.source_run_id or None, "model_type": m.model_type or "",  # REST gives "" for none
            "params": dict(m.params or {}), "tags": dict(m.tags or {}),
            "metrics": sorted([x.key, x.step, x.timestamp, metric_value(x.value), x.run_id]
                              for x in latest_model_metrics(m.metrics or [])),
            "artifacts": artifacts(m)}
    return out


def read_registry(c, deleted_reader):
    out = {}
    for rm in c.search_registered_models(max_results=1000):
        versions = {}
        for v in c.search_model_versions(f"name='{escape(rm.name)}'", max_results=MAX_RESULTS):
            versions[str(v.version)] = {
                "stage": v.current_stage, "source": v.source, "run_id": v.run_id, "status": v.status,
                "description": v.description or "", "tags": dict(v.tags),
                "model_id": getattr(v, "model_id", None)}
        out[rm.name] = {"description": rm.description or "", "tags": dict(rm.tags),
                        "aliases": dict(rm.aliases or {}) if isinstance(rm.aliases, dict)
                        else {a.alias: str(a.version) for a in rm.aliases or []},
                        "versions": versions, "deleted_versions": deleted_reader(rm.name, versions)}
    return out


def escape(name):
    return name.replace("\\", "\\\\").replace("'", "\\'")


def deleted_local(mlruns):
    """Version numbers MLflow hides (current_stage: Deleted_Internal). MLflow
    offers no call that lists them, so their meta.yaml is read directly."""
    import yaml

    def reader(name, live):
        base = os.path.join(mlruns, "models", name)
        nums = []
        for d in os.listdir(base) if os.path.isdir(base) else []:
            if d.startswith("version-") and d[8:].isdigit():
                try:
                    with open(os.path.join(base, d, "meta.yaml")) as f:
                        meta = yaml.safe_load(f) or {}
                except OSError:
                    continue
                if meta.get("current_stage") == "Deleted_Internal":
                    nums.append(int(d[8:]))
        return sorted(nums)
    return reader


def deleted_remote(name, live):
    """A server shows no deleted version: the numbers below the highest live one that are missing."""
    nums = sorted(int(v) for v in live)
    return [n for n in range(1, nums[-1]) if n not in nums] if nums else []


# ------------------------------------------------------------------ dumps --

def dump_local(mlruns):
    import mlflow
    mlruns = os.path.abspath(mlruns)
    mlflow.set_tracking_uri("file://" + mlruns)  # else some reads open sqlite:///mlflow.db in the cwd
    c = client_for("file://" + mlruns)
    exps = read_experiments(c)

    def run_artifacts(run):
        return read_local_artifacts(c, mlruns, run)

    def model_artifacts(m):
        folder = os.path.join(mlruns, m.experiment_id, "models", m.model_id, "artifacts")
        return hash_tree(folder) if os.path.isdir(folder) else {}

    return {"experiments": exps, "runs": read_runs(c, exps, run_artifacts),
            "logged_models": read_logged_models(c, exps, model_artifacts),
            "registry": read_registry(c, deleted_local(mlruns))}


def dump_remote(url):
    import mlflow
    c = client_for(url)
    mlflow.set_tracking_uri(url)
    exps = read_experiments(c)

    def run_artifacts(run):
        return read_remote_artifacts(url, run), None

    def model_artifacts(m):
        from mlflow.artifacts import download_artifacts
        tmp = tempfile.mkdtemp(prefix="mll-corpus-lm-")
        try:
            if not c.list_logged_model_artifacts(m.model_id):
                return {}
            # a directory URI arrives as tmp/<its last component>: hash what it returns
            return hash_tree(download_artifacts(artifact_uri=m.artifact_location, dst_path=tmp, tracking_uri=url))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    models = read_logged_models(c, exps, model_artifacts)
    return {"experiments": exps, "runs": read_runs(c, exps, run_artifacts), "logged_models": models or {},
            "server_has_logged_models": models is not None, "registry": read_registry(c, deleted_remote)}


# ------------------------------------------------------------------ compare --

class Ids:
    """Local id -> remote id for experiments, runs and LoggedModels."""

    def __init__(self, local, remote, name_prefix=""):
        rexp = {e["name"]: eid for eid, e in remote["experiments"].items()}
        self.exp = {eid: rexp.get(name_prefix + e["name"]) for eid, e in local["experiments"].items()}
        self.run, self.run_dupes = self._by_tag(remote["runs"], SYNC_TAG)
        self.model, self.model_dupes = self._by_tag(remote["logged_models"], MODEL_TAG)
        self.remote_has_models = remote.get("server_has_logged_models", True)

    @staticmethod
    def _by_tag(items, tag):
        out, dupes = {}, []
        for rid, x in items.items():
            if x.get("lifecycle_stage", "active") == "deleted":
                continue
            t = x["tags"].get(tag)
            if t is None:
                continue
            if t in out:
                dupes.append(t)
            out[t] = rid
        return out, dupes

    def map_text(self, s):
        """Local run and model ids inside a string replaced by remote ones: for the fields
        that name another entity (a parent run, a version's run and source, outputs)."""
        if not isinstance(s, str):
            return s
        for table in (self.run, self.model):
            for lid, rid in table.items():
                if lid in s:
                    s = s.replace(lid, rid)
        return s


SERVER_LIMITS = {"params": 6000, "tags": 8000}  # MLflow servers cut longer values (MLFLOW_TRUNCATE_LONG_VALUES)


class Out(list):
    """The differences, plus .notes: differences every MLflow server imposes, accepted but shown."""

    def __init__(self):
        super().__init__()
        self.notes = []


def cut_by_server(where, local, remote):
    """A param or tag value longer than the server's limit arrives cut to the limit."""
    limit = next((n for kind, n in SERVER_LIMITS.items() if where.endswith(" " + kind)), None)
    return limit and isinstance(local, str) and len(local) > limit and remote == local[:limit]


def diff_dict(where, local, remote, out, map_value=lambda v: v):
    for k in sorted(set(local) | set(remote)):
        if k in local and k in remote and cut_by_server(where, map_value(local[k]), remote[k]):
            out.notes.append(f"{where}: {k!r} has {len(local[k])} characters; the server kept the first "
                             f"{len(remote[k])}, as every MLflow server does")
        elif k not in remote:
            out.append(f"{where}: {k!r} missing remotely (local {short(local[k])})")
        elif k not in local:
            out.append(f"{where}: {k!r} only remotely ({short(remote[k])})")
        elif map_value(local[k]) != remote[k]:
            out.append(f"{where}: {k!r} local {short(map_value(local[k]))} != remote {short(remote[k])}")


def short(v, n=160):
    s = repr(v)
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


def compare_experiments(local, remote, ids, out):
    for eid, le in local["experiments"].items():
        if le["lifecycle_stage"] != "active":
            continue
        reid = ids.exp.get(eid)
        if reid is None:
            out.append(f"experiment {le['name']!r}: missing remotely")
            continue
        diff_dict(f"experiment {le['name']!r} tags", le["tags"], remote["experiments"][reid]["tags"], out)


def compare_metrics(where, lm, rm, out):
    for key in sorted(set(lm) | set(rm)):
        lp = sorted(set(map(tuple, lm.get(key, []))))  # a store keeps an identical point once
        rp = [tuple(p) for p in rm.get(key, [])]
        if lp == rp:
            continue
        extra = len(rp) - len(set(rp))
        first = next(((a, b) for a, b in zip(lp, rp) if a != b), None)
        out.append(f"{where} metric {key!r}: {len(rp)} remote points vs {len(lp)} local"
                   f"{f', {extra} remote repeats' if extra else ''}; first difference {first}")


RUN_FIELDS = ("run_name", "status", "start_time", "end_time", "user_id", "lifecycle_stage")


def server_named(lr, rr):
    """A run without a name (MLflow 1.x before 1.29) cannot arrive nameless: every
    MLflow server gives runs/create without run_name a random one, and sets the
    mlflow.runName tag to it. That is the one difference accepted here."""
    return not lr["run_name"] and rr["run_name"] and rr["tags"].get("mlflow.runName") == rr["run_name"] \
        and "mlflow.runName" not in lr["tags"]


def compare_run(lid, lr, rr, ids, out):
    w = f"run {lid} ({lr['run_name']})"
    if server_named(lr, rr):
        out.notes.append(f"{w}: no name locally; the server named it {rr['run_name']!r}, as every MLflow server does")
        lr = dict(lr, run_name=rr["run_name"], tags=dict(lr["tags"], **{"mlflow.runName": rr["run_name"]}))
    for f in RUN_FIELDS:
        if lr[f] != rr[f]:
            out.append(f"{w}: {f} local {lr[f]!r} != remote {rr[f]!r}")
    diff_dict(f"{w} params", lr["params"], rr["params"], out)
    rtags = dict(rr["tags"])
    if rtags.pop(SYNC_TAG, None) != lid:
        out.append(f"{w}: remote tag {SYNC_TAG} is not the local run id")
    ltags = dict(lr["tags"])
    if "mlflow.parentRunId" in ltags:  # the one tag whose value the sync rewrites: the parent's remote id
        ltags["mlflow.parentRunId"] = ids.map_text(ltags["mlflow.parentRunId"])
    diff_dict(f"{w} tags", ltags, rtags, out)
    compare_metrics(w, lr["metrics"], rr["metrics"], out)
    if lr["datasets"] != rr["datasets"]:
        out.append(f"{w}: dataset inputs local {short(lr['datasets'])} != remote {short(rr['datasets'])}")
    for f in ("model_inputs", "model_outputs"):
        mapped = json.loads(ids.map_text(json.dumps(lr[f])))
        if mapped and not ids.remote_has_models:
            out.notes.append(f"{w}: {f} {mapped} cannot exist on this server (no LoggedModels: MLflow 2.x)")
        elif mapped != rr[f]:
            out.append(f"{w}: {f} local {mapped} != remote {rr[f]}")
    diff_dict(f"{w} artifacts", lr["artifacts"], rr["artifacts"], out)


def compare_runs(local, remote, ids, out):
    for d in ids.run_dupes:
        out.append(f"run {d}: exists more than once remotely")
    expected = {lid for lid, r in local["runs"].items()
                if r["lifecycle_stage"] == "active" and local["experiments"][r["experiment_id"]]["lifecycle_stage"] == "active"}
    for lid in sorted(set(local["runs"]) - expected):
        if lid in ids.run:
            out.append(f"run {lid}: deleted locally but present remotely")
    for lid in sorted(expected):
        if lid not in ids.run:
            out.append(f"run {lid} ({local['runs'][lid]['run_name']}): missing remotely")
        else:
            compare_run(lid, local["runs"][lid], remote["runs"][ids.run[lid]], ids, out)


def compare_logged_models(local, remote, ids, out):
    if not remote.get("server_has_logged_models", True):
        if local["logged_models"]:
            out.notes.append(f"{len(local['logged_models'])} LoggedModels cannot exist on this server "
                             "(no logged-models endpoints: MLflow 2.x); the sync must say so")
        return
    for d in ids.model_dupes:
        out.append(f"LoggedModel {d}: exists more than once remotely")
    for lid, lm in sorted(local["logged_models"].items()):
        rid = ids.model.get(lid)
        if rid is None:
            out.append(f"LoggedModel {lid} ({lm['name']}): missing remotely")
            continue
        rm, w = remote["logged_models"][rid], f"LoggedModel {lid} ({lm['name']})"
        for f in ("name", "status", "model_type"):
            if lm[f] != rm[f]:
                out.append(f"{w}: {f} local {lm[f]!r} != remote {rm[f]!r}")
        if ids.run.get(lm["source_run_id"], lm["source_run_id"]) != rm["source_run_id"]:
            out.append(f"{w}: source run {lm['source_run_id']} not mapped to the remote {rm['source_run_id']}")
        diff_dict(f"{w} params", lm["params"], rm["params"], out)
        rtags = {k: v for k, v in rm["tags"].items() if k != MODEL_TAG}
        if "mlflow.modelVersions" in rtags and "mlflow.modelVersions" not in lm["tags"]:
            out.notes.append(f"{w}: the server added mlflow.modelVersions = {rtags.pop('mlflow.modelVersions')} "
                             "(a server records there the versions made from the model; a folder written through "
                             "the client has no such tag)")
        diff_dict(f"{w} tags", lm["tags"], rtags, out)
        lmet = json.loads(ids.map_text(json.dumps(lm["metrics"])))
        if lmet != rm["metrics"]:
            out.append(f"{w}: metrics local {short(lmet)} != remote {short(rm['metrics'])}")
        diff_dict(f"{w} artifacts", lm["artifacts"], rm["artifacts"], out)


def without_model_versions(registry, out):
    """The registry less the versions made from a LoggedModel (and the aliases naming them): what a
    server without LoggedModels (MLflow 2.x) can hold."""
    kept = {}
    for name, m in registry.items():
        gone = {num for num, v in m["versions"].items()
                if v.get("model_id") or remote_version_model(registry, v["source"])}
        if gone:
            out.notes.append(f"registered model {name!r}: versions {sorted(map(int, gone))} come from LoggedModels "
                             "and cannot exist on this server (MLflow 2.x); the sync must say so")
        kept[name] = dict(m, versions={k: v for k, v in m["versions"].items() if k not in gone},
                          aliases={a: n for a, n in m["aliases"].items() if n not in gone})
    return kept


def compare_registry(local, remote, ids, out):
    if not ids.remote_has_models:
        local = dict(local, registry=without_model_versions(local["registry"], out))
    for name, lm in sorted(local["registry"].items()):
        rm = remote["registry"].get(name)
        if rm is None:
            out.append(f"registered model {name!r}: missing remotely")
            continue
        w = f"registered model {name!r}"
        for f in ("description", "aliases"):
            if lm[f] != rm[f]:
                out.append(f"{w}: {f} local {short(lm[f])} != remote {short(rm[f])}")
        diff_dict(f"{w} tags", lm["tags"], rm["tags"], out)
        if sorted(lm["versions"], key=int) != sorted(rm["versions"], key=int):
            out.append(f"{w}: version numbers local {sorted(map(int, lm['versions']))} (deleted "
                       f"{lm['deleted_versions']}) != remote {sorted(map(int, rm['versions']))}")
        for num in sorted(set(lm["versions"]) & set(rm["versions"]), key=int):
            lv, rv = lm["versions"][num], rm["versions"][num]
            # ids are mapped where the sync maps them (source, run, model), not inside free text
            mapped = {k: ids.map_text(v) if k in ("source", "run_id", "model_id") else v for k, v in lv.items()}
            rv = dict(rv, tags={k: v for k, v in rv["tags"].items() if k != VERSION_TAG})
            if mapped["model_id"] and rv["model_id"] is None and \
                    remote_version_model(remote["registry"], rv["source"]) == mapped["model_id"]:
                out.notes.append(f"{w} version {num}: model_id {mapped['model_id']} is None remotely, its source "
                                 f"{rv['source']} names it (MLflow 3.18 sends no model_id in a version over REST, and its SQL "
                                 "registry has no column for it)")
                rv = dict(rv, model_id=mapped["model_id"])
            for f in ("stage", "source", "run_id", "status", "description", "tags", "model_id"):
                if mapped[f] != rv[f] and not source_equivalent(f, mapped[f], rv[f]):
                    out.append(f"{w} version {num}: {f} local {short(mapped[f])} != remote {short(rv[f])}")


def remote_version_model(registry, source, depth=0):
    """The LoggedModel a remote version source names: models:/m-<id>, or models:/<name>/<version>
    (a copied version) through the version it names."""
    if not source or not source.startswith("models:/") or depth > 5:
        return None
    rest = source[len("models:/"):]
    if rest.startswith("m-") and "/" not in rest:
        return rest
    name, _, ver = rest.rpartition("/")
    v = registry.get(name, {}).get("versions", {}).get(ver)
    return remote_version_model(registry, v["source"], depth + 1) if v else None


def source_equivalent(field, local, remote):
    """A version source names the run's artifact by a URI of the store it lives in:
    local file:///.../<run>/artifacts/<path> equals remote mlflow-artifacts:/.../<run>/artifacts/<path>."""
    if field != "source" or not local or not remote:
        return False
    tail = "/artifacts/"
    return tail in local and tail in remote and local.split(tail, 1)[1] == remote.split(tail, 1)[1] \
        and local.split(tail, 1)[0].rsplit("/", 1)[-1] == remote.split(tail, 1)[0].rsplit("/", 1)[-1]


def compare(local, remote, name_prefix=""):
    """Every difference between a local dump and a remote one, as lines (a list
    whose .notes holds the differences every MLflow server imposes: accepted)."""
    ids = Ids(local, remote, name_prefix)
    out = Out()
    compare_experiments(local, remote, ids, out)
    compare_runs(local, remote, ids, out)
    compare_logged_models(local, remote, ids, out)
    compare_registry(local, remote, ids, out)
    return out


def summary(d):
    """One line: what a dump holds."""
    runs = d["runs"].values()
    return (f"{len(d['experiments'])} experiments, {len(d['runs'])} runs "
            f"({sum(r['lifecycle_stage'] == 'deleted' for r in runs)} deleted, "
            f"{sum(r['status'] == 'RUNNING' for r in runs)} RUNNING), "
            f"{sum(len(p) for r in runs for p in r['metrics'].values())} metric points, "
            f"{sum(len(r['datasets']) for r in runs)} dataset inputs, "
            f"{sum(len(r['artifacts']) for r in runs)} artifacts, "
            f"{len(d['logged_models'])} LoggedModels, {len(d['registry'])} registered models with "
            f"{sum(len(m['versions']) for m in d['registry'].values())} versions "
            f"({sum(len(m['deleted_versions']) for m in d['registry'].values())} deleted)")


def main(argv):
    if len(argv) >= 2 and argv[0] == "dump":
        json.dump(dump_local(argv[1]), sys.stdout, indent=1, sort_keys=True)
    elif len(argv) >= 2 and argv[0] == "dump-remote":
        json.dump(dump_remote(argv[1]), sys.stdout, indent=1, sort_keys=True)
    elif len(argv) >= 3 and argv[0] == "compare":
        local, remote = dump_local(argv[1]), dump_remote(argv[2])
        print(f"local:  {summary(local)}\nremote: {summary(remote)}")
        diffs = compare(local, remote)
        print("\n".join(f"note: {n}" for n in diffs.notes))
        print("\n".join(diffs) if diffs else "no differences")
        return 1 if diffs else 0
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
