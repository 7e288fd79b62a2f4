#!/usr/bin/env python3
"""S3 mirror tests for `mlflow-lite sync SRC s3://bucket/prefix`.

Every case starts its own moto server (moto_launcher.py: 127.0.0.1, SigV4
enforced with an IAM user's keys, raw-URI signature check, request log,
fault injection), runs the real tool, and judges with real clients: the AWS
CLI (`aws s3 sync` pulls the mirror back), boto3 (ETags, bytes) and MLflow
3.18.0 (reads the pulled folder). A peer that cannot start is a failure.

usage: s3_tests.py CASE --tool PATH/mlflow-lite --work DIR
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
AWS = os.path.join(os.path.dirname(PY), "aws")
BUCKET = "mll-bucket"
CASES = {}


def case(fn):
    CASES[fn.__name__.replace("test_", "")] = fn
    return fn


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)
    print("  ok: " + msg, flush=True)


# ---------------------------------------------------------------- peers ----

class Moto:
    def __init__(self, work, tls=False):
        self.info_path = os.path.join(work, "moto.json")
        self.log = open(os.path.join(work, "moto.log"), "w")
        self.p = subprocess.Popen([PY, os.path.join(HERE, "moto_launcher.py"), "--bucket", BUCKET,
                                   "--info", self.info_path] + (["--tls"] if tls else []),
                                  stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 180
        while not os.path.exists(self.info_path):
            if self.p.poll() is not None or time.time() > deadline:
                self.stop()
                raise Fail("moto server did not start (see %s)" % self.log.name)
            time.sleep(0.1)
        with open(self.info_path) as f:
            self.info = json.load(f)
        self.endpoint = self.info["endpoint"]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.log.close()

    def _call(self, path, data=None):
        import ssl
        req = urllib.request.Request(self.endpoint + path, data=data, method="POST" if data is not None else "GET",
                                     headers={"Content-Type": "application/json"})
        ctx = ssl.create_default_context()
        ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
        return json.loads(urllib.request.urlopen(req, timeout=30, context=ctx).read() or b"null")

    def requests(self):
        return self._call("/_mll/log")

    def reset_log(self):
        self._call("/_mll/log/reset", b"{}")

    def fault(self, **spec):
        self._call("/_mll/fault", json.dumps(spec).encode())

    def boto(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", verify=False,
                            aws_access_key_id=self.info["access_key_id"],
                            aws_secret_access_key=self.info["secret_access_key"])


class Env:
    """Tool and AWS CLI environment: only the moto credentials, a private HOME
    (no ~/.aws of the machine), a private state folder."""

    def __init__(self, work, moto):
        self.work = work
        self.moto = moto
        self.home = os.path.join(work, "home")
        os.makedirs(self.home, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and not k.startswith("MLFLOW_S3")}
        base.update({"HOME": self.home, "XDG_STATE_HOME": os.path.join(work, "state"),
                     "AWS_ACCESS_KEY_ID": moto.info["access_key_id"],
                     "AWS_SECRET_ACCESS_KEY": moto.info["secret_access_key"],
                     "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": moto.endpoint,
                     "MLFLOW_ALLOW_FILE_STORE": "true", "AWS_PAGER": ""})
        self.env = base


def run_tool(tool, env, src, dest, *args, expect=0, extra_env=None, timeout=600):
    e = dict(env.env)
    e.update(extra_env or {})
    cmd = [tool, "sync", src, dest, "--json"] + list(args)
    p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout)
    sys.stdout.write("  $ %s -> %d\n" % (" ".join(cmd[1:]), p.returncode))
    if p.stderr.strip():
        sys.stdout.write("".join("    | " + ln + "\n" for ln in p.stderr.strip().splitlines()[-15:]))
    if expect is not None and p.returncode != expect:
        raise Fail("mlflow-lite exit %d, expected %d\nstdout: %s\nstderr: %s" % (p.returncode, expect, p.stdout,
                                                                                  p.stderr))
    summary = None
    for ln in p.stdout.splitlines():
        if ln.startswith("{"):
            summary = json.loads(ln)
    return p, summary


def aws(env, *args, check_rc=True):
    p = subprocess.run([AWS, "--endpoint-url", env.moto.endpoint] + list(args), env=env.env,
                       capture_output=True, text=True, timeout=600)
    if check_rc and p.returncode != 0:
        raise Fail("aws %s failed: %s" % (" ".join(args), p.stderr))
    return p


def puts(reqs):
    return [r for r in reqs if r[0] in ("PUT", "POST")]


def make_fixture(root, big_mib=0):
    args = [PY, os.path.join(HERE, "make_fixture.py"), root]
    if big_mib:
        args += ["--big-mib", str(big_mib)]
    env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true")
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)


def default_experiment(ctx, big_bytes=0):
    """A SRC holding only the Default experiment's meta.yaml, plus a random
    0/big.bin of big_bytes when given."""
    src = os.path.join(ctx.work, "mlruns")
    os.makedirs(os.path.join(src, "0"))
    with open(os.path.join(src, "0", "meta.yaml"), "w") as f:
        f.write("name: Default\n")
    if big_bytes:
        with open(os.path.join(src, "0", "big.bin"), "wb") as f:
            f.write(os.urandom(big_bytes))
    return src


def tree(root):
    out = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def snapshot(root):
    """Everything MLflow 3.18.0 reads from the store at root, artifacts
    included (read through MLflow, by the runs' artifact URIs)."""
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    import mlflow
    from mlflow.entities import ViewType
    from mlflow.tracking import MlflowClient
    uri = "file://" + root
    c = MlflowClient(uri)
    out = {}
    for e in c.search_experiments(view_type=ViewType.ALL):
        runs = {}
        for r in c.search_runs([e.experiment_id], run_view_type=ViewType.ALL, max_results=1000):
            rid = r.info.run_id
            hist = {k: sorted((m.step, m.timestamp, m.value) for m in c.get_metric_history(rid, k))
                    for k in r.data.metrics}
            arts = {}
            with tempfile.TemporaryDirectory() as td:
                local = mlflow.artifacts.download_artifacts(run_id=rid, dst_path=td, tracking_uri=uri)
                for k, v in tree(local).items():
                    arts[k] = v
            runs[rid] = {"name": r.info.run_name, "status": r.info.status, "start": r.info.start_time,
                         "end": r.info.end_time, "stage": r.info.lifecycle_stage, "user": r.info.user_id,
                         "params": dict(r.data.params), "tags": dict(r.data.tags),
                         "metrics": dict(r.data.metrics), "history": hist, "artifacts": arts}
        out[e.experiment_id] = {"name": e.name, "stage": e.lifecycle_stage, "tags": dict(e.tags), "runs": runs}
    return out


def count_runs(snap):
    return sum(len(e["runs"]) for e in snap.values())


def md5_file(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(1 << 20), b""):
            h.update(blk)
    return h.hexdigest()


def multipart_etag(path, part):
    digests = []
    with open(path, "rb") as f:
        for blk in iter(lambda: f.read(part), b""):
            digests.append(hashlib.md5(blk).digest())
    return "%s-%d" % (hashlib.md5(b"".join(digests)).hexdigest(), len(digests))


# ---------------------------------------------------------------- cases ----

def mirror_and_pull_back(ctx, src, prefix):
    """sync, move the source away, aws s3 sync into the same (fresh) path,
    and let MLflow compare; returns (summary, snapshot)."""
    before = snapshot(src)
    check(count_runs(before) >= 5, "fixture has %d runs in %d experiments" % (count_runs(before), len(before)))
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/%s" % (BUCKET, prefix))
    files = tree(src)
    check(summ["files_uploaded"] == len(files) and summ["files_failed"] == 0,
          "first sync uploaded all %d files" % len(files))
    orig = src + ".orig"
    os.rename(src, orig)
    aws(ctx.env, "s3", "sync", "--no-progress", "s3://%s/%s" % (BUCKET, prefix), src)
    check(tree(src) == tree(orig), "aws s3 sync pulled back every file byte for byte (%d files)" % len(files))
    after = snapshot(src)
    check(after == before, "MLflow reads the same experiments, runs, params, tags, metric histories and "
          "artifacts from the pulled copy")
    return summ, before


@case
def test_roundtrip(ctx):
    """Mirror a Python-MLflow store with special-character names, pull it
    back with aws s3 sync, MLflow reads the same data; cross-check keys,
    bytes and ETags with boto3."""
    src = os.path.join(ctx.work, "w", "mlruns")
    make_fixture(src)
    prefix = "team a/mlruns é+=:@"
    mirror_and_pull_back(ctx, src, prefix)
    s3 = ctx.moto.boto()
    files = tree(src)
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        for o in page.get("Contents", []):
            listed[o["Key"][len(prefix) + 1:]] = o["ETag"].strip('"')
    check(set(listed) == set(files), "boto3 lists exactly one key per file, key = prefix + relative path")
    special = [k for k in files if any(ch in k for ch in " +=:@") or any(ord(ch) > 127 for ch in k)]
    check(len(special) >= 5, "%d keys hold spaces, + = : @ or non-ASCII" % len(special))
    for rel in files:
        path = os.path.join(src, rel)
        body = s3.get_object(Bucket=BUCKET, Key=prefix + "/" + rel)["Body"].read()
        if body != open(path, "rb").read():
            raise Fail("GET of %s differs from the file" % rel)
        if listed[rel] != md5_file(path):
            raise Fail("ETag of %s is %s, MD5 is %s" % (rel, listed[rel], md5_file(path)))
    check(True, "boto3 GET of every key equals the file and every ETag equals its MD5")
    out = aws(ctx.env, "s3", "cp", "--no-progress", "s3://%s/%s/%s" % (BUCKET, prefix, special[0]), "-")
    check(out.stdout.encode() == open(os.path.join(src, special[0]), "rb").read(),
          "aws s3 cp of a special-character key gives the file")


@case
def test_roundtrip_mll(ctx):
    """A store written by mlflow_lite.h (plus a run by Python MLflow in it),
    mirrored and pulled back, reads the same in MLflow."""
    src = os.path.join(ctx.work, "w", "mlruns")
    p = subprocess.run([ctx.mll_fixture, src], capture_output=True, text=True)
    if p.returncode != 0:
        raise Fail("mll_fixture failed: %s" % p.stderr)
    make_fixture(src)  # Python MLflow adds its runs to the same store
    mirror_and_pull_back(ctx, src, "from c/é+=:@")


@case
def test_noop_resync(ctx):
    """A second sync of an unchanged folder sends no PUT (request log)."""
    src = os.path.join(ctx.work, "mlruns")
    make_fixture(src)
    dest = "s3://%s/noop" % BUCKET
    _, summ = run_tool(ctx.tool, ctx.env, src, dest, "--dry-run")
    check(puts(ctx.moto.requests()) == [] and summ["dry_run"] and summ["files_uploaded"] == len(tree(src)),
          "--dry-run reports %d uploads and sends no PUT" % summ["files_uploaded"])
    check(not os.path.exists(os.path.join(ctx.work, "state")), "--dry-run writes no record")
    run_tool(ctx.tool, ctx.env, src, dest)
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    reqs = ctx.moto.requests()
    check(puts(reqs) == [], "no-op resync sent no PUT/POST")
    check(reqs == [], "with a fresh record the no-op resync made no request at all (%d)" % len(reqs))
    check(summ["files_uploaded"] == 0 and summ["files_unchanged"] == len(tree(src)), "summary: 0 uploaded, all unchanged")
    _, summ = run_tool(ctx.tool, ctx.env, src, dest, "--reconcile")
    reqs = ctx.moto.requests()
    check(puts(reqs) == [] and [r[0] for r in reqs] == ["GET"],
          "--reconcile verifies with one listing request and sends nothing")


@case
def test_incremental(ctx):
    """Grown, new, touched, remotely deleted files; a lost record; nothing
    deleted remotely without --delete, extras deleted with it."""
    src = os.path.join(ctx.work, "mlruns")
    make_fixture(src)
    dest = "s3://%s/inc" % BUCKET
    s3 = ctx.moto.boto()
    run_tool(ctx.tool, ctx.env, src, dest)
    files = sorted(tree(src))
    metric = next(f for f in files if "/metrics/loss" in f)
    touched = next(f for f in files if f.endswith("config.json"))
    with open(os.path.join(src, metric), "a") as f:
        f.write("1700000000000 0.5 999\n")
    with open(os.path.join(src, "new file +@.txt"), "w") as f:
        f.write("new\n")
    os.utime(os.path.join(src, touched), (time.time() + 100, time.time() + 100))
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    sent = sorted(r[1] for r in puts(ctx.moto.requests()))
    check(len(sent) == 2, "resync sent exactly the grown metric file and the new file: %s" % sent)
    got = s3.get_object(Bucket=BUCKET, Key="inc/" + metric)["Body"].read()
    check(got == open(os.path.join(src, metric), "rb").read(), "the grown file's new bytes are in the bucket")
    check(summ["files_hashed"] >= 1, "the touched file was verified by MD5 instead of re-sent")
    check(sum(1 for r in ctx.moto.requests() if r[0] == "HEAD") == 3 and
          not any("list-type" in r[1] for r in ctx.moto.requests()),
          "the three files without a fresh record were checked by HEAD, no listing")

    # the bucket lost an object behind our back: --reconcile lists, re-sends it
    s3.delete_object(Bucket=BUCKET, Key="inc/" + touched)
    ctx.moto.reset_log()
    run_tool(ctx.tool, ctx.env, src, dest, "--reconcile")
    check(len(puts(ctx.moto.requests())) == 1, "with --reconcile an object deleted in the bucket is sent again")

    # the record is lost: verified against the bucket, nothing re-sent
    shutil.rmtree(os.path.join(ctx.work, "state"))
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(puts(ctx.moto.requests()) == [] and summ["files_hashed"] == len(tree(src)),
          "without the record every file is checked by MD5 against the listing, none re-sent")
    check(not any(p.startswith(".mlflow-lite") for p in os.listdir(src)), "no record inside SRC")

    # a local file removed: kept remotely, unless --delete
    os.remove(os.path.join(src, "new file +@.txt"))
    run_tool(ctx.tool, ctx.env, src, dest)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="inc/")["Contents"]]
    check("inc/new file +@.txt" in keys, "without --delete nothing is deleted in the bucket")
    s3.put_object(Bucket=BUCKET, Key="other/keep.txt", Body=b"outside the prefix")
    _, summ = run_tool(ctx.tool, ctx.env, src, dest, "--delete")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    check("inc/new file +@.txt" not in keys and summ["files_deleted"] == 1, "--delete removed the extra object")
    check("other/keep.txt" in keys, "--delete leaves keys outside the prefix alone")


