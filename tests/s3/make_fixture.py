#!/usr/bin/env python3
"""Writes an MLflow file store with Python MLflow (the judge) for the S3
mirror tests: experiments and runs whose names, param/metric keys and
artifact paths hold spaces, + = : @ and non-ASCII; metric histories; a
deleted run and a deleted experiment; optional large artifact.

usage: make_fixture.py ROOT [--big-mib N]"""
import argparse
import os
import sys

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

# Artifact file names with every character the tests care about.
ART_NAMES = ["plain.txt", "with space.txt", "a+b=c.txt", "k:v@host.txt",
             "ünïcødé 日本.txt", "mix +=:@ é/inner file.json"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--big-mib", type=int, default=0)
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    uri = "file://" + root
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)

    e1 = client.create_experiment("exp one: a+b=c @home é", tags={"team": "ml+ops", "owner": "zoë"})
    e2 = client.create_experiment("second experiment")
    e3 = client.create_experiment("to be deleted")
    for exp_id, nruns in ((e1, 2), (e2, 1), ("0", 1), (e3, 1)):
        for i in range(nruns):
            with mlflow.start_run(experiment_id=exp_id, run_name="run %d a+b=c:d@é" % i) as r:
                mlflow.log_param("lr", 0.01 * (i + 1))
                mlflow.log_param("naïve key", "v=1+2@x:y")
                mlflow.log_param("path/like key", "with space")
                mlflow.set_tag("note", "a+b=c @ é")
                for step in range(40):
                    mlflow.log_metric("loss", 1.0 / (step + 1) + i, step=step)
                    if step % 4 == 0:
                        mlflow.log_metric("acc: top-1", step / 40.0, step=step)
                for n in ART_NAMES:
                    mlflow.log_text("content of %s in run %d\n" % (n, i) * (i + 1), "dir with space/" + n)
                mlflow.log_dict({"a": 1, "b": [1, 2]}, "config.json")
                if a.big_mib and exp_id == e1 and i == 0:
                    big = os.path.join(root, "..", "big-artifact.bin")
                    with open(big, "wb") as f:
                        blk = os.urandom(1 << 20)
                        for k in range(a.big_mib):
                            f.write(bytes([k & 255]) + blk[1:])
                    mlflow.log_artifact(big, "models")
            last = r.info.run_id
    client.delete_run(last)         # a deleted run (lifecycle_stage deleted)
    client.delete_experiment(e3)    # a deleted experiment (.trash/)
    print(root)


if __name__ == "__main__":
    sys.exit(main())
