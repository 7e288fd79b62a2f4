"""System metrics (issue 11) judged by psutil and by MLflow 3.18 itself.

  --part readers  mlflow_lite's readers against psutil (the library MLflow's monitors use):
                  (1) the same copy of /proc/stat, /proc/meminfo, /proc/net/dev and the same
                  statvfs numbers give bit-identical values through psutil + MLflow's formulas;
                  (2) live readings taken between two psutil readings (the same moment): memory
                  and disk within 1%, CPU % under a busy-loop thread within a few points of
                  psutil's over the same interval (the box is shared: compared, never absolute),
                  network after sending a known number of bytes over loopback, this process's
                  RSS/threads/CPU; (3) round(x, 1) against Python's on 40k doubles.
  --part mlflow   a C run (sm_writer, settings from the MLFLOW_*SYSTEM_METRICS* environment)
                  and a Python run with mlflow.start_run(log_system_metrics=True) in one store,
                  same settings: MLflow reads both, the key sets must be equal (GPU keys and our
                  process_* keys aside), steps 0..n-1, one timestamp per step, values rounded as
                  round(, 1); then node ids, a reopened run continuing its steps, sampling inside
                  log calls without a flusher thread, and bad environment values.
  --part gpu      NVML and ROCm SMI through stand-in libraries built by the test (this machine
                  has no GPU; see fake_gpu.c): the values C logged must equal what MLflow's own
                  GPUMonitor / ROCMMonitor compute from the same answers (replayed through a
                  stand-in pynvml / pyrsmi); no library, or a failing init: no GPU keys and
                  exactly one logger note.
"""
import json
import math
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import threading
import time
import types
from collections import defaultdict, deque

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "mlflow"))
from mlt_common import Checker, check_judge, fresh_dir, parse_args, run, writer_env  # noqa: E402

import psutil  # noqa: E402  (the venv must have it: MLflow's monitors need it too)

import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402

GPU_FIELDS = ("memory_usage_percentage", "memory_usage_megabytes", "memory_usage_gigabytes",
              "utilization_percentage", "power_usage_watts", "power_usage_percentage")
OURS = ("process_cpu_utilization_percentage", "process_memory_rss_megabytes", "process_threads")
UNROUNDED = ("network_receive_megabytes", "network_transmit_megabytes")


def bits(x):
    return struct.pack("<d", x)


# ---------------------------------------------------------------------------- readers
class Probe:
    """sm_probe: one command per line, one JSON answer per line."""

    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.pid = self.p.pid

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        ans = json.loads(self.p.stdout.readline())
        if "error" in ans:
            raise RuntimeError(f"probe: {line}: {ans['error']}")
        return ans

    def close(self):
        self.p.stdin.write("quit\n")
        self.p.stdin.flush()
        self.p.wait(timeout=30)


def snapshot(dirname):
    """Copies of the /proc files psutil and mlflow_lite read, laid out as a PROCFS_PATH."""
    os.makedirs(os.path.join(dirname, "net"), exist_ok=True)
    for name in ("stat", "meminfo", "net/dev"):
        with open("/proc/" + name, "rb") as f:
            data = f.read()
        with open(os.path.join(dirname, name), "wb") as f:
            f.write(data)
    return dirname


def with_procfs(path, fn):
    old = psutil.PROCFS_PATH
    psutil.PROCFS_PATH = path
    try:
        return fn()
    finally:
        psutil.PROCFS_PATH = old


def psutil_cpu_percent(t1, t2):
    """psutil.cpu_percent()'s calculation between two cpu_times() readings."""
    d = psutil._cpu_times_deltas(t1, t2)
    tot = psutil._cpu_tot_time(d)
    busy = psutil._cpu_busy_time(d)
    return round(busy / tot * 100, 1) if tot else 0.0