@case
def test_many_files(ctx):
    """1,100 metric files (and the experiment's meta.yaml): listings span pages
    (continuation tokens), --reconcile and a lost record verify through them,
    --delete pages too."""
    src = os.path.join(ctx.work, "mlruns")
    os.makedirs(os.path.join(src, "0"), exist_ok=True)
    with open(os.path.join(src, "0", "meta.yaml"), "w") as f:  # an MLflow store: the SRC reader wants one
        f.write("artifact_location: file:///x\nexperiment_id: '0'\nlifecycle_stage: active\nname: Default\n")
    for i in range(1100):
        d = os.path.join(src, "0", "run%02d" % (i % 37), "metrics")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "m %d+é" % i), "w") as f:
            f.write("1700000000000 %d.5 %d\n" % (i, i))
    dest = "s3://%s/many" % BUCKET
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(summ["files_uploaded"] == 1101, "1,101 files uploaded")
    out = aws(ctx.env, "s3", "ls", "--recursive", "s3://%s/many/" % BUCKET).stdout
    check(len(out.splitlines()) == 1101, "aws s3 ls lists 1,101 keys")
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest, "--reconcile")
    reqs = ctx.moto.requests()
    check(puts(reqs) == [] and len(reqs) == 2 and "continuation-token=" in reqs[1][1],
          "--reconcile: two listing pages (the second by continuation token), nothing sent")
    shutil.rmtree(os.path.join(ctx.work, "state"))
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(puts(ctx.moto.requests()) == [] and summ["files_hashed"] == 1101,
          "lost record: 1,101 files verified by MD5 against two listing pages, none sent")
    shutil.rmtree(os.path.join(src, "0", "run00"))
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest, "--delete")
    reqs = ctx.moto.requests()
    check([r[0] for r in reqs if "delete=" in r[1]] == ["POST"] and not any(r[0] == "DELETE" for r in reqs),
          "the deletions went in one DeleteObjects request")
    left = len(aws(ctx.env, "s3", "ls", "--recursive", "s3://%s/many/" % BUCKET).stdout.splitlines())
    check(summ["files_deleted"] == 30 and left == 1071, "--delete removed the 30 objects of a removed run")


