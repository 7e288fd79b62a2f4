"""mlflow_python_folder: Python MLflow 3.18.0 writes a folder (plain-path tracking
URI, so artifact locations have no scheme; long names PyYAML folds over several
lines; names that need quotes); the C side finds the experiments by name, reuses
them, reopens a Python run by id and appends; MLflow reads it all back."""
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, parse_args, run, writer_env

from mlflow.entities import Metric, Param, RunTag, ViewType
from mlflow.tracking import MlflowClient

NAMES = [
    "py-simple", "yes", "007", "1e3", "a: b", "#hash", "-dash", "null", "~", 'say "hi"', "tab\there",
    "line\nbreak", " padded ", "emoji 🎉", "中文实验",
    "a long experiment name with many words that PyYAML folds over several lines when it dumps "
    "the meta.yaml file because the line is longer than eighty characters " * 3,
    "x" * 300 + " " + "y" * 150,
]


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_python_folder")
    work = fresh_dir(a.work, "pyfolder")
    root = os.path.join(work, "mlruns")
    c = MlflowClient(tracking_uri=root)
    ids = {n[:500]: c.create_experiment(n[:500]) for n in NAMES}
    folded = [n for n, i in ids.items()
              if open(os.path.join(root, i, "meta.yaml"), encoding="utf-8").read().count("\n") > 9]
    ck.true(len(folded) >= 2, f"expected PyYAML to fold some names over several lines, folded: {len(folded)}")
    c.set_experiment_tag(ids["py-simple"], "py.exp.tag", "v")
    r = c.create_run(ids["py-simple"], run_name="python run", tags={"py.tag": "original"})
    rid = r.info.run_id
    c.log_batch(rid, metrics=[Metric("loss", 1.0 / (i + 1), 1700000000000 + i, i) for i in range(10)],
                params=[Param("py.param", "from python")], tags=[RunTag("py.only", "p")])
    c.log_text(rid, "from python\n", "py.txt")
    c.set_terminated(rid, "FINISHED")
    # experiments Python rewrote: renamed (meta.yaml rewritten with a tags: mapping),
    # deleted (moved to .trash), and a deleted run
    ren = c.create_experiment("to be renamed", tags={"created.with": "tags"})
    c.rename_experiment(ren, "renamed: new name")
    ids["renamed: new name"] = ren
    gone = c.create_experiment("deleted experiment")
    c.delete_experiment(gone)
    dead = c.create_run(ids["py-simple"], run_name="deleted run").info.run_id
    c.delete_run(dead)
    n_exps = len(c.search_experiments())

    cases = os.path.join(work, "cases.txt")
    with open(cases, "w") as f:
        for n, i in ids.items():
            f.write(f"E {n.encode().hex()} {i}\n")
        f.write(f"R {rid}\n")
        f.write(f"D {'deleted experiment'.encode().hex()}\n")
        f.write(f"N {'to be renamed'.encode().hex()}\n")
        f.write(f"X {dead}\n")
    p = run([a.bins["writer"], root, cases], env=writer_env())
    out = p.stdout.decode().splitlines()
    c_runs = {}
    for line in out:
        parts = line.split()
        if parts[0] == "E":
            c_runs[bytes.fromhex(parts[1]).decode()] = parts[2]
    ck.eq(len(c_runs), len(ids), "C runs started")
    ck.true(f"R {rid} done" in out, "Python run reopened")
    for kind in "DNX":
        ck.true(f"{kind} ok" in out, f"case {kind} (deleted experiment / renamed / deleted run)")
    ck.eq(c.get_experiment(gone).lifecycle_stage, "deleted", "deleted experiment stays deleted")
    ck.true(os.path.isdir(os.path.join(root, ".trash", gone)), "deleted experiment still in .trash")
    ck.eq(c.get_run(dead).info.lifecycle_stage, "deleted", "deleted run stays deleted")
    ck.eq(c.get_experiment(ren).tags.get("created.with"), "tags", "renamed experiment keeps its tags")

    ck.eq(len(c.search_experiments()), n_exps, "number of experiments (no duplicates created)")
    for n, eid in ids.items():
        e = c.get_experiment(eid)
        ck.eq(e.name, n, f"experiment {eid} name after C touched the folder")
        crid = c_runs.get(n)
        if not crid:
            continue
        cr = c.get_run(crid)
        ck.eq(cr.info.experiment_id, eid, f"C run in experiment {n[:40]!r}")
        ck.eq(cr.info.run_name, "from C", "C run name")
        ck.eq(cr.data.params, {"writer": "c"}, "C run params")
        ck.eq([(m.value, m.step, m.timestamp) for m in c.get_metric_history(crid, "c/metric")],
              [(1.5, 3, 1700000000000)], "C run metric")
        ck.eq(cr.info.status, "FINISHED", "C run status")
        # artifact_uri follows the experiment's (scheme-less) artifact_location
        ck.eq(cr.info.artifact_uri, e.artifact_location.rstrip("/") + f"/{crid}/artifacts",
              "C run artifact_uri derived from the Python experiment's artifact_location")
        local = c.download_artifacts(crid, "c.txt", fresh_dir(work, "dl"))
        ck.eq(open(local).read(), "from C\n", "C run artifact c.txt")
        ck.eq(sorted(x.info.run_id for x in c.search_runs([eid])),  # active runs only
              sorted([crid] + ([rid] if eid == ids["py-simple"] else [])), f"runs of {n[:40]!r}")

    pr = c.get_run(rid)
    ck.eq([(m.value, m.step, m.timestamp) for m in c.get_metric_history(rid, "loss")],
          [(1.0 / (i + 1), i, 1700000000000 + i) for i in range(20)], "Python run: history after C appended")
    ck.eq(pr.data.params, {"py.param": "from python", "c.param": "from c"}, "Python run params")
    ck.eq(pr.data.tags.get("py.tag"), "overwritten by c", "Python run tag overwritten")
    ck.eq(pr.data.tags.get("py.only"), "p", "Python run tag kept")
    ck.eq(pr.data.tags.get("mlflow.runName"), "python run", "Python run name tag kept")
    ck.eq(pr.info.run_name, "python run", "Python run name kept")
    ck.eq(pr.info.status, "KILLED", "Python run status set by C")
    ck.eq(c.get_experiment(ids["py-simple"]).tags.get("py.exp.tag"), "v", "Python experiment tag kept")
    for path, want in (("py.txt", "from python\n"), ("c/appended.txt", "appended by C\n")):
        local = c.download_artifacts(rid, path, fresh_dir(work, "dl"))
        ck.eq(open(local).read(), want, f"Python run artifact {path}")

    # C creates an experiment, Python renames it, C asks for the old name again: a new
    # experiment (not the renamed one: name-derived ids must probe past the taken id)
    def c_case(name):
        with open(cases, "w") as f:
            f.write(f"C {name.encode().hex()}\n")
        line = run([a.bins["writer"], root, cases], env=writer_env()).stdout.decode().split()
        return line[2], line[3]
    e1, r1 = c_case("c-made")
    c.rename_experiment(e1, "c-renamed")
    e2, r2 = c_case("c-made")
    ck.true(e2 != e1, f"C reused the renamed experiment {e1} for the old name")
    ck.eq((c.get_experiment(e1).name, c.get_experiment(e2).name), ("c-renamed", "c-made"), "names after rename")
    ck.eq((c.get_run(r1).info.experiment_id, c.get_run(r2).info.experiment_id), (e1, e2), "runs stay put")
    e3, _ = c_case("c-renamed")
    ck.eq(e3, e1, "C finds the renamed experiment by its new name")
    # Python deletes a C-made experiment; C may not silently recreate it
    c.delete_experiment(e2)
    with open(cases, "w") as f:
        f.write(f"D {'c-made'.encode().hex()}\n")
    ck.eq(run([a.bins["writer"], root, cases], env=writer_env()).stdout.decode().split(), ["D", "ok"],
          "C-made experiment deleted by Python: MLL_ERR_EXPERIMENT_DELETED")
    ck.eq(sum(1 for e in c.search_experiments(view_type=ViewType.ALL) if e.name == "c-made"), 1,
          "exactly one experiment named c-made (deleted)")

    # the id C would derive for a name is already taken by another (Python) experiment
    other_root = os.path.join(work, "other")
    with open(cases, "w") as f:
        f.write(f"C {'wanted'.encode().hex()}\n")
    taken = run([a.bins["writer"], other_root, cases], env=writer_env()).stdout.decode().split()[2]
    occ = c.create_experiment("occupant")
    os.rename(os.path.join(root, occ), os.path.join(root, taken))
    meta_path = os.path.join(root, taken, "meta.yaml")
    meta = yaml.safe_load(open(meta_path, encoding="utf-8"))
    meta["experiment_id"] = taken
    meta["artifact_location"] = meta["artifact_location"].rsplit("/", 1)[0] + "/" + taken
    with open(meta_path, "w", encoding="utf-8") as f:
        yaml.safe_dump(meta, f, sort_keys=True)
    ck.eq(c.get_experiment(taken).name, "occupant", "occupant moved to the id C derives for 'wanted'")
    with open(cases, "w") as f:
        f.write(f"C {'wanted'.encode().hex()}\n")
    got = run([a.bins["writer"], root, cases], env=writer_env()).stdout.decode().split()
    ck.true(got[2] != taken, f"C put 'wanted' into the occupied id {taken}")
    ck.eq((c.get_experiment(taken).name, c.get_experiment(got[2]).name), ("occupant", "wanted"),
          "both experiments after the id collision")
    ck.eq([r.info.run_id for r in c.search_runs([taken])], [], "no C run in the occupant")
    ck.finish()


if __name__ == "__main__":
    main()
