"""mlflow_keys: for a list of keys, MLflow 3.18.0's own validators
(mlflow.utils.validation: _validate_param, _validate_tag, _validate_metric,
_validate_experiment_tag) and mlflow_lite must agree: accepted -> MLL_OK; bad
characters or path -> MLL_ERR_INVALID_KEY; too long -> MLL_ERR_VALUE_TOO_LONG.
Accepted keys must read back through MLflow. Where the validators accept a key
that Python's own FileStore cannot write (a path component longer than NAME_MAX),
mlflow_lite must return an error, not crash or write a broken run.

mlflow_path_traversal (--mode traversal): every attempt to write outside the root
fails and nothing outside the root is created (the parent folder is snapshotted)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, parse_args, run, tree, writer_env

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from mlflow.utils import validation as V

OK, INVALID_KEY, TOO_LONG = 0, 2, 3
KEYS = [
    "a", "loss", "train/loss", "a b", "k:v", "x-y.z_w", "dots.in.name", ".hidden", "a..b", "p/..q", " ",
    "-", "_", "trailing space ", "0", "007", "中文", "ключ", "é", "ǅ", "ª", "①", "²", "٣", "𝔘", "ﬁ",
    "a\u0301", "\u00b7", "\u200d", "😀", "nbsp\xa0x", "tab\tx", "nl\nx", "back\\slash", "star*", "q?", "pct%",
    "quote'", 'dq"', "hash#", "at@", "plus+", "eq=", "comma,", "semi;", "tilde~", "paren(", "amp&",
    "../x", "/abs", "a/../b", "a//b", "./a", "a/", "..x", ".", "..", "", "a/./b", "a/.", "x/..", "/",
    "k" * 250, "k" * 251, "d/" * 124 + "dd", "d/" * 125 + "d", "中" * 250, "中" * 251, "é" * 250,
    "../" + "x" * 250, "a" * 100 + "/" + "b" * 149, "c" * 200 + ":" + "d" * 49,
]
INVALID_UTF8 = [b"\xff", b"a\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80"]


def mlflow_verdict(fn):
    try:
        fn()
        return True
    except MlflowException:
        return False


def expected(key, validator):
    if mlflow_verdict(validator):
        return {OK}
    bad_chars = not V.validate_param_and_metric_name(key) or V.path_not_unique(key)
    if bad_chars and len(key) > 250:
        return {INVALID_KEY, TOO_LONG}
    return {INVALID_KEY} if bad_chars else {TOO_LONG}


def python_filestore_can_write(work, key):
    """Can Python MLflow's own FileStore log this key as a param?"""
    c = MlflowClient(tracking_uri=os.path.join(work, "python-ref"))
    rid = c.create_run("0").info.run_id
    try:
        c.log_param(rid, key, "v")
        return True
    except MlflowException:
        return True  # rejected by validation: judged by `expected`
    except OSError:
        return False


def keys_test(a):
    ck = Checker("mlflow_keys")
    work = fresh_dir(a.work, "keys")
    root = os.path.join(work, "mlruns")
    cases = os.path.join(work, "keys.txt")
    with open(cases, "w") as f:
        for k in KEYS:
            f.write((k.encode().hex() or "-") + "\n")
        for b in INVALID_UTF8:
            f.write(b.hex() + "\n")
    p = run([a.bins["writer"], "keys", root, cases], env=writer_env())
    res = {}
    for line in p.stdout.decode().splitlines():
        h, rp, rt, rm, rf, re_, rid = line.split()
        res[bytes.fromhex("" if h == "-" else h)] = (int(rp), int(rt), int(rm), int(rf), int(re_), rid)
    c = MlflowClient(tracking_uri=root)
    os_limited = []
    for k in KEYS:
        r = res.get(k.encode())
        if r is None:
            ck.fail(f"no result for key {k!r}")
            continue
        rp, rt, rm, rf, re_, rid = r
        writable = python_filestore_can_write(work, k)
        for what, got, validator in (
            ("param", rp, lambda: V._validate_param(k, "v")),
            ("tag", rt, lambda: V._validate_tag(k, "v")),
            ("metric", rm if rm else rf, lambda: V._validate_metric(k, 1.0, 1700000000000, 0)),
            ("experiment tag", re_, lambda: V._validate_experiment_tag(k, "v")),
        ):
            want = expected(k, validator)
            if want == {OK} and not writable:
                os_limited.append(k)
                ck.true(got != OK, f"{what} {k!r}: MLflow validates it but no file system can hold it "
                                   f"(component > NAME_MAX); mlflow_lite returned MLL_OK")
                continue
            ck.true(got in want, f"{what} key {k!r} (len {len(k)}): mlflow_lite returned {got}, "
                                 f"MLflow's validator says {sorted(want)} (0=OK 2=INVALID_KEY 3=TOO_LONG)")
        # accepted keys read back through MLflow
        try:
            run_ = c.get_run(rid)
            if rp == OK:
                ck.eq(run_.data.params.get(k), "v", f"param {k!r} read back")
            if rt == OK:
                ck.eq(run_.data.tags.get(k), "v", f"tag {k!r} read back")
            if rm == OK and rf == OK:
                ck.eq([(m.value, m.step) for m in c.get_metric_history(rid, k)], [(1.0, 0)], f"metric {k!r} read back")
        except Exception as ex:  # noqa: BLE001
            ck.fail(f"MLflow cannot read the run that logged key {k!r}: {type(ex).__name__}: {ex}")
    for b in INVALID_UTF8:
        r = res.get(b)
        ck.true(r is not None and all(x != OK for x in r[:3]) and r[4] != OK,
                f"invalid UTF-8 key {b!r}: results {r}")
    try:
        e = c.get_experiment_by_name("keys")
        accepted_exp_tags = {k for k in KEYS if res.get(k.encode(), (1,) * 6)[4] == OK}
        ck.eq(set(e.tags), accepted_exp_tags, "experiment tags read back")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"MLflow cannot read the experiment: {ex}")
    lengths_check(a, ck, work)
    if os_limited:
        print("keys MLflow's validators accept but no file system can store:", sorted({x[:12] + "…" for x in os_limited}))
    ck.finish()


