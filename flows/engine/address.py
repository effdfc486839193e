"""Who a conversation is with: a channel and that channel's id for the chat, as a small value.

A Telegram founder is `telegram:42`, the local chat `local:1`, a web chat session `web:<id>`;
storage keys, submissions and notices carry an `Address`, never a bare integer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TELEGRAM = "telegram"
_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,15}")
_ID = re.compile(r"[A-Za-z0-9_.@=+-]{1,64}")
ANONYMOUS_ID = "anonymous"  # no channel's chat id: Telegram's are numbers, the local chat's too


@dataclass(frozen=True, slots=True)
class Address:
    """A chat on a channel. `id` is the channel's own (a Telegram chat id as decimal text)."""

    channel: str
    id: str

    def __post_init__(self) -> None:
        if not _CHANNEL.fullmatch(self.channel):
            raise ValueError(f"bad channel name {self.channel!r}")
        if not _ID.fullmatch(self.id):
            raise ValueError(f"bad {self.channel} chat id {self.id!r}")

    @classmethod
    def telegram(cls, chat_id: int) -> Address:
        return cls(TELEGRAM, str(int(chat_id)))

    @classmethod
    def parse(cls, text: str) -> Address:
        """`telegram:42` → Address; a bare integer (records written before channels) is Telegram."""
        channel, sep, chat = text.partition(":")
        if not sep:
            return cls.telegram(int(channel))
        return cls(channel, chat)

    @property
    def key(self) -> str:
        """The founder's tag in storage keys: Telegram's is the bare id, as every release has
        written it, so existing drafts and submissions stay where they are; others are
        `<channel>.<id>`, which no Telegram id can collide with."""
        return self.id if self.channel == TELEGRAM else f"{self.channel}.{self.id}"

    @property
    def number(self) -> int | None:
        """The id as an integer where the channel's ids are integers (Telegram), else None."""
        return int(self.id) if re.fullmatch(r"-?\d+", self.id) else None

    def __str__(self) -> str:
        return f"{self.channel}:{self.id}"

    def anonymous(self) -> Address:
        """Who an anonymous tip-off is from: its channel (its files are fetched there), no one
        on it."""
        return Address(self.channel, ANONYMOUS_ID)

    @property
    def reachable(self) -> bool:
        """Whether anyone can be told at this address (not erased, not anonymous)."""
        return self.id not in (ANONYMOUS_ID, "-")


# Whom a submission belongs to once its founder had their data erased: nobody reachable.
ERASED = Address("erased", "-")
