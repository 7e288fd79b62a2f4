"""Shared helpers for the mlflow-lite sync tests (ctest label `sync`).

Every test gets the tool path as argv[1] and runs with the .venv Python
(MLflow 3.18.0, the judge). Servers are real `mlflow server` processes on
127.0.0.1 (tests/common/mlflow_server.py); nothing is mocked except where a
test says so (the Databricks stand-in).
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
os.environ.setdefault("GIT_PYTHON_REFRESH", "quiet")

from mlflow_server import MlflowServer, ServerError, free_port  # noqa: E402,F401

SYNC_TAG = "mlflow_lite.source_run_id"
MAXD = 1.7976931348623157e308


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def tool():
    if len(sys.argv) < 2:
        raise SystemExit("usage: test.py PATH/TO/mlflow-lite")
    return os.path.abspath(sys.argv[1])


_WORKDIRS = []


def workdir(name):
    """A fresh folder for one test; removed when the test passes, kept for a look when it fails."""
    base = os.environ.get("MLL_TEST_TMP") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix=f"mll-sync-{name}-", dir=base)
    _WORKDIRS.append(d)
    return d


def run_tool(args, env=None, timeout=600, check_rc=None, clean_env=True):
    e = dict(os.environ)
    if clean_env:
        for k in list(e):
            if k.startswith(("MLFLOW_TRACKING_", "DATABRICKS_")):
                del e[k]
    e.update(env or {})
    p = subprocess.run([tool()] + list(args), capture_output=True, text=True, env=e, timeout=timeout)
    sys.stderr.write(f"$ mlflow-lite {' '.join(args)}\n-> {p.returncode}\n{p.stderr[-3000:]}{p.stdout[-2000:]}\n")
    if check_rc is not None:
        check(p.returncode == check_rc, f"mlflow-lite exited {p.returncode}, expected {check_rc}:\n{p.stderr[-2000:]}")
    return p


def summary(p):
    """The --json summary line of a run_tool() result."""
    for line in reversed(p.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise TestFailure(f"no JSON summary on stdout: {p.stdout!r}")


# ---------------------------------------------------------------- fixtures --

def write_python_store(root, n_runs=3, n_steps=50, seed=1, big_artifact=0, running=False):
    """A file store written by Python MLflow (3.18.0) with everything a run can
    carry. Returns the path of mlruns/."""
    import mlflow
    import pandas as pd
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    mlruns = os.path.join(root, "mlruns")
    uri = "file://" + mlruns
    c = MlflowClient(uri)
    rnd = random.Random(seed)
    e1 = c.create_experiment("sync exp α", tags={"team": "hpc", "mlflow.note.content": "desc\nline 2"})
    e2 = c.create_experiment("second/exp")
    art_src = os.path.join(root, "art")
    os.makedirs(os.path.join(art_src, "dir/sub"), exist_ok=True)
    with open(os.path.join(art_src, "model.txt"), "w") as f:
        f.write("model v1\n")
    with open(os.path.join(art_src, "dir/sub/data.bin"), "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(70000)))
    with open(os.path.join(art_src, "dir/empty.txt"), "wb"):
        pass
    with open(os.path.join(art_src, "dir/na me+%.txt"), "w") as f:
        f.write("odd name")
    if big_artifact:
        with open(os.path.join(art_src, "big.bin"), "wb") as f:
            f.write(os.urandom(big_artifact))
    parent = c.create_run(e1, run_name="parent", tags={"mlflow.user": "alice", "kind": "sweep"})
    c.log_param(parent.info.run_id, "lr", "0.1")
    c.log_metric(parent.info.run_id, "best", 0.5, timestamp=1700000000000, step=0)
    c.set_terminated(parent.info.run_id, "FINISHED", end_time=1700000009999)
    runs = [parent.info.run_id]
    for i in range(n_runs):
        exp = e1 if i % 2 == 0 else e2
        tags = {"mlflow.user": f"user{i}", "idx": str(i), "unicode": "ünï ☃", "long": "x" * 7000}
        if exp == e1:
            tags["mlflow.parentRunId"] = parent.info.run_id
        r = c.create_run(exp, run_name=f"run-{i}", start_time=1700000000000 + i * 1000, tags=tags)
        rid = r.info.run_id
        params = [Param(f"p{k}", f"v{k}-{i}") for k in range(120)] + [Param("path/like key", "a b:c")]
        c.log_batch(rid, params=params)
        ts = 1700000000000 + i
        metrics = []
        for s in range(n_steps):
            metrics.append(Metric("loss", 1.0 / (s + 1) + rnd.random() * 1e-9, ts + s * 10, s))
            metrics.append(Metric("acc/top1", rnd.random(), ts + s * 10, s))
        metrics.append(Metric("weird", float("nan"), ts, 0))
        metrics.append(Metric("weird", float("inf"), ts + 1, 1))
        metrics.append(Metric("weird", float("-inf"), ts + 2, 2))
        metrics.append(Metric("weird", 1e-300, ts + 3, 3))
        metrics.append(Metric("weird", -0.0, ts + 4, -5))
        metrics.append(Metric("weird", 123456789.123456789, ts + 5, 2**40))
        metrics.append(Metric("weird", 5e-324, ts + 6, 6))  # subnormal: strtod sets ERANGE
        for k in range(0, len(metrics), 1000):
            c.log_batch(rid, metrics=metrics[k:k + 1000])
        c.log_artifacts(rid, art_src)
        if i == 0:
            mlflow.set_tracking_uri(uri)
            ds = mlflow.data.from_pandas(pd.DataFrame({"a": [1, 2, 3]}), name="train-set")
            with mlflow.start_run(run_id=rid):
                mlflow.log_input(ds, context="training")
            mlflow.set_tracking_uri(None)
        if running and i == n_runs - 1:
            continue  # stays RUNNING
        status = ["FINISHED", "FAILED", "KILLED"][i % 3]
        c.set_terminated(rid, status, end_time=1700000100000 + i)
        runs.append(rid)
    return mlruns


# ---------------------------------------------------------------- compare --

def _metric_key(m):
    v = m.value
    if isinstance(v, float) and math.isnan(v):
        v = "nan"
    elif v in (math.inf, MAXD):
        v = "+inf"
    elif v in (-math.inf, -MAXD):
        v = "-inf"
    elif v == 0:
        v = "0.0"  # the SQL store keeps no sign of zero (the Python client gets 0.0 back too)
    else:
        v = repr(float(v))
    return (m.step, m.timestamp, v)


def _list_files(repo, path=None):
    out = []
    for fi in repo.list_artifacts(path):
        if fi.is_dir:
            out += _list_files(repo, fi.path)
        else:
            out.append(fi.path)
    return out


def _artifact_repo(run, tracking_uri):
    """The run's own artifact repository: MlflowClient.list_artifacts of MLflow 3.x also asks the
    server for the run's LoggedModels, which a 2.x server answers 404 (logged-models/search)."""
    from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository
    return get_artifact_repository(run.info.artifact_uri, tracking_uri=tracking_uri)