def same_inputs(c, probe, work):
    """Part 1: the same bytes in, the same doubles out."""
    s1 = snapshot(os.path.join(work, "snap1"))
    probe.ask("busy on")
    time.sleep(0.4)
    s2 = snapshot(os.path.join(work, "snap2"))
    probe.ask("busy off")
    for snap in (s1, s2):
        t = with_procfs(snap, psutil.cpu_times)
        ours = probe.ask(f"cpu {snap}/stat")["t"]
        c.eq([bits(x) for x in ours], [bits(x) for x in t], f"cpu_times from {snap}/stat")
        vm = with_procfs(snap, psutil.virtual_memory)
        m = probe.ask(f"mem {snap}/meminfo")
        c.eq((m["used"], m["total"]), (vm.used, vm.total), "virtual_memory used/total from the same meminfo")
        c.eq(bits(m["mb"]), bits(vm.used / 1e6), "system_memory_usage_megabytes formula")
        c.eq(bits(m["pct"]), bits(vm.used / vm.total * 100), "system_memory_usage_percentage formula")
        n = with_procfs(snap, lambda: psutil.net_io_counters(nowrap=False))
        ours = probe.ask(f"net {snap}/net/dev")
        c.eq((ours["rx"], ours["tx"]), (n.bytes_recv, n.bytes_sent), "net_io_counters from the same net/dev")
    t1 = with_procfs(s1, psutil.cpu_times)
    t2 = with_procfs(s2, psutil.cpu_times)
    c.eq(bits(probe.ask(f"cpupct {s1}/stat {s2}/stat")["pct"]), bits(psutil_cpu_percent(t1, t2)),
         "cpu_utilization_percentage between the same two /proc/stat copies")
    # a meminfo from a kernel before 3.14 (no MemAvailable): psutil's fallback
    old = os.path.join(work, "old")
    os.makedirs(old, exist_ok=True)
    with open(os.path.join(old, "meminfo"), "w") as f:
        f.write("MemTotal:  8000000 kB\nMemFree:  1000000 kB\nBuffers:  100 kB\nCached:  2000000 kB\n"
                "SReclaimable:  300 kB\nShmem:  5 kB\n")
    vm = with_procfs(old, psutil.virtual_memory)
    m = probe.ask(f"mem {old}/meminfo")
    c.eq((m["used"], m["total"]), (vm.used, vm.total), "virtual_memory without MemAvailable")
    # disk: the probe's statvfs numbers through psutil.disk_usage
    d = probe.ask("disk /")
    fake = types.SimpleNamespace(f_blocks=d["f_blocks"], f_bfree=d["f_bfree"], f_bavail=d["f_bavail"],
                                 f_frsize=d["f_frsize"])
    import psutil._psposix as psx
    real = psx.os.statvfs
    psx.os.statvfs = lambda p: fake
    try:
        du = psutil.disk_usage("/")
    finally:
        psx.os.statvfs = real
    c.eq((d["used"], d["free"]), (du.used, du.free), "disk_usage used/free from the same statvfs")
    c.eq(bits(d["pct"]), bits(du.percent), "disk_usage_percentage (psutil's rounded percent)")
    c.eq((bits(d["used_mb"]), bits(d["free_mb"])), (bits(du.used / 1e6), bits(du.free / 1e6)),
         "disk_usage_megabytes / disk_available_megabytes formulas")


def within(c, got, lo, hi, rel, what):
    ok = lo * (1 - rel) <= got <= hi * (1 + rel)
    c.true(ok, f"{what}: ours {got} outside psutil's [{lo}, {hi}] +- {rel:.0%}")


def same_moment(c, probe):
    """Part 2: live readings between two psutil readings."""
    a = psutil.virtual_memory()
    m = probe.ask("mem /proc/meminfo")
    b = psutil.virtual_memory()
    within(c, m["used"], min(a.used, b.used), max(a.used, b.used), 0.01, "memory used (live)")
    c.eq(m["total"], a.total, "memory total (live)")
    a = psutil.disk_usage("/")
    d = probe.ask("disk /")
    b = psutil.disk_usage("/")
    within(c, d["used"], min(a.used, b.used), max(a.used, b.used), 0.01, "disk used (live)")
    within(c, d["free"], min(a.free, b.free), max(a.free, b.free), 0.01, "disk free (live)")
    within(c, d["pct"], min(a.percent, b.percent), max(a.percent, b.percent), 0.01, "disk percent (live)")
    me = psutil.Process(probe.pid)
    a = me.memory_info().rss
    pr = probe.ask("proc")
    b = me.memory_info().rss
    within(c, pr["rss"], min(a, b), max(a, b), 0.01, "process RSS (live)")
    c.eq(pr["threads"], me.num_threads(), "process threads (live)")
    cpu_under_load(c, probe, me)
    network(c, probe)


