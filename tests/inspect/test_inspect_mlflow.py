"""`mlflow-lite show / history / ls / diff --json` against MLflow 3.18 (label "tool").

On the folder of mlflow_folders.py (written by Python MLflow's FileStore, with
NaN and infinite values, a latest point that is not the last line, dataset
inputs, deleted runs and a deleted experiment) and on runs with artifacts:

  show --json RUN     == MlflowClient.get_run(RUN).to_dictionary()  (info, data, inputs, outputs)
                         and its artifact list == list_artifacts, recursively, with sizes
  history --json      == get_metric_history, point by point, in order
  ls --json           == search_experiments (ids and names; --view all: deleted ones too), and
                         each one's run counts and last update from search_runs
  diff --json A B     == what differs between get_run(A).data and get_run(B).data

    python test_inspect_mlflow.py MLFLOW_LITE
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlflow_folders  # noqa: E402
from mlflow_folders import PROBLEMS, check  # noqa: E402

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402


def tool(binary, *args):
    p = subprocess.run([binary, "--json"] + list(args), capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise SystemExit("FAIL: %s exited %d: %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout)


def num(v):
    """the protobuf JSON spellings of NaN and the infinities, as floats"""
    return float(v) if isinstance(v, str) else v


def same_float(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def add_artifacts(root, info):
    c = MlflowClient("file://" + root)
    rid = info["runs"][0]
    src = tempfile.mkdtemp()
    os.makedirs(os.path.join(src, "deep", "er"))
    for rel, size in (("a.txt", 5), ("deep/b.bin", 4096), ("deep/er/c.json", 0)):
        with open(os.path.join(src, rel), "wb") as f:
            f.write(b"x" * size)
    c.log_artifacts(rid, src)
    shutil.rmtree(src)


def all_artifacts(c, rid, path=None):
    out = {}
    for a in c.list_artifacts(rid, path):
        if a.is_dir:
            out.update(all_artifacts(c, rid, a.path))
        else:
            out[a.path] = a.file_size
    return out


def check_show(binary, root, c, rid):
    got = tool(binary, "show", rid, root)
    want = c.get_run(rid).to_dictionary()
    check(got["info"] == want["info"], "run %s info: %s vs MLflow %s" % (rid, got["info"], want["info"]))
    gm = {k: num(v) for k, v in got["data"]["metrics"].items()}
    wm = want["data"]["metrics"]
    check(sorted(gm) == sorted(wm) and all(same_float(gm[k], wm[k]) for k in wm),
          "run %s latest metrics: %s vs MLflow %s" % (rid, gm, wm))
    for part in ("params", "tags"):
        check(got["data"][part] == want["data"][part], "run %s %s differ" % (rid, part))
    gi = sorted(json.dumps(d, sort_keys=True) for d in got["inputs"]["dataset_inputs"])
    wi = sorted(json.dumps(d, sort_keys=True) for d in want["inputs"]["dataset_inputs"])
    check(gi == wi, "run %s dataset inputs: %s vs MLflow %s" % (rid, gi, wi))
    check(got["outputs"] == want["outputs"], "run %s outputs" % rid)
    arts = {a["path"]: a["size"] for a in got["artifacts"]}
    uri = want["info"]["artifact_uri"]
    if uri.startswith("file:///") and not os.path.isdir(uri[len("file://"):]):
        # another machine's path (file:///C:/... written on Windows): MLflow lists nothing there;
        # show lists the run folder's artifacts/, what sync uploads (docs/inspect.md)
        here = os.path.join(root, want["info"]["experiment_id"], rid, "artifacts")
        mine = {os.path.relpath(os.path.join(d, f), here): os.path.getsize(os.path.join(d, f))
                for d, _, fs in os.walk(here) for f in fs}
        check(all_artifacts(c, rid) == {}, "run %s: MLflow now lists artifacts at %s" % (rid, uri))
        check(arts == mine, "run %s artifacts: %s vs its folder's artifacts/ %s" % (rid, arts, mine))
    else:
        check(arts == all_artifacts(c, rid), "run %s artifacts: %s vs MLflow %s" % (rid, arts, all_artifacts(c, rid)))
    return want


def check_history(binary, root, c, rid, keys):
    for k in keys:
        got = tool(binary, "history", rid, k, root)["points"]
        want = c.get_metric_history(rid, k)
        ok = len(got) == len(want) and all(
            g["step"] == w.step and g["timestamp"] == w.timestamp and same_float(num(g["value"]), w.value)
            for g, w in zip(got, want))
        check(ok, "run %s history %r: %d points vs MLflow %d, or different ones" % (rid, k, len(got), len(want)))


def ls_counts(c, e):
    """what ls says of experiment e, from MLflow's answers: active runs, RUNNING ones among
    them, deleted runs, and the last update (the experiment's last_update_time or the
    newest start or end time of its active runs)"""
    active = c.search_runs([e.experiment_id], run_view_type=ViewType.ACTIVE_ONLY, max_results=50000)
    deleted = c.search_runs([e.experiment_id], run_view_type=ViewType.DELETED_ONLY, max_results=50000)
    last = e.last_update_time or 0
    for r in active:
        end, start = r.info.end_time, r.info.start_time or 0
        last = max(last, end if end and end > start else start)
    return (len(active), sum(r.info.status == "RUNNING" for r in active), len(deleted), last)


def check_ls(binary, root, c):
    for view, vt in (("active", ViewType.ACTIVE_ONLY), ("all", ViewType.ALL), ("deleted", ViewType.DELETED_ONLY)):
        exps = tool(binary, "ls", root, "--view", view)["experiments"]
        got = sorted((e["experiment_id"], e["name"]) for e in exps)
        want = sorted((e.experiment_id, e.name) for e in c.search_experiments(view_type=vt))
        check(got == want, "ls --view %s: %s vs MLflow %s" % (view, got, want))
        for e in exps:
            counts = (e["runs"], e["running"], e["deleted_runs"], e["last_update_time"])
            want_counts = ls_counts(c, c.get_experiment(e["experiment_id"]))
            check(counts == want_counts, "ls --view %s, experiment %s: runs, running, deleted, last update %s vs "
                  "MLflow %s" % (view, e["experiment_id"], counts, want_counts))


def check_diff(binary, root, c, a, b):
    got = {(d["kind"], d["key"]) for d in tool(binary, "diff", a, b, root)["differences"]}
    ra, rb = c.get_run(a).data, c.get_run(b).data
    want = set()
    for kind, x, y in (("param", ra.params, rb.params), ("tag", ra.tags, rb.tags), ("metric", ra.metrics, rb.metrics)):
        for k in set(x) | set(y):
            vx, vy = x.get(k), y.get(k)
            same = vx is not None and vy is not None and (same_float(vx, vy) if kind == "metric" else vx == vy)
            if not same:
                want.add((kind, k))
    check(got == want, "diff %s %s: %s vs %s" % (a, b, sorted(got), sorted(want)))


def check_corpus_folder(binary, name, root):
    """show, history and ls on a folder written by an older Python MLflow, against MLflow 3.18
    reading the same folder: every run of every experiment, deleted ones too"""
    c = MlflowClient("file://" + root)
    exps = [e.experiment_id for e in c.search_experiments(view_type=ViewType.ALL)]
    runs = c.search_runs(exps, run_view_type=ViewType.ALL, max_results=1000)
    check(len(runs) > 0, "%s: MLflow 3.18 lists no run" % name)
    for r in runs:
        want = check_show(binary, root, c, r.info.run_id)
        check_history(binary, root, c, r.info.run_id, sorted(want["data"]["metrics"]))
    check_ls(binary, root, c)
    print("%s: %d runs in %d experiments compared" % (name, len(runs), len(exps)))
    return len(runs)


def main():
    binary = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="inspect-mlflow-")
    try:
        root = os.path.join(tmp, "mlruns")
        info = mlflow_folders.make_python_folder(root)
        add_artifacts(root, info)
        c = MlflowClient("file://" + root)
        runs = c.search_runs(info["experiments"], run_view_type=ViewType.ALL, max_results=1000)
        for r in runs:
            want = check_show(binary, root, c, r.info.run_id)
            check_history(binary, root, c, r.info.run_id, sorted(want["data"]["metrics"]))
        check_ls(binary, root, c)
        ids = [r.info.run_id for r in runs]
        for a, b in zip(ids, ids[1:] + ids[:1]):
            check_diff(binary, root, c, a, b)
        shown = len(runs)
        for name, croot in mlflow_folders.corpus_copies(tmp):  # written by real MLflow 1.30 and 2.22
            shown += check_corpus_folder(binary, name, croot)
        print("inspect vs MLflow: %d runs shown, %d problems" % (shown, len(PROBLEMS)))
        return 1 if PROBLEMS else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
