"""The way out, one protocol for every channel: what the core sends (replies, notices, staff
cases, later reminders and broadcasts) and the founders' files it fetches for the hand-off.

Each channel (a Telegram runtime, the local chat, later a web chat) implements `Channel`;
`Channels` holds the ones a process can reach and picks one by the address's channel name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.core.render import RenderedMessage
from flows.engine.address import Address

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """Base of the channel errors the core handles."""


class FileGone(ChannelError):
    """The channel no longer has this file (a retry cannot bring it back)."""


class Unreachable(ChannelError):
    """No channel of this process reaches the address (for example a worker without a token)."""


class RateLimited(ChannelError):
    """The channel refused for now (Telegram's 429): wait `retry_after` seconds, then retry."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SendUnknown(ChannelError):
    """The request may have reached the channel, but no answer came (a timeout, a connection
    dropped mid-request): it may or may not have been delivered, so sending it again could
    deliver it twice."""


class Blocked(ChannelError):
    """The person cannot be reached any more (Telegram's 403: blocked the bot, deactivated)."""


class Channel(Protocol):
    """One channel's way out. Message ids are the channel's own, as text."""

    name: str

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        """Send in order (long texts split); a `replace` message may edit message `edit`.
        The ids of the messages sent."""
        ...

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        """Send a document with a caption; its message id."""
        ...

    async def fetch(self, file_id: str) -> bytes:
        """A file a founder sent on this channel; `FileGone` when it cannot come back."""
        ...


class Channels:
    """The channels a process can reach, by name; refuses two with one name."""

    def __init__(self, *channels: Channel) -> None:
        self._by_name: dict[str, Channel] = {}
        for channel in channels:
            self.add(channel)

    def add(self, channel: Channel, *, replace: bool = False) -> None:
        """Add a channel; `replace` swaps the one of that name (the local chat's terminal)."""
        if channel.name in self._by_name and not replace:
            raise ValueError(f"two channels named {channel.name!r}")
        self._by_name[channel.name] = channel

    def get(self, name: str) -> Channel | None:
        return self._by_name.get(name)

    def _of(self, address: Address) -> Channel:
        channel = self._by_name.get(address.channel)
        if channel is None:
            raise Unreachable(f"no {address.channel} channel in this process")
        return channel

    async def send(self, to: Address, messages: Sequence[RenderedMessage]) -> list[str]:
        """Send to an address on its own channel (`Unreachable` when none is here)."""
        return await self._of(to).send(to, messages)

    async def send_file(self, to: Address, name: str, data: bytes, caption: str) -> str:
        return await self._of(to).send_file(to, name, data, caption)

    async def fetch(self, owner: Address, file_id: str) -> bytes:
        """A file that `owner` sent, from the channel they sent it on."""
        return await self._of(owner).fetch(file_id)
