"""The Fortran module's result codes must be mlflow_lite.h's: every X(MLL_..., n, "...")
of MLL__RESULTS appears in mlflow_lite.f90's >>results block with the same number, and
nothing else does. A code added to the header fails this test until the block is
regenerated with:  python3 tests/fortran/check_codes.py --write
"""
import os
import re
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(REPO, "mlflow_lite.h")
MODULE = os.path.join(REPO, "mlflow_lite.f90")
BEGIN, END = "  ! >>results", "  ! <<results"


def header_codes():
    text = open(HEADER, encoding="utf-8").read()
    body = text[text.index("#define MLL__RESULTS(X)"):]
    body = body[:body.index("\n\n")]
    return [(m.group(1), int(m.group(2))) for m in re.finditer(r"X\((MLL_\w+),\s*(\d+),", body)]


def block(codes):
    lines = [f"  integer, parameter, public :: {name} = {num}" for name, num in codes]
    return "\n".join(lines) + "\n"


def main():
    codes = header_codes()
    text = open(MODULE, encoding="utf-8").read()
    start = text.index("\n", text.index(BEGIN)) + 1
    start = text.index("\n", start) + 1  # the block's comment is two lines
    end = text.index(END)
    if "--write" in sys.argv:
        open(MODULE, "w", encoding="utf-8").write(text[:start] + block(codes) + text[end:])
        print(f"check_codes: wrote {len(codes)} codes into {MODULE}")
        return 0
    got = re.findall(r"integer, parameter, public :: (MLL_\w+) = (\d+)", text[start:end])
    got = [(n, int(v)) for n, v in got]
    if not codes:
        print("check_codes: FAIL: no codes found in mlflow_lite.h")
        return 1
    if got != codes:
        missing = sorted(set(codes) - set(got))
        extra = sorted(set(got) - set(codes))
        print(f"check_codes: FAIL: mlflow_lite.f90 differs from mlflow_lite.h: missing {missing}, "
              f"wrong or extra {extra}; run: python3 tests/fortran/check_codes.py --write")
        return 1
    print(f"check_codes: OK ({len(codes)} codes, MLL_OK..{codes[-1][0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
