"""Narrowing an incoming update into what the core acts on, once, for every Telegram runtime.

aiogram's and python-telegram-bot's objects both mirror the Bot API's field names, so one
reading serves both: a runtime passes its library's message or callback query as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.core.callbacks import CaseTap, parse
from flows.engine.address import Address
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op

UNSUPPORTED = (
    "sticker",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "location",
    "contact",
    "poll",
    "dice",
    "venue",
)
FORGED = Action(Op.PICK, flow="?", step="?")  # a button we did not send: the flow refuses it


@dataclass(frozen=True)
class Inbound:
    """One update as the core sees it: who, where, what, and which message it concerns.

    `message_id` is the message itself, or for a tap the message whose button was tapped;
    `reply_to` the message a text replies to; `tap` a staff member's case button.
    """

    update_id: int | None
    sender: Address
    chat: Address
    private: bool
    event: Event
    language_code: str | None = None
    name: str = ""
    message_id: str | None = None
    reply_to: str | None = None
    tap: CaseTap | None = None


def _sender(user: Any) -> tuple[Address, str | None, str]:
    name = " ".join(p for p in (user.first_name, getattr(user, "last_name", None)) if p)
    return Address.telegram(user.id), getattr(user, "language_code", None), clean(name)


_HIDDEN = re.compile("[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_FILE_BYTES = 2**31  # beyond any file Telegram carries


def clean(text: str) -> str:
    """Text as the core may keep and show it: valid Unicode (a lone surrogate becomes �),
    without control characters or bidirectional overrides."""
    return _HIDDEN.sub("", _SURROGATE.sub("\ufffd", text))


def event_of(message: Any) -> Event:
    """The flow event a Telegram message stands for, narrowed once: text and file names made
    valid and visible, file sizes in range."""
    text = clean(message.text) if isinstance(message.text, str) else None
    if text is not None:
        if text.startswith("/"):
            head, _, arg = text[1:].partition(" ")
            return Event.of_command(head.split("@", 1)[0], arg)
        return Event.of_text(text)
    doc = message.document
    if doc is not None:
        name = clean(doc.file_name or "") or "document"
        mime = clean(doc.mime_type or "") or "application/octet-stream"
        if not 0 <= (doc.file_size or 0) <= MAX_FILE_BYTES:
            return Event(EventKind.UNSUPPORTED, what="document")
        ref = FileRef(doc.file_id, name, mime, doc.file_size or 0, unique=doc.file_unique_id)
        return Event(EventKind.FILE, file=ref)
    if message.photo:
        photo = message.photo[-1]
        if not 0 <= (photo.file_size or 0) <= MAX_FILE_BYTES:
            return Event(EventKind.UNSUPPORTED, what="photo")
        name = clean(f"photo-{photo.file_unique_id}.jpg")
        size = photo.file_size or 0
        ref = FileRef(photo.file_id, name, "image/jpeg", size, unique=photo.file_unique_id)
        return Event(EventKind.FILE, file=ref)
    what = next((kind for kind in UNSUPPORTED if getattr(message, kind, None)), "other")
    return Event(EventKind.UNSUPPORTED, what=what)


def _accessible(message: Any) -> bool:
    """Whether a tapped message can still be edited (Telegram sends a stub for very old ones:
    python-telegram-bot says so in `is_accessible`, aiogram gives it date 0)."""
    flag = getattr(message, "is_accessible", None)
    return flag if isinstance(flag, bool) else bool(getattr(message, "date", None))


def from_message(update_id: int | None, message: Any) -> Inbound | None:
    """A message from a person (None for channel posts and service messages without a sender)."""
    user = message.from_user
    if user is None:
        return None
    sender, language, name = _sender(user)
    replied = message.reply_to_message
    return Inbound(
        update_id,
        sender,
        Address.telegram(message.chat.id),
        message.chat.type == "private",
        event_of(message),
        language,
        name,
        str(message.message_id),
        str(replied.message_id) if replied is not None else None,
    )


def from_callback(update_id: int | None, query: Any) -> Inbound:
    """A button tap; forged or stale data becomes an action no flow accepts."""
    sender, language, name = _sender(query.from_user)
    origin = query.message
    chat_id = getattr(getattr(origin, "chat", None), "id", None)
    chat = Address.telegram(chat_id) if chat_id is not None else sender
    editable = origin is not None and _accessible(origin)
    payload = parse(query.data)
    return Inbound(
        update_id,
        sender,
        chat,
        chat == sender,
        Event.of_action(payload if isinstance(payload, Action) else FORGED),
        language,
        name,
        str(origin.message_id) if editable else None,
        tap=payload if isinstance(payload, CaseTap) else None,
    )
