"""netfault: a TCP proxy that makes a link slow, lossy or dead, for tests.

This machine's kernel has no sch_netem (`tc qdisc ... netem` is refused) and
no link-fault proxy is packaged, so this one sits on the path between the
tool and the server instead. Python standard library only (asyncio).

    python netfault.py --listen 127.0.0.1:0 --target 10.231.7.2:5000 --delay-ms 50 \\
        [--reset-fraction 0.01] [--stall-fraction 0.01] [--stall-seconds 30] \\
        [--dead-at SECONDS:DURATION[:drop|refuse]]... [--seed N] \\
        [--control 127.0.0.1:0] [--ready-file FILE]

What it does to each connection:
- delay: every chunk is held --delay-ms in each direction (so 50 ms gives a
  100 ms round trip on top of the real one); order and half-closes are kept.
- reset: a --reset-fraction of new connections is cut with a TCP RST (both
  sides, SO_LINGER 0) --reset-after-ms after the first byte from the client.
- stall: a --stall-fraction of new connections stops forwarding after the
  first byte from the client, for --stall-seconds (0 = for ever), then goes on.
- --per-chunk: the reset/stall draw is made for every chunk the client sends
  (about one request on a kept-alive connection) instead of once per
  connection; a client that reuses one connection for everything meets
  faults at the given rate per request.
- dead: for N seconds the link is down. "drop" (a pulled cable): nothing
  passes either way, new connections are accepted but held (a SYN that is
  answered late), and everything resumes, in order, when the link is back.
  "refuse" (a host that went away): the listening socket is closed and every
  open connection is reset; it listens again on the same port afterwards.

Control, from a test: a line protocol on --control (TCP, loopback), one JSON
answer per command:
    dead SECONDS [drop|refuse]   alive   stats   quit
    set delay_ms|reset_fraction|stall_fraction|stall_seconds|reset_after_ms|per_chunk VALUE
and signals: SIGUSR1 = dead for --signal-dead-seconds (drop), SIGUSR2 = alive.
When ready it prints one JSON line {"port": P, "control_port": C} on stdout
(and writes it to --ready-file). In Python, `Proxy(...).start_thread()` runs
the same proxy in a background thread of the test itself.

The proxy never connects anywhere but --target, and --listen/--control
should be loopback or namespace addresses the test made.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

CHUNK = 65536
QUEUE_CHUNKS = 256  # at most 16 MiB held per direction: a dead link pushes back on the sender like TCP


class Settings:
    """The knobs a test may change while the proxy runs."""

    def __init__(self, delay_ms=0.0, reset_fraction=0.0, stall_fraction=0.0, stall_seconds=30.0,
                 reset_after_ms=0.0, per_chunk=0):
        self.per_chunk = float(per_chunk)
        self.delay_ms = float(delay_ms)
        self.reset_fraction = float(reset_fraction)
        self.stall_fraction = float(stall_fraction)
        self.stall_seconds = float(stall_seconds)
        self.reset_after_ms = float(reset_after_ms)

    def set(self, name, value):
        if name not in vars(self):
            raise ValueError(f"unknown setting {name!r}")
        v = float(value)
        if v < 0 or ((name.endswith("fraction") or name == "per_chunk") and v > 1):
            raise ValueError(f"{name} out of range: {value}")
        setattr(self, name, v)


class Link:
    """Whether the link is up; waiters resume when it comes back."""

    def __init__(self):
        self.mode = None  # None (up), "drop" or "refuse"
        self.until = 0.0
        self.up_event = asyncio.Event()
        self.up_event.set()
        self.timer = None

    def go_dead(self, seconds, mode):
        self.mode, self.until = mode, time.monotonic() + seconds
        self.up_event.clear()

    def go_alive(self):
        self.mode = None
        self.up_event.set()

    async def wait_up(self):
        await self.up_event.wait()


def reset_socket(writer):
    """Close with RST instead of FIN."""
    sock = writer.get_extra_info("socket")
    try:
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()


class Conn:
    """One client connection and its upstream, with a fate chosen at accept."""

    def __init__(self, proxy, creader, cwriter):
        self.proxy = proxy
        self.creader, self.cwriter = creader, cwriter
        self.sreader = self.swriter = None
        rnd = proxy.rnd.random()
        s = proxy.settings
        self.fate = "reset" if rnd < s.reset_fraction else "stall" if rnd < s.reset_fraction + s.stall_fraction else "ok"
        if s.per_chunk:
            self.fate = "ok"  # drawn again for every chunk instead (roll_chunk)
        self.first_byte = asyncio.Event()
        self.stalled_until = None
        self.closed = False

    async def run(self):
        p = self.proxy
        try:
            await p.link.wait_up()  # a connection made while the link is dead is answered late
            self.sreader, self.swriter = await asyncio.open_connection(*p.target)
        except OSError:
            p.stats["upstream_failures"] += 1
            reset_socket(self.cwriter)
            return
        tasks = [asyncio.ensure_future(self.pump(self.creader, self.swriter, True)),
                 asyncio.ensure_future(self.pump(self.sreader, self.cwriter, False))]
        if self.fate == "reset":
            tasks.append(asyncio.ensure_future(self.reset_later()))
        p.conns.add(self)
        try:
            await asyncio.gather(*tasks[:2], return_exceptions=True)
        finally:
            for t in tasks:
                t.cancel()
            p.conns.discard(self)
            self.close()

    async def reset_later(self):
        await self.first_byte.wait()
        await asyncio.sleep(self.proxy.settings.reset_after_ms / 1000.0)
        if not self.closed:
            self.proxy.stats["resets"] += 1
        self.reset()

    def reset(self):
        if not self.closed:
            self.closed = True
            reset_socket(self.cwriter)
            if self.swriter is not None:
                reset_socket(self.swriter)

    def close(self):
        if not self.closed:
            self.closed = True
            for w in (self.cwriter, self.swriter):
                if w is not None:
                    w.close()

    def roll_chunk(self):
        """--per-chunk: each chunk from the client (about one request on a kept-alive
        connection) draws a fate of its own: reset the connection, or stall it from here."""
        s, rnd = self.proxy.settings, self.proxy.rnd.random()
        if rnd < s.reset_fraction:
            self.fate = "reset"
            asyncio.ensure_future(self.reset_later())
        elif rnd < s.reset_fraction + s.stall_fraction and (self.stalled_until is None
                                                             or time.monotonic() >= self.stalled_until):
            self.fate = "stall"

    async def gate(self, upstream):
        """Waits while this connection is stalled or the link is dead."""
        p = self.proxy
        if upstream and self.fate == "stall" and (self.stalled_until is None or self.proxy.settings.per_chunk
                                                  and time.monotonic() >= self.stalled_until):
            self.fate = "ok" if self.proxy.settings.per_chunk else "stall"
            p.stats["stalls"] += 1
            s = p.settings.stall_seconds
            self.stalled_until = time.monotonic() + s if s > 0 else float("inf")
        if self.stalled_until is not None and time.monotonic() < self.stalled_until:
            await asyncio.sleep(min(self.stalled_until - time.monotonic(), 1e9))
        await p.link.wait_up()

    async def pump(self, reader, writer, upstream):
        """Copies one direction, each chunk held delay_ms; keeps order and the half-close."""
        q = asyncio.Queue(QUEUE_CHUNKS)
        sender = asyncio.ensure_future(self.send(q, writer, upstream))
        try:
            while True:
                data = await reader.read(CHUNK)
                if upstream and data:
                    self.first_byte.set()
                    if self.proxy.settings.per_chunk:
                        self.roll_chunk()
                await q.put((time.monotonic() + self.proxy.settings.delay_ms / 1000.0, data))
                if not data:
                    break
            await sender
        except (ConnectionError, OSError):
            pass
        finally:
            sender.cancel()

    async def send(self, q, writer, upstream):
        try:
            await self.send_all(q, writer, upstream)
        except (ConnectionError, OSError):
            self.reset()  # the peer went away: end the other direction too

    async def send_all(self, q, writer, upstream):
        key = "bytes_up" if upstream else "bytes_down"
        while True:
            due, data = await q.get()
            await self.gate(upstream)
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await self.proxy.link.wait_up()
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            self.proxy.stats[key] += len(data)
            await writer.drain()


class Proxy:
    """The proxy itself; run it with serve() (asyncio) or start_thread() (a test's background thread)."""

    def __init__(self, target, listen=("127.0.0.1", 0), control=("127.0.0.1", 0), settings=None,
                 dead_schedule=(), seed=None, signal_dead_seconds=20.0):
        self.target = target
        self.listen_addr = listen
        self.control_addr = control
        self.settings = settings or Settings()
        self.dead_schedule = list(dead_schedule)
        self.rnd = random.Random(seed)
        self.signal_dead_seconds = signal_dead_seconds
        self.stats = {"connections": 0, "resets": 0, "stalls": 0, "refused_periods": 0, "dead_periods": 0,
                      "upstream_failures": 0, "bytes_up": 0, "bytes_down": 0}
        self.conns = set()
        self.port = self.control_port = None
        self.server = self.control_server = None
        self.link = None
        self.loop = None
        self.stopped = None
        self.thread = None

    # ---- the data path
    async def on_client(self, reader, writer):
        self.stats["connections"] += 1
        try:
            await Conn(self, reader, writer).run()
        except asyncio.CancelledError:
            pass  # the proxy is stopping

    async def listen(self):
        self.server = await asyncio.start_server(self.on_client, self.listen_addr[0], self.port or self.listen_addr[1],
                                                 reuse_address=True)
        self.port = self.server.sockets[0].getsockname()[1]

    # ---- dead and alive
    def dead(self, seconds, mode="drop"):
        if mode not in ("drop", "refuse"):
            raise ValueError(f"unknown dead mode {mode!r} (drop or refuse)")
        if self.link.timer:
            self.link.timer.cancel()
        self.link.go_dead(seconds, mode)
        self.stats["dead_periods"] += 1
        if mode == "refuse":
            self.stats["refused_periods"] += 1
            if self.server is not None:
                self.server.close()
                self.server = None
            for c in list(self.conns):
                c.reset()
        self.link.timer = self.loop.call_later(seconds, lambda: asyncio.ensure_future(self.alive()))

    async def alive(self):
        if self.link.timer:
            self.link.timer.cancel()
            self.link.timer = None
        if self.link.mode == "refuse" and self.server is None:
            await self.listen()
        self.link.go_alive()

    async def run_schedule(self):
        start = time.monotonic()
        for at, seconds, mode in sorted(self.dead_schedule):
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            self.dead(seconds, mode)

    # ---- control
    async def command(self, line):
        words = line.split()
        if not words:
            return {"error": "empty command"}
        cmd, args = words[0], words[1:]
        if cmd == "dead" and args:
            self.dead(float(args[0]), args[1] if len(args) > 1 else "drop")
        elif cmd == "alive":
            await self.alive()
        elif cmd == "set" and len(args) == 2:
            self.settings.set(args[0], args[1])
        elif cmd == "quit":
            self.stopped.set()
        elif cmd != "stats":
            return {"error": f"unknown command {line.strip()!r}"}
        return self.status()

    def status(self):
        return dict(self.stats, link=self.link.mode or "up", open=len(self.conns), port=self.port,
                    **vars(self.settings))

    async def on_control(self, reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                try:
                    answer = await self.command(line.decode("utf-8", "replace"))
                except ValueError as e:
                    answer = {"error": str(e)}
                writer.write((json.dumps(answer) + "\n").encode())
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    # ---- running
    async def serve(self, ready=None):
        self.loop = asyncio.get_running_loop()
        self.link = Link()
        self.stopped = asyncio.Event()
        await self.listen()
        self.control_server = await asyncio.start_server(self.on_control, *self.control_addr)
        self.control_port = self.control_server.sockets[0].getsockname()[1]
        sched = asyncio.ensure_future(self.run_schedule())
        if ready:
            ready()
        await self.stopped.wait()
        sched.cancel()
        for srv in (self.server, self.control_server):
            if srv is not None:
                srv.close()
        for c in list(self.conns):
            c.close()

    def install_signals(self):
        self.loop.add_signal_handler(signal.SIGUSR1, lambda: self.dead(self.signal_dead_seconds, "drop"))
        self.loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(self.alive()))
        self.loop.add_signal_handler(signal.SIGTERM, self.stopped.set)
        self.loop.add_signal_handler(signal.SIGINT, self.stopped.set)

    def start_thread(self):
        """Runs the proxy in a daemon thread; returns self once it listens."""
        started = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self.serve(started.set)), daemon=True)
        self.thread.start()
        if not started.wait(30):
            raise RuntimeError("netfault proxy did not start")
        return self

    def call(self, fn, *args):
        """Runs fn(*args) on the proxy's loop from another thread (coroutines awaited); returns its result."""
        async def wrap():
            r = fn(*args)
            return await r if asyncio.iscoroutine(r) else r
        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(30)

    def stop(self):
        if self.loop is not None and self.thread is not None:
            self.loop.call_soon_threadsafe(self.stopped.set)
            self.thread.join(30)

    def __enter__(self):
        return self.start_thread()

    def __exit__(self, *exc):
        self.stop()


