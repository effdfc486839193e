"""Reminders drafts ask for, against a real Redis with a hand-moved clock: an event left behind
by a crash reminds no one once the draft no longer asks for it (cancelled, day changed,
submitted, erased); two workers firing one event send one message; a failed send is tried
again; a draft waiting for a reminder outlives its usual lifetime."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from bot.config import Settings
from bot.core.reminders import REMINDER, planned, remind_time, reminder_id
from bot.wiring import App, create_app
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.engine.draft import DONE, Draft
from flows.engine.outcome import Op

FOUNDER = Address.telegram(7790101)
DAY = date(2027, 1, 15)


class Recorder:
    """A Telegram channel that records what it sends, and fails while `failing`."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, str, list[Any]]] = []
        self.failing = False

    async def send(self, chat: Address, messages: Any, *, edit: str | None = None) -> list[str]:
        if self.failing:
            raise ConnectionError("telegram is away")
        await asyncio.sleep(0)  # let a second worker's handler run in between
        for m in messages:
            self.sent.append((chat, m.text, [b.action for row in m.buttons for b in row]))
        return ["1"]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        return "1"

    async def fetch(self, file_id: str) -> bytes:
        return b""


async def setting(
    redis, redis_url, key_prefix, *, remind_on: str = DAY.isoformat()
) -> tuple[App, Recorder]:
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    recorder = Recorder()
    app.channels.add(recorder)
    turn = await app.store.begin(FOUNDER)
    assert turn is not None
    before = planned(turn.state)
    draft = Draft(flow="credit", step="window", answers={"record_type": "penalty"})
    draft.remind_on = remind_on
    turn.state.put_draft(draft)
    turn.state.prefs.lang = "en"
    turn.state.touch("prefs")
    assert app.service.reminders is not None
    await app.service.reminders.schedule(FOUNDER, before, planned(turn.state))
    await app.store.commit(turn)
    return app, recorder


async def change_draft(app: App, change) -> None:
    turn = await app.store.begin(FOUNDER)
    assert turn is not None
    change(turn.state)
    await app.store.commit(turn)


def worker(app: App, at: float) -> TimerWorker:
    return TimerWorker(app.timer_store, app.timers().handlers, clock=lambda: at)


async def test_the_reminder_fires_once_at_nine_on_the_day_with_a_way_back(
    redis, redis_url, key_prefix
):
    app, recorder = await setting(redis, redis_url, key_prefix)
    event = await app.timer_store.get(reminder_id(FOUNDER, "credit"))
    assert event is not None and event.kind == REMINDER and event.due_at == remind_time(DAY)
    assert await worker(app, remind_time(DAY) - 1).run_once() == 0
    assert await worker(app, remind_time(DAY) + 1).run_once() == 1
    [(chat, text, actions)] = recorder.sent
    assert chat == FOUNDER and "2027-01-15" in text and "Credit repair" in text
    assert [(a.op, a.value) for a in actions] == [(Op.OPEN, "credit"), (Op.MENU, "")]
    await app.service.reminders.fire(event)  # at least once: fired again, not sent again
    assert len(recorder.sent) == 1


async def test_two_workers_firing_one_event_send_one_message(redis, redis_url, key_prefix):
    app, recorder = await setting(redis, redis_url, key_prefix)
    event = await app.timer_store.get(reminder_id(FOUNDER, "credit"))
    assert event is not None
    reminders = app.service.reminders
    assert reminders is not None
    await asyncio.gather(reminders.fire(event), reminders.fire(event))
    assert len(recorder.sent) == 1


async def test_a_failed_send_is_tried_again_and_then_arrives_once(redis, redis_url, key_prefix):
    app, recorder = await setting(redis, redis_url, key_prefix)
    recorder.failing = True
    assert await worker(app, remind_time(DAY) + 1).run_once() == 1
    assert recorder.sent == []
    event = await app.timer_store.get(reminder_id(FOUNDER, "credit"))
    assert event is not None and event.attempt == 1  # scheduled again, a little later
    recorder.failing = False
    assert await worker(app, remind_time(DAY) + 3600).run_once() == 1
    assert len(recorder.sent) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: setattr(s.drafts["credit"], "remind_on", ""), id="cancelled"),
        pytest.param(lambda s: setattr(s.drafts["credit"], "remind_on", "2027-02-01"), id="moved"),
        pytest.param(lambda s: setattr(s.drafts["credit"], "step", DONE), id="submitted"),
        pytest.param(lambda s: s.drop_draft("credit"), id="discarded"),
    ],
)
async def test_an_event_left_behind_reminds_no_one_the_draft_no_longer_asks(
    redis, redis_url, key_prefix, change
):
    app, recorder = await setting(redis, redis_url, key_prefix)
    event = await app.timer_store.get(reminder_id(FOUNDER, "credit"))
    assert event is not None

    def apply(state) -> None:
        change(state)
        if "credit" in state.drafts:
            state.put_draft(state.drafts["credit"])

    await change_draft(app, apply)  # as after a crash between the commit and the cancel
    assert app.service.reminders is not None
    await app.service.reminders.fire(event)
    assert recorder.sent == []


async def test_erased_data_leaves_nothing_to_remind(redis, redis_url, key_prefix):
    app, recorder = await setting(redis, redis_url, key_prefix)
    event = await app.timer_store.get(reminder_id(FOUNDER, "credit"))
    assert event is not None
    turn = await app.store.begin(FOUNDER)
    assert turn is not None
    await app.store.privacy.erase(FOUNDER, turn.token, ())
    assert app.service.reminders is not None
    await app.service.reminders.fire(event)
    assert recorder.sent == []


async def test_a_draft_waiting_for_its_reminder_outlives_its_usual_lifetime(
    redis, redis_url, key_prefix
):
    far = date.today() + timedelta(days=300)
    app, _recorder = await setting(redis, redis_url, key_prefix, remind_on=far.isoformat())
    ttl_ms = await redis.pttl(app.store.keys.founder(FOUNDER, "draft", "credit"))
    usual = app.settings.draft_ttl_days * 86_400_000
    assert ttl_ms > 300 * 86_400_000 + usual - 2 * 86_400_000
    await change_draft(
        app,
        lambda s: (setattr(s.drafts["credit"], "remind_on", ""), s.put_draft(s.drafts["credit"])),
    )
    ttl_ms = await redis.pttl(app.store.keys.founder(FOUNDER, "draft", "credit"))
    assert ttl_ms <= usual
