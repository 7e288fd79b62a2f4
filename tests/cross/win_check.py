"""win_check: MLflow 3.18 on the host reads the folder test_win32.exe wrote under wine.
The wine drive is mapped first: Z: is the host's "/", and the symlink /Z: -> / lets the
file:///Z:/... artifact URIs (written as MLflow on Windows writes them: pathlib.as_uri())
resolve on the host too.  usage: win_check.py <host root> <windows root> <run_id> <exp_id>"""
import os
import pathlib
import struct
import sys

from mlflow.tracking import MlflowClient

T0 = 1795305600000
VALS = [0.1, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.125, 1e16, 0.5]


def bits(v):
    return struct.pack("<d", v)


def main():
    root, winroot, run_id, exp_id = sys.argv[1:5]
    fails = []

    def eq(got, want, what):
        if got != want:
            fails.append(f"{what}: got {got!r}, want {want!r}")

    client = MlflowClient(tracking_uri=root)
    exp = client.get_experiment(exp_id)
    eq(exp.name, "windows-\u00e9t\u00e9", "experiment name")
    uri = pathlib.PureWindowsPath(winroot).as_uri()
    eq(exp.artifact_location, f"{uri}/{exp_id}", "experiment artifact_location (pathlib.as_uri on Windows)")
    run = client.get_run(run_id)
    eq(run.info.run_name, "wine-\u65e5\u672c", "run name")
    eq(run.info.status, "FINISHED", "status")
    eq(run.info.artifact_uri, f"{uri}/{exp_id}/{run_id}/artifacts", "run artifact_uri")
    eq(run.data.params, {"lr": "0.01", "\u043a\u043b\u044e\u0447": "\u0437\u043d\u0430\u0447"}, "params")
    eq(run.data.tags.get("note"), "\U0001f600 emoji", "tag")
    eq(run.data.tags.get("mlflow.source.name"), "C:\\Program Files\\train\\train.exe", "source name")
    hist = sorted(client.get_metric_history(run_id, "v"), key=lambda m: m.step)
    eq([bits(m.value) for m in hist], [bits(v) for v in VALS], "metric v, bit for bit")
    eq([m.timestamp for m in hist], [T0 + i for i in range(8)], "metric v timestamps")
    loss = client.get_metric_history(run_id, "train/loss")
    eq(len(loss), 101, "train/loss points (100 + 1 after reopening)")
    for m in loss:
        want = 0.001 if m.step == 100 else 1.0 / (m.step + 1)
        if bits(m.value) != bits(want):
            fails.append(f"train/loss step {m.step}: {m.value!r}")
    key = "k" * 60 + ("/" + "k" * 59) * 3  # as test_win32.c builds it
    eq([m.value for m in client.get_metric_history(run_id, key)], [2.5], "metric past MAX_PATH")
    # artifacts through MLflow: needs the mapped drive (/Z: -> /)
    files = sorted(f.path for f in client.list_artifacts(run_id, "notes") + client.list_artifacts(run_id, "configs"))
    eq(files, ["configs/config.yaml", "notes/readme.txt"], "artifacts")
    local = client.download_artifacts(run_id, "notes/readme.txt", dst_path=os.path.join(root, "..", "dl"))
    eq(open(local, "rb").read(), "h\u00e9llo\r\n".encode(), "artifact bytes")
    for f in fails:
        print("FAIL:", f)
    print(f"win_check: {'FAILED' if fails else 'OK'} ({len(loss)} + {len(hist)} points)")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