@case
def test_multipart_64m(ctx):
    """A 64 MiB artifact goes up by multipart (8 parts of 8 MiB, in
    parallel), verified by ETag and by GET; MLflow reads it back."""
    src = os.path.join(ctx.work, "w", "mlruns")
    make_fixture(src, big_mib=64)
    big = next(p for p in tree(src) if p.endswith("big-artifact.bin"))
    check(os.path.getsize(os.path.join(src, big)) == 64 << 20, "fixture has a 64 MiB artifact")
    ctx.moto.reset_log()
    mirror_and_pull_back(ctx, src, "mp")
    parts = [r for r in ctx.moto.requests() if r[0] == "PUT" and "partNumber=" in r[1]]
    check(len(parts) == 8, "8 UploadPart requests")
    s3 = ctx.moto.boto()
    head = s3.head_object(Bucket=BUCKET, Key="mp/" + big)
    want = multipart_etag(os.path.join(src, big), 8 << 20)
    check(head["ETag"].strip('"') == want, "multipart ETag %s = md5(part md5s)-8" % want)
    h = hashlib.sha256(s3.get_object(Bucket=BUCKET, Key="mp/" + big)["Body"].read()).hexdigest()
    check(h == tree(src)[big], "boto3 GET of the 64 MiB object equals the file")
    check(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [], "no multipart upload left open")


