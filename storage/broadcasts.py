"""Broadcasts (announcements to subscribed founders) in Redis: the record, its recipients frozen
at start, and one delivery record per recipient, claimed by Lua so two workers never send to
the same founder. The scripts: `storage.broadcast_scripts`.

At most once, by construction: a recipient leaves `pending` once, into `sending` under a claim
token and a lease, then gets an outcome (delivered, blocked, failed, skipped). Telegram has no
idempotency key, so a recipient left in `sending` by a worker that died (its lease ran out) is
settled `unknown` and never sent again: they may or may not have received it. Pause and cancel
stop new claims; a worker gives back what it claimed and did not send (`release`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, cast

from redis.asyncio import Redis

from flows.engine.address import Address
from storage.broadcast_records import (
    OUTCOMES,
    Broadcast,
    BroadcastNotFound,
    Claim,
    Counts,
    Outcome,
    Recipient,
    Status,
    entry_of,
    recipient_of,
)
from storage.broadcast_scripts import CLAIM, EXTEND, LOAD, REAP, RELEASE, SET_STATUS, SETTLE
from storage.errors import text, unavailable
from storage.keys import KeyBuilder

__all__ = [
    "OUTCOMES",
    "Broadcast",
    "BroadcastNotFound",
    "BroadcastStore",
    "Claim",
    "Counts",
    "Outcome",
    "Recipient",
    "Status",
]

# Which status each change may start from: the statuses' allowed moves, as data.
MOVES: dict[Status, tuple[Status, ...]] = {
    "running": ("scheduled", "paused"),
    "paused": ("running",),
    "cancelled": ("scheduled", "running", "paused"),
}
CHUNK = 1000  # recipients written per script call at start
_PARTS = ("state", "pending", "sending", "tokens", "outcome", "members")


class BroadcastStore:
    """Broadcasts under `{prefix}:v2:bc:{bc}:<id>:*` (all in one Cluster slot) and two indexes
    under `bcs:` (all by creation time, and the running ones). Nothing expires: a broadcast is
    the history the commissioners read."""

    def __init__(self, redis: Redis, keys: KeyBuilder) -> None:
        self.redis = redis
        self.keys = keys
        self._load = redis.register_script(LOAD)
        self._set_status = redis.register_script(SET_STATUS)
        self._claim = redis.register_script(CLAIM)
        self._settle = redis.register_script(SETTLE)
        self._release = redis.register_script(RELEASE)
        self._extend = redis.register_script(EXTEND)
        self._reap = redis.register_script(REAP)

    def _k(self, broadcast_id: str) -> list[str]:
        return [self.keys.broadcast(broadcast_id, part) for part in _PARTS]

    async def create(
        self,
        author: Address,
        payload: dict[str, Any],
        audience: Any,
        now: float,
        *,
        broadcast_id: str | None = None,
    ) -> Broadcast:
        """Record a broadcast, `scheduled`, with no recipients yet."""
        broadcast_id = broadcast_id or uuid.uuid4().hex[:16]
        meta = {"author": str(author), "created_at": now, "payload": payload, "audience": audience}
        with unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self.keys.broadcast(broadcast_id, "meta"), json.dumps(meta), nx=True)
                pipe.hsetnx(self.keys.broadcast(broadcast_id, "state"), "status", "scheduled")
                pipe.zadd(self.keys.broadcasts("index"), {broadcast_id: now})
                created, *_ = await pipe.execute()
        if not created:
            raise ValueError(f"broadcast {broadcast_id} exists")
        return Broadcast(broadcast_id, author, now, "scheduled", payload, audience)

    async def start(
        self, broadcast_id: str, recipients: Iterable[tuple[Address | str, str]], now: float
    ) -> Counts:
        """Freeze the recipients (address, language), written `CHUNK` at a time (a second call
        after a crash adds only the missing ones), then run. Its counts."""
        keys = self._k(broadcast_id)
        chunk: list[str] = []

        async def flush() -> None:
            with unavailable():
                if await self._load(keys=keys, args=chunk) == -1:
                    raise ValueError(f"broadcast {broadcast_id} has already started")
            chunk.clear()

        for address, lang in recipients:
            chunk.append(entry_of(address, lang))
            if len(chunk) >= CHUNK:
                await flush()
        if chunk:
            await flush()
        await self._move(broadcast_id, "running", now)
        return await self.counts(broadcast_id)

    async def pause(self, broadcast_id: str, now: float) -> bool:
        """Stop new claims (between sends); False unless it was running."""
        return await self._move(broadcast_id, "paused", now)

    async def resume(self, broadcast_id: str, now: float) -> bool:
        """Run a paused broadcast again; False unless it was paused."""
        return await self._move(broadcast_id, "running", now, only=("paused",))

    async def cancel(self, broadcast_id: str, now: float) -> bool:
        """Stop for good; who was not sent to yet stays unsent. False when already ended."""
        return await self._move(broadcast_id, "cancelled", now)

    async def _move(
        self, broadcast_id: str, to: Status, now: float, only: tuple[Status, ...] = ()
    ) -> bool:
        args = [to, repr(now), *(only or MOVES[to])]
        with unavailable():
            moved, _ = await self._set_status(keys=self._k(broadcast_id), args=args)
            running = self.keys.broadcasts("running")
            if moved and to == "running":
                await self.redis.sadd(running, broadcast_id)
            elif moved:
                await self.redis.srem(running, broadcast_id)
        return bool(moved)

    async def get(self, broadcast_id: str) -> Broadcast:
        """The broadcast of this id (`BroadcastNotFound` when none)."""
        with unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.get(self.keys.broadcast(broadcast_id, "meta"))
                pipe.hgetall(self.keys.broadcast(broadcast_id, "state"))
                meta, state = await pipe.execute()
        if meta is None:
            raise BroadcastNotFound(broadcast_id)
        body = json.loads(meta)
        fields = {text(k): text(v) for k, v in state.items()}
        progress = None
        if "progress_chat" in fields:
            progress = (Address.parse(fields["progress_chat"]), fields["progress_message"])
        return Broadcast(
            broadcast_id,
            Address.parse(body["author"]),
            float(body["created_at"]),
            cast(Status, fields.get("status", "scheduled")),
            body["payload"],
            body["audience"],
            _counts(fields),
            _time(fields.get("started_at")),
            _time(fields.get("finished_at")),
            progress,
        )

    async def counts(self, broadcast_id: str) -> Counts:
        with unavailable():
            state = await self.redis.hgetall(self.keys.broadcast(broadcast_id, "state"))
        return _counts({text(k): text(v) for k, v in state.items()})

    async def recent(self, n: int = 10) -> list[Broadcast]:
        """The last `n` broadcasts, newest first."""
        with unavailable():
            ids = await self.redis.zrevrange(self.keys.broadcasts("index"), 0, n - 1)
        return [await self.get(text(i)) for i in cast(list[bytes], ids)]

    async def running(self) -> list[str]:
        """The ids of the running broadcasts (one that ended is dropped from the index)."""
        with unavailable():
            ids = await self.redis.smembers(self.keys.broadcasts("running"))
        return sorted(text(i) for i in ids)

    async def forget_running(self, broadcast_id: str) -> None:
        """Drop an ended broadcast from the running index."""
        with unavailable():
            await self.redis.srem(self.keys.broadcasts("running"), broadcast_id)

    async def heartbeat(self, worker: str, now: float, ttl_s: float) -> int:
        """Record that `worker` broadcasts; how many did within `ttl_s` (they share the rate)."""
        workers = self.keys.broadcasts("workers")
        with unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(workers, {worker: now})
                pipe.zremrangebyscore(workers, "-inf", now - ttl_s)
                pipe.zcard(workers)
                *_, live = await pipe.execute()
        return max(1, int(live))

    async def leave(self, worker: str) -> None:
        """`worker` stops broadcasting: the others take its share at once."""
        with unavailable():
            await self.redis.zrem(self.keys.broadcasts("workers"), worker)

    async def mark_reported(self, broadcast_id: str) -> bool:
        """True for the one caller that reports a finished broadcast (two workers may see it)."""
        state = self.keys.broadcast(broadcast_id, "state")
        with unavailable():
            return bool(await self.redis.hsetnx(state, "reported", 1))

    async def set_progress(self, broadcast_id: str, chat: Address, message_id: str) -> None:
        """Remember the commissioner's progress message, to edit it in place."""
        state = self.keys.broadcast(broadcast_id, "state")
        with unavailable():
            await self.redis.hset(
                state, mapping={"progress_chat": str(chat), "progress_message": message_id}
            )

    async def opened(self, broadcast_id: str, founder: Address) -> bool:
        """Record that `founder` opened the announcement's linked service; whether it is their
        first time (a founder counts once)."""
        with unavailable():
            added = await self.redis.sadd(self.keys.broadcast(broadcast_id, "opened"), str(founder))
        return bool(added)

    async def opens(self, broadcast_ids: Iterable[str]) -> dict[str, int]:
        """How many founders opened each broadcast's linked service."""
        ids = list(broadcast_ids)
        with unavailable():
            async with self.redis.pipeline(transaction=False) as pipe:
                for broadcast_id in ids:
                    pipe.scard(self.keys.broadcast(broadcast_id, "opened"))
                found = await pipe.execute()
        return {broadcast_id: int(n) for broadcast_id, n in zip(ids, found, strict=True)}

    async def forget(self, founder: Address, languages: Iterable[str] = ("zh_CN", "en")) -> int:
        """Take a founder who erased their data out of every broadcast's records (recipient,
        outcome, opened); the counts stay. A pending entry is left to be skipped at its turn
        (the broadcaster checks the subscription first, and erased prefs say no). How many
        broadcasts named them."""
        entries = [entry_of(founder, lang) for lang in languages]
        with unavailable():
            listed = await self.redis.zrange(self.keys.broadcasts("index"), 0, -1)
            ids = [text(cast(bytes, i)) for i in listed]
            async with self.redis.pipeline(transaction=False) as pipe:
                for broadcast_id in ids:
                    pipe.hdel(self.keys.broadcast(broadcast_id, "outcome"), *entries)
                    pipe.srem(self.keys.broadcast(broadcast_id, "members"), *entries)
                    pipe.srem(self.keys.broadcast(broadcast_id, "opened"), str(founder))
                found = await pipe.execute()
        return sum(1 for i in range(0, len(found), 3) if any(found[i : i + 3]))

    async def claim(self, broadcast_id: str, limit: int, now: float, lease_s: float) -> Claim:
        """Up to `limit` pending recipients, in order, for this worker alone (none unless
        running); the broadcast turns `done` when nothing is left."""
        token = uuid.uuid4().hex
        until = now + lease_s
        args: list[str | int] = [limit, _ms(until), token, repr(now)]
        with unavailable():
            entries = await self._claim(keys=self._k(broadcast_id), args=args)
        recipients = [recipient_of(text(e)) for e in cast(list[bytes], entries)]
        return Claim(broadcast_id, token, recipients, until)

    async def settle(
        self, claim: Claim, recipient: Recipient, outcome: Outcome, now: float
    ) -> tuple[bool, Status]:
        """Record a recipient's outcome: (the claim still held it, the broadcast's status)."""
        args = [recipient.entry, claim.token, outcome, repr(now)]
        with unavailable():
            held, status = await self._settle(keys=self._k(claim.broadcast_id), args=args)
        return bool(held), cast(Status, text(status))

    async def release(self, claim: Claim, recipients: list[Recipient]) -> int:
        """Give back claimed recipients not sent to (paused or cancelled meanwhile)."""
        if not recipients:
            return 0
        args = [claim.token, *(r.entry for r in recipients)]
        with unavailable():
            return int(await self._release(keys=self._k(claim.broadcast_id), args=args))

    async def extend(self, claim: Claim, recipients: list[Recipient], until: float) -> int:
        """Hold claimed recipients until `until` (the sender waits out a rate limit)."""
        if not recipients:
            return 0
        args: list[str | int] = [claim.token, _ms(until), *(r.entry for r in recipients)]
        with unavailable():
            return int(await self._extend(keys=self._k(claim.broadcast_id), args=args))

    async def reap(self, broadcast_id: str, now: float, limit: int = 1000) -> int:
        """Recipients whose claim's lease ran out by `now` are settled `unknown`; how many."""
        with unavailable():
            return int(
                await self._reap(keys=self._k(broadcast_id), args=[_ms(now), limit, repr(now)])
            )

    async def outcomes(self, broadcast_id: str) -> dict[Address, Outcome]:
        """Every settled recipient's outcome (operators and tests)."""
        with unavailable():
            raw = await self.redis.hgetall(self.keys.broadcast(broadcast_id, "outcome"))
        return {recipient_of(text(k)).address: cast(Outcome, text(v)) for k, v in raw.items()}


def _counts(fields: dict[str, str]) -> Counts:
    numbers = {name: int(fields.get(name, 0)) for name in ("total", "sending", *OUTCOMES)}
    return Counts(**numbers)


def _time(value: str | None) -> float | None:
    return None if value is None else float(value)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)
