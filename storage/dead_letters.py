"""The operator's side of the dead letters (`outbox:dead`): find one by reference, requeue it
onto the outbox for a fresh attempt, or drop it. Each change is one script, so a crash cannot
lose an entry or deliver it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, cast

from redis.asyncio import Redis

from storage.errors import text, unavailable
from storage.keys import SHARDS, KeyBuilder, stream_order

# What the worker's bookkeeping and the dead-letter script add to a submission's outbox fields.
BOOKKEEPING = ("attempt", "first_attempt_ms", "last_error", "entry_id", "reason", "dead_at")

# Lua helper shared by both scripts: the ids of the dead letters of reference ARGV[1].
_FIND = """
local ids, fields = {}, nil
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local flat = entry[2]
  for i = 1, #flat, 2 do
    if flat[i] == 'reference' and flat[i + 1] == ARGV[1] then
      ids[#ids + 1] = entry[1]
      if not fields then fields = flat end
    end
  end
end
"""

# KEYS: dead, outbox, delivery; ARGV: reference, requeued_at, then the bookkeeping field names.
# Replies {'delivered'}, {'missing'} or {'ok', new outbox id}: every dead letter of the
# reference leaves the dead stream and one fresh entry (attempt 0) goes onto the outbox.
REQUEUE = (
    _FIND
    + """
if redis.call('HEXISTS', KEYS[3], 'delivered_at') == 1 then return {'delivered'} end
if #ids == 0 then return {'missing'} end
local skip, args = {}, {}
for i = 3, #ARGV do skip[ARGV[i]] = true end
for i = 1, #fields, 2 do
  if not skip[fields[i]] then args[#args + 1] = fields[i]; args[#args + 1] = fields[i + 1] end
end
local new_id = redis.call('XADD', KEYS[2], '*', unpack(args))
redis.call('XDEL', KEYS[1], unpack(ids))
redis.call('HDEL', KEYS[3], 'dead_at')
redis.call('HSET', KEYS[3], 'requeued_at', ARGV[2])
return {'ok', new_id}
"""
)

# KEYS: dead; ARGV: reference. Replies how many dead letters were deleted.
DROP = _FIND + "if #ids == 0 then return 0 end\nreturn redis.call('XDEL', KEYS[1], unpack(ids))\n"

Requeued = Literal["ok", "delivered", "missing"]


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter: its stream id and fields (the outbox fields, `reason`, `dead_at`)."""

    id: str
    fields: dict[str, str]

    @property
    def reference(self) -> str:
        """The submission's reference ('' in a malformed entry)."""
        return self.fields.get("reference", "")


class DeadLetterStore:
    """Reads and settles the shards' dead letters (`KeyBuilder.outbox(shard, "dead")`); scripts
    scan a shard's stream, which an operator keeps short (a dead letter needs a person)."""

    def __init__(self, redis: Redis, keys: KeyBuilder) -> None:
        self.redis = redis
        self.keys = keys
        self._requeue = redis.register_script(REQUEUE)
        self._drop = redis.register_script(DROP)

    async def all(self, count: int = 1000) -> list[DeadLetter]:
        """The oldest `count` dead letters."""
        found: list[DeadLetter] = []
        for shard in range(SHARDS):
            found += await self._letters(self.keys.outbox(shard, "dead"), count)
        return sorted(found, key=lambda d: stream_order(d.id))[:count]

    async def _letters(self, key: str, count: int) -> list[DeadLetter]:
        with unavailable():
            entries = await self.redis.xrange(key, count=count)
        return [
            DeadLetter(text(i), {text(k): text(v) for k, v in f.items()})
            for i, f in cast(list[tuple[Any, dict[Any, Any]]], entries)
        ]

    async def find(self, reference: str) -> DeadLetter | None:
        """The oldest dead letter of this reference, or None."""
        letters = await self._letters(self.keys.outbox_of(reference, "dead"), 1000)
        return next((d for d in letters if d.reference == reference), None)

    async def requeue(self, reference: str, *, at: float) -> tuple[Requeued, str]:
        """Move the reference's dead letter back onto the outbox as a fresh attempt, atomically.

        ('ok', new outbox id); ('delivered', '') when the delivery record says it arrived;
        ('missing', '') when no dead letter has this reference. Nothing is written but on 'ok'.
        """
        keys = [
            self.keys.outbox_of(reference, "dead"),
            self.keys.outbox_of(reference),
            self.keys.delivery(reference),
        ]
        with unavailable():
            reply = cast(
                list[bytes],
                await self._requeue(keys=keys, args=[reference, repr(at), *BOOKKEEPING]),
            )
        outcome = cast(Requeued, text(reply[0]))
        return outcome, text(reply[1]) if len(reply) > 1 else ""

    async def drop(self, reference: str) -> int:
        """Delete the reference's dead letters; how many there were."""
        with unavailable():
            return int(
                await self._drop(keys=[self.keys.outbox_of(reference, "dead")], args=[reference])
            )
