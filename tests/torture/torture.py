"""torture: random programs of mlflow_lite calls (torture_child.c: several runs, threads,
keys, batches, params, tags, artifacts, end and reopen by run id, model registry),

  kill mode    SIGKILLed at a random moment, then (every other trial) resumed by a second
               program that reopens every run by id and continues every key;
  faults mode  the fs hooks fail at random (ENOSPC, EIO, short writes, failed links,
               renames, closes, stats, lists), then the disk is sound again and the program
               ends its runs and closes the store.

After every kill, resume and faulty program, MLflow 3.18.0 must read the whole folder
(experiments, runs, metric histories, params, tags, artifacts, registered models and
aliases) without error, and:
  - every metric is points 0, 1, 2, ... of its key, each exactly once, in order, no more
    than were taken (a point is value v(key, i), step i, timestamp 1700000000000 + i);
  - every point whose mll_flush / mll_end_run had returned OK is there ("ack" lines), and
    with the background flusher on, every point taken more than one flush interval (plus
    slack for a loaded machine) before the kill;
  - every metric file ends with a newline and every line is "<ts> <value> <step>" after
    strip (no torn line), no metric file is empty;
  - every param, tag, artifact, model version and alias acknowledged is there as written;
  - after a resume or a faulty program (which ends with "done"), every point taken is
    there: nothing is lost that the library did not report as lost.

usage: torture.py --child PATH --work DIR [--kills N] [--faults N] [--seed S]
                  [--migrate-every M]
Exit status 1 with the failures listed if any check fails."""
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mlflow"))
from mlt_common import Checker, check_judge, fresh_dir, migrate, store_files, writer_env  # noqa: E402

import mlflow  # noqa: E402
from mlflow.entities import ViewType  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

SLACK_MS = 1000  # scheduling slack on a loaded box, on top of the flush interval


def value_of(key, i):
    """torture_child.c's value_of(): FNV-1a of the key."""
    h = 1469598103934665603
    for b in key.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return float(i % 1000) + float(h % 97) / 8.0


