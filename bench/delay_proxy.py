"""A delay line in front of Redis, so the form-steps scenario can put Redis "on another host":
every byte crossing it, either way, is held for a fixed delay counted from when it arrived.

It runs in its own process (`DelayProxy` starts `python -m bench.delay_proxy`), so its work
never runs on the bench's event loop. Threads, not asyncio: asyncio's selector sleeps in whole
milliseconds (epoll's timeout, rounded up), which would turn 0.25 ms into 1 ms; `time.sleep`
sleeps to the tens of microseconds. Each direction of a connection has a reader (stamps each
chunk with its due time) and a writer (sends each chunk when due, in order), so a pipeline or
several commands in flight overlap their delays as on a network, instead of queueing behind a
per-request sleep.
"""

from __future__ import annotations

import ctypes
import os
import select
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CHUNK = 256 * 1024
MAX_EARLY = 0.0002  # s: a wake-up later than this is the machine being busy, not the timer
PR_SET_TIMERSLACK = 29


def _connect(upstream: str) -> socket.socket:
    """`unix:/path` or `host:port`."""
    if upstream.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(upstream.removeprefix("unix:"))
        return sock
    host, _, port = upstream.rpartition(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class DelayLine:
    """Every connection's bytes, both ways, in one queue in order of arrival: with one delay for
    all, that is also the order they fall due, so the head is always the next to send."""

    def __init__(self, upstream: str, delay_s: float) -> None:
        self.upstream = upstream
        self.delay = delay_s
        self.poll = select.epoll()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=1024)
        self.poll.register(self.listener, select.EPOLLIN)
        self.peer: dict[int, socket.socket] = {}  # fd → the socket its bytes go to
        self.open: dict[int, socket.socket] = {}
        self.ended: set[int] = set()  # fds whose side has closed (EOF read)
        self.line: deque[tuple[float, socket.socket, bytes]] = deque()  # (due, to, b"" = EOF)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def run(self) -> None:
        """Forever: wait for a socket or the head's due time, whichever comes first.

        `select` on the epoll fd, because epoll's own timeout is whole milliseconds. A timed
        wake-up comes tens of microseconds late, so the line wakes that much early (`early`,
        the recent lateness)."""
        ready = [self.poll.fileno()]
        early = 0.0
        while True:
            target = self.line[0][0] - early if self.line else None
            timeout = None if target is None else max(0.0, target - time.monotonic())
            if select.select(ready, [], [], timeout)[0]:
                for fd, _ in self.poll.poll(0):
                    self._readable(fd)
            elif target is not None and timeout:
                early = 0.8 * early + 0.2 * min(time.monotonic() - target, MAX_EARLY)
            now = time.monotonic() + early
            while self.line and self.line[0][0] <= now:
                _, to, data = self.line.popleft()
                self._send(to, data)

    def _readable(self, fd: int) -> None:
        if fd == self.listener.fileno():
            self._accept()
            return
        sock = self.open.get(fd)
        if sock is None:
            return
        try:
            data = sock.recv(CHUNK)
        except OSError:
            data = b""
        if not data:
            self.poll.unregister(fd)
            self.ended.add(fd)
        self.line.append((time.monotonic() + self.delay, self.peer[fd], data))

    def _accept(self) -> None:
        client, _ = self.listener.accept()
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            server = _connect(self.upstream)
        except OSError:
            client.close()
            return
        for a, b in ((client, server), (server, client)):
            self.open[a.fileno()] = a
            self.peer[a.fileno()] = b
            self.poll.register(a, select.EPOLLIN)

    def _send(self, to: socket.socket, data: bytes) -> None:
        if to.fileno() not in self.open:  # closed since (a reset)
            return
        try:
            if data:
                to.sendall(data)
                return
            to.shutdown(socket.SHUT_WR)  # the other side closed its half: pass it on
        except OSError:
            self._close(to)
            return
        if self.peer[to.fileno()].fileno() in self.ended and to.fileno() in self.ended:
            self._close(to)

    def _close(self, sock: socket.socket) -> None:
        """Both sockets of a connection, after both ends closed or either failed."""
        for one in (sock, self.peer[sock.fileno()]):
            fd = one.fileno()
            if self.open.pop(fd, None) is None:
                continue
            if fd not in self.ended:
                self.poll.unregister(fd)
            self.ended.discard(fd)
            del self.peer[fd]
            one.close()


def serve(upstream: str, delay_ms: float) -> None:
    """Listen on 127.0.0.1 (a free port, printed on stdout) until killed."""
    # Linux lets a timed sleep end up to 50 µs late by default (the timer slack), so that it
    # may share a wake-up; 1 µs here.
    ctypes.CDLL(None).prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0)
    line = DelayLine(upstream, delay_ms / 1000)
    print(line.port, flush=True)
    line.run()


def upstream_of(url: str) -> str:
    """The proxy's upstream for a Redis URL (`unix://…` or `redis://host:port/…`)."""
    if url.startswith("unix://"):
        return "unix:" + url.removeprefix("unix://").split("?")[0]
    rest = url.split("://", 1)[1].split("/")[0].rpartition("@")[2]
    return rest if ":" in rest else f"{rest}:6379"


@dataclass(frozen=True)
class Proxy:
    """A running delay proxy: the Redis URL through it, and its process."""

    url: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the proxy has used (user + system), from /proc/<pid>/stat."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _through(url: str, port: int) -> str:
    """`url` with its address replaced by 127.0.0.1:`port` (database and password kept)."""
    scheme, _, rest = url.partition("://")
    if scheme == "unix":
        query = rest.partition("?")[2]
        db = next((p[3:] for p in query.split("&") if p.startswith("db=")), "0")
        return f"redis://127.0.0.1:{port}/{db}"
    auth, _, hostpath = rest.rpartition("@")
    return f"redis://{auth + '@' if auth else ''}127.0.0.1:{port}/{hostpath.partition('/')[2]}"


@contextmanager
def delayed(url: str, delay_ms: float) -> Iterator[Proxy]:
    """A delay proxy of `delay_ms` each way in front of the Redis at `url`, stopped on exit."""
    proc = subprocess.Popen(
        [sys.executable, __file__, upstream_of(url), str(delay_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield Proxy(_through(url, int(proc.stdout.readline())), proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


if __name__ == "__main__":
    serve(sys.argv[1], float(sys.argv[2]))
