"""The one place a submission's status changes: record it, then tell the founder. Used by the
delivery worker, agency staff in Telegram, and agency systems through the status endpoint."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from bot.core.notify import FounderNotifier
from flows.engine.draft import Submission
from flows.engine.lifecycle import ACTORS, APPLICATION, Lifecycle
from storage.statuses import AgencyReport, Outcome, Recorded, Settle, StatusStore
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)


def actor_kind(actor: str) -> str:
    """'agency:hrss' → 'agency', 'staff:9001' → 'staff', 'worker' → 'worker'."""
    kind = actor.partition(":")[0]
    return kind if kind in ACTORS else ""


class StatusDesk:
    """Records status changes and notifies founders."""

    def __init__(
        self,
        statuses: StatusStore,
        submissions: SubmissionStore,
        notifier: FounderNotifier,
        lifecycles: Mapping[str, Lifecycle] | None = None,
        on_final: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.statuses = statuses
        self.submissions = submissions
        self.notifier = notifier
        self.lifecycles = dict(lifecycles or {})  # flow id → its lifecycle
        self.on_final = on_final  # a case closed: what watched it (its deadline) can stop

    def lifecycle(self, submission: Submission) -> Lifecycle:
        """The lifecycle of a submission's service (the common one for a service gone)."""
        return self.lifecycles.get(submission.flow, APPLICATION)

    async def change(
        self,
        reference: str,
        status: str,
        note: str,
        actor: str,
        *,
        notify: bool = True,
        submission: Submission | None = None,
        report: AgencyReport | None = None,
        settle: Settle | None = None,
    ) -> Recorded:
        """Record a change and tell the founder (unless `notify` is off) when it is new. Its
        service's lifecycle says from which statuses the `actor` may make it; decided in one
        step in Redis: a change the case's status does not allow (a `delivered` after the
        agency answered, anything after a final status), the latest status with the same note
        again, and an agency's `report` seen before or out of sequence are not recorded (nor
        told). A caller holding the `submission` passes it, saving a read; a worker passes
        the delivery to `settle` with its `delivered` (`StatusStore.record`)."""
        if submission is None or submission.reference != reference:
            submission = await self.submissions.get(reference)
        if submission is None:
            return Recorded(Outcome.UNKNOWN)
        after = self.lifecycle(submission).sources(status, actor_kind(actor))
        if not after:
            log.info("submission %s: %s may not be set by %s", reference, status, actor)
            return Recorded(Outcome.IGNORED)
        if self.lifecycle(submission).asks_founder(status) and not submission.founder.reachable:
            # an anonymous tip-off (or an erased founder): nobody could answer, and the case
            # would wait for that answer for ever
            log.info("submission %s: %s refused, nobody can answer", reference, status)
            return Recorded(Outcome.IGNORED, detail=await self.statuses.current(reference) or "")
        recorded = await self.statuses.record(
            reference,
            status,
            note,
            actor,
            founder=submission.founder,
            after=after,
            report=report,
            settle=settle,
        )
        if recorded.change is None:
            log.info("submission %s: %s by %s %s", reference, status, actor, recorded.outcome)
            return recorded
        # the worker's own line says so for each delivery ("outbox … delivered"): not twice
        level = logging.DEBUG if actor == "worker" else logging.INFO
        log.log(level, "submission %s: %s by %s", reference, status, actor)
        closed = self.lifecycle(submission).statuses[status].final
        if closed and self.on_final is not None:
            try:
                await self.on_final(reference)
            except Exception as exc:  # noqa: BLE001 - recorded; a check that fires finds it closed
                log.warning("submission %s: on_final failed: %s", reference, type(exc).__name__)
        if notify:
            await self.notifier.status_changed(
                recorded.change,
                submission.programme,
                submission.locale,
                self.lifecycle(submission),
                flow=submission.flow,
            )
        return recorded
