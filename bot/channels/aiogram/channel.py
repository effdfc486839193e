"""The Telegram channel on aiogram: sends rendered messages and files, fetches founders' files."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.methods.base import Response, TelegramMethod
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.types.base import TelegramObject

from bot.core.channel import Blocked, FileGone, RateLimited, SendUnknown
from bot.core.messages import PartSender, Rows
from flows.engine.address import TELEGRAM, Address

log = logging.getLogger(__name__)


class Sent(TelegramObject):
    """What the bot reads of a message it sent: its id. Telegram answers sendMessage with the
    whole Message (chat, sender, the keyboard echoed back); parsing all that into aiogram's
    models was a good part of every step's cost, for one number (the rest stays plain data)."""

    message_id: int


class SendText(TelegramMethod[Sent]):
    """sendMessage with what the bot sends (a text and its buttons), its answer read as `Sent`.
    The other parameters are left out: the Bot has no defaults to fill them with.
    `reply_markup` is the keyboard as the JSON the Bot API takes (`markup_json`)."""

    __returning__ = Sent
    __api_method__ = "sendMessage"

    chat_id: int
    text: str
    reply_markup: str | None = None


# pydantic caches parametrised generics weakly: without a reference, aiogram would rebuild the
# class that reads each answer (a few ms) on every call.
_RESPONSE_SENT = Response[Sent]


@lru_cache(maxsize=4096)
def markup(rows: Rows) -> InlineKeyboardMarkup | None:
    """The same question in the same language has the same keyboard: built once (pydantic
    models are a good part of a step's cost), never changed after."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=data) for label, data in row]
            for row in rows
        ]
    )


@lru_cache(maxsize=4096)
def markup_json(rows: Rows) -> str | None:
    """The keyboard as aiogram would serialise `markup(rows)` for a request, made once per
    keyboard: dumping and preparing the models again on every send was a part of each step."""
    if not rows:
        return None
    keyboard = [[{"text": label, "callback_data": data} for label, data in row] for row in rows]
    return json.dumps({"inline_keyboard": keyboard})


@contextmanager
def _refusals() -> Iterator[None]:
    """Telegram's 429 and 403 as the core's `RateLimited` and `Blocked`; a network failure
    (no answer: the message may have gone out) as `SendUnknown`."""
    try:
        yield
    except TelegramRetryAfter as exc:
        raise RateLimited(float(exc.retry_after), exc.message) from exc
    except TelegramForbiddenError as exc:
        raise Blocked(exc.message) from exc
    except TelegramNetworkError as exc:
        raise SendUnknown(type(exc).__name__) from exc


class AiogramChannel(PartSender):
    """`Channel` over an aiogram `Bot`."""

    name = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_part(self, chat: Address, text: str, rows: Rows) -> str:
        with _refusals():
            call = SendText(chat_id=int(chat.id), text=text, reply_markup=markup_json(rows))
            sent = await self.bot(call)
        return str(sent.message_id)

    async def edit_part(self, chat: Address, message_id: str, text: str, rows: Rows) -> bool:
        try:
            await self.bot.edit_message_text(
                text, chat_id=int(chat.id), message_id=int(message_id), reply_markup=markup(rows)
            )
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return True
            log.info("could not edit message %s; sending a new one", message_id)
            return False
        return True

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        document = BufferedInputFile(data, name)
        with _refusals():
            sent = await self.bot.send_document(int(chat.id), document, caption=caption)
        return str(sent.message_id)

    async def fetch(self, file_id: str) -> bytes:
        try:
            file = await self.bot.get_file(file_id)
        except TelegramBadRequest as exc:
            raise FileGone(f"Telegram refused file {file_id[:12]}…: {exc.message}") from exc
        if file.file_path is None:
            raise FileGone(f"Telegram has no path for file {file_id[:12]}…")
        data = await self.bot.download_file(file.file_path)
        assert data is not None
        return data.read()
