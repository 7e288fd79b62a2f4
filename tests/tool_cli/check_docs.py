"""Documentation made from the tables cannot drift (label "tool").

  check_docs.py manpage GEN OUT.1
      GEN (tools/gen_docs.c) writes the man page; `man -l` must render it
      with no warning, and every option in --help must be in the rendered
      page and the other way round (the option table is the one source).
  check_docs.py exit-codes GEN docs/sync.md
      the table between <!-- exit-codes:begin --> and <!-- exit-codes:end -->
      in docs/sync.md must equal `GEN exit-codes` (the error table, errors.h).
"""
import os
import re
import subprocess
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def options(text):
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", text))


def manpage(gen, out):
    subprocess.run([gen, "man", out], check=True)
    env = dict(os.environ, MANWIDTH="100", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    p = subprocess.run(["man", "--warnings=w", "-l", out], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail(f"man -l exited {p.returncode}: {p.stderr}")
    if p.stderr.strip():
        fail(f"man -l warned: {p.stderr}")
    rendered = re.sub(r".\x08", "", p.stdout)  # overstrike bold/underline
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMON OPTIONS", "ENVIRONMENT", "FILES", "EXIT CODES"):
        if not re.search(r"^" + section + r"\s*$", rendered, re.M):
            fail(f"section {section} missing from the rendered page")
    help_text = subprocess.run([gen, "help"], check=True, capture_output=True, text=True).stdout
    in_help, in_man = options(help_text), options(rendered)
    if len(in_help) < 20:
        fail(f"--help names only {sorted(in_help)}")
    if in_help - in_man:
        fail(f"in --help but not in the man page: {sorted(in_help - in_man)}")
    if in_man - in_help:
        fail(f"in the man page but not in --help: {sorted(in_man - in_help)}")
    for code in range(12):
        if not re.search(r"^\s+%d\s" % code, rendered, re.M):
            fail(f"exit code {code} missing from EXIT CODES")
    print(f"PASS: man -l renders {out}; {len(in_help)} options in both")


def exit_codes(gen, md):
    want = subprocess.run([gen, "exit-codes"], check=True, capture_output=True, text=True).stdout
    text = open(md, encoding="utf-8").read()
    m = re.search(r"<!-- exit-codes:begin -->\n(.*?)<!-- exit-codes:end -->", text, re.S)
    if not m:
        fail(f"{md} has no <!-- exit-codes:begin --> ... <!-- exit-codes:end --> block; paste the output of "
             f"`{os.path.basename(gen)} exit-codes` between the two markers")
    if m.group(1) != want:
        fail(f"{md}'s EXIT CODES table differs from the error table (tools/errors.h):\n--- docs\n{m.group(1)}"
             f"--- table\n{want}")
    print(f"PASS: {md} lists the {want.count(chr(10)) - 2} exit codes of the table")


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("manpage", "exit-codes"):
        sys.exit(__doc__)
    (manpage if sys.argv[1] == "manpage" else exit_codes)(sys.argv[2], sys.argv[3])
