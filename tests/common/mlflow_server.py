"""A real `mlflow server` for tests: 127.0.0.1, a free port, SQLite backend,
artifact proxying into a temp folder. Reusable by every area (sync, registry).

    with MlflowServer(tmpdir) as srv:          # or srv.start() / srv.stop()
        srv.url                                # http://127.0.0.1:PORT
        srv.stop(); srv.start()                # restart on the same port and DB

    MlflowServer(tmpdir, mlflow="2.22")        # the full MLflow 2.22 of .venv22
    MlflowServer(tmpdir, backend="file")       # a file store (--backend-store-uri file:...)
    MLL_SERVER_MLFLOW=2.22 MLL_SERVER_BACKEND=file  # the defaults of a test that names no kind
    for kind in SERVER_KINDS: ...              # every (mlflow, backend) a sync test runs against

`mlflow` picks the venv: "3.18" is .venv (the judge), "2.22" is .venv22
(made by scripts/setup-test-env.sh; MLL_PYTHON22 overrides its python).
`python=` still names any python directly. `host=` binds elsewhere than
127.0.0.1 (a network-namespace address the test made); `launcher=` is a
command prefix (e.g. `ip netns exec NS`) the server is started under.

    python mlflow_server.py --check PYTHON     # start and stop one server: exit 0 if it answered

It FAILS loudly (raises ServerError with the server's log tail) when the
server cannot start within the timeout (default 600 s: on a loaded 2-core
machine, load average ~30, `mlflow server` needed 90-150 s to answer /health;
a server process that exits fails at once). It never skips.

Options: app_name="basic-auth" (with auth_config_path for basic_auth.ini),
extra_args, env. The process runs in its own session so stop() ends all
its uvicorn workers (SIGTERM, then SIGKILL), and only those.
"""
import fcntl
import glob
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VENVS = {"3.18": (".venv", "MLL_PYTHON"), "2.22": (".venv22", "MLL_PYTHON22")}
BACKENDS = ("sqlite", "file")
SERVER_KINDS = [(v, b) for v in VENVS for b in BACKENDS]


def venv_python(mlflow):
    """The python of the venv that holds MLflow `mlflow` ("3.18" or "2.22")."""
    if mlflow not in VENVS:
        raise ServerError(f"unknown MLflow server version {mlflow!r} (known: {', '.join(VENVS)})")
    folder, var = VENVS[mlflow]
    py = os.environ.get(var) or os.path.join(REPO, folder, "bin", "python")
    if not os.path.exists(py):
        raise ServerError(f"no python for MLflow {mlflow} at {py}: run scripts/setup-test-env.sh")
    return py


def mlflow_bin(python=None):
    py = python or sys.executable
    cand = os.path.join(os.path.dirname(py), "mlflow")
    if not os.path.exists(cand):
        raise ServerError(f"no mlflow executable next to {py}: run scripts/setup-test-env.sh")
    return cand


def _mlflow_stamp(python):
    """What identifies the MLflow installed beside `python` without importing it (an import
    costs 15 s): the venv's real path and the mtime of its mlflow/version.py. The venv's, not
    the python's: every venv's python links to the same interpreter."""
    venv = os.path.realpath(os.path.dirname(os.path.dirname(os.path.abspath(python))))
    found = glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "mlflow", "version.py"))
    if not found:
        raise ServerError(f"no mlflow/version.py in the venv of {python}: run scripts/setup-test-env.sh")
    stamp = "%s|%s" % (venv, ";".join("%s:%d" % (f, os.stat(f).st_mtime_ns) for f in sorted(found)))
    return hashlib.sha256(stamp.encode()).hexdigest()[:16]


_TEMPLATE_CODE = """import sys
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
SqlAlchemyStore("sqlite:///" + sys.argv[1], "mlflow-artifacts:/")
"""


def sqlite_template(python):
    """A fresh, fully migrated SQLite tracking DB for `python`'s MLflow, made once per machine
    and venv and then copied: creating one runs every alembic migration (10 s idle, 25-40 s on
    a loaded 2-core box), which every test server paid. It holds what `mlflow server
    --artifacts-destination` makes on an empty DB: the schema and experiment 0 "Default" at
    `mlflow-artifacts:/0`. MLL_SERVER_TEMPLATES=off makes every server migrate its own DB."""
    folder = os.path.join(os.environ.get("MLL_SERVER_TEMPLATE_DIR") or tempfile.gettempdir(), "mll-server-templates")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, _mlflow_stamp(python) + ".db")
    with open(path + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)        # tests run in parallel: one makes it, the others wait
        if not os.path.exists(path):
            tmp = "%s.%d.tmp" % (path, os.getpid())
            r = subprocess.run([python, "-c", _TEMPLATE_CODE, tmp], capture_output=True, text=True)
            if r.returncode != 0:
                raise ServerError(f"could not make the SQLite template DB with {python}:\n{r.stderr[-3000:]}")
            os.replace(tmp, path)
    return path