@case
def test_resume_after_kill(ctx):
    """SIGKILL during a multipart upload; the next sync resumes it (keeps the
    parts already in the bucket), completes it, and no upload stays open."""
    src = default_experiment(ctx, 64 << 20)
    big = os.path.join(src, "0", "big.bin")
    # parts 5-8 hang (10 minutes, longer than the test) so parts 1-4 land first
    for n in (5, 6, 7, 8):
        ctx.moto.fault(method="PUT", match="partNumber=%d&" % n, count=1, status=503, code="SlowDown", delay=600)
    e = dict(ctx.env.env)
    p = subprocess.Popen([ctx.tool, "sync", src, "s3://%s/kill" % BUCKET, "--json"], env=e,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    s3 = ctx.moto.boto()
    deadline = time.time() + 300  # generous: CI machines can be very busy
    nparts = 0
    while time.time() < deadline:
        ups = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
        if ups:
            nparts = len(s3.list_parts(Bucket=BUCKET, Key=ups[0]["Key"], UploadId=ups[0]["UploadId"])
                         .get("Parts", []))
            if nparts >= 4:
                break
        time.sleep(0.1)
    check(nparts == 4, "4 of 8 parts uploaded while parts 5-8 hang")
    p2, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/kill" % BUCKET, expect=8)
    check("another mlflow-lite sync" in p2.stderr, "a second sync of the same SRC and DEST meanwhile is refused")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    check(p.returncode == -signal.SIGKILL, "mlflow-lite killed with SIGKILL mid-upload")
    ups = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    check(len(ups) == 1, "the interrupted upload is still open in the bucket")
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/kill" % BUCKET, "--verbose")
    reqs = ctx.moto.requests()
    sent = [r for r in reqs if r[0] == "PUT" and "partNumber=" in r[1]]
    check(len(sent) == 4, "the resync sent only the 4 missing parts (%d)" % len(sent))
    check(not any(r[0] == "POST" and r[1].endswith("uploads=") for r in reqs), "no new upload was created")
    check(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [], "list-multipart-uploads is empty")
    head = s3.head_object(Bucket=BUCKET, Key="kill/0/big.bin")
    check(head["ETag"].strip('"') == multipart_etag(big, 8 << 20), "the completed object's ETag is right")
    got = s3.get_object(Bucket=BUCKET, Key="kill/0/big.bin")["Body"].read()
    check(hashlib.sha256(got).hexdigest() == tree(src)["0/big.bin"], "GET equals the file")


@case
def test_auth_errors(ctx):
    """Wrong secret: 403 SignatureDoesNotMatch; unknown key: 403
    InvalidAccessKeyId; clear message, exit 5, no secret printed."""
    src = default_experiment(ctx)
    bad_secret = "WRONGsecret/" + "x" * 28
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/auth" % BUCKET, expect=5,
                    extra_env={"AWS_SECRET_ACCESS_KEY": bad_secret})
    check("SignatureDoesNotMatch" in p.stderr and "403" in p.stderr, "wrong secret: 403 SignatureDoesNotMatch")
    check("AWS_SECRET_ACCESS_KEY" in p.stderr, "the message says what to check")
    check(bad_secret not in p.stderr + p.stdout, "the secret is not printed")
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/auth" % BUCKET, expect=5,
                    extra_env={"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"})
    check("InvalidAccessKeyId" in p.stderr, "unknown key: 403 InvalidAccessKeyId")
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/auth" % BUCKET, "--verbose", expect=0)
    check(ctx.moto.info["secret_access_key"] not in p.stderr + p.stdout, "--verbose does not print the secret")
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://no-such-bucket/x", expect=7)
    check("NoSuchBucket" in p.stderr, "a missing bucket is reported as NoSuchBucket")


