"""The storage contract suite runs twice: against one redis-server and against a real local
Redis Cluster of three masters (tests/redis_cluster.py), each store's scripts reaching every key
they touch in one slot. `connect()` opens another client of the same kind ("another process")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

Connect = Callable[..., Any]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "one_redis: runs against one redis-server only (says why), not the Cluster"
    )


@pytest.fixture(params=["one", "cluster"])
def backend(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker("one_redis")
    if request.param == "cluster" and marker is not None:
        pytest.skip(marker.args[0] if marker.args else "one redis-server only")
    return str(request.param)


@pytest.fixture
def connect(backend: str, request: pytest.FixtureRequest) -> Connect:
    """A function opening a new client of the test's backend (keyword options passed on).

    A new RedisCluster client must learn the cluster through one command before it is used
    concurrently (redis-py 8.1: concurrent first commands race, some fail and are retried,
    twice applied), as the bot's `ping` at start-up does: await `client.ping()` first."""
    if backend == "one":
        url = request.getfixturevalue("redis_url")
        return lambda **options: aioredis.from_url(url, **options)
    seeds = request.getfixturevalue("redis_cluster_url").removeprefix("redis-cluster://")
    seed = seeds.split(",")[0]
    return lambda **options: RedisCluster.from_url(f"redis://{seed}", **options)


@pytest.fixture
async def redis(connect: Connect, key_prefix: str) -> AsyncIterator[Any]:
    client = connect(decode_responses=False)
    await client.ping()  # as the bot does at start-up, before anything runs concurrently
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()
