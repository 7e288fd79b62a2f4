"""Folders for the inspect tests, written by Python MLflow 3.18's own FileStore:
the values the search_runs filter and order can trip over.

make_python_folder(root) writes two experiments (and a deleted third) with 36
runs: equal start times (the run_id breaks the tie), params with '%', '_',
unicode, empty and multi-line values, tags with '/' and '.', metrics whose
latest point is not the last line (a smaller step later, equal steps with
other timestamps, a NaN tied with a number), NaN and infinite values, a metric
logged with a dataset (a 5-field line, read as step 0), dataset inputs with
contexts, nested runs, FAILED/KILLED/RUNNING runs and deleted runs.

Also what every inspect test uses: check() collects PROBLEMS, tree_hash()
tells whether a command changed a folder (names, file bytes, empty folders).
"""
import hashlib
import math
import os
import shutil
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

import logging  # noqa: E402

logging.getLogger("mlflow").setLevel(logging.ERROR)

T0 = 1700000000000
PROBLEMS = []


def check(cond, what):
    if not cond:
        PROBLEMS.append(what)
        print("FAIL:", what)


def tree_hash(root):
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for n in sorted(files + dirs):
            p = os.path.join(d, n)
            h.update(p.encode())
            if os.path.isfile(p) and not os.path.islink(p):
                h.update(open(p, "rb").read())
    return h.hexdigest()


def _metric(key, value, ts, step, ds=None):
    from mlflow.entities import Metric
    if ds:
        return Metric(key, value, ts, step, dataset_name=ds[0], dataset_digest=ds[1])
    return Metric(key, value, ts, step)


def _run(c, exp, i, name=None, start=None, tags=None):
    r = c.create_run(exp, start_time=start if start is not None else T0 + i * 1000, tags=tags or {},
                     run_name=name if name is not None else "run-%02d" % i)
    return r.info.run_id


PARAM_VALUES = ["0.01", "0.1", "1e-3", "", "a%b", "a_b", "héllo wörld", "multi\nline", "x" * 300, "10", "9", "01"]


def _fill(c, rid, i):
    from mlflow.entities import Param, RunTag
    params = [Param("lr", PARAM_VALUES[i % len(PARAM_VALUES)]), Param("seed", str(i % 5))]
    if i % 3 == 0:
        params.append(Param("opt", "adam" if i % 2 else "sgd"))
    if i % 4 == 1:
        params.append(Param("my param", "spaced %d" % i))
    tags = [RunTag("team", ["vision", "nlp", "Vision", "rl"][i % 4]), RunTag("a/b", "slash%d" % (i % 3)),
            RunTag("x.y", "dot")]
    vals = [0.5 + i / 100.0, float("nan"), float("inf"), -float("inf"), 0.0, -0.0, 1e-300, 1e300]
    metrics = [_metric("acc", vals[i % len(vals)] if i % 5 == 2 else 0.5 + (i % 7) / 10.0, T0 + i, 3),
               _metric("acc", 0.1, T0 + i + 1, 1),  # a smaller step later: not the latest
               _metric("loss", 1.0 / (i + 1), T0 + 5, 2), _metric("loss", 2.0 / (i + 1), T0 + 9, 2),
               _metric("val/loss", float(i % 4), T0, 0)]
    if i % 6 == 0:  # equal step and timestamp: the larger value wins, a NaN never does
        metrics += [_metric("tie", float("nan"), T0, 1), _metric("tie", 1.0 * i, T0, 1)]
    if i % 6 == 3:
        metrics += [_metric("tie", 1.0 * i, T0, 1), _metric("tie", float("nan"), T0, 1)]
    if i % 7 == 0:
        metrics.append(_metric("with ds", 0.25 * i, T0 + 3, 9, ds=("train", "abc123")))
    c.log_batch(rid, metrics=metrics, params=params, tags=tags)


def _datasets(c, rid, i):
    import mlflow.data
    import numpy as np
    from mlflow.entities import DatasetInput, InputTag
    ds = mlflow.data.from_numpy(np.arange(i % 3 + 2), name=["train", "eval", "test"][i % 3])
    ctx = [InputTag("mlflow.data.context", ["training", "validation"][i % 2])] if i % 4 != 3 else []
    c.log_inputs(rid, [DatasetInput(ds._to_mlflow_entity(), ctx)])


def make_python_folder(root):
    from mlflow import MlflowClient
    c = MlflowClient("file://" + os.path.abspath(root))
    e1 = c.create_experiment("alpha")
    e2 = c.create_experiment("beta team")
    e3 = c.create_experiment("gone")
    ids = []
    for i in range(36):
        exp = e1 if i < 24 else e2
        start = T0 + (i // 3) * 1000 if i % 2 else T0 + i * 1000  # some equal start times
        rid = _run(c, exp, i, name="run-%02d" % i if i % 9 else "", start=start,
                   tags={"mlflow.parentRunId": ids[0]} if i in (5, 6) else None)
        _fill(c, rid, i)
        if i % 5 == 1:
            _datasets(c, rid, i)
        status = ["FINISHED", "FINISHED", "FAILED", "KILLED", None][i % 5]
        if status:
            c.set_terminated(rid, status, end_time=start + 1000 * (i + 1))
        ids.append(rid)
    for i in (7, 13, 30):
        c.delete_run(ids[i])
    rid = _run(c, e3, 99, name="in-gone")
    _fill(c, rid, 99)
    c.set_terminated(rid, "FINISHED")
    c.delete_experiment(e3)
    return {"experiments": [e1, e2], "deleted_experiment": e3, "runs": ids}


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")
CORPUS_FOLDERS = ("gen-1.30-legacy", "gen-2.22-datasets")  # written by real MLflow 1.30.1 and 2.22.1


def corpus_copies(tmp):
    """Copies of the corpus folders written by Python MLflow 1.30 and 2.22 (tests/corpus/generated),
    with the empty metrics/, params/ and artifacts/ folders git dropped made again (without them
    MLflow 3.18 lists a run but answers "not found" to get_run): [(name, root)]."""
    if CORPUS not in sys.path:
        sys.path.insert(0, CORPUS)
    import expected  # tests/corpus/expected.py
    out = []
    for name in CORPUS_FOLDERS:
        root = os.path.join(tmp, name)
        shutil.copytree(os.path.join(CORPUS, "generated", name, "mlruns"), root, symlinks=True)
        expected.restore_empty_dirs(root)
        out.append((name, root))
    return out
