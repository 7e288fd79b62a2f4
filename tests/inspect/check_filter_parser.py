"""The filter and order-by parser of `mlflow-lite runs` (tools/search_filter.c,
through tests/inspect/sf_dump) against MLflow 3.18's own SearchUtils, on a
fixed list of filters (the spellings the MLflow docs use, and the odd ones
sqlparse makes of them) and on thousands of filters generated from pieces of
that grammar and mutated. For each string both must accept it with the same
clauses (type, key, comparator, value), or both must refuse it.

MLflow checks a clause's comparator only when it evaluates a run, and
mlflow-lite at once: the comparison below evaluates every clause MLflow
parsed on an empty run, so that a comparator MLflow would refuse there counts
as refused.

    python check_filter_parser.py SF_DUMP [--random N] [--seed S]
"""
import argparse
import json
import random
import subprocess
import sys

from mlflow.entities import Run, RunData, RunInfo, RunInputs
from mlflow.exceptions import MlflowException
from mlflow.utils.search_utils import SearchUtils

FIXED = r"""metrics.acc > 0.5
metrics.acc>0.5 and params.lr = '0.1'
status = 'FINISHED'
attributes.status='FINISHED'
run_name = 'x'
metrics.`my acc` > 1
metrics."my acc" > 1
params.lr = "0.1"
params.lr = 0.1
metrics.acc = '1'
metrics.acc > -1
metrics.acc > 1e3
metrics.acc > .5
metrics.acc > 1.5e-3
tags.x LIKE '%a%'
tags.x like '%a%'
tags.x ilike '%A%'
run_id IN ('a','b')
attributes.run_id NOT IN ('a')
status IN ('FINISHED')
metrics.a > 1 OR metrics.b > 1
(metrics.a > 1)
metrics.a > 1 AND
metrics.a
start_time > 5
start_time > '5'
created > 5
end_time >= 1.5
attributes.`run name` = 'x'
params.x IS NULL
tags.x is not null
params.x != 'a'
metrics.a <> 1
metrics.a == 1
params.lr = 'it''s'
foo.bar = 1
metric.a > 1
user_id = 'u'
artifact_uri = 'x'
lifecycle_stage = 'active'
experiment_id = '0'
metrics.a > 1 and and metrics.b > 2
metrics.a > 1;
metrics.a > 1; metrics.b > 1
tags.mlflow.runName = 'x'
metrics.train/loss > 1
metrics.`train/loss` > 1
params.order = 'x'
params.select = 'x'
metrics.from > 1
params."a b" = 'x'
params.'a b' = 'x'
params.lr='x'and metrics.a>1
metrics.a>1and metrics.b>1
params.a = 'x' AND params.b = 'y' AND metrics.c < 3
attribute.status != 'RUNNING'
attr.status = 'x'
run.status = 'x'
`metrics`.a > 1
METRICS.a > 1
metrics.A > 1
Metrics.a > 1
status = FINISHED
status = "FINISHED"
status LIKE 'F%'
status ILIKE 'f%'
run_id = 'abc'
run_id IN ('a',)
run_id IN ()
run_id IN (1,2)
run_id in ('a', 'b')
run_id not in ('a')
run_id IN 'a'
metrics.a IN (1)
params.a IN ('x')
metrics.a > 1 AND NOT metrics.b > 1
params.a = 'x' params.b = 'y'
metrics.a >= 1.0E5
metrics.a > 1.
metrics.a > 1_0
metrics.a > inf
metrics.a > 'nan'
metrics.a > +1
metrics.a > - 1
metrics.a=>1
metrics.a =1 
  metrics.a = 1
   
params.a = ''
params.a = 'a"b'
params.a = 'a\'b'
params.a LIKE 'a_c'
tags.`a.b` = 'x'
metrics.`a``b` > 1
metrics.a > 1; 
metrics.a > 1 ;
;metrics.a > 1
metrics.a > 1 -- x
metrics.a > 1 # x
metrics.a > 12and metrics.b > 1
metrics.a > 1.5a
AND params.a = 'x'
metrics.a > 1e5x
`params.a` = 'x'
params.a = `x`
params.a = ''''
params.a = 'x' = 'y'
metrics.* > 1
params.[a b] = 'x'
params.a = ""
params.a="x""y"
run_id IN ('a' 'b')
run_id IN (('a'),('b'))
run_id IN ('a', 1)
run_id IN ("a")
run_id IN ('a\'b')
run_id IN (r'a')
run_id IN ('a',,)
run_id NOT  IN ('a')
run_id IN('a')
tags.a IS  NOT   NULL
tags.a IS NULL AND params.b IS NOT NULL
metrics.a IS NULL
run_id IS NULL
tags.a = NULL
tags.a NOT LIKE 'x'
tags.a RLIKE 'x'
tags.a >< 'x'
metrics. a > 1
metrics .a > 1
datasets.name = 'train'
datasets.digest IN ('abc', 'def')
datasets.context = 'train'
datasets.foo = 'x'
dataset.name LIKE 't%'
datasets.name > 'a'
params.a > 'x'
run_id = ('a')
run_id LIKE ('a')
metrics.a > 0x10
params.`a` = "b"
tags."mlflow.user" = 'x'
params.a = 'x' AND tags.b = 'y' AND attributes.status = 'FINISHED' AND metrics.c >= 0.1
metrics.a > 1 AND metrics.a < 2
metrics.a >= -1.5E-3
start_time >= 1700000000000 AND end_time <= 1800000000000
Created > 1
`Run Name` = 'x'
attributes.`Run name` = 'x'
run_name ILIKE '%RUN%'
user_id != 'bob'
params.a LIKE '%'
params.a LIKE '%\_%'
status IN ('FINISHED', 'FAILED')
run_id NOT IN ('a', "b")
metrics.a = 1 AND
tags.x = 'a' OR
metrics.a > 1 /* c */
params.a = 'x' AS b
metrics.in > 1
metrics.case > 1
params.values = 'x'
params.using = 'x'
params.as = 'x'
metrics.a > 1 and metrics.a > 2 and metrics.a > 3
params.a = 'multi
line'
params.a	=	'tab'"""

