"""Judge: MLflow 3.18.0's registry client reads what registry_writer.c wrote, then the same
after `mlflow migrate-filestore` into SQLite. Fails loudly; never skips."""
import os
import subprocess
import sys
import tempfile

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402

writer, workdir = sys.argv[1], tempfile.mkdtemp(prefix="mll-registry-")
root = os.path.join(workdir, "mlruns")
out = subprocess.run([writer, root], capture_output=True, text=True)
sys.stderr.write(out.stderr)
assert out.returncode == 0, f"writer failed: {out.returncode}"
facts = [line.split(" ", 1) for line in out.stdout.splitlines()]
get = lambda k: [v for kk, v in facts if kk == k]  # noqa: E731
run_id = get("run")[0]
artifact_uri = get("artifact_uri")[0]
assert get("versions") == ["1 2"], get("versions")
assert get("external") == ["1"]
conc = sorted(int(v.split()[0]) for v in get("concurrent"))
assert conc == list(range(1, 17)), f"concurrent versions not distinct and consecutive: {conc}"


def check(tracking, registry, label, sql=False):
    mlflow.set_tracking_uri(tracking)
    c = MlflowClient(tracking_uri=tracking, registry_uri=registry)
    names = sorted(m.name for m in c.search_registered_models())
    assert names == ["Churn Model é", "concurrent", "external"], names
    m = c.get_registered_model("Churn Model é")
    assert m.description == 'Predicts churn: "v2"\nsecond line', repr(m.description)
    assert m.tags == {"team": "growth"}, m.tags
    assert {k: str(v) for k, v in m.aliases.items()} == {"champion": "2", "challenger": "2"}, m.aliases
    v1 = c.get_model_version("Churn Model é", "1")
    v2 = c.get_model_version("Churn Model é", "2")
    for v in (v1, v2):
        assert v.source == artifact_uri + "/model", v.source
        assert v.run_id == run_id, v.run_id
        assert v.status == "READY", v.status
    assert v1.current_stage == "Archived", v1.current_stage
    assert v2.current_stage == "Production", v2.current_stage
    assert v1.description == "first try", v1.description
    assert v2.tags == {"validated": "true"}, v2.tags
    assert str(c.get_model_version_by_alias("Churn Model é", "champion").version) == "2"
    ext = c.get_model_version("external", "1")
    assert ext.source == "s3://bucket/models/onnx" and ext.current_stage == "Staging"
    assert ext.tags == {"framework": "onnx"} and ext.description == "external"
    srcs = {c.get_model_version("concurrent", str(v)).source for v in range(1, 17)}
    assert len(srcs) == 16, srcs
    latest = {mv.current_stage: str(mv.version) for mv in c.get_latest_versions("Churn Model é")}
    assert latest.get("Production") == "2", latest
    print(f"{label}: registry read back field for field")


check("file:" + root, "file:" + root, "file store")
db = os.path.join(workdir, "migrated.db")
mig = subprocess.run([os.path.join(os.path.dirname(sys.executable), "mlflow"), "migrate-filestore",
                      "--source", root, "--target", "sqlite:///" + db],
                     capture_output=True, text=True, stdin=subprocess.DEVNULL)
assert mig.returncode == 0, mig.stdout + mig.stderr
check("sqlite:///" + db, "sqlite:///" + db, "after migrate-filestore", sql=True)
print("1 passed, 0 failed")