def cpu_under_load(c, probe, me):
    """A busy-loop thread in the probe; ours over [mark, since] vs psutil's over a bracket of it.
    Other agents load this box: compare intervals, retry a few times, never an absolute value."""
    probe.ask("busy on")
    time.sleep(0.2)
    tries = []
    for _ in range(4):
        t1, p1, w1 = psutil.cpu_times(), me.cpu_times(), time.monotonic()
        a = probe.ask("cpu /proc/stat")
        pa = probe.ask("proc")
        time.sleep(1.0)
        b = probe.ask("cpu /proc/stat")
        pb = probe.ask("proc")
        t2, p2, w2 = psutil.cpu_times(), me.cpu_times(), time.monotonic()
        ours = round(cpu_pct_from(a["t"], b["t"]), 1)
        theirs = psutil_cpu_percent(t1, t2)
        ours_proc = (pb["cpu_us"] - pa["cpu_us"]) / (pb["mono_us"] - pa["mono_us"]) * 100
        theirs_proc = ((p2.user + p2.system) - (p1.user + p1.system)) / (w2 - w1) * 100
        tries.append((ours, theirs, ours_proc, theirs_proc))
        if abs(ours - theirs) <= 5 and abs(ours_proc - theirs_proc) <= 10 and ours_proc > 5:
            break
    probe.ask("busy off")
    print(f"  cpu under a busy thread (ours, psutil, ours process, psutil process): {tries}")
    ours, theirs, ours_proc, theirs_proc = tries[-1]
    c.true(abs(ours - theirs) <= 5, f"system CPU % under load: ours {ours} vs psutil {theirs} (tries {tries})")
    c.true(abs(ours_proc - theirs_proc) <= 10, f"process CPU %: ours {ours_proc:.1f} vs psutil {theirs_proc:.1f}")
    c.true(ours_proc > 5, f"the busy thread must show in the process CPU %: {ours_proc:.1f}")


def cpu_pct_from(a, b):
    """psutil's formula on two lists of fields (the probe's own live readings)."""
    names = psutil.cpu_times()._fields
    ta = type(psutil.cpu_times())(*a[:len(names)])
    tb = type(psutil.cpu_times())(*b[:len(names)])
    d = psutil._cpu_times_deltas(ta, tb)
    tot = psutil._cpu_tot_time(d)
    return psutil._cpu_busy_time(d) / tot * 100 if tot else 0.0


def network(c, probe, nbytes=20_000_000):
    """Sends nbytes over loopback between two of our readings, bracketed by psutil's."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    got = [0]

    def sink():
        conn, _ = srv.accept()
        while True:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            got[0] += len(chunk)
        conn.close()

    th = threading.Thread(target=sink)
    th.start()
    n1 = psutil.net_io_counters(nowrap=False)
    a = probe.ask("net /proc/net/dev")
    cli = socket.create_connection(srv.getsockname())
    block = b"x" * (1 << 20)
    sent = 0
    while sent < nbytes:
        cli.sendall(block[: min(len(block), nbytes - sent)])
        sent += min(len(block), nbytes - sent)
    cli.close()
    th.join()
    srv.close()
    b = probe.ask("net /proc/net/dev")
    n2 = psutil.net_io_counters(nowrap=False)
    c.eq(got[0], nbytes, "loopback bytes received by the sink")
    for ours, theirs, what in ((b["rx"] - a["rx"], n2.bytes_recv - n1.bytes_recv, "received"),
                               (b["tx"] - a["tx"], n2.bytes_sent - n1.bytes_sent, "sent")):
        c.true(ours >= nbytes, f"network {what}: ours counted {ours} bytes, at least {nbytes} went over loopback")
        c.true(ours <= theirs, f"network {what}: ours {ours} > psutil's {theirs} over a wider interval")
        print(f"  network {what}: ours {ours}, psutil {theirs}, sent {nbytes}")


def rounding(c, probe):
    """Part 3: mll__round1 == Python's round(x, 1) (bits, signed zeros included)."""
    rnd = random.Random(11)
    xs = [k / 4 for k in range(-400, 400)] + [k / 8 + 0.0625 for k in range(-400, 400)]
    xs += [rnd.uniform(0, 100) for _ in range(10000)]
    xs += [round(rnd.uniform(0, 1000), 2) for _ in range(10000)]  # two decimals: near-ties
    xs += [rnd.uniform(-1e6, 1e6) for _ in range(5000)]
    xs += [struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0] for _ in range(10000)]
    xs += [10.0 ** e * m for e in range(-10, 20) for m in (1.05, 2.25, 9.95, 4.35)]
    xs = [x for x in xs if math.isfinite(x)]
    bad = []
    for i in range(0, len(xs), 400):
        chunk = xs[i:i + 400]
        got = probe.ask("round " + " ".join(repr(x) for x in chunk))["r"]
        for x, g in zip(chunk, got):
            if bits(g) != bits(round(x, 1)):
                bad.append((x, g, round(x, 1)))
    c.true(not bad, f"round(x, 1) differs for {len(bad)} of {len(xs)} doubles, e.g. {bad[:5]}")
    print(f"  round(x, 1): {len(xs)} doubles compared with Python's")


