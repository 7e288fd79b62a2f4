"""LoggedModels changed after their first sync, lost answers, lost state: exactly once.

    test_logged_models_later.py TOOL [--backend file|sqlite]

A folder written by MLflow 3.18's own client (file store): two runs, three
LoggedModels with several points per metric key (some naming a dataset).
Against a fresh real MLflow 3.18 server (--backend file keeps every repeated
point, so a point sent twice shows; sqlite refuses a param the model has),
behind the counting proxy:
  1. first sync, while the proxy lets three LoggedModel log-metric requests
     reach the server and loses their answers (502, 500): the tool asks the
     server what arrived and sends only the rest;
  2. MLflow adds params and tags to a LoggedModel, finalizes a PENDING one
     (READY), logs more points; the next sync carries them, again with a
     lost answer; a third sync sends no request;
  3. more points; the proxy holds a log-metric request, the tool is SIGKILLed
     while it is held, and only then does the request reach the server: the
     next sync finds the intent, asks the server and sends only the rest;
  4. the sync state is deleted and the folder synced again: no log-metric and
     no params request may be sent (everything is recognised on the server);
  5. a param's value changed in the folder: a file-store server takes it, an
     SQL one refuses it (exit 6, a message saying so).
After each step: expected.compare() (every field as MLflow reads it from the
folder, run histories without a repeat) and every LoggedModel's metric
history read from the server's own store (the file-store folder, or the SQL
server's full list), line for line against the folder's: none twice, none
lost. Fails, never skips.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
sys.path.insert(0, os.path.join(HERE, "..", "sync"))
import expected  # noqa: E402
from counting_proxy import CountingProxy  # noqa: E402
from mlflow_server import MlflowServer  # noqa: E402

T0 = 1_764_000_000_000


def client(mlruns):
    from mlflow import MlflowClient
    return MlflowClient(tracking_uri="file://" + mlruns)


def write_folder(mlruns):
    """Two runs and three LoggedModels, as MLflow's client writes them; returns the model ids."""
    c = client(mlruns)
    exp = c.create_experiment("lm-later")
    r1 = c.create_run(exp, start_time=T0).info.run_id
    r2 = c.create_run(exp, start_time=T0 + 1).info.run_id
    for s in range(4):
        c.log_metric(r1, "train_loss", 1.0 / (s + 1), timestamp=T0 + s, step=s)  # a plain run metric
    a = c.create_logged_model(exp, name="pending-then-ready", source_run_id=r1, params={"lr": "0.1"},
                              tags={"stage": "first"}).model_id
    b = c.create_logged_model(exp, name="ready", source_run_id=r2, params={"depth": "4"}).model_id
    m = c.create_logged_model(exp, name="no-run-metrics").model_id
    for s in range(6):  # several points per key: the file store's model entity keeps only the latest
        c.log_metric(r1, "acc", 0.5 + s / 20, timestamp=T0 + 10 + s, step=s, model_id=a)
        c.log_metric(r1, "f1", 0.4 + s / 30, timestamp=T0 + 20 + s, step=s, model_id=a, dataset_name="val",
                     dataset_digest="d1g3st")
        c.log_metric(r2, "acc", 0.6 + s / 25, timestamp=T0 + 30 + s, step=s, model_id=b)
    c.log_metric(r2, "acc", 0.9, timestamp=T0 + 40, step=0, model_id=m)
    d = tempfile.mkdtemp()
    with open(os.path.join(d, "weights.bin"), "wb") as f:
        f.write(os.urandom(3000))
    c.log_model_artifacts(b, d)
    shutil.rmtree(d)
    from mlflow.entities import LoggedModelStatus
    c.finalize_logged_model(b, LoggedModelStatus.READY)
    c.set_terminated(r2)
    return exp, r1, r2, a, b, m


def change_folder(mlruns, r1, a, m):
    """What MLflow lets a user do to a LoggedModel after it was synced."""
    from mlflow.entities import LoggedModelStatus
    c = client(mlruns)
    c.log_model_params(a, {"batch": "32", "epochs": "7"})
    c.log_model_params(m, {"late": "yes"})
    c.set_logged_model_tags(a, {"stage": "second", "added": "later"})
    for s in range(6, 9):
        c.log_metric(r1, "acc", 0.5 + s / 20, timestamp=T0 + 10 + s, step=s, model_id=a)
    c.finalize_logged_model(a, LoggedModelStatus.READY)
    c.set_terminated(r1)


def more_points(mlruns, r1, a, first, n):
    c = client(mlruns)
    for s in range(first, first + n):
        c.log_metric(r1, "f1", 0.4 + s / 30, timestamp=T0 + 20 + s, step=s, model_id=a, dataset_name="val",
                     dataset_digest="d1g3st")


