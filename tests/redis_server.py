"""A redis-server of a test's own, with an append-only file, that the test may shut down and
start again on the same data, or stop (SIGSTOP) and continue, under founders mid-form."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path


class RedisServer:
    """redis-server on a unix socket in `folder`; every write is fsynced to its AOF."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sock = str(folder / "redis.sock")
        self.url = f"unix://{self.sock}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server is not None, "redis-server not found"
        self.proc = subprocess.Popen(
            [server, "--port", "0", "--unixsocket", self.sock, "--dir", str(self.folder)]
            + ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
            + ["--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not os.path.exists(self.sock):
            assert time.monotonic() < deadline and self.proc.poll() is None, "no redis-server"
            time.sleep(0.01)

    def shutdown(self) -> None:
        """SIGTERM: Redis flushes its AOF and exits (as `SHUTDOWN` does)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while os.path.exists(self.sock) and time.monotonic() < deadline:
            time.sleep(0.01)

    def restart(self) -> None:
        self.shutdown()
        self.start()

    def stall(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
