"""A folder others can write must not make the tool leak a secret or give up
on everything (issue 9, defects 1, 10, 11). Real mlflow server 3.18 unless
noted.

Defect 1: params, a tag and a metric file that are symlinks to a file holding
MLFLOW_TRACKING_TOKEN's value and to /proc/self/environ: the token never
arrives on the server, a warning names each link. An artifact link that
leaves SRC is not read (warning naming it) unless --follow-symlinks is
given; a directory link inside the artifacts is never descended.

Defect 10: a run folder named `it's` (not a run id MLflow can read: skipped with
a warning naming it, like any other folder MLflow would not read), and an artifact that shrinks while it is uploaded —
made deterministic with tests/badserver/badserver.py in front of the real
server: the first PUT of that file is held for 3 s and answered 503, the test
truncates the file meanwhile, and the retry finds it shorter. Only that run
fails; every other run syncs; the pass goes on (exit 6, not 4).

Defect 11: an empty run meta.yaml and an empty experiment meta.yaml: a warning
naming each file, everything else syncs, exit 6 (runs were skipped)."""
import os
import subprocess
import time
from types import SimpleNamespace

from synctest import BadServer, MlflowServer, check, main, remote_history, run_tool, summary, tool, workdir

TOKEN = "tok-SECRET-" + "q" * 24


def write_store(root):
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param

    mlruns = os.path.join(root, "mlruns")
    c = MlflowClient("file://" + mlruns)
    e = c.create_experiment("src")
    runs = []
    for i in range(4):
        r = c.create_run(e, run_name=f"s{i}", start_time=1700000000000 + i)
        c.log_batch(r.info.run_id, params=[Param("i", str(i))],
                    metrics=[Metric("m", s * 1.0, 1700000000000 + s, s) for s in range(30)])
        c.set_terminated(r.info.run_id, "FINISHED", end_time=1700000100000 + i)
        runs.append(r.info.run_id)
    return mlruns, e, runs


def plant_links(mlruns, exp, rid, root):
    secret = os.path.join(root, "token.txt")  # outside SRC
    with open(secret, "w") as f:
        f.write(TOKEN)
    rdir = os.path.join(mlruns, exp, rid)
    os.symlink(secret, os.path.join(rdir, "params", "token"))
    os.symlink("/proc/self/environ", os.path.join(rdir, "params", "environ"))
    os.symlink(secret, os.path.join(rdir, "tags", "leak"))
    os.symlink(secret, os.path.join(rdir, "metrics", "leak"))
    art = os.path.join(rdir, "artifacts")
    os.makedirs(art, exist_ok=True)
    with open(os.path.join(art, "real.txt"), "w") as f:
        f.write("real artifact\n")
    os.symlink(secret, os.path.join(art, "outside.txt"))        # leaves SRC: only with --follow-symlinks
    os.symlink(".", os.path.join(art, "loop"))                  # a directory link: never descended
    return ["params/token", "params/environ", "tags/leak", "metrics/leak", "outside.txt", "loop"]


def make_its_run(mlruns, exp, rid):
    """Renames a run folder to `it's` (and its meta.yaml ids with it)."""
    old = os.path.join(mlruns, exp, rid)
    new = os.path.join(mlruns, exp, "it's")
    os.rename(old, new)
    meta = os.path.join(new, "meta.yaml")
    text = open(meta).read().replace(rid, "it''s")
    with open(meta, "w") as f:
        f.write(text)
    return "it's"


def plant_empty_metas(mlruns, exp):
    d = os.path.join(mlruns, exp, "0123456789abcdef0123456789abcdef")
    os.makedirs(os.path.join(d, "metrics"))
    open(os.path.join(d, "meta.yaml"), "w").close()                 # empty run meta.yaml
    e = os.path.join(mlruns, "77")
    os.makedirs(os.path.join(e, "fedcba9876543210fedcba9876543210"))
    open(os.path.join(e, "meta.yaml"), "w").close()                 # empty experiment meta.yaml
    return [os.path.join(exp, "0123456789abcdef0123456789abcdef", "meta.yaml"), os.path.join("77", "meta.yaml")]


def everything_on_server(server_url):
    from mlflow import MlflowClient
    rc = MlflowClient(server_url)
    out = []
    for e in rc.search_experiments():
        for r in rc.search_runs([e.experiment_id]):
            out += list(r.data.params.items()) + list(r.data.tags.items()) + list(r.data.metrics.items())
            out += [(k, repr(m.value)) for k in r.data.metrics for m in rc.get_metric_history(r.info.run_id, k)]
    return repr(out)


