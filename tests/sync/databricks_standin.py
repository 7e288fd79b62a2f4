"""A small local stand-in for the Databricks endpoints mlflow-lite uses. It is
NOT Databricks: a real workspace cannot be reached from the test machine, so
this reproduces the documented behaviour mlflow-lite depends on:

  - every /api/2.0/* call needs `Authorization: Bearer <PAT>` (or, for the
    legacy username/password profiles, HTTP Basic); 401 otherwise, with the
    JSON error body Databricks sends;
  - /api/2.0/mlflow/* tracking calls are the open-source MLflow REST API (the
    stand-in forwards them to a real `mlflow server` whose runs get
    dbfs:/databricks/mlflow-tracking/<exp>/<run>/artifacts URIs, as on
    Databricks);
  - POST /api/2.0/mlflow/artifacts/credentials-for-write {run_id, path:[...]}
    answers {"credential_infos":[{run_id, path, signed_uri, type:
    "AWS_PRESIGNED_URL", headers:[{name, value}]}]} (databricks_artifacts.proto);
  - the signed URL is a plain PUT target (here: this process, under /signed/),
    which rejects requests that carry an Authorization header (a PAT must
    never be sent to cloud storage), lack the required header, or lack the
    signature query; the bytes land in `storage/<run_id>/<path>`.
"""
import http.client
import http.server
import json
import os
import threading
import urllib.parse


class _H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, status, obj=None, raw=None):
        data = raw if raw is not None else json.dumps(obj or {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _all(self):
        s = self.server
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        with s.lock:
            s.log.append((self.command, u.path, self.headers.get("Authorization")))
        if u.path.startswith("/signed/"):
            q = urllib.parse.parse_qs(u.query)
            if self.headers.get("Authorization"):
                return self._send(400, raw=b"<Error><Code>InvalidArgument</Code><Message>Authorization header sent to a presigned URL</Message></Error>")
            if "X-Amz-Signature" not in q or self.headers.get("x-amz-server-side-encryption") != "AES256":
                return self._send(403, raw=b"<Error><Code>SignatureDoesNotMatch</Code></Error>")
            rel = urllib.parse.unquote(u.path[len("/signed/"):])
            dst = os.path.join(s.storage, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(body)
            self.send_response(200)
            self.send_header("ETag", '"x"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        import base64
        basic = "Basic " + base64.b64encode(f"{s.basic[0]}:{s.basic[1]}".encode()).decode() if s.basic else None
        if self.headers.get("Authorization") not in (f"Bearer {s.token}", basic):
            return self._send(401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."})
        if u.path == "/api/2.0/mlflow/artifacts/credentials-for-write":
            req = json.loads(body or b"{}")
            infos = []
            for p in req.get("path", []):
                url = (f"http://127.0.0.1:{s.server_address[1]}/signed/{req['run_id']}/"
                       f"{urllib.parse.quote(p)}?X-Amz-Signature=deadbeef&X-Amz-Expires=900")
                infos.append({"run_id": req["run_id"], "path": p, "signed_uri": url, "type": "AWS_PRESIGNED_URL",
                              "headers": [{"name": "x-amz-server-side-encryption", "value": "AES256"}]})
            return self._send(200, {"credential_infos": infos})
        if not u.path.startswith("/api/2.0/mlflow/"):
            return self._send(404, {"error_code": "ENDPOINT_NOT_FOUND", "message": "No API found"})
        up = urllib.parse.urlsplit(s.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
        hdrs = {"Content-Type": "application/json"}
        conn.request(self.command, self.path, body=body if n else None, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        self._send(r.status, raw=data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _all


class DatabricksStandin:
    def __init__(self, upstream, storage, token, basic=None):
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.httpd.upstream = upstream
        self.httpd.storage = storage
        self.httpd.token = token
        self.httpd.basic = basic  # (username, password) accepted as HTTP Basic too, as legacy workspaces did
        self.httpd.lock = threading.Lock()
        self.httpd.log = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def log(self):
        with self.httpd.lock:
            return list(self.httpd.log)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()