def killed_in_flight(tool, src, px, state):
    """Holds the LoggedModel log-metric requests 4 s in the proxy, SIGKILLs the tool while one is held
    (it reaches the server after the tool died), waits until it has; returns what happened."""
    px.reset()
    px.httpd.delays = {"/runs/log-metric": 4}
    p = subprocess.Popen([tool, "sync", "--no-progress", "--state", state, src, px.url],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=sync_env())
    deadline = time.time() + 300
    while p.poll() is None and not requests_to(px, "/runs/log-metric") and time.time() < deadline:
        time.sleep(0.01)
    held = p.poll() is None and requests_to(px, "/runs/log-metric") > 0
    p.kill()
    p.wait()
    time.sleep(6)  # the held request goes on to the server
    px.httpd.delays = {}
    return held


def sync_env():
    return {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "DATABRICKS_"))}


def sync(tool, src, url, state, verbose=False):
    args = [tool, "sync", "--no-progress", "--state", state] + (["-v"] if verbose else []) + [src, url]
    return subprocess.run(args, capture_output=True, text=True, env=sync_env(), timeout=1800)


def local_model_lines(mlruns):
    """{local model id: sorted [(key, ts, value, step, run, dataset, digest)]} from the folder's files."""
    out = {}
    for root, dirs, files in os.walk(mlruns):
        if os.path.basename(os.path.dirname(root)) == "models" and os.path.basename(root).startswith("m-"):
            out[os.path.basename(root)] = read_lines(os.path.join(root, "metrics"), lambda r: r)
    return out


def read_lines(mdir, run_map):
    pts = []
    for key in sorted(os.listdir(mdir)) if os.path.isdir(mdir) else []:
        with open(os.path.join(mdir, key)) as f:
            for line in f:
                p = line.split()
                ds = (p[4], p[5]) if len(p) == 6 else (None, None)
                pts.append((key, int(p[0]), float(p[1]), int(p[2]), run_map(p[3])) + ds)
    return sorted(pts)


def remote_model_lines(srv, url, rid, run_back):
    """The server's every point of LoggedModel rid: its store's metric files (file), or the full list (SQL)."""
    if srv.backend == "file":
        for root, dirs, _ in os.walk(srv.file_root):
            if os.path.basename(root) == rid:
                return read_lines(os.path.join(root, "metrics"), lambda r: run_back.get(r, r))
        return None
    m = expected.client_for(url).get_logged_model(rid)
    return sorted((x.key, x.timestamp, x.value, x.step, run_back.get(x.run_id, x.run_id), x.dataset_name,
                   x.dataset_digest) for x in (m.metrics or []))


def run_histories(srv, src, ids, step, problems):
    """Every run metric line with a dataset, against the server's history: MLflow's file store reads
    such a line (5 fields) with step 0, on both sides; an SQL server keeps the step written, which the
    tool sends (docs/mlflow-layout.md), so expected.compare cannot judge those keys there."""
    c = expected.client_for(srv.url)
    for root, dirs, files in os.walk(src):
        if os.path.basename(root) != "metrics" or os.path.basename(os.path.dirname(os.path.dirname(root))) == "models":
            continue
        run = os.path.basename(os.path.dirname(root))
        for key in files:
            with open(os.path.join(root, key)) as f:
                lines = [ln.split() for ln in f if ln.strip()]
            if not any(len(p) == 5 for p in lines):
                continue
            want = sorted((0 if len(p) == 5 and srv.backend == "file" else int(p[2]), int(p[0]), float(p[1]))
                          for p in lines)
            got = sorted((m.step, m.timestamp, m.value) for m in c.get_metric_history(ids.run[run], key))
            if got != want:
                problems.append(f"{step}: run {run} metric {key!r} (dataset lines): remote {got[:4]}... "
                                f"({len(got)}) != local {want[:4]}... ({len(want)})")
            yield key


def check_all(step, srv, src, problems):
    local, remote = expected.dump_local(src), expected.dump_remote(srv.url)
    ids = expected.Ids(local, remote)
    judged = set(run_histories(srv, src, ids, step, problems)) if srv.backend != "file" else set()
    diffs = [d for d in expected.compare(local, remote) if not any(f"metric {k!r}" in d for k in judged)]
    problems += [f"{step}: {d}" for d in diffs]
    run_back = {v: k for k, v in ids.run.items()}
    for lid, lines in local_model_lines(src).items():
        rid = ids.model.get(lid)
        got = remote_model_lines(srv, srv.url, rid, run_back) if rid else None
        if got is None:
            problems.append(f"{step}: LoggedModel {lid} missing remotely")
        elif got != lines:
            twice = len(got) - len(set(got))
            problems.append(f"{step}: LoggedModel {lid} metrics: {len(got)} remote lines ({twice} repeated) vs "
                            f"{len(lines)} local; missing {sorted(set(lines) - set(got))[:3]}, "
                            f"extra {sorted(set(got) - set(lines))[:3]}")
    print(f"{step}: {len(diffs)} field differences, LoggedModel histories checked "
          f"({sum(map(len, local_model_lines(src).values()))} lines)")


