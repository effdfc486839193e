"""The aiogram adapter: narrows Telegram updates to flow events and sends rendered replies.

It decides nothing: every update goes to `ConversationService.handle`.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.methods.base import Response
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.core.render import RenderedButton, RenderedMessage
from bot.core.service import ConversationService, Founder
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import OPS, Action, Op

log = logging.getLogger(__name__)
# pydantic caches parametrised generics weakly and nothing else keeps `Response[bool]` alive, so
# aiogram rebuilt that class (a few ms) for every answerCallbackQuery; holding it keeps it cached.
_RESPONSE_BOOL = Response[bool]
TELEGRAM_TEXT_LIMIT = 4096
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


class ActionData(CallbackData, prefix="a"):
    """An action as Telegram callback data: `a:<op>:<flow>:<step>:<value>`, at most 64 bytes."""

    o: str
    f: str = ""
    s: str = ""
    v: str = ""

    @classmethod
    def of(cls, action: Action) -> str:
        return cls(o=action.op.value, f=action.flow, s=action.step, v=action.value).pack()

    @classmethod
    def parse(cls, data: str | None) -> Action | None:
        """The action in callback data, or None for anything we did not send."""
        try:
            raw = cls.unpack(data or "")
        except (TypeError, ValueError):
            return None
        op = OPS.get(raw.o)
        return Action(op, raw.f, raw.s, raw.v) if op else None


def keyboard(message: RenderedMessage) -> InlineKeyboardMarkup | None:
    return _markup(message.buttons) if message.buttons else None


@lru_cache(maxsize=4096)
def _markup(buttons: tuple[tuple[RenderedButton, ...], ...]) -> InlineKeyboardMarkup:
    """The same question in the same language has the same keyboard: built once (pydantic
    models and packed callback data are a good part of a step's cost), never changed after."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=ActionData.of(b.action)) for b in row]
            for row in buttons
        ]
    )


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split a long text at paragraph breaks so each part fits one Telegram message."""
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


def event_of(message: Message) -> Event:
    """The flow event a Telegram message stands for."""
    if message.text is not None:
        if message.text.startswith("/"):
            head, _, arg = message.text[1:].partition(" ")
            return Event.of_command(head.split("@", 1)[0], arg)
        return Event.of_text(message.text)
    if message.document is not None:
        doc = message.document
        return Event(
            EventKind.FILE,
            file=FileRef(
                doc.file_id,
                doc.file_name or "document",
                doc.mime_type or "application/octet-stream",
                doc.file_size or 0,
            ),
        )
    if message.photo:
        photo = message.photo[-1]
        return Event(
            EventKind.FILE,
            file=FileRef(
                photo.file_id,
                f"photo-{photo.file_unique_id}.jpg",
                "image/jpeg",
                photo.file_size or 0,
            ),
        )
    what = next((kind for kind in UNSUPPORTED if getattr(message, kind, None) is not None), "other")
    return Event(EventKind.UNSUPPORTED, what=what)


async def send(
    bot: Bot, chat_id: int, messages: list[RenderedMessage], editable: Message | None = None
) -> None:
    """Send replies in order; a `replace` reply edits the message whose button was tapped."""
    for message in messages:
        markup = keyboard(message)
        if message.replace and editable is not None:
            try:
                await bot.edit_message_text(
                    message.text,
                    chat_id=chat_id,
                    message_id=editable.message_id,
                    reply_markup=markup,
                )
                continue
            except TelegramBadRequest as exc:
                if "not modified" in str(exc):
                    continue
                log.info("could not edit message %s; sending a new one", editable.message_id)
        parts = split_text(message.text)
        for i, part in enumerate(parts):
            await bot.send_message(
                chat_id, part, reply_markup=markup if i == len(parts) - 1 else None
            )


def create_router(service: ConversationService) -> Router:
    """The one router of the bot: every private message and button goes to the service."""
    router = Router(name="founders")

    @router.message()
    async def on_message(message: Message, bot: Bot, event_update: Update) -> None:
        user = message.from_user
        if user is None or message.chat.type != "private":
            return
        founder = Founder(user.id, user.language_code)

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await send(bot, message.chat.id, messages)

        await service.handle(founder, event_of(message), deliver, event_update.update_id)

    @router.callback_query()
    async def on_button(query: CallbackQuery, bot: Bot, event_update: Update) -> None:
        answered = asyncio.create_task(_answer(query))  # stop the client's spinner meanwhile
        origin = query.message if isinstance(query.message, Message) else None
        chat_id = origin.chat.id if origin is not None else query.from_user.id
        action = ActionData.parse(query.data) or Action(Op.PICK, flow="?", step="?")
        founder = Founder(query.from_user.id, query.from_user.language_code)

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await send(bot, chat_id, messages, editable=origin)

        try:
            await service.handle(founder, Event.of_action(action), deliver, event_update.update_id)
        finally:
            await answered

    return router


async def _answer(query: CallbackQuery) -> None:
    try:
        await query.answer()
    except TelegramAPIError as exc:  # too old, or already answered: the reply still comes
        log.info("could not answer callback query: %s", type(exc).__name__)
