"""Style lint for every C file of the sync tool (tools/*.c; the project's style guideline 15): no sprintf,
strcpy, strcat, atoi, gets; no bare `stderr` outside msgs.c/main.c (every
diagnostic goes through errorf/warnf/notef); no CURLOPT_VERBOSE (it would print
Authorization headers); no printf of a secret field; no function longer than
MAX_FUNCTION_LINES (the guideline says about 80 lines: short enough to read at
once). `lint_tools.py --longest [FILES]` prints the ten longest functions (the
CHANGELOG's before/after table was measured with it)."""
import glob
import os
import re
import sys

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
FILES = sorted(os.path.basename(f) for f in glob.glob(os.path.join(TOOLS, "*.c")))
BANNED = [(r"(?<![nv])sprintf\s*\(", "sprintf"), (r"\bstrcpy\s*\(", "strcpy"), (r"\bstrcat\s*\(", "strcat"),
          (r"\batoi\s*\(", "atoi"), (r"\bgets\s*\(", "gets"), (r"CURLOPT_VERBOSE", "CURLOPT_VERBOSE"),
          (r"\b(printf|fprintf|puts|fputs|notef|warnf|errorf|verbosef|helpf)\s*\([^;]*\b(bearer|userpwd)\b",
           "secret printed")]
MAX_FUNCTION_LINES = 85


def functions(text):
    """(lines, name) of every function definition: a signature starting in column 0, its body up to a '}'
    in column 0 (the tool's formatting)."""
    lines = text.split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        opens = line == "{" or (re.match(r"^[A-Za-z_].*\)\s*\{\s*$", line) and
                                not line.startswith(("typedef", "struct", "enum", "static const", "#")))
        if not opens:
            i += 1
            continue
        j = i - 1 if line == "{" else i
        while j > 0 and re.match(r"^[A-Za-z_]", lines[j - 1]) and not lines[j - 1].rstrip().endswith((";", "}", "*/")):
            j -= 1
        k = i + 1
        while k < len(lines) and lines[k] != "}":
            k += 1
        sig = " ".join(l.strip() for l in lines[j:i + 1])
        m = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", sig)
        if m and "=" not in sig.split("(")[0]:
            out.append((k - j + 1, m.group(1)))
        i = k + 1
    return out


if len(sys.argv) > 1 and sys.argv[1] == "--longest":
    paths = sys.argv[2:] or [os.path.join(TOOLS, f) for f in FILES]
    found = sorted(((n, name, os.path.basename(p)) for p in paths for n, name in functions(open(p).read())),
                   reverse=True)
    for n, name, f in found[:10]:
        print(f"{n:5d}  {name} ({f})")
    sys.exit(0)

bad = []
for f in FILES:
    text = open(os.path.join(TOOLS, f)).read()
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    nostr = re.sub(r'"(\\.|[^"\\])*"', '""', code)
    for rx, name in BANNED:
        for m in re.finditer(rx, code):
            bad.append(f"{f}: {name} at offset {m.start()}")
    if f not in ("msgs.c", "main.c") and re.search(r"\bstderr\b", nostr):
        bad.append(f"{f}: bare stderr (use errorf/warnf/notef or msgs_stream())")
    for n, name in functions(text):
        if n > MAX_FUNCTION_LINES:
            bad.append(f"{f}: {name}() is {n} lines (at most {MAX_FUNCTION_LINES}: split it)")
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"PASS ({len(FILES)} files)")
