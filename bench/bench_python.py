"""Python MLflow file store baseline for bench/run_bench.sh: log_metric (one call per
point) and log_batch (1,000 metrics per call), each time-boxed.
usage: python bench_python.py <scratch dir> [seconds per measurement]"""
import os
import sys
import time

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
import logging
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient


def main():
    root = os.path.join(sys.argv[1], "mlruns-python")
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    c = MlflowClient(tracking_uri=root)
    eid = c.create_experiment("bench-python")
    print(f"python_mlflow_version {mlflow.__version__}")

    rid = c.create_run(eid).info.run_id
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < budget:
        for _ in range(100):
            c.log_metric(rid, "train/loss", 1.0 / (n + 1), step=n)
            n += 1
    t = time.perf_counter() - t0
    print(f"py_log_metric_s {t:.6f}\npy_log_metric_points {n}")

    rid = c.create_run(eid).info.run_id
    n, t0 = 0, time.perf_counter()
    ts = int(time.time() * 1000)
    while time.perf_counter() - t0 < budget:
        c.log_batch(rid, metrics=[Metric("train/loss", 1.0 / (n + i + 1), ts, n + i) for i in range(1000)])
        n += 1000
    t = time.perf_counter() - t0
    print(f"py_log_batch_s {t:.6f}\npy_log_batch_points {n}")


if __name__ == "__main__":
    main()
