"""The Telegram channel on python-telegram-bot: sends rendered messages and files, fetches
founders' files."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot.core.channel import Blocked, FileGone, RateLimited, SendUnknown
from bot.core.messages import PartSender, Rows
from flows.engine.address import TELEGRAM, Address

log = logging.getLogger(__name__)
# PTB 22 warns on every 429 that `RetryAfter.retry_after` will become a timedelta (raised in
# its own constructor); `_refusals` reads either type. The tests' filter is in pyproject.toml.
RETRY_AFTER_DEPRECATION = (
    r"Deprecated since version v22\.2. In a future major version attribute .retry_after."
)
warnings.filterwarnings("ignore", RETRY_AFTER_DEPRECATION, PTBDeprecationWarning)
POOL = 256  # connections to the Bot API; PTB's own default for a Bot is one


def create_bot(token: str, api_url: str) -> ExtBot[None]:
    """A bot talking to `api_url` (Telegram's own server unless configured)."""
    return ExtBot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=POOL),
    )


async def close_bot(bot: Bot) -> None:
    """Close the bot's connections, also when it was used without `initialize` (a worker's)."""
    await bot.shutdown()  # does nothing for a bot never initialised, so:
    await bot.request.shutdown()  # idempotent


@lru_cache(maxsize=4096)
def markup(rows: Rows) -> InlineKeyboardMarkup | None:
    """One keyboard per question and language, built once (PTB's objects are immutable)."""
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """Telegram's 429 and 403 as the core's `RateLimited` and `Blocked`."""
    try:
        yield
    except RetryAfter as exc:
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        raise RateLimited(seconds, exc.message) from exc
    except Forbidden as exc:
        raise Blocked(exc.message) from exc
    except BadRequest:  # a NetworkError in PTB, but Telegram answered: it was not sent
        raise
    except NetworkError as exc:  # TimedOut among them: no answer, the message may have gone out
        raise SendUnknown(type(exc).__name__) from exc


class PtbChannel(PartSender):
    """`Channel` over a python-telegram-bot `Bot`."""

    name = TELEGRAM

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_part(self, chat: Address, text: str, rows: Rows) -> str:
        with _refusals():
            reply = await self.bot.send_message(int(chat.id), text, reply_markup=markup(rows))
        return str(reply.message_id)

    async def edit_part(self, chat: Address, message_id: str, text: str, rows: Rows) -> bool:
        try:
            await self.bot.edit_message_text(
                text, chat_id=int(chat.id), message_id=int(message_id), reply_markup=markup(rows)
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return True
            log.info("could not edit message %s; sending a new one", message_id)
            return False
        return True

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        document = InputFile(data, filename=name)
        with _refusals():
            sent = await self.bot.send_document(int(chat.id), document, caption=caption)
        return str(sent.message_id)

    async def fetch(self, file_id: str) -> bytes:
        try:
            file = await self.bot.get_file(file_id)
        except BadRequest as exc:
            raise FileGone(f"Telegram refused file {file_id[:12]}…: {exc.message}") from exc
        if not file.file_path:
            raise FileGone(f"Telegram has no path for file {file_id[:12]}…")
        return bytes(await file.download_as_bytearray())
