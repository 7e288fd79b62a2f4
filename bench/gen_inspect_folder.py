"""Writes the benchmark folder of issue 12 (not a test): RUNS runs x KEYS metrics
x STEPS steps x PARAMS params, in the file-store format Python MLflow 3.18 writes
(meta.yaml keys, "ts value step" lines, one file per param and tag), spread over
EXPS experiments. MLflow's own FileStore would need hours for 20 M points, so
the files are written directly; tests/inspect checks that this format is what
MLflow writes by reading such a folder back with MLflow.

    python bench/gen_inspect_folder.py OUT [--runs 10000 --keys 20 --steps 100 --params 10 --exps 1]
"""
import argparse
import math
import os
import random

RUN_META = """artifact_uri: file://{root}/{exp}/{rid}/artifacts
end_time: {end}
entry_point_name: ''
experiment_id: '{exp}'
lifecycle_stage: active
run_id: {rid}
run_name: {name}
source_name: ''
source_type: 4
source_version: ''
start_time: {start}
status: {status}
tags: []
user_id: {user}
"""

EXP_META = """artifact_location: file://{root}/{exp}
creation_time: 1700000000000
experiment_id: '{exp}'
last_update_time: 1700000000000
lifecycle_stage: active
name: {name}
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def write_run(root, exp, i, a, rng):
    rid = "%032x" % rng.getrandbits(128)
    d = os.path.join(root, exp, rid)
    for sub in ("metrics", "params", "tags", "artifacts"):
        os.makedirs(os.path.join(d, sub))
    start = 1700000000000 + i * 1000
    status = 3 if i % 10 else (4 if i % 20 else 1)  # FINISHED, some FAILED / RUNNING
    name = "run-%05d" % i
    write(os.path.join(d, "meta.yaml"), RUN_META.format(root=root, exp=exp, rid=rid, end=start + 600000,
                                                         name=name, start=start, status=status,
                                                         user="user%d" % (i % 7)))
    for p in range(a.params):
        write(os.path.join(d, "params", "p%d" % p), str((i * (p + 3)) % 97 / 100.0 if p else "0.%03d" % (i % 50)))
    for t, v in (("mlflow.runName", name), ("mlflow.user", "user%d" % (i % 7)), ("mlflow.source.type", "LOCAL"),
                 ("team", "t%d" % (i % 4))):
        write(os.path.join(d, "tags", t), v)
    for k in range(a.keys):
        base = rng.random()
        lines = []
        for s in range(a.steps):
            v = base * math.exp(-s / 30.0) + 0.01 * k
            lines.append("%d %r %d\n" % (start + s * 10, v, s))
        write(os.path.join(d, "metrics", "m%02d" % k), "".join(lines))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--runs", type=int, default=10000)
    ap.add_argument("--keys", type=int, default=20)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--params", type=int, default=10)
    ap.add_argument("--exps", type=int, default=1)
    a = ap.parse_args()
    root = os.path.abspath(a.out)
    rng = random.Random(12)
    os.makedirs(root)
    exps = [str(100 + e) for e in range(a.exps)]
    for e in exps:
        os.makedirs(os.path.join(root, e))
        write(os.path.join(root, e, "meta.yaml"), EXP_META.format(root=root, exp=e, name="bench-" + e))
    for i in range(a.runs):
        write_run(root, exps[i % len(exps)], i, a, rng)
    print(root)


if __name__ == "__main__":
    main()
