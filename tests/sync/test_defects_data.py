"""Data the tool must neither lose nor fail on forever (issue 9, defects 5, 6, 8).

Defect 5 — against tests/badserver/badserver.py in front of a real mlflow
server 3.18 (a real server never answers an API call with an HTML page, a
proxy or a login wall does): a 200 answer with an HTML body to log-batch,
runs/update or an artifact PUT is a failure, and nothing is marked sent; the
next sync straight to the server (same state file) sends those points and they
arrive exactly once, and a sync after that sends nothing.

Defect 6 — real mlflow server 3.18: a metric point with a negative timestamp
(MLflow's FileStore reads it, the server refuses it), a param value that is
not valid UTF-8 (MLflow's FileStore cannot decode it, so MLflow's own client
never sends it either) and a param whose value changed after it was synced
(the server refuses to change params): everything else of the run arrives;
the refused items are listed by run, key and line on stderr and in --json;
the exit code is 6 while any remain; they are not sent again on every pass
(a resync sends no request); a refusal goes away when its item changes.

Defect 8 — real mlflow server 3.18: a run record in the sync state with a
field of the wrong type: no crash; the run is checked with the server (found
by its marker tag, not created again) and ends up exact."""
import json
import os

from counting_proxy import CountingProxy
from synctest import (BadServer, MlflowServer, check, compare_stores, main, remote_history, run_tool, state_files,
                      summary, workdir)

HTML = {"action": "html"}


def write_store(root):
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    art = os.path.join(root, "art.txt")
    with open(art, "w") as f:
        f.write("artifact bytes\n")
    e = c.create_experiment("data")
    runs = []
    for i in range(3):
        r = c.create_run(e, run_name=f"d{i}", start_time=1700000000000 + i)
        rid = r.info.run_id
        c.log_batch(rid, params=[Param(f"p{k}", f"v{k}") for k in range(5)],
                    metrics=[Metric(k, s * 0.5 + i, 1700000000000 + s, s) for k in ("loss", "acc") for s in range(50)])
        c.log_artifact(rid, art)
        c.set_terminated(rid, "FINISHED", end_time=1700000100000 + i)
        runs.append(rid)
    e2 = c.create_experiment("refusals")
    r = c.create_run(e2, run_name="refused", start_time=1700000000000)
    bad = r.info.run_id
    c.log_batch(bad, params=[Param("p0", "v0"), Param("p1", "v1")],
                metrics=[Metric("m", float(s), 1700000000000 + s, s) for s in range(20)])
    c.set_terminated(bad, "FINISHED", end_time=1700000100000)
    rdir = os.path.join(mlruns, e2, bad)
    with open(os.path.join(rdir, "metrics", "m"), "a") as f:
        f.write("-5 2.5 20\n")                     # line 21: refused by the server
        f.write("1700000000100 3.5 21\n")          # line 22: fine
    with open(os.path.join(rdir, "params", "bad"), "wb") as f:
        f.write(b"caf\xe9")                        # not UTF-8: MLflow cannot read it
    return mlruns, runs, bad, rdir


def refused(s):
    return sorted((r["run"], r["kind"], r["key"], r["line"]) for r in s["refused"])


def defect5(src, runs, srv):
    """All through the badserver (a state file belongs to one DEST), which turns transparent at the end."""
    from mlflow import MlflowClient
    rc = MlflowClient(srv.url)
    with BadServer(srv.url, [dict(HTML, method="POST", path="/api/2.0/mlflow/runs/log-batch")]) as bad:
        sync = ["sync", "-e", "data", src, bad.url]
        p = run_tool(sync)
        check(p.returncode in (6, 7), f"HTML to log-batch: exit {p.returncode}, expected 7 (or 6)")
        check("not the JSON" in p.stderr or "HTML" in p.stderr or "html" in p.stderr, "the HTML answer is not named")
        for rid in runs:
            rr, hist = remote_history(srv.url, rid, "loss")
            check(hist == [], f"run {rid}: points arrived although log-batch was refused: {len(hist)}")
        bad.set_rules([dict(HTML, method="PUT", path_prefix="/api/2.0/mlflow-artifacts/"),
                       dict(HTML, method="POST", path="/api/2.0/mlflow/runs/update")])
        p = run_tool(sync)
        check(p.returncode in (6, 7), f"HTML to artifact PUTs: exit {p.returncode}")
        for rid in runs:
            rr, hist = remote_history(srv.url, rid, "loss")
            check(len(hist) == 50, f"run {rid}: {len(hist)} of 50 points after the second pass")
            check(rr.info.status == "RUNNING", f"run {rid} was finished although an artifact failed")
        bad.set_rules([dict(HTML, method="POST", path="/api/2.0/mlflow/runs/update")])
        p = run_tool(sync)
        check(p.returncode in (6, 7), f"HTML to runs/update: exit {p.returncode}")
        for rid in runs:
            rr, _ = remote_history(srv.url, rid, "loss")
            check(rr.info.status == "RUNNING" and rc.list_artifacts(rr.info.run_id),
                  f"run {rid}: status {rr.info.status} after an HTML answer to runs/update")
        bad.set_rules([])  # the proxy behaves now
        bad.reset()
        s = summary(run_tool(["sync", "--json"] + sync[1:], check_rc=0))
        check(s["runs_failed"] == 0 and s["runs_created"] == 0, f"after the proxy behaves: {s}")
        check(s["metric_points_sent"] == 0, f"points acknowledged before were sent again: {s}")
        compare_stores(src, srv.url, experiments=["data"], expect_runs=3)   # every point exactly once
        bad.reset()
        run_tool(sync, check_rc=0)
        check(bad.requests() == [], f"after recovery a resync sent {bad.requests()[:3]}")


