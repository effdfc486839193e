"""The outbox as a work queue: a consumer group over each shard's outbox stream, a retry
schedule, dead letters and one delivery record per submission. Each move between them is one
script, on the keys of one shard (see storage.keys).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field, replace
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.typing import KeyT, StreamIdT

from storage.errors import text, unavailable
from storage.keys import SHARDS, KeyBuilder, shard_of, stream_order

LAG_COUNTED = 10_000  # unread entries counted one by one when Redis cannot tell (at most)
RETRY_FIELDS = ("attempt", "first_attempt_ms", "last_error")  # what a retry adds to the fields
POLL_S = 0.2  # the longest pause between reads while `read` waits for entries

# KEYS: stream, retry, delivery; ARGV: group, entry id, due_at_ms, member, last_error
# Replies 0 (nothing written) when the entry is no longer pending: another worker finished it.
SCHEDULE_RETRY = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('HINCRBY', KEYS[3], 'attempts', 1)
redis.call('HSET', KEYS[3], 'last_error', ARGV[5])
return 1
"""

# What marks a submission delivered, as a Lua function other scripts call too (the status
# store's SETTLE records `delivered` and this in one step): the delivery record, the start of
# the retention period of its personal fields (storage.privacy purges), and the ack.
# keys: delivery, retention, stream; args: delivered_at, delivery_id, reference, group, entry id
# ('' for no ack).
MARK_DELIVERED_FUNCTION = """
local function mark_delivered(keys, args)
  redis.call('HINCRBY', keys[1], 'attempts', 1)
  redis.call('HSET', keys[1], 'delivered_at', args[1], 'delivery_id', args[2])
  redis.call('ZADD', keys[2], 'NX', args[1], args[3])
  if args[5] ~= '' then redis.call('XACK', keys[3], args[4], args[5]) end
end
"""
MARK_DELIVERED = MARK_DELIVERED_FUNCTION + "mark_delivered(KEYS, ARGV)\nreturn 1\n"

# KEYS: delivery, submission. Replies {1 when delivered already, the submission's record or
# false}: what a worker reads before delivering, in one round trip.
TAKE = """
return {redis.call('HEXISTS', KEYS[1], 'delivered_at'), redis.call('GET', KEYS[2])}
"""

# KEYS: retry, stream; ARGV: now_ms, limit. Replies {new id, member, ...}.
DUE_RETRIES = """
local moved = {}
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local item, names, args = cjson.decode(member), {}, {}
  for name in pairs(item) do if name ~= 'last_error' then names[#names + 1] = name end end
  table.sort(names)
  for _, name in ipairs(names) do args[#args + 1] = name; args[#args + 1] = item[name] end
  moved[#moved + 1] = redis.call('XADD', KEYS[2], '*', unpack(args))
  moved[#moved + 1] = member
  redis.call('ZREM', KEYS[1], member)
end
return moved
"""

# KEYS: stream, dead[, delivery]; ARGV: group, entry id, reason, dead_at, then field, value pairs
DEAD_LETTER = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 5))
if KEYS[3] then
  redis.call('HINCRBY', KEYS[3], 'attempts', 1)
  redis.call('HSET', KEYS[3], 'last_error', ARGV[3], 'dead_at', ARGV[4])
end
return 1
"""


@dataclass(frozen=True)
class Backlog:
    """What the outbox holds undone (`OutboxStore.backlog`), ages in seconds."""

    waiting: int  # not delivered yet: unread, or taken by a worker and not settled
    oldest_age_s: float  # of the oldest waiting entry (by its stream id: when it was queued)
    retrying: int  # waiting for a retry
    dead: int  # dead letters


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox stream entry as a worker holds it.

    `fields` are the submission's outbox fields; `attempt` counts earlier failed attempts and
    `first_attempt_ms` is when the first of them began (None before any attempt failed);
    `shard` is the stream it was read from (None: its reference's, where the commit puts it);
    `record` is the submission's stored record when `OutboxStore.take` read it with the entry
    (None: not read, or there is none: the deliverer reads it itself).
    """

    id: str
    fields: dict[str, str]
    attempt: int = 0
    first_attempt_ms: int | None = None
    shard: int | None = None
    record: bytes | str | None = field(default=None, compare=False, repr=False)

    @property
    def reference(self) -> str:
        """The submission's reference ('' in a malformed entry)."""
        return self.fields.get("reference", "")

    @property
    def on_shard(self) -> int:
        """The shard whose stream holds the entry."""
        if self.shard is not None:
            return self.shard
        return shard_of(self.reference) if self.reference else 0


