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

from bot.channels.aiogram.adapter import create_router
from bot.channels.aiogram.staff import StaffDesk, create_staff_router
from bot.config import Settings
from bot.core.render import Renderer
from bot.core.service import ConversationService
from bot.handoff.api import add_status_routes, create_api_app
from bot.wiring import App, telegram_send
from flows.engine.text import N_, Text
from flows.shell.menu import LOCALES

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


def create_dispatcher(service: ConversationService, staff: StaffDesk | None = None) -> Dispatcher:
    """A Dispatcher with aiogram's own FSM off: the draft in Redis is the one source of truth.
    Agency staff's buttons and replies in their chats are routed before the founders'."""
    dispatcher = Dispatcher(disable_fsm=True)
    if staff is not None:
        dispatcher.include_router(create_staff_router(staff))
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


def staff_desk(app: App, bot: Bot) -> StaffDesk:
    """The staff desk of a process that has a bot: status changes told through it."""
    return app.staff(bot, app.desk(telegram_send(bot)))


def create_webhook_app(app: App, bot: Bot) -> web.Application:
    """The webhook server: Telegram updates (secret header checked on every request), the
    agencies' status endpoint, and /healthz."""
    settings = app.settings
    settings.check_webhook()
    assert settings.webhook_secret is not None and settings.webhook_url is not None
    desk = app.desk(telegram_send(bot))
    dispatcher = create_dispatcher(app.service, app.staff(bot, desk))
    web_app = web.Application()
    secret = settings.webhook_secret.get_secret_value()
    SimpleRequestHandler(dispatcher, bot, secret_token=secret).register(
        web_app, path=settings.webhook_path
    )
    add_status_routes(web_app, desk, app.submissions, app.agencies)

    async def on_startup(bot: Bot) -> None:
        await set_commands(bot, app.renderer, settings.default_locale)
        url = settings.webhook_url.rstrip("/") + settings.webhook_path  # type: ignore[union-attr]
        await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

    dispatcher.startup.register(on_startup)
    setup_application(web_app, dispatcher, bot=bot)
    return web_app


async def _serve_site(web_app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(web_app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("listening on %s:%s", host, port)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


async def run_telegram(app: App, stop: asyncio.Event) -> None:
    """The bot, by long polling or webhook, with the delivery worker inside unless disabled."""
    settings = app.settings
    bot = create_bot(settings)
    worker_stop = asyncio.Event()
    worker = (
        asyncio.create_task(app.worker(bot).run(worker_stop)) if settings.embedded_worker else None
    )
    try:
        if settings.bot_mode == "webhook":
            await _serve_site(create_webhook_app(app, bot), settings.host, settings.port, stop)
            return
        dispatcher = create_dispatcher(app.service, staff_desk(app, bot))
        await set_commands(bot, app.renderer, settings.default_locale)
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling %s", settings.telegram_api_url)
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot, allowed_updates=ALLOWED_UPDATES, handle_signals=False, close_bot_session=False
            )
        )
        await asyncio.wait(
            [polling, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED
        )
        if not polling.done():
            await dispatcher.stop_polling()
        await polling
    finally:
        worker_stop.set()
        if worker is not None:
            await worker
        await bot.session.close()


async def run_api(app: App, stop: asyncio.Event) -> None:
    """The agencies' status endpoint alone (`python -m bot api`, the Procfile's `web:`)."""
    bot = create_bot(app.settings) if app.settings.telegram_bot_token else None
    desk = app.desk(telegram_send(bot) if bot else None)
    try:
        await _serve_site(
            create_api_app(desk, app.submissions, app.agencies),
            app.settings.host,
            app.settings.port,
            stop,
        )
    finally:
        if bot is not None:
            await bot.session.close()
