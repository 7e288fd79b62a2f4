#!/usr/bin/env python3
"""The build targets a selection of ctest tests runs: every program a test's command
names inside the build folder (the test's own program, or one a driver script is given,
like the tool's path), kept when it is a target of that build.

    ctest_targets.py BUILD [ctest selection: -L LABEL, -E REGEX, ...]

Prints the target names on one line. A stage that runs only some tests of a build
(ASan+UBSan, cross-aarch64) builds just these instead of the whole project, which the
main build compiles anyway. Exit 1 when no test or no target matched (a selection
that builds nothing would test nothing), or when the build's generator cannot list
its targets (then build everything).
"""
import json
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    shown = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"] + sys.argv[2:],
                           capture_output=True, text=True, check=True).stdout
    tests = json.loads(shown).get("tests", [])
    # Makefiles and Ninja both answer `--target help` with one target per line
    helped = subprocess.run(["cmake", "--build", build, "--target", "help"],
                            capture_output=True, text=True).stdout
    known = {w.split()[-1].rstrip(":") for w in helped.splitlines() if w.strip()}
    names = set()
    for t in tests:
        for arg in t.get("command", []):
            if arg.startswith(build + os.sep):
                names.add(os.path.basename(arg))
    targets = sorted(names & known)
    if not tests or not targets:
        sys.exit(f"ctest_targets: no test program found in {build} for {' '.join(sys.argv[2:])}")
    print(" ".join(targets))


if __name__ == "__main__":
    main()
