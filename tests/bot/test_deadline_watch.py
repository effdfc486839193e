"""A complaint's deadline watched through the durable timed events, against a real Redis with
a hand-moved clock: scheduled at delivery for the morning after the deadline; when it fires
and the office still owes an answer, the case is overdue, the founder is told once and offered
supervision, and the staff chat is reminded; a closed case's check is cancelled, and one that
fires anyway changes nothing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.config import Settings
from bot.core.notify import FounderNotifier
from bot.handoff.deadlines import OVERDUE, DeadlineWatch, check_time, overdue_id
from bot.handoff.status import StatusDesk
from bot.wiring import App, create_app
from bot.workers.timers import TimerWorker
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.engine.outcome import Op
from flows.engine.periods import SHANGHAI
from flows.services.complaint.lifecycle import COMPLAINT

FOUNDER = Address.telegram(7790001)
REFERENCE = "SUB-20261201-CMPL01"
DEADLINE = "2026-12-08"


class Recorder:
    """A Telegram channel that records what it sends."""

    name = "telegram"

    def __init__(self) -> None:
        self.sent: list[tuple[Address, str, list[Any]]] = []

    async def send(self, chat: Address, messages: Any, *, edit: str | None = None) -> list[str]:
        for m in messages:
            actions = [b.action for row in m.buttons for b in row]
            self.sent.append((chat, m.text, actions))
        return ["1"]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        return "1"

    async def fetch(self, file_id: str) -> bytes:
        return b""


async def setting(redis, redis_url, key_prefix) -> tuple[App, StatusDesk, DeadlineWatch, Recorder]:
    app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), redis)
    recorder = Recorder()
    app.channels.add(recorder)
    notifier = FounderNotifier(app.renderer, app.store, app.policy, app.channels)
    desk = StatusDesk(
        app.statuses, app.submissions, notifier, {"complaint": COMPLAINT}, on_final=app._closed
    )
    reminded: list[tuple[str, date]] = []

    async def remind(submission: Submission, deadline: date) -> None:
        reminded.append((submission.reference, deadline))

    watch = DeadlineWatch(app.timer_store, desk, remind)
    watch.reminded = reminded  # type: ignore[attr-defined]
    turn = await app.store.begin(FOUNDER)
    assert turn is not None
    turn.state.submit(
        Submission(
            reference=REFERENCE,
            founder=FOUNDER,
            flow="complaint",
            programme="",
            office="district_sme_service_centre",
            district="xuhui",
            locale="en",
            answers={
                "category": "arrears",
                "deadline": DEADLINE,
                "deadline_rule": "arrears_decision",
                "deadline_quotable": True,  # its rule checked by a person
            },
            attachments=[],
            submitted_at=1_795_000_000.0,
        )
    )
    await app.store.commit(turn)
    await desk.change(REFERENCE, "delivered", "", "worker")
    return app, desk, watch, recorder


def test_the_check_fires_the_morning_after_the_deadline_in_shanghai():
    moment = datetime.fromtimestamp(check_time(date(2026, 12, 8)), SHANGHAI)
    assert (moment.date(), moment.hour, moment.minute) == (date(2026, 12, 9), 9, 0)


async def test_an_overdue_complaint_is_told_once_and_offers_supervision(
    redis, redis_url, key_prefix
):
    app, _desk, watch, recorder = await setting(redis, redis_url, key_prefix)
    submission = await app.submissions.get(REFERENCE)
    assert submission is not None and await watch.delivered(submission)
    event = await app.timer_store.get(overdue_id(REFERENCE))
    assert event is not None and event.kind == OVERDUE
    assert event.due_at == check_time(date(2026, 12, 8))
    assert event.payload == {"reference": REFERENCE, "deadline": DEADLINE}  # no personal data

    told_before = len(recorder.sent)
    clock = [event.due_at - 1]
    worker = TimerWorker(app.timer_store, {OVERDUE: watch.fire}, clock=lambda: clock[0])
    assert await worker.run_once() == 0  # not before it is due
    clock[0] = event.due_at + 1
    assert await worker.run_once() == 1
    assert [c.status for c in await app.statuses.history(REFERENCE)] == ["delivered", "overdue"]
    (chat, text, actions), *more = recorder.sent[told_before:]
    assert more == [] and chat == FOUNDER
    assert "past its deadline" in text and "supervision" in text
    assert [a.value for a in actions if getattr(a, "op", None) is Op.ESCALATE] == [REFERENCE]
    assert watch.reminded == [(REFERENCE, date(2026, 12, 8))]  # type: ignore[attr-defined]

    await watch.fire(event)  # a second firing (at least once): nothing new
    assert len(recorder.sent) == told_before + 1
    assert watch.reminded == [(REFERENCE, date(2026, 12, 8))]  # type: ignore[attr-defined]


async def test_a_closed_complaint_cancels_its_check_and_a_late_one_changes_nothing(
    redis, redis_url, key_prefix
):
    app, desk, watch, _recorder = await setting(redis, redis_url, key_prefix)
    submission = await app.submissions.get(REFERENCE)
    assert submission is not None and await watch.delivered(submission)
    event = await app.timer_store.get(overdue_id(REFERENCE))
    assert event is not None
    await desk.change(REFERENCE, "closed", "已处理", "staff:9001")
    assert await app.timer_store.get(overdue_id(REFERENCE)) is None  # cancelled
    await watch.fire(event)  # it fired anyway (claimed before the cancellation)
    assert [c.status for c in await app.statuses.history(REFERENCE)] == ["delivered", "closed"]
    assert watch.reminded == []  # type: ignore[attr-defined]


async def test_a_submission_without_a_deadline_or_overdue_is_not_watched(
    redis, redis_url, key_prefix
):
    app, _desk, watch, _recorder = await setting(redis, redis_url, key_prefix)
    submission = await app.submissions.get(REFERENCE)
    assert submission is not None
    from dataclasses import replace

    assert not await watch.delivered(replace(submission, answers={}))
    assert not await watch.delivered(replace(submission, flow="subsidy"))
    assert not await watch.delivered(replace(submission, parent="SUB-1"))
    assert await app.timer_store.get(overdue_id(REFERENCE)) is None
