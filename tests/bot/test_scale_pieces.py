"""The scale-out test's own pieces, quickly: the stand-in Telegram redelivers the same update
after an error or a broken connection and sends a chat's next one only after a 200, and the
order check catches screens out of order (so the scale-out test can fail)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from botapi_stub import BotApiStub
from scale_founders import SPEC, expected_answers, in_order
from webhook_sender import WebhookSender

PATH = ("category", "expect", "respondent_type", "respondent", "description", "happened_on")
PATH += ("amount", "evidence", "outcome", "identity")


@pytest.fixture
async def flaky_bot() -> AsyncIterator[tuple[str, list[tuple[int, str]]]]:
    """A webhook answering 503 to an update's first delivery and dropping the connection on its
    second; `seen` records (update_id, what it got) in arrival order."""
    seen: list[tuple[int, str]] = []

    async def hook(request: web.Request) -> web.StreamResponse:
        update_id = int((await request.json())["update_id"])
        tries = sum(1 for u, _ in seen if u == update_id)
        outcome = ("503", "dropped", "200")[min(tries, 2)]
        seen.append((update_id, outcome))
        if outcome == "dropped":
            assert request.transport is not None
            request.transport.close()
            return web.Response()
        return web.Response(status=int(outcome))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", seen
    finally:
        await runner.cleanup()


async def test_an_update_is_sent_again_until_answered_200_and_only_then_the_next(
    flaky_bot,
) -> None:
    url, seen = flaky_bot
    async with BotApiStub() as api, WebhookSender(api, url, "s") as sender:
        await sender.burst(5, ["one", "two"])
    first, second = sorted({u for u, _ in seen})
    assert seen == [(first, "503"), (first, "dropped"), (first, "200")] + [
        (second, "503"),
        (second, "dropped"),
        (second, "200"),
    ]
    assert (sender.delivered, sender.redelivered) == (2, 4)


def test_screens_out_of_order_or_missing_are_caught() -> None:
    steps = [SPEC.index(f) for f in PATH]
    assert in_order(steps)
    assert in_order([steps[0], *steps, steps[-1]])  # a screen shown again in place is fine
    swapped = [*steps[:5], steps[6], steps[5], *steps[7:]]
    assert not in_order(swapped)
    assert not in_order(steps[:5] + steps[6:])  # a question never shown
    assert not in_order([*steps[:6], steps[4], *steps[6:]])  # back to an earlier question


def test_answers_are_the_founders_own() -> None:
    assert expected_answers(1)["description"].split("\n") == [
        "They charged us a fee, first part 1.",
        "And again, second part 1.",
    ]
    assert expected_answers(1) != expected_answers(2)
