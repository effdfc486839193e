"""The bench's delay proxy (`bench/delay_proxy.py`) on a real Redis: commands pipelined through
it come back all and in order, every round trip through it takes at least twice the delay, and a
client closing its connection closes the proxy's connection to Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

from redis.asyncio import Redis

from bench.delay_proxy import delayed, upstream_of


def test_upstream_of_a_unix_socket_and_a_tcp_url():
    assert upstream_of("unix:///tmp/x/redis.sock?db=2") == "unix:/tmp/x/redis.sock"
    assert upstream_of("redis://:secret@10.0.0.5:6380/1") == "10.0.0.5:6380"
    assert upstream_of("redis://redis.internal/0") == "redis.internal:6379"


async def test_a_pipeline_through_it_keeps_every_reply_in_order(redis_url, redis, key_prefix):
    with delayed(redis_url, 0.5) as proxy:
        client = Redis.from_url(proxy.url)
        try:
            pipe = client.pipeline(transaction=False)
            for _ in range(500):
                pipe.incr(f"{key_prefix}:n")
            assert await pipe.execute() == list(range(1, 501))
            replies = await asyncio.gather(*(client.incr(f"{key_prefix}:m") for _ in range(50)))
            assert sorted(replies) == list(range(1, 51))
        finally:
            await client.aclose()


async def test_each_round_trip_takes_at_least_the_delay_both_ways(redis_url):
    with delayed(redis_url, 2.0) as proxy:
        client = Redis.from_url(proxy.url)
        try:
            await client.ping()
            for _ in range(10):
                started = time.perf_counter()
                await client.ping()
                assert time.perf_counter() - started >= 0.004
        finally:
            await client.aclose()


async def test_a_closed_client_connection_is_closed_towards_redis(redis_url, redis):
    name = f"proxied-{uuid.uuid4().hex[:8]}"
    with delayed(redis_url, 0.25) as proxy:
        client = Redis.from_url(proxy.url, client_name=name)
        await client.ping()
        assert any(c.get("name") == name for c in await redis.client_list())
        await client.aclose()
        for _ in range(100):
            if not any(c.get("name") == name for c in await redis.client_list()):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the proxy kept its connection to Redis open")
