"""The announcements subscribers' index: one hash, founder address → `Subscriber` JSON, kept in
step with each founder's own records, and the opt-out the broadcaster may write.

The founder's prefs are the truth (`Prefs.subscribed`, written inside their turn); the index
is a copy for the composer's `count` and the broadcaster's `scan`, brought in step by `sync`
after each turn that changed it (a failed sync is retried at the founder's next one), and
`is_subscribed` reads the truth again before each send, so an opt-out is immediate.

The broadcaster cannot write the founder's prefs (only their turn does, compare-and-set on
`rev`), so a founder who blocked the bot is opted out by a marker beside their records,
`f:{id}:optout`, holding the moment it was set: it voids every opt-in older than it
(`Prefs.since`), and an opt-in after it voids the marker (`sync` then deletes it). Erasure
deletes the marker with the founder's key space and their line of the index
(`storage.privacy`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Mapping
from datetime import timedelta
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError

from flows.engine.address import Address
from flows.engine.audience import Audience, Subscriber, matches
from flows.engine.draft import FounderState, Prefs
from storage.errors import text, unavailable
from storage.keys import SHARDS, KeyBuilder, shard_of

log = logging.getLogger(__name__)
PAGE = 500
OPTOUT = "optout"  # the marker's record name in the founder's key space

# KEYS: the index, the founder's opt-out marker; ARGV: member, Subscriber JSON ('' = not
# subscribed), the opt-in moment. A marker at or after the opt-in keeps the founder out.
SYNC = """
if ARGV[2] == '' then redis.call('HDEL', KEYS[1], ARGV[1]) return 0 end
local marker = redis.call('GET', KEYS[2])
if marker and tonumber(marker) >= tonumber(ARGV[3]) then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
if marker then redis.call('DEL', KEYS[2]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""


def subscriber_of(state: FounderState) -> Subscriber | None:
    """The founder's line of the index, from their prefs and profile; None when not subscribed.
    District, industry and size are the profile's codes (registration guidance stores all
    three, the size classified as `flows.policy.sme_size` does; the subsidy flow the district)."""
    prefs, profile = state.prefs, state.profile
    if not prefs.subscribed:
        return None
    return Subscriber(
        state.founder,
        prefs.lang or "",
        _code(profile, "district"),
        _code(profile, "industry"),
        _code(profile, "size"),
        frozenset(prefs.topics),
    )


def _code(profile: Mapping[str, Any], name: str) -> str:
    value = profile.get(name)
    return value if isinstance(value, str) else ""


class SubscriberStore:
    """The subscribers' index, the opt-out marker, and the reads the broadcaster needs."""

    def __init__(
        self, redis: Redis, keys: KeyBuilder, *, optout_ttl: timedelta = timedelta(days=400)
    ) -> None:
        self.redis = redis
        self.keys = keys
        self.optout_ttl_ms = int(optout_ttl.total_seconds() * 1000)  # outlives the prefs' year
        self.pending: set[Address] = set()  # founders whose last sync failed (this process)
        self._sync = redis.register_script(SYNC)

    async def sync(self, state: FounderState) -> bool:
        """Bring the founder's line of the index in step with their state (idempotent). A
        failure is logged and the founder kept in `pending`, to be synced at their next turn."""
        found = subscriber_of(state)
        blob = "" if found is None else json.dumps(found.to_json(), ensure_ascii=False)
        index = self.keys.subscribers(shard_of(state.founder.key))
        keys = [index, self.keys.founder(state.founder, OPTOUT)]
        try:
            await self._sync(keys=keys, args=[str(state.founder), blob, repr(state.prefs.since)])
        except RedisError as exc:
            log.warning(
                "founder %s: subscribers index not synced: %s", state.founder, type(exc).__name__
            )
            self.pending.add(state.founder)
            return False
        self.pending.discard(state.founder)
        return True

    async def is_subscribed(self, founder: Address) -> bool:
        """Whether the founder wants announcements now: their prefs say so and no opt-out
        marker came after their opt-in. Read before every send."""
        keys = [self.keys.founder(founder, "prefs"), self.keys.founder(founder, OPTOUT)]
        with unavailable():
            raw, marker = cast(list[bytes | None], await self.redis.mget(keys))
        if not raw:
            return False
        try:
            prefs = Prefs.from_json(json.loads(raw))
        except (ValueError, TypeError, AttributeError):
            return False
        return prefs.subscribed and not (marker and float(marker) >= prefs.since)

    async def unsubscribe(self, founder: Address, now: float | None = None) -> None:
        """Opt out a founder who cannot be reached (blocked the bot), outside their turn: the
        marker, and their line of the index dropped. Their next opt-in clears it. Their revision
        is bumped: a process that keeps their state (storage.founders `cached`) reads it again."""
        moment = time.time() if now is None else now
        with unavailable():
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(self.keys.founder(founder, OPTOUT), repr(moment), px=self.optout_ttl_ms)
                pipe.hdel(self.keys.subscribers(shard_of(founder.key)), str(founder))
                pipe.incr(self.keys.founder(founder, "rev"))
                await pipe.execute()

    async def scan(self, audience: Audience) -> AsyncIterator[Subscriber]:
        """Every indexed subscriber the audience reaches (HSCAN: a line changed meanwhile may
        be seen or not, once at least for those unchanged; check `is_subscribed` before sending)."""
        for shard in range(SHARDS):
            with unavailable():
                index = self.keys.subscribers(shard)
                async for _member, blob in self.redis.hscan_iter(index, count=PAGE):
                    try:
                        found = Subscriber.from_json(json.loads(blob))
                    except (ValueError, TypeError, KeyError):
                        log.error("subscribers index: dropping a line that is not a subscriber")
                        continue
                    if matches(audience, found):
                        yield found

    async def count(self, audience: Audience) -> int:
        """How many indexed subscribers the audience reaches (for the composer)."""
        return len([found async for found in self.scan(audience)])

    async def get(self, founder: Address) -> Subscriber | None:
        """The founder's line of the index, if any (for tools and tests)."""
        with unavailable():
            index = self.keys.subscribers(shard_of(founder.key))
            blob = await self.redis.hget(index, str(founder))
        return None if blob is None else Subscriber.from_json(json.loads(text(blob)))