def fnv_hex(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


class Ledger:
    """What the child reported, line by line, with the time each line arrived."""

    def __init__(self):
        self.lines = []
        self.lock = threading.Lock()
        self.acks = 0

    def reader(self, stream):
        for raw in stream:
            parts = raw.decode(errors="replace").split()
            if not parts:
                continue
            with self.lock:
                self.lines.append(parts)
                if parts[0] == "ack":
                    self.acks += 1

    def parse(self):
        st = {"cfg": None, "runs": {}, "acked": {}, "logged": {}, "params": {}, "tags": {}, "arts": {},
              "models": [], "aliases": {}, "lost": {}, "done": False, "ended": set(), "last_report_ms": 0}
        for p in self.lines:
            kind = p[0]
            if kind == "cfg":
                st["cfg"] = (int(p[1]), int(p[2]))
            elif kind == "run":
                st["runs"][p[2]] = p[3]
            elif kind == "ack":
                k = (p[1], p[2])
                st["acked"][k] = max(st["acked"].get(k, 0), int(p[3]))
            elif kind == "logged":
                st["logged"].setdefault((p[1], p[2]), []).append((int(p[4]), int(p[3])))
                st["last_report_ms"] = max(st["last_report_ms"], int(p[4]))
            elif kind == "param":
                st["params"][(p[1], p[2])] = p[3]
            elif kind == "tag":
                k = (p[1], p[2])
                st["tags"][k] = max(st["tags"].get(k, 0), int(p[3]))
            elif kind == "art":
                st["arts"][(p[1], p[2])] = (int(p[3]), p[4])
            elif kind == "model":
                st["models"].append((p[1], int(p[2]), p[3]))
            elif kind == "alias":
                k = (p[1], p[2])
                st["aliases"][k] = max(st["aliases"].get(k, 0), int(p[3]))
            elif kind == "lost":
                st["lost"][p[1]] = st["lost"].get(p[1], 0) + int(p[2])
            elif kind == "ended":
                st["ended"].add(p[1])
            elif kind == "done":
                st["done"] = True
        return st


def raw_checks(root, ck, label):
    """No torn or empty metric file; no empty meta.yaml that MLflow would read."""
    for p, f in store_files(root):
        rel = os.path.relpath(p, root)
        if os.sep + "metrics" + os.sep in p and not f.startswith(".mll-tmp"):
            data = open(p, "rb").read()
            if not ck.true(data and data.endswith(b"\n"), f"{label}: metric file {rel} is empty or "
                                                           f"ends in a torn line: {data[-60:]!r}"):
                continue
            for ln in data.split(b"\n")[:-1]:
                if len(ln.strip().split(b" ")) != 3:
                    ck.fail(f"{label}: {rel}: line {ln[:80]!r} is not '<ts> <value> <step>'")
                    break
        if f == "meta.yaml":
            ck.true(os.path.getsize(p) > 0, f"{label}: empty {rel}")


def local_path(uri):
    u = urllib.parse.urlparse(uri)
    return urllib.request.url2pathname(u.path) if u.scheme == "file" else uri


def due_points(st, rid, key, interval):
    """Points of key the background flusher must have written: those taken more than one
    flush interval (plus slack) before the child's last report. Both times come from the
    child's clock, so a machine too loaded to run the child at all is not counted
    against the flusher."""
    last = st["last_report_ms"]
    due = [cnt for t, cnt in st["logged"].get((rid, key), []) if t <= last - interval - SLACK_MS]
    return max(due) if due else 0


def history_ok(ck, label, hist, key):
    """The points are 0..n-1 of key, each once and in order; returns n (or -1)."""
    for i, (v, s, t) in enumerate(hist):
        if (s, v, t) != (i, value_of(key, i), 1700000000000 + i):
            ck.fail(f"{label}: {key}: point {i} is (step {s}, value {v}, ts {t}); want "
                    f"(step {i}, value {value_of(key, i)}, ts {1700000000000 + i}): missing, doubled, "
                    f"out of order or made up")
            return -1
    return len(hist)


def read_and_check(root, st, ck, label, kill_ms=None, complete=False):
    """MLflow reads everything; every acknowledged thing is there. Returns {(run, key): n}."""
    counts = {}
    # MLflow 3.18's file registry reads each model version's logged model through a client
    # of the *global* tracking URI (a TODO in its file_store.py); unset, that is
    # sqlite:///mlflow.db in the working folder, made (20 s of migrations) and left behind.
    mlflow.set_tracking_uri(root)
    c = MlflowClient(tracking_uri=root, registry_uri=root)
    try:
        exps = c.search_experiments(view_type=ViewType.ALL)
        listed = set()
        for e in exps:
            for r in c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=50000):
                listed.add(r.info.run_id)
                for k in r.data.metrics:
                    c.get_metric_history(r.info.run_id, k)
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"{label}: MLflow failed to read the folder: {type(ex).__name__}: {ex}")
        return counts
    keys_of = {}
    for (rid, key) in list(st["acked"]) + list(st["logged"]):
        keys_of.setdefault(rid, set()).add(key)
    interval, flusher = st["cfg"] or (1000, 0)
    for rid in st["runs"]:
        if not ck.true(rid in listed, f"{label}: run {rid} (reported created) is not listed by MLflow"):
            continue
        try:
            run = c.get_run(rid)
            for key in sorted(keys_of.get(rid, ())):
                hist = [(m.value, m.step, m.timestamp) for m in c.get_metric_history(rid, key)]
                hist.sort(key=lambda x: x[1])  # MLflow's order is not the file's; steps are unique
                n = history_ok(ck, f"{label}: run {rid}", hist, key)
                counts[(rid, key)] = n
                acked = st["acked"].get((rid, key), 0)
                ck.true(n >= acked or rid in st["lost"],
                        f"{label}: run {rid} {key}: {n} points read, {acked} were acknowledged")
                if complete and rid not in st["lost"]:
                    ck.eq(n, acked, f"{label}: run {rid} {key}: points after the program finished")
                if kill_ms is not None and flusher:
                    due = due_points(st, rid, key, interval)
                    ck.true(n >= due, f"{label}: run {rid} {key}: {n} points read, but {due} were taken more "
                                      f"than {interval} ms + {SLACK_MS} ms before the child's last report")
            for (prid, key), val in st["params"].items():
                if prid == rid:
                    ck.eq(run.data.params.get(key), val, f"{label}: run {rid} param {key}")
            for (trid, key), val in st["tags"].items():
                if trid == rid:
                    got = run.data.tags.get(key)
                    ck.true(got is not None and got.isdigit() and int(got) >= val,
                            f"{label}: run {rid} tag {key} = {got!r}, acknowledged {val}")
            adir = local_path(run.info.artifact_uri)
            for (arid, path), (size, h) in st["arts"].items():
                if arid == rid:
                    p = os.path.join(adir, path)
                    data = open(p, "rb").read() if os.path.exists(p) else None
                    ck.true(data is not None and len(data) == size and fnv_hex(data) == h,
                            f"{label}: run {rid} artifact {path}: {'missing' if data is None else 'differs'}")
            if complete:
                ck.eq(run.info.status, "FINISHED", f"{label}: run {rid} status")
        except Exception as ex:  # noqa: BLE001
            ck.fail(f"{label}: MLflow failed on run {rid}: {type(ex).__name__}: {ex}")
    try:
        c.search_registered_models()
        for name, v, rid in st["models"]:
            mv = c.get_model_version(name, str(v))
            ck.eq(mv.run_id, rid, f"{label}: model {name} version {v} run")
        for (name, alias), v in st["aliases"].items():
            got = int(c.get_model_version_by_alias(name, alias).version)
            ck.true(got >= v, f"{label}: alias {name}@{alias} -> {got}, acknowledged {v}")
    except Exception as ex:  # noqa: BLE001
        ck.fail(f"{label}: MLflow failed on the model registry: {type(ex).__name__}: {ex}")
    return counts


