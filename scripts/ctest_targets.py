#!/usr/bin/env python3
"""The build targets a selection of ctest tests runs: every program a test's command
names inside the build folder (the test's own program, or one a driver script is given,
like the tool's path), kept when it is a target of that build.

    ctest_targets.py BUILD [ctest selection: -L LABEL, -E REGEX, ...]

Prints the target names on one line. A stage that runs only some tests of a build
(ASan+UBSan, cross-aarch64) builds just these instead of the whole project, which the
main build compiles anyway. ctest names the selected tests; their commands come from
the CTestTestfile.cmake files (ctest leaves out the command of a program not built
yet). Exit 1 when no test or no target matched: a selection that builds nothing
would test nothing.
"""
import json
import os
import re
import subprocess
import sys


ADD_TEST = re.compile(r'^add_test\((?:\[=\[(.*?)\]=\]|"?([^\s"]+)"?)\s+(.*)\)\s*$')
ARG = re.compile(r'"((?:[^"\\]|\\.)*)"')


def test_commands(build):
    """{test name: [command args]} from every CTestTestfile.cmake under `build`."""
    commands = {}
    for folder, _, files in os.walk(build):
        if "CTestTestfile.cmake" not in files:
            continue
        with open(os.path.join(folder, "CTestTestfile.cmake"), encoding="utf-8") as f:
            for line in f:
                m = ADD_TEST.match(line)
                if m:
                    commands[m.group(1) or m.group(2)] = ARG.findall(m.group(3))
    return commands


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    shown = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"] + sys.argv[2:],
                           capture_output=True, text=True, check=True).stdout
    selected = [t["name"] for t in json.loads(shown).get("tests", [])]
    # `--target help` lists one target a line: "... name" (Makefiles), "name: phony" (Ninja)
    helped = subprocess.run(["cmake", "--build", build, "--target", "help"],
                            capture_output=True, text=True).stdout
    known = {m.group(1) or m.group(2) for m in re.finditer(r"^(?:\.\.\. (\S+)|([^\s:]+): \w+)", helped, re.M)}
    commands = test_commands(build)
    names = set()
    for name in selected:
        for arg in commands.get(name, []):
            if arg.startswith(build + os.sep):
                names.add(os.path.basename(arg))
    targets = sorted(names & known)
    if not selected or not targets:
        sys.exit(f"ctest_targets: no test program found in {build} for {' '.join(sys.argv[2:])}")
    print(" ".join(targets))


if __name__ == "__main__":
    main()
