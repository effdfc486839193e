"""Webhook mode in-process: the secret header is checked on every request, the webhook is set
with it, and a redelivered update (same update_id) is answered once."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from botapi_stub import BotApiStub

from bot.channels.aiogram.runtime import create_bot, create_webhook_app
from bot.config import Settings
from bot.wiring import create_app

SECRET = "s3cret-token"


@pytest.fixture
async def webhook(redis, redis_url, key_prefix) -> AsyncIterator[tuple[BotApiStub, str]]:
    async with BotApiStub() as api:
        settings = Settings(
            telegram_bot_token="123456:TEST",
            telegram_api_url=api.base_url,
            redis_url=redis_url,
            redis_prefix=key_prefix,
            bot_mode="webhook",
            webhook_url="https://bot.example",
            webhook_secret=SECRET,
        )
        bot = create_bot(settings)
        runner = web.AppRunner(create_webhook_app(create_app(settings, redis), bot))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield api, f"http://127.0.0.1:{port}{settings.webhook_path}"
        finally:
            await runner.cleanup()
            await bot.session.close()


async def test_webhook_is_registered_with_its_secret(webhook):
    api, _url = webhook
    assert api.webhook["url"] == "https://bot.example/telegram/webhook"
    assert api.webhook["secret_token"] == SECRET
    assert {"zh", "en"} <= set(api.commands)


async def test_wrong_or_missing_secret_is_refused(webhook):
    api, url = webhook
    update_id = api.push_message(601, "/start")
    assert await api.post_webhook(url, api.pushed[update_id], secret_token="wrong") == 401
    assert await api.post_webhook(url, api.pushed[update_id]) == 401
    assert api.messages_to(601) == []


async def test_redelivered_update_is_answered_once(webhook):
    api, url = webhook
    first = api.push_message(602, "/start registration", language_code="en")
    assert await api.post_webhook(url, api.pushed[first], secret_token=SECRET) == 200
    await api.wait_for_message(602, lambda m: "step 1" in m["text"])
    assert await api.post_webhook(url, api.pushed[first], secret_token=SECRET) == 200  # redelivered
    barrier = api.push_message(602, "/apps", language_code="en")
    assert await api.post_webhook(url, api.pushed[barrier], secret_token=SECRET) == 200
    await api.wait_for_message(602, lambda m: "My applications" in m["text"])
    questions = [m for m in api.messages_to(602) if "step 1" in m["text"]]
    assert len(questions) == 1
