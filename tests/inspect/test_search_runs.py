"""`mlflow-lite runs` against MLflow 3.18's MlflowClient.search_runs (label "tool").

On three folders — one written by Python MLflow's FileStore (mlflow_folders.py),
one by mlflow_lite.h (tests/tool_src/src_lite_writer), one by the benchmark
generator — and, with --corpus (its own ctest), on the corpus folders written by
real MLflow 1.30 and 2.22 (tests/corpus/generated, copied with their empty run
folders made again), every filter below is run with several orders and views through
both. The set and the order of run ids must be equal; a filter MLflow refuses
(MlflowException) must be refused by mlflow-lite with exit 2 and a message of
MLflow's kind. MLflow is the judge: no expected value is written here.

    python test_search_runs.py MLFLOW_LITE SRC_LITE_WRITER GEN_SCRIPT [--corpus]
    (--corpus: only the corpus folders of MLflow 1.30 and 2.22)
"""
import csv
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mlflow_folders  # noqa: E402  (sets MLFLOW_ALLOW_FILE_STORE)

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402
from mlflow.entities import Run, RunData, RunInfo, RunInputs  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.utils.search_utils import SearchUtils  # noqa: E402

REFUSED_ON_EVALUATION = set()

FILTERS = [
    "",
    "metrics.acc > 0.7",
    "metrics.acc >= 0.7 AND metrics.acc < 1",
    "metrics.acc = 0.5",
    "metrics.acc != 0.5",
    "metrics.acc < 0",
    "metrics.acc > -1e308",
    "metrics.acc <= inf" if False else "metrics.acc <= 1e309",
    "metrics.tie > 10",
    "metrics.tie != 3",
    "metrics.loss < 0.1",
    "metrics.`val/loss` = 2",
    "metrics.`with ds` > 0",
    "metrics.m01 > 0.2",
    "metrics.m01 > 0.1 AND metrics.m02 < 0.5",
    "metrics.missing > 0",
    "metrics.`odd/nan` > 0",
    "metrics.`odd/nan` != 0",
    "metrics.loss > 0.001",
    "params.lr = '0.01'",
    "params.lr = \"0.1\"",
    "params.lr != '0.01'",
    "params.lr LIKE '%e%'",
    "params.lr LIKE 'a_b'",
    "params.lr LIKE 'a%b'",
    "params.lr ILIKE 'HÉLLO%'",
    "params.lr LIKE '%'",
    "params.lr LIKE ''",
    "params.lr = ''",
    "params.lr LIKE 'multi%'",
    "params.lr LIKE '%line'",
    "params.lr LIKE 'x%'",
    "params.seed = '3' AND params.lr LIKE '0.%'",
    "params.opt IS NULL",
    "params.opt IS NOT NULL",
    "params.opt = 'adam' AND metrics.acc > 0.5",
    "params.`my param` LIKE 'spaced%'",
    "params.greeting LIKE 'gr%'",
    "params.p1 = '0.5'",
    "params.p0 LIKE '0.00%'",
    "tags.team = 'vision'",
    "tags.team ILIKE 'vision'",
    "tags.team != 'nlp'",
    "tags.`a/b` = 'slash1'",
    "tags.`x.y` = 'dot'",
    "tags.x.y = 'dot'",
    "tags.mlflow.runName LIKE 'run-1%'",
    "tags.`mlflow.parentRunId` IS NOT NULL",
    "tags.team IS NULL",
    "tags.missing IS NULL AND params.lr IS NOT NULL",
    "attributes.status = 'FINISHED'",
    "status != 'RUNNING'",
    "attributes.status IN ('FAILED', 'KILLED')" if False else "attributes.status LIKE '%ED'",
    "status ILIKE 'f%'",
    "attribute.run_name = 'run-03'",
    "run_name LIKE 'run-1_'",
    "attributes.`run name` LIKE 'run%'",
    "`Run Name` = 'run-05'",
    "run_name != ''",
    "attributes.user_id = 'user1'",
    "user_id LIKE '%'",
    "attributes.start_time > 1700000010000",
    "start_time >= 1700000005000 AND start_time <= 1700000020000",
    "created < 1700000003000",
    "attributes.end_time > 1700000020000",
    "end_time > 0",
    "artifact_uri LIKE 'file://%'",
    "datasets.name = 'train'",
    "datasets.name IN ('eval', 'test')",
    "datasets.context = 'training'",
    "datasets.digest != 'x'",
    "datasets.name LIKE 't%' AND metrics.acc > 0",
    "metrics.acc > 0.6 AND params.seed != '0' AND tags.team != 'rl' AND status != 'KILLED'",
    # refused by MLflow, refused by mlflow-lite (exit 2)
    "metrics.acc > 0.5 OR metrics.acc < 0.2",
    "params.lr = 0.01",
    "metrics.acc = 'x'",
    "(metrics.acc > 1)",
    "foo.bar = 'x'",
    "attributes.lifecycle_stage = 'active'",
    "status IN ('FINISHED')",
    "metrics.acc IS NULL",
    "metrics.acc == 1",
    "params.lr > '0'",
    "metrics.acc > 1; metrics.acc < 2",
    "run_id IN ()",
    "   ",
]

