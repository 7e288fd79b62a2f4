"""mlflow_locale: what locale_writer logged under fr_FR.UTF-8 reads back through
MLflow 3.18.0 with '.' decimals: metric values 0.5 etc., param "0.500"."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, parse_args, run, writer_env

from mlflow.tracking import MlflowClient


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_locale")
    work = fresh_dir(a.work, "locale")
    root = os.path.join(work, "mlruns")
    rid_file = os.path.join(work, "run_id")
    run([a.bins["writer"], root, rid_file], env=writer_env(LC_ALL="C", LANG="C"))
    rid = open(rid_file).read().strip()
    c = MlflowClient(tracking_uri=root)
    r = c.get_run(rid)
    ck.eq([(m.value, m.step) for m in c.get_metric_history(rid, "half")], [(0.5, 0), (0.5, 1)], "metric half")
    ck.eq([(m.value, m.step, m.timestamp) for m in c.get_metric_history(rid, "mixed")],
          [(1234567.891, 0, 1700000000000), (1e-5, 1, 1700000000001), (-2.25, 2, 1700000000002)], "metric mixed")
    ck.eq(r.data.params.get("x"), "0.500", "param x = paramf('%.3f', 0.5)")
    ck.eq(r.data.params.get("g"), "0.25|1.500000e+03|-3.50", "param g = paramf('%g|%e|%.2f')")
    ck.eq(r.data.params.get("d"), "0.5", "param d = param_double(0.5)")
    ck.eq(r.data.tags.get("t"), "2.5", "tag t = tagf('%.1f', 2.5)")
    mdir = os.path.join(root, r.info.experiment_id, rid, "metrics")
    for k in ("half", "mixed"):
        txt = open(os.path.join(mdir, k), encoding="utf-8").read()
        ck.true("," not in txt, f"metric file {k} contains a comma: {txt!r}")
    ck.finish()


if __name__ == "__main__":
    main()
