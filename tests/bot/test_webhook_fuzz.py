"""2,000 hostile bodies at the webhook and 2,000 at the status endpoint, on both runtimes:
never a 5xx, never a traceback or a founder's input in the log, and a founder who is mid-form
meanwhile keeps their draft as it was and gets the right next question."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from hostile_updates import SENTINELS, hostile_bodies, hostile_reports
from telegram_harness import at_step, tap
from webhook_server import AGENCY_SECRET, SECRET, Served

from bot.handoff.signing import sign
from flows.engine.address import Address

MID_FORM = 7001  # a founder answering the registration questions while the corpus is posted
PARALLEL = 32


async def post_all(url: str, requests: list[tuple[bytes, dict[str, str]]]) -> dict[int, int]:
    """POST every (body, headers), PARALLEL at a time; how many got each status."""
    codes: dict[int, int] = {}
    gate = asyncio.Semaphore(PARALLEL)

    async def post(session: aiohttp.ClientSession, body: bytes, headers: dict[str, str]) -> None:
        async with gate, session.post(url, data=body, headers=headers) as response:
            await response.read()
            codes[response.status] = codes.get(response.status, 0) + 1

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(post(session, body, headers) for body, headers in requests))
    return codes


async def post_update(served: Served, update_id: int) -> None:
    status = await served.api.post_webhook(served.url, served.api.pushed[update_id], SECRET)
    assert status == 200


async def stored(served: Served, founder: Address) -> tuple[bytes | None, bytes | None]:
    """The founder's revision and registration draft as Redis holds them (sealed bytes)."""
    keys = served.app.store.keys
    redis = served.app.redis
    return (
        await redis.get(keys.founder(founder, "rev")),
        await redis.get(keys.founder(founder, "draft", "registration")),
    )


async def test_hostile_bodies_leave_a_founder_mid_form_untouched(served, caplog):
    caplog.set_level(logging.INFO)
    api, founder = served.api, Address.telegram(MID_FORM)
    await post_update(served, api.push_message(MID_FORM, "/start registration", "en"))
    question = await api.wait_for_message(MID_FORM, at_step(0))
    await tap(api, MID_FORM, question, "p", "llc", "en")
    await post_update(served, max(api.pushed))
    question = await api.wait_for_message(MID_FORM, at_step(1))
    await tap(api, MID_FORM, question, "p", "software_it", "en")
    await post_update(served, max(api.pushed))
    await api.wait_for_message(MID_FORM, at_step(2))
    before, state = await stored(served, founder), await served.app.store.peek(founder)
    assert before[0] is not None and before[1] is not None

    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    bodies = hostile_bodies(2000)
    codes = await post_all(served.url, [(body, headers) for body in bodies])
    assert sum(codes.values()) == len(bodies)
    assert set(codes) <= {200, 400, 413}, codes
    for secret in ("é", "\u00ff" * 300, ""):  # whatever the header holds: 401/403, never 500
        wrong = {"X-Telegram-Bot-Api-Secret-Token": secret}
        assert set(await post_all(served.url, [(b"{}", wrong)])) <= {401, 403}
    await asyncio.sleep(1.0)  # let the accepted ones run

    assert await stored(served, founder) == before
    after = await served.app.store.peek(founder)
    assert after.drafts["registration"].to_json() == state.drafts["registration"].to_json()
    api.push_message(MID_FORM, "25", "en")
    await post_update(served, max(api.pushed))
    await api.wait_for_message(MID_FORM, at_step(3))
    answers = (await served.app.store.peek(founder)).drafts["registration"].answers
    assert answers["business_form"] == "llc" and answers["industry"] == "software_it"
    assert answers["staff"] == 25 and "revenue" not in answers
    logged = caplog.text
    assert "Traceback" not in logged and "failed" not in logged  # nor storage, nor an update
    assert not [s for s in SENTINELS if s in logged]


async def test_the_status_endpoint_refuses_2000_unsigned_reports_deliberately(served, caplog):
    caplog.set_level(logging.INFO)
    codes = await post_all(served.status_url, hostile_reports(2000))
    assert sum(codes.values()) == 2000
    assert set(codes) <= {400, 401, 413}, codes
    signed = [  # the same kind of bodies, signed by the agency: refused or unknown, never a 5xx
        (body, {**headers, "X-SME-Signature": sign(body, AGENCY_SECRET)})
        for body, headers in hostile_reports(1000, seed=7)
    ]
    codes = await post_all(served.status_url, signed)
    assert sum(codes.values()) == 1000 and max(codes) < 500, codes
    logged = caplog.text
    assert "Traceback" not in logged
    assert not [s for s in SENTINELS if s in logged]


def update(**message: object) -> dict[str, object]:
    user = {"id": 7002, "is_bot": False, "first_name": "F"}
    base = {"message_id": 1, "date": 0, "chat": {"id": 7002, "type": "private"}, "from": user}
    return {"update_id": 77, "message": {**base, "text": "/start", **message}}


async def test_fields_the_core_reads_are_typed_for_either_runtime(served):
    """PTB reads any JSON types as they come; the webhook refuses them first, for both."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    wrong = [
        update(**{"from": {"id": 7002, "first_name": 5}}),
        update(chat=None),
        update(chat={"id": "7002"}),
        update(document={"file_id": "f", "file_size": "10"}),
        update(photo=[["f"]]),
        {"update_id": "７７", "message": update()["message"]},
        {"update_id": 78, "callback_query": {"id": "\ud800", "from": {"id": 1, "first_name": "F"}}},
    ]
    bodies = [(json.dumps(u).encode("utf-8", "surrogatepass"), headers) for u in wrong]
    assert await post_all(served.url, bodies) == {400: len(wrong)}
    unasked = {"update_id": 79, "edited_message": update()["message"]}  # not subscribed to
    assert await post_all(served.url, [(json.dumps(unasked).encode(), headers)]) == {200: 1}
    assert await post_all(served.url, [(json.dumps(update()).encode(), headers)]) == {200: 1}
    await served.api.wait_for_message(7002)  # a well-typed update is still answered
    assert len(served.api.messages_to(7002)) >= 1