def lengths_check(a, ck, work):
    """Value lengths at and over MLflow 3.18.0's own limits, counted in characters
    (1-, 2-, 3- and 4-byte UTF-8). MLflow's client truncates long param/tag values;
    mlflow_lite documents MLL_ERR_VALUE_TOO_LONG instead."""
    root = os.path.join(work, "lengths")
    limits = {"param": V.MAX_PARAM_VAL_LENGTH, "tag": V.MAX_TAG_VAL_LENGTH,
              "exptag": V.MAX_EXPERIMENT_TAG_VAL_LENGTH, "key": V.MAX_ENTITY_KEY_LENGTH}
    print("MLflow 3.18.0 limits:", limits)
    cases = os.path.join(work, "lengths.txt")
    with open(cases, "w") as f:
        for kind, lim in limits.items():
            for ch in (["k"] if kind == "key" else ["v", "é", "中", "😀"]):
                for n in (lim, lim + 1):
                    f.write(f"{kind} {n} {ch.encode().hex()}\n")
    p = run([a.bins["writer"], "lengths", root, cases], env=writer_env())
    c = MlflowClient(tracking_uri=root)
    for line in p.stdout.decode().splitlines():
        kind, n, h, code, rid = line.split()
        n, code, ch = int(n), int(code), bytes.fromhex(h).decode()
        want = OK if n <= limits[kind] else TOO_LONG
        ck.eq(code, want, f"{kind} of {n} x {ch!r} (limit {limits[kind]})")
        if code == OK and kind in ("param", "tag"):
            r = c.get_run(rid)
            got = r.data.params.get("p") if kind == "param" else r.data.tags.get("t")
            ck.eq(got, ch * n, f"{kind} of {n} x {ch!r} read back")
        if code == OK and kind == "exptag":
            ck.eq(c.get_experiment_by_name("lengths").tags.get(f"e-{n}-{h}"), ch * n, f"exptag of {n} x {ch!r} read back")


def traversal_test(a):
    ck = Checker("mlflow_path_traversal")
    parent = fresh_dir(a.work, "traversal")
    root = os.path.join(parent, "deep", "mlruns")
    os.makedirs(os.path.join(parent, "outside", "sub"))
    outside = os.path.join(parent, "outside", "source.txt")
    with open(outside, "w") as f:
        f.write("outside\n")
    before = tree(parent)
    p = run([a.bins["writer"], "traversal", root, outside], env=writer_env())
    after = tree(parent)
    inside = lambda x: x.startswith("deep/mlruns/") or x == "deep/" or x == "deep/mlruns/"  # noqa: E731
    ck.eq(sorted(x for x in after - before if not inside(x)), [], "paths created outside the root")
    ck.eq(sorted(before - after), [], "paths removed")
    ck.eq(open(outside).read(), "outside\n", "outside file untouched")
    rid = None
    for line in p.stdout.decode().splitlines():
        code, what = line.split(" ", 1)
        if code == "run":
            rid = what.split()[0]
            continue
        ck.true(int(code) != 0, f"{what!r} returned MLL_OK (must be refused)")
    # nothing escaped into the root's own neighbours either: the run is still readable
    c = MlflowClient(tracking_uri=root)
    try:
        r = c.get_run(rid)
        ck.eq(r.info.run_name, "../../evil-run", "run name kept verbatim")
        ck.eq(c.get_experiment(r.info.experiment_id).name, "../../evil-name", "experiment name kept verbatim")
        ck.eq(r.data.params, {}, "no param logged")
        ck.eq(c.list_artifacts(rid), [], "no artifact logged")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"MLflow cannot read the run: {type(ex).__name__}: {ex}")
    ck.finish()


def main():
    a = parse_args(lambda p: p.add_argument("--mode", default="keys"))
    check_judge()
    keys_test(a) if a.mode == "keys" else traversal_test(a)


if __name__ == "__main__":
    main()