def part_readers(c, a):
    probe = Probe(a.bins["probe"])
    try:
        same_inputs(c, probe, fresh_dir(a.work, "snaps"))
        same_moment(c, probe)
        rounding(c, probe)
    finally:
        probe.close()


# ---------------------------------------------------------------------------- MLflow
def writer(a, root, seconds, *args, env=None, check=True):
    p = run([a.bins["writer"], root, str(seconds), *args], env=env or writer_env(), check=check)
    out = p.stdout.decode()
    info = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    return info, p.stderr.decode()


def system_history(client, run_id):
    """{key: [(step, timestamp, value)]} of a run's system/ metrics, as MLflow reads them."""
    r = client.get_run(run_id)
    out = {}
    for key in r.data.metrics:
        if key.startswith("system/"):
            out[key] = sorted((m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key))
    return out


def is_gpu(key):
    return key.split("/")[-1].startswith("gpu_")


def check_history(c, hist, what, min_steps=2, first_step=0):
    """Steps first..first+n-1 for every key, one timestamp per step, values rounded as MLflow."""
    if not c.true(hist, f"{what}: no system metrics at all"):
        return 0
    steps = {k: [s for s, _, _ in v] for k, v in hist.items()}
    any_key = next(iter(steps))
    n = len(steps[any_key])
    c.true(n >= min_steps, f"{what}: only {n} steps")
    for k, v in steps.items():
        c.eq(v, list(range(first_step, first_step + len(v))), f"{what}: steps of {k}")
        c.eq(len(v), n, f"{what}: every key at every step ({k})")
    for i in range(n):
        ts = {hist[k][i][1] for k in hist if i < len(hist[k])}
        c.eq(len(ts), 1, f"{what}: one timestamp for all keys of step {first_step + i}")
    for k, v in hist.items():
        name = k.split("/")[-1]
        for _, _, x in v:
            if name in UNROUNDED:
                c.true(x >= -1e-9, f"{what}: {k} = {x} (cumulative since the start)")
            else:
                c.eq(repr(x), repr(round(x, 1)), f"{what}: {k} rounded as round(, 1)")
            if name.endswith("_percentage") and not name.startswith("process_"):
                c.true(0 <= x <= 100, f"{what}: {k} = {x}")
    return n


def python_run(root, env_extra, seconds):
    """A run made by MLflow itself with its own system-metrics logging (psutil is installed)."""
    code = (
        "import os, time, mlflow\n"
        f"mlflow.set_tracking_uri({root!r})\n"
        "mlflow.set_experiment('sysmetrics')\n"
        "with mlflow.start_run(log_system_metrics=True) as r:\n"
        f"    time.sleep({seconds})\n"
        "print(r.info.run_id)\n")
    env = writer_env(MLFLOW_ALLOW_FILE_STORE="true", **env_extra)
    p = run([sys.executable, "-c", code], env=env)
    return p.stdout.decode().strip().splitlines()[-1]


