"""mlflow_yaml_names: experiment and run names that YAML 1.1 would misread (or that
need escapes) read back identical through MLflow 3.18.0 (get_experiment_by_name,
get_experiment, get_run().info.run_name) and through the 2.x reader; invalid UTF-8
(and names MLflow rejects) are refused by the C side and create nothing."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, dump, fresh_dir, migrate, parse_args, run, tree, writer_env

from mlflow.tracking import MlflowClient

HOST = "names: host for invalid run names"
VALID = [
    "plain", "a:b", "key: value", "a: b: c", ":leading colon", "trailing colon:", "#hash", "a #comment",
    "it's", "'single'", 'say "hi"', '"double"', "-lead", "- list", "--", "?", "? q", "!tag", "&anchor",
    "*alias", "|", ">", "%percent", "@at", "`tick", "[flow]", "{flow}", "a, b", "yes", "no", "Yes", "NO",
    "on", "off", "y", "n", "null", "Null", "NULL", "~", "true", "True", "false", "FALSE", "007", "123",
    "0", "-1", "+1", "0x1F", "0o17", "1_000", "1e3", "1.5", ".5", "-.inf", ".nan", ".NaN", "1:20",
    "2026-11-22", "2026-11-22 10:00:00", "=", "<<", "line1\nline2", "trailing newline\n", "\nleading newline",
    "two\n\nblank lines", "cr\rhere", "crlf\r\nhere", "tab\there", "\ttab lead", " lead", "trail ", "  both  ",
    "back\\slash", "\\n literal", "emoji 🎉🚀", "中文实验", "日本語の実験", "한국어", "Ελληνικά", "עברית",
    "العربية", "é precomposed", "e\u0301 combining", "a\u2028b", "a\u2029b", "a\x85b", "nbsp\xa0here",
    "\ufeffbom lead", "zwj\u200dhere", "ctrl\x01x", "esc\x1b[31mred", "del\x7fx", "bell\x07", "\x1fx",
    "surrogate-edge \ud7ff\ue000", "non-bmp \U0010fffd \U0001f600", "max bmp \ufffd", "x" * 500,
    "中" * 500, ("word " * 100)[:500], "a" * 79 + " " + "b" * 79 + " " + "c" * 79, "%s %d {} {0}",
    HOST,
]
INVALID_UTF8 = [b"\xff", b"abc\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80",
                b"ok\xfe", b"\xe4\xb8", b"\xf0\x9f\x8e"]
# names MLflow itself rejects (_validate_experiment_name): empty, whitespace-only, > 500
INVALID_OTHER = [("", "1,4"), ("   ", "4"), ("\t\n", "4"), ("\x1f", "4"), ("\u3000\x85\u2028", "4"), ("x" * 501, "3,4"), ("中" * 501, "3,4")]


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_yaml_names")
    work = fresh_dir(a.work, "names")
    root = os.path.join(work, "mlruns")
    cases = os.path.join(work, "valid.txt")
    with open(cases, "w") as f:
        for n in VALID:
            f.write("V " + n.encode("utf-8").hex() + "\n")
    p = run([a.bins["writer"], root, cases], env=writer_env())
    made = {}
    for line in p.stdout.decode().splitlines():
        h, eid, rid = line.split()
        made[bytes.fromhex(h).decode("utf-8")] = (eid, rid)
    ck.eq(len(made), len(VALID), "valid names created")

    # reference: which names can Python MLflow itself create and look up by name?
    ref = MlflowClient(tracking_uri=os.path.join(work, "reference"))
    ref_ok = set()
    for name in VALID:
        try:
            ref.create_experiment(name)
            x = ref.get_experiment_by_name(name)
            if x is not None and x.name == name:
                ref_ok.add(name)
        except Exception:  # noqa: BLE001
            pass
    print("names Python MLflow 3.18 cannot create or find by name:", [n for n in VALID if n not in ref_ok])

    c = MlflowClient(tracking_uri=root)
    for name, (eid, rid) in made.items():
        e = c.get_experiment(eid)
        ck.eq(e.name, name, f"get_experiment({eid}).name")
        if name in ref_ok:
            e2 = c.get_experiment_by_name(name)
            ck.eq(e2 and e2.experiment_id, eid, f"get_experiment_by_name({name!r})")
        else:
            # MLflow's own get_experiment_by_name cannot look this name up even when Python
            # MLflow wrote it (e.g. a quote breaks its filter "name = '<n>'"); list instead
            hits = [x for x in c.search_experiments() if x.name == name]
            ck.eq([x.experiment_id for x in hits], [eid], f"search_experiments() finds {name!r}")
        ck.eq(c.get_run(rid).info.run_name, name, f"get_run({rid}).info.run_name")
        ck.eq(c.get_run(rid).data.tags.get("mlflow.runName"), name, f"tag mlflow.runName of {rid}")
    names = [x.name for x in c.search_experiments()]
    ck.eq(sorted(names), sorted(VALID + ["Default"]), "search_experiments: exactly one experiment per name")

    # the 2.x reader
    if not a.python2:
        ck.fail("MLL_PYTHON2 (the 2.x reader) is not configured")
    else:
        try:
            d2 = dump(root, python=a.python2, artifacts=False)
            for name, (eid, rid) in made.items():
                ck.eq(d2["experiments"].get(eid, {}).get("name"), name, f"2.x: experiment {eid} name")
                ck.eq(d2["runs"].get(rid, {}).get("run_name"), name, f"2.x: run {rid} name")
        except RuntimeError as ex:
            ck.fail(f"2.x reader failed: {ex}")

    # after `mlflow migrate-filestore` into SQLite
    db = os.path.join(work, "names.db")
    try:
        migrate(root, db)
        cs = MlflowClient(tracking_uri="sqlite:///" + db)
        for name, (eid, rid) in made.items():
            ck.eq(cs.get_experiment(eid).name, name, f"sqlite: experiment {eid} name")
            ck.eq(cs.get_run(rid).info.run_name, name, f"sqlite: run {rid} name")
    except RuntimeError as ex:
        ck.fail(f"migrate-filestore failed: {ex}")

    # invalid names: refused with the right code, nothing created
    host_eid = made[HOST][0]
    before = tree(root)
    with open(cases, "w") as f:
        for b in INVALID_UTF8:
            f.write(f"I {b.hex()} 5\n")
        for n, codes in INVALID_OTHER:
            f.write(f"I {n.encode().hex() or '-'} {codes}\n")
    p = run([a.bins["writer"], root, cases], env=writer_env(), check=False)
    ck.eq(p.returncode, 0, "invalid-name writer: " + p.stderr.decode(errors="replace").strip()[-800:])
    after = tree(root)
    new = sorted(after - before)
    # mll_set_run_name is checked on runs named "host" in the host experiment; nothing else may appear
    host_runs = {x.split("/")[1] for x in new if x.startswith(host_eid + "/") and x.count("/") >= 2}
    stray = [x for x in new if not (x.startswith(host_eid + "/") and x.split("/")[1] in host_runs)]
    ck.eq(stray, [], "files created by refused names")
    ck.eq(sorted(before - after), [], "files removed by refused names")
    for rid in host_runs:
        ck.eq(c.get_run(rid).info.run_name, "host", f"host run {rid} name after refused renames")
    ck.eq(sorted(x.name for x in c.search_experiments()), sorted(VALID + ["Default"]),
          "no experiment created by refused names")
    ck.finish()


if __name__ == "__main__":
    main()
