"""Agency staff, channel-neutral: a case arrives in the agency's staff chat as the PDF and a short
summary with buttons; only the agency's staff may act (listed in the agencies file, or granted
the "staff" role for it by an admin: `storage.roles`, read on every action), and every action is
recorded.
A reason or question must be a reply, by the one who tapped, to the bot's request for it.

The decisions live here; a channel only draws the buttons and carries the replies.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from functools import cached_property

from redis.asyncio import Redis

from bot.core.callbacks import CaseTap
from bot.core.channel import Channel, Channels
from bot.core.i18n import locale_for
from bot.core.inbound import Inbound
from bot.core.messages import CAPTION_LIMIT
from bot.core.render import RenderedButton, RenderedMessage, Renderer
from bot.core.roles import require
from bot.handoff.agencies import Agencies, Agency
from bot.handoff.staff_summary import case_summary
from bot.handoff.status import StatusDesk
from bot.handoff.types import Bundle
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.engine.text import N_, Text
from flows.shell.statuses import status_name
from storage.keys import KeyBuilder
from storage.roles import STAFF, RoleStore
from storage.statuses import Outcome
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
# The staff's buttons: a one-letter code in the callback data for each status staff may set;
# which are shown for a case, and allowed when tapped, its service's lifecycle says.
ACTIONS = {
    "a": "accepted",
    "m": "more_info",
    "t": "transferred",
    "r": "rejected",
    "d": "resolved",
    "c": "closed",
}
NEEDS_NOTE = {
    "more_info": N_("Reply to this message with your question for the founder about {reference}."),
    "rejected": N_("Reply to this message with the reason for rejecting {reference}."),
    "transferred": N_("Reply to this message with the department {reference} was transferred to."),
    "closed": N_("Reply to this message with the outcome of {reference} for the founder."),
}
LABELS = {
    "a": N_("✅ Accept"),
    "m": N_("❓ Request more information"),
    "t": N_("🔀 Transferred"),
    "r": N_("❌ Reject"),
    "d": N_("🏁 Resolved"),
    "c": N_("📁 Closed"),
}
PENDING_TTL_S = 3600
NOTE_LIMIT = 1000


def staff_chat(agency: Agency) -> Address | None:
    """The agency's staff chat (the agencies file names Telegram chats)."""
    return Address.telegram(agency.staff_chat_id) if agency.staff_chat_id is not None else None