@dataclass(frozen=True)
class Settled:
    """What a deliverer returns when it recorded the delivery and acked the entry itself (in the
    script that recorded the `delivered` status): the worker has nothing left to write."""

    delivery_id: str


@dataclass(frozen=True)
class DeliveredWrites:
    """The keys and arguments of `MARK_DELIVERED_FUNCTION` for one entry, for a script of
    another store to run in the same step (all of the entry's shard)."""

    keys: tuple[str, str, str]
    args: tuple[str, str, str, str, str]


class OutboxStore:
    """Delivery bookkeeping over the shards' outbox streams with one consumer group each.

    Nothing here expires: undelivered work and delivery records are kept like submissions.
    """

    def __init__(self, redis: Redis, keys: KeyBuilder, *, group: str = "delivery") -> None:
        self.redis = redis
        self.keys = keys
        self.group = group
        self._schedule_retry = redis.register_script(SCHEDULE_RETRY)
        self._due_retries = redis.register_script(DUE_RETRIES)
        self._dead_letter = redis.register_script(DEAD_LETTER)
        self._mark_delivered = redis.register_script(MARK_DELIVERED)
        self._take = redis.register_script(TAKE)
        self._cursors: dict[tuple[str, int], str] = {}  # per consumer and shard: XAUTOCLAIM's
        self._next = 0  # the shard a read starts at, so that no shard waits behind another

    async def ensure_group(self) -> None:
        """Create each shard's consumer group (and stream) unless it exists; it starts at the
        oldest entry."""
        with unavailable():
            for shard in range(SHARDS):
                try:
                    await self.redis.xgroup_create(
                        self.keys.outbox(shard), self.group, id="0", mkstream=True
                    )
                except ResponseError as exc:
                    if "BUSYGROUP" not in str(exc):
                        raise

    async def read(self, consumer: str, count: int, block_ms: int = 0) -> list[OutboxEntry]:
        """Entries no consumer has taken yet, now pending for `consumer`: up to `count` from each
        shard, in one pipelined round trip; with `block_ms`, asked again until some come or that
        long has passed (streams of several Cluster slots cannot be waited on in one call)."""
        deadline = time.monotonic() + block_ms / 1000
        pause = 0.01
        while True:
            found = await self._read_once(consumer, count)
            if found or time.monotonic() >= deadline:
                return found
            await asyncio.sleep(min(pause, max(0.0, deadline - time.monotonic())))
            pause = min(pause * 2, POLL_S)

    async def _read_once(self, consumer: str, count: int) -> list[OutboxEntry]:
        order = [(self._next + i) % SHARDS for i in range(SHARDS)]
        self._next = (self._next + 1) % SHARDS
        with unavailable():
            async with self.redis.pipeline(transaction=False) as pipe:
                for shard in order:
                    streams: dict[KeyT, StreamIdT] = {self.keys.outbox(shard): ">"}
                    pipe.xreadgroup(self.group, consumer, streams, count=count)
                replies = await pipe.execute()
        found: list[OutboxEntry] = []
        for shard, reply in zip(order, replies, strict=True):
            if isinstance(reply, dict):
                batches: list[Any] = list(reply.values())
            else:
                batches = [entries for _, entries in cast(list[Any], reply or [])]
            found += [
                _entry(i, f, shard) for entries in batches for i, f in entries if f is not None
            ]
        return found

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[OutboxEntry]:
        """Take over entries pending for at least `min_idle_ms` (their worker died): up to
        `count` from each shard, in one pipelined round trip."""
        starts = [self._cursors.get((consumer, shard), "0-0") for shard in range(SHARDS)]
        with unavailable():
            async with self.redis.pipeline(transaction=False) as pipe:
                for shard, start in enumerate(starts):
                    pipe.xautoclaim(
                        self.keys.outbox(shard),
                        self.group,
                        consumer,
                        min_idle_ms,
                        start,
                        count=count,
                    )
                replies = await pipe.execute()
        found: list[OutboxEntry] = []
        for shard, reply in enumerate(replies):
            self._cursors[(consumer, shard)] = text(reply[0])
            found += [_entry(i, f, shard) for i, f in reply[1] if f is not None]
        return found

    async def ack(self, entry: OutboxEntry) -> bool:
        """Remove the entry from the group's pending list; False when it was not pending."""
        with unavailable():
            return bool(
                await self.redis.xack(self.keys.outbox(entry.on_shard), self.group, entry.id)
            )

    async def schedule_retry(
        self, entry: OutboxEntry, attempt: int, due_at_ms: int, last_error: str
    ) -> bool:
        """Ack the entry and schedule attempt number `attempt` at `due_at_ms`, atomically.

        False (and nothing written) when the entry was no longer pending.
        """
        member = entry.fields | _retry_fields(attempt, entry) | {"last_error": last_error}
        blob = json.dumps(member, ensure_ascii=False, sort_keys=True)
        stream = self.keys.outbox(entry.on_shard)
        keys = [
            stream,
            self.keys.outbox(entry.on_shard, "retry"),
            self.keys.delivery(entry.reference),
        ]
        with unavailable():
            done = await self._schedule_retry(
                keys=keys, args=[self.group, entry.id, due_at_ms, blob, last_error]
            )
        return bool(done == 1)

    async def due_retries(self, now_ms: int, limit: int) -> list[OutboxEntry]:
        """Move retries due by `now_ms` back onto their streams, atomically per shard, the
        shards side by side (one round trip's wait, not one per shard; a Cluster pipeline runs
        no scripts); what was moved. The returned entries carry their new stream ids; they
        reach a worker through `read`."""

        async def one(shard: int) -> list[OutboxEntry]:
            keys = [self.keys.outbox(shard, "retry"), self.keys.outbox(shard)]
            reply = cast(list[bytes], await self._due_retries(keys=keys, args=[now_ms, limit]))
            return [
                _entry(reply[i], json.loads(reply[i + 1]), shard) for i in range(0, len(reply), 2)
            ]

        with unavailable():
            moved = await asyncio.gather(*(one(shard) for shard in range(SHARDS)))
        return [entry for entries in moved for entry in entries]

    async def dead_letter(
        self, entry: OutboxEntry, reason: str, *, at: float | None = None
    ) -> bool:
        """Ack the entry and add it to the dead letters, atomically; False if it was not pending."""
        dead_at = repr(float(time.time() if at is None else at))
        fields = entry.fields | _retry_fields(entry.attempt, entry)
        fields |= {"entry_id": entry.id, "reason": reason, "dead_at": dead_at}
        keys = [self.keys.outbox(entry.on_shard), self.keys.outbox(entry.on_shard, "dead")]
        if entry.reference and self.keys.outbox_of(entry.reference) == keys[0]:
            keys.append(self.keys.delivery(entry.reference))
        args = [self.group, entry.id, reason, dead_at, *(x for kv in fields.items() for x in kv)]
        with unavailable():
            return bool(await self._dead_letter(keys=keys, args=args) == 1)

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The oldest dead letters: the entry's fields, why it died, and the stream `id`."""
        found: list[dict[str, str]] = []
        with unavailable():
            for shard in range(SHARDS):
                entries = await self.redis.xrange(self.keys.outbox(shard, "dead"), count=count)
                found += [{"id": text(i)} | _fields(f) for i, f in cast(list[Any], entries)]
        return sorted(found, key=lambda e: stream_order(e["id"]))[:count]

    async def mark_delivered(
        self,
        reference: str,
        delivery_id: str,
        *,
        at: float | None = None,
        settle: OutboxEntry | None = None,
    ) -> None:
        """Record that the submission reached its agency (at `at`, seconds since the epoch);
        with `settle`, ack that entry in the same script (one round trip, and never an ack
        without the record)."""
        writes = self.delivered_writes(reference, delivery_id, at=at, settle=settle)
        with unavailable():
            await self._mark_delivered(keys=list(writes.keys), args=list(writes.args))
            if settle is not None and not writes.args[4]:  # read from another shard's stream
                await self.redis.xack(self.keys.outbox(settle.on_shard), self.group, settle.id)

    def delivered_writes(
        self,
        reference: str,
        delivery_id: str,
        *,
        at: float | None = None,
        settle: OutboxEntry | None = None,
    ) -> DeliveredWrites:
        """What `mark_delivered` writes, for a script: the entry `settle` is acked in it when
        its stream is of the reference's shard (always, but for an entry of another shard's
        stream, whose ack is left to the caller: args[4] is '')."""
        shard = shard_of(reference)
        delivered_at = repr(float(time.time() if at is None else at))
        acked = settle is not None and settle.on_shard == shard
        entry_id = settle.id if settle is not None and acked else ""
        return DeliveredWrites(
            (self.keys.delivery(reference), self.keys.retention(shard), self.keys.outbox(shard)),
            (delivered_at, delivery_id, reference, self.group, entry_id),
        )

    async def take(self, entry: OutboxEntry) -> OutboxEntry | None:
        """The entry to deliver, with its submission's `record`, or None when its reference was
        delivered already; one round trip for both reads."""
        keys = [self.keys.delivery(entry.reference), self.keys.submission(entry.reference)]
        with unavailable():
            delivered, record = await self._take(keys=keys, args=[])
        if delivered:
            return None
        return replace(entry, record=record or None)

    async def delivery(self, reference: str) -> dict[str, str]:
        """The delivery record: attempts, last_error, delivered_at, delivery_id, dead_at."""
        with unavailable():
            return _fields(await self.redis.hgetall(self.keys.delivery(reference)))

    async def is_delivered(self, reference: str) -> bool:
        """Whether the submission has reached its agency already."""
        key = self.keys.delivery(reference)
        with unavailable():
            return bool(await self.redis.hexists(key, "delivered_at"))

    async def backlog(self, now_ms: int) -> Backlog:
        """What waits, for the operators' gauges: entries not delivered yet (unread, or pending
        with a worker), the oldest one's age, retries scheduled, dead letters; every shard's
        added up (two round trips each)."""
        total = Backlog(0, 0.0, 0, 0)
        for shard in range(SHARDS):
            part = await self._backlog(shard, now_ms)
            total = Backlog(
                total.waiting + part.waiting,
                max(total.oldest_age_s, part.oldest_age_s),
                total.retrying + part.retrying,
                total.dead + part.dead,
            )
        return total

    async def _backlog(self, shard: int, now_ms: int) -> Backlog:
        outbox = self.keys.outbox(shard)
        with unavailable():
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.zcard(self.keys.outbox(shard, "retry"))
                pipe.xlen(self.keys.outbox(shard, "dead"))
                pipe.xinfo_groups(outbox)
                pipe.xrange(outbox, count=1)
                pipe.xlen(outbox)
                retrying, dead, groups, first, length = await pipe.execute(raise_on_error=False)
            for reply in (retrying, dead, first, length):
                if isinstance(reply, Exception):
                    raise reply
            group = _group(groups, self.group)
            if group is None:  # no stream, or no worker has read it yet: every entry waits
                return Backlog(int(length), _age_s(first, now_ms), int(retrying), int(dead))
            after = "(" + text(group["last-delivered-id"])
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.xpending(outbox, self.group)
                pipe.xrange(outbox, min=after, count=1)
                if group.get("lag") is None:  # Redis cannot tell after an erasure's XDEL
                    pipe.xrange(outbox, min=after, count=LAG_COUNTED)
                pending, unread, *counted = await pipe.execute()
        lag = len(counted[0]) if counted else int(group["lag"])
        oldest = max(_age_s(unread, now_ms), _id_age_s(pending.get("min"), now_ms))
        return Backlog(int(pending["pending"]) + lag, oldest, int(retrying), int(dead))


