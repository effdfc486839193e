"""Telegram on aiogram 3: a Dispatcher that narrows each update to a message or a button and
hands it to the core's `Front`; long polling, and webhook updates fed by the core's server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.methods.base import Response
from aiogram.types import BotCommand, CallbackQuery, Message, Update
from pydantic import ValidationError

from bot.channels.aiogram.channel import AiogramChannel
from bot.core.commands import ALLOWED_UPDATES, BadUpdate, Menu
from bot.core.front import Front
from bot.core.inbound import from_callback, from_message

log = logging.getLogger(__name__)
# pydantic caches parametrised generics weakly and nothing else keeps `Response[bool]` alive, so
# aiogram rebuilt that class (a few ms) for every answerCallbackQuery; holding it keeps it cached.
_RESPONSE_BOOL = Response[bool]


def create_bot(token: str, api_url: str) -> Bot:
    """A Bot talking to `api_url` (Telegram's own server unless configured)."""
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))


Route = Callable[[Update], Awaitable[None]]


def create_route(front: Front, channel: AiogramChannel) -> Route:
    """Every message and button to the front; other updates are not asked for (ALLOWED_UPDATES)
    and are dropped. No filters: a synchronous filter would send messages through a thread and
    let taps overtake them."""

    async def on_message(message: Message, update_id: int) -> None:
        inbound = from_message(update_id, message)
        if inbound is not None:
            await front.message(inbound, channel)

    async def on_button(query: CallbackQuery, update_id: int) -> None:
        async def answer(alert: str | None) -> None:
            try:
                await query.answer(alert, show_alert=alert is not None)
            except TelegramAPIError as exc:  # too old, or already answered: the reply still comes
                log.info("could not answer callback query: %s", type(exc).__name__)

        await front.tap(from_callback(update_id, query), channel, answer)

    async def route(update: Update) -> None:
        if update.message is not None:
            await on_message(update.message, update.update_id)
        elif update.callback_query is not None:
            await on_button(update.callback_query, update.update_id)

    return route


class FrontDispatcher(Dispatcher):
    """aiogram's Dispatcher (its polling loop, its Bot binding) with every update fed straight
    to one route: the bot has one catch-all handler per kind, so aiogram's routers, filters and
    middlewares would only add a part of every step's cost. aiogram's own FSM is off: the draft
    in Redis is the one source of truth."""

    def __init__(self, route: Route) -> None:
        super().__init__(disable_fsm=True)
        self._route = route

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        if update.bot != bot:  # unbound, or another Bot's: shortcuts (query.answer) need this one
            update = Update.model_validate(update.model_dump(), context={"bot": bot})
        await self._route(update)
        return None


def create_dispatcher(front: Front, channel: AiogramChannel) -> Dispatcher:
    """The Dispatcher the runtime polls with and feeds webhook updates to."""
    return FrontDispatcher(create_route(front, channel))


class AiogramRuntime:
    """`TelegramRuntime` on aiogram."""

    def __init__(self, bot: Bot, front: Front) -> None:
        self.bot = bot
        self.channel = AiogramChannel(bot)
        self.dispatcher = create_dispatcher(front, self.channel)

    async def start(self, menu: Menu) -> None:
        for language, commands in menu.items():
            await self.bot.set_my_commands(
                [BotCommand(command=c, description=d) for c, d in commands],
                language_code=language or None,
            )

    async def poll(self, stop: asyncio.Event) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        polling = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot,
                allowed_updates=ALLOWED_UPDATES,
                handle_signals=False,
                close_bot_session=False,
            )
        )
        await asyncio.wait(
            [polling, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        if not polling.done():
            await self.dispatcher.stop_polling()
        await polling

    def accept(self, update: dict[str, Any]) -> Callable[[], Coroutine[Any, Any, None]]:
        try:
            parsed = Update.model_validate(update, context={"bot": self.bot})
        except ValidationError as exc:
            raise BadUpdate("not a Telegram update") from exc

        async def process() -> None:
            await self.dispatcher.feed_update(self.bot, parsed)

        return process

    async def set_webhook(self, url: str, secret: str) -> None:
        await self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    async def close(self) -> None:
        await self.bot.session.close()


def runtime(token: str, api_url: str, front: Front) -> AiogramRuntime:
    """The runtime `bot.serve` starts for BOT_RUNTIME=aiogram."""
    return AiogramRuntime(create_bot(token, api_url), front)


def channel(token: str, api_url: str) -> tuple[AiogramChannel, Callable[[], Awaitable[None]]]:
    """The channel alone (a worker's or the API's way out) and how to close it."""
    bot = create_bot(token, api_url)
    return AiogramChannel(bot), bot.session.close
