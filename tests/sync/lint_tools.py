"""Style lint for the sync tool's sources (style.md guideline 15): no sprintf,
strcpy, strcat, atoi, gets; no bare `stderr` outside msgs.c/main.c (every
diagnostic goes through errorf/warnf/notef); no CURLOPT_VERBOSE (it would print
Authorization headers); no printf of a secret field."""
import os
import re
import sys

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
FILES = ["main.c", "args.c", "artifacts.c", "config.c", "http.c", "msgs.c", "progress.c", "rest.c", "scan.c",
         "state.c", "sync.c", "util.c", "yaml.c"]
BANNED = [(r"(?<![nv])sprintf\s*\(", "sprintf"), (r"\bstrcpy\s*\(", "strcpy"), (r"\bstrcat\s*\(", "strcat"),
          (r"\batoi\s*\(", "atoi"), (r"\bgets\s*\(", "gets"), (r"CURLOPT_VERBOSE", "CURLOPT_VERBOSE"),
          (r"\b(printf|fprintf|puts|fputs|notef|warnf|errorf|verbosef|helpf)\s*\([^;]*\b(bearer|userpwd)\b",
           "secret printed")]
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
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"PASS ({len(FILES)} files)")
