"""A real `mlflow server` for tests: 127.0.0.1, a free port, SQLite backend,
artifact proxying into a temp folder. Reusable by every area (sync, registry).

    with MlflowServer(tmpdir) as srv:          # or srv.start() / srv.stop()
        srv.url                                # http://127.0.0.1:PORT
        srv.stop(); srv.start()                # restart on the same port and DB

It FAILS loudly (raises ServerError with the server's log tail) when the
server cannot start within the timeout (default 600 s: on a loaded 2-core
machine, load average ~30, `mlflow server` needed 90-150 s to answer /health;
a server process that exits fails at once). It never skips.

Options: app_name="basic-auth" (with auth_config_path for basic_auth.ini),
extra_args, env. The process runs in its own session so stop() ends all
its uvicorn workers (SIGTERM, then SIGKILL), and only those.
"""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mlflow_bin(python=None):
    py = python or sys.executable
    cand = os.path.join(os.path.dirname(py), "mlflow")
    if not os.path.exists(cand):
        raise ServerError(f"no mlflow executable next to {py}: run scripts/setup-test-env.sh")
    return cand


class MlflowServer:
    def __init__(self, workdir, port=None, app_name=None, extra_args=(), env=None, python=None,
                 start_timeout=600, workers=1):
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.port = port or free_port()
        self.app_name = app_name
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.python = python
        self.start_timeout = start_timeout
        self.workers = workers
        self.db = os.path.join(self.workdir, "mlflow.db")
        self.artifacts = os.path.join(self.workdir, "mlartifacts")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        if self.proc is not None:
            raise ServerError("server already running")
        cmd = [mlflow_bin(self.python), "server", "--host", "127.0.0.1", "--port", str(self.port),
               "--backend-store-uri", f"sqlite:///{self.db}",
               "--artifacts-destination", self.artifacts, "--workers", str(self.workers)]
        if self.app_name:
            cmd += ["--app-name", self.app_name]
        cmd += self.extra_args
        env = dict(os.environ)
        env.update(self.env)
        env.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=self.workdir, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env, start_new_session=True)
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                rc = self.proc.returncode
                self.proc = None
                raise ServerError(f"mlflow server exited with {rc} during start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except Exception:
                pass
            time.sleep(0.25)
        self.stop()
        raise ServerError(f"mlflow server did not answer /health within {self.start_timeout} s:\n{self.log_tail()}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=15)
        self.proc = None
        self._log.close()
        # wait until the port is free again (restart on the same port)
        deadline = time.time() + 15
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) != 0:
                    break
            time.sleep(0.1)

    def log_tail(self, n=40):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
