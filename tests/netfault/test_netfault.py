"""Unit tests of the link-fault proxy (tests/netfault/netfault.py): it delays,
resets, stalls, goes dead and recovers as configured. The peer is an echo
server on 127.0.0.1 in this process; the proxy runs as its own process,
driven by its command line, its control socket and signals, as the sync
tests drive it."""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from netfault import Control  # noqa: E402

FAILURES = []


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


class Echo:
    """A threaded echo server on 127.0.0.1."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.echo, args=(c,), daemon=True).start()

    @staticmethod
    def echo(c):
        with c:
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        return
                    c.sendall(d)
            except OSError:
                return


class ProxyProc:
    """netfault.py as a subprocess; .port, .ctl (Control), .stop()."""

    def __init__(self, target_port, *args):
        self.p = subprocess.Popen([sys.executable, os.path.join(HERE, "netfault.py"), "--target",
                                   f"127.0.0.1:{target_port}", *args], stdout=subprocess.PIPE, text=True)
        line = self.p.stdout.readline()
        check(line, "netfault printed no ready line")
        ready = json.loads(line)
        self.port, self.ctl = ready["port"], Control(ready["control_port"])

    def stop(self):
        self.ctl.close()
        self.p.terminate()
        self.p.wait(10)


def expect_silence(s, seconds, what):
    """Nothing arrives on s for `seconds` (a stalled or dead link)."""
    s.settimeout(seconds)
    try:
        s.recv(10)
        check(False, what)
    except socket.timeout:
        pass


def roundtrip(port, payload=b"x" * 100, timeout=5.0, sock=None):
    """Seconds for payload to come back through a new (or given) connection."""
    s = sock or socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.settimeout(timeout)
    t = time.monotonic()
    s.sendall(payload)
    got = b""
    while len(got) < len(payload):
        d = s.recv(65536)
        if not d:
            raise ConnectionError("closed")
        got += d
    dt = time.monotonic() - t
    check(got == payload, "echo bytes differ")
    if sock is None:
        s.close()
    return dt


def test_delay(echo):
    direct = min(roundtrip(echo.port) for _ in range(3))
    px = ProxyProc(echo.port, "--delay-ms", "50")
    try:
        rtts = [roundtrip(px.port) for _ in range(5)]
        big = roundtrip(px.port, os.urandom(3 << 20), timeout=30)
        px.ctl.send("set delay_ms 0")
        fast = roundtrip(px.port)
    finally:
        px.stop()
    check(direct < 0.05, f"direct round trip {direct:.3f} s")
    check(all(0.1 <= r < 0.4 for r in rtts), f"round trips at 50 ms each way: {rtts}")
    check(big >= 0.1, f"3 MiB round trip {big:.3f} s")
    check(fast < 0.05, f"after set delay_ms 0: {fast:.3f} s")
    print(f"delay: direct {direct * 1000:.1f} ms, through 50 ms each way {min(rtts) * 1000:.1f}-"
          f"{max(rtts) * 1000:.1f} ms, 3 MiB echo {big:.2f} s")


def test_reset(echo):
    px = ProxyProc(echo.port, "--reset-fraction", "1", "--reset-after-ms", "0")
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        s.sendall(b"hello")
        err = None
        try:
            d = s.recv(100)
            d2 = s.recv(100) if d else b""
            err = f"got {d!r}{d2!r}"
        except ConnectionResetError:
            pass
        s.close()
        check(err is None, f"a reset connection should end with ECONNRESET, {err}")
        check(px.ctl.send("stats")["resets"] == 1, "one reset counted")
    finally:
        px.stop()


def test_reset_fraction(echo):
    px = ProxyProc(echo.port, "--reset-fraction", "0.3", "--seed", "7")
    ok = bad = 0
    try:
        for _ in range(100):
            try:
                roundtrip(px.port, b"ping", timeout=5)
                ok += 1
            except (ConnectionError, OSError):
                bad += 1
        st = px.ctl.send("stats")
    finally:
        px.stop()
    check(15 <= bad <= 45, f"30% of 100 connections should be reset, {bad} were")
    check(st["connections"] == 100, f"stats {st}")
    print(f"reset fraction 0.3: {bad} of 100 connections reset ({st['resets']} counted)")


def test_per_chunk(echo):
    """One kept-alive connection meets faults at the given rate per chunk (request)."""
    px = ProxyProc(echo.port, "--per-chunk", "--stall-fraction", "0.2", "--stall-seconds", "0.3", "--seed", "3")
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        times = [roundtrip(px.port, b"req", sock=s) for _ in range(40)]
        st = px.ctl.send("stats")
        px.ctl.send("set stall_fraction 0")
        px.ctl.send("set reset_fraction 1")
        try:
            roundtrip(px.port, b"req", sock=s)
            check(False, "a reset drawn for a chunk should cut the kept-alive connection")
        except (ConnectionError, OSError):
            pass
        s.close()
    finally:
        px.stop()
    slow = sum(t >= 0.25 for t in times)
    check(st["connections"] == 1, f"one connection: {st}")
    check(3 <= st["stalls"] <= 16 and slow == st["stalls"], f"20% of 40 requests stalled: {st['stalls']}, {slow} slow")
    print(f"per chunk: {st['stalls']} of 40 requests on one connection stalled 0.3 s")


def test_stall(echo):
    px = ProxyProc(echo.port, "--stall-fraction", "1", "--stall-seconds", "1.5")
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        s.sendall(b"abc")
        expect_silence(s, 0.7, "a stalled connection answered at once")
        s.settimeout(5)
        t = time.monotonic()
        check(s.recv(10) == b"abc", "data after the stall")
        waited = time.monotonic() - t
        s.close()
        check(px.ctl.send("stats")["stalls"] == 1, "one stall counted")
    finally:
        px.stop()
    check(waited < 1.5, f"the stall should end after 1.5 s (waited {waited:.2f} s more)")


def test_dead_drop_and_recover(echo):
    px = ProxyProc(echo.port)
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        roundtrip(px.port, sock=s)
        check(px.ctl.send("dead 1.5 drop")["link"] == "drop", "link is dead")
        t = time.monotonic()
        s.sendall(b"during")
        expect_silence(s, 0.5, "a dead link passed data")
        late = socket.create_connection(("127.0.0.1", px.port), timeout=5)  # accepted, held
        late.sendall(b"late")
        s.settimeout(5)
        check(s.recv(10) == b"during", "held data arrives when the link is back")
        back = time.monotonic() - t
        late.settimeout(5)
        check(late.recv(10) == b"late", "a connection made while dead works afterwards")
        check(px.ctl.send("stats")["link"] == "up", "link back up")
        s.close()
        late.close()
    finally:
        px.stop()
    check(1.4 <= back < 3, f"the link should be back after 1.5 s, was after {back:.2f} s")


def test_dead_refuse_and_schedule(echo):
    px = ProxyProc(echo.port, "--dead-at", "0.8:1.5:refuse")
    try:
        s = socket.create_connection(("127.0.0.1", px.port), timeout=5)
        roundtrip(px.port, sock=s)
        time.sleep(1.1)
        try:
            roundtrip(px.port, sock=s)
            check(False, "an open connection survived a refusing dead period")
        except (ConnectionError, OSError):
            pass
        try:
            socket.create_connection(("127.0.0.1", px.port), timeout=2).close()
            check(False, "a new connection was accepted while refusing")
        except ConnectionRefusedError:
            pass
        time.sleep(1.6)
        roundtrip(px.port)
        st = px.ctl.send("stats")
        check(st["refused_periods"] == 1 and st["link"] == "up", f"stats {st}")
    finally:
        px.stop()


def test_signals(echo):
    px = ProxyProc(echo.port, "--signal-dead-seconds", "30")
    try:
        px.p.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        check(px.ctl.send("stats")["link"] == "drop", "SIGUSR1 kills the link")
        px.p.send_signal(signal.SIGUSR2)
        time.sleep(0.3)
        check(px.ctl.send("stats")["link"] == "up", "SIGUSR2 brings it back")
        roundtrip(px.port)
    finally:
        px.stop()


def test_bad_input(echo):
    px = ProxyProc(echo.port)
    try:
        for bad in ("frobnicate", "set delay_ms -1", "set reset_fraction 2", "set nothing 1", "dead 1 sideways"):
            try:
                px.ctl.send(bad)
                check(False, f"control accepted {bad!r}")
            except ValueError:
                pass
        roundtrip(px.port)  # still works
    finally:
        px.stop()
    p = subprocess.run([sys.executable, os.path.join(HERE, "netfault.py"), "--target", "nohost"],
                       capture_output=True, text=True)
    check(p.returncode == 2 and "HOST:PORT" in p.stderr, f"bad --target: {p.returncode} {p.stderr}")


def main():
    echo = Echo()
    tests = [v for k, v in globals().items() if k.startswith("test_")]
    for t in tests:
        t0 = time.monotonic()
        try:
            t(echo)
            print(f"ok   {t.__name__} ({time.monotonic() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001 - every failure is reported
            FAILURES.append(t.__name__)
            print(f"FAIL {t.__name__}: {type(e).__name__}: {e}")
    print(f"{len(tests) - len(FAILURES)} passed, {len(FAILURES)} failed")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
