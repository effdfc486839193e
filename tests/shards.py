"""Test helpers for the storage shards (storage.keys): references that fit a founder's shard,
as the bot draws them, and reads over every shard's stream."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from bot.core.references import ALPHABET
from flows.engine.address import Address
from storage.keys import SHARDS, KeyBuilder, shard_of


def fit(reference: str, founder: Address) -> str:
    """`reference`, or if it is not of the founder's shard, it with one or two characters
    added so that it is (the first such in the alphabet's order: the same every run, and two
    references stay two)."""
    shard = shard_of(founder.key)
    tails = ["", *ALPHABET, *(a + b for a in ALPHABET for b in ALPHABET)]
    return next(reference + t for t in tails if shard_of(reference + t) == shard)


async def outbox_len(redis: Redis, keys: KeyBuilder, part: str = "") -> int:
    """How many entries every shard's outbox stream (or `retry`/`dead` beside it) holds."""
    total = 0
    for shard in range(SHARDS):
        key = keys.outbox(shard, part)
        total += await (redis.zcard(key) if part == "retry" else redis.xlen(key))
    return total


async def outbox_entries(redis: Redis, keys: KeyBuilder, part: str = "") -> list[Any]:
    """Every entry of every shard's outbox stream (or `dead` stream), as XRANGE gives them."""
    found: list[Any] = []
    for shard in range(SHARDS):
        found += await redis.xrange(keys.outbox(shard, part))
    return found
