"""Redis key names: prefix, schema version, a Cluster hash tag, then the record.

One place builds them all. Every script touches keys of one hash tag, so the store runs on a
single Redis, behind Sentinel, or on a Redis Cluster alike:

- a founder's records, the submissions they make and everything about those submissions
  (status history, delivery record, the outbox stream that carries them, retries, dead letters,
  retention, the subscribers and roles indexes) share their **shard**'s tag `{<n>}`, one of
  `SHARDS`. A founder's shard is a hash of their address, a submission's a hash of its reference,
  and a new reference is drawn so that the two agree (`references_shard` in bot.core.references):
  the commit writes a founder's draft, their new submission and its outbox entry in one script;
- the timed events share `{timers}`, the broadcasts `{bc}`, the poller's lease `{poller}`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import lru_cache

from flows.engine.address import Address

SCHEMA = "v2"  # v1 had one outbox stream and untagged submissions (`python -m bot migrate-keys`)
SEPARATOR = ":"
SHARDS = 16  # part of the schema: a different count would move every key
CASE_PARTS = ("events", "reports")  # `sub:{n}:<reference>:<part>`: a case's status history
TIMER_PARTS = ("due", "leases", "events", "state", "dead")  # `{timers}:<part>`: storage.timers
BROADCAST_PARTS = ("meta", "state", "members", "pending", "sending", "tokens", "outcome", "opened")
OUTBOX_PARTS = ("retry", "dead")  # beside each shard's outbox stream


def shard_of(name: str) -> int:
    """The shard of a founder's address key or a submission's reference."""
    return zlib.crc32(name.encode("utf-8")) % SHARDS


def _tag(shard: int) -> str:
    if not 0 <= shard < SHARDS:
        raise ValueError(f"bad shard {shard!r}")
    return f"{{{shard}}}"


@dataclass(frozen=True)
class KeyBuilder:
    """Builds keys like `smebot:v2:f:{7}:42:draft:registration` (Telegram founder 42, in shard
    7) or `smebot:v2:sub:{7}:SUB-20261128-7Q4K9M` (a submission of that shard)."""

    prefix: str = "smebot"

    def __post_init__(self) -> None:
        if not self.prefix or SEPARATOR in self.prefix:
            raise ValueError(f"key prefix must be non-empty and contain no {SEPARATOR!r}")

    def _join(self, *parts: str) -> str:
        return SEPARATOR.join((self.prefix, SCHEMA, *self._checked(parts)))

    # -- founders ----------------------------------------------------------------------------

    def founder(self, founder: Address, *parts: str) -> str:
        """A key of one founder's record."""
        return SEPARATOR.join((self._founder_head(founder.key), *self._checked(parts)))

    @lru_cache(maxsize=8192)  # noqa: B019 (the builders are few and live as long as the app)
    def _founder_head(self, key: str) -> str:
        """`prefix:v2:f:{n}:<address>`, hashed and checked once per founder, not per key."""
        return self._join("f", _tag(shard_of(key)), key)

    @staticmethod
    def _checked(parts: tuple[str, ...]) -> tuple[str, ...]:
        for part in parts:
            if not part or SEPARATOR in part:
                raise ValueError(f"bad key part {part!r}")
        return parts

    def staff(self, member: Address, *parts: str) -> str:
        """A key of one staff member's desk state, apart from the founders' key space."""
        return self._join("staff", _tag(shard_of(member.key)), member.key, *parts)

    def pattern(self) -> str:
        """A SCAN pattern matching every founder key of this schema."""
        return SEPARATOR.join((self.prefix, SCHEMA, "f", "*"))

    # -- submissions and their delivery --------------------------------------------------------

    def submission(self, reference: str) -> str:
        """The key of one submitted application, e.g. `smebot:v2:sub:{7}:SUB-20261128-7Q4K9M`."""
        return self._join("sub", _tag(self._shard(reference)), reference)

    def case(self, reference: str, part: str) -> str:
        """A key beside a submission record: its status `events` or applied agency `reports`."""
        if part not in CASE_PARTS:
            raise ValueError(f"bad case part {part!r}")
        return f"{self.submission(reference)}{SEPARATOR}{part}"

    def submissions_pattern(self) -> str:
        """A SCAN pattern matching every submission record (and its `CASE_PARTS`)."""
        return SEPARATOR.join((self.prefix, SCHEMA, "sub", "*"))

    def delivery(self, reference: str) -> str:
        """The delivery record of one submission, e.g. `smebot:v2:delivery:{7}:SUB-…`."""
        return self._join("delivery", _tag(self._shard(reference)), reference)

    def deliveries_pattern(self) -> str:
        """A SCAN pattern matching every delivery record."""
        return SEPARATOR.join((self.prefix, SCHEMA, "delivery", "*"))

    def outbox(self, shard: int, part: str = "") -> str:
        """A shard's stream of submissions waiting to be delivered to their offices, or beside
        it the sorted set of entries waiting for a `retry` (scored by due time, ms) or the stream
        of `dead` letters given up on."""
        if part and part not in OUTBOX_PARTS:
            raise ValueError(f"bad outbox part {part!r}")
        return self._join("outbox", _tag(shard), *((part,) if part else ()))

    def outbox_of(self, reference: str, part: str = "") -> str:
        """The outbox key (stream, `retry` or `dead`) of the shard a submission lives in."""
        return self.outbox(self._shard(reference), part)

    def retention(self, shard: int) -> str:
        """A shard's sorted set of delivered submissions, scored by delivery time (seconds),
        whose personal fields are purged when the retention period ends."""
        return self._join("retention", _tag(shard))

    @staticmethod
    def _shard(reference: str) -> int:
        if not reference or SEPARATOR in reference:
            raise ValueError(f"bad submission reference {reference!r}")
        return shard_of(reference)

    # -- indexes kept per shard, beside the founders they list --------------------------------

    def subscribers(self, shard: int) -> str:
        """A shard's hash of the founders who opted in to announcements (storage.subscribers)."""
        return self._join("subscribers", _tag(shard))

    def roles(self, shard: int) -> str:
        """A shard's hash of role grants, member address → JSON, for listing (storage.roles)."""
        return self._join("roles", _tag(shard))

    def roles_log(self, shard: int) -> str:
        """A shard's stream of role grants and revokes: who, whom, when."""
        return self._join("roles", _tag(shard), "log")

    # -- one tag each ------------------------------------------------------------------------

    def erasures(self) -> str:
        """The stream recording each erasure a founder asked for, in counts only."""
        return self._join("privacy", "erasures")

    def timers(self, part: str) -> str:
        """A key of the timed events' store, e.g. `smebot:v2:{timers}:due`: one slot."""
        if part not in TIMER_PARTS:
            raise ValueError(f"bad timers part {part!r}")
        return self._join("{timers}", part)

    def broadcast(self, broadcast_id: str, part: str) -> str:
        """A key of one broadcast, e.g. `smebot:v2:bc:{bc}:b1:pending`. Every broadcast and the
        indexes share `{bc}`: creating one writes its records and the index in one transaction."""
        if part not in BROADCAST_PARTS:
            raise ValueError(f"bad broadcast part {part!r}")
        return self._join("bc", "{bc}", broadcast_id, part)

    def broadcasts(self, part: str) -> str:
        """The broadcasts' indexes: `index` (all, by creation time), `running`, and `workers`
        (the live broadcasters, by last heartbeat)."""
        if part not in ("index", "running", "workers"):
            raise ValueError(f"bad broadcasts index {part!r}")
        return self._join("bcs", "{bc}", part)

    def poller(self, bot: str) -> str:
        """The lease of the one process polling Telegram for bot `bot` (its numeric id), e.g.
        `smebot:v2:{poller}:123456`; its own hash tag, so it lives on any Redis Cluster node."""
        if not bot or SEPARATOR in bot:
            raise ValueError(f"bad bot id {bot!r}")
        return self._join("{poller}", bot)


def stream_order(entry_id: str) -> tuple[int, int]:
    """A stream entry id (`<ms>-<seq>`) as a sortable pair: entries of several shards' streams
    put in the order they were added."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)