def compare_stores(src_mlruns, server_url, experiments=None, expect_runs=None, check_artifacts=True, name_prefix="",
                   pairs_out=None):
    """Every field of every local run against its remote copy, through
    MlflowClient on both sides. Returns the number of runs compared."""
    from mlflow import MlflowClient
    from mlflow.entities import ViewType

    lc = MlflowClient("file://" + os.path.abspath(src_mlruns))
    rc = MlflowClient(server_url)
    n = 0
    local_to_remote = {}
    pairs = []
    for le in lc.search_experiments(view_type=ViewType.ACTIVE_ONLY):
        if experiments and le.name not in experiments:
            continue
        re_ = rc.get_experiment_by_name(name_prefix + le.name)
        check(re_ is not None, f"experiment {le.name!r} missing on the server")
        check(re_.lifecycle_stage == "active", f"experiment {le.name!r} not active remotely")
        for k, v in le.tags.items():
            check(re_.tags.get(k) == v, f"experiment {le.name!r} tag {k!r}: {re_.tags.get(k)!r} != {v!r}")
        lruns = lc.search_runs([le.experiment_id], run_view_type=ViewType.ACTIVE_ONLY, max_results=50000)
        rruns = rc.search_runs([re_.experiment_id], run_view_type=ViewType.ALL, max_results=50000)
        deleted = [r for r in rruns if r.info.lifecycle_stage == "deleted"]
        for d in deleted:  # only an empty duplicate left by a killed runs/create may be deleted
            check(not d.data.metrics and not d.data.params, f"deleted remote run {d.info.run_id} holds data")
            print(f"note: soft-deleted empty duplicate {d.info.run_id} of local run {d.data.tags.get(SYNC_TAG)}")
        rruns = [r for r in rruns if r.info.lifecycle_stage != "deleted"]
        by_tag = {}
        for r in rruns:
            t = r.data.tags.get(SYNC_TAG)
            check(t is not None, f"remote run {r.info.run_id} has no sync tag")
            check(t not in by_tag, f"local run {t} exists TWICE on the server")
            by_tag[t] = r
        for lr in lruns:
            check(lr.info.run_id in by_tag, f"local run {lr.info.run_id} ({lr.info.run_name}) missing on the server")
            local_to_remote[lr.info.run_id] = by_tag[lr.info.run_id].info.run_id
            pairs.append((lr, by_tag[lr.info.run_id]))
        check(len(by_tag) == len(lruns), f"experiment {le.name!r}: {len(by_tag)} remote runs for {len(lruns)} local")
    for lr, rr in pairs:
        li, ri = lr.info, rr.info
        for f in ("start_time", "end_time", "status", "run_name", "user_id", "lifecycle_stage"):
            check(getattr(li, f) == getattr(ri, f), f"run {li.run_id} {f}: remote {getattr(ri, f)!r} != local {getattr(li, f)!r}")
        check(lr.data.params == rr.data.params, f"run {li.run_id} params differ:\n{lr.data.params}\n{rr.data.params}")
        ltags = dict(lr.data.tags)
        rtags = dict(rr.data.tags)
        check(rtags.pop(SYNC_TAG) == li.run_id, "sync tag value")
        if "mlflow.parentRunId" in ltags:
            ltags["mlflow.parentRunId"] = local_to_remote.get(ltags["mlflow.parentRunId"], ltags["mlflow.parentRunId"])
        check(ltags == rtags, f"run {li.run_id} tags differ:\nlocal {ltags}\nremote {rtags}")
        check(set(lr.data.metrics) == set(rr.data.metrics), f"run {li.run_id} metric keys differ")
        for key in lr.data.metrics:
            lh = sorted(set(_metric_key(m) for m in lc.get_metric_history(li.run_id, key)))
            rh = sorted(_metric_key(m) for m in rc.get_metric_history(ri.run_id, key))
            check(lh == rh, f"run {li.run_id} metric {key!r}: {len(rh)} remote points vs {len(lh)} local"
                  f" (first diff: {next(((a, b) for a, b in zip(lh, rh) if a != b), None)})")
        ld = sorted((d.dataset.name, d.dataset.digest, d.dataset.source, d.dataset.source_type, d.dataset.schema,
                     d.dataset.profile, tuple(sorted((t.key, t.value) for t in d.tags)))
                    for d in lr.inputs.dataset_inputs)
        rd = sorted((d.dataset.name, d.dataset.digest, d.dataset.source, d.dataset.source_type, d.dataset.schema,
                     d.dataset.profile, tuple(sorted((t.key, t.value) for t in d.tags)))
                    for d in rr.inputs.dataset_inputs)
        check(ld == rd, f"run {li.run_id} dataset inputs differ:\n{ld}\n{rd}")
        if check_artifacts:
            lrepo, rrepo = _artifact_repo(lr, "file://" + os.path.abspath(src_mlruns)), _artifact_repo(rr, server_url)
            lf = sorted(_list_files(lrepo))
            rf = sorted(_list_files(rrepo))
            check(lf == rf, f"run {li.run_id} artifact lists differ:\n{lf}\n{rf}")
            if lf:
                ltmp, rtmp = tempfile.mkdtemp(), tempfile.mkdtemp()
                try:
                    lrepo.download_artifacts("", ltmp)
                    rrepo.download_artifacts("", rtmp)
                    for p in lf:
                        with open(os.path.join(ltmp, p), "rb") as a, open(os.path.join(rtmp, p), "rb") as b:
                            check(a.read() == b.read(), f"run {li.run_id} artifact {p} bytes differ")
                finally:
                    shutil.rmtree(ltmp, ignore_errors=True)
                    shutil.rmtree(rtmp, ignore_errors=True)
        n += 1
    if pairs_out is not None:
        pairs_out.extend((lr.info.run_id, rr.info.run_id) for lr, rr in pairs)
    if expect_runs is not None:
        check(n == expect_runs, f"compared {n} runs, expected {expect_runs}")
    return n


