"""`BoundedPool` on a real Redis: it never opens more than its bound, queues callers past it,
fails a caller that waited too long, and a woken caller that is cancelled passes the connection
on instead of leaving the others waiting."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import ConnectionError as ConnectionLost
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as WriteTimeout

from storage.pool import BoundedPool, packing_in_c

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


VALUES = ("EVALSHA", "张三", b"\x00\xff", bytearray(b"ab"), memoryview(b"cd"), 0, -5, 2**62)
FLOATS = (0.1, 1_790_000_000.25, 1e20, 1e-7, 3.0, float("inf"))


def test_its_connections_pack_commands_as_redis_py_does() -> None:
    python = Connection()
    packing = packing_in_c(Connection)()
    for command in (("SET", *VALUES, *FLOATS), ("CONFIG GET", "maxmemory"), (b"XINFO GROUPS", "s")):
        assert b"".join(packing.pack_command(*command)) == b"".join(python.pack_command(*command))
    with pytest.raises(DataError):  # as redis-py refuses it
        packing.pack_command("SET", "k", True)  # type: ignore[arg-type]
    assert packing_in_c(packing_in_c(Connection)) is packing_in_c(Connection)


async def test_commands_it_packs_reach_redis(redis_url: str) -> None:
    redis, pool, _ = pooled(redis_url, 2)
    try:
        assert pool.connection_class.__name__.startswith("Hiredis")
        key = f"pooltest-{uuid.uuid4().hex[:8]}"
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(key, "张三")
            pipe.zadd(key + ":z", {"m": 1_790_000_000.25})
            await pipe.execute()
        assert await redis.get(key) == "张三".encode()
        assert await redis.zscore(key + ":z", "m") == 1_790_000_000.25
        assert await redis.config_get("maxmemory")
        await redis.delete(key, key + ":z")
    finally:
        await redis.aclose()


async def test_a_connection_given_back_with_a_reply_unread_is_made_again(redis_url: str) -> None:
    redis, pool, _ = pooled(redis_url, 1)
    try:
        assert await redis.ping()
        connection = await pool.get_connection()
        await connection.send_command("ECHO", "stale")
        await asyncio.sleep(0.1)  # its reply arrives and is left unread
        await pool.release(connection)
        assert await redis.echo("fresh") == b"fresh"  # not the stale reply
        connection = await pool.get_connection()  # connected and clean: taken as it is
        assert connection.is_connected
        await pool.release(connection)
        assert await redis.echo("again") == b"again"
    finally:
        await redis.aclose()


async def test_a_write_that_stalls_times_out_as_redis_py_says_and_is_closed(
    redis_url: str,
) -> None:
    pool = BoundedPool.from_url(redis_url, max_connections=1, socket_timeout=0.2)
    redis = Redis.from_pool(pool)
    try:
        assert await redis.ping()
        connection = await pool.get_connection()

        async def stalled() -> None:  # a Redis that stopped reading: the socket buffer is full
            await asyncio.Event().wait()

        connection._writer.drain = stalled  # type: ignore[attr-defined,method-assign]
        with pytest.raises(WriteTimeout, match="Timeout writing to socket"):
            await connection.send_command("PING")
        assert not connection.is_connected
        assert connection.socket_timeout == 0.2  # the next command is timed as before
        await pool.release(connection)
        assert await redis.echo("after") == b"after"  # on a connection made again
    finally:
        await redis.aclose()
