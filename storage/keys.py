"""Redis key names: prefix, schema version, founder id or submission reference, record.

One place builds them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine.address import Address

SCHEMA = "v1"
SEPARATOR = ":"
CASE_PARTS = ("events", "reports")  # `sub:<reference>:<part>`: a case's status history beside it
TIMER_PARTS = ("due", "leases", "events", "state", "dead")  # `{timers}:<part>`: storage.timers
BROADCAST_PARTS = ("meta", "state", "members", "pending", "sending", "tokens", "outcome", "opened")


@dataclass(frozen=True)
class KeyBuilder:
    """Builds keys like `smebot:v1:f:{42}:draft:registration` (a Telegram founder) or
    `smebot:v1:f:{local.1}:prefs` (another channel; see `Address.key`); the braces keep one
    founder's keys in one Redis Cluster slot. The commit script also writes `sub:<reference>` and `outbox`,
    and the outbox scripts `outbox:retry`, `outbox:dead` and `delivery:<reference>`, which live
    outside that slot: the store needs one Redis primary, not a Cluster."""

    prefix: str = "smebot"

    def __post_init__(self) -> None:
        if not self.prefix or SEPARATOR in self.prefix:
            raise ValueError(f"key prefix must be non-empty and contain no {SEPARATOR!r}")

    def founder(self, founder: Address, *parts: str) -> str:
        """A key of one founder's record."""
        return self._join("f", f"{{{founder.key}}}", *parts)

    def staff(self, member: Address, *parts: str) -> str:
        """A key of one staff member's desk state, apart from the founders' key space."""
        return self._join("staff", f"{{{member.key}}}", *parts)

    def _join(self, *parts: str) -> str:
        for part in parts:
            if not part or SEPARATOR in part:
                raise ValueError(f"bad key part {part!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, *parts))

    def submission(self, reference: str) -> str:
        """The key of one submitted application, e.g. `smebot:v1:sub:SH-20260101-AB12`."""
        if not reference or SEPARATOR in reference:
            raise ValueError(f"bad submission reference {reference!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, "sub", reference))

    def case(self, reference: str, part: str) -> str:
        """A key beside a submission record: its status `events` or applied agency `reports`."""
        if part not in CASE_PARTS:
            raise ValueError(f"bad case part {part!r}")
        return f"{self.submission(reference)}{SEPARATOR}{part}"

    def submissions_pattern(self) -> str:
        """A SCAN pattern matching every submission record (and its `CASE_PARTS`)."""
        return SEPARATOR.join((self.prefix, SCHEMA, "sub", "*"))

    def outbox(self) -> str:
        """The stream of submissions waiting to be delivered to their offices."""
        return SEPARATOR.join((self.prefix, SCHEMA, "outbox"))

    def outbox_retry(self) -> str:
        """The sorted set of outbox entries waiting for a retry, scored by due time (ms)."""
        return SEPARATOR.join((self.prefix, SCHEMA, "outbox", "retry"))

    def outbox_dead(self) -> str:
        """The stream of outbox entries given up on (dead letters), for an operator."""
        return SEPARATOR.join((self.prefix, SCHEMA, "outbox", "dead"))

    def delivery(self, reference: str) -> str:
        """The delivery record of one submission, e.g. `smebot:v1:delivery:SH-20260101-AB12`."""
        if not reference or SEPARATOR in reference:
            raise ValueError(f"bad submission reference {reference!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, "delivery", reference))

    def retention(self) -> str:
        """The sorted set of delivered submissions, scored by delivery time (seconds), whose
        personal fields are purged when the retention period ends."""
        return SEPARATOR.join((self.prefix, SCHEMA, "retention"))

    def erasures(self) -> str:
        """The stream recording each erasure a founder asked for, in counts only."""
        return SEPARATOR.join((self.prefix, SCHEMA, "privacy", "erasures"))

    def roles(self) -> str:
        """The hash of every role grant, member address → JSON, for listing (`storage.roles`)."""
        return SEPARATOR.join((self.prefix, SCHEMA, "roles"))

    def roles_log(self) -> str:
        """The stream recording every role grant and revoke: who, whom, when."""
        return SEPARATOR.join((self.prefix, SCHEMA, "roles", "log"))

    def timers(self, part: str) -> str:
        """A key of the timed events' store, e.g. `smebot:v1:{timers}:due`; the braces put all
        of them in one Redis Cluster slot, so its scripts could run on a Cluster."""
        if part not in TIMER_PARTS:
            raise ValueError(f"bad timers part {part!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, "{timers}", part))

    def subscribers(self) -> str:
        """The hash indexing the founders who opted in to announcements (storage.subscribers)."""
        return SEPARATOR.join((self.prefix, SCHEMA, "subscribers"))

    def pattern(self) -> str:
        """A SCAN pattern matching every founder key of this schema."""
        return SEPARATOR.join((self.prefix, SCHEMA, "f", "*"))

    def broadcast(self, broadcast_id: str, part: str) -> str:
        """A key of one broadcast, e.g. `smebot:v1:bc:{b1}:pending`; the braces keep one
        broadcast's keys in one Redis Cluster slot (its scripts touch only those)."""
        if part not in BROADCAST_PARTS:
            raise ValueError(f"bad broadcast part {part!r}")
        return self._join("bc", f"{{{broadcast_id}}}", part)

    def broadcasts(self, part: str) -> str:
        """The broadcasts' indexes: `index` (all, by creation time), `running`, and `workers`
        (the live broadcasters, by last heartbeat)."""
        if part not in ("index", "running", "workers"):
            raise ValueError(f"bad broadcasts index {part!r}")
        return self._join("bcs", part)

    def poller(self, bot: str) -> str:
        """The lease of the one process polling Telegram for bot `bot` (its numeric id), e.g.
        `smebot:v1:{poller}:123456`; its own hash tag, so it lives on any Redis Cluster node."""
        if not bot or SEPARATOR in bot:
            raise ValueError(f"bad bot id {bot!r}")
        return SEPARATOR.join((self.prefix, SCHEMA, "{poller}", bot))
