"""A second host for tests: a network namespace joined to this one by a veth pair.

    with NetNs() as ns:                      # raises NetnsError (with ip's own message) if it cannot
        ns.host_ip, ns.ns_ip                 # the two ends of a /30 picked at random in 10.231.0.0/16
        ns.prefix                            # ["ip", "netns", "exec", NAME]: run a command inside
    # namespace, veth pair and every process left inside are gone here

    python netns.py run -- CMD ARGS...       # CMD inside a fresh namespace; prints the addresses
    python netns.py cleanup                  # removes namespaces left by test processes that died

The /30 is drawn from 10.231.0.0/16 and checked against every address and
route this host has (other tests' namespaces included, their host ends are
visible here), so two tests never share one. Names carry the creating pid
(mll<pid>x<rand>), so `cleanup` can tell leftovers from namespaces in use.
Removal also runs on SIGTERM and at interpreter exit. Making a namespace
needs CAP_NET_ADMIN (root); without it a test FAILS with ip's message,
it never skips.
"""
import atexit
import ipaddress
import os
import random
import re
import signal
import subprocess
import sys

POOL = ipaddress.ip_network("10.231.0.0/16")


class NetnsError(RuntimeError):
    pass


def ip(*args, check=True):
    p = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise NetnsError(f"`ip {' '.join(args)}` failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}"
                         " (network namespaces need root / CAP_NET_ADMIN)")
    return p.stdout


def networks_in_use():
    """Every IPv4 network this host has an address or a route in."""
    nets = []
    for line in (ip("-4", "-o", "addr", "show") + ip("-4", "route", "show", "table", "all")).splitlines():
        for m in re.finditer(r"(\d+\.\d+\.\d+\.\d+(?:/\d+)?)", line):
            try:
                nets.append(ipaddress.ip_network(m.group(1), strict=False))
            except ValueError:
                pass
    return nets


def pick_subnet(rnd=random.SystemRandom(), tries=200):
    used = networks_in_use()
    for _ in range(tries):
        net = ipaddress.ip_network((int(POOL.network_address) + rnd.randrange(POOL.num_addresses // 4) * 4, 30))
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return net
    raise NetnsError(f"no free /30 in {POOL} after {tries} tries")


class NetNs:
    def __init__(self):
        tag = f"{os.getpid()}x{random.SystemRandom().randrange(16 ** 4):04x}"
        self.name = f"mll{tag}"
        short = f"{random.SystemRandom().randrange(16 ** 6):06x}"
        self.veth_host, self.veth_ns = f"mv{short}h", f"mv{short}n"  # at most 15 characters
        self.subnet = self.host_ip = self.ns_ip = None
        self.made = False

    @property
    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def create(self):
        self.subnet = pick_subnet()
        hosts = list(self.subnet.hosts())
        self.host_ip, self.ns_ip = str(hosts[0]), str(hosts[1])
        ip("netns", "add", self.name)
        self.made = True
        _LIVE.add(self)
        ip("link", "add", self.veth_host, "type", "veth", "peer", "name", self.veth_ns)
        ip("link", "set", self.veth_ns, "netns", self.name)
        ip("addr", "add", f"{self.host_ip}/30", "dev", self.veth_host)
        ip("link", "set", self.veth_host, "up")
        inside = ["netns", "exec", self.name, "ip"]
        ip(*inside, "addr", "add", f"{self.ns_ip}/30", "dev", self.veth_ns)
        ip(*inside, "link", "set", self.veth_ns, "up")
        ip(*inside, "link", "set", "lo", "up")
        return self

    def pids(self):
        out = ip("netns", "pids", self.name, check=False)
        return [int(x) for x in out.split() if x.isdigit()]

    def remove(self):
        """Kills what still runs inside, then removes the veth pair and the namespace."""
        if not self.made:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            if sig == signal.SIGTERM and self.pids():
                subprocess.run(["sleep", "2"])
        ip("link", "del", self.veth_host, check=False)  # also removes the peer
        ip("netns", "del", self.name, check=False)
        self.made = False
        _LIVE.discard(self)

    def __enter__(self):
        try:
            return self.create()
        except BaseException:
            self.remove()
            raise

    def __exit__(self, *exc):
        self.remove()


_LIVE = set()


def _remove_all():
    for ns in list(_LIVE):
        ns.remove()


def _on_sigterm(signum, frame):
    _remove_all()
    sys.exit(128 + signum)


atexit.register(_remove_all)
if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
    signal.signal(signal.SIGTERM, _on_sigterm)


def cleanup_stale():
    """Removes mll<pid>x… namespaces (and their veth) whose creating process is gone."""
    removed = []
    for line in ip("netns", "list", check=False).splitlines():
        m = re.match(r"(mll(\d+)x[0-9a-f]{4})\b", line)
        if m and not os.path.exists(f"/proc/{m.group(2)}"):
            ns = NetNs()
            ns.name, ns.made = m.group(1), True
            for pid in ns.pids():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            ip("netns", "del", ns.name, check=False)  # its veth end goes with it, and so does the peer
            removed.append(ns.name)
    return removed


def main(argv):
    if argv[:1] == ["cleanup"]:
        print("removed:", " ".join(cleanup_stale()) or "nothing")
        return 0
    if len(argv) >= 3 and argv[0] == "run" and argv[1] == "--":
        with NetNs() as ns:
            print(f"netns {ns.name}: host {ns.host_ip}, namespace {ns.ns_ip}", flush=True)
            return subprocess.call(ns.prefix + argv[2:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except NetnsError as e:
        sys.exit(f"netns: {e}")