@case
def test_session_token(ctx):
    """Temporary credentials of an assumed role: AWS_SESSION_TOKEN is sent
    as a signed x-amz-security-token header and checked by the store; a
    wrong token is refused; the token is never printed."""
    import boto3
    src = default_experiment(ctx)
    sts = boto3.client("sts", endpoint_url=ctx.moto.endpoint, region_name="us-east-1",
                       aws_access_key_id=ctx.moto.info["access_key_id"],
                       aws_secret_access_key=ctx.moto.info["secret_access_key"])
    cr = sts.assume_role(RoleArn=ctx.moto.info["role_arn"], RoleSessionName="mll-test")["Credentials"]
    tmp = {"AWS_ACCESS_KEY_ID": cr["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": cr["SecretAccessKey"],
           "AWS_SESSION_TOKEN": cr["SessionToken"]}
    check(cr["AccessKeyId"].startswith("ASIA"), "assumed the role: temporary key %s..." % cr["AccessKeyId"][:4])
    ctx.moto.reset_log()
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/sess" % BUCKET, "--verbose", extra_env=tmp)
    reqs = ctx.moto.requests()
    check(summ["files_uploaded"] == 1 and all("x-amz-security-token" in r[4] for r in reqs),
          "uploaded with the session token signed on every request")
    check(cr["SessionToken"] not in p.stderr + p.stdout and cr["SecretAccessKey"] not in p.stderr + p.stdout,
          "neither the token nor the secret is printed")
    bad = dict(tmp, AWS_SESSION_TOKEN=cr["SessionToken"][:-4] + "AAAA")
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/sess2" % BUCKET, expect=5, extra_env=bad)
    check("InvalidToken" in p.stderr and "AWS_SESSION_TOKEN" in p.stderr,
          "a wrong session token is refused (InvalidToken), the message names AWS_SESSION_TOKEN")
    nokey = {k: v for k, v in tmp.items() if k != "AWS_SESSION_TOKEN"}
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/sess3" % BUCKET, expect=5, extra_env=nokey)
    check("403" in p.stderr, "temporary keys without their token are refused (403)")


@case
def test_restricted_policy(ctx):
    """Credentials allowed to put, get and list objects but not to list open
    multipart uploads (s3:ListBucketMultipartUploads): multipart uploads
    still work, without resume."""
    src = default_experiment(ctx, 12 << 20)
    big = os.path.join(src, "0", "big.bin")
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/limited" % BUCKET, extra_env={
        "AWS_ACCESS_KEY_ID": ctx.moto.info["put_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": ctx.moto.info["put_secret_access_key"]})
    reqs = ctx.moto.requests()
    check(any(r[0] == "GET" and "uploads=" in r[1] and r[2] == 403 for r in reqs),
          "listing the open uploads was refused (403)")
    check(summ["files_uploaded"] == 2, "both files uploaded anyway")
    h = ctx.moto.boto().head_object(Bucket=BUCKET, Key="limited/0/big.bin")
    check(h["ETag"].strip('"') == multipart_etag(big, 8 << 20), "the multipart object is complete and right")


