#!/usr/bin/env python3
"""moto's S3 server for the mlflow-lite S3 tests, bound to 127.0.0.1, with
SigV4 checking ON and three test-only additions.

1. RAW_URI signatures. moto 5.2.x checks a signature against werkzeug's
   re-quoted `request.url`, so a key with `+ = : @ ,` or non-ASCII (or a list
   `prefix` holding `/`) gets 403 even from boto3. We hand moto's
   authenticator the URI exactly as it arrived on the wire (RAW_URI), which is
   what every client signs.
2. A request log: GET /_mll/log returns [[method, raw_uri, status, seconds,
   signed header names], ...];
   POST /_mll/log/reset clears it. Tests count PUTs with it.
3. Fault injection: POST /_mll/fault with JSON
   {"method": "PUT", "match": "partNumber=", "count": 2, "status": 503,
    "code": "SlowDown", "delay": 0} answers the next `count` matching
   requests with that S3 error instead of passing them to moto, after
   sleeping `delay` seconds; with "status": 0 the request is only delayed.
   "mode": "corrupt" flips the first body byte on the way in; "mode": "etag"
   answers a random ETag (as buckets with SSE-KMS encryption do).
4. Content-MD5 is checked as S3 does (400 BadDigest); moto does not check it.

Setup: creates IAM user `mll` with an s3:* (and sts:AssumeRole) policy, an
access key, a role `mll-role` it may assume (s3:*), a user `mll-put` limited
to Put/Get/ListBucket/AbortMultipartUpload, and the buckets given with
--bucket, all before auth is turned on (reset-auth 0).
Prints one JSON line {"port", "endpoint", "access_key_id", "secret_access_key", "role_arn"}
to stdout (and to --info FILE), then serves until killed.
"""
import argparse
import base64
import hashlib
import io
import json
import os
import sys
import threading
import time

os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

from moto.core import authorization  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication, create_backend_app)
from werkzeug.serving import make_server  # noqa: E402
import logging  # noqa: E402
logging.getLogger("werkzeug").setLevel(logging.ERROR)

_orig_auth = authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action


def _auth_with_raw_uri(self, iam_request_cls, resource="*"):
    raw = None
    req = getattr(self, "request", None)
    env = getattr(req, "environ", None)
    if env is not None:
        raw = env.get("RAW_URI") or env.get("REQUEST_URI")
    if not raw:
        return _orig_auth(self, iam_request_cls, resource)
    saved = self.uri
    try:
        self.uri = "http://" + env.get("HTTP_HOST", "127.0.0.1") + raw
        return _orig_auth(self, iam_request_cls, resource)
    finally:
        self.uri = saved


authorization.ActionAuthenticatorMixin._authenticate_and_authorize_action = _auth_with_raw_uri