class Control:
    """A test's handle on a proxy running as a separate process: send(cmd) -> dict."""

    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=30)
        self.file = self.sock.makefile("rwb")

    def send(self, line):
        self.file.write((line.strip() + "\n").encode())
        self.file.flush()
        answer = json.loads(self.file.readline())
        if "error" in answer:
            raise ValueError(answer["error"])
        return answer

    def close(self):
        self.file.close()
        self.sock.close()


class Process:
    """netfault.py as a child process (so it never shares a GIL with the client it
    slows down): .port, .control (a Control), .stop(). args are command-line options."""

    def __init__(self, target, *args, python=sys.executable):
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--target", f"{target[0]}:{target[1]}",
                                      *map(str, args)], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError(f"netfault exited {self.proc.returncode} before it was ready")
        ready = json.loads(line)
        self.port = ready["port"]
        self.control = Control(ready["control_port"])

    def stop(self):
        stats = self.control.send("stats")
        self.control.close()
        self.proc.terminate()
        self.proc.wait(10)
        return stats

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {s!r}")
    return host.strip("[]"), int(port)


def dead_spec(s):
    parts = s.split(":")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("drop", "refuse")):
        raise argparse.ArgumentTypeError(f"expected SECONDS:DURATION[:drop|refuse], got {s!r}")
    return float(parts[0]), float(parts[1]), parts[2] if len(parts) == 3 else "drop"


