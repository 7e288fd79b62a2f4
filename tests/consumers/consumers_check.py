"""Consumes an installed mlflow-lite the way users do, then MLflow 3.18.0 reads every run.

  --prefix P   after `cmake --install <build> --prefix P`: find_package with
               CMAKE_PREFIX_PATH=P (C, C++, and the version file), the Fortran CMake
               project, a plain Makefile with PKG_CONFIG_PATH=P/share/pkgconfig, P/bin/mlflow-lite
               and its man page under P/share/man; plus what needs only the source tree:
               add_subdirectory (C, C++, Fortran), FetchContent from a local source tarball,
               and the bare `cc -I. main.c` drop-in.
  --system     the same for a copy installed under /usr (the .deb): nothing points at a
               prefix, so the default search paths must find everything; `man mlflow-lite`.

Each program logs one run named after how it was built into one root; MLflow must read
every run (FINISHED, param language, tag mlflow_lite.version = the header's version, ten
loss points). Every step that fails is reported; the test fails if any did.
"""
import os
import re
import shutil
import subprocess
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge import REPO, Checker, check_judge, expect_run, experiment_runs, f64, fresh_dir, program, read  # noqa: E402
from mlt_common import parse_args  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LANG = {"c": "c", "cpp": "c++", "f": "fortran"}


def header_version():
    text = open(os.path.join(REPO, "mlflow_lite.h"), encoding="utf-8").read()
    parts = [re.search(rf"#define MLL_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH")]
    return ".".join(parts)


