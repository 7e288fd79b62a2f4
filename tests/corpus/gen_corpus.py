"""Writes the GENERATED folders of the corpus with real Python MLflow.

    python gen_corpus.py all OUTDIR              # every folder, each with its own MLflow
    PY -m ... gen_corpus.py one NAME OUTDIR/NAME # one folder, with the MLflow of PY

The real folders (tests/corpus/SOURCES.md) come from public repositories and
stay out of this one; a few features appear in none of them (registry
aliases, deleted versions, LoggedModels with params and metrics, several runs
sharing one dataset in MLflow 3) or in few (copied versions). These folders
have them, written through MLflow's own client, not by hand. One edit is made
after writing and marked as such: the Windows artifact URIs of the
"windows" experiment (see windows_uris()).

Which MLflow writes which folder (WRITERS): 3.18.0 from .venv, 2.22 from
.venv2 (mlflow-skinny), 1.30.1 from a throw-away venv made for it
(`python3 -m venv V && V/bin/pip install mlflow-skinny==1.30.1`; pass
MLL_PYTHON1=V/bin/python). The folders are committed; re-running this
rewrites them with new ids and times.
"""
import os
import random
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
T0 = 1764000000000  # 2025-11-24, fixed so metric timestamps are reproducible


def venv(var, folder):
    return os.environ.get(var) or os.path.join(REPO, folder, "bin", "python")


WRITERS = {  # folder -> (python, expected major.minor)
    "gen-3.18-registry": (lambda: venv("MLL_PYTHON", ".venv"), "3.18"),
    "gen-2.22-datasets": (lambda: venv("MLL_PYTHON2", ".venv2"), "2.22"),
    "gen-1.30-legacy": (lambda: venv("MLL_PYTHON1", "build-h15/venv1"), "1.30"),
}


# ---------------------------------------------------------------- helpers --

def client(root):
    import mlflow
    from mlflow import MlflowClient
    uri = "file://" + os.path.abspath(root)
    mlflow.set_tracking_uri(uri)  # the registry resolves models:/ sources through it
    return MlflowClient(tracking_uri=uri, registry_uri=uri)


