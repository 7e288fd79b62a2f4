"""mlflow_ui: `mlflow ui --backend-store-uri <root>` (MLflow 3.18.0, with
MLFLOW_ALLOW_FILE_STORE=true) serves what rt_writer wrote: experiments, runs,
params, tags, metric history and artifact bytes through the REST API the web UI
uses, without creating a SQLite database instead (cf. MLflow issue #23634)."""
import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, from_bits, git_info, parse_args, run, writer_env
from rt_check import STATUS, replay


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, data=None):
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read()


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_ui")
    work = fresh_dir(a.work, "ui")
    root = os.path.join(work, "mlruns")
    manifest = os.path.join(work, "manifest.jsonl")
    cwd = fresh_dir(work, "cwd")
    scratch = fresh_dir(work, "scratch")
    writer = os.path.realpath(a.bins["rt_writer"])
    user = pwd.getpwuid(os.getuid()).pw_name
    run([writer, root, manifest, scratch], cwd=os.path.dirname(os.path.abspath(__file__)),
        env=writer_env(USER=user, LOGNAME=user, MLT_EXPECT_USER=user, MLT_EXPECT_SOURCE=writer))
    exps, runs = replay(manifest, git_info(os.path.dirname(os.path.abspath(__file__)))[0])

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cli = os.path.join(os.path.dirname(sys.executable), "mlflow")
    log = open(os.path.join(work, "ui.log"), "wb")
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    proc = subprocess.Popen([cli, "ui", "--backend-store-uri", root, "--host", "127.0.0.1", "--port", str(port)],
                            cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + 150
        up = False
        while time.time() < deadline and proc.poll() is None:
            try:
                if get(base + "/health"):
                    up = True
                    break
            except OSError:
                time.sleep(0.5)
        if not ck.true(up, f"mlflow ui did not answer /health (exit {proc.poll()})"):
            log.flush()
            print(open(os.path.join(work, "ui.log"), errors="replace").read()[-3000:])
            ck.finish()
        ex = json.loads(get(base + "/api/2.0/mlflow/experiments/search", {"max_results": 1000}))
        ck.eq(sorted((e["experiment_id"], e["name"]) for e in ex["experiments"]),
              sorted((i, e["name"]) for i, e in exps.items()), "experiments/search")
        for rid, w in runs.items():
            r = json.loads(get(base + "/api/2.0/mlflow/runs/get?run_id=" + rid))["run"]
            ck.eq((r["info"]["run_name"], r["info"]["status"], r["info"]["experiment_id"]),
                  (w["name"], STATUS[w["status"]], w["exp"]), f"runs/get {rid}: name, status, experiment")
            ck.eq({p["key"]: p["value"] for p in r["data"].get("params", [])}, w["params"], f"runs/get {rid}: params")
            tags = {t["key"]: t["value"] for t in r["data"].get("tags", [])}
            ck.eq({k: tags.get(k) for k in w["tags"]}, w["tags"], f"runs/get {rid}: tags")
            for key, pts in w["metrics"].items():
                q = urllib.parse.urlencode({"run_id": rid, "metric_key": key, "max_results": 25000})
                hist = json.loads(get(base + "/api/2.0/mlflow/metrics/get-history?" + q)).get("metrics", [])
                ck.eq([(m["step"], float(m["value"])) for m in hist],
                      [(p[1], from_bits(p[0])) for p in pts], f"metrics/get-history {rid} {key!r}")
            for path, hexdata in w["artifacts"].items():
                q = urllib.parse.urlencode({"path": path, "run_uuid": rid})
                ck.eq(get(base + "/get-artifact?" + q).hex(), hexdata, f"get-artifact {rid} {path}")
        ck.true(not any(f.endswith(".db") for f in os.listdir(cwd)), f"mlflow ui created a database: {os.listdir(cwd)}")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the session this test started, only
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
    ck.finish()


if __name__ == "__main__":
    main()
