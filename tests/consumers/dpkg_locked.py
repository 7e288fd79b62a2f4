"""Runs one dpkg command the way apt does: holding dpkg's frontend lock, so that it waits
for (instead of colliding with) any apt-get or dpkg run on this machine, and any of them
waits for it.

  usage: python3 dpkg_locked.py [--wait SECONDS] -- dpkg -i file.deb

apt takes /var/lib/dpkg/lock-frontend with a POSIX (fcntl) lock and runs dpkg with
DPKG_FRONTEND_LOCKED=1; this does the same, retrying the lock for up to --wait seconds
(default 600) and then failing with a message that names who to wait for.
"""
import fcntl
import os
import subprocess
import sys
import time

LOCK = "/var/lib/dpkg/lock-frontend"


def main():
    args = sys.argv[1:]
    wait = 600.0
    if args[:1] == ["--wait"]:
        wait, args = float(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print(__doc__)
        return 2
    fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o640)
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except OSError:
            if time.monotonic() > deadline:
                print(f"dpkg_locked: {LOCK} still held by another apt/dpkg after {wait:.0f} s; not running "
                      f"{' '.join(args)}", file=sys.stderr)
                return 1
            time.sleep(2)
    try:
        env = dict(os.environ, DPKG_FRONTEND_LOCKED="1", DEBIAN_FRONTEND="noninteractive")
        return subprocess.run(args, env=env).returncode
    finally:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
