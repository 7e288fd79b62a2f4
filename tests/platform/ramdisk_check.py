"""ramdisk_check: MLflow 3.18 reads what the bare-metal example's hooks wrote into the RAM
disk (tests/platform/test_ramdisk.c dumps it to a folder): the experiment, the run's name,
user, source, status and times, both params, the tag, and every metric point, bit for bit.
usage: ramdisk_check.py <test_ramdisk> <work-dir>"""
import os
import shutil
import struct
import subprocess
import sys

from mlflow.tracking import MlflowClient

T0 = 1795305600000


def main():
    exe, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    p = subprocess.run([exe, work], capture_output=True, text=True)
    sys.stdout.write(p.stdout + p.stderr)
    if p.returncode != 0:
        sys.exit("test_ramdisk failed")
    run_id = open(os.path.join(work, "run_id")).read().strip()
    client = MlflowClient(tracking_uri=os.path.join(work, "mlruns"))
    fails = []

    def eq(got, want, what):
        if got != want:
            fails.append(f"{what}: got {got!r}, want {want!r}")

    exp = client.get_experiment_by_name("edge-sensor")
    eq(exp is not None, True, "experiment edge-sensor")
    run = client.get_run(run_id)
    eq(run.info.experiment_id, exp.experiment_id if exp else None, "experiment id")
    eq(run.info.run_name, "cortex-m4", "run name")
    eq(run.info.user_id, "device-42", "user")
    eq(run.info.status, "FINISHED", "status")
    eq(run.info.start_time, T0, "start time")
    eq(run.data.params, {"lr": "0.05", "window": "32"}, "params")
    eq(run.data.tags.get("board"), "stm32f4", "tag board")
    eq(run.data.tags.get("mlflow.source.name"), "firmware.elf", "source name")
    hist = client.get_metric_history(run_id, "loss")
    eq(len(hist), 200, "loss points")
    for m in hist:
        want = 1.0 / (m.step + 1)
        if struct.pack("<d", m.value) != struct.pack("<d", want) or m.timestamp != T0 + 10 * m.step:
            fails.append(f"loss step {m.step}: {m.value!r} at {m.timestamp}")
    acc = client.get_metric_history(run_id, "accuracy")
    eq([(a.value, a.step, a.timestamp) for a in acc], [(0.875, 199, T0 + 2000)], "accuracy")
    for f in fails:
        print("FAIL:", f)
    print(f"ramdisk_check: {'FAILED' if fails else 'OK'} (run {run_id}, {len(hist)} loss points)")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
