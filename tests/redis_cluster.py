"""A real local Redis Cluster for tests: three masters (`redis-server --cluster-enabled yes`)
on free ports, joined by `redis-cli --cluster create`, ready once every node says
`cluster_state:ok`; and the helpers the Sentinel harness shares (free ports, waiting)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

BUS_OFFSET = 10_000  # a cluster node's bus listens on its port + 10000


class HarnessError(RuntimeError):
    """A local Redis (cluster, replica or sentinel) did not start; the message says which."""


def require_redis_tools(purpose: str) -> None:
    """Skip when redis-server or redis-cli is missing here (Debian: redis-server, redis-tools);
    in CI (`CI` set) fail instead: `.ci/run` installs them, so missing means broken."""
    missing = [tool for tool in ("redis-server", "redis-cli") if shutil.which(tool) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed (Debian: redis-tools): {purpose}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


def free_port(*, with_bus: bool = False) -> int:
    """A TCP port nobody listens on now (and, `with_bus`, its cluster bus port neither)."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if not with_bus:
            return port
        if port + BUS_OFFSET < 65_536:
            with socket.socket() as bus:
                try:
                    bus.bind(("127.0.0.1", port + BUS_OFFSET))
                except OSError:
                    continue
            return port
    raise HarnessError("no free port pair for a cluster node")


def wait_until(what: str, ready: Callable[[], bool], timeout_s: float = 15.0) -> None:
    """Poll `ready` (errors count as not yet) until it holds; HarnessError naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if ready():
                return
        except (redis.RedisError, OSError):
            pass
        time.sleep(0.05)
    raise HarnessError(f"{what} not within {timeout_s:g} s")


def redis_server(
    folder: Path, port: int, *extra: str, config: Path | None = None
) -> subprocess.Popen[bytes]:
    """redis-server on 127.0.0.1:`port`, its files in `folder`, nothing persisted; `config`
    is a file read first (a sentinel's)."""
    server = shutil.which("redis-server")
    if server is None:
        raise HarnessError("redis-server is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    args = [str(config)] if config else []
    args += ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder)]
    args += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
    with (folder / "redis.log").open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen([server, *args, *extra], stdout=log, stderr=subprocess.STDOUT)


def answers(port: int) -> bool:
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        return bool(client.ping())
    finally:
        client.close()


class LocalCluster:
    """`masters` cluster nodes without replicas under `folder`; `url` is what REDIS_URL takes."""

    def __init__(self, folder: Path, masters: int = 3) -> None:
        self.folder = folder
        self.ports = [free_port(with_bus=True) for _ in range(masters)]
        self.procs: list[subprocess.Popen[bytes]] = []

    @property
    def url(self) -> str:
        return "redis-cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports)

    def start(self) -> None:
        cli = shutil.which("redis-cli")
        if cli is None:
            raise HarnessError("redis-cli is not installed (Debian: redis-tools)")
        for port in self.ports:
            node = ["--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf"]
            node += ["--cluster-node-timeout", "5000"]
            self.procs.append(redis_server(self.folder / str(port), port, *node))
        for port in self.ports:
            wait_until(f"cluster node {port} answering", lambda port=port: answers(port))
        nodes = [f"127.0.0.1:{p}" for p in self.ports]
        create = [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"]
        done = subprocess.run(create, capture_output=True, timeout=30, check=False)
        if done.returncode != 0:
            raise HarnessError(f"redis-cli --cluster create failed: {done.stdout[-500:]!r}")
        for port in self.ports:
            wait_until(f"cluster_state:ok on node {port}", lambda port=port: self._ok(port))

    @staticmethod
    def _ok(port: int) -> bool:
        client = redis.Redis(port=port, socket_timeout=1)
        try:
            return client.execute_command("CLUSTER INFO").get("cluster_state") == "ok"
        finally:
            client.close()

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