def defect6(src, bad, rdir, srv, px):
    from mlflow import MlflowClient
    rc = MlflowClient(srv.url)
    px.reset()
    p = run_tool(["sync", "--json", "-e", "refusals", src, px.url], check_rc=6)
    s = summary(p)
    want = [(bad, "metric", "m", 21), (bad, "param", "bad", 0)]
    check(refused(s) == want, f"refused items {refused(s)} != {want}")
    check(s["runs_failed"] == 0, f"a refused item failed the whole run: {s}")
    p = run_tool(["sync", "-e", "refusals", src, px.url], check_rc=6)
    check(f"refused: run {bad} metric 'm' line 21" in p.stderr and f"refused: run {bad} param 'bad'" in p.stderr,
          "the text output does not list the refused items by run, key and line")
    rr, hist = remote_history(srv.url, bad, "m")
    check(len(hist) == 21 and all(t >= 0 for _, t, _ in hist), f"{len(hist)} points of m arrived, expected 21")
    check(rr.data.params == {"p0": "v0", "p1": "v1"}, f"params {rr.data.params}")
    check(rr.info.status == "FINISHED", "the run was not finished")
    px.reset()
    p = run_tool(["sync", "-e", "refusals", src, px.url], check_rc=6)
    check(px.requests == [], f"refused items were sent again: {px.requests[:4]}")

    # a changed param is refused by the server (isolated among good items); a new point still arrives
    with open(os.path.join(rdir, "params", "p1"), "w") as f:
        f.write("changed")
    with open(os.path.join(rdir, "metrics", "m"), "a") as f:
        f.write("1700000000200 4.5 22\n")
    s = summary(run_tool(["sync", "--json", "-e", "refusals", src, px.url], check_rc=6))
    check((bad, "param", "p1", 0) in refused(s), f"the changed param is not listed as refused: {refused(s)}")
    check(s["metric_points_sent"] == 1, f"the new point: {s}")
    check(len(remote_history(srv.url, bad, "m")[1]) == 22, "the new point did not arrive")

    # items that change lose their refusal: the UTF-8 file goes, p1 gets its synced value back
    os.unlink(os.path.join(rdir, "params", "bad"))
    with open(os.path.join(rdir, "params", "p1"), "w") as f:
        f.write("v1")
    s = summary(run_tool(["sync", "--json", "-e", "refusals", src, px.url], check_rc=6))
    check(refused(s) == [(bad, "metric", "m", 21)], f"after the fixes: {refused(s)}")
    # the metric file rewritten without the bad line: sent again from 0, exactly once on the server
    path = os.path.join(rdir, "metrics", "m")
    lines = [l for l in open(path).read().splitlines(True) if not l.startswith("-5 ")]
    with open(path, "w") as f:
        f.writelines(lines)
    s = summary(run_tool(["sync", "--json", "-e", "refusals", src, px.url], check_rc=0))
    check(s["refused"] == [], f"refusals left: {s['refused']}")
    check(len(remote_history(srv.url, bad, "m")[1]) == 22, "points duplicated or lost after the rewrite")
    compare_stores(src, srv.url, experiments=["refusals"], expect_runs=1)


def damage_run_record(state_path, run_id, field, value):
    """Gives one field of the run's record a value of the wrong type."""
    lines = open(state_path).read().splitlines()
    hit = 0
    for i, line in enumerate(lines):
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("id") == run_id and isinstance(rec.get("v"), dict) and field in rec["v"]:
            rec["v"][field] = value
            lines[i] = json.dumps(rec)
            hit += 1
    check(hit, f"no record of run {run_id} with a field {field!r} in {state_path}")
    with open(state_path, "w") as f:
        f.write("\n".join(lines) + "\n")


def defect8(src, runs, srv, px):
    run_tool(["sync", "-e", "data", src, px.url], check_rc=0)
    st = sorted(state_files(src), key=os.path.getmtime)[-1]     # the state of px.url, written last
    damage_run_record(st, runs[1], "m", "wrong type")            # an object expected
    damage_run_record(st, runs[2], "status", {"FINISHED": True})  # a number expected
    px.reset()
    p = run_tool(["sync", "--json", "-e", "data", src, px.url], check_rc=0)
    s = summary(p)
    check(s["runs_created"] == 0 and s["runs_failed"] == 0 and s["runs_updated"] == 2, f"damaged records: {s}")
    check(os.path.basename(st) in p.stderr, "no warning naming the damaged state file")
    compare_stores(src, srv.url, experiments=["data"], expect_runs=3)
    px.reset()
    run_tool(["sync", "-e", "data", src, px.url], check_rc=0)
    check(px.requests == [], f"the repaired records still send {px.requests[:3]}")


def test():
    wd = workdir("defects-data")
    src, runs, bad, rdir = write_store(wd)
    with MlflowServer(os.path.join(wd, "server")) as srv, CountingProxy(srv.url) as px:
        defect5(src, runs, srv)
        defect6(src, bad, rdir, srv, px)
        defect8(src, runs, srv, px)


main(test)
