"""Webhook mode in-process: the secret header is checked on every request, the webhook is set
with it, and a redelivered update (same update_id) is answered once."""

from __future__ import annotations

from webhook_server import SECRET


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