def shrinking_sync(src, mlruns, exp, rid, srv, state):
    """The artifact big.bin of run rid shrinks between the first and the second try of its PUT."""
    art = os.path.join(mlruns, exp, rid, "artifacts")
    os.makedirs(art, exist_ok=True)
    big = os.path.join(art, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(2 << 20))
    rule = {"method": "PUT", "path_suffix": "/big.bin", "status": 503, "delay": 3, "times": 1,
            "body_json": {"error_code": "TEMPORARILY_UNAVAILABLE", "message": "held by the test"}}
    with BadServer(srv.url, [rule]) as bad:
        p = subprocess.Popen([tool(), "sync", "--json", "--no-progress", "--state", state, src, bad.url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 300
        while time.time() < deadline and p.poll() is None:
            if any(q["method"] == "PUT" and q["path"].endswith("/big.bin") for q in bad.requests()):
                break
            time.sleep(0.05)
        check(p.poll() is None, "the sync ended before the artifact was sent")
        with open(big, "r+b") as f:
            f.truncate(1000)
        out, err = p.communicate(timeout=600)
    print(err[-3000:])
    return p.returncode, out, err


def test():
    wd = workdir("defects-source")
    src, exp, runs = write_store(wd)
    links = plant_links(src, exp, runs[0], wd)
    its = make_its_run(src, exp, runs[1])
    empties = plant_empty_metas(src, exp)
    state = os.path.join(wd, "state.jsonl")
    with MlflowServer(os.path.join(wd, "server")) as srv:
        code, out, err = shrinking_sync(src, src, exp, runs[3], srv, state)
        s = summary(SimpleNamespace(stdout=out))
        check(code == 6, f"exit {code}, expected 6 (some runs failed or skipped; the pass went on)")
        failed = {f["run"]: f for f in s["failures"] if "run" in f}
        check(runs[3] in failed and "big.bin" in failed[runs[3]]["error"] + failed[runs[3]]["what"],
              f"the shrinking artifact did not fail its run: {s['failures']}")
        check(failed[runs[3]]["code"] not in (4, 5, 8), f"a shrinking file was taken for a global failure: {failed}")
        others = [r for r in (runs[0], runs[2], its) if r not in failed]
        check(runs[0] in others and runs[2] in others, f"other runs failed too: {s['failures']}")
        check(s["runs_skipped"] >= 1, f"the empty run meta.yaml is not counted as skipped: {s}")
        for f in empties:
            check(f in err, f"no warning names {f}")
        for ln in links[:4] + links[4:]:
            check(ln in err, f"no warning names the link {ln}")

        # the token never arrived, however it was planted (MLFLOW_TRACKING_TOKEN set for the tool)
        p = run_tool(["sync", src, srv.url], env={"MLFLOW_TRACKING_TOKEN": TOKEN})  # another DEST: another state
        check(p.returncode == 6, f"second pass: exit {p.returncode}, expected 6 (links and empty metas remain)")
        check(TOKEN not in everything_on_server(srv.url), "the token arrived on the server")
        check(TOKEN not in p.stdout + p.stderr, "the token was printed")
        rr, hist = remote_history(srv.url, runs[0], "m")
        check(rr.data.params == {"i": "0"} and "leak" not in rr.data.tags and "leak" not in rr.data.metrics,
              f"linked files arrived: {rr.data.params} {rr.data.tags}")
        for rid in (runs[2], runs[3]):
            rr, hist = remote_history(srv.url, rid, "m")
            check(len(hist) == 30 and rr.info.status == "FINISHED", f"run {rid}: {len(hist)} points, {rr.info.status}")
        # `it's` is not a run id MLflow accepts (its FileStore cannot read that run): skipped with a warning
        # naming it (the SRC reader), or failed alone, or synced — never a failure of the pass
        if its not in failed and f"/{its}:" not in err:
            rr, hist = remote_history(srv.url, its, "m")
            check(len(hist) == 30, f"run it's: {len(hist)} points")

        # the artifact link that leaves SRC goes up only when asked
        from mlflow import MlflowClient
        rc = MlflowClient(srv.url)
        rr = rc.search_runs([rc.get_experiment_by_name("src").experiment_id],
                            f"tags.`mlflow_lite.source_run_id` = '{runs[0]}'")[0]
        names = sorted(a.path for a in rc.list_artifacts(rr.info.run_id))
        check(names == ["real.txt"], f"artifacts without --follow-symlinks: {names}")
        run_tool(["sync", "--follow-symlinks", src, srv.url])
        names = sorted(a.path for a in rc.list_artifacts(rr.info.run_id))
        check("outside.txt" in names and "loop" not in names, f"artifacts with --follow-symlinks: {names}")


main(test)