PIECES_LEFT = ["metrics.acc", "metric.acc", "params.lr", "param.lr", "tags.t", "tag.t", "attributes.status",
               "attr.run_name", "status", "run_name", "run_id", "user_id", "start_time", "end_time", "created",
               "metrics.`a b`", 'params."x y"', "params.'q'", "tags.mlflow.runName", "datasets.name",
               "datasets.context", "foo.bar", "metrics", "`metrics`.acc", "metrics.1a", "params.a b"]
OPS = ["=", "!=", ">", ">=", "<", "<=", "==", "<>", "LIKE", "like", "ILIKE", "NOT LIKE", "IN", "NOT IN", "IS",
       "IS NULL", "IS NOT NULL", "=>", "!", "~"]
VALUES = ["'x'", "'0.1'", '"x"', "1", "-1", "1.5", ".5", "1e3", "1E-3", "1.", "x", "NULL", "('a')", "('a', 'b')",
          "('a',)", "()", "(1)", "'it''s'", "'a%'", "'%b'", "'_'", "`x`", "1_0", "0x1F", "'a\\'b'", "12and", "''"]
JOINS = [" AND ", " and ", " OR ", " ", "  AND  ", ";", " AND AND "]
SPACES = ["", " ", "  ", "\t"]


# well-formed clauses of each kind, so that most generated filters are ones MLflow accepts
GOOD = {
    "metrics.acc": (["=", "!=", ">", ">=", "<", "<="], ["1", "-1", "1.5", ".5", "1e3", "1E-3", "1.", "0"]),
    "params.lr": (["=", "!=", "LIKE", "ILIKE"], ["'x'", "'0.1'", '"x"', "'a%'", "'%b'", "'_'", "''", "'it''s'"]),
    "tags.t": (["=", "!=", "LIKE", "ilike"], ["'x'", "'%'", '"y"']),
    "status": (["=", "!=", "LIKE", "ILIKE"], ["'FINISHED'", "'RUNNING'", "'%ED'"]),
    "run_id": (["=", "!=", "IN", "NOT IN"], ["('a')", "('a', 'b')", "('a',)", "'abc'"]),
    "start_time": (["=", "!=", ">", ">=", "<", "<="], ["1", "1700000000000", "1.5"]),
    "datasets.name": (["=", "!=", "IN", "LIKE"], ["'train'", "('a', 'b')", "'t%'"]),
}


def gen_clause(rng):
    if rng.random() < 0.6:
        left = rng.choice(list(GOOD))
        ops, vals = GOOD[left]
        if rng.random() < 0.2:
            return left + " " + rng.choice(["IS NULL", "IS NOT NULL", "is null"])
        return left + rng.choice(SPACES) + rng.choice(ops) + rng.choice(SPACES) + rng.choice(vals)
    s1 = rng.choice(SPACES) or " "
    return rng.choice(PIECES_LEFT) + s1 + rng.choice(OPS) + rng.choice(SPACES) + rng.choice(VALUES)


def gen(rng):
    n = rng.choice([1, 1, 2, 3])
    parts = []
    for i in range(n):
        clause = gen_clause(rng)
        parts.append(clause)
        if i < n - 1:
            parts.append(rng.choice(JOINS))
    s = "".join(parts)
    r = rng.random()
    if r < 0.15 and len(s) > 3:  # drop a character
        k = rng.randrange(len(s))
        s = s[:k] + s[k + 1:]
    elif r < 0.3:  # insert one
        k = rng.randrange(len(s) + 1)
        s = s[:k] + rng.choice("'\"`()., ;-%_aZ19=<>!") + s[k:]
    return s


