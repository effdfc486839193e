"""The Telegram runtime: Bot and Dispatcher factories, commands menu, polling and webhook."""

from __future__ import annotations

import asyncio
import logging

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import BotCommand
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import Settings
from bot.render import Renderer
from bot.service import ConversationService
from bot.telegram.adapter import create_router
from flows.menu import LOCALES
from flows.text import N_, Text

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = (
    ("start", N_("Start or continue")),
    ("menu", N_("Services menu")),
    ("apps", N_("My applications")),
    ("language", N_("Language / 语言")),
    ("cancel", N_("Cancel the current step")),
    ("help", N_("Help")),
)


def create_bot(settings: Settings) -> Bot:
    """A Bot talking to TELEGRAM_API_URL (Telegram's own server unless configured)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.telegram_bot_token.get_secret_value(), session=session)


def create_dispatcher(service: ConversationService) -> Dispatcher:
    """A Dispatcher with aiogram's own FSM off: the draft in Redis is the one source of truth."""
    dispatcher = Dispatcher(disable_fsm=True)
    dispatcher.include_router(create_router(service))
    return dispatcher


async def set_commands(bot: Bot, renderer: Renderer, default_locale: str) -> None:
    """The commands menu in Chinese and English (and the default language for other clients)."""
    for locale in LOCALES:
        commands = [
            BotCommand(command=c, description=renderer.text(Text(d), locale)) for c, d in COMMANDS
        ]
        await bot.set_my_commands(commands, language_code=locale.split("_")[0])
        if locale == default_locale:
            await bot.set_my_commands(commands)


async def run_polling(settings: Settings, service: ConversationService) -> None:
    bot = create_bot(settings)
    dispatcher = create_dispatcher(service)
    try:
        await set_commands(bot, service.renderer, settings.default_locale)
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling %s", settings.telegram_api_url)
        await dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=False)
    finally:
        await bot.session.close()


async def _healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def create_webhook_app(
    settings: Settings, service: ConversationService, bot: Bot
) -> web.Application:
    """The aiohttp app serving the webhook; the secret header is checked on every request."""
    settings.check_webhook()
    assert settings.webhook_secret is not None and settings.webhook_url is not None
    dispatcher = create_dispatcher(service)
    app = web.Application()
    secret = settings.webhook_secret.get_secret_value()
    SimpleRequestHandler(dispatcher, bot, secret_token=secret).register(
        app, path=settings.webhook_path
    )
    app.router.add_get("/healthz", _healthz)

    async def on_startup(bot: Bot) -> None:
        await set_commands(bot, service.renderer, settings.default_locale)
        url = settings.webhook_url.rstrip("/") + settings.webhook_path  # type: ignore[union-attr]
        await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    dispatcher.startup.register(on_startup)
    setup_application(app, dispatcher, bot=bot)
    return app


async def run_webhook(settings: Settings, service: ConversationService) -> None:
    bot = create_bot(settings)
    runner = web.AppRunner(create_webhook_app(settings, service, bot))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("webhook server on %s:%s%s", settings.host, settings.port, settings.webhook_path)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
