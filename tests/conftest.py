"""Shared fixtures: a real Redis for every test that needs one (never a mock of it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_cluster_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Redis Cluster of three masters for the session (tests/redis_cluster.py), as
    REDIS_URL takes it (`redis-cluster://…`); a cluster that does not start fails the test."""
    from redis_cluster import HarnessError, LocalCluster, require_redis_tools

    require_redis_tools("the Redis Cluster tests need them")
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster"))
    try:
        try:
            cluster.start()
        except HarnessError as exc:
            pytest.fail(f"the local Redis Cluster did not start: {exc}")
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL from the environment, or a private redis-server started for this session."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server not found: run `make test` (it installs it) or set REDIS_URL")
    tmp = tempfile.mkdtemp(prefix="smebot-test-redis.")
    sock = os.path.join(tmp, "redis.sock")
    proc = subprocess.Popen(
        [
            server,
            "--port",
            "0",
            "--unixsocket",
            sock,
            "--dir",
            tmp,
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--loglevel",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not os.path.exists(sock):
        if time.monotonic() > deadline or proc.poll() is not None:
            pytest.fail("private redis-server did not start")
        time.sleep(0.02)
    os.environ["REDIS_URL"] = f"unix://{sock}"
    try:
        yield f"unix://{sock}"
    finally:
        os.environ.pop("REDIS_URL", None)
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def key_prefix() -> str:
    """A key prefix private to one test, so tests share one Redis without seeing each other."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def redis(redis_url: str, key_prefix: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_url, decode_responses=False)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()
