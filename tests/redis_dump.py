"""Every key under a test's prefix with its whole content as text: what a scan of Redis
would show an attacker or an auditor."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis


async def everything(redis: aioredis.Redis, prefix: str) -> dict[str, str]:
    """key → repr of its content (strings, lists, hashes, sorted sets, streams)."""
    dump: dict[str, str] = {}
    async for raw in redis.scan_iter(match=f"{prefix}:*"):
        key = raw.decode()
        kind = (await redis.type(key)).decode()
        if kind == "string":
            value: Any = await redis.get(key)
        elif kind == "list":
            value = await redis.lrange(key, 0, -1)
        elif kind == "hash":
            value = await redis.hgetall(key)
        elif kind == "zset":
            value = await redis.zrange(key, 0, -1, withscores=True)
        elif kind == "set":
            value = sorted(await redis.smembers(key))
        else:
            assert kind == "stream", kind
            value = await redis.xrange(key)
        dump[key] = repr(value)
    return dump