@case
def test_aws_profile(ctx):
    """Credentials from AWS_PROFILE + ~/.aws/credentials, region and a nested
    s3 endpoint_url/addressing_style from ~/.aws/config; MLFLOW_S3_ENDPOINT_URL
    wins over AWS_ENDPOINT_URL(_S3); virtual-hosted addressing."""
    src = default_experiment(ctx)
    aws_dir = os.path.join(ctx.env.home, ".aws")
    os.makedirs(aws_dir)
    with open(os.path.join(aws_dir, "credentials"), "w") as f:
        f.write("[default]\naws_access_key_id = AKIAWRONGWRONGWRONG1\naws_secret_access_key = nope\n\n"
                "[mll]\naws_access_key_id = %s\naws_secret_access_key = %s\n" %
                (ctx.moto.info["access_key_id"], ctx.moto.info["secret_access_key"]))
    with open(os.path.join(aws_dir, "config"), "w") as f:
        f.write("[profile mll]\nregion = eu-west-3\ns3 =\n  endpoint_url = %s\n  addressing_style = path\n"
                % ctx.moto.endpoint)
    env = {k: v for k, v in ctx.env.env.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                               "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")}
    env["AWS_PROFILE"] = "mll"
    prof = Env.__new__(Env)
    prof.env, prof.moto, prof.work, prof.home = env, ctx.moto, ctx.work, ctx.env.home
    p, summ = run_tool(ctx.tool, prof, src, "s3://%s/profile" % BUCKET, "--verbose")
    check(summ["files_uploaded"] == 1, "credentials, region and endpoint came from the profile files")
    check("credentials file" in p.stderr and "eu-west-3" in p.stderr, "--verbose names the sources, not secrets")
    p, _ = run_tool(ctx.tool, prof, src, "s3://%s/profile" % BUCKET, expect=10,
                    extra_env={"AWS_PROFILE": "nosuch"})
    check("nosuch" in p.stderr, "an unknown profile is a configuration error")
    # MLflow's variable wins over the AWS ones
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/ep" % BUCKET, extra_env={
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9",
        "MLFLOW_S3_ENDPOINT_URL": ctx.moto.endpoint})
    check(summ["files_uploaded"] == 1, "MLFLOW_S3_ENDPOINT_URL overrides AWS_ENDPOINT_URL(_S3)")
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/ep2" % BUCKET, extra_env={
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_S3": ctx.moto.endpoint})
    check(summ["files_uploaded"] == 1, "AWS_ENDPOINT_URL_S3 overrides AWS_ENDPOINT_URL")
    # virtual-hosted addressing: curl resolves BUCKET.localhost to 127.0.0.1
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/virt é+" % BUCKET, extra_env={
        "AWS_ENDPOINT_URL": "http://localhost:%d" % ctx.moto.info["port"],
        "MLFLOW_BOTO_CLIENT_ADDRESSING_STYLE": "virtual"})
    paths = [r[1] for r in ctx.moto.requests()]
    check(summ["files_uploaded"] == 1 and paths and not any(x.startswith("/" + BUCKET) for x in paths),
          "virtual-hosted requests (%s) are signed and accepted" % paths[-1])
    got = ctx.moto.boto().get_object(Bucket=BUCKET, Key="virt é+/0/meta.yaml")["Body"].read()
    check(got == b"name: Default\n", "the virtual-hosted upload is where path-style clients find it")


@case
def test_slowdown_retry(ctx):
    """503 SlowDown on PUT and UploadPart is retried with backoff; the sync
    succeeds and the objects are right."""
    src = default_experiment(ctx, 20 << 20)
    ctx.moto.fault(method="PUT", match="meta.yaml", count=2, status=503, code="SlowDown")
    ctx.moto.fault(method="PUT", match="partNumber=2&", count=1, status=503, code="SlowDown")
    ctx.moto.fault(method="POST", match="uploadId=", count=1, status=500, code="InternalError")
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET)
    reqs = ctx.moto.requests()
    check(sum(1 for r in reqs if r[2] == 503) == 3 and sum(1 for r in reqs if r[2] == 500) == 1,
          "the store answered 503 SlowDown 3 times and 500 once")
    check(p.stderr.count("retry") >= 4, "each retry was announced on one warning line")
    s3 = ctx.moto.boto()
    check(s3.get_object(Bucket=BUCKET, Key="slow/0/meta.yaml")["Body"].read() == b"name: Default\n",
          "the retried PUT landed")
    check(s3.head_object(Bucket=BUCKET, Key="slow/0/big.bin")["ETag"].strip('"') ==
          multipart_etag(os.path.join(src, "0", "big.bin"), 8 << 20), "the retried multipart upload completed")
    # a definite failure aborts the upload: no orphan parts
    with open(os.path.join(src, "0", "big.bin"), "ab") as f:
        f.write(b"grown")
    ctx.moto.fault(method="PUT", match="partNumber=3&", count=1, status=400, code="InvalidArgument")
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET, expect=None)
    check(p.returncode != 0 and "InvalidArgument" in p.stderr, "a 400 on a part fails the file, non-zero exit")
    check(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [],
          "the failed upload was aborted (no orphan upload)")
    run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET)
    check(s3.head_object(Bucket=BUCKET, Key="slow/0/big.bin")["ContentLength"] == (20 << 20) + 5,
          "the next sync sends the grown file")
    # CompleteMultipartUpload answering 200 with an <Error> body (rule 6)
    with open(os.path.join(src, "0", "big.bin"), "ab") as f:
        f.write(b"more")
    ctx.moto.fault(method="POST", match="uploadId=", count=1, status=200, code="InternalError")
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET)
    check("answered 200 with InternalError; retry 1/3" in p.stderr and summ["files_uploaded"] == 1,
          "a 200 Complete answer carrying <Error>InternalError is retried and the upload completes")
    with open(os.path.join(src, "0", "big.bin"), "ab") as f:
        f.write(b"more")
    ctx.moto.fault(method="POST", match="uploadId=", count=4, status=200, code="InternalError")
    p, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET, expect=None)
    check(p.returncode != 0 and "InternalError" in p.stderr, "when the retries run out the file fails")
    check(len(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])) == 1,
          "a transient error keeps the upload for the next run")
    ctx.moto.reset_log()
    run_tool(ctx.tool, ctx.env, src, "s3://%s/slow" % BUCKET)
    reqs = ctx.moto.requests()
    check(not any("partNumber=" in r[1] for r in reqs) and s3.list_multipart_uploads(Bucket=BUCKET)
          .get("Uploads", []) == [], "the next sync completes it without sending a part again")
    check(s3.head_object(Bucket=BUCKET, Key="slow/0/big.bin")["ContentLength"] == (20 << 20) + 13,
          "the object has the new size")