def part_mlflow(c, a):
    root = fresh_dir(a.work, "mlruns")
    client = MlflowClient(root)
    for node in ("", "rank3"):
        env_extra = {"MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING": "true",
                     "MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL": "0.25",
                     "MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING": "2"}
        if node:
            env_extra["MLFLOW_SYSTEM_METRICS_NODE_ID"] = node
        what = f"node id {node!r}"
        info, err = writer(a, root, 2.6, "--busy", env=writer_env(**env_extra))
        py_id = python_run(root, env_extra, 2.6)
        ours = system_history(client, info["run_id"])
        theirs = system_history(client, py_id)
        prefix = "system/" + (node + "/" if node else "")
        n = check_history(c, ours, "C run, " + what, min_steps=3)
        check_history(c, theirs, "MLflow's own run, " + what, min_steps=2)
        mlflow_keys = {k for k in theirs if not is_gpu(k)}
        our_keys = {k for k in ours if not is_gpu(k) and k.split("/")[-1] not in OURS}
        c.eq(sorted(our_keys), sorted(mlflow_keys), f"{what}: the names MLflow's monitors log")
        c.true(all(k.startswith(prefix) for k in ours), f"{what}: every key under {prefix}")
        c.eq(sorted(k.split("/")[-1] for k in ours if k.split("/")[-1] in OURS), sorted(OURS),
             f"{what}: our process metrics")
        c.true(not (set(OURS) & {k.split("/")[-1] for k in theirs}), "MLflow has no key named like ours")
        for k in ("disk_usage_megabytes", "disk_available_megabytes"):  # the same disk, seconds apart
            o, t = ours[prefix + k][-1][2], theirs[prefix + k][-1][2]
            c.true(abs(o - t) <= 0.02 * max(o, t), f"{what}: {k} ours {o} vs MLflow's {t}")
        tags = client.get_run(info["run_id"]).data.tags
        tp = "mlflow_lite.system." + (node + "." if node else "")
        c.eq(tags.get(tp + "hostname"), socket.gethostname(), f"{what}: hostname tag")
        c.eq(tags.get(tp + "cpu_count"), str(os.cpu_count()), f"{what}: cpu_count tag")
        c.eq(tags.get(tp + "memory_total_megabytes"), repr(round(psutil.virtual_memory().total / 1e6, 1)),
             f"{what}: memory_total_megabytes tag")
        model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
        c.eq(tags.get(tp + "cpu_model"), model, f"{what}: cpu_model tag")
        c.eq(err.count("LOG 3 38 "), 1, f"{what}: one note that there is no GPU: {err}")
        print(f"  {what}: C run {n} steps, keys {sorted(ours)}")
    # a reopened run continues its steps (MLflow's resume_logging)
    env = writer_env(MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING="1", MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL="0.2")
    first, _ = writer(a, root, 1.1, env=env)
    before = system_history(client, first["run_id"])
    last = max(v[-1][0] for v in before.values())
    writer(a, root, 1.1, "--reopen", first["run_id"], env=env)
    after = system_history(client, first["run_id"])
    check_history(c, after, "reopened run", min_steps=last + 3)
    c.true(all(max(s for s, _, _ in v) > last for v in after.values()), "reopened run: new steps after the old ones")
    # no flusher thread: samples are taken inside the log calls
    info, _ = writer(a, root, 1.5, "--no-thread", "--points", "300", "--interval-ms", "200")
    check_history(c, system_history(client, info["run_id"]), "no flusher thread", min_steps=4)
    # explicit start
    info, _ = writer(a, root, 1.2, "--explicit", "--interval-ms", "200", "--node", "n0")
    h = system_history(client, info["run_id"])
    check_history(c, h, "mll_start_system_metrics", min_steps=3)
    c.true(all(k.startswith("system/n0/") for k in h), "mll_start_system_metrics: node id from the desc")
    bad_environment(c, a, root, client)


def bad_environment(c, a, root, client):
    """Bad values: a warning naming the variable (MLL_ERR_SYSTEM_METRICS_ENV = 37), default used."""
    info, err = writer(a, root, 0.5, env=writer_env(MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING="yes"))
    c.true("LOG 2 37 MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING='yes'" in err, f"warning for ENABLE=yes: {err}")
    c.eq(system_history(client, info["run_id"]), {}, "ENABLE=yes: off (MLflow's default)")
    info, err = writer(a, root, 1.3, env=writer_env(MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING="TRUE",
                                                    MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL="0.2",
                                                    MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING="two",
                                                    MLFLOW_SYSTEM_METRICS_NODE_ID="bad//node"))
    c.true("LOG 2 37 MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING='two'" in err, f"warning for SAMPLES=two: {err}")
    c.true("LOG 2 37 MLFLOW_SYSTEM_METRICS_NODE_ID='bad//node'" in err, f"warning for a bad node id: {err}")
    h = system_history(client, info["run_id"])
    check_history(c, h, "bad SAMPLES and NODE_ID (defaults 1 and none)", min_steps=4)
    c.true(all(k.count("/") == 1 for k in h), "bad node id: no node in the names")


