"""A founder's rights over their data (PIPL Art. 44–47): everything stored about them, opened,
as one document; erasure of it; and the purge of delivered submissions' personal fields
after the retention period.

The export walks the founder's whole key space (every key carrying their tag) and the
submissions their index names, so records added by later services are covered unchanged.
Erasure deletes that key space and keeps of each submission only what is not personal: the
office's record stays with the office.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from redis.asyncio import Redis

from flows.engine.address import ERASED, Address
from storage.crypto import FieldCipher, is_sealed
from storage.errors import SealBroken, TurnLost, text, unavailable
from storage.keys import SHARDS, KeyBuilder, shard_of
from storage.packing import unpack
from storage.scripts import SET_KEEPING_TTL

log = logging.getLogger(__name__)
PERSONAL = ("answers", "attachments")  # what a submission holds of the founder's own
OPEN_STATUSES = ("more_info", "supplied")  # a case still being handled: its purge waits
PAGE = 1000
ERASURES_KEPT = 10_000

# KEYS: the founder's queue, then every key to delete; ARGV: the turn's token.
# Deletes only while the turn is still this one's (at the head of the queue); the queue and
# leases go too, which ends the turn. Replies the number of keys deleted, or -1.
ERASE = """
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return -1 end
return redis.call('DEL', unpack(KEYS))
"""

# KEYS: the founder's applications index, their revision; ARGV: the reference.
# The index line of a purged submission loses its summary of what was sent, and says so; the
# revision is bumped so a founder turn that read the old line writes nothing back.
FORGET_SENT = (
    SET_KEEPING_TTL
    + """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local index, found = cjson.decode(raw), false
for _, entry in ipairs(index) do
  if entry['reference'] == ARGV[1] then
    entry['sent'] = nil
    entry['purged'] = true
    found = true
  end
