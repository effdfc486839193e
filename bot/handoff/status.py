"""The one place a submission's status changes: record it, then tell the founder. Used by the
delivery worker, agency staff in Telegram, and agency systems through the status endpoint."""

from __future__ import annotations

import logging

from bot.core.notify import FounderNotifier
from flows.engine.draft import Submission
from storage.statuses import StatusChange, StatusStore
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
AGENCY_STATUSES = ("accepted", "more_info", "rejected", "resolved")  # what an agency may report


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
    ) -> StatusChange | None:
        """Record a change and tell the founder (unless `notify` is off); None when the
        reference is unknown or a late `delivered` is ignored. The same status with the same
        note as the latest is not recorded again. A caller holding the `submission` passes it,
        saving a read."""
        if submission is None or submission.reference != reference:
            submission = await self.submissions.get(reference)
        if submission is None:
            return None
        history = await self.statuses.history(reference)
        current = history[-1].status if history else "submitted"
        if history and (history[-1].status, history[-1].note) == (status, note):
            return history[-1]  # a report repeated (an agency's retry): recorded and told once
        if status == "delivered" and current != "submitted":
            return None  # the agency answered before the worker recorded its delivery
        if status == "supplied" and current not in ("more_info", "supplied"):
            return None  # staff acted on the case before the supplement's delivery was recorded
        change = await self.statuses.record(
            reference, status, note, actor, founder=submission.founder
        )
        if change is None:
            return None
        log.info("submission %s: %s by %s", reference, status, actor)
        if notify:
            await self.notifier.status_changed(change, submission.programme, submission.locale)
        return change