# ---------------------------------------------------------------------------- GPU
def read_log(path):
    q = defaultdict(deque)
    with open(path) as f:
        for line in f:
            fn, dev, *vals = line.split()
            q[(fn, int(dev))].append(None if vals == ["FAIL"] else [int(v) for v in vals])
    return q


def fake_pynvml(q, count):
    m = types.ModuleType("pynvml")

    class NVMLError(Exception):
        pass

    def pop(fn, h):
        v = q[(fn, h)].popleft()
        if v is None:
            raise NVMLError(f"{fn} failed")
        return v

    m.NVMLError = NVMLError
    m.nvmlInit = lambda: None
    m.nvmlDeviceGetCount = lambda: count
    m.nvmlDeviceGetHandleByIndex = lambda i: i
    def memory(h):
        used, total = pop("memory", h)
        return types.SimpleNamespace(used=used, total=total)

    m.nvmlDeviceGetMemoryInfo = memory
    m.nvmlDeviceGetUtilizationRates = lambda h: types.SimpleNamespace(gpu=pop("util", h)[0], memory=0)
    m.nvmlDeviceGetPowerUsage = lambda h: pop("power", h)[0]
    m.nvmlDeviceGetEnforcedPowerLimit = lambda h: pop("limit", h)[0]
    return m


def fake_pyrsmi(q, count):
    pkg = types.ModuleType("pyrsmi")
    rocml = types.ModuleType("pyrsmi.rocml")

    def pop(fn, i):
        v = q[(fn, i)].popleft()
        if v is None:
            print(f"ROCm SMI error: {fn} {i}")  # pyrsmi's rsmi_ret_ok logs; MLflow looks for "error"
            return -1
        return v[0]

    rocml.smi_initialize = lambda: None
    rocml.smi_shutdown = lambda: None
    rocml.smi_get_device_count = lambda: count
    rocml.smi_get_device_memory_used = lambda i: pop("used", i)
    rocml.smi_get_device_memory_total = lambda i: pop("total", i)
    rocml.smi_get_device_utilization = lambda i: pop("busy", i)
    rocml.smi_get_device_average_power = lambda i: (lambda v: v if v == -1 else (v & 0xFFFFFFFF) * 1e-6)(pop("power", i))
    pkg.rocml = rocml
    return pkg, rocml


def mlflow_gpu_values(kind, q, count, windows, per_window):
    """What MLflow's own monitor logs for each window, fed the answers the C side got."""
    import importlib
    if kind == "nvml":
        sys.modules["pynvml"] = fake_pynvml(q, count)
        import mlflow.system_metrics.metrics.gpu_monitor as gm
        gm = importlib.reload(gm)
        mon = gm.GPUMonitor()
    else:
        pkg, rocml = fake_pyrsmi(q, count)
        sys.modules["pyrsmi"], sys.modules["pyrsmi.rocml"] = pkg, rocml
        import mlflow.system_metrics.metrics.rocm_monitor as rm
        rm = importlib.reload(rm)
        mon = rm.ROCMMonitor()
    out = []
    for _ in range(windows):
        for _ in range(per_window):
            mon.collect_metrics()
        out.append(mon.aggregate_metrics())
        mon.clear_metrics()
    return out


