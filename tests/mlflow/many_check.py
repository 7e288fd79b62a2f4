"""mlflow_64_processes: 64 processes released by one barrier start runs in the same
new experiment name at once. Exactly one experiment of that name must exist
afterwards (MLflow search_experiments and the folders themselves) holding all 64
runs, each readable. Round 1 also races on creating the root itself; round 2 uses
an existing root."""
import os
import subprocess
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, leftovers, parse_args, writer_env

from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient

N = 64


def race(child, root, exp, ck, label):
    r, w = os.pipe()
    procs = [subprocess.Popen([child, root, exp, str(r), str(i)], pass_fds=(r,), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=writer_env()) for i in range(N)]
    os.close(r)
    time.sleep(0.5)  # let all 64 block on the barrier
    os.write(w, b"x" * N)  # release them all at once
    os.close(w)
    out = {}
    for i, p in enumerate(procs):
        so, se = p.communicate(timeout=120)
        if not ck.eq(p.returncode, 0, f"{label}: process {i} exit status ({se.decode(errors='replace').strip()[-300:]})"):
            continue
        rid, eid = so.decode().split()
        out[i] = (rid, eid)
    return out


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_64_processes")
    work = fresh_dir(a.work, "many")
    root = os.path.join(work, "mlruns")  # does not exist yet: round 1 also races on the root
    for rnd, exp in enumerate(("race: new experiment", "race: second new experiment")):
        label = f"round {rnd + 1}"
        res = race(a.bins["child"], root, exp, ck, label)
        ck.eq(len(res), N, f"{label}: processes that started a run")
        eids = {eid for _, eid in res.values()}
        ck.eq(len(eids), 1, f"{label}: distinct experiment ids handed to the 64 runs: {sorted(eids)}")
        c = MlflowClient(tracking_uri=root)
        named = [e for e in c.search_experiments(view_type=ViewType.ALL) if e.name == exp]
        ck.eq(len(named), 1, f"{label}: MLflow search_experiments: experiments named {exp!r}")
        dirs = []
        for d in os.listdir(root):
            meta = os.path.join(root, d, "meta.yaml")
            if os.path.isfile(meta) and (yaml.safe_load(open(meta, encoding="utf-8")) or {}).get("name") == exp:
                dirs.append(d)
        ck.eq(len(dirs), 1, f"{label}: experiment folders holding name {exp!r}: {dirs}")
        if len(named) != 1:
            continue
        eid = named[0].experiment_id
        runs = {r.info.run_id: r for r in c.search_runs([eid], max_results=1000)}
        ck.eq(sorted(runs), sorted(rid for rid, _ in res.values()), f"{label}: the 64 runs are in the experiment")
        for i, (rid, _) in res.items():
            r = runs.get(rid)
            if r is None:
                continue
            ck.eq((r.info.run_name, r.info.status, r.data.params.get("index"), r.data.metrics.get("rank")),
                  (f"proc-{i}", "FINISHED", str(i), float(i)), f"{label}: run of process {i}")
        ck.eq(len(c.search_experiments()), 2 + rnd, f"{label}: experiments in the root (Default + races)")
    ck.eq(leftovers(root), [], "staging dirs / temp files left behind")
    ck.true(not [d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))
                 and not (d.isdigit() or d == ".trash")],
            f"stray directories in the root: {sorted(os.listdir(root))}")
    ck.finish()


if __name__ == "__main__":
    main()
