"""Registry version numbers arrive as they are, and copied versions (issue 15),
against a real MLflow server (3.18 SQLite; `--mlflow 2.22` / `--backend file`
for the other kinds):

* model `numbers`: versions 1 to 6 made by Python MLflow; 1, 4 and 5 deleted
  locally, and the folder of 4 removed (a gap, as a folder taken from git
  may have): on the server 2 and 3 must be versions 2 and 3 (not 1 and 2),
  pointing at the remote copies of their runs, with their stages; the alias
  `champion` -> 3 names version 3; 6 is 6; remote 1, 4 and 5 do not exist
  (made and deleted by the tool: MLflow never reuses a number).
* model `numbers-copy`: `copy_model_version(models:/numbers/3)` wrote the
  source `models:/numbers/3`; it arrives pointing at the remote `numbers`
  version 3 (MLflow 2.x and 3.x accept such a source), instead of exit 9;
* a resync sends nothing; with the sync state deleted, a resync creates no
  version and renumbers nothing;
* a remote model that already holds versions of others: the local version
  cannot keep its number and is refused loudly (exit 6, the message says
  why), never created under another number.
"""
import argparse
import glob
import os
import sys

from synctest import MlflowServer, check, main, run_tool, summary, workdir


def write_store(root):
    from mlflow import MlflowClient

    mlruns = os.path.join(root, "mlruns")
    uri = "file://" + mlruns
    c = MlflowClient(uri, registry_uri=uri)
    e = c.create_experiment("numbered")
    runs = []
    for i in range(6):
        r = c.create_run(e, run_name=f"train-{i}", start_time=1700000000000 + i)
        c.log_param(r.info.run_id, "i", str(i))
        c.set_terminated(r.info.run_id, "FINISHED", end_time=1700000001000 + i)
        runs.append(r.info.run_id)
    c.create_registered_model("numbers", description="numbered")
    for i in (0, 1, 2, 3, 4, 5):
        c.create_model_version("numbers", f"runs:/{runs[i]}/model", run_id=runs[i], description=f"v{i + 1}")
    c.transition_model_version_stage("numbers", "2", "Staging")
    c.transition_model_version_stage("numbers", "3", "Production")
    c.set_registered_model_alias("numbers", "champion", "3")
    c.delete_model_version("numbers", "1")
    c.delete_model_version("numbers", "4")
    c.delete_model_version("numbers", "5")
    c.copy_model_version("models:/numbers/3", "numbers-copy")
    # version 4 of `numbers` never existed as far as a reader can tell: drop its folder
    import shutil
    shutil.rmtree(os.path.join(mlruns, "models", "numbers", "version-4"))
    return mlruns, runs


def remote_map(url):
    """local run id -> remote run id, by the sync tag"""
    from mlflow import MlflowClient
    rc = MlflowClient(url)
    out = {}
    for e in rc.search_experiments():
        for r in rc.search_runs([e.experiment_id], max_results=1000):
            t = r.data.tags.get("mlflow_lite.source_run_id")
            if t:
                out[t] = r.info.run_id
    return out


def check_remote(url, runs):
    from mlflow import MlflowClient
    rc = MlflowClient(url, registry_uri=url)
    rmap = remote_map(url)
    vs = {int(v.version): v for v in rc.search_model_versions("name='numbers'")}
    check(sorted(vs) == [2, 3, 6], f"remote versions of 'numbers': {sorted(vs)}, expected [2, 3, 6]")
    for n, run in ((2, runs[1]), (3, runs[2]), (6, runs[5])):
        check(vs[n].run_id == rmap[run], f"version {n} points at run {vs[n].run_id}, expected {rmap[run]}")
        check(vs[n].source == f"runs:/{rmap[run]}/model", f"version {n} source {vs[n].source}")
        check(vs[n].description == f"v{n}", f"version {n} description {vs[n].description!r}")
    check(vs[2].current_stage == "Staging" and vs[3].current_stage == "Production",
          f"stages {vs[2].current_stage} {vs[3].current_stage}")
    m = rc.get_registered_model("numbers")
    check(dict(m.aliases) == {"champion": "3"}, f"aliases {m.aliases}")
    cp = rc.search_model_versions("name='numbers-copy'")
    check(len(cp) == 1 and cp[0].version in ("1", 1), f"numbers-copy versions {[v.version for v in cp]}")
    check(cp[0].source == "models:/numbers/3", f"the copied version's source is {cp[0].source!r}")
    check(cp[0].run_id == rmap[runs[2]], f"the copied version's run {cp[0].run_id}")


def test(mlflow_kind, backend):
    wd = workdir("regnum")
    src, runs = write_store(os.path.join(wd, "src"))
    with MlflowServer(os.path.join(wd, "server"), mlflow=mlflow_kind, backend=backend) as srv:
        p = run_tool(["sync", "--json", src, srv.url])
        check(p.returncode == 0, f"sync exited {p.returncode}:\n{p.stderr[-2000:]}")
        check_remote(srv.url, runs)
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["http_requests"] == 0, f"the resync sent {s['http_requests']} requests")
        for f in glob.glob(os.path.join(src, ".mlflow-lite-sync-*")):
            os.remove(f)
        s = summary(run_tool(["sync", "--json", src, srv.url], check_rc=0))
        check(s["registry_versions_created"] == 0, f"without the state a resync created versions: {s}")
        check_remote(srv.url, runs)

        # someone else's versions in a remote model of the same name: refused, not renumbered
        from mlflow import MlflowClient
        rc = MlflowClient(srv.url, registry_uri=srv.url)
        rc.create_registered_model("taken")
        for _ in range(4):
            rc.create_model_version("taken", "s3://bucket/elsewhere")
        lc = MlflowClient("file://" + src, registry_uri="file://" + src)
        lc.create_registered_model("taken")
        lc.create_model_version("taken", f"runs:/{runs[0]}/model", run_id=runs[0])
        p = run_tool(["sync", "--json", src, srv.url])
        check(p.returncode == 6, f"a version that cannot keep its number: exit {p.returncode}, expected 6")
        check("version numbers must arrive as they are" in p.stderr, "the refusal does not say why")
        taken = sorted(int(v.version) for v in rc.search_model_versions("name='taken'"))
        check(taken == [1, 2, 3, 4], f"remote 'taken' versions {taken}: the local version 1 arrived renumbered")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--mlflow", default=None)
    ap.add_argument("--backend", default=None)
    a = ap.parse_args()
    sys.argv = [sys.argv[0], a.tool]
    main(lambda: test(a.mlflow, a.backend))