ORDERS = [
    [],
    ["metrics.acc DESC"],
    ["metrics.acc"],
    ["metrics.tie DESC"],
    ["metrics.tie ASC"],
    ["params.lr"],
    ["params.lr DESC", "metrics.acc"],
    ["tags.team", "start_time DESC"],
    ["attributes.run_name"],
    ["status", "metrics.loss DESC"],
    ["end_time"],
    ["end_time DESC"],
    ["created"],
    ["metrics.`val/loss`", "params.seed DESC"],
    ["metrics.m01 DESC"],
    ["metrics.`odd/nan`"],
    ["run_id"],
]
# the keys of the corpus folders written by MLflow 1.30 and 2.22 (--corpus only)
CORPUS_FILTERS = [
    "metrics.accuracy > 0.45",
    "params.`test size` = '0.2'",
    "params.input_artifact LIKE '%'",
    "metrics.mae < 0.0105",
    "metrics.rmse >= 0 AND params.alpha != '0.1'",
    "params.solver LIKE 'l%'",
    "params.os IS NOT NULL",
    "datasets.name = 'features'",
    "datasets.name IN ('holdout')",
    "tags.`mlflow.user` = 'corpus'",
]
CORPUS_ORDERS = [["metrics.accuracy DESC"], ["metrics.mae", "params.alpha DESC"]]
BAD_ORDERS = [["metrics.acc DOWN"], ["foo.bar"], ["datasets.name"], ["metrics.acc desc nulls last"]]


def lite_ids(tool, root, exps, view, filt, orders):
    cmd = [tool, "--json", "runs", root]
    for e in exps:
        cmd += ["-e", e]
    cmd += ["--view", view, "--columns", "run_id"]
    if filt:
        cmd += ["--filter", filt]
    for o in orders:
        cmd += ["--order-by", o]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        return ("refused", p.returncode, p.stderr.strip())
    return [r["run_id"] for r in json.loads(p.stdout)["runs"]]


def refused_on_evaluation(filt):
    """MLflow checks a clause's comparator only when a run reaches the clause; mlflow-lite
    refuses such a filter at once. MLflow's own check, on an empty run, says which those are."""
    try:
        parsed = SearchUtils.parse_search_filter(filt)
    except MlflowException:
        return None
    run = Run(RunInfo(run_id="r", experiment_id="0", user_id="u", status="FINISHED", start_time=1, end_time=2,
                      lifecycle_stage="active", run_name="n", artifact_uri="file:///x"), RunData([], [], []),
              RunInputs([]))
    for c in parsed:
        try:
            SearchUtils._does_run_match_clause(run, c)
        except (MlflowException, TypeError) as e:
            return str(e)
    return None