class MlflowServer:
    def __init__(self, workdir, port=None, app_name=None, extra_args=(), env=None, python=None,
                 start_timeout=600, workers=1, mlflow=None, backend=None, host="127.0.0.1", launcher=()):
        # a test that names no kind gets the one MLL_SERVER_MLFLOW / MLL_SERVER_BACKEND say (ctest's
        # sync222 variants), else 3.18 with SQLite
        mlflow = mlflow or os.environ.get("MLL_SERVER_MLFLOW") or None
        backend = backend or os.environ.get("MLL_SERVER_BACKEND") or "sqlite"
        if backend not in BACKENDS:
            raise ServerError(f"unknown backend {backend!r} (known: {', '.join(BACKENDS)})")
        self.workdir = os.path.abspath(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.host = host
        self.launcher = list(launcher)
        self.port = port or free_port()
        self.backend = backend
        self.mlflow = mlflow
        self.app_name = app_name
        self.extra_args = list(extra_args)
        self.env = dict(env or {})
        self.python = python or (venv_python(mlflow) if mlflow else None)
        self.start_timeout = start_timeout
        self.workers = workers
        self.db = os.path.join(self.workdir, "mlflow.db")
        self.file_root = os.path.join(self.workdir, "fsroot")
        self.artifacts = os.path.join(self.workdir, "mlartifacts")
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def uvicorn_opts(self):
        """MLflow 3 serves with uvicorn, whose supervisor kills a worker that misses its
        5 s health ping; on a loaded 2-core machine workers then die in a loop and the
        server never answers. Give them 120 s (unless the test passes its own options)."""
        if self.workers <= 1 or self.mlflow == "2.22" or any(a.endswith("-opts") for a in self.extra_args):
            return []
        return ["--uvicorn-opts", "--timeout-worker-healthcheck 120"]

    def template_fits(self):
        """The template DB's experiment 0 lives at `mlflow-artifacts:/0`, where a server that
        proxies artifacts puts it; a server given its own artifact root (or none that
        proxies) makes experiment 0 elsewhere, so it migrates its own DB."""
        own_root = any(a in ("--default-artifact-root", "--no-serve-artifacts", "--artifacts-only")
                       for a in self.extra_args)
        return self.backend == "sqlite" and not own_root and os.environ.get("MLL_SERVER_TEMPLATES") != "off"

    def backend_uri(self):
        if self.backend == "file":
            return "file://" + self.file_root
        return f"sqlite:///{self.db}"

    def start(self):
        if self.proc is not None:
            raise ServerError("server already running")
        if self.template_fits() and not os.path.exists(self.db):
            shutil.copyfile(sqlite_template(self.python or sys.executable), self.db)
        cmd = self.launcher + [mlflow_bin(self.python), "server", "--host", self.host, "--port", str(self.port),
               "--backend-store-uri", self.backend_uri(),
               "--artifacts-destination", self.artifacts, "--workers", str(self.workers)]
        if self.app_name:
            cmd += ["--app-name", self.app_name]
        cmd += self.uvicorn_opts() + self.extra_args
        env = dict(os.environ)
        env.update(self.env)
        env.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        # MLflow 3's server also starts a job runner and about eight huey consumer processes
        # (for GenAI scorers and trace roll-ups: nothing a sync touches); each imports MLflow,
        # and on a 2-core box they slowed every test server's start by a minute
        env.setdefault("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
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
        while time.time() < deadline and not self.launcher:
            with socket.socket() as s:
                if s.connect_ex((self.host, self.port)) != 0:
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


def check(python, backends=BACKENDS):
    """Start and stop one server per backend with `python`'s MLflow: raises ServerError if one does not answer."""
    import tempfile
    import shutil
    for backend in backends:
        wd = tempfile.mkdtemp(prefix="mll-server-check-")
        try:
            with MlflowServer(wd, python=python, backend=backend, start_timeout=300) as srv:
                with urllib.request.urlopen(srv.url + "/api/2.0/mlflow/experiments/search?max_results=1",
                                            timeout=30) as r:
                    if r.status != 200:
                        raise ServerError(f"{srv.url}: experiments/search answered {r.status}")
            print(f"mlflow server ({python}, {backend} backend): ok")
        finally:
            shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--check":
        sys.exit("usage: mlflow_server.py --check PYTHON")
    try:
        check(sys.argv[2])
    except ServerError as e:
        sys.exit(f"mlflow server check FAILED: {e}")
