"""Fixtures of the Telegram tests: the stand-in Bot API server and the bot process."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from botapi_stub import BotApiStub
from telegram_harness import RUNTIMES, BotProcess


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