def main(fn):
    """Runs a test function; prints PASS or the failure, exit code for ctest."""
    try:
        fn()
    except (TestFailure, ServerError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        print(f"(kept for inspection: {' '.join(_WORKDIRS)})", file=sys.stderr)
        sys.exit(1)
    for d in _WORKDIRS:
        shutil.rmtree(d, ignore_errors=True)
    print("PASS")


def write_many_runs(root, n_runs=20, n_keys=4, n_steps=1000, exp_name="many", artifact_bytes=0):
    """A larger Python-MLflow store for kill/restart tests."""
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    e = c.create_experiment(exp_name)
    blob = None
    if artifact_bytes:
        blob = os.path.join(root, "blob.bin")
        with open(blob, "wb") as f:
            f.write(os.urandom(artifact_bytes))
    for i in range(n_runs):
        r = c.create_run(e, run_name=f"r{i}", start_time=1700000000000 + i)
        rid = r.info.run_id
        c.log_batch(rid, params=[Param("i", str(i)), Param("seed", "42")])
        pts = [Metric(f"m{k}", (s * 31 + k) % 997 / 7.0, 1700000000000 + s, s)
               for k in range(n_keys) for s in range(n_steps)]
        for j in range(0, len(pts), 1000):
            c.log_batch(rid, metrics=pts[j:j + 1000])
        if blob:
            c.log_artifact(rid, blob)
        c.set_terminated(rid, "FINISHED", end_time=1700000500000 + i)
    return mlruns


def start_moto(wd):
    """moto's S3 server on 127.0.0.1 (from .venv). Returns (process, url); stop with os.killpg."""
    import time
    import urllib.request
    port = free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "moto_server")
    log = open(os.path.join(wd, "moto.log"), "wb")
    p = subprocess.Popen([exe, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
            return p, f"http://127.0.0.1:{port}"
        except Exception:
            if p.poll() is not None:
                raise TestFailure("moto_server did not start")
            time.sleep(0.1)
    p.kill()
    raise TestFailure("moto_server did not answer")


class BadServer:
    """tests/badserver/badserver.py (the misbehaving server of the REST tests) in
    front of an upstream (a real mlflow server): every request it has no rule
    for goes through; a rule corrupts exactly the endpoint a test names.

        with BadServer(srv.url, [{"path": "/api/2.0/mlflow/runs/log-batch", "action": "html"}]) as bad:
            bad.url ; bad.requests() ; bad.set_rules([...]) ; bad.reset()
    """

    def __init__(self, upstream, rules=()):
        self.upstream = upstream
        self.rules = list(rules)
        self.proc = None
        self.url = None

    def __enter__(self):
        import json as _json
        script = os.path.join(HERE, "..", "badserver", "badserver.py")
        args = [sys.executable, script, "--upstream", self.upstream]
        for r in self.rules:
            args += ["--rule", _json.dumps(r)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, start_new_session=True)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            self.proc.kill()
            raise TestFailure(f"badserver did not start: {line!r}")
        self.url = f"http://127.0.0.1:{line[1]}"
        return self

    def _call(self, method, path, body=None):
        import json as _json
        import urllib.request
        req = urllib.request.Request(self.url + path, method=method,
                                     data=None if body is None else _json.dumps(body).encode())
        with urllib.request.urlopen(req, timeout=30) as r:
            return _json.loads(r.read() or b"null")

    def requests(self):
        return self._call("GET", "/__badserver/requests")

    def set_rules(self, rules):
        self._call("POST", "/__badserver/rules", list(rules))

    def reset(self):
        self._call("POST", "/__badserver/reset", {})

    def __exit__(self, *a):
        if self.proc:
            self.proc.kill()
            self.proc.wait()


def state_files(src):
    import glob
    return glob.glob(os.path.join(src, ".mlflow-lite-sync-*.jsonl"))


def remote_history(server_url, local_run_id, key):
    """(step, timestamp, value) of every point of `key` in the remote copy of a local run."""
    from mlflow import MlflowClient
    rc = MlflowClient(server_url)
    exps = [e.experiment_id for e in rc.search_experiments()]
    q = f'"{local_run_id}"' if "'" in local_run_id else f"'{local_run_id}'"
    rs = rc.search_runs(exps, f"tags.`{SYNC_TAG}` = {q}")
    check(len(rs) == 1, f"local run {local_run_id}: {len(rs)} remote runs")
    return rs[0], sorted((m.step, m.timestamp, m.value) for m in rc.get_metric_history(rs[0].info.run_id, key))