class Consumers:
    def __init__(self, a, ck):
        self.a, self.ck = a, ck
        self.work = a.work
        self.built = []  # (run name, command line)
        self.env = dict(os.environ)
        if not a.system:
            self.env["PKG_CONFIG_PATH"] = os.path.join(a.prefix, "share", "pkgconfig")

    def step(self, what, cmd, cwd=None, env=None):
        """Runs one build step; a failure is recorded with its output. Returns stdout or None."""
        p = subprocess.run(cmd, cwd=cwd, env=env or self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        self.ck.checks += 1
        if p.returncode != 0:
            self.ck.errors.append(f"{what}: `{' '.join(cmd)}` exited {p.returncode}:\n{p.stdout[-3000:]}")
            return None
        return p.stdout

    def cmake_project(self, name, defs, exes):
        src = os.path.join(HERE, name)
        build = fresh_dir(self.work, "build-" + name)
        args = ["cmake", "-S", src, "-B", build] + [f"-D{d}" for d in defs]
        if not self.a.system:
            args.append(f"-DCMAKE_PREFIX_PATH={self.a.prefix}")
        out = self.step(f"{name}: configure", args)
        if out is None:
            return
        found = re.search(r"mlflow_lite (\S+) from (\S+)", out)
        if name in ("find_package", "fortran"):  # they use the installed copy and say which they found
            self.ck.eq(found.groups() if found else None,
                       (header_version(), self.install_dir("share/cmake/mlflow_lite")),
                       f"{name}: the version and folder find_package found")
        if self.step(f"{name}: build", ["cmake", "--build", build, "-j2"]) is None:
            return
        for exe in exes:
            self.built.append((f"{name}-{exe}", [os.path.join(build, "app_" + exe)]))

    def install_dir(self, rel):
        return os.path.join("/usr" if self.a.system else self.a.prefix, rel)

    def version_probes(self):
        for want, expect in (("0.2", 1), ("0.2.0", 1), ("0.1", 0), ("0.3", 0), ("1.0", 0)):
            build = fresh_dir(self.work, f"build-version-{want}")
            args = ["cmake", "-S", os.path.join(HERE, "version_probe"), "-B", build, f"-DWANT={want}",
                    f"-DEXPECT={expect}"]
            if not self.a.system:
                args.append(f"-DCMAKE_PREFIX_PATH={self.a.prefix}")
            self.step(f"find_package(mlflow_lite {want}) {'finds' if expect else 'refuses'} 0.2.x", args)

    def makefile(self):
        build = fresh_dir(self.work, "build-makefile")
        mk = os.path.join(HERE, "makefile", "Makefile")
        version = self.step("pkg-config --modversion", ["pkg-config", "--modversion", "mlflow_lite"])
        if version is not None:
            self.ck.eq(version.strip(), header_version(), "pkg-config --modversion = the header's version")
        prefix = self.step("pkg-config prefix", ["pkg-config", "--variable=prefix", "mlflow_lite"])
        if prefix is not None:
            self.ck.eq(os.path.realpath(prefix.strip()), os.path.realpath(self.install_dir("")),
                       "pkg-config finds the mlflow_lite.pc under test")
        fdir = self.step("pkg-config fortrandir", ["pkg-config", "--variable=fortrandir", "mlflow_lite"])
        if fdir is not None:
            self.ck.true(os.path.isfile(os.path.join(fdir.strip(), "mlflow_lite.f90")),
                         f"pkg-config's fortrandir {fdir.strip()!r} holds mlflow_lite.f90")
        out = self.step("makefile: make", ["make", "-f", mk, f"SRC={os.path.join(HERE, 'app', 'main.c')}"], cwd=build)
        if out is not None:
            self.built.append(("makefile-c", [os.path.join(build, "app")]))

    def dropin(self):
        d = fresh_dir(self.work, "dropin")
        shutil.copy(os.path.join(REPO, "mlflow_lite.h"), d)
        shutil.copy(os.path.join(HERE, "app", "main.c"), d)
        if self.step("drop-in: cc -I. main.c", ["cc", "-I.", "main.c"], cwd=d) is not None:
            self.built.append(("dropin-c", [os.path.join(d, "a.out")]))

    def source_tarball(self):
        """The working tree's files (tracked and new, as git sees them) as a release tarball."""
        files = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               stdout=subprocess.PIPE, check=True).stdout.decode().split("\0")
        path = os.path.join(self.work, f"mlflow-lite-{header_version()}.tar.gz")
        with tarfile.open(path, "w:gz") as tar:
            for f in files:
                if f and os.path.exists(os.path.join(REPO, f)):
                    tar.add(os.path.join(REPO, f), arcname=f"mlflow-lite-{header_version()}/{f}")
        return path

    def tool(self):
        exe = "mlflow-lite" if self.a.system else os.path.join(self.a.prefix, "bin", "mlflow-lite")
        if self.a.system:
            self.ck.eq(shutil.which("mlflow-lite"), "/usr/bin/mlflow-lite", "mlflow-lite on PATH from /usr/bin")
        out = self.step("mlflow-lite --version", [exe, "--version"])
        if out is not None:
            self.ck.true(header_version() in out, f"mlflow-lite --version names {header_version()}: {out.strip()!r}")
        helptext = self.step("mlflow-lite --help", [exe, "--help"])
        man = ["man", "-P", "cat"] + ([] if self.a.system else ["-M", os.path.join(self.a.prefix, "share", "man")])
        env = dict(self.env, MANWIDTH="200", LC_ALL="C.UTF-8")
        page = self.step("man mlflow-lite (the tool's man page is installed)", man + ["mlflow-lite"], env=env)
        if page is not None and helptext is not None:
            # one source: every option --help lists is in the man page
            flat = re.sub(r"\s+", " ", page.replace("\u2010", "-").replace("\u2212", "-"))
            opts = sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", helptext)))
            self.ck.true(len(opts) > 0, "mlflow-lite --help lists options")
            missing = [o for o in opts if o not in flat]
            self.ck.eq(missing, [], "options in --help that the man page lacks")

    def judge(self):
        root = os.path.join(fresh_dir(self.work, "runs"), "mlruns")
        printed = {}
        for name, cmd in self.built:
            try:
                out = program(cmd + [name], self.work, MLFLOW_TRACKING_URI="file://" + root).split()
                printed[name] = out[0] if out else ""
            except RuntimeError as e:
                self.ck.fail(f"{name}: the program failed: {e}")
        runs = experiment_runs(read(root), "consumers") if printed else {}
        self.ck.eq(sorted(r["run_name"] for r in runs.values()), sorted(printed), "runs MLflow reads")
        for name, rid in printed.items():
            if rid not in runs:
                self.ck.fail(f"{name}: run {rid!r} not read by MLflow")
                continue
            expect_run(self.ck, runs[rid], name, status="FINISHED", name=name,
                       params={"language": LANG[name.rsplit("-", 1)[1]]},
                       tags={"mlflow_lite.version": header_version()},
                       metrics={"loss": [(f64(1.0 / (s + 1)), s) for s in range(10)]})


def main():
    def extra(p):
        p.add_argument("--prefix", default="")
        p.add_argument("--system", action="store_true")
    a = parse_args(extra)
    check_judge()
    ck = Checker("consumers" + (" (system)" if a.system else ""))
    if not a.system and not a.prefix:
        ck.fail("give --prefix or --system")
        ck.finish()
    c = Consumers(a, ck)
    c.cmake_project("find_package", [], ["c", "cpp"])
    c.cmake_project("fortran", [], ["f"])
    c.version_probes()
    c.makefile()
    if not a.system:
        c.cmake_project("add_subdirectory", [f"MLFLOW_LITE_DIR={REPO}"], ["c", "cpp", "f"])
        c.cmake_project("fetchcontent", [f"MLFLOW_LITE_URL={c.source_tarball()}"], ["c"])
        c.dropin()
    c.tool()
    c.judge()
    ck.finish()


if __name__ == "__main__":
    main()
