"""Delivering one outbox entry: load the submission (and, for a supplement, its case), fetch its
files, build the bundle, hand it to the agency's transport, record `delivered`, and post the
case to the staff chat."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Literal

from bot.core.channel import FileGone, Unreachable
from bot.handoff.agencies import Agencies, Agency, make_transport
from bot.handoff.bundle import build_bundle
from bot.handoff.fonts import PdfFont
from bot.handoff.rendering import Render, inline
from bot.handoff.sections import SECTIONS, Sections
from bot.handoff.status import StatusDesk
from bot.handoff.types import Bundle, DeliveryFailed, Transport, UnsupportedBundle, Withdrawn
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData
from flows.services.followup import CASE_STATUS
from storage.outbox import OutboxEntry, OutboxStore, Settled
from storage.statuses import Outcome, Settle, settles_in_one_step
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
Fetch = Callable[[Address, str], Awaitable[bytes]]  # (who sent it, the channel's file id)
PostCase = Callable[[Submission, Bundle], Awaitable[None]]


def files_of(fetch: Fetch, founder: Address) -> Callable[[str], Awaitable[bytes]]:
    """Fetching one founder's files from their channel, as delivery failures: a file the channel
    no longer has cannot come back (final); a channel this process lacks may be there later."""

    async def one(file_id: str) -> bytes:
        try:
            return await fetch(founder, file_id)
        except FileGone as exc:
            raise DeliveryFailed(str(exc), retryable=False) from exc
        except Unreachable as exc:
            raise DeliveryFailed(f"{exc}: cannot fetch file {file_id[:12]}…") from exc

    return one


class Deliverer:
    """The worker's `deliver` callable."""

    def __init__(
        self,
        submissions: SubmissionStore,
        policy: PolicyData,
        agencies: Agencies,
        desk: StatusDesk,
        fetch: Fetch,
        post_case: PostCase | None = None,
        transport_for: Callable[[str], Transport] | None = None,
        font: PdfFont | None = None,
        on_delivered: Callable[[Submission], Awaitable[object]] | None = None,
        sections: Sections = SECTIONS,
        render: Render = inline,
        render_at_start: bool = False,
        outbox: OutboxStore | None = None,
    ) -> None:
        self.submissions = submissions
        self.policy = policy
        self.agencies = agencies
        self.desk = desk
        self.fetch = fetch
        self.post_case = post_case
        self._transports: dict[str, Transport] = {}
        self._transport_for = transport_for
        self.font = font
        self.on_delivered = on_delivered  # what starts at delivery (a complaint's deadline)
        self.sections = sections
        self.render = render  # where the PDFs are made: the worker's render pool
        self.render_at_start = render_at_start
        self.outbox = outbox  # with it, the common delivery is settled here, in one step

    async def start(self) -> None:
        """Start the render processes when the worker starts if `render_at_start`, else they
        start with the first render."""
        start = getattr(self.render, "start", None)
        if start is not None and self.render_at_start:
            await start()

    async def close(self) -> None:
        """Close the transports' kept connections and stop the render processes (when the
        worker stops)."""
        transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            await transport.close()
        close = getattr(self.render, "close", None)
        if close is not None:
            await close()

    def transport(self, agency_id: str) -> Transport:
        if agency_id not in self._transports:
            self._transports[agency_id] = (self._transport_for or self._make)(agency_id)
        return self._transports[agency_id]

    def _make(self, agency_id: str) -> Transport:
        agency = self.agencies.get(agency_id)
        if agency is None:
            raise DeliveryFailed(f"agency {agency_id} is not configured", retryable=False)
        return make_transport(agency)

    async def __call__(self, entry: OutboxEntry) -> Settled | None:
        reference = entry.fields["reference"]
        stored = entry.record  # read by the worker with the delivery record, when it was there
        if stored is None:
            stored = await self.submissions.stored(reference)
        if stored is None:
            raise DeliveryFailed(f"submission {reference} not found", retryable=False)
        submission = self.submissions.decode(stored)
        if submission.withdrawn:
            raise Withdrawn(reference)
        case = None
        if submission.parent:
            case = await self.submissions.get(submission.parent)
            if case is None:
                raise DeliveryFailed(f"case {submission.parent} not found", retryable=False)
        agency = self.agencies.for_office(submission.office)
        fetch = files_of(self.fetch, submission.founder)
        try:
            bundle = await build_bundle(
                submission,
                self.policy,
                agency.id,
                fetch,
                case=case,
                font=self.font,
                version=agency.bundle_version,
                sections=self.sections,
                render=self.render,
            )
        except UnsupportedBundle as exc:  # the agency's setting or the registry must change
            raise DeliveryFailed(f"agency {agency.id}: {exc}", retryable=False) from exc
        bundle = replace(bundle, delivery_id=entry.id)  # which outbox entry: X-SME-Delivery
        await self.transport(agency.id).deliver(bundle)
        log.debug("submission %s delivered to %s", reference, agency.id)  # the worker logs it
        # Delivered is final here: what follows is told, not retried (that would send twice).
        try:
            if case is None and not self._posts_case(agency):
                settled = await self._settle(entry, stored, submission)
                if settled is not False:
                    return settled
            await self._tell(reference, stored, submission, case, bundle, agency)
        except Exception as exc:  # noqa: BLE001 - the bundle is with the agency already
            log.warning("submission %s: after delivery, %s", reference, type(exc).__name__)
        return None

    def _posts_case(self, agency: Agency) -> bool:
        """Whether a delivered case is posted to the agency's staff chat."""
        return self.post_case is not None and agency.staff_chat_id is not None

    async def _settle(
        self, entry: OutboxEntry, stored: bytes | str, submission: Submission
    ) -> Settled | None | Literal[False]:
        """After a delivery with nothing to post, in one round trip: `delivered` recorded with
        the delivery record and the ack (`Settled`), or None when only the status was decided
        (the worker records the delivery). False, with nothing written, when the record changed
        since it was read (its founder erased their data): `_tell` reads it again.

        What starts at delivery is started first, as before the record: a worker dying between
        the two delivers again, and starts it again (idempotent) rather than never. False too
        without an outbox store, or when the keys are not all of one shard (data of schema v1)."""
        if self.outbox is None:
            return False
        writes = self.outbox.delivered_writes(entry.reference, entry.id, settle=entry)
        if not settles_in_one_step(entry.reference, submission.founder, writes):
            return False
        if self.on_delivered is not None:
            await self.on_delivered(submission)
        recorded = await self.desk.change(
            entry.reference,
            "delivered",
            "",
            "worker",
            submission=submission,
            settle=Settle(stored, writes),
        )
        if recorded.outcome is Outcome.CHANGED:
            return False
        return Settled(entry.id) if recorded.settled else None

    async def _tell(
        self,
        reference: str,
        stored: bytes | str,
        submission: Submission,
        case: Submission | None,
        bundle: Bundle,
        agency: Agency,
    ) -> None:
        """Record `delivered` and tell who is told of it: the founder, what starts at delivery,
        the case a supplement belongs to, the staff chat."""
        # read again: a founder who erased their data meanwhile is not told, nor named
        again = await self.submissions.stored(reference)
        if again is not None and again != stored:
            submission = self.submissions.decode(again)
        await self.desk.change(reference, "delivered", "", "worker", submission=submission)
        if self.on_delivered is not None:
            await self.on_delivered(submission)
        if case is not None:
            # what the founder's supplement was: an answer, a request for supervision, a rating
            purpose = str(submission.answers.get("purpose") or "answer")
            await self.desk.change(
                case.reference,
                CASE_STATUS.get(purpose, "supplied"),
                "",
                "founder",
                notify=False,
                submission=case,
            )
        if self.post_case is not None and self._posts_case(agency):
            await self.post_case(submission, bundle)
