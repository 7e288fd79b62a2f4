"""Sync one corpus folder to a fresh real MLflow server and compare every field.

    test_corpus.py TOOL FOLDER [--mlflow 3.18|2.22] [--backend sqlite|file] [--repeat N] [-- SYNC OPTIONS]

FOLDER holds mlruns/ (a generated folder of tests/corpus/generated/, or a
real one extracted as tests/corpus/SOURCES.md says). Each repetition copies
it, starts a fresh server, runs `mlflow-lite sync` with the default options
(plus SYNC OPTIONS), and then:
  1. the sync exits 0 (against an MLflow 2.x server, with LoggedModels in the
     folder: exits 6 and says once that the server has no LoggedModel endpoints);
  2. expected.compare(): what MLflow 3.18 reads from the folder equals what it
     reads from the server, field by field (experiments, runs, params, tags,
     metric histories, dataset inputs, outputs, artifacts byte for byte,
     LoggedModels, registry versions with their numbers, sources, stages,
     aliases); every difference is printed;
  3. a second sync sends no data (no points, params, tags, artifacts, registry
     writes) and the comparison still holds.
Any failure in any repetition fails the test (ctest label "corpus"). A server
that does not start is a failure, never a skip.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "common"))
import expected  # noqa: E402
from mlflow_server import MlflowServer, ServerError  # noqa: E402

QUIET_FIELDS = ("metric_points_sent", "params_sent", "tags_sent", "artifacts_uploaded", "artifact_bytes",
                "runs_created", "registry_versions_created", "registry_writes")


def run_sync(tool, src, url, extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_TRACKING_", "DATABRICKS_"))}
    t = time.monotonic()
    p = subprocess.run([tool, "sync", "--json", *extra, src, url], capture_output=True, text=True, env=env,
                       timeout=1800)
    dt = time.monotonic() - t
    summary = None
    for line in reversed(p.stdout.splitlines()):
        if line.strip().startswith("{"):
            summary = json.loads(line)
            break
    return p, summary, dt


def one_pass(tool, folder, args, k):
    """One repetition; returns the list of problems found."""
    wd = tempfile.mkdtemp(prefix=f"mll-corpus-{os.path.basename(folder)}-")
    problems = []
    try:
        src = os.path.join(wd, "mlruns")
        shutil.copytree(os.path.join(folder, "mlruns"), src, symlinks=True)
        expected.restore_empty_dirs(src)  # git keeps none; MLflow made them
        local = expected.dump_local(src)
        with MlflowServer(os.path.join(wd, "server"), mlflow=args.mlflow, backend=args.backend,
                          start_timeout=300) as srv:
            p, s, dt = run_sync(tool, src, srv.url, args.sync_options)
            print(f"[{k}] sync: exit {p.returncode} in {dt:.2f} s: {short_summary(s)}")
            # a 2.x server has no LoggedModels: the sync must say so once, by name, and exit 6
            no_models = args.mlflow.startswith("2.") and bool(local["logged_models"])
            problems += exit_problems("sync", p, no_models)
            diffs = expected.compare(local, expected.dump_remote(srv.url))
            for n in diffs.notes:
                print(f"[{k}] note (accepted): {n}")
            problems += [f"after the first sync: {d}" for d in diffs]
            p2, s2, dt2 = run_sync(tool, src, srv.url, args.sync_options)
            print(f"[{k}] second sync: exit {p2.returncode} in {dt2:.2f} s: {short_summary(s2)}")
            problems += second_sync_problems(p2, s2, no_models)
            if not diffs:
                problems += [f"after the second sync: {d}" for d in expected.compare(local, expected.dump_remote(srv.url))]
    finally:
        if not problems:
            shutil.rmtree(wd, ignore_errors=True)
        else:
            print(f"[{k}] kept for inspection: {wd}")
    return problems


NO_MODELS_MESSAGE = "the server has no LoggedModel endpoints"


def exit_problems(what, p, no_models):
    if not no_models:
        return [] if p.returncode == 0 else [f"{what} exited {p.returncode}: {p.stderr.strip()[-1500:]}"]
    said = p.stderr.count(NO_MODELS_MESSAGE)
    if p.returncode != 6 or said != 1:
        return [f"{what} against a server without LoggedModels: exit {p.returncode} (6 expected), "
                f"{NO_MODELS_MESSAGE!r} said {said} times (once expected): {p.stderr.strip()[-1500:]}"]
    return []


def second_sync_problems(p, s, no_models=False):
    problems = exit_problems("second sync", p, no_models)
    if problems:
        return problems
    if s is None:
        return ["second sync printed no JSON summary"]
    return [f"second sync sent data: {f} = {s[f]}" for f in QUIET_FIELDS if s.get(f)]


def short_summary(s):
    if not s:
        return "(no summary)"
    keys = ("runs_total", "runs_created", "runs_failed", "metric_points_sent", "artifacts_uploaded",
            "registry_versions_created", "registry_failed", "http_requests")
    return ", ".join(f"{k}={s.get(k)}" for k in keys)


def parse(argv):
    a = argparse.ArgumentParser()
    a.add_argument("tool")
    a.add_argument("folder")
    a.add_argument("--mlflow", default="3.18", choices=("3.18", "2.22"))
    a.add_argument("--backend", default="sqlite", choices=("sqlite", "file"))
    a.add_argument("--repeat", type=int, default=1)
    a.add_argument("sync_options", nargs="*")
    return a.parse_args(argv)


def main(argv):
    args = parse(argv)
    folder = os.path.abspath(args.folder)
    if not os.path.isdir(os.path.join(folder, "mlruns")):
        print(f"FAIL: {folder} holds no mlruns/")
        return 1
    print(f"{os.path.basename(folder)} -> MLflow {args.mlflow} server, {args.backend} backend, "
          f"{args.repeat} time(s), sync options {args.sync_options or '(default)'}")
    failed = 0
    for k in range(1, args.repeat + 1):
        try:
            problems = one_pass(os.path.abspath(args.tool), folder, args, k)
        except ServerError as e:
            problems = [f"server: {e}"]
        for line in problems:
            print(f"[{k}] FAIL {line}")
        failed += bool(problems)
    print(f"{args.repeat - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