class TestApp:
    def __init__(self, inner):
        self.inner = inner
        self.lock = threading.Lock()
        self.log = []
        self.faults = []

    def _json(self, start_response, obj, status="200 OK"):
        body = json.dumps(obj).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(body)))])
        return [body]

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "")
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI") or path
        if path == "/_mll/log":
            with self.lock:
                return self._json(start_response, list(self.log))
        if path == "/_mll/log/reset":
            with self.lock:
                self.log.clear()
            return self._json(start_response, {})
        if path == "/_mll/fault":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(n) or b"{}")
            with self.lock:
                self.faults.append(spec)
            return self._json(start_response, {})
        with self.lock:
            fault = None
            for f in self.faults:
                if f.get("count", 0) > 0 and f.get("method", method) == method \
                        and f.get("match", "") in raw:
                    f["count"] -= 1
                    fault = f
                    break
        if fault is not None and fault.get("delay"):
            time.sleep(float(fault["delay"]))
            if not fault.get("status"):
                fault = None  # a slow request that then goes through
        mode = fault.get("mode", "error") if fault is not None else None
        if mode == "error":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            if n:
                environ["wsgi.input"].read(n)
            code = fault.get("code", "SlowDown")
            status = int(fault.get("status", 503))
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                    "<Message>injected by the test</Message></Error>" % code).encode()
            with self.lock:
                self.log.append([method, raw, status])
            start_response("%d Injected" % status,
                           [("Content-Type", "application/xml"),
                            ("Content-Length", str(len(body)))])
            return [body]
        # S3 checks Content-MD5 against the bytes received; moto does not.
        md5_hdr = environ.get("HTTP_CONTENT_MD5")
        streaming = "aws-chunked" in environ.get("HTTP_CONTENT_ENCODING", "") or \
            environ.get("HTTP_X_AMZ_CONTENT_SHA256", "").startswith("STREAMING")
        if (md5_hdr is not None and not streaming) or mode == "corrupt":
            n = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(n) if n else b""
            if mode == "corrupt" and body:  # a byte flipped on the way
                body = bytes([body[0] ^ 0xFF]) + body[1:]
            environ["wsgi.input"] = io.BytesIO(body)
            if md5_hdr is not None and not streaming and \
                    base64.b64encode(hashlib.md5(body).digest()).decode() != md5_hdr.strip():
                err = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>BadDigest</Code><Message>"
                       b"The Content-MD5 you specified did not match what we received.</Message></Error>")
                with self.lock:
                    self.log.append([method, raw, 400])
                start_response("400 Bad Request", [("Content-Type", "application/xml"),
                                                   ("Content-Length", str(len(err)))])
                return [err]
        seen = {}

        def sr(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            if mode == "etag":  # as a bucket with SSE-KMS answers: an ETag that is not the MD5
                headers = [(k, '"%s"' % hashlib.md5(os.urandom(8)).hexdigest()) if k.lower() == "etag" else (k, v)
                           for k, v in headers]
            return start_response(status, headers, exc_info)

        t0 = time.time()
        auth = environ.get("HTTP_AUTHORIZATION", "")
        signed = auth.partition("SignedHeaders=")[2].partition(",")[0].split(";") if auth else []
        out = self.inner(environ, sr)
        with self.lock:
            self.log.append([method, raw, seen.get("status", 0), round(time.time() - t0, 4), signed])
        return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--bucket", action="append", default=[])
    ap.add_argument("--info", default=None)
    ap.add_argument("--tls", action="store_true", help="HTTPS with a self-signed certificate")
    args = ap.parse_args()

    app = TestApp(DomainDispatcherApplication(create_backend_app))
    srv = make_server("127.0.0.1", args.port, app, threaded=True, ssl_context="adhoc" if args.tls else None)
    port = srv.server_port
    endpoint = "%s://127.0.0.1:%d" % ("https" if args.tls else "http", port)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()

    import boto3
    import urllib.request
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", verify=False,
              aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="mll")
    iam.put_user_policy(UserName="mll", PolicyName="s3all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:*", "sts:AssumeRole"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="mll")["AccessKey"]
    # a role the user may assume: its temporary keys need x-amz-security-token
    role = iam.create_role(RoleName="mll-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:user/mll"}}]}))["Role"]
    iam.put_role_policy(RoleName="mll-role", PolicyName="s3all", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    # a user who may put, get and list objects but not list open uploads
    iam.create_user(UserName="mll-put")
    iam.put_user_policy(UserName="mll-put", PolicyName="putonly", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "s3:PutObject", "s3:GetObject", "s3:ListBucket", "s3:AbortMultipartUpload"]}]}))
    put_key = iam.create_access_key(UserName="mll-put")["AccessKey"]
    s3 = boto3.client("s3", **kw)
    for b in args.bucket:
        s3.create_bucket(Bucket=b)
    req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"0",
                                 headers={"Content-Type": "text/plain"}, method="POST")
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    urllib.request.urlopen(req, context=ctx).read()
    with app.lock:
        app.log.clear()
    info = {"port": port, "endpoint": endpoint,
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"], "role_arn": role["Arn"],
            "put_access_key_id": put_key["AccessKeyId"], "put_secret_access_key": put_key["SecretAccessKey"]}
    line = json.dumps(info)
    if args.info:
        tmp = args.info + ".tmp"
        with open(tmp, "w") as f:
            f.write(line + "\n")
        os.rename(tmp, args.info)
    print(line, flush=True)
    try:
        t.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