def mlflow_ids(client, exps, view, filt, orders):
    vt = {"active": ViewType.ACTIVE_ONLY, "deleted": ViewType.DELETED_ONLY, "all": ViewType.ALL}[view]
    try:
        runs = client.search_runs(exps, filt, vt, max_results=50000, order_by=orders)
    except MlflowException as e:
        return ("refused", e.message)
    why = refused_on_evaluation(filt)
    if why:
        REFUSED_ON_EVALUATION.add(filt)
        return ("refused", "when a run reaches the clause: " + why)
    return [r.info.run_id for r in runs]


def compare(tool, root, exps, cases):
    client = MlflowClient("file://" + os.path.abspath(root))
    bad = n = 0
    for view, filt, orders in cases:
        n += 1
        mine, theirs = lite_ids(tool, root, exps, view, filt, orders), mlflow_ids(client, exps, view, filt, orders)
        if isinstance(theirs, tuple):
            ok = isinstance(mine, tuple) and mine[1] == 2
        else:
            ok = mine == theirs
        if not ok:
            bad += 1
            print("DIFF %s view=%s filter=%r order=%r\n  mlflow-lite: %s\n  MLflow:      %s"
                  % (os.path.basename(root), view, filt, orders, mine, theirs))
    return n, bad


def same_value(got, want):
    """a value of the tool's --json or --csv against MLflow's (metrics: floats, NaN equal to NaN)"""
    if isinstance(want, float):
        try:
            g = float(got)
        except (TypeError, ValueError):
            return False
        return g == want or (math.isnan(g) and math.isnan(want))
    return got == want


def row_problems(got, want, where):
    """one run of the tool (a dict of column -> value) against MLflow's Run"""
    out = []
    info = {"run_id": want.info.run_id, "run_name": want.info.run_name, "status": want.info.status,
            "start_time": want.info.start_time, "end_time": want.info.end_time}
    wanted = dict(info)
    for kind, d in (("params", want.data.params), ("metrics", want.data.metrics), ("tags", want.data.tags)):
        wanted.update(("%s.%s" % (kind, k), v) for k, v in d.items())
    for col, v in wanted.items():
        g = got.get(col)
        if where == "csv" and isinstance(v, int):
            v = str(v)
        if where == "csv" and v is None:
            v = ""
        if not same_value(g, v):
            out.append("%s: run %s column %s: %r, MLflow %r" % (where, want.info.run_id, col, g, v))
    extra = [c for c in got if c not in wanted and got[c] not in (None, "")]
    if extra:
        out.append("%s: run %s has values MLflow does not: %s" % (where, want.info.run_id, extra))
    return out


def check_rows(tool, root, exps):
    """--max, --columns with wildcards, --json and --csv carry search_runs' runs and values"""
    client = MlflowClient("file://" + os.path.abspath(root))
    filt, order = "metrics.acc > 0.1", "metrics.acc DESC"
    want = client.search_runs(exps, filt, max_results=5, order_by=[order])
    args = ["runs", root] + [a for e in exps for a in ("-e", e)]
    args += ["--filter", filt, "--order-by", order, "--max", "5",
             "--columns", "run_id,run_name,status,start_time,end_time,params.*,metrics.*,tags.*"]
    problems = []
    js = json.loads(subprocess.run([tool, "--json"] + args, capture_output=True, text=True, check=True).stdout)
    got = []
    for r in js["runs"]:
        flat = {k: r[k] for k in ("run_id", "run_name", "status", "start_time", "end_time")}
        for kind in ("params", "metrics", "tags"):
            flat.update(("%s.%s" % (kind, k), v) for k, v in r[kind].items())
        got.append(flat)
    text = subprocess.run([tool] + args + ["--csv"], capture_output=True, text=True, check=True).stdout
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    for where, runs in (("json", got), ("csv", rows)):
        if [r["run_id"] for r in runs] != [w.info.run_id for w in want]:
            problems.append("%s: runs %s, search_runs(max_results=5) %s" % (where, [r["run_id"] for r in runs],
                                                                            [w.info.run_id for w in want]))
            continue
        for g, w in zip(runs, want):
            problems += row_problems(g, w, where)
    table = subprocess.run([tool] + args, capture_output=True, text=True, check=True).stdout.splitlines()
    if [t.split()[0] for t in table[1:]] != [w.info.run_id for w in want]:
        problems.append("text table: rows %s" % table[1:])
    for p in problems:
        print("DIFF", p)
    return len(problems)