def requests_to(px, part, method=None):
    return sum(1 for m, p, _ in px.requests if part in p and (method is None or m == method))


def lose(px, n):
    px.fail_next = [(502 if k % 2 == 0 else 500, None, True, "/runs/log-metric") for k in range(n)]


def main(argv):
    a = argparse.ArgumentParser()
    a.add_argument("tool")
    a.add_argument("--backend", default="file", choices=("file", "sqlite"))
    args = a.parse_args(argv)
    tool = os.path.abspath(args.tool)
    wd = tempfile.mkdtemp(prefix="mll-lm-later-")
    problems = []
    try:
        src = os.path.join(wd, "mlruns")
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
        exp, r1, r2, ma, mb, mm = write_folder(src)
        state = os.path.join(wd, "state")
        with MlflowServer(os.path.join(wd, "server"), backend=args.backend, start_timeout=300) as srv, \
                CountingProxy(srv.url) as px:
            lose(px, 3)
            p = sync(tool, src, px.url, state)
            print(f"first sync (3 lost log-metric answers): exit {p.returncode}")
            if p.returncode != 0:
                problems.append(f"first sync exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            if px.fail_next:
                problems.append(f"first sync: {len(px.fail_next)} lost answers were not used")
            if "the server says whether it arrived" not in p.stderr:
                problems.append("first sync: no LoggedModel log-metric was settled against the server")
            check_all("after the first sync", srv, src, problems)

            change_folder(src, r1, ma, mm)
            lose(px, 1)
            p = sync(tool, src, px.url, state)
            print(f"sync after the changes (1 lost answer): exit {p.returncode}")
            if p.returncode != 0:
                problems.append(f"sync after the changes exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            check_all("after the changes", srv, src, problems)

            px.reset()
            p = sync(tool, src, px.url, state)
            if p.returncode != 0 or px.requests:
                problems.append(f"the resync of an unchanged folder: exit {p.returncode}, {len(px.requests)} "
                                f"requests {px.requests[:5]}")

            more_points(src, r1, ma, 6, 3)
            if not killed_in_flight(tool, src, px, state):
                problems.append("the tool was not killed while a log-metric request was held")
            p = sync(tool, src, px.url, state, verbose=True)
            print(f"sync after a kill with a log-metric in flight: exit {p.returncode}")
            if p.returncode != 0:
                problems.append(f"the sync after the kill exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            found = [tuple(map(int, m)) for m in re.findall(r"(\d+) of the (\d+) metric lines in doubt already arrived",
                                                           p.stderr)]
            print(f"lines in doubt after the kill (arrived, in doubt): {found}")
            if not found or sum(k for k, _ in found) < 1:
                problems.append("the sync after the kill did not find the held line on the server (the intent was "
                                f"not resolved): {found}")
            check_all("after a kill with a log-metric in flight", srv, src, problems)

            os.unlink(state)
            px.reset()
            p = sync(tool, src, px.url, state, verbose=True)
            metrics, params = requests_to(px, "/runs/log-metric"), requests_to(px, "/params", "POST")
            print(f"sync without its state: exit {p.returncode}, {len(px.requests)} requests, "
                  f"{metrics} log-metric, {params} params")
            if p.returncode != 0:
                problems.append(f"the sync without state exited {p.returncode}: {p.stderr.strip()[-1500:]}")
            if metrics or params:
                problems.append(f"the sync without state sent {metrics} log-metric and {params} params requests: "
                                "all of it was on the server")
            check_all("after the sync without state", srv, src, problems)

            client(src).log_model_params(ma, {"lr": "0.2"})  # the file store overwrites a param
            p = sync(tool, src, px.url, state)
            print(f"sync after a param changed: exit {p.returncode}")
            if srv.backend == "file":  # the server overwrites it too
                if p.returncode != 0:
                    problems.append(f"a changed param: exit {p.returncode}: {p.stderr.strip()[-800:]}")
                check_all("after a param changed", srv, src, problems)
            elif p.returncode != 6 or "param changed after it was synced" not in p.stderr:
                problems.append(f"a changed param on an SQL server (which refuses it): exit {p.returncode}, "
                                f"{p.stderr.strip()[-800:]}")
    finally:
        expected.keep_if_failed(wd, problems)
    return expected.verdict(problems)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
