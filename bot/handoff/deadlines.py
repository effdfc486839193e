"""The deadline a complaint's office must answer by, watched through the durable timed events:
scheduled when the complaint is delivered, fired the morning after its deadline (Shanghai
time). If the office still owes an answer then, the case becomes `overdue` (its lifecycle
decides, atomically): the founder is told once and offered supervision (督办), and the
agency's staff chat is reminded. A final status cancels the check; a check that fires anyway
changes nothing, since the lifecycle no longer allows `overdue`.

A submission takes part when its service's lifecycle has `overdue` and its answers hold a
deadline the bot may state (`flows.engine.draft.quotable_deadline`: its rule checked by a
person; the flow computes it from the policy data, in working days). While the deadline rules
are only transcribed, no check is scheduled: the office tells the founder when to expect an
answer, and the bot never calls it late on an unchecked rule."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from flows.engine.draft import Submission, quotable_deadline
from flows.engine.periods import SHANGHAI
from storage.statuses import Outcome
from storage.timers import TimedEvent, TimerStore

if TYPE_CHECKING:
    from bot.handoff.status import StatusDesk

log = logging.getLogger(__name__)
OVERDUE = "complaint.overdue"  # the timed event's kind
CHECK_AT = time(9, 0)  # on the day after the deadline: a founder is told in the morning
Remind = Callable[[Submission, date], Awaitable[None]]  # the staff chat's reminder


def overdue_id(reference: str) -> str:
    return f"overdue.{reference}"


def deadline_of(answers: Mapping[str, Any]) -> date | None:
    """The deadline a submission's answers hold when its rule was checked by a person, or
    None: an unverified deadline never makes the bot say an office is late."""
    found = quotable_deadline(answers)
    if found is None:
        return None
    try:
        return date.fromisoformat(found["date"])
    except ValueError:
        return None


def check_time(deadline: date) -> float:
    """When the check fires: CHECK_AT Shanghai time on the day after the deadline."""
    return datetime.combine(deadline + timedelta(days=1), CHECK_AT, SHANGHAI).timestamp()


class DeadlineWatch:
    """Schedules, fires and cancels deadline checks."""

    def __init__(self, timers: TimerStore, desk: StatusDesk, remind: Remind | None = None) -> None:
        self.timers = timers
        self.desk = desk
        self.remind = remind

    async def delivered(self, submission: Submission) -> bool:
        """Watch a delivered submission's deadline, if its service has one; whether it does."""
        deadline = deadline_of(submission.answers)
        lifecycle = self.desk.lifecycle(submission)
        if deadline is None or submission.parent or "overdue" not in lifecycle.statuses:
            return False
        payload = {"reference": submission.reference, "deadline": deadline.isoformat()}
        await self.timers.schedule(
            overdue_id(submission.reference), OVERDUE, check_time(deadline), payload
        )
        log.info("submission %s: deadline %s watched", submission.reference, deadline)
        return True

    async def cancel(self, reference: str) -> None:
        """The case reached a final status: its check is obsolete."""
        if await self.timers.cancel(overdue_id(reference)):
            log.info("submission %s: deadline check cancelled", reference)

    async def fire(self, event: TimedEvent) -> None:
        """The timed event's handler (idempotent: a repeated `overdue` is not recorded again)."""
        reference = str(event.payload.get("reference", ""))
        submission = await self.desk.submissions.get(reference)
        if submission is None:
            return
        recorded = await self.desk.change(reference, "overdue", "", "timer", submission=submission)
        if recorded.outcome is not Outcome.RECORDED:
            log.info("submission %s: deadline passed, %s", reference, recorded.outcome)
            return
        log.info("submission %s: past its deadline; founder told", reference)
        deadline = deadline_of(event.payload) or deadline_of(submission.answers)
        if self.remind is not None and deadline is not None:
            try:
                await self.remind(submission, deadline)
            except Exception as exc:  # noqa: BLE001 - recorded and told; the reminder is extra
                log.warning(
                    "submission %s: staff reminder failed: %s", reference, type(exc).__name__
                )
