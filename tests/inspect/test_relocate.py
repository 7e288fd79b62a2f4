"""`mlflow-lite relocate` (label "tool"): a folder with artifacts, written by Python
MLflow (runs and a LoggedModel) and by mlflow_lite.h, is moved away (the old
place is gone, as after an rsync to another machine). MLflow 3.18 then finds no
artifact; `relocate --dry-run` changes no byte; after `relocate` MLflow lists
and downloads every artifact of every run and LoggedModel with the same bytes,
a second relocate changes nothing, and artifact locations that point elsewhere
(an s3:// location) are left as they were.

    python test_relocate.py MLFLOW_LITE
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlflow_folders  # noqa: E402  (sets MLFLOW_ALLOW_FILE_STORE)
from mlflow_folders import PROBLEMS, check, tree_hash  # noqa: E402

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402


def write_folder(root):
    """runs with artifacts (one through a nested path), a LoggedModel, an experiment on s3"""
    mlflow.set_tracking_uri("file://" + root)
    c = MlflowClient("file://" + root)
    exp = c.create_experiment("with artifacts")
    c.create_experiment("elsewhere", artifact_location="s3://bucket/prefix")
    files = {}
    src = tempfile.mkdtemp()
    for i in range(3):
        r = c.create_run(exp, run_name="r%d" % i)
        for rel, data in (("a.txt", b"hello %d" % i), ("deep/b.bin", os.urandom(1000 + i))):
            p = os.path.join(src, str(i), rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "wb").write(data)
            files[(r.info.run_id, rel)] = data
        c.log_artifacts(r.info.run_id, os.path.join(src, str(i)))
        c.set_terminated(r.info.run_id)
    mlflow.set_experiment(experiment_id=exp)
    with mlflow.start_run():
        model = mlflow.initialize_logged_model(name="m")
        open(os.path.join(src, "weights"), "wb").write(b"w" * 64)
        mlflow.log_model_artifact(model.model_id, os.path.join(src, "weights")) if hasattr(
            mlflow, "log_model_artifact") else c.log_model_artifact(model.model_id, os.path.join(src, "weights"))
    shutil.rmtree(src)
    return exp, files, model.model_id


def artifacts_ok(root, files, model_id):
    c = MlflowClient("file://" + root)
    ok = True
    for (rid, rel), data in files.items():
        try:
            got = open(c.download_artifacts(rid, rel, tempfile.mkdtemp()), "rb").read()
            ok &= got == data
        except Exception:
            ok = False
    try:
        lm = c.get_logged_model(model_id)
        names = [a.path for a in mlflow.artifacts.list_artifacts(artifact_uri=lm.artifact_location)]
        ok &= any(n.endswith("weights") for n in names)
    except Exception:
        ok = False
    return ok


def relocate(tool, root, dry):
    p = subprocess.run([tool, "--json", "relocate", root] + (["--dry-run"] if dry else []), capture_output=True,
                       text=True, timeout=300)
    check(p.returncode == 0, "relocate %s exited %d: %s" % (root, p.returncode, p.stderr))
    return json.loads(p.stdout) if p.returncode == 0 else {}


def main():
    tool = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="inspect-relocate-")
    try:
        old = os.path.join(tmp, "old place", "mlruns")  # a space: file: URIs quote it
        os.makedirs(os.path.dirname(old))
        exp, files, model_id = write_folder(old)
        check(artifacts_ok(old, files, model_id), "MLflow does not find the artifacts where they were written")
        new = os.path.join(tmp, "new", "mlruns")
        os.makedirs(os.path.dirname(new))
        os.rename(old, new)
        check(not artifacts_ok(new, files, model_id), "MLflow finds the moved artifacts already: the test proves nothing")
        h = tree_hash(new)
        plan = relocate(tool, new, True)
        check(tree_hash(new) == h, "relocate --dry-run changed the folder")
        out = relocate(tool, new, False)
        print("relocate: %s values rewritten, %s kept" % (out.get("rewritten"), out.get("kept")))
        check(out.get("rewritten") == plan.get("rewritten") and out.get("rewritten", 0) >= 5,
              "the dry run planned %s rewrites, the run made %s" % (plan.get("rewritten"), out.get("rewritten")))
        check(artifacts_ok(new, files, model_id), "after relocate MLflow does not find every artifact")
        c = MlflowClient("file://" + new)
        s3 = [e for e in c.search_experiments(view_type=ViewType.ALL) if e.name == "elsewhere"]
        check(s3 and s3[0].artifact_location == "s3://bucket/prefix", "an s3 artifact location was changed")
        again = relocate(tool, new, False)
        check(again.get("rewritten") == 0, "a second relocate rewrote %s values" % again.get("rewritten"))
        print("relocate test: %d problems" % len(PROBLEMS))
        return 1 if PROBLEMS else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
