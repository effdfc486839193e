"""Fixtures of the Telegram tests: the stand-in Bot API server, the bot process, and the bot's
web server in webhook mode."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from botapi_stub import BotApiStub
from telegram_harness import RUNTIMES, BotProcess
from webhook_server import Served, serve_webhook


@pytest.fixture
async def api() -> AsyncIterator[BotApiStub]:
    async with BotApiStub() as stub:
        yield stub


@pytest.fixture(params=RUNTIMES)
def runtime(request: pytest.FixtureRequest) -> str:
    """Each end-to-end test runs once per Telegram runtime (BOT_RUNTIME)."""
    return str(request.param)


@pytest.fixture
async def bot(api, redis_url, key_prefix, redis, tmp_path, runtime) -> AsyncIterator[BotProcess]:
    process = BotProcess(api, redis_url, key_prefix, tmp_path / "bot.log", runtime)
    await process.start()
    try:
        yield process
    finally:
        if process.proc is not None and process.proc.returncode is None:
            await process.kill()
        print(process.log.read_text(errors="replace")[-3000:])


@pytest.fixture
async def served(redis, redis_url, key_prefix, runtime, tmp_path) -> AsyncIterator[Served]:
    """The web server in webhook mode on `runtime`, its status endpoint beside it."""
    async with serve_webhook(redis, redis_url, key_prefix, runtime, tmp_path) as server:
        yield server


@pytest.fixture
def webhook(served: Served) -> tuple[BotApiStub, str]:
    """(the stand-in Bot API, the webhook's URL)."""
    return served.api, served.url
