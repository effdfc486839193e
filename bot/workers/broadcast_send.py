"""What a broadcast sends and tells: the composer's payload turned into messages for one
language, and the commissioner's progress message, edited in place, then the final report.

The payload the composer stores (`BroadcastStore.create`)::

    {"messages": {"zh_CN": [{"text": "…", "buttons": [[{"label": "…", "data": "a:…"}]]}],
                  "en": [...]},
     "attachment": {"owner": "telegram:1", "file_id": "…", "name": "notice.pdf"}}  # optional

`text` is rendered already; `buttons` rows are optional, each button's `data` callback data
(`bot.core.callbacks`); a founder whose language has no messages gets the first language's.
The attachment is a file someone sent the bot (fetched once per broadcast from its channel).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.callbacks import parse
from bot.core.channel import Channels
from bot.core.messages import split_text
from bot.core.render import RenderedButton, RenderedMessage, Renderer
from flows.engine.address import Address
from flows.engine.text import N_, Text
from storage.broadcasts import Broadcast, BroadcastStore, Counts

SENDING = N_("Sending… delivered {delivered} of {total}, blocked {blocked}, failed {failed}")
REPORT = N_(
    "Broadcast finished in {duration}: delivered {delivered}, blocked {blocked}, "
    "failed {failed}, unknown {unknown} (of {total})."
)


def messages_for(payload: dict[str, Any], lang: str) -> list[RenderedMessage]:
    """The messages of one language, each text split to fit one message (the keyboard under
    its last part), so each is one call to the channel. ValueError on a bad button."""
    by_lang: dict[str, list[dict[str, Any]]] = payload["messages"]
    parts = by_lang.get(lang) or next(iter(by_lang.values()), [])
    messages: list[RenderedMessage] = []
    for part in parts:
        texts = split_text(part["text"])
        buttons = tuple(tuple(_button(b) for b in row) for row in part.get("buttons") or ())
        messages += [RenderedMessage(t) for t in texts[:-1]]
        messages.append(RenderedMessage(texts[-1], buttons))
    return messages


class Contents:
    """Each running broadcast's messages by language and its attachment, built or fetched
    once per process."""

    def __init__(self, channels: Channels) -> None:
        self.channels = channels
        self._messages: dict[tuple[str, str], list[RenderedMessage]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}

    def messages(self, broadcast: Broadcast, lang: str) -> list[RenderedMessage]:
        key = (broadcast.id, lang)
        if key not in self._messages:
            self._messages[key] = messages_for(broadcast.payload, lang)
        return self._messages[key]

    async def attachment(self, broadcast: Broadcast) -> tuple[str, bytes] | None:
        """(file name, content) of the attachment, or None."""
        attachment = broadcast.payload.get("attachment")
        if not attachment:
            return None
        if broadcast.id not in self._files:
            owner = Address.parse(attachment["owner"])
            data = await self.channels.fetch(owner, attachment["file_id"])
            self._files[broadcast.id] = (attachment["name"], data)
        return self._files[broadcast.id]

    def forget(self, broadcast_id: str) -> None:
        """Drop an ended broadcast's."""
        self._files.pop(broadcast_id, None)
        self._messages = {k: v for k, v in self._messages.items() if k[0] != broadcast_id}


def _button(button: dict[str, str]) -> RenderedButton:
    action = parse(button["data"])
    if action is None:
        raise ValueError(f"broadcast button {button['label']!r} has bad callback data")
    return RenderedButton(button["label"], action)


def duration(seconds: float) -> Text:
    """How long it took, in the reader's language: `1 h 2 min`, `3 min 5 s`, `42 s` (zh
    `1小时2分钟`, `3分5秒`, `42秒`)."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return Text(N_("{hours} h {minutes} min"), {"hours": hours, "minutes": minutes})
    if minutes:
        return Text(N_("{minutes} min {seconds} s"), {"minutes": minutes, "seconds": secs})
    return Text(N_("{seconds} s"), {"seconds": secs})


class ProgressMessage:
    """The default `on_progress` / `on_done`: one message to the broadcast's author, edited in
    place with the counts, then with the report, in the author's language: the one they
    composed it in (the payload's `locale`), else their stored choice (`language_of`), else
    `locale`."""

    def __init__(
        self,
        store: BroadcastStore,
        channels: Channels,
        renderer: Renderer,
        locale: str,
        language_of: Callable[[Address], Awaitable[str | None]] | None = None,
    ) -> None:
        self.store = store
        self.channels = channels
        self.renderer = renderer
        self.locale = locale
        self.language_of = language_of

    async def progress(self, broadcast: Broadcast, counts: Counts) -> None:
        await self._show(broadcast, Text(SENDING, _numbers(counts)))

    async def done(self, broadcast: Broadcast, counts: Counts) -> None:
        took = (broadcast.finished_at or 0.0) - (broadcast.started_at or 0.0)
        await self._show(broadcast, Text(REPORT, {**_numbers(counts), "duration": duration(took)}))

    async def _show(self, broadcast: Broadcast, text: Text) -> None:
        chat, edit = broadcast.progress or (broadcast.author, None)
        channel = self.channels.get(chat.channel)
        if channel is None:
            return
        chosen = broadcast.payload.get("locale")  # the author's, when they composed it
        if not chosen and self.language_of is not None:
            chosen = await self.language_of(broadcast.author)
        message = RenderedMessage(self.renderer.text(text, chosen or self.locale), replace=True)
        sent = await channel.send(chat, [message], edit=edit)
        if sent and sent[-1] != edit:
            await self.store.set_progress(broadcast.id, chat, sent[-1])


def _numbers(counts: Counts) -> dict[str, Any]:
    return {
        "delivered": counts.delivered,
        "total": counts.total,
        "blocked": counts.blocked,
        "failed": counts.failed,
        "unknown": counts.unknown,
    }
