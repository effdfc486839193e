"""Moving a store of key schema v1 (one outbox stream, untagged submissions) to v2's shards.

v1 ran on one Redis primary, so the move is done there, key by key, before the bot of v2
starts (`python -m bot migrate-keys`): a record is renamed to its v2 name; the outbox stream,
its retries and dead letters, and the indexes are split by shard. The work still to deliver is
what the v1 consumer group had not settled: pending entries and those not read yet. Running it
again moves what is left and changes nothing moved before.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any, cast

from redis.asyncio import Redis

from flows.engine.address import Address
from storage.errors import text, unavailable
from storage.keys import SEPARATOR, KeyBuilder, shard_of

log = logging.getLogger(__name__)
OLD = "v1"
PAGE = 500


def _founder_key(tagged: str) -> str:
    """The address key inside a v1 tag, `{42}` → `42`."""
    if not (tagged.startswith("{") and tagged.endswith("}")):
        raise ValueError(f"not a tag: {tagged!r}")
    return tagged[1:-1]


def _address(key: str) -> Address:
    """The founder a v1 tag names (`Address.key` read back)."""
    channel, dot, chat = key.partition(".")
    return Address(channel, chat) if dot else Address.telegram(int(key))


def _shard_of_member(member: str) -> int:
    return shard_of(Address.parse(member).key)


class Migration:
    """The v1 → v2 move of one prefix's keys (`run`); counts what it moved, by kind."""

    def __init__(self, redis: Redis, keys: KeyBuilder, group: str = "delivery") -> None:
        self.redis = redis
        self.keys = keys
        self.group = group
        self.old = f"{keys.prefix}{SEPARATOR}{OLD}{SEPARATOR}"
        self.moved: Counter[str] = Counter()

    async def pending(self) -> bool:
        """Whether any key of schema v1 is left under this prefix."""
        with unavailable():
            async for _ in self.redis.scan_iter(match=self.old + "*", count=PAGE):
                return True
        return False

    async def run(self) -> Counter[str]:
        with unavailable():
            names = sorted({text(k) async for k in self.redis.scan_iter(self.old + "*", PAGE)})
            for name in names:
                await self._move(name, name.removeprefix(self.old).split(SEPARATOR))
        if self.moved:
            log.info("key schema v1 → v2: %s", dict(self.moved))
        return self.moved

    async def _move(self, name: str, parts: list[str]) -> None:
        head, rest = parts[0], parts[1:]
        if head in ("f", "staff") and rest:
            key = _founder_key(rest[0])
            build = self.keys.founder if head == "f" else self.keys.staff
            await self._rename(name, build(_address(key), *rest[1:]), head)
        elif head == "sub" and len(rest) == 1:
            await self._rename(name, self.keys.submission(rest[0]), "submission")
        elif head == "sub" and len(rest) == 2:
            await self._rename(name, self.keys.case(rest[0], rest[1]), "case")
        elif head == "delivery" and len(rest) == 1:
            await self._rename(name, self.keys.delivery(rest[0]), "delivery")
        elif parts == ["outbox"]:
            await self._outbox(name)
        elif parts == ["outbox", "retry"]:
            await self._retries(name)
        elif parts == ["outbox", "dead"]:
            await self._split_stream(name, lambda f: self.keys.outbox_of(f["reference"], "dead"))
        elif parts == ["retention"]:
            await self._split_zset(name, lambda m: self.keys.retention(shard_of(m)))
        elif parts == ["retention", "backfilled"]:
            await self._rename(name, self.keys.retention(0) + ":backfilled", "marker")
        elif parts == ["roles"]:
            await self._split_hash(name, lambda m: self.keys.roles(_shard_of_member(m)))
        elif parts == ["roles", "log"]:
            await self._split_stream(
                name, lambda f: self.keys.roles_log(_shard_of_member(f["member"]))
            )
        elif parts == ["subscribers"]:
            await self._split_hash(name, lambda m: self.keys.subscribers(_shard_of_member(m)))
        elif parts == ["privacy", "erasures"]:
            await self._rename(name, self.keys.erasures(), "erasures")
        elif head == "{timers}" and len(rest) == 1:
            await self._rename(name, self.keys.timers(rest[0]), "timers")
        elif head == "bc" and len(rest) == 2:
            await self._rename(name, self.keys.broadcast(_founder_key(rest[0]), rest[1]), "bc")
        elif head == "bcs" and len(rest) == 1:
            await self._rename(name, self.keys.broadcasts(rest[0]), "bc")
        else:
            log.warning("key schema v1: left a key of no known kind (%s)", head)

    async def _rename(self, old: str, new: str, kind: str) -> None:
        """RENAMENX: a v2 record written meanwhile wins, and the v1 copy is dropped."""
        if not await self.redis.renamenx(old, new):
            await self.redis.delete(old)
        self.moved[kind] += 1

    async def _outbox(self, name: str) -> None:
        """The entries the v1 group had not settled (pending, or never read), each onto its
        shard's stream; the settled ones were delivered, retried or dead-lettered already."""
        settled_up_to = "0-0"
        pending: set[str] = set()
        for group in await self.redis.xinfo_groups(name):
            if text(group["name"]) == self.group:
                settled_up_to = text(group["last-delivered-id"])
                detail = await self.redis.xpending_range(name, self.group, "-", "+", 10**6)
                pending = {text(p["message_id"]) for p in detail}
        for entry, item in await self._entries(name):
            if entry in pending or _after(entry, settled_up_to):
                shard = shard_of(item["reference"]) if item.get("reference") else 0
                await self.redis.xadd(self.keys.outbox(shard), item)
                self.moved["outbox"] += 1
        await self.redis.delete(name)

    async def _entries(self, name: str) -> list[tuple[str, dict[Any, Any]]]:
        """A stream's entries: id and fields, as text."""
        raw = cast(list[tuple[bytes, dict[bytes, bytes]]], await self.redis.xrange(name))
        return [(text(i), {text(k): text(v) for k, v in f.items()}) for i, f in raw]

    async def _members(self, name: str) -> list[tuple[bytes, float]]:
        """A sorted set's members with their scores."""
        return cast(
            list[tuple[bytes, float]], await self.redis.zrange(name, 0, -1, withscores=True)
        )

    async def _retries(self, name: str) -> None:
        for member, score in await self._members(name):
            reference = json.loads(member).get("reference") or ""
            shard = shard_of(reference) if reference else 0
            await self.redis.zadd(self.keys.outbox(shard, "retry"), {member: score})
            self.moved["retry"] += 1
        await self.redis.delete(name)

    async def _split_stream(self, name: str, target: Any) -> None:
        for _entry_id, item in await self._entries(name):
            await self.redis.xadd(target(item), item)
            self.moved["stream entry"] += 1
        await self.redis.delete(name)

    async def _split_zset(self, name: str, target: Any) -> None:
        for member, score in await self._members(name):
            await self.redis.zadd(target(text(member)), {member: score}, nx=True)
            self.moved["index line"] += 1
        await self.redis.delete(name)

    async def _split_hash(self, name: str, target: Any) -> None:
        for member, value in (await self.redis.hgetall(name)).items():
            await self.redis.hsetnx(target(text(member)), member, value)
            self.moved["index line"] += 1
        await self.redis.delete(name)


def _after(entry_id: str, last: str) -> bool:
    ms, _, seq = entry_id.partition("-")
    last_ms, _, last_seq = last.partition("-")
    return (int(ms), int(seq or 0)) > (int(last_ms), int(last_seq or 0))