def empty_run():
    info = RunInfo(run_id="r", experiment_id="0", user_id="u", status="FINISHED", start_time=1, end_time=2,
                   lifecycle_stage="active", run_name="n", artifact_uri="file:///x")
    return Run(info, RunData([], [], []), RunInputs([]))


def mlflow_filter(f):
    try:
        parsed = SearchUtils.parse_search_filter(f)
        run = empty_run()
        for c in parsed:
            SearchUtils._does_run_match_clause(run, c)
    except MlflowException as e:
        return {"ok": False, "error": e.message}
    except Exception as e:  # TypeError, ValueError: MLflow fails too, not with its own message
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    out = []
    for c in parsed:
        if c["comparator"].upper() in ("LIKE", "ILIKE") and isinstance(c["value"], tuple):
            return {"ok": False, "error": "TypeError as soon as a run has a dataset (LIKE against a list)"}
        key = c["key"]
        if c["type"] == "attribute":
            key = SearchUtils.translate_key_alias(key)
        v = c["value"]
        if c["type"] == "metric" or (c["type"] == "attribute" and key in ("start_time", "end_time")):
            v = float(v)
        elif isinstance(v, tuple):
            v = list(v)
        out.append({"type": c["type"], "key": key, "comparator": c["comparator"].upper(), "value": v})
    return {"ok": True, "clauses": out}


def mlflow_order(o):
    try:
        t, k, asc = SearchUtils.parse_order_by_for_search_runs(o)
        if t == "dataset":
            raise MlflowException("Invalid order_by entity type 'dataset'")
        if t == "attribute":
            k = SearchUtils.translate_key_alias(k)
    except MlflowException as e:
        return {"ok": False, "error": e.message}
    except Exception as e:
        return {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
    return {"ok": True, "order": {"type": t, "key": k, "ascending": asc}}


def floats(x):
    """numbers compared as floats (JSON writes 1 where Python writes 1.0)"""
    if isinstance(x, dict):
        return {k: floats(v) for k, v in x.items()}
    if isinstance(x, list):
        return [floats(v) for v in x]
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return float(x)
    return x


def same(a, b):
    if a["ok"] != b["ok"]:
        return False
    if not a["ok"]:
        return True
    return json.dumps(floats(a), sort_keys=True) == json.dumps(floats(b), sort_keys=True)


def run_dump(sf_dump, mode, items):
    text = "".join(s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") + "\n" for s in items)
    out = subprocess.run([sf_dump, mode], input=text.encode(), capture_output=True, check=True).stdout
    return [json.loads(l) for l in out.decode().splitlines()]


ORDERS = ["metrics.acc DESC", "metrics.acc", "metrics.acc asc", "params.lr", "tags.t desc", "start_time",
          "start_time DESC", "attributes.start_time", "created", "Created DESC", "run name", "run_name",
          "status", "user_id", "end_time ASC", "artifact_uri", "run_id", "metrics.`a b` DESC", 'metrics."a b"',
          "metrics.'a b'", " metrics.acc", "metrics.acc ", "metrics.acc  DESC", "metrics.acc DESC ASC",
          "metrics.acc foo", "metrics.acc desc nulls last", "foo.bar", "datasets.name", "timestamp",
          "metrics.a.b", "tags.mlflow.runName", "metrics.train/loss", "metrics.`train/loss` desc", "",
          "metrics.acc,params.lr", "(metrics.acc)", "metrics.`a`", "lifecycle_stage", "METRICS.acc",
          "metrics.acc DeSc", 'params."x', "params.x\\ y"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sf_dump")
    ap.add_argument("--random", type=int, default=4000)
    ap.add_argument("--seed", type=int, default=12)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    filters = FIXED.split("\n")
    filters = [f for f in filters]
    filters += [gen(rng) for _ in range(a.random)]
    mine = run_dump(a.sf_dump, "filter", filters)
    bad = 0
    acc = 0
    for f, m in zip(filters, mine):
        theirs = mlflow_filter(f)
        acc += theirs["ok"]
        if not same(m, theirs):
            bad += 1
            if bad <= 40:
                print("DIFF filter %r\n  mlflow-lite: %s\n  MLflow:      %s" % (f, json.dumps(m), json.dumps(theirs)))
    mine_o = run_dump(a.sf_dump, "order", ORDERS)
    bad_o = 0
    for o, m in zip(ORDERS, mine_o):
        theirs = mlflow_order(o)
        if not same(m, theirs):
            bad_o += 1
            print("DIFF order %r\n  mlflow-lite: %s\n  MLflow:      %s" % (o, json.dumps(m), json.dumps(theirs)))
    print("filters: %d compared (%d accepted by MLflow), %d differ; order-by: %d compared, %d differ"
          % (len(filters), acc, bad, len(ORDERS), bad_o))
    return 1 if bad or bad_o else 0


if __name__ == "__main__":
    sys.exit(main())
