"""mlflow_numbers: every double numbers_writer logged reads back through MLflow
3.18.0 bit-identical (NaN as NaN, +-inf as such), params from
mll_log_param_double equal Python's str(float); the 2.x reader and SQLite after
`mlflow migrate-filestore` read the same values; reports how often the metric text
equals Python's repr(float) (informational: exact round trip is the requirement).
"""
import json
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, bits, check_judge, fresh_dir, from_bits, migrate, parse_args, run, writer_env

from mlflow.tracking import MlflowClient


def main():
    a = parse_args(lambda p: p.add_argument("--light", action="store_true"))
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

    # the 2.x reader: bit-identical too (the metric path never uses printf, so the
    # builtin-printf variant runs with --light and leaves these two readers to the other)
    if not a.light and not a.python2:
        ck.fail("MLL_PYTHON2 (the 2.x reader) is not configured")
    elif not a.light:
        code = ("import os,sys,struct,json;os.environ['MLFLOW_ALLOW_FILE_STORE']='true';"
                "from mlflow.tracking import MlflowClient;"
                "h=MlflowClient(tracking_uri=sys.argv[1]).get_metric_history(sys.argv[2],'v');"
                "print(json.dumps([[m.step,struct.pack('<d',m.value).hex()] for m in h]))")
        try:
            got2 = json.loads(run([a.python2, "-c", code, root, run_id]).stdout)
            bad2 = 0
            for step, h in got2:
                v2 = struct.unpack("<d", bytes.fromhex(h))[0]
                wv = from_bits(want_pts[step])
                if not (math.isnan(v2) if math.isnan(wv) else bits(v2) == want_pts[step]):
                    bad2 += 1
            ck.eq((len(got2), bad2), (len(want_pts), 0), "2.x reader: (points, values not bit-identical)")
        except RuntimeError as ex:
            ck.fail(f"2.x reader failed: {ex}")

    if not a.light:
        # after `mlflow migrate-filestore` into SQLite: NaN is stored as is_nan, +-inf as
        # +-DBL_MAX (the tool's documented mapping), SQLite may turn -0.0 into 0
        db = os.path.join(work, "numbers.db")
        try:
            migrate(root, db)
            hs = MlflowClient(tracking_uri="sqlite:///" + db).get_metric_history(run_id, "v")
            ck.eq(len(hs), len(want_pts), "sqlite: points")
            bad3 = 0
            for m in hs:
                wv = from_bits(want_pts[m.step])
                if math.isnan(wv):
                    ok = math.isnan(m.value)
                elif math.isinf(wv):
                    ok = m.value == math.copysign(sys.float_info.max, wv)
                else:
                    ok = m.value == wv
                if not ok:
                    bad3 += 1
                    if bad3 <= 5:
                        ck.fail(f"sqlite: step {m.step}: {m.value!r}, wrote {wv!r}")
            ck.eq(bad3, 0, "sqlite: values differing from what was written")
        except RuntimeError as ex:
            ck.fail(f"migrate-filestore failed: {ex}")

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