def artifact_dir(tmp, name, files):
    d = os.path.join(tmp, name)
    for rel, data in files.items():
        p = os.path.join(d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    return d


def metric_batch(key, n, seed, t0=T0):
    from mlflow.entities import Metric
    rnd = random.Random(seed)
    return [Metric(key, 1.0 / (s + 1) + rnd.random() * 1e-3, t0 + s * 250, s) for s in range(n)]


def log_metrics(c, run_id, metrics):
    for i in range(0, len(metrics), 1000):
        c.log_batch(run_id, metrics=metrics[i:i + 1000])


def dataset_input(name, digest, context, n_rows):
    from mlflow.entities import Dataset, DatasetInput, InputTag
    schema = '{"mlflow_colspec": [{"type": "double", "name": "x"}, {"type": "long", "name": "y"}]}'
    ds = Dataset(name=name, digest=digest, source_type="local",
                 source='{"uri": "/data/%s.parquet"}' % name, schema=schema,
                 profile='{"num_rows": %d, "num_elements": %d}' % (n_rows, 2 * n_rows))
    return DatasetInput(dataset=ds, tags=[InputTag(key="mlflow.data.context", value=context)])


# ---------------------------------------------------------------- MLflow 3 --

def write_3_registry(root):
    """MLflow 3.18: LoggedModels (params, tags, metrics, artifacts, READY/FAILED/PENDING),
    run outputs, six runs sharing one dataset, a deleted run, a RUNNING run, and a registry
    with a deleted version (Deleted_Internal), stages, aliases, tags, descriptions,
    versions whose source is a LoggedModel, a run artifact, and a copied version
    (source models:/<name>/<version>)."""
    from mlflow.entities import LoggedModelOutput, LoggedModelStatus, Param, RunTag
    c = client(root)
    tmp = tempfile.mkdtemp()
    e = c.create_experiment("corpus registry", tags={"team": "hpc", "mlflow.note.content": "generated for the corpus"})
    parent = c.create_run(e, run_name="sweep", start_time=T0, tags={"mlflow.user": "corpus"})
    shared = dataset_input("train-set", "a1b2c3d4", "training", 1000)
    runs, models = [], []
    for i in range(6):
        r = c.create_run(e, run_name=f"trial-{i}", start_time=T0 + i * 1000,
                         tags={"mlflow.user": "corpus", "mlflow.parentRunId": parent.info.run_id, "trial": str(i)})
        rid = r.info.run_id
        c.log_batch(rid, params=[Param("lr", str(0.1 / (i + 1))), Param("depth", str(i + 2))],
                    tags=[RunTag("stage", "search")])
        log_metrics(c, rid, metric_batch("loss", 400, i))
        c.log_inputs(rid, [shared, dataset_input("eval-set", "e5f6a7b8", "eval", 200)] if i < 2 else [shared])
        c.log_artifacts(rid, artifact_dir(tmp, f"art{i}", {"model/weights.bin": bytes(range(256)) * (i + 1),
                                                           "report.txt": f"trial {i}\n".encode()}))
        status = {3: LoggedModelStatus.FAILED, 5: LoggedModelStatus.PENDING}.get(i, LoggedModelStatus.READY)
        if i in (0, 1, 2, 3, 5):
            m = c.create_logged_model(e, name=f"clf-{i}", source_run_id=rid, params={"lr": str(0.1 / (i + 1))},
                                      tags={"framework": "none", "trial": str(i)}, model_type="classifier")
            c.log_model_artifacts(m.model_id, artifact_dir(tmp, f"lm{i}", {"MLmodel": f"model_id: {m.model_id}\n".encode(),
                                                                           "data/w.bin": bytes([i]) * 4096}))
            c.log_metric(rid, "val_acc", 0.8 + i / 100, timestamp=T0 + 99000, step=399, model_id=m.model_id)
            if status != LoggedModelStatus.PENDING:
                c.finalize_logged_model(m.model_id, status)
            c.log_outputs(rid, [LoggedModelOutput(m.model_id, step=399)])
            models.append((m.model_id, rid))
        if i != 5:
            c.set_terminated(rid, ["FINISHED", "FAILED", "KILLED", "FINISHED", "FINISHED"][i], end_time=T0 + 100000 + i)
        runs.append(rid)
    c.delete_run(runs[4])
    c.set_terminated(parent.info.run_id, "FINISHED", end_time=T0 + 200000)
    write_3_versions(c, models, runs)


def write_3_versions(c, models, runs):
    name = "corpus-model"
    c.create_registered_model(name, tags={"owner": "corpus"}, description="versions from LoggedModels")
    for mid, rid in models[:4]:
        v = c.create_model_version(name, source=f"models:/{mid}", run_id=rid, model_id=mid,
                                   tags={"from": mid}, description=f"built by run {rid}")
    c.delete_model_version(name, "1")  # stays on disk as Deleted_Internal
    c.transition_model_version_stage(name, "2", "Archived")
    c.transition_model_version_stage(name, "3", "Staging")
    c.transition_model_version_stage(name, "4", "Production")
    c.set_registered_model_alias(name, "champion", "4")
    c.set_registered_model_alias(name, "challenger", "3")
    c.set_model_version_tag(name, "3", "validated", "yes")
    c.copy_model_version(f"models:/{name}/3", "corpus-model-copy")   # source models:/corpus-model/3
    c.copy_model_version(f"models:/{name}@champion", "corpus-model-copy")
    run = c.get_run(runs[0])
    c.create_registered_model("corpus-run-artifact")
    c.create_model_version("corpus-run-artifact", source=f"{run.info.artifact_uri}/model", run_id=runs[0])
    c.create_model_version("corpus-run-artifact", source=f"runs:/{runs[1]}/model", run_id=runs[1])
    print(f"versions: {[(m.name, m.version, m.source) for m in c.search_model_versions()]}")


# ---------------------------------------------------------------- MLflow 2 --

def write_2_datasets(root):
    """MLflow 2.22: eight runs sharing one dataset (the log-inputs race), nested
    runs, a deleted run, a RUNNING run, an experiment whose artifact URIs are a
    Windows laptop's, and a registry with a deleted version, stages and an alias."""
    from mlflow.entities import Param
    c = client(root)
    tmp = tempfile.mkdtemp()
    e = c.create_experiment("corpus datasets")
    shared = [dataset_input("features", "0badc0de", "training", 5000), dataset_input("holdout", "5eed5eed", "eval", 500)]
    parent = c.create_run(e, run_name="grid", start_time=T0)
    runs = []
    for i in range(8):
        r = c.create_run(e, run_name=f"cell-{i}", start_time=T0 + i,
                         tags={"mlflow.parentRunId": parent.info.run_id, "mlflow.user": "corpus2"})
        rid = r.info.run_id
        c.log_batch(rid, params=[Param("alpha", str(i / 10)), Param("solver", "lbfgs")])
        log_metrics(c, rid, metric_batch("rmse", 300, 100 + i) + metric_batch("mae", 300, 200 + i))
        c.log_inputs(rid, shared)
        c.log_artifact(rid, artifact_dir(tmp, f"a{i}", {"coef.txt": f"{i}\n".encode()}) + "/coef.txt", "out")
        if i != 7:
            c.set_terminated(rid, "FINISHED", end_time=T0 + 50000 + i)
        runs.append(rid)
    c.delete_run(runs[6])
    c.set_terminated(parent.info.run_id, "FINISHED", end_time=T0 + 60000)
    w = c.create_experiment("windows")
    wr = c.create_run(w, run_name="laptop-run", start_time=T0)
    c.log_param(wr.info.run_id, "os", "windows")
    c.log_metric(wr.info.run_id, "acc", 0.75, timestamp=T0 + 5, step=0)
    c.log_artifact(wr.info.run_id, artifact_dir(tmp, "w", {"model.pkl": b"\x80\x04K*."}) + "/model.pkl", "model")
    c.set_terminated(wr.info.run_id, "FINISHED", end_time=T0 + 10)
    name = "corpus-2x-model"
    c.create_registered_model(name, tags={"owner": "corpus2"}, description="2.x registry")
    for i in range(3):
        c.create_model_version(name, source=f"runs:/{runs[i]}/out", run_id=runs[i], description=f"v{i + 1}")
    c.delete_model_version(name, "2")
    c.transition_model_version_stage(name, "3", "Production")
    c.transition_model_version_stage(name, "1", "Staging")
    c.set_registered_model_alias(name, "champion", "3")
    windows_uris(root, w)


def windows_uris(root, exp_id):
    """THE ONE HAND EDIT: the experiment and run meta.yaml of `exp_id` get the
    artifact URIs a Windows laptop writes (file:///C:/Users/...), as in the real
    folders of SOURCES.md. The artifacts stay in the run folders."""
    base = "file:///C:/Users/corpus/projects/mlruns"
    for dp, _, files in os.walk(os.path.join(root, exp_id)):
        if "meta.yaml" in files and "/artifacts" not in dp:
            p = os.path.join(dp, "meta.yaml")
            with open(p) as f:
                text = f.read()
            text = re.sub(r"(artifact_(?:location|uri): )file://\S*?/" + re.escape(exp_id), r"\1" + base + "/" + exp_id, text)
            with open(p, "w") as f:
                f.write(text)


# ---------------------------------------------------------------- MLflow 1 --

def write_1_legacy(root):
    """MLflow 1.30: the 1.x meta.yaml (name: '', source_type, entry_point_name), a
    RUNNING run, a deleted run, a run with no metrics, params with odd keys."""
    from mlflow.entities import Param
    c = client(root)
    tmp = tempfile.mkdtemp()
    e = c.create_experiment("legacy 1.x")
    for i in range(4):
        r = c.create_run(e, start_time=T0 + i, tags={"mlflow.user": "legacy", "mlflow.source.type": "PROJECT"})
        rid = r.info.run_id
        c.log_batch(rid, params=[Param("input_artifact", "raw.csv:latest"), Param("test size", str(0.2 + i / 10))])
        if i != 3:
            log_metrics(c, rid, metric_batch("accuracy", 50 * (i + 1), 300 + i))
        c.log_artifact(rid, artifact_dir(tmp, f"l{i}", {"conda.yaml": b"name: legacy\n"}) + "/conda.yaml")
        if i != 2:
            c.set_terminated(rid, "FINISHED", end_time=T0 + 9000 + i)
        if i == 1:
            c.delete_run(rid)


FUNCS = {"gen-3.18-registry": write_3_registry, "gen-2.22-datasets": write_2_datasets,
         "gen-1.30-legacy": write_1_legacy}


def one(name, dest):
    import mlflow
    want = WRITERS[name][1]
    if not mlflow.__version__.startswith(want):
        sys.exit(f"{name} must be written by MLflow {want}, this is {mlflow.__version__}")
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    root = os.path.join(dest, "mlruns")
    FUNCS[name](root)
    with open(os.path.join(dest, "WRITTEN_BY"), "w") as f:
        f.write(f"MLflow {mlflow.__version__} (tests/corpus/gen_corpus.py {name})\n")


def all_folders(outdir):
    for name, (py, _) in WRITERS.items():
        dest = os.path.join(outdir, name)
        if os.path.exists(dest):
            sys.exit(f"{dest} exists: remove it first")
        os.makedirs(dest)
        subprocess.run([py(), os.path.abspath(__file__), "one", name, dest], check=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "all":
        all_folders(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "one":
        one(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
