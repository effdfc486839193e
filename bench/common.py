"""What every scenario shares: a private Redis, counting Redis round trips, INFO commandstats
deltas, percentiles and the machine the figures come from."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from flows.policy.loader import load_policy_data

ROOT = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """A bot did not behave as a founder expects (a missing button, a lost answer)."""


@contextmanager
def redis_url() -> Iterator[str]:
    """REDIS_URL when set; else a private redis-server on a unix socket, stopped on exit.

    Like the test suite's: no persistence (AOF and RDB off), so figures measure the bot, not
    the disk. Production runs AOF (see `scripts/with-redis.sh`)."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server not found: `make bench` installs it, or set REDIS_URL")
    tmp = tempfile.mkdtemp(prefix="smebot-bench-redis.")
    sock = os.path.join(tmp, "redis.sock")
    proc = subprocess.Popen(
        [server, "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--dir", tmp,
         "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not os.path.exists(sock):
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("private redis-server did not start")
        time.sleep(0.02)
    try:
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


def new_prefix(name: str) -> str:
    """A key prefix private to one scenario run (so a shared REDIS_URL is left as it was)."""
    return f"bench{name}{uuid.uuid4().hex[:6]}"


async def drop_prefix(redis: Redis, prefix: str) -> None:
    """Delete every key under `prefix:` (SCAN, never KEYS)."""
    batch: list[Any] = []
    async for key in redis.scan_iter(match=f"{prefix}:*", count=2000):
        batch.append(key)
        if len(batch) >= 2000:
            await redis.unlink(*batch)
            batch.clear()
    if batch:
        await redis.unlink(*batch)


class RoundTrips:
    """Counts what a Redis client writes to its sockets: one command, or one whole pipeline,
    is one round trip. Installed on the client's pool before it opens a connection."""

    def __init__(self, redis: Redis) -> None:
        self.count = 0
        counter = self
        pool = redis.connection_pool
        base = pool.connection_class

        class Counted(base):  # type: ignore[misc, valid-type]
            async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
                counter.count += 1
                await super().send_packed_command(command, check_health)

        pool.connection_class = Counted


async def commandstats(redis: Redis) -> dict[str, int]:
    """Calls per command since the server started (INFO commandstats). Commands run inside a
    Lua script (redis.call) are counted too, under their own names."""
    info = await redis.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in info.items()}


def stats_delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Calls made between two `commandstats` readings (minus the reading itself)."""
    delta = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    delta["info"] = delta.get("info", 0) - 1
    return {k: v for k, v in delta.items() if v > 0}


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    cpu_count: int
    date: str
    python: str
    redis: str

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


async def machine(redis: Redis) -> Machine:
    """The CPU model and count, the date, and the Python and Redis versions."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = await redis.info("server")
    return Machine(
        cpu_model=model,
        cpu_count=os.cpu_count() or 1,
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        python=platform.python_version(),
        redis=str(info.get("redis_version", "?")),
    )


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc/<pid>/status (VmRSS), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def one_agency_toml(**transport: object) -> str:
    """An agencies file with one agency for every office of the policy data; `transport` gives
    its transport fields (values written as JSON, which TOML reads the same for these)."""
    offices = [o.id for o in load_policy_data().offices]
    lines = [
        "[[agency]]",
        'id = "bench"',
        'name = { zh = "基准测试收件", en = "Benchmark inbox" }',
        f"offices = {json.dumps(offices)}",
        *(f"{key} = {json.dumps(value)}" for key, value in transport.items()),
    ]
    return "\n".join(lines) + "\n"