def _group(groups: object, name: str) -> dict[str, Any] | None:
    """The consumer group `name` in an XINFO GROUPS reply (an error when there is no stream)."""
    for group in groups if isinstance(groups, list) else []:
        if text(group["name"]) == name:
            return cast(dict[str, Any], group)
    return None


def _id_age_s(entry_id: bytes | str | None, now_ms: int) -> float:
    """How old a stream entry is, from the milliseconds in its id (0 for none)."""
    if not entry_id:
        return 0.0
    return max(0, now_ms - int(text(entry_id).split("-")[0])) / 1000


def _age_s(entries: list[Any], now_ms: int) -> float:
    """The age of the first entry of an XRANGE reply (0 for none)."""
    return _id_age_s(entries[0][0], now_ms) if entries else 0.0


def _retry_fields(attempt: int, entry: OutboxEntry) -> dict[str, str]:
    first = "" if entry.first_attempt_ms is None else str(entry.first_attempt_ms)
    return {"attempt": str(attempt), "first_attempt_ms": first}


def _entry(entry_id: bytes | str, raw: dict[Any, Any], shard: int) -> OutboxEntry:
    fields = _fields(raw)
    attempt, first, _ = (fields.pop(name, "") for name in RETRY_FIELDS)
    first_ms = int(first) if first else None
    return OutboxEntry(text(entry_id), fields, int(attempt or 0), first_ms, shard)


def _fields(raw: dict[Any, Any]) -> dict[str, str]:
    return {text(k): text(v) for k, v in raw.items()}
