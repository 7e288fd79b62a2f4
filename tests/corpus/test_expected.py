"""The judge reads every generated corpus folder, and each still has the
features it was written for (so a regenerated folder cannot lose them quietly).

    test_expected.py tests/corpus/generated
"""
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import expected  # noqa: E402


def runs_where(d, pred):
    return [r for r in d["runs"].values() if pred(r)]


def shared_datasets(d):
    """The largest number of runs that log the same dataset (name, digest)."""
    count = {}
    for r in d["runs"].values():
        for ds in r["datasets"]:
            count[(ds[0], ds[1])] = count.get((ds[0], ds[1]), 0) + 1
    return max(count.values(), default=0)


FEATURES = {
    "gen-3.18-registry": {
        "a deleted version (Deleted_Internal)": lambda d: d["registry"]["corpus-model"]["deleted_versions"] == [1],
        "aliases": lambda d: d["registry"]["corpus-model"]["aliases"] == {"champion": "4", "challenger": "3"},
        "stages": lambda d: {v["stage"] for v in d["registry"]["corpus-model"]["versions"].values()}
        == {"Archived", "Staging", "Production"},
        "copied versions (models:/<name>/<version>)": lambda d: sorted(
            v["source"] for v in d["registry"]["corpus-model-copy"]["versions"].values())
        == ["models:/corpus-model/3", "models:/corpus-model/4"],
        "versions from LoggedModels": lambda d: all(
            v["source"].startswith("models:/m-") for v in d["registry"]["corpus-model"]["versions"].values()),
        "LoggedModels with params, metrics, artifacts": lambda d: len(d["logged_models"]) == 5 and all(
            m["params"] and m["artifacts"] for m in d["logged_models"].values()),
        "LoggedModel statuses": lambda d: {m["status"] for m in d["logged_models"].values()}
        == {"READY", "FAILED", "PENDING"},
        "run outputs": lambda d: len(runs_where(d, lambda r: r["model_outputs"])) == 5,
        "six runs share a dataset": lambda d: shared_datasets(d) == 6,
        "a deleted run": lambda d: len(runs_where(d, lambda r: r["lifecycle_stage"] == "deleted")) == 1,
        "a RUNNING run": lambda d: len(runs_where(d, lambda r: r["status"] == "RUNNING")) == 1,
    },
    "gen-2.22-datasets": {
        "eight runs share a dataset": lambda d: shared_datasets(d) == 8,
        "a deleted version": lambda d: d["registry"]["corpus-2x-model"]["deleted_versions"] == [2],
        "an alias": lambda d: d["registry"]["corpus-2x-model"]["aliases"] == {"champion": "3"},
        "a deleted run": lambda d: len(runs_where(d, lambda r: r["lifecycle_stage"] == "deleted")) == 1,
        "a RUNNING run": lambda d: len(runs_where(d, lambda r: r["status"] == "RUNNING")) == 1,
        "Windows artifact URIs (read from the folder)": lambda d: any(
            "C:/Users" in (r.get("artifacts_note") or "") and r["artifacts"] for r in d["runs"].values()),
    },
    "gen-1.30-legacy": {
        "a RUNNING run": lambda d: len(runs_where(d, lambda r: r["status"] == "RUNNING")) == 1,
        "a deleted run": lambda d: len(runs_where(d, lambda r: r["lifecycle_stage"] == "deleted")) == 1,
        "a run without metrics": lambda d: len(runs_where(d, lambda r: not r["metrics"])) == 1,
    },
}


def main(root):
    failed = passed = 0
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name, "mlruns")
        if not os.path.isdir(folder):
            continue
        tmp = tempfile.mkdtemp(prefix="mll-corpus-read-")
        try:
            copy = os.path.join(tmp, "mlruns")
            shutil.copytree(folder, copy, symlinks=True)
            expected.restore_empty_dirs(copy)  # git keeps none; MLflow made them
            d = expected.dump_local(copy)
        except Exception as e:  # noqa: BLE001 - the judge must read every folder
            print(f"FAIL {name}: MLflow cannot read it: {type(e).__name__}: {e}")
            failed += 1
            continue
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"{name}: {expected.summary(d)}")
        for what, pred in FEATURES.get(name, {}).items():
            try:
                ok = pred(d)
            except (KeyError, TypeError) as e:
                ok = False
                what += f" ({type(e).__name__}: {e})"
            print(f"  {'ok  ' if ok else 'FAIL'} {what}")
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "generated")))
