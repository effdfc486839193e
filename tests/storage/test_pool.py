"""`BoundedPool` on a real Redis: it never opens more than its bound, queues callers past it,
fails a caller that waited too long, and a woken caller that is cancelled passes the connection
on instead of leaving the others waiting."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as ConnectionLost

from storage.pool import BoundedPool

pytestmark = pytest.mark.one_redis(
    "the pool of one server's client (a Cluster's nodes have their own)"
)


def pooled(redis_url: str, bound: int, timeout: float = 10) -> tuple[Redis, BoundedPool, str]:
    name = f"pooltest-{uuid.uuid4().hex[:8]}"
    pool = BoundedPool.from_url(redis_url, max_connections=bound, timeout=timeout, client_name=name)
    return Redis.from_pool(pool), pool, name


async def opened(redis: Redis, name: str) -> int:
    return sum(1 for c in await redis.client_list() if c.get("name") == name)


async def test_callers_past_the_bound_wait_and_all_finish(redis_url, redis, key_prefix):
    client, _, name = pooled(redis_url, 3)
    try:
        key = f"{key_prefix}:never"
        held = [asyncio.create_task(client.blpop([key], timeout=0.3)) for _ in range(20)]
        await asyncio.sleep(0.1)  # three hold a connection in BLPOP, seventeen wait for one
        assert await opened(redis, name) == 3
        assert await asyncio.gather(*held) == [None] * 20
        assert await opened(redis, name) == 3
    finally:
        await client.aclose()


async def test_a_caller_waiting_past_the_timeout_fails(redis_url, key_prefix):
    client, _, _ = pooled(redis_url, 1, timeout=0.1)
    try:
        holder = asyncio.create_task(client.blpop([f"{key_prefix}:never"], timeout=1))
        await asyncio.sleep(0.05)
        with pytest.raises(ConnectionLost, match="No connection available"):
            await client.ping()
        assert await holder is None
        assert await client.ping()  # the connection given back serves again
    finally:
        await client.aclose()


async def test_a_woken_caller_cancelled_passes_the_connection_on(redis_url):
    client, pool, _ = pooled(redis_url, 1, timeout=5)
    try:
        taken = await pool.get_connection()
        first = asyncio.create_task(pool.get_connection())
        second = asyncio.create_task(pool.get_connection())
        await asyncio.sleep(0)  # both queue
        await pool.release(taken)  # wakes `first`...
        first.cancel()  # ...which is cancelled before it runs
        got = await asyncio.wait_for(second, 2)
        assert first.cancelled()
        await pool.release(got)
    finally:
        await client.aclose()
