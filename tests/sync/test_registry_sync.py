"""`mlflow-lite sync` carries the model registry to a real mlflow server 3.18.0.

Two sources, each synced to the same server through a counting proxy:
  * C: tests/registry/registry_writer (two models with aliases moved and deleted,
    tags, descriptions, stages with archive_existing, an s3:// source, and a
    model whose 16 versions have local sources outside any run, which no server
    can reach: each must be reported, the rest synced, exit code 6) plus
    examples/train_register (train, register, promote on a threshold);
  * Python MLflow's registry file store: mlflow.register_model from runs:/,
    a runs:/ source kept as is, an s3:// source, a deleted version, stages,
    aliases, tags, descriptions, and an MLflow 3 LoggedModel source
    (models:/m-…: the LoggedModel is carried with its artifacts and params).
Judged through MlflowClient on both sides: models, versions (exactly one remote
version per local one), sources pointing at the synced remote runs' artifacts,
remote run ids, aliases (mapped to remote version numbers), tags, descriptions,
stages. Then: a second sync sends no request at all; a new local version and a
moved alias / changed tag / deleted alias / deleted version tag / changed stage
are sent once (exact list of registry writes), also when the answer to model-versions/create is lost after the server
acted (no duplicate); with the sync state deleted the resync sends no registry
write and creates no duplicate; --dry-run and --no-registry leave the registry
alone; syncs SIGKILLed while 40 versions are being created leave exactly one
remote version per local one; a version whose run is filtered out waits for it;
a registered model deleted on the server is re-created with its versions on the
next local change."""
import glob
import os
import signal
import subprocess
import sys
import time

from counting_proxy import CountingProxy
from synctest import SYNC_TAG, MlflowServer, check, main, run_tool, summary, tool, workdir

REG_TAG = "mlflow_lite.source_version"


def tools():
    if len(sys.argv) < 4:
        raise SystemExit("usage: test_registry_sync.py mlflow-lite registry_writer train_register")
    return os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])


def train_register(mlruns):
    _, tr = tools()
    env = dict(os.environ, MLFLOW_TRACKING_URI=mlruns)
    p = subprocess.run([tr, "0.8"], capture_output=True, text=True, env=env, timeout=120)
    check(p.returncode == 0, f"train_register failed: {p.stderr}")
    return p.stdout


def write_c_source(root):
    rw, _ = tools()
    mlruns = os.path.join(root, "mlruns")
    p = subprocess.run([rw, mlruns], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, f"registry_writer failed: {p.stderr}")
    train_register(mlruns)
    return mlruns