def gpu_case(c, a, root, libdir, kind, extra_env, what):
    log = os.path.join(a.work, f"gpu-{what}.log")
    if os.path.exists(log):
        os.unlink(log)
    env = writer_env(LD_LIBRARY_PATH=libdir, FAKE_GPU_LOG=log, **extra_env)
    info, err = writer(a, root, 1.6, "--interval-ms", "100", "--samples", "3", env=env)
    client = MlflowClient(root)
    hist = system_history(client, info["run_id"])
    tags = client.get_run(info["run_id"]).data.tags
    count = int(extra_env.get("FAKE_GPU_COUNT", "2"))
    q = read_log(log)
    # the C side's first reads: identity tags (NVML memory; ROCm total); ROCm also probed power
    # per GPU at start, which MLflow's ROCMMonitor does too (virtual GPUs)
    ident = "memory" if kind == "nvml" else "total"
    for i in range(count):
        first = q[(ident, i)].popleft()
        total = first[-1]
        c.eq(tags.get(f"mlflow_lite.system.gpu_{i}_memory_total_megabytes"), repr(round(total / 1e6, 1)),
             f"{what}: gpu_{i} memory total tag")
        name = ("Fake NVIDIA GPU %d" if kind == "nvml" else "Fake AMD GPU %d") % i
        c.eq(tags.get(f"mlflow_lite.system.gpu_{i}_name"), name, f"{what}: gpu_{i} name tag")
    c.eq(tags.get("mlflow_lite.system.gpu_count"), str(count), f"{what}: gpu_count tag")
    c.eq(tags.get("mlflow_lite.system.gpu_driver_version"), "535.999.fake" if kind == "nvml" else "6.9.9-fake",
         f"{what}: driver tag")
    gpu_keys = sorted(k for k in hist if is_gpu(k))
    windows = len(hist[gpu_keys[0]]) if gpu_keys else 0
    c.true(windows >= 2, f"{what}: {windows} steps with GPU metrics")
    want = mlflow_gpu_values(kind, q, count, windows, 3)
    want_keys = sorted({"system/" + k for w in want for k in w})
    c.eq(gpu_keys, want_keys, f"{what}: GPU key set = MLflow's monitor's")
    for step, w in enumerate(want):
        for k, v in w.items():
            got = hist.get("system/" + k, [])
            if c.true(step < len(got), f"{what}: {k} missing at step {step}"):
                c.eq(bits(got[step][2]), bits(v), f"{what}: {k} at step {step}: ours {got[step][2]}, MLflow {v}")
    c.eq(err.count("LOG 3 38 "), 0, f"{what}: no 'no GPU' note with a GPU: {err}")
    check_history(c, hist, what, min_steps=2)
    print(f"  {what}: {windows} steps, {len(gpu_keys)} GPU keys equal to MLflow's monitor")


def part_gpu(c, a):
    root = fresh_dir(a.work, "mlruns")
    nv = fresh_dir(a.work, "nvml")
    rocm = fresh_dir(a.work, "rocm")
    shutil.copy(a.bins["fake_nvml"], os.path.join(nv, "libnvidia-ml.so.1"))
    shutil.copy(a.bins["fake_rocm"], os.path.join(rocm, "librocm_smi64.so"))
    gpu_case(c, a, root, nv, "nvml", {}, "NVML, 2 GPUs")
    gpu_case(c, a, root, nv, "nvml", {"FAKE_GPU_COUNT": "3", "FAKE_GPU_POWER_FAIL": "1"},
             "NVML, 3 GPUs, power unreadable on gpu_1")
    gpu_case(c, a, root, rocm, "rocm", {"FAKE_GPU_COUNT": "3", "FAKE_GPU_POWER_FAIL": "1"},
             "ROCm SMI, 3 GPUs, gpu_1 virtual")
    client = MlflowClient(root)
    for libdir, extra, what, reason in ((fresh_dir(a.work, "none"), {}, "no GPU library", "libnvidia-ml.so.1 not found"),
                                        (nv, {"FAKE_GPU_INIT_FAIL": "1"}, "NVML init fails", "NVML (libnvidia-ml.so.1) failed to initialise (error 9)"),
                                        (nv, {"FAKE_GPU_COUNT": "0"}, "NVML without GPUs", "NVML (libnvidia-ml.so.1) finds no GPU")):
        info, err = writer(a, root, 0.6, "--interval-ms", "100", env=writer_env(LD_LIBRARY_PATH=libdir, **extra))
        notes = [l for l in err.splitlines() if l.startswith("LOG 3 38 ")]
        c.eq(len(notes), 1, f"{what}: one logger note: {err}")
        c.true(notes and reason in notes[0], f"{what}: the note says why ({reason}): {notes}")
        h = system_history(client, info["run_id"])
        c.true(h and not any(is_gpu(k) for k in h), f"{what}: system metrics without GPU keys: {sorted(h)}")
    info, err = writer(a, root, 0.5, "--interval-ms", "100", "--no-gpu", env=writer_env(LD_LIBRARY_PATH=nv))
    c.true("LOG 3 38" not in err and not any(is_gpu(k) for k in system_history(client, info["run_id"])),
           "no_gpu: the library is not loaded, no note")


def main():
    a = parse_args(lambda p: p.add_argument("--part", required=True, choices=("readers", "mlflow", "gpu")))
    check_judge()
    os.makedirs(a.work, exist_ok=True)
    c = Checker(f"sysmetrics {a.part}")
    {"readers": part_readers, "mlflow": part_mlflow, "gpu": part_gpu}[a.part](c, a)
    c.finish()


if __name__ == "__main__":
    main()
