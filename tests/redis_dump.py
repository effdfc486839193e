"""Every key under a test's prefix with its whole content as text: what a scan of Redis
would show an attacker or an auditor (packed records unpacked: compression hides nothing)."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from storage.packing import unpack


async def everything(redis: aioredis.Redis, prefix: str) -> dict[str, str]:
    """key → repr of its content (strings, lists, hashes, sorted sets, streams)."""
    dump: dict[str, str] = {}
    async for raw in redis.scan_iter(match=f"{prefix}:*"):
        key = raw.decode()
        kind = (await redis.type(key)).decode()
        if kind == "string":  # a packed record unpacked: a scan must see what it holds
            stored = await redis.get(key)
            value: Any = unpack(stored).encode() if stored[:1] == b"\x78" else stored
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