def write_python_source(root):
    import mlflow
    from mlflow import MlflowClient

    mlruns = os.path.join(root, "mlruns")
    uri = "file://" + mlruns
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    c = MlflowClient(uri, uri)
    exp = c.create_experiment("py-registry")
    runs = []
    for i in range(2):
        d = os.path.join(root, f"model{i}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "MLmodel"), "w") as f:
            f.write(f"artifact_path: model\nflavors:\n  custom:\n    i: {i}\n")
        with mlflow.start_run(experiment_id=exp, run_name=f"fit-{i}") as r:
            mlflow.log_metric("r2", 0.8 + i * 0.05)
            mlflow.log_artifacts(d, "model")
        runs.append(r.info.run_id)
    mlflow.register_model(f"runs:/{runs[0]}/model", "Py Model")
    mlflow.register_model(f"runs:/{runs[1]}/model", "Py Model")
    c.update_registered_model("Py Model", description="from python")
    c.set_registered_model_tag("Py Model", "owner", "py")
    c.set_model_version_tag("Py Model", "1", "quality", "ok")
    c.update_model_version("Py Model", "2", description="second")
    c.transition_model_version_stage("Py Model", "1", "Staging")
    c.transition_model_version_stage("Py Model", "2", "Production")
    c.set_registered_model_alias("Py Model", "champion", "2")
    c.set_registered_model_alias("Py Model", "baseline", "1")
    c.create_model_version("Py Model", f"runs:/{runs[0]}/model", run_id=runs[0])  # v3: runs:/ kept as runs:/
    c.create_registered_model("py-external", tags={"k": "v"}, description="external copies")
    c.create_model_version("py-external", "s3://bucket/py/model", description="s3 copy", tags={"fmt": "onnx"})
    c.create_model_version("py-external", "s3://bucket/py/old")
    c.delete_model_version("py-external", "2")  # deleted: never carried
    # MLflow 3: log_model makes a LoggedModel; register_model("runs:/…") then records models:/m-…
    from mlflow.pyfunc import PythonModel

    class Echo(PythonModel):
        def predict(self, context, model_input, params=None):
            return model_input

    with mlflow.start_run(experiment_id=exp, run_name="logged-model") as r:
        mlflow.pyfunc.log_model(name="model", python_model=Echo(), pip_requirements=["mlflow"])
    lmv = mlflow.register_model(f"runs:/{r.info.run_id}/model", "LM Model")
    check(lmv.source.startswith("models:/m-"), f"expected a LoggedModel source, got {lmv.source}")
    c.set_registered_model_alias("LM Model", "prod", lmv.version)
    mlflow.set_tracking_uri(None)
    mlflow.set_registry_uri(None)
    return mlruns, runs


def nd(s):
    return s or ""


def remote_run(rc, local_id, cache={}):
    if local_id not in cache:
        exps = [e.experiment_id for e in rc.search_experiments()]
        rs = rc.search_runs(exps, f"tags.`{SYNC_TAG}` = '{local_id}'")
        check(len(rs) == 1, f"local run {local_id}: {len(rs)} remote runs")
        cache[local_id] = rs[0]
    return cache[local_id]


def marker(v):
    return f"{v.name}/{v.version}@{v.creation_timestamp}"


def compare_registry(src, server_url, skip=(), expect_models=None):
    """Every local registered model and version against the server. Returns
    {model: {local version: remote version}}."""
    from mlflow import MlflowClient

    uri = "file://" + src
    lc = MlflowClient(uri, uri)
    rc = MlflowClient(server_url, server_url)
    out = {}
    names = sorted(m.name for m in lc.search_registered_models())
    if expect_models is not None:
        check(names == sorted(expect_models), f"local models {names}")
    for name in names:
        if name in skip:
            continue
        lm = lc.get_registered_model(name)
        rm = rc.get_registered_model(name)
        check(nd(rm.description) == nd(lm.description), f"{name}: description {rm.description!r} != {lm.description!r}")
        check(rm.tags == lm.tags, f"{name}: tags {rm.tags} != {lm.tags}")
        lvs = lc.search_model_versions(f"name='{name}'")
        rvs = rc.search_model_versions(f"name='{name}'")
        check(len(rvs) == len(lvs), f"{name}: {len(rvs)} remote versions for {len(lvs)} local ones")
        by_marker = {}
        for rv in rvs:
            mk = rv.tags.get(REG_TAG)
            check(mk and mk not in by_marker, f"{name} v{rv.version}: marker {mk!r} missing or duplicated")
            by_marker[mk] = rv
        vmap = {}
        for lv in lvs:
            rv = by_marker.get(marker(lv))
            check(rv is not None, f"{name} v{lv.version}: no remote version with marker {marker(lv)}")
            vmap[str(lv.version)] = str(rv.version)
            want_tags = dict(lv.tags, **{REG_TAG: marker(lv)})
            check(rv.tags == want_tags, f"{name} v{lv.version}: tags {rv.tags} != {want_tags}")
            check(nd(rv.description) == nd(lv.description),
                  f"{name} v{lv.version}: description {rv.description!r} != {lv.description!r}")
            check(rv.current_stage == lv.current_stage,
                  f"{name} v{lv.version}: stage {rv.current_stage} != {lv.current_stage}")
            if lv.run_id:
                rr = remote_run(rc, lv.run_id)
                lr = lc.get_run(lv.run_id)
                check(rv.run_id == rr.info.run_id, f"{name} v{lv.version}: run_id {rv.run_id} != {rr.info.run_id}")
                la, ra = lr.info.artifact_uri, rr.info.artifact_uri
                if lv.source.startswith("models:/m-"):  # a LoggedModel: its remote copy, artifacts and all
                    lid = lv.source[len("models:/"):]
                    rms = rc.search_logged_models(experiment_ids=[rr.info.experiment_id],
                                                  filter_string=f"tags.`mlflow_lite.source_model_id` = '{lid}'")
                    check(len(rms) == 1, f"{name} v{lv.version}: {len(rms)} remote copies of LoggedModel {lid}")
                    rlm, llm = rms[0], lc.get_logged_model(lid)
                    check(str(rlm.status) == str(llm.status) and "READY" in str(rlm.status),
                          f"LoggedModel status {rlm.status} != {llm.status}")
                    check(rlm.name == llm.name and rlm.source_run_id == rr.info.run_id and rlm.params == llm.params,
                          f"LoggedModel {rlm} != {llm}")
                    check(sorted(a.path for a in rc.list_logged_model_artifacts(rlm.model_id)) ==
                          sorted(a.path for a in lc.list_logged_model_artifacts(lid)), "LoggedModel artifacts differ")
                    # (3.18's REST answer carries no model_id for versions; the download URI shows the link)
                    du = rc.get_model_version_download_uri(name, rv.version)
                    check(du == rlm.artifact_location, f"{name} v{lv.version}: download URI {du}")
                    want = f"models:/{rlm.model_id}"
                elif lv.source.startswith(la + "/"):
                    want = ra + lv.source[len(la):]
                elif lv.source.startswith(f"runs:/{lv.run_id}/"):
                    want = f"runs:/{rr.info.run_id}/" + lv.source[len(f"runs:/{lv.run_id}/"):]
                else:
                    want = lv.source
                check(ra.startswith("mlflow-artifacts:"), f"remote artifact_uri {ra}")
            else:
                check(not rv.run_id, f"{name} v{lv.version}: remote run_id {rv.run_id} for a version without run")
                want = lv.source
            check(rv.source == want, f"{name} v{lv.version}: source {rv.source} != {want}")
        want_aliases = {a: vmap[str(v)] for a, v in lm.aliases.items()}
        check(rm.aliases == want_aliases, f"{name}: aliases {rm.aliases} != {want_aliases}")
        out[name] = vmap
    return out


def reg_requests(px):
    return [(m, p.split("?")[0]) for m, p, _ in px.requests if "/registered-models/" in p or "/model-versions/" in p]


def reg_writes(px):
    return sorted((m, p) for m, p in reg_requests(px) if m != "GET")


def count_versions(server_url, name):
    from mlflow import MlflowClient
    return len(MlflowClient(server_url, server_url).search_model_versions(f"name='{name}'"))


def sync_c(src, url, args=()):
    p = run_tool(["sync", *args, src, url])
    check(p.returncode == 6, f"C source: exit {p.returncode}, expected 6 (the 'concurrent' model cannot be carried)")
    errs = [l for l in p.stderr.splitlines() if "registry: model 'concurrent' version" in l]
    check(len(errs) == 16 and all("local path" in l for l in errs),
          f"expected 16 'concurrent' versions reported as unreachable, got {len(errs)}: {errs[:3]}")
    return p


def test():
    wd = workdir("registry")
    csrc = write_c_source(os.path.join(wd, "c"))
    psrc, pruns = write_python_source(os.path.join(wd, "py"))
    c_models = ["Churn Model é", "external", "concurrent", "wine-quality"]
    p_models = ["Py Model", "py-external", "LM Model"]
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        # 1. full sync of both sources
        sync_c(csrc, px.url)
        s = summary(run_tool(["sync", "--json", psrc, px.url], check_rc=0))
        check(s["registry_models"] == 3 and s["registry_versions"] == 5 and s["registry_versions_created"] == 5
              and s["registry_failed"] == 0 and s["registry_writes"] > 0, f"--json registry counters: {s}")
        compare_registry(csrc, srv.url, skip=("concurrent",), expect_models=c_models)
        check(count_versions(srv.url, "concurrent") == 0, "unreachable versions must not be created")
        vm = compare_registry(psrc, srv.url, expect_models=p_models)
        check(vm["py-external"] == {"1": "1"}, f"deleted local version carried: {vm['py-external']}")
        import mlflow
        mlflow.set_tracking_uri(srv.url)
        mlflow.set_registry_uri(srv.url)
        out = mlflow.pyfunc.load_model("models:/LM Model@prod").predict([1, 2, 3])
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        check(list(out) == [1, 2, 3], f"the synced LoggedModel version does not load and predict: {out}")

        # 2. nothing new: not a single request
        px.reset()
        sync_c(csrc, px.url)
        s = summary(run_tool(["sync", "--json", psrc, px.url], check_rc=0))
        check(px.requests == [], f"no-op resync sent {len(px.requests)} requests: {px.requests[:6]}")
        check(s["registry_versions_created"] == 0 and s["registry_writes"] == 0, f"no-op --json: {s}")

        # 3. C: train again -> a new run and version 2, promoted (v1 archived), @champion moves
        train_register(csrc)
        px.reset()
        sync_c(csrc, px.url)
        want = sorted([("POST", "/api/2.0/mlflow/model-versions/create"),
                       ("POST", "/api/2.0/mlflow/model-versions/transition-stage"),   # v1 -> Archived
                       ("POST", "/api/2.0/mlflow/model-versions/transition-stage"),   # v2 -> Production
                       ("POST", "/api/2.0/mlflow/registered-models/alias")])          # champion -> v2
        check(reg_writes(px) == want, f"C delta: registry writes {reg_writes(px)} != {want}")
        vm = compare_registry(csrc, srv.url, skip=("concurrent",))
        check(vm["wine-quality"] == {"1": "1", "2": "2"}, f"wine-quality versions {vm['wine-quality']}")

        # 4. Python: a new version, @champion moved, a tag changed, an alias deleted; the answer
        #    to model-versions/create is lost after the server acted: no duplicate version
        from mlflow import MlflowClient
        import mlflow
        uri = "file://" + psrc
        lc = MlflowClient(uri, uri)
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        mv = mlflow.register_model(f"runs:/{pruns[1]}/model", "Py Model")
        mlflow.set_tracking_uri(None)
        mlflow.set_registry_uri(None)
        check(str(mv.version) == "4", f"local version {mv.version}")
        lc.set_registered_model_alias("Py Model", "champion", "4")
        lc.delete_registered_model_alias("Py Model", "baseline")
        lc.set_registered_model_tag("Py Model", "owner", "py2")
        lc.delete_model_version_tag("Py Model", "1", "quality")
        lc.transition_model_version_stage("Py Model", "1", "Archived")
        px.reset()
        px.fail_next = [(502, None, True, "/model-versions/create")]
        run_tool(["sync", psrc, px.url], check_rc=0)
        want = sorted([("POST", "/api/2.0/mlflow/model-versions/create"),       # once: its answer was lost
                       ("POST", "/api/2.0/mlflow/registered-models/set-tag"),
                       ("POST", "/api/2.0/mlflow/registered-models/alias"),
                       ("DELETE", "/api/2.0/mlflow/registered-models/alias"),
                       ("DELETE", "/api/2.0/mlflow/model-versions/delete-tag"),
                       ("POST", "/api/2.0/mlflow/model-versions/transition-stage")])
        check(reg_writes(px) == want, f"Python delta: registry writes {reg_writes(px)} != {want}")
        check(not [r for r in px.requests if "/registered-models/" not in r[1] and "/model-versions/" not in r[1]],
              f"Python delta touched runs: {px.requests}")
        check(count_versions(srv.url, "Py Model") == 4, "a lost create answer produced a duplicate version")
        vm = compare_registry(psrc, srv.url)
        check(vm["Py Model"] == {"1": "1", "2": "2", "3": "3", "4": "4"}, f"Py Model versions {vm['Py Model']}")

        # 5. the sync state is lost: no registry write, no duplicate, still equal
        before = {n: count_versions(srv.url, n) for n in c_models + p_models}
        for s in glob.glob(os.path.join(csrc, ".mlflow-lite-sync-*.jsonl")) + \
                glob.glob(os.path.join(psrc, ".mlflow-lite-sync-*.jsonl")):
            os.unlink(s)
        px.reset()
        sync_c(csrc, px.url)
        run_tool(["sync", psrc, px.url], check_rc=0)
        check(reg_writes(px) == [], f"state lost: registry writes {reg_writes(px)}")
        after = {n: count_versions(srv.url, n) for n in c_models + p_models}
        check(after == before, f"state lost: versions {before} -> {after}")
        compare_registry(csrc, srv.url, skip=("concurrent",))
        compare_registry(psrc, srv.url)

        # 6. --dry-run and --no-registry: a local change stays local; the next plain sync sends it once
        lc.update_model_version("Py Model", "3", description="third")
        px.reset()
        p = run_tool(["sync", "--dry-run", psrc, px.url], check_rc=0)
        check(px.requests == [], f"--dry-run sent {px.requests}")
        check("registered model 'Py Model'" in p.stdout, f"--dry-run plan: {p.stdout!r}")
        run_tool(["sync", "--no-registry", psrc, px.url], check_rc=0)
        check(reg_requests(px) == [], f"--no-registry sent {reg_requests(px)}")
        run_tool(["sync", psrc, px.url], check_rc=0)
        check(reg_writes(px) == [("PATCH", "/api/2.0/mlflow/model-versions/update")],
              f"description change: {reg_writes(px)}")
        compare_registry(psrc, srv.url)

        # 7. SIGKILL while versions are being created, again and again: each exactly once
        lc.create_registered_model("py-many")
        for i in range(40):
            lc.create_model_version("py-many", f"s3://bucket/many/{i}", tags={"i": str(i)})
        lc.set_registered_model_alias("py-many", "last", "40")
        killed = 0
        for delay in (0.05, 0.15, 0.3, 0.45, 0.6, 0.8, 1.0, 1.3):
            n0 = count_versions(srv.url, "py-many")
            if n0 >= 40:
                break
            pr = subprocess.Popen([tool(), "sync", "--silent", psrc, srv.url])
            time.sleep(delay)
            pr.send_signal(signal.SIGKILL)
            pr.wait()
            killed += pr.returncode == -signal.SIGKILL
            sys.stderr.write(f"SIGKILL after {delay} s: {n0} -> {count_versions(srv.url, 'py-many')} remote versions\n")
        check(killed >= 2, f"only {killed} syncs were killed mid-way: the test did not exercise anything")
        run_tool(["sync", psrc, srv.url], check_rc=0)
        vm = compare_registry(psrc, srv.url)
        check(len(set(vm["py-many"].values())) == 40 and count_versions(srv.url, "py-many") == 40,
              f"py-many after SIGKILLs: {vm['py-many']}")

        # 8. a version whose run is not synced (filtered out) waits, then goes with the run
        e2 = lc.create_experiment("py-later")
        r2 = lc.create_run(e2, run_name="later")
        d = os.path.join(wd, "later-model")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "MLmodel"), "w") as f:
            f.write("artifact_path: model\n")
        lc.log_artifacts(r2.info.run_id, d, "model")
        lc.set_terminated(r2.info.run_id)
        lc.create_model_version("Py Model", f"{r2.info.artifact_uri}/model", run_id=r2.info.run_id)
        px.reset()
        p = run_tool(["sync", "--experiment", "py-registry", psrc, px.url], check_rc=0)
        check("waits: its run" in p.stderr, f"no 'waits' warning: {p.stderr[-500:]}")
        check(reg_writes(px) == [], f"a waiting version sent {reg_writes(px)}")
        run_tool(["sync", psrc, px.url], check_rc=0)
        check(("POST", "/api/2.0/mlflow/model-versions/create") in reg_writes(px), "the waiting version was not sent")
        vm = compare_registry(psrc, srv.url)
        check(len(vm["Py Model"]) == 5, f"Py Model versions {vm['Py Model']}")

        # 9. the registered model was deleted on the server (the state is ahead): the next local
        #    change re-creates it with all its versions
        MlflowClient(srv.url, srv.url).delete_registered_model("py-external")
        lc.create_model_version("py-external", "s3://bucket/py/new", description="after the reset")
        p = run_tool(["sync", psrc, srv.url], check_rc=0)
        check("gone on the server" in p.stderr, f"no notice of the vanished model: {p.stderr[-600:]}")
        vm = compare_registry(psrc, srv.url)
        check(len(vm["py-external"]) == 2, f"py-external after re-creation: {vm['py-external']}")


main(test)
