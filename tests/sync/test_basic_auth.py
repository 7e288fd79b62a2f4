"""MLflow's own auth: `mlflow server --app-name basic-auth` (MLflow 3.18.0).
  - right credentials from MLFLOW_TRACKING_USERNAME/PASSWORD: exit 0, exact;
  - right credentials from ~/.mlflow/credentials (HOME redirected): exit 0;
  - wrong password: exit 5, an error naming HTTP 401 and what to try;
  - the password (and its base64 form) never appears in any output,
    --verbose included;
  - DEST with userinfo, http://admin:PASSWORD@127.0.0.1:PORT (issue 9, defect 2):
    the sync works, and the password appears nowhere: stdout, stderr with -v,
    --json, the state file (mode 0600) and its name; a wrong password in DEST
    is exit 5 without the password in the message."""
import base64
import glob
import os
import stat

from mlflow import MlflowClient
from synctest import MlflowServer, check, compare_stores, main, run_tool, workdir

PW = "s3cret-Pa55word"


def small_store(root):
    c = MlflowClient("file://" + os.path.join(root, "mlruns"))
    e = c.create_experiment("auth-exp", tags={"t": "1"})
    for i in range(2):
        r = c.create_run(e, run_name=f"a{i}")
        c.log_param(r.info.run_id, "p", str(i))
        for s in range(5):
            c.log_metric(r.info.run_id, "m", s * 1.5, timestamp=1700000000000 + s, step=s)
        c.set_terminated(r.info.run_id, "FINISHED")
    return os.path.join(root, "mlruns")


def no_secret(p):
    b64 = base64.b64encode(f"admin:{PW}".encode()).decode()
    for text in (p.stdout, p.stderr):
        check(PW not in text and b64 not in text, "a secret appeared in the tool's output")


def test():
    wd = workdir("auth")
    src = small_store(os.path.join(wd, "src"))
    sdir = os.path.join(wd, "server")
    os.makedirs(sdir)
    ini = os.path.join(sdir, "basic_auth.ini")
    with open(ini, "w") as f:
        f.write("[mlflow]\ndefault_permission = READ\n"
                f"database_uri = sqlite:///{sdir}/basic_auth.db\n"
                f"admin_username = admin\nadmin_password = {PW}\n"
                "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n")
    env = {"MLFLOW_AUTH_CONFIG_PATH": ini, "MLFLOW_FLASK_SERVER_SECRET_KEY": "k" * 32}
    with MlflowServer(sdir, app_name="basic-auth", env=env) as srv:
        # wrong password first: nothing may be created
        p = run_tool(["sync", "-v", "--state", os.path.join(wd, "st-wrong"), src, srv.url],
                     env={"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": "wrong-" + PW[::-1]})
        check(p.returncode == 5, f"wrong password: exit {p.returncode}, expected 5")
        check("HTTP 401" in p.stderr and "MLFLOW_TRACKING_USERNAME" in p.stderr, "the 401 error is not explained")
        check(PW[::-1] not in p.stderr + p.stdout, "the wrong password was printed")

        # no credentials at all
        p = run_tool(["sync", "--state", os.path.join(wd, "st-none"), src, srv.url])
        check(p.returncode == 5, f"no credentials: exit {p.returncode}, expected 5")

        # right credentials from the environment, --verbose
        p = run_tool(["sync", "-v", src, srv.url],
                     env={"MLFLOW_TRACKING_USERNAME": "admin", "MLFLOW_TRACKING_PASSWORD": PW}, check_rc=0)
        no_secret(p)
        check("auth basic" in p.stderr, "--verbose should name the auth kind")
        os.environ["MLFLOW_TRACKING_USERNAME"] = "admin"
        os.environ["MLFLOW_TRACKING_PASSWORD"] = PW
        compare_stores(src, srv.url, expect_runs=2)
        del os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"]

        # right credentials from ~/.mlflow/credentials, a fresh state -> reconcile, no duplicates
        home = os.path.join(wd, "home")
        os.makedirs(os.path.join(home, ".mlflow"))
        with open(os.path.join(home, ".mlflow", "credentials"), "w") as f:
            f.write(f"[mlflow]\nmlflow_tracking_username = admin\nmlflow_tracking_password = {PW}\n")
        p = run_tool(["sync", "-v", "--state", os.path.join(wd, "st-file"), src, srv.url], env={"HOME": home},
                     check_rc=0)
        no_secret(p)
        os.environ["MLFLOW_TRACKING_USERNAME"] = "admin"
        os.environ["MLFLOW_TRACKING_PASSWORD"] = PW
        compare_stores(src, srv.url, expect_runs=2)
        del os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"]
        userinfo_dest(wd, src, srv)


def userinfo_dest(wd, src, srv):
    """DEST carries the credentials; the default state file (at the root of SRC) is used."""
    host = srv.url.split("://", 1)[1]
    wrong = run_tool(["sync", "-v", "--json", "--state", os.path.join(wd, "st-ui-wrong"), src,
                      f"http://admin:WRONG{PW[::-1]}@{host}"])
    check(wrong.returncode == 5, f"wrong password in DEST: exit {wrong.returncode}, expected 5")
    check(PW[::-1] not in wrong.stdout + wrong.stderr, "the wrong password in DEST was printed")
    for f in state_files_of(src):
        os.unlink(f)
    p = run_tool(["sync", "-v", "--json", src, f"http://admin:{PW}@{host}"], check_rc=0)
    no_secret(p)
    check("auth basic" in p.stderr, "--verbose should name the auth kind")
    everything = state_files_of(src)                        # the state and its lock file
    files = [f for f in everything if f.endswith(".jsonl")]
    check(len(files) == 1, f"state files: {everything}")
    check(not any(PW in f for f in everything), "the password is in the state file's name")
    for f in files:
        check(stat.S_IMODE(os.stat(f).st_mode) == 0o600, f"state file mode {oct(os.stat(f).st_mode)}")
        data = open(f, "rb").read()
        b64 = base64.b64encode(f"admin:{PW}".encode())
        check(PW.encode() not in data and b64 not in data and b"admin:" not in data,
              "the password (or the userinfo) is in the state file")
    os.environ["MLFLOW_TRACKING_USERNAME"] = "admin"
    os.environ["MLFLOW_TRACKING_PASSWORD"] = PW
    compare_stores(src, srv.url, expect_runs=2)
    del os.environ["MLFLOW_TRACKING_USERNAME"], os.environ["MLFLOW_TRACKING_PASSWORD"]


def state_files_of(src):
    return glob.glob(os.path.join(src, ".mlflow-lite-sync-*"))


main(test)
