"""The records of `storage.broadcasts`: a broadcast, its counts, a claimed recipient and the
entry naming them in Redis (`<address>|<lang>`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from flows.engine.address import TELEGRAM, Address

Status = Literal["scheduled", "running", "paused", "cancelled", "done"]
Outcome = Literal["delivered", "blocked", "failed", "skipped", "unknown"]
OUTCOMES: tuple[Outcome, ...] = ("delivered", "blocked", "failed", "skipped", "unknown")


class BroadcastNotFound(KeyError):
    """No broadcast of this id."""


@dataclass(frozen=True)
class Counts:
    """Where a broadcast's recipients are: `total` frozen at start, the rest by outcome."""

    total: int = 0
    sending: int = 0
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0
    unknown: int = 0

    @property
    def settled(self) -> int:
        return self.delivered + self.blocked + self.failed + self.skipped + self.unknown

    @property
    def pending(self) -> int:
        return self.total - self.settled - self.sending


@dataclass(frozen=True)
class Broadcast:
    """One broadcast. `payload` is the composer's (by language: parts of text and buttons, and
    an optional attachment; see `bot.workers.broadcast_send`), `audience` opaque here; times are
    epoch seconds; `progress` is the commissioner's message edited in place, if any."""

    id: str
    author: Address
    created_at: float
    status: Status
    payload: dict[str, Any]
    audience: Any = None
    counts: Counts = field(default_factory=Counts)
    started_at: float | None = None
    finished_at: float | None = None
    progress: tuple[Address, str] | None = None


@dataclass(frozen=True)
class Recipient:
    """A claimed recipient: the founder's address, their language, and the entry naming them."""

    address: Address
    lang: str
    entry: str


@dataclass(frozen=True)
class Claim:
    """Recipients of one broadcast claimed under one token until `lease_until`."""

    broadcast_id: str
    token: str
    recipients: list[Recipient]
    lease_until: float


def entry_of(address: Address | str, lang: str) -> str:
    """A recipient's entry: `<address>|<lang>`; a str is `str(Address)` or an `Address.key`."""
    parsed = address if isinstance(address, Address) else address_of(address)
    if "|" in lang or not lang:
        raise ValueError(f"bad language {lang!r}")
    return f"{parsed}|{lang}"


def address_of(key: str) -> Address:
    """`telegram:42`, or an `Address.key` (`42` on Telegram, `local.1` elsewhere)."""
    if ":" in key:
        return Address.parse(key)
    channel, dot, chat = key.partition(".")
    return Address(channel, chat) if dot else Address(TELEGRAM, key)


def recipient_of(entry: str) -> Recipient:
    """The recipient an entry names."""
    address, _, lang = entry.rpartition("|")
    return Recipient(Address.parse(address), lang, entry)
