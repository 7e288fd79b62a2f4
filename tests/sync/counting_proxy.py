"""A counting reverse proxy for the sync tests: forwards every request to an
upstream (a real mlflow server) and records (method, path, body bytes).

    with CountingProxy(upstream_url) as p:
        p.url ; p.requests ; p.reset()

Threaded, HTTP/1.1 keep-alive on the client side (so the tool's connection
reuse is exercised), 127.0.0.1 only. It also offers fault injection:
p.fail_next = [(status, retry_after[, forward_first[, path_part]]), ...]
answers the next (matching) requests with those statuses; with
forward_first the request reaches the server and only the answer is lost."""
import http.client
import http.server
import threading
import urllib.parse


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _proxy(self):
        srv = self.server
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        with srv.lock:
            srv.requests.append((self.command, self.path, len(body)))
            srv.auth.append(self.headers.get("Authorization"))
            srv.agents.append(self.headers.get("User-Agent"))
            fail = None
            for i, rule in enumerate(srv.fail_next):
                if len(rule) < 4 or rule[3] in self.path:
                    fail = srv.fail_next.pop(i)
                    break
        for part, secs in list(srv.delays.items()):
            if part in self.path:
                import time
                time.sleep(secs)  # the request stays "in flight" (already read, not yet forwarded)
        if fail and len(fail) > 2 and fail[2]:
            # forward first, then lose the answer: the "ambiguous failure" of a non-idempotent POST
            self._forward(body, n, lost=fail)
            return
        if fail:
            status, retry_after = fail[0], fail[1]
            self.send_response(status)
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            code = {400: "INVALID_PARAMETER_VALUE", 429: "REQUEST_LIMIT_EXCEEDED"}.get(status, "TEMPORARILY_UNAVAILABLE")
            msg = ('{"error_code":"%s","message":"injected by the test proxy"}' % code).encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        self._forward(body, n)

    def _forward(self, body, n, lost=None):
        srv = self.server
        u = urllib.parse.urlsplit(srv.upstream)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "expect")}
        headers["Host"] = f"{u.hostname}:{u.port}"
        try:
            conn.request(self.command, self.path, body=body if n else None, headers=headers)
            r = conn.getresponse()
            data = r.read()
        except OSError as e:
            msg = f"upstream down: {e}".encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        finally:
            conn.close()
        if lost:
            msg = b"bad gateway (injected after forwarding)"
            self.send_response(lost[0])
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _proxy


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client killed mid-request (the SIGKILL tests) is expected


class CountingProxy:
    def __init__(self, upstream):
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.upstream = upstream.rstrip("/")
        self.httpd.requests = []
        self.httpd.fail_next = []
        self.httpd.auth = []
        self.httpd.agents = []
        self.httpd.delays = {}  # path part -> seconds to hold a request before forwarding it
        self.httpd.lock = threading.Lock()
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def requests(self):
        with self.httpd.lock:
            return list(self.httpd.requests)

    @property
    def fail_next(self):
        return self.httpd.fail_next

    @fail_next.setter
    def fail_next(self, v):
        with self.httpd.lock:
            self.httpd.fail_next = list(v)

    def reset(self):
        with self.httpd.lock:
            self.httpd.requests.clear()
            self.httpd.auth.clear()
            self.httpd.agents.clear()

    @property
    def delays(self):
        return self.httpd.delays

    @property
    def auth(self):
        with self.httpd.lock:
            return list(self.httpd.auth)

    @property
    def agents(self):
        with self.httpd.lock:
            return list(self.httpd.agents)

    def writes(self):
        return [r for r in self.requests if r[0] != "GET" and not r[1].endswith("/runs/search")]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()