def run_child(args, timeout=300):
    """Runs the child to its end; returns (exit code, ledger, stderr)."""
    led = Ledger()
    err = []
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=writer_env())
    readers = [threading.Thread(target=led.reader, args=(p.stdout,)),
               threading.Thread(target=lambda: err.append(p.stderr.read()))]
    for th in readers:
        th.start()
    try:
        p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    for th in readers:
        th.join()
    return p.returncode, led, b"".join(err).decode(errors="replace")


def save(root, led, err):
    """The child's ledger and stderr beside its folder, for whoever reads a failure."""
    with open(root + ".ledger", "w") as f:
        f.write("\n".join(" ".join(p) for p in led.lines) + "\n")
    with open(root + ".stderr", "w") as f:
        f.write(err)


def kill_trial(a, rnd, i, ck, stats):
    root = os.path.join(a.work, f"kill{i}")
    label = f"kill trial {i} (seed {a.seed + i})"
    led = Ledger()
    p = subprocess.Popen([a.child, "kill", root, str(a.seed + i)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=writer_env())
    th = threading.Thread(target=led.reader, args=(p.stdout,))
    th.start()
    mode = rnd.random()
    if mode < 0.15:
        time.sleep(rnd.uniform(0, 0.005))  # inside mll_open / the first runs
    elif mode < 0.45:
        time.sleep(rnd.uniform(0.005, 0.1))
    elif mode < 0.75:  # right after the k-th acknowledgement
        want, deadline = rnd.randint(1, 30), time.monotonic() + 3
        while led.acks < want and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.0005)
        time.sleep(rnd.uniform(0, 0.002))
    elif mode < 0.92:
        time.sleep(rnd.uniform(0.1, 0.6))
    else:
        time.sleep(rnd.uniform(0.6, 2.5))  # longer than interval + slack: the flusher rule bites
    kill_ms = time.monotonic() * 1000
    p.send_signal(signal.SIGKILL)
    p.wait()
    th.join()
    err = p.stderr.read().decode(errors="replace")
    save(root, led, err)
    ck.true(p.returncode == -signal.SIGKILL, f"{label}: the child ended before the kill "
                                              f"({p.returncode}): {err.strip()[-400:]}")
    st = led.parse()
    stats["acks"] += sum(st["acked"].values())
    if not os.path.exists(root):
        return
    raw_checks(root, ck, label)
    counts = read_and_check(root, st, ck, label, kill_ms=kill_ms)
    if a.migrate_every and i + 1 >= (stats["migrated"] + 1) * a.migrate_every:  # the first folder due
        try:
            migrate(root, os.path.join(a.work, f"kill{i}.db"))
            stats["migrated"] += 1
        except RuntimeError as ex:
            ck.fail(f"{label}: migrate-filestore failed: {str(ex)[:600]}")
    if i % 2 == 0 and st["runs"] and all(n >= 0 for n in counts.values()):
        resume(a, root, st, counts, ck, label, stats)


