"""mlflow_numbers: every double numbers_writer logged reads back through MLflow
3.18.0 bit-identical (NaN as NaN, +-inf as such), params from
mll_log_param_double equal Python's str(float); reports how often the metric text
equals Python's repr(float) (informational: exact round trip is the requirement).
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, bits, check_judge, fresh_dir, from_bits, parse_args, run, writer_env

from mlflow.tracking import MlflowClient


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_numbers")
    work = fresh_dir(a.work, "numbers")
    root = os.path.join(work, "mlruns")
    expected = os.path.join(work, "expected.txt")
    run_id_file = os.path.join(work, "run_id")
    run([a.bins["writer"], root, expected, run_id_file], env=writer_env())
    run_id = open(run_id_file).read().strip()

    want_pts, want_params = {}, {}
    for line in open(expected):
        parts = line.split()
        if parts[0] == "param":
            want_params[parts[1]] = parts[2]
        else:
            want_pts[int(parts[0])] = parts[1]

    client = MlflowClient(tracking_uri=root)
    hist = client.get_metric_history(run_id, "v")
    ck.eq(len(hist), len(want_pts), "number of points read back")
    bad = 0
    for i, m in enumerate(hist):
        want = want_pts.get(m.step)
        if want is None:
            ck.fail(f"unexpected step {m.step}")
            continue
        if i != m.step:
            ck.fail(f"point {i} has step {m.step}: out of order")
        wv = from_bits(want)
        if math.isnan(wv):
            ok = math.isnan(m.value)
        else:
            ok = bits(m.value) == want
        if not ok:
            bad += 1
            if bad <= 20:
                ck.fail(f"step {m.step}: wrote {want} ({wv!r}), MLflow read {bits(m.value)} ({m.value!r})")
        else:
            ck.checks += 1
    ck.true(bad == 0, f"{bad} of {len(hist)} values not bit-identical")
    for v in (float("inf"), float("-inf")):
        ck.true(any(m.value == v for m in hist), f"{v} not read back")
    ck.true(any(math.isnan(m.value) for m in hist), "nan not read back")
    ck.true(any(bits(m.value) == "8000000000000000" for m in hist), "-0.0 not read back")

    params = client.get_run(run_id).data.params
    for k, h in want_params.items():
        ck.eq(params.get(k), str(from_bits(h)), f"param {k} (mll_log_param_double) vs Python str(float)")

    # metric text vs Python's repr(float): informational match rate
    mdir = os.path.join(root, client.get_run(run_id).info.experiment_id, run_id, "metrics")
    with open(os.path.join(mdir, "v"), "rb") as f:
        raw = f.read()
    ck.true(raw.endswith(b"\n"), "metric file does not end with a newline")
    lines = raw.decode("ascii").split("\n")[:-1]
    same = sum(1 for ln in lines if ln.split(" ")[1] == repr(float(ln.split(" ")[1])))
    mism = [ln.split(" ")[1] for ln in lines if ln.split(" ")[1] != repr(float(ln.split(" ")[1]))]
    print(f"metric text equal to Python repr(float): {same}/{len(lines)} "
          f"({100.0 * same / max(1, len(lines)):.3f}%); examples of differences: {mism[:5]}")
    ck.finish()


if __name__ == "__main__":
    main()
