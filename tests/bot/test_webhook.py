"""Webhook mode in-process: the secret header is checked on every request, the webhook is set
with it, and a redelivered update (same update_id) is answered once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from botapi_stub import BotApiStub

from bot.config import Settings
from bot.core.commands import commands_menu
from bot.serve import create_runtime
from bot.web import create_web_app
from bot.wiring import create_app

SECRET = "s3cret-token"


@pytest.fixture
async def webhook(redis, redis_url, key_prefix, runtime) -> AsyncIterator[tuple[BotApiStub, str]]:
    async with BotApiStub() as api:
        settings = Settings(
            telegram_bot_token="123456:TEST",
            telegram_api_url=api.base_url,
            redis_url=redis_url,
            redis_prefix=key_prefix,
            bot_mode="webhook",
            webhook_url="https://bot.example",
            webhook_secret=SECRET,
            bot_runtime=runtime,
        )
        app = create_app(settings, redis)
        telegram = create_runtime(app)
        await telegram.start(commands_menu(app.renderer, settings.default_locale))
        await telegram.set_webhook("https://bot.example" + settings.webhook_path, SECRET)
        hook = (settings.webhook_path, SECRET, telegram)
        runner = web.AppRunner(create_web_app(app.desk(), app.submissions, app.agencies, hook))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            yield api, f"http://127.0.0.1:{port}{settings.webhook_path}"
        finally:
            await runner.cleanup()
            await telegram.close()


async def test_webhook_is_registered_with_its_secret(webhook):
    api, _url = webhook
    assert api.webhook["url"] == "https://bot.example/telegram/webhook"
    assert api.webhook["secret_token"] == SECRET
    assert {"zh", "en"} <= set(api.commands)


async def test_wrong_or_missing_secret_is_refused(webhook):
    api, url = webhook
    update_id = api.push_message(601, "/start")
    assert await api.post_webhook(url, api.pushed[update_id], secret_token="wrong") == 403
    assert await api.post_webhook(url, api.pushed[update_id], secret_token=SECRET[:-1]) == 403
    assert await api.post_webhook(url, api.pushed[update_id]) == 401
    assert api.messages_to(601) == []


async def test_a_body_that_is_not_an_update_is_refused_with_400(webhook):
    _api, url = webhook
    import aiohttp

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        for body in (b"{not json", b"[1, 2]", b'"text"'):
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 400, body


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


def hostile_bodies(count: int = 400) -> list[bytes]:
    """A seeded corpus of what an attacker or a broken proxy may post with the right secret:
    random bytes, invalid UTF-8, a BOM, deep nesting, and updates with wrong types."""
    import json
    import random

    rng = random.Random(20261201)
    update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1}}}
    wrong = [None, True, -1, 1e308, "x", [], {}, "\ud800", "٣", "SENTINEL-SECRET-PAYLOAD"]
    bodies = [b"", b"\xef\xbb\xbf{}", b"\xff\xfe\x00{", b"[" * 5000 + b"]" * 5000, b"{" * 3000]
    while len(bodies) < count:
        kind = rng.randrange(3)
        if kind == 0:
            bodies.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))))
        else:
            body = json.loads(json.dumps(update))
            target = body if kind == 1 else body["message"]
            target[rng.choice(["update_id", "message", "message_id", "chat", "from", "text"])] = (
                rng.choice(wrong)
            )
            bodies.append(json.dumps(body).encode("utf-8", "surrogatepass"))
    return bodies


async def test_hostile_bodies_get_a_deliberate_answer_and_no_traceback(webhook, caplog):
    import aiohttp

    _api, url = webhook
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    codes: dict[int, int] = {}
    async with aiohttp.ClientSession() as session:
        for body in hostile_bodies():
            async with session.post(url, data=body, headers=headers) as response:
                codes[response.status] = codes.get(response.status, 0) + 1
        for secret in ("é", "\u00ff" * 300, ""):  # whatever the header holds: 401/403, never 500
            wrong = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with session.post(url, data=b"{}", headers=wrong) as response:
                assert response.status in (401, 403)
    assert set(codes) <= {200, 400, 413}, codes
    await asyncio.sleep(0.5)  # let the accepted ones run
    logged = caplog.text
    assert "Traceback" not in logged and "SENTINEL-SECRET-PAYLOAD" not in logged
