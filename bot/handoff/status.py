"""The one place a submission's status changes: record it, then tell the founder. Used by the
delivery worker, agency staff in Telegram, and agency systems through the status endpoint."""

from __future__ import annotations

import logging

from bot.core.notify import FounderNotifier
from flows.engine.draft import Submission
from storage.statuses import AgencyReport, Outcome, Recorded, StatusStore
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
AGENCY_STATUSES = ("accepted", "more_info", "rejected", "resolved")  # what an agency may report
# The statuses a case must be in for these to be recorded: the agency may answer before the
# worker records its delivery, and staff may act before a supplement's delivery is recorded.
ONLY_AFTER = {"delivered": ("submitted",), "supplied": ("more_info", "supplied")}


class StatusDesk:
    """Records status changes and notifies founders."""

    def __init__(
        self, statuses: StatusStore, submissions: SubmissionStore, notifier: FounderNotifier
    ) -> None:
        self.statuses = statuses
        self.submissions = submissions
        self.notifier = notifier

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
    ) -> Recorded:
        """Record a change and tell the founder (unless `notify` is off) when it is new. Decided
        in one step in Redis: a `delivered` after the agency answered, a `supplied` after staff
        acted, the latest status with the same note again, and an agency's `report` seen before
        or out of sequence are not recorded (nor told). A caller holding the `submission`
        passes it, saving a read."""
        if submission is None or submission.reference != reference:
            submission = await self.submissions.get(reference)
        if submission is None:
            return Recorded(Outcome.UNKNOWN)
        recorded = await self.statuses.record(
            reference,
            status,
            note,
            actor,
            founder=submission.founder,
            after=ONLY_AFTER.get(status, ()),
            report=report,
        )
        if recorded.change is None:
            log.info("submission %s: %s by %s %s", reference, status, actor, recorded.outcome)
            return recorded
        log.info("submission %s: %s by %s", reference, status, actor)
        if notify:
            await self.notifier.status_changed(
                recorded.change, submission.programme, submission.locale
            )
        return recorded
