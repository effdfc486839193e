"""The broadcast desk against a real Redis: an audience that matches nobody is reported before
anything is saved; a commissioner limited to districts sends only there; a scheduled
announcement starts when its timed event fires (a hand-moved clock), not after it was
cancelled; pause, resume and cancel; every button and /broadcasts refused to anyone who is not a
commissioner, and the refusal logged without naming them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config import Settings
from bot.core.announcement_steering import START, start_id
from bot.core.announcements import AnnouncementDesk
from bot.wiring import App, create_app
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.engine.draft import FounderState, Prefs
from flows.engine.outcome import Action, Op
from flows.engine.periods import SHANGHAI
from flows.engine.spec import Announcement
from storage.roles import COMMISSIONER

T = Address.telegram
BOSS, LIMITED, NOBODY = T(8101), T(8102), T(8103)
NOW = dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI).timestamp()


def announcement(**changes: object) -> Announcement:
    fields: dict[str, object] = {
        "texts": {"zh_CN": "申报通知", "en": "Call for applications"},
        "attachment": None,
        "link": "subsidy",
        "audience": {},
        "send_at": None,
    }
    return Announcement(**{**fields, **changes})  # type: ignore[arg-type]


class Said:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.actions: list[Action] = []

    async def __call__(self, messages, locale) -> None:  # type: ignore[no-untyped-def]
        for m in messages:
            self.texts.append(m.text)
            self.actions += [b.action for row in m.buttons for b in row]


@pytest.fixture
async def app(redis, redis_url, key_prefix) -> App:
    made = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix, admin_ids="9"), redis)
    await made.roles.grant(BOSS, COMMISSIONER, T(9))
    await made.roles.grant(LIMITED, COMMISSIONER, T(9), districts=("pudong",))
    for n, (district, lang) in enumerate((("pudong", "zh_CN"), ("xuhui", "en"), ("pudong", "en"))):
        state = FounderState(T(8200 + n), prefs=Prefs(lang=lang, subscribed=True, since=NOW))
        state.profile = {"district": district}
        await made.store.subscribers.sync(state)
    return made


def desk(app: App, at: float = NOW) -> AnnouncementDesk:
    found = app.announcements()
    found.clock = lambda: at
    return found


async def test_an_audience_of_nobody_is_reported_before_anything_is_saved(app) -> None:
    said = Said()
    await desk(app).compose(BOSS, announcement(audience={"districts": ("chongming",)}), "en", said)
    assert "No subscriber matches" in said.texts[-1]
    assert await app.broadcasts.recent(5) == []


async def test_a_commissioner_limited_to_districts_sends_only_there(app) -> None:
    said = Said()
    await desk(app).compose(LIMITED, announcement(audience={"districts": ("xuhui",)}), "en", said)
    assert "only to your districts: Pudong New Area" in said.texts[-1]
    said = Said()
    await desk(app).compose(LIMITED, announcement(), "en", said)  # no district chosen
    assert "Recipients: 2 (1 in Chinese, 1 in English)" in said.texts[-1]
    [broadcast] = await app.broadcasts.recent(5)
    assert broadcast.audience["districts"] == ["pudong"]
    assert said.texts[0] == "申报通知" or "Call for applications" in said.texts[0]


async def test_a_scheduled_announcement_starts_when_its_time_comes(app) -> None:
    at = NOW + 3600
    said = Said()
    await desk(app).compose(BOSS, announcement(send_at=at), "en", said)
    [schedule] = [a for a in said.actions if a.op is Op.BC_SCHEDULE]
    answer = await desk(app).on_action(BOSS, schedule, "en")
    assert "Scheduled for 2026-12-01 11:00" in answer[0].text
    event = await app.timer_store.get(start_id(schedule.value))
    assert event is not None and event.kind == START and event.due_at == at
    worker = TimerWorker(app.timer_store, app.timers().handlers, clock=lambda: at - 1)
    assert await worker.run_once() == 0
    assert (await app.broadcasts.get(schedule.value)).status == "scheduled"
    worker.clock = lambda: at + 1
    assert await worker.run_once() == 1
    started = await app.broadcasts.get(schedule.value)
    assert started.status == "running" and started.counts.total == 3


async def test_a_cancelled_schedule_never_starts(app) -> None:
    said = Said()
    await desk(app).compose(BOSS, announcement(send_at=NOW + 60), "en", said)
    [schedule] = [a for a in said.actions if a.op is Op.BC_SCHEDULE]
    await desk(app).on_action(BOSS, schedule, "en")
    answer = await desk(app).on_action(BOSS, Action(Op.BC_CANCEL, value=schedule.value), "en")
    assert "Cancelled" in answer[0].text
    assert await app.timer_store.get(start_id(schedule.value)) is None
    assert (await app.broadcasts.get(schedule.value)).status == "cancelled"


async def test_pause_resume_and_cancel_a_running_broadcast(app) -> None:
    said = Said()
    await desk(app).compose(BOSS, announcement(), "en", said)
    [send] = [a for a in said.actions if a.op is Op.BC_SEND]
    bid = send.value
    running = await desk(app).on_action(BOSS, send, "en")
    assert "Sending to 3 founders" in running[0].text
    assert [b.action.op for row in running[0].buttons for b in row] == [Op.BC_PAUSE, Op.BC_CANCEL]
    paused = await desk(app).on_action(BOSS, Action(Op.BC_PAUSE, value=bid), "en")
    assert "Paused" in paused[0].text and (await app.broadcasts.get(bid)).status == "paused"
    again = await desk(app).on_action(BOSS, Action(Op.BC_PAUSE, value=bid), "en")
    assert "Not possible now" in again[0].text
    await desk(app).on_action(BOSS, Action(Op.BC_RESUME, value=bid), "en")
    assert (await app.broadcasts.get(bid)).status == "running"
    await desk(app).on_action(BOSS, Action(Op.BC_CANCEL, value=bid), "en")
    assert (await app.broadcasts.get(bid)).status == "cancelled"
    history = await desk(app).history(BOSS, "en")
    assert "cancelled" in history[0].text and "Call for" not in history[0].text


@pytest.mark.parametrize(
    "op", [Op.BC_SEND, Op.BC_SCHEDULE, Op.BC_DISCARD, Op.BC_PAUSE, Op.BC_RESUME, Op.BC_CANCEL]
)
async def test_every_button_is_refused_to_anyone_else(app, caplog, op) -> None:
    said = Said()
    await desk(app).compose(BOSS, announcement(), "en", said)
    [send] = [a for a in said.actions if a.op is Op.BC_SEND]
    answer = await desk(app).on_action(NOBODY, Action(op, value=send.value), "en")
    assert "Only service commissioners" in answer[0].text
    assert (await app.broadcasts.get(send.value)).status == "scheduled"  # nothing happened
    assert "refused broadcast" in caplog.text and str(NOBODY.id) not in caplog.text


async def test_the_history_and_composing_are_refused_to_anyone_else(app, caplog) -> None:
    assert "Only service commissioners" in (await desk(app).history(NOBODY, "en"))[0].text
    said = Said()
    await desk(app).compose(NOBODY, announcement(), "en", said)
    assert "Only service commissioners" in said.texts[-1]
    assert await app.broadcasts.recent(5) == []
    assert str(NOBODY.id) not in caplog.text


async def test_a_founder_who_erases_their_data_is_no_longer_named_by_a_broadcast(app) -> None:
    said = Said()
    await desk(app).compose(BOSS, announcement(), "en", said)
    [send] = [a for a in said.actions if a.op is Op.BC_SEND]
    await desk(app).on_action(BOSS, send, "en")
    erased = T(8200)
    await app.broadcasts.opened(send.value, erased)
    assert await app.broadcasts.forget(erased) == 1
    members = await app.redis.smembers(app.store.keys.broadcast(send.value, "members"))
    assert not [m for m in members if str(erased).encode() in m] and len(members) == 2
    assert (await app.broadcasts.opens([send.value]))[send.value] == 0
    assert (await app.broadcasts.get(send.value)).counts.total == 3  # the figures stay
