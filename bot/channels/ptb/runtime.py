"""Telegram on python-telegram-bot 22: an `Application` with two catch-all handlers that narrow
each update and hand it to the core's `Front`; long polling by PTB's `Updater`, and webhook
updates processed as the core's server receives them.

PTB's `ConversationHandler` and persistence are not used: the drafts in Redis are the one
source of truth. Updates run concurrently (`concurrent_updates`); one founder's stay in
arrival order because each takes its place in the founder's FIFO before its first await.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import BotCommand, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)

from bot.channels.ptb.channel import PtbChannel, close_bot, create_bot
from bot.core.commands import ALLOWED_UPDATES, BadUpdate, Menu
from bot.core.front import Front
from bot.core.inbound import from_callback, from_message

log = logging.getLogger(__name__)
CONCURRENT_UPDATES = 256
Context = ContextTypes.DEFAULT_TYPE


def create_application(
    bot: ExtBot[None], front: Front, channel: PtbChannel
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The Application around `bot`: every message and button goes to the front."""

    async def on_message(update: Update, context: Context) -> None:
        assert update.message is not None
        inbound = from_message(update.update_id, update.message)
        if inbound is not None:
            await front.message(inbound, channel)

    async def on_button(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None

        async def answer(alert: str | None) -> None:
            try:
                await query.answer(alert, show_alert=alert is not None)
            except TelegramError as exc:  # too old, or already answered: the reply still comes
                log.info("could not answer callback query: %s", type(exc).__name__)

        await front.tap(from_callback(update.update_id, query), channel, answer)

    application = ApplicationBuilder().bot(bot).concurrent_updates(CONCURRENT_UPDATES).build()
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, on_message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(_log_error)
    return application


async def _log_error(update: object, context: Context) -> None:
    """A failed update is logged by its id and the error's type, never with its contents."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)


class PtbRuntime:
    """`TelegramRuntime` on python-telegram-bot."""

    def __init__(self, bot: ExtBot[None], front: Front) -> None:
        self.bot = bot
        self.channel = PtbChannel(bot)
        self.application = create_application(bot, front, self.channel)
        self._started = False

    async def start(self, menu: Menu) -> None:
        await self.application.initialize()
        await self.application.start()
        self._started = True
        for language, commands in menu.items():
            await self.bot.set_my_commands(
                [BotCommand(c, d) for c, d in commands], language_code=language or None
            )

    async def poll(self, stop: asyncio.Event) -> None:
        updater = self.application.updater
        assert updater is not None
        await updater.start_polling(allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False)
        try:
            await stop.wait()
        finally:
            await updater.stop()

    def accept(self, update: dict[str, Any]) -> Callable[[], Coroutine[Any, Any, None]]:
        try:
            parsed = Update.de_json(update, self.bot)
        except Exception as exc:
            raise BadUpdate("not a Telegram update") from exc

        async def process() -> None:
            await self.application.process_update(parsed)

        return process

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def close(self) -> None:
        if self._started:
            await self.application.stop()
            await self.application.shutdown()
        else:
            await close_bot(self.bot)


def runtime(token: str, api_url: str, front: Front) -> PtbRuntime:
    """The runtime `bot.serve` starts for BOT_RUNTIME=ptb."""
    return PtbRuntime(create_bot(token, api_url), front)


def channel(token: str, api_url: str) -> tuple[PtbChannel, Callable[[], Awaitable[None]]]:
    """The channel alone (a worker's or the API's way out) and how to close it."""
    bot = create_bot(token, api_url)
    return PtbChannel(bot), lambda: close_bot(bot)