def parse_args(argv):
    a = argparse.ArgumentParser(description="A TCP proxy that delays, resets, stalls and kills a link.")
    a.add_argument("--listen", type=hostport, default=("127.0.0.1", 0))
    a.add_argument("--target", type=hostport, required=True)
    a.add_argument("--control", type=hostport, default=("127.0.0.1", 0))
    a.add_argument("--delay-ms", type=float, default=0.0, help="added each way")
    a.add_argument("--reset-fraction", type=float, default=0.0)
    a.add_argument("--reset-after-ms", type=float, default=0.0)
    a.add_argument("--stall-fraction", type=float, default=0.0)
    a.add_argument("--stall-seconds", type=float, default=30.0, help="0 = stall for ever")
    a.add_argument("--per-chunk", action="store_true",
                   help="draw reset/stall for every chunk from the client, not once per connection")
    a.add_argument("--dead-at", type=dead_spec, action="append", default=[], metavar="SECONDS:DURATION[:MODE]")
    a.add_argument("--signal-dead-seconds", type=float, default=20.0, help="how long SIGUSR1 kills the link")
    a.add_argument("--seed", type=int)
    a.add_argument("--ready-file")
    return a.parse_args(argv)


def main(argv=None):
    o = parse_args(argv if argv is not None else sys.argv[1:])
    settings = Settings()
    for name in ("delay_ms", "reset_fraction", "stall_fraction", "stall_seconds", "reset_after_ms", "per_chunk"):
        try:
            settings.set(name, getattr(o, name))
        except ValueError as e:
            sys.exit(f"netfault: {e}")
    p = Proxy(o.target, o.listen, o.control, settings, o.dead_at, o.seed, o.signal_dead_seconds)

    def ready():
        p.install_signals()
        line = json.dumps({"port": p.port, "control_port": p.control_port})
        if o.ready_file:
            with open(o.ready_file, "w") as f:
                f.write(line + "\n")
        print(line, flush=True)
    asyncio.run(p.serve(ready))
    print(json.dumps(p.stats), file=sys.stderr)


if __name__ == "__main__":
    main()
