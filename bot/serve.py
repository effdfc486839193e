"""The processes that talk to Telegram, whichever runtime runs them (`BOT_RUNTIME`): the bot by
long polling or webhook, the worker, and the status API. The only module that picks a runtime."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from types import ModuleType
from typing import cast

from aiohttp import web

from bot.config import Settings
from bot.core.channel import Channel
from bot.core.commands import TelegramRuntime, commands_menu
from bot.poller import sole_poller
from bot.telemetry import metrics_server
from bot.web import create_web_app, serve
from bot.wiring import App

log = logging.getLogger(__name__)


def _token(settings: Settings) -> str:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return settings.telegram_bot_token.get_secret_value()


def _runtime(settings: Settings) -> ModuleType:
    """The module of the configured runtime, imported only when chosen: both offer
    `runtime(token, api_url, front)` and `channel(token, api_url)`."""
    return importlib.import_module(f"bot.channels.{settings.bot_runtime}.runtime")


def create_runtime(app: App) -> TelegramRuntime:
    """The configured runtime around the app's front; its channel joins the app's channels."""
    settings = app.settings
    make = _runtime(settings).runtime
    runtime = cast(TelegramRuntime, make(_token(settings), settings.telegram_api_url, app.front()))
    app.channels.add(runtime.channel)
    return runtime


Close = Callable[[], Awaitable[None]]


def create_channel(settings: Settings) -> tuple[Channel, Close]:
    """The Telegram channel alone (a worker's or the API's way out) and how to close it."""
    make = _runtime(settings).channel
    return cast(tuple[Channel, Close], make(_token(settings), settings.telegram_api_url))


@contextlib.asynccontextmanager
async def telegram_channel(app: App) -> AsyncIterator[None]:
    """The app reaches Telegram while inside (when a token is set)."""
    if app.settings.telegram_bot_token is None:
        yield
        return
    channel, close = create_channel(app.settings)
    app.channels.add(channel)
    try:
        yield
    finally:
        await close()


def _start_workers(app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The delivery worker, the timed-events worker, the broadcaster and the backlog gauges'
    reader, each a task of its own until `stop`."""
    return [
        asyncio.create_task(app.worker().run(stop)),
        asyncio.create_task(app.timers().run(stop)),
        asyncio.create_task(app.broadcaster().run(stop)),
        asyncio.create_task(app.gauges().run(stop)),
    ]


async def _settle(tasks: list[asyncio.Task[None]]) -> None:
    """Wait for every task to end, then raise the first failure among them."""
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


@contextlib.asynccontextmanager
async def embedded_worker(app: App) -> AsyncIterator[None]:
    """The delivery and timed-events workers in this process unless EMBEDDED_WORKER is off;
    each runs on its own (one failing does not stop the other)."""
    if not app.settings.embedded_worker:
        yield
        return
    stop = asyncio.Event()
    tasks = _start_workers(app, stop)
    try:
        yield
    finally:
        stop.set()
        await _settle(tasks)


async def run_telegram(app: App, stop: asyncio.Event) -> None:
    """The bot, by long polling (one process: `bot.poller` refuses a second) or webhook, with
    the delivery worker inside unless disabled."""
    settings = app.settings
    runtime = create_runtime(app)
    try:
        await runtime.start(commands_menu(app.renderer, settings.default_locale))
        async with embedded_worker(app):
            if settings.bot_mode == "webhook":
                settings.check_webhook()
                assert settings.webhook_url is not None and settings.webhook_secret is not None
                secret = settings.webhook_secret.get_secret_value()
                await runtime.set_webhook(
                    settings.webhook_url.rstrip("/") + settings.webhook_path, secret
                )
                webhook = (settings.webhook_path, secret, runtime)
                await serve(_web_app(app, webhook), settings.host, settings.port, stop)
            else:
                async with (
                    sole_poller(app.redis, app.store.keys, _token(settings)),
                    _metrics_port(app),
                ):
                    log.info("polling %s with %s", settings.telegram_api_url, settings.bot_runtime)
                    await runtime.poll(stop)
    finally:
        await runtime.close()


async def run_worker(app: App, stop: asyncio.Event) -> None:
    """The delivery and timed-events workers alone (`python -m bot worker`); when one fails,
    the other is stopped too and the process ends with the failure (to be restarted)."""
    async with telegram_channel(app), _metrics_port(app):
        tasks = _start_workers(app, stop)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        finally:
            stop.set()
            await _settle(tasks)


async def run_api(app: App, stop: asyncio.Event) -> None:
    """The agencies' status endpoint alone (`python -m bot api`, the Procfile's `web:`)."""
    async with telegram_channel(app):
        await serve(_web_app(app), app.settings.host, app.settings.port, stop)


def _web_app(app: App, webhook: tuple[str, str, TelegramRuntime] | None = None) -> web.Application:
    """The bot's HTTP server, /metrics on it unless METRICS_ENABLED is off."""
    settings = app.settings
    return create_web_app(
        app.desk(),
        app.submissions,
        app.agencies,
        webhook,
        metrics=settings.metrics_enabled,
        metrics_token=settings.metrics_secret(),
        answer_within=settings.webhook_answer_within,
    )


def _metrics_port(app: App) -> contextlib.AbstractAsyncContextManager[None]:
    """/metrics on HOST:METRICS_PORT, for a process without an HTTP server (off when 0)."""
    settings = app.settings
    return metrics_server(settings.host, settings.metrics_port, settings.metrics_secret())