end
if not found then return 0 end
set_keeping_ttl(KEYS[1], cjson.encode(index))
redis.call('INCR', KEYS[2])
return 1
"""
)


@dataclass(frozen=True)
class Erasure:
    """What an erasure did, in counts only: it is recorded without personal data."""

    keys: int
    unlinked: int
    withdrawn: int


class PrivacyStore:
    """Export, erasure and retention over the founder, submission and outbox keys."""

    def __init__(
        self, redis: Redis, keys: KeyBuilder, cipher: FieldCipher, *, group: str = "delivery"
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher
        self.group = group
        self._erase = redis.register_script(ERASE)
        self._forget_sent = redis.register_script(FORGET_SENT)

    # -- export ---------------------------------------------------------------------------

    async def export(self, founder: Address, references: Iterable[str]) -> dict[str, Any]:
        """Everything stored about the founder, sealed values opened: their records by name,
        and each submission their index names with its status history and delivery record."""
        records: dict[str, Any] = {}
        with unavailable():
            for key in sorted(await self._founder_keys(founder)):
                records[self._record_name(founder, key)] = await self._value(key)
            submissions = [
                found
                for reference in dict.fromkeys(references)
                if (found := await self._submission(founder, reference)) is not None
            ]
        return {
            "founder": str(founder),
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "records": records,
            "submissions": submissions,
        }

    async def _founder_keys(self, founder: Address) -> list[str]:
        match = self.keys.founder(founder, "*")
        return [text(k) async for k in self.redis.scan_iter(match=match, count=PAGE)]

    def _record_name(self, founder: Address, key: str) -> str:
        return key.removeprefix(self.keys.founder(founder, "x")[:-1])

    async def _value(self, key: str) -> Any:
        kind = text(await self.redis.type(key))
        if kind == "string":
            blob = cast(bytes, await self.redis.get(key))
            try:
                return self._opened(json.loads(unpack(blob)))
            except ValueError:  # not JSON (a marker), or not text
                return blob.decode("utf-8", errors="replace")
        if kind == "list":
            return [text(v) for v in await self.redis.lrange(key, 0, -1)]
        if kind == "hash":
            return {text(k): text(v) for k, v in (await self.redis.hgetall(key)).items()}
        if kind == "zset":
            pairs = cast(
                list[tuple[bytes, float]], await self.redis.zrange(key, 0, -1, withscores=True)
            )
            return {text(member): score for member, score in pairs}
        if kind == "set":
            return sorted(text(v) for v in await self.redis.smembers(key))
        return None  # gone since the scan

    def _opened(self, value: Any) -> Any:
        if is_sealed(value):
            try:
                return self.cipher.unseal(value)
            except SealBroken:
                return "(encrypted with a key this bot no longer has)"
        if isinstance(value, dict):
            return {k: self._opened(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._opened(v) for v in value]
        return value

    async def _submission(self, founder: Address, reference: str) -> dict[str, Any] | None:
        record = await self._own(founder, reference)
        if record is None:
            return None
        events = await self.redis.lrange(self.keys.case(reference, "events"), 0, -1)
        delivery = await self.redis.hgetall(self.keys.delivery(reference))
        opened: dict[str, Any] = self._opened(record)
        return opened | {
            "history": [json.loads(e) for e in events],
            "delivery": {text(k): text(v) for k, v in delivery.items()},
        }

    async def _own(self, founder: Address, reference: str) -> dict[str, Any] | None:
        """The stored submission if it is this founder's (an index line names it)."""
        try:
            key = self.keys.submission(reference)
        except ValueError:
            return None
        blob = await self.redis.get(key)
        record = json.loads(blob) if blob else None
        if not isinstance(record, dict):
            return None
        owner = str(record.get("founder", record.get("user_id", "")))
        return cast(dict[str, Any], record) if owner in (str(founder), founder.key) else None

    # -- erasure --------------------------------------------------------------------------

    async def erase(self, founder: Address, token: str, references: Sequence[str]) -> Erasure:
        """Erase the founder's records while their turn (`token`) is held, and unlink their
        submissions: a delivered one keeps only what is not personal (reference, office,
        dates, statuses); one not yet delivered is withdrawn (never sent). TurnLost when the
        turn ran out first (then no founder record was deleted)."""
        with unavailable():
            unlinked, withdrawn = await self._unlink(founder, references)
            doomed = await self._founder_keys(founder)
            queue = self.keys.founder(founder, "queue")
            deleted = await self._erase(keys=[queue, *doomed], args=[token])
            if deleted == -1:
                raise TurnLost(f"founder {founder}: turn lost before erasure")
            index = self.keys.subscribers(shard_of(founder.key))  # the announcements index
            await self.redis.hdel(index, str(founder))
            erasure = Erasure(int(deleted), unlinked, withdrawn)
            await self.redis.xadd(
                self.keys.erasures(),
                {
                    "at": repr(time.time()),
                    "channel": founder.channel,
                    "keys": erasure.keys,
                    "unlinked": unlinked,
                    "withdrawn": withdrawn,
                },
                maxlen=ERASURES_KEPT,
                approximate=True,
            )
        log.info("erased a founder's data on request: %s keys, %s submissions", deleted, unlinked)
        return erasure

    async def _unlink(self, founder: Address, references: Sequence[str]) -> tuple[int, int]:
        now, mine, withdrawn = time.time(), [], []
        for reference in dict.fromkeys(references):
            record = await self._own(founder, reference)
            if record is None:
                continue
            delivered = await self.redis.hexists(self.keys.delivery(reference), "delivered_at")
            sealed = _impersonal(record) | {
                "founder": str(ERASED),
                "erased_at": now,
                "withdrawn": not delivered,
            }
            await self.redis.set(self.keys.submission(reference), _dumps(sealed))
            await self._unlink_events(reference)
            mine.append(reference)
            if not delivered:
                withdrawn.append(reference)
        for shard in sorted({shard_of(reference) for reference in mine}):
            here = {reference for reference in mine if shard_of(reference) == shard}
            stream = self.keys.outbox(shard)
            await self._drop_entries(stream, here, ack=here & set(withdrawn))
            await self._drop_entries(self.keys.outbox(shard, "dead"), here)
            await self._drop_retries(self.keys.outbox(shard, "retry"), here)
            await self.redis.zrem(self.keys.retention(shard), *here)
        return len(mine), len(withdrawn)

    async def _unlink_events(self, reference: str) -> None:
        key = self.keys.case(reference, "events")
        events = [json.loads(e) for e in await self.redis.lrange(key, 0, -1)]
        if not events:
            return
        # the office's note may name the founder; whose it was goes too
        unlinked = {"founder": str(ERASED), "note": ""}
        kept = [_dumps({k: v for k, v in e.items() if k != "user_id"} | unlinked) for e in events]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.rpush(key, *kept)
            await pipe.execute()

    async def _drop_entries(self, stream: str, references: set[str], ack: set[str] = set()) -> None:  # noqa: B006 - read only
        """Delete a stream's entries of these submissions (they name the founder); those in
        `ack` are acknowledged too, so no worker delivers them."""
        start = "-"
        while True:
            page = await self.redis.xrange(stream, min=start, count=PAGE)
            if not page:
                return
            hits = [
                (text(entry_id), text(fields.get(b"reference", b"")))
                for entry_id, fields in cast(list[tuple[Any, dict[bytes, bytes]]], page)
                if text(fields.get(b"reference", b"")) in references
            ]
            pending = [entry_id for entry_id, reference in hits if reference in ack]
            if pending:
                await self.redis.xack(stream, self.group, *pending)
            if hits:
                await self.redis.xdel(stream, *(entry_id for entry_id, _ in hits))
            if len(page) < PAGE:
                return
            start = "(" + text(cast(bytes, page[-1][0]))

    async def _drop_retries(self, key: str, references: set[str]) -> None:
        for member in cast(list[bytes], await self.redis.zrange(key, 0, -1)):
            try:
                reference = json.loads(member).get("reference")
            except ValueError:
                continue
            if reference in references:
                await self.redis.zrem(key, member)

    # -- retention ------------------------------------------------------------------------

    async def backfill(self) -> int:
        """Start the retention period of submissions delivered before it existed (their
        delivery records name the time), once per Redis; how many were added."""
        added = 0
        match = self.keys.deliveries_pattern()
        with unavailable():
            if not await self.redis.set(self.keys.retention(0) + ":backfilled", "1", nx=True):
                return 0
            async for raw in self.redis.scan_iter(match=match, count=PAGE):
                key = text(raw)
                delivered_at = await self.redis.hget(key, "delivered_at")
                if delivered_at is None:
                    continue
                reference = key.rsplit(":", 1)[1]
                score = float(text(cast(bytes, delivered_at)))
                retention = self.keys.retention(shard_of(reference))
                added += int(await self.redis.zadd(retention, {reference: score}, nx=True) or 0)
        return added

    async def purge_due(self, now: float, retention_s: float, limit: int = 100) -> int:
        """Purge the personal fields of submissions delivered more than `retention_s` ago;
        how many were purged (at most `limit` per shard). A case still waiting for the founder's answer waits a day more.
        Idempotent: a purge run twice (two workers) leaves the same record."""
        purged = 0
        for shard in range(SHARDS):
            purged += await self._purge_shard(shard, now, retention_s, limit)
        if purged:
            log.info("retention: purged the personal fields of %s delivered submissions", purged)
        return purged

    async def _purge_shard(self, shard: int, now: float, retention_s: float, limit: int) -> int:
        key = self.keys.retention(shard)
        with unavailable():
            due = cast(
                list[bytes],
                await self.redis.zrangebyscore(key, "-inf", now - retention_s, 0, limit),
            )
            purged = 0
            for member in due:
                reference = text(member)
                if await self._open_case(reference):
                    await self.redis.zadd(key, {reference: now - retention_s + 86_400})
                    continue
                blob = await self.redis.get(self.keys.submission(reference))
                record = json.loads(blob) if blob else None
                if isinstance(record, dict) and "purged_at" not in record:
                    kept = _impersonal(record) | {"purged_at": now}
                    await self.redis.set(self.keys.submission(reference), _dumps(kept))
                    await self._forget(record, reference)
                    purged += 1
                await self.redis.zrem(key, reference)
        return purged

    async def _forget(self, record: dict[str, Any], reference: str) -> None:
        """The founder's index line of a purged submission drops what was sent."""
        owner = str(record.get("founder", record.get("user_id", "")))
        try:
            founder = Address.parse(owner)
        except ValueError:
            return
        if founder == ERASED:
            return
        keys = [self.keys.founder(founder, "applications"), self.keys.founder(founder, "rev")]
        await self._forget_sent(keys=keys, args=[reference])

    async def _open_case(self, reference: str) -> bool:
        last = await self.redis.lindex(self.keys.case(reference, "events"), -1)
        return bool(last) and json.loads(cast(bytes, last)).get("status") in OPEN_STATUSES


def _impersonal(record: dict[str, Any]) -> dict[str, Any]:
    """A submission record without the founder's answers and files."""
    return {k: v for k, v in record.items() if k not in PERSONAL} | {
        "answers": {},
        "attachments": [],
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