def cases_for(filters, spread):
    """every filter unordered, with one order per 'spread' of the others, and in another view"""
    out = []
    for i, f in enumerate(filters):
        for j, o in enumerate(ORDERS):
            if (i + j) % spread == 0 or not o:
                out.append(("active", f, o))
        out.append((["deleted", "all"][i % 2], f, ORDERS[i % len(ORDERS)]))
    for o in BAD_ORDERS:
        out.append(("active", "", o))
    return out


def make_folders(tmp, writer, gen):
    py = os.path.join(tmp, "python")
    info = mlflow_folders.make_python_folder(py)
    lite = os.path.join(tmp, "lite")
    subprocess.run([writer, lite], check=True, capture_output=True)
    genf = os.path.join(tmp, "gen")
    subprocess.run([sys.executable, gen, genf, "--runs", "80", "--keys", "4", "--steps", "20", "--params", "3",
                    "--exps", "2"], check=True, capture_output=True)
    return [(py, info["experiments"], 4), (py, info["experiments"] + [info["deleted_experiment"]], 9),
            (lite, [e for e in os.listdir(lite) if e.isdigit()], 9), (genf, ["100", "101"], 9)]


def corpus_folders(tmp):
    """the corpus folders written by MLflow 1.30 and 2.22, every experiment MLflow 3.18 lists, deleted ones too"""
    out = []
    for _, root in mlflow_folders.corpus_copies(tmp):
        exps = [e.experiment_id for e in MlflowClient("file://" + root).search_experiments(view_type=ViewType.ALL)]
        out.append((root, exps, 5))
    return out


def main():
    tool, writer, gen = sys.argv[1:4]
    tmp = tempfile.mkdtemp(prefix="inspect-search-")
    total = bad = 0
    try:
        if "--corpus" in sys.argv[4:]:  # its own ctest (inspect_search_runs_corpus), so both fit their time
            ORDERS.extend(CORPUS_ORDERS)
            for root, exps, spread in corpus_folders(tmp):
                n, b = compare(tool, root, exps, cases_for(FILTERS + CORPUS_FILTERS, spread))
                total += n
                bad += b
            print("search_runs comparison on the MLflow 1.30 and 2.22 corpus folders: %d cases, %d differ" %
                  (total, bad))
            return 1 if bad else 0
        for root, exps, spread in make_folders(tmp, writer, gen):
            n, b = compare(tool, root, exps, cases_for(FILTERS, spread))
            total += n
            bad += b
        # ROOT without -e: every active experiment, as MLflow's search_experiments lists them
        root = os.path.join(tmp, "python")
        client = MlflowClient("file://" + root)
        exps = [e.experiment_id for e in client.search_experiments()]
        for filt, orders in (("", []), ("metrics.acc > 0.5", ["metrics.acc"])):
            total += 1
            if lite_ids(tool, root, [], "active", filt, orders) != mlflow_ids(client, exps, "active", filt, orders):
                print("DIFF without -e: filter %r order %r" % (filt, orders))
                bad += 1
        total += 1
        bad += check_rows(tool, root, exps) > 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("search_runs comparison: %d cases over %d filters, %d differ (%d filters MLflow refuses only when a run "
          "reaches the clause: %s)" % (total, len(FILTERS), bad, len(REFUSED_ON_EVALUATION),
                                       sorted(REFUSED_ON_EVALUATION)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
