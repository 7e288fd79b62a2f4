"""mlflow_unicode_word_table: mlflow_lite's \\w table equals Python's re `\\w`
(the one MLflow's key regex ^[/\\w.\\- :]*$ uses) for every code point 0..0x10FFFF."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlt_common import Checker, check_judge, fresh_dir, parse_args, run


def py_ranges():
    w = re.compile(r"\w")
    out, start = [], None
    for cp in range(0x110001):
        m = cp <= 0x10FFFF and w.match(chr(cp)) is not None
        if m and start is None:
            start = cp
        elif not m and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def main():
    a = parse_args()
    check_judge()
    ck = Checker("mlflow_unicode_word_table")
    fresh_dir(a.work, "table")
    p = run([a.bins["table"]])
    c_ranges = [tuple(int(x, 16) for x in ln.split()) for ln in p.stdout.decode().splitlines()]
    want = py_ranges()
    print(f"Python {sys.version.split()[0]} re \\w: {len(want)} ranges, "
          f"{sum(b - a + 1 for a, b in want)} code points; mlflow_lite: {len(c_ranges)} ranges")
    if c_ranges != want:
        cs = {cp for a_, b in c_ranges for cp in range(a_, b + 1)}
        ps = {cp for a_, b in want for cp in range(a_, b + 1)}
        only_c, only_py = sorted(cs - ps), sorted(ps - cs)
        ck.fail(f"{len(only_c)} code points are \\w only in mlflow_lite (first: "
                f"{[hex(x) for x in only_c[:12]]}); {len(only_py)} only in Python (first: "
                f"{[hex(x) for x in only_py[:12]]})")
    else:
        ck.checks += 0x110000
    ck.finish()


if __name__ == "__main__":
    main()