@case
def test_integrity(ctx):
    """Bytes damaged on the way: the store's Content-MD5 check refuses them
    (400 BadDigest), the file fails, a broken multipart upload is aborted,
    the next sync sends good copies. An ETag that is not the MD5 (SSE-KMS
    buckets) is accepted with one warning and recorded."""
    src = default_experiment(ctx)
    with open(os.path.join(src, "0", "other.txt"), "w") as f:
        f.write("fine\n")
    big = os.path.join(src, "0", "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(20 << 20))
    ctx.moto.fault(method="PUT", match="meta.yaml", count=1, mode="corrupt")
    ctx.moto.fault(method="PUT", match="partNumber=2&", count=1, mode="corrupt")
    dest = "s3://%s/integ" % BUCKET
    p, summ = run_tool(ctx.tool, ctx.env, src, dest, expect=6)
    check(p.stderr.count("BadDigest") == 2 and summ["files_failed"] == 2 and summ["files_uploaded"] == 1,
          "both damaged uploads were refused (BadDigest), the good file went through, exit 6")
    s3 = ctx.moto.boto()
    check(s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == [],
          "the multipart upload with a damaged part was aborted")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="integ/").get("Contents", [])]
    check(keys == ["integ/0/other.txt"], "no damaged object exists in the bucket")
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(summ["files_uploaded"] == 2, "the next sync sends the two files")
    check(s3.get_object(Bucket=BUCKET, Key="integ/0/meta.yaml")["Body"].read() == b"name: Default\n" and
          hashlib.sha256(s3.get_object(Bucket=BUCKET, Key="integ/0/big.bin")["Body"].read()).hexdigest() ==
          tree(src)["0/big.bin"], "GET of both equals the files")

    with open(os.path.join(src, "0", "kms.txt"), "w") as f:
        f.write("encrypted at rest\n")
    ctx.moto.fault(method="PUT", match="kms.txt", count=1, mode="etag")
    p, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(summ["files_uploaded"] == 1 and "SSE-KMS" in p.stderr, "a non-MD5 ETag is accepted with a warning")
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, dest)
    check(ctx.moto.requests() == [] and summ["files_unchanged"] == 4, "the resync after it is a no-op")


@case
def test_upload_args(ctx):
    """MLFLOW_S3_UPLOAD_EXTRA_ARGS (as MLflow: boto3 ExtraArgs) become signed
    headers of PutObject and CreateMultipartUpload; MLFLOW_S3_EXPECTED_BUCKET_OWNER
    is signed on every request; every request signs x-amz-content-sha256 and
    none carries Expect (libcurl 7.88 signs an Expect: header it never sends: docs/s3.md)."""
    src = default_experiment(ctx)
    with open(os.path.join(src, "0", "big.bin"), "wb") as f:
        f.write(os.urandom(10 << 20))
    extra = {"MLFLOW_S3_UPLOAD_EXTRA_ARGS": json.dumps({"ServerSideEncryption": "AES256",
                                                         "Metadata": {"team": "ml-ops"},
                                                         "StorageClass": "STANDARD_IA"}),
             "MLFLOW_S3_EXPECTED_BUCKET_OWNER": "123456789012"}
    ctx.moto.reset_log()
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/extra" % BUCKET, extra_env=extra)
    reqs = ctx.moto.requests()
    check(summ["files_uploaded"] == 2, "both files uploaded")
    s3 = ctx.moto.boto()
    for key in ("extra/0/meta.yaml", "extra/0/big.bin"):
        h = s3.head_object(Bucket=BUCKET, Key=key)
        if (h.get("ServerSideEncryption"), h.get("Metadata"), h.get("StorageClass")) != \
                ("AES256", {"team": "ml-ops"}, "STANDARD_IA"):
            raise Fail("%s: %s %s %s" % (key, h.get("ServerSideEncryption"), h.get("Metadata"),
                                         h.get("StorageClass")))
    check(True, "single PUT and multipart objects carry the encryption, metadata and storage class")
    check(all("x-amz-expected-bucket-owner" in r[4] for r in reqs), "every request signs x-amz-expected-bucket-owner")
    check(all("x-amz-content-sha256" in r[4] and "host" in r[4] and "expect" not in r[4] for r in reqs),
          "every request signs host and x-amz-content-sha256, none signs Expect (%d requests)" % len(reqs))
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/extra2" % BUCKET, expect=10,
                    extra_env={"MLFLOW_S3_UPLOAD_EXTRA_ARGS": '{"GrantRead": "x"}'})
    check("GrantRead" in p.stderr, "an unsupported ExtraArgs key is a configuration error")