class StaffDesk:
    """Posts cases to staff chats and takes staff actions from buttons and replies."""

    def __init__(
        self,
        channels: Channels,
        agencies: Agencies,
        desk: StatusDesk,
        submissions: SubmissionStore,
        renderer: Renderer,
        redis: Redis,
        keys: KeyBuilder,
        default_locale: str = "zh_CN",
        roles: RoleStore | None = None,
    ) -> None:
        self.roles = roles  # staff granted in Redis, besides the agencies file's
        self.channels = channels
        self.agencies = agencies
        self.desk = desk
        self.submissions = submissions
        self.renderer = renderer
        self.redis = redis
        self.keys = keys
        self.default_locale = default_locale

    @cached_property
    def chats(self) -> frozenset[Address]:
        """Every agency's staff chat: messages there are the staff's, not a founder's."""
        return frozenset(c for a in self.agencies.all() if (c := staff_chat(a)) is not None)

    def _t(self, locale: str, msgid: str, **params: object) -> str:
        return self.renderer.text(Text(msgid, dict(params)), locale)

    def _locale(self, who: Inbound) -> str:
        return locale_for(None, who.language_code, default=self.default_locale, fallback="en")

    async def post_bundle(self, submission: Submission, bundle: Bundle) -> None:
        """The PDF, then the case's summary with the action buttons, in the agency's staff chat
        (the summary once: the PDF's caption only names it)."""
        chat = staff_chat(self.agencies.for_office(submission.office))
        if chat is None:
            return
        locale = self.default_locale
        summary = case_summary(self.renderer, locale, submission, bundle)
        case = submission.parent or submission.reference
        name = f"{submission.reference}.pdf"
        caption = self._t(locale, N_("📄 The PDF of {reference}"), reference=submission.reference)
        await self.channels.send_file(chat, name, bundle.pdf, caption[:CAPTION_LIMIT])
        # what staff may do next to the case (a supplement's buttons act on its case)
        owner = await self.submissions.get(case) if submission.parent else submission
        lifecycle = self.desk.lifecycle(owner or submission)
        current = await self.desk.statuses.current(case) or "delivered"
        offered = lifecycle.next_for("delivered" if current == "submitted" else current, "staff")
        if not (owner or submission).founder.reachable:  # nobody could answer a question
            offered = tuple(s for s in offered if not lifecycle.asks_founder(s))
        buttons = tuple(
            (RenderedButton(self._t(locale, label), CaseTap(op, case)),)
            for op, label in LABELS.items()
            if ACTIONS[op] in offered and ACTIONS[op] in lifecycle.statuses
        )
        await self.channels.send(chat, [RenderedMessage(summary, buttons)])

    async def remind_overdue(self, submission: Submission, deadline: date) -> None:
        """Tell the agency's staff chat that a case is past its deadline (督办)."""
        chat = staff_chat(self.agencies.for_office(submission.office))
        if chat is None:
            return
        msgid = (
            N_(
                "⏰ {reference} is past its deadline ({deadline}) without an answer. The founder "
                "has been told and may request supervision."
            )
            if submission.founder.reachable
            else N_(
                "⏰ {reference} is past its deadline ({deadline}) without an answer. Nobody "
                "could be told: it is an anonymous tip-off, or the founder erased their data."
            )
        )
        text = self._t(
            self.default_locale,
            msgid,
            reference=submission.reference,
            deadline=deadline.isoformat(),
        )
        await self.channels.send(chat, [RenderedMessage(text)])

    async def _agency_of(self, reference: str) -> Agency | None:
        submission = await self.submissions.get(reference)
        return self.agencies.for_office(submission.office) if submission else None

    async def _is_staff(self, member: Address, agency: Agency, action: str) -> bool:
        """Whether `member` may act on `agency`'s cases now: listed in the agencies file, or
        granted the staff role for it (read from Redis each time); a refusal is logged."""
        listed = member.number is not None and member.number in agency.staff_user_ids
        if not listed and self.roles is not None:
            grant = (await self.roles.of(member)).get(STAFF)
            listed = grant is not None and grant.agency == agency.id
        return require(STAFF, member, {STAFF} if listed else set(), action=action)

    def _pending_key(self, member: Address) -> str:
        return self.keys.staff(member, "pending")

    async def on_tap(self, tap: Inbound, channel: Channel) -> str | None:
        """A case button: act, or ask for the reason; an alert for a refusal."""
        assert tap.tap is not None
        locale = self._locale(tap)
        reference, status = tap.tap.reference, ACTIONS.get(tap.tap.op)
        agency = await self._agency_of(reference) if status else None
        if agency is None or status is None:
            return self._t(locale, N_("This case is unknown."))
        chat = staff_chat(agency)
        if chat is None or not await self._is_staff(
            tap.sender, agency, f"case button of {agency.id}"
        ):
            return self._t(locale, N_("Only this agency's listed staff can act on its cases."))
        pending_key = self._pending_key(tap.sender)
        if status in NEEDS_NOTE:
            request = RenderedMessage(self._t(locale, NEEDS_NOTE[status], reference=reference))
            (prompt,) = (await channel.send(chat, [request]))[-1:]
            pending = {"ref": reference, "status": status, "chat": str(chat), "prompt": prompt}
            await self.redis.set(pending_key, json.dumps(pending), ex=PENDING_TTL_S)
            return None
        await self.redis.delete(pending_key)  # another action withdraws an unanswered request
        await self._act(reference, status, "", tap, chat, channel, locale)
        return None

    async def on_reply(self, message: Inbound, channel: Channel) -> bool:
        """A staff member's reason or question after Reject / Request more information."""
        text = message.event.text
        if message.reply_to is None or not text or message.event.command:
            return False
        key = self._pending_key(message.sender)
        raw = await self.redis.get(key)
        if raw is None:
            return False
        pending = json.loads(raw)
        if (pending["chat"], str(pending.get("prompt"))) != (str(message.chat), message.reply_to):
            return False
        if not await self.redis.delete(key):
            return False  # taken by a concurrent update
        agency = await self._agency_of(pending["ref"])
        if agency is None or not await self._is_staff(message.sender, agency, "case reply"):
            return False
        locale = self._locale(message)
        note = text[:NOTE_LIMIT]
        await self._act(
            pending["ref"], pending["status"], note, message, message.chat, channel, locale
        )
        return True

    async def _act(
        self,
        reference: str,
        status: str,
        note: str,
        who: Inbound,
        chat: Address,
        channel: Channel,
        locale: str,
    ) -> None:
        recorded = await self.desk.change(reference, status, note, f"staff:{who.sender.id}")
        submission = await self.submissions.get(reference)
        # a status as its case's service names it (a complaint's `transferred`, `closed`, …)
        lifecycle = self.desk.lifecycle(submission) if submission is not None else None
        if recorded.outcome is Outcome.IGNORED:  # closed, or not a change staff may make now
            refused = self._t(
                locale,
                N_("{reference} is {current}: it cannot be changed to {status} now."),
                reference=reference,
                current=status_name(recorded.detail or "?", lifecycle),
                status=status_name(status, lifecycle),
            )
            await channel.send(chat, [RenderedMessage(refused)])
            return
        if recorded.outcome not in (Outcome.RECORDED, Outcome.REPEATED):
            return
        told = submission is not None and submission.founder.reachable
        done = self._t(
            locale,
            N_("{reference}: {status} by {name}. The founder has been told.")
            if told
            else N_(
                "{reference}: {status} by {name}. Nobody could be told: it is an anonymous "
                "tip-off, or the founder erased their data."
            ),
            reference=reference,
            name=who.name,
            status=status_name(status, lifecycle),
        )
        await channel.send(chat, [RenderedMessage(done)])
