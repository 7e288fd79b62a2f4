#!/usr/bin/env python3
"""badserver.py — a small misbehaving HTTP server for mlflow-lite's tests.

Python standard library only. Binds 127.0.0.1 (port 0 = any free port) and
prints one line "PORT <n>" on stdout when it is ready. Each request is matched
against the rules in order; the first rule that matches answers (or
misbehaves). A request no rule matches is passed through to --upstream (e.g. a
real `mlflow server`), or answered 404 ENDPOINT_NOT_FOUND without one. So a
test can put it in front of a real server and corrupt exactly one endpoint.

    badserver.py [--rules FILE.json] [--rule JSON]... [--upstream URL] [--port N] [--log FILE.jsonl]

RULES: a JSON list (FILE) and/or single rules (--rule, repeatable, checked
after the file's), each an object:

  match (all given must hold):
    "method"        "POST", "PUT", ... or "*" (default "*")
    "path"          exact path, without the query             e.g. "/api/2.0/mlflow/runs/log-batch"
    "path_prefix"   the path starts with this
    "path_suffix"   the path ends with this
    "body_contains" the request body contains this text
    "times"         answer only the first N matching requests (then the rule is
                    used up and later rules / the upstream answer)
  answer:
    "status"        HTTP status (default 200)
    "headers"       {"Name": "value"} (default Content-Type: application/json
                    when the body is JSON, else none)
    "body"          text sent as is ("{self}" is replaced by http://127.0.0.1:PORT)
    "body_json"     any JSON value, serialized ("{self}" replaced in strings)
    "delay"         seconds to wait before answering
  misbehaviour instead of a plain answer ("action"):
    "html"          200 text/html login page (status/body may override)
    "truncate"      sends "Content-Length: len(body)+100", then the body, then closes
    "gzip_bomb"     200, Content-Encoding: gzip, a real gzip stream that inflates
                    to "size" bytes of zeros (default 2 GiB; the wire carries ~1/1000)
    "huge"          200 with "size" bytes of JSON-looking text ("chunked": true
                    to leave out Content-Length)
    "drip"          headers, then the body one byte every "interval" seconds
    "stall"         reads the request, then says nothing for "seconds" (default 3600)
    "reset"         reads the request, then resets the connection (RST)
    "close"         reads the request, then closes without a word
    "proxy"         passes the request to --upstream (explicitly)

Control endpoints (never matched by rules):
    GET  /__badserver/requests   the requests seen so far, as a JSON list of
                                 {"method","path","query","headers","body"} (body
                                 cut at 64 KiB, as text with errors replaced)
    POST /__badserver/reset      forgets the requests and re-arms used-up rules
    POST /__badserver/rules      replaces the command-line rules with the JSON
                                 list in the body (answers {})

Example (an HTML "login page" for every log-batch, the rest from a real server):
    badserver.py --upstream http://127.0.0.1:5000 \
      --rule '{"method":"POST","path":"/api/2.0/mlflow/runs/log-batch","action":"html"}'
"""
import argparse
import http.client
import http.server
import json
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
import zlib

LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>login</form></body></html>"
MAX_LOGGED_BODY = 64 * 1024


class State:
    def __init__(self, rules, upstream, log_path):
        self.lock = threading.Lock()
        self.rules = rules
        self.used = {}
        self.requests = []
        self.upstream = upstream
        self.log_path = log_path
        self.bombs = {}
        self.port = 0

    def pick(self, method, path, body):
        with self.lock:
            for i, r in enumerate(self.rules):
                if not rule_matches(r, method, path, body):
                    continue
                if "times" in r:
                    if self.used.get(i, 0) >= int(r["times"]):
                        continue
                    self.used[i] = self.used.get(i, 0) + 1
                return r
        return None

    def record(self, method, path, query, headers, body):
        entry = {"method": method, "path": path, "query": query, "headers": dict(headers.items()),
                 "body": body[:MAX_LOGGED_BODY].decode("utf-8", "replace")}
        with self.lock:
            self.requests.append(entry)
            if self.log_path:
                with open(self.log_path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(entry) + "\n")

    def gzip_bomb(self, size):
        with self.lock:
            if size not in self.bombs:
                self.bombs[size] = make_gzip_bomb(size)
            return self.bombs[size]


def rule_matches(r, method, path, body):
    m = r.get("method", "*")
    if m != "*" and m.upper() != method:
        return False
    if "path" in r and r["path"] != path:
        return False
    if "path_prefix" in r and not path.startswith(r["path_prefix"]):
        return False
    if "path_suffix" in r and not path.endswith(r["path_suffix"]):
        return False
    if "body_contains" in r and r["body_contains"].encode() not in body:
        return False
    return True


def make_gzip_bomb(size):
    """A gzip member of `size` zero bytes, built from one repeated deflate
    block: a full flush resets the dictionary, so every further 1 MiB of
    zeros compresses to the same bytes, which are copied, not recomputed."""
    mib = 1 << 20
    zeros = bytes(mib)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    n = max(2, size // mib)
    tail = c.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(n):  # the trailer is right, for a client that gets that far
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc & 0xFFFFFFFF, (n * mib) & 0xFFFFFFFF)
    return header + first + block * (n - 1) + tail + trailer