@case
def test_tls(ctx):
    """HTTPS store with a self-signed certificate: verified by default (the
    sync fails), MLFLOW_S3_IGNORE_TLS=true and --insecure turn checks off."""
    src = default_experiment(ctx)
    check(ctx.moto.endpoint.startswith("https://"), "moto serves HTTPS on %s" % ctx.moto.endpoint)
    p, _ = run_tool(ctx.tool, ctx.env, src, "s3://%s/tls" % BUCKET, expect=4)
    check("certificate" in p.stderr.lower(), "a self-signed certificate is refused by default")
    check(ctx.moto.requests() == [], "nothing reached the store")
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/tls" % BUCKET, extra_env={"MLFLOW_S3_IGNORE_TLS": "true"})
    check(summ["files_uploaded"] == 1, "MLFLOW_S3_IGNORE_TLS=true skips the check, as in MLflow")
    _, summ = run_tool(ctx.tool, ctx.env, src, "s3://%s/tls2" % BUCKET, "--insecure")
    check(summ["files_uploaded"] == 1, "--insecure skips the check")
    got = ctx.moto.boto().get_object(Bucket=BUCKET, Key="tls/0/meta.yaml")["Body"].read()
    check(got == b"name: Default\n", "the object arrived over HTTPS")


@case
def test_rest_artifacts(ctx):
    """Tracking-server sync whose runs get s3:// artifact URIs (mlflow server
    --default-artifact-root s3://…, --no-serve-artifacts): the artifacts go
    to S3 through the same client, and MLflow downloads them from there."""
    sys.path.insert(0, os.path.join(os.path.dirname(HERE), "common"))
    from mlflow_server import MlflowServer
    src = os.path.join(ctx.work, "mlruns")
    make_fixture(src)
    aws_env = {k: v for k, v in ctx.env.env.items() if k.startswith("AWS_")}
    aws_env["MLFLOW_S3_ENDPOINT_URL"] = ctx.moto.endpoint
    srv = MlflowServer(os.path.join(ctx.work, "server"), env=aws_env, start_timeout=600,
                       extra_args=["--no-serve-artifacts", "--default-artifact-root",
                                   "s3://%s/server-root" % BUCKET])
    srv.start()
    try:
        p = subprocess.run([ctx.tool, "sync", src, srv.url], env=ctx.env.env, capture_output=True, text=True,
                           timeout=600)
        sys.stdout.write("  $ sync %s %s -> %d\n%s" % (src, srv.url, p.returncode, p.stderr[-2000:]))
        check(p.returncode == 0, "mlflow-lite sync to the server succeeded")
        keys = [o["Key"] for o in ctx.moto.boto().list_objects_v2(Bucket=BUCKET, Prefix="server-root/")
                .get("Contents", [])]
        check(len(keys) > 0, "%d artifact objects landed under s3://%s/server-root/" % (len(keys), BUCKET))
        os.environ.update(aws_env)
        import mlflow
        from mlflow.entities import ViewType
        from mlflow.tracking import MlflowClient
        local = MlflowClient("file://" + src)
        remote = MlflowClient(srv.url)
        n = 0
        for e in local.search_experiments(view_type=ViewType.ACTIVE_ONLY):
            for r in local.search_runs([e.experiment_id], run_view_type=ViewType.ACTIVE_ONLY):
                found = remote.search_runs(
                    [x.experiment_id for x in remote.search_experiments(view_type=ViewType.ALL)],
                    filter_string="attributes.run_name = '%s'" % r.info.run_name.replace("'", "\\'"),
                    run_view_type=ViewType.ALL)
                found = [f for f in found if f.info.start_time == r.info.start_time]
                if len(found) != 1:
                    raise Fail("run %s not found once on the server (%d)" % (r.info.run_name, len(found)))
                rr = found[0]
                if not rr.info.artifact_uri.startswith("s3://%s/server-root/" % BUCKET):
                    raise Fail("remote artifact_uri %s is not on S3" % rr.info.artifact_uri)
                with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
                    la = mlflow.artifacts.download_artifacts(run_id=r.info.run_id, dst_path=a,
                                                             tracking_uri="file://" + src)
                    ra = mlflow.artifacts.download_artifacts(run_id=rr.info.run_id, dst_path=b,
                                                             tracking_uri=srv.url)
                    if tree(la) != tree(ra):
                        raise Fail("artifacts of %s differ: %s vs %s" % (r.info.run_name, sorted(tree(la)),
                                                                         sorted(tree(ra))))
                n += 1
        check(n >= 4, "MLflow (boto3 to the same moto) downloads the same artifacts for all %d runs" % n)
    finally:
        srv.stop()


# ----------------------------------------------------------------- main ----

class Ctx:
    pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--tool", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--mll-fixture", default="")
    a = ap.parse_args()
    if not os.access(a.tool, os.X_OK):
        print("FAIL: the tool %s is not built" % a.tool)
        return 1
    work = os.path.join(a.work, a.case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    ctx = Ctx()
    ctx.tool, ctx.work, ctx.mll_fixture = a.tool, work, a.mll_fixture
    ctx.moto = Moto(work, tls=(a.case == "tls"))
    try:
        ctx.env = Env(work, ctx.moto)
        print("%s: %s" % (a.case, CASES[a.case].__doc__.strip().splitlines()[0]), flush=True)
        CASES[a.case](ctx)
    except Fail as e:
        print("FAIL: %s" % e, flush=True)
        return 1
    finally:
        ctx.moto.stop()
    print("PASS", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
