"""Message shape every channel shares: splitting long texts, and a reply's keyboard as rows of
(label, callback data) that each runtime turns into its library's markup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache

from bot.core.callbacks import pack
from bot.core.render import RenderedButton, RenderedMessage
from flows.engine.address import Address

TEXT_LIMIT = 4096  # Telegram's limit on one message's text
CAPTION_LIMIT = 1024  # and on a file's caption
Rows = tuple[tuple[tuple[str, str], ...], ...]
SendPart = Callable[[str, Rows], Awaitable[str]]  # (text, keyboard) -> the new message's id
EditPart = Callable[[str, str, Rows], Awaitable[bool]]  # (message id, text, keyboard) -> done


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Split a long text at paragraph breaks so each part fits one message."""
    parts: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    return [*parts, current] if current else parts or [""]


def keyboard_rows(message: RenderedMessage) -> Rows:
    """The message's buttons as rows of (label, callback data); empty when it has none."""
    return _rows(message.buttons) if message.buttons else ()


@lru_cache(maxsize=4096)
def _rows(buttons: tuple[tuple[RenderedButton, ...], ...]) -> Rows:
    return tuple(tuple((b.label, pack(b.action)) for b in row) for row in buttons)


def parts_of(message: RenderedMessage) -> list[tuple[str, Rows]]:
    """What to send for one message: its text in parts, the keyboard under the last one."""
    texts = split_text(message.text)
    rows = keyboard_rows(message)
    return [(part, rows if i == len(texts) - 1 else ()) for i, part in enumerate(texts)]


async def send_in_order(
    messages: Sequence[RenderedMessage], edit: str | None, send: SendPart, edit_part: EditPart
) -> list[str]:
    """Send messages in order, each split to fit; a `replace` message that fits one part edits
    message `edit` instead where the channel can. The ids of the messages sent or edited."""
    sent: list[str] = []
    for message in messages:
        parts = parts_of(message)
        replace = message.replace and edit is not None and len(parts) == 1
        if replace and edit is not None and await edit_part(edit, *parts[0]):
            sent.append(edit)
            continue
        for text, rows in parts:
            sent.append(await send(text, rows))
    return sent


class PartSender:
    """`Channel.send` for channels that send one text part with one keyboard at a time (both
    Telegram runtimes): a subclass says how to send a part and how to edit a message."""

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        async def one(text: str, rows: Rows) -> str:
            return await self.send_part(chat, text, rows)

        async def edit_one(message_id: str, text: str, rows: Rows) -> bool:
            return await self.edit_part(chat, message_id, text, rows)

        return await send_in_order(messages, edit, one, edit_one)

    async def send_part(self, chat: Address, text: str, rows: Rows) -> str:
        """Send one part; its message id."""
        raise NotImplementedError

    async def edit_part(self, chat: Address, message_id: str, text: str, rows: Rows) -> bool:
        """Replace a message's text and keyboard; False when it cannot be edited."""
        raise NotImplementedError