def subst(value, base):
    if isinstance(value, str):
        return value.replace("{self}", base)
    if isinstance(value, list):
        return [subst(v, base) for v in value]
    if isinstance(value, dict):
        return {k: subst(v, base) for k, v in value.items()}
    return value


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "badserver/1"

    def log_message(self, fmt, *args):  # quiet: tests read /__badserver/requests
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(n)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Expect", "").lower() == "100-continue":
            self.send_response_only(100)
            self.end_headers()
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        st = self.server.state
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, url.query
        body = self.read_body()
        if path.startswith("/__badserver/"):
            return self.control(path, body)
        st.record(self.command, path, query, self.headers, body)
        rule = st.pick(self.command, path, body)
        if rule is None or rule.get("action") == "proxy":
            if st.upstream:
                return self.proxy(body)
            return self.answer(404, {"Content-Type": "application/json"},
                               b'{"error_code": "ENDPOINT_NOT_FOUND", "message": "no rule and no upstream"}')
        if rule.get("delay"):
            time.sleep(float(rule["delay"]))
        return self.misbehave(rule)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any

    def control(self, path, body):
        st = self.server.state
        if path == "/__badserver/requests":
            with st.lock:
                data = json.dumps(st.requests).encode()
            return self.answer(200, {"Content-Type": "application/json"}, data)
        if path == "/__badserver/reset":
            with st.lock:
                st.requests = []
                st.used = {}
            return self.answer(200, {"Content-Type": "application/json"}, b"{}")
        if path == "/__badserver/rules":
            rules = json.loads(body or b"[]")
            with st.lock:
                st.rules = rules
                st.used = {}
            return self.answer(200, {"Content-Type": "application/json"}, b"{}")
        return self.answer(404, {}, b"")

    def rule_body(self, rule):
        base = "http://127.0.0.1:%d" % self.server.state.port
        if "body_json" in rule:
            return json.dumps(subst(rule["body_json"], base)).encode(), "application/json"
        if "body" in rule:
            return subst(rule["body"], base).encode(), None
        return b"", None

    def misbehave(self, rule):
        action = rule.get("action", "respond")
        status = int(rule.get("status", 200))
        body, ctype = self.rule_body(rule)
        headers = dict(rule.get("headers", {}))
        if ctype and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = ctype
        if action == "html":
            if not body:
                body = LOGIN_PAGE
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            return self.answer(status, headers, body)
        if action == "respond":
            return self.answer(status, headers, body)
        if action == "truncate":
            return self.answer(status, headers, body, length=len(body) + 100, close=True)
        if action == "gzip_bomb":
            bomb = self.server.state.gzip_bomb(int(rule.get("size", 2 << 30)))
            headers.setdefault("Content-Type", "application/json")
            headers["Content-Encoding"] = "gzip"
            return self.answer(status, headers, bomb)
        if action == "huge":
            return self.huge(status, headers, int(rule.get("size", 100 << 20)), rule.get("chunked", False))
        if action == "drip":
            return self.drip(status, headers, body or b'{"experiment_id": "1"}', float(rule.get("interval", 0.5)))
        if action == "stall":
            time.sleep(float(rule.get("seconds", 3600)))
            self.close_connection = True
            return None
        if action in ("reset", "close"):
            if action == "reset":  # SO_LINGER 0: close() sends RST
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return None
        return self.answer(500, {"Content-Type": "text/plain"}, ("unknown action %s" % action).encode())

    def answer(self, status, headers, body, length=None, close=False):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
        if close:
            self.close_connection = True

    def huge(self, status, headers, size, chunked):
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, v)
        piece = b'{"x": "' + b"y" * (1 << 16) + b'"},'
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = 0
        try:
            while sent < size:
                chunk = piece[: min(len(piece), size - sent)]
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    self.wfile.write(chunk)
                sent += len(chunk)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def drip(self, status, headers, body, interval):
        self.send_response(status)
        headers.setdefault("Content-Type", "application/json")
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def proxy(self, body):
        up = urllib.parse.urlsplit(self.server.state.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port or 80, timeout=600)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "transfer-encoding", "expect", "content-length")}
        headers["Content-Length"] = str(len(body))
        try:
            conn.request(self.command, up.path.rstrip("/") + self.path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        except OSError as e:
            return self.answer(502, {"Content-Type": "text/plain"}, ("upstream: %s" % e).encode())
        finally:
            conn.close()
        out = {k: v for k, v in r.getheaders()
               if k.lower() not in ("content-length", "transfer-encoding", "connection")}
        return self.answer(r.status, out, data)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    ap = argparse.ArgumentParser(description="a misbehaving HTTP server for tests (see the module docstring)")
    ap.add_argument("--rules", help="JSON file with a list of rules")
    ap.add_argument("--rule", action="append", default=[], help="one rule as JSON (repeatable)")
    ap.add_argument("--upstream", help="pass unmatched requests to this server")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log", help="append every request as one JSON line to this file")
    a = ap.parse_args()
    rules = []
    if a.rules:
        with open(a.rules, encoding="utf-8") as f:
            rules = json.load(f)
    rules += [json.loads(r) for r in a.rule]
    srv = Server(("127.0.0.1", a.port), Handler)
    srv.state = State(rules, a.upstream, a.log)
    srv.state.port = srv.server_address[1]
    for r in rules:  # built before "PORT": a client with a short stall limit must not wait for it
        if r.get("action") == "gzip_bomb":
            srv.state.gzip_bomb(int(r.get("size", 2 << 30)))
    print("PORT %d" % srv.state.port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