def resume(a, root, st, counts, ck, label, stats):
    """A second program reopens every run by id and continues every key where MLflow says
    it stopped; afterwards every run is complete and FINISHED."""
    args = [a.child, "resume", root, str(a.seed + 7919)]
    for rid in st["runs"]:
        keys = sorted(k for (r, k) in counts if r == rid)
        args.append(rid)
        args += [f"{k}={counts[(rid, k)]}" for k in keys]
    rc, led, err = run_child(args)
    if not ck.eq(rc, 0, f"{label}: resume ({err.strip()[-400:]})"):
        return
    st2 = led.parse()
    ck.true(st2["done"], f"{label}: resume did not finish")
    st2["runs"] = {r: e for r, e in st2["runs"].items()}
    raw_checks(root, ck, label + " after resume")
    read_and_check(root, st2, ck, label + " after resume", complete=True)
    stats["resumed"] += 1


def fault_trial(a, i, ck, stats):
    root = os.path.join(a.work, f"faults{i}")
    label = f"faults trial {i} (seed {a.seed + 100000 + i})"
    rc, led, err = run_child([a.child, "faults", root, str(a.seed + 100000 + i)])
    save(root, led, err)
    crashed = rc != 0 or "ERROR: AddressSanitizer" in err or "runtime error:" in err
    ck.true(not crashed, f"{label}: the program failed ({rc}): {err.strip()[-600:]}")
    st = led.parse()
    ck.true(st["done"] or crashed, f"{label}: no 'done' from the program")
    for line in err.splitlines():
        if line.startswith("torture_child:") and "faults injected" in line:
            stats["faults"] += int(line.split()[1])
    stats["lost"] += sum(st["lost"].values())
    raw_checks(root, ck, label)
    read_and_check(root, st, ck, label, complete=True)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--faults", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--migrate-every", type=int, default=50)
    a = ap.parse_args()
    check_judge()
    a.work = fresh_dir(a.work, "torture")
    ck = Checker("torture")
    rnd = random.Random(a.seed)
    stats = {"acks": 0, "resumed": 0, "migrated": 0, "faults": 0, "lost": 0}
    t0 = time.time()
    for i in range(a.kills):
        kill_trial(a, rnd, i, ck, stats)
        if i % 50 == 49:
            print(f"  {i + 1} kill trials, {time.time() - t0:.0f} s, {len(ck.errors)} failures", flush=True)
    t1 = time.time()
    for i in range(a.faults):
        fault_trial(a, i, ck, stats)
    print(f"torture: {a.kills} kill trials ({stats['resumed']} resumed, {stats['migrated']} migrated, "
          f"{stats['acks']} acknowledged points checked) in {t1 - t0:.0f} s; {a.faults} fault trials "
          f"({stats['faults']} faults injected, {stats['lost']} points reported lost) in {time.time() - t1:.0f} s")
    ck.finish()


if __name__ == "__main__":
    main()
