"""Agency staff in Telegram: a case arrives in the agency's staff chat as the PDF and a short
summary with buttons; only the agency's listed staff may act, and every action is recorded."""

from __future__ import annotations

import json
import logging

from aiogram import Bot, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from redis.asyncio import Redis

from bot.core.i18n import locale_for
from bot.core.render import Renderer
from bot.handoff.agencies import Agencies, Agency
from bot.handoff.status import StatusDesk
from bot.handoff.types import Bundle
from flows.engine.draft import Submission
from flows.engine.text import N_, Text
from flows.shell.menu import STATUS_NAMES
from storage.keys import KeyBuilder
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)
ACTIONS = {"a": "accepted", "m": "more_info", "r": "rejected", "d": "resolved"}
NEEDS_NOTE = {
    "more_info": N_("Reply to this message with your question for the founder about {reference}."),
    "rejected": N_("Reply to this message with the reason for rejecting {reference}."),
}
LABELS = {
    "a": N_("✅ Accept"),
    "m": N_("❓ Request more information"),
    "r": N_("❌ Reject"),
    "d": N_("🏁 Resolved"),
}
PENDING_TTL_S = 3600


class CaseData(CallbackData, prefix="c"):
    """A staff button: `c:<action>:<reference>`."""

    op: str
    ref: str


class StaffDesk:
    """Posts cases to staff chats and takes staff actions from buttons and replies."""

    def __init__(
        self,
        bot: Bot,
        agencies: Agencies,
        desk: StatusDesk,
        submissions: SubmissionStore,
        renderer: Renderer,
        redis: Redis,
        keys: KeyBuilder,
        default_locale: str = "zh_CN",
    ) -> None:
        self.bot = bot
        self.agencies = agencies
        self.desk = desk
        self.submissions = submissions
        self.renderer = renderer
        self.redis = redis
        self.keys = keys
        self.default_locale = default_locale

    def _t(self, locale: str, msgid: str, **params: object) -> str:
        return self.renderer.text(Text(msgid, dict(params)), locale)

    async def post_bundle(self, submission: Submission, bundle: Bundle) -> None:
        """The PDF and a summary with the action buttons, in the agency's staff chat."""
        agency = self.agencies.for_office(submission.office)
        if agency.staff_chat_id is None:
            return
        locale = self.default_locale
        language = "zh" if locale.startswith("zh") else "en"
        data = json.loads(bundle.bundle_json)
        facts = {
            "reference": submission.reference,
            "title": data["programme"]["title"][language],
            "district": data["district"]["name"][language],
            "office": data["office"]["name"][language],
        }
        if submission.parent:
            summary = self._t(
                locale,
                N_(
                    "The founder answered about {case}: supplement {reference} ({title}, {district})."
                ),
                case=submission.parent,
                **facts,
            )
        else:
            summary = self._t(
                locale,
                N_("New application {reference}: {title}, {district}. Received by {office}."),
                **facts,
            )
        case = submission.parent or submission.reference
        pdf = BufferedInputFile(bundle.pdf, f"{submission.reference}.pdf")
        await self.bot.send_document(agency.staff_chat_id, pdf, caption=summary[:1024])
        buttons = [
            [
                InlineKeyboardButton(
                    text=self._t(locale, label),
                    callback_data=CaseData(op=op, ref=case).pack(),
                )
            ]
            for op, label in LABELS.items()
        ]
        await self.bot.send_message(
            agency.staff_chat_id,
            summary,
            reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons),
        )

    async def _agency_of(self, reference: str) -> tuple[Submission, Agency] | None:
        submission = await self.submissions.get(reference)
        if submission is None:
            return None
        return submission, self.agencies.for_office(submission.office)

    def _pending_key(self, user_id: int) -> str:
        return self.keys.founder(user_id, "staff-pending")

    async def on_button(self, query: CallbackQuery, data: CaseData) -> None:
        locale = locale_for(
            None, query.from_user.language_code, default=self.default_locale, fallback="en"
        )
        found = await self._agency_of(data.ref)
        status = ACTIONS.get(data.op)
        if found is None or status is None:
            await query.answer(self._t(locale, N_("This case is unknown.")), show_alert=True)
            return
        _submission, agency = found
        if query.from_user.id not in agency.staff_user_ids:
            log.warning("user %s is not staff of %s; refused", query.from_user.id, agency.id)
            await query.answer(
                self._t(locale, N_("Only this agency's listed staff can act on its cases.")),
                show_alert=True,
            )
            return
        pending_key = self._pending_key(query.from_user.id)
        if status in NEEDS_NOTE:
            await query.answer()
            prompt = await self.bot.send_message(
                agency.staff_chat_id, self._t(locale, NEEDS_NOTE[status], reference=data.ref)
            )
            pending = {
                "ref": data.ref,
                "status": status,
                "chat": agency.staff_chat_id,
                "prompt": prompt.message_id,
            }
            await self.redis.set(pending_key, json.dumps(pending), ex=PENDING_TTL_S)
            return
        await self.redis.delete(pending_key)  # another action withdraws an unanswered request
        await query.answer()
        await self._act(
            data.ref, status, "", query.from_user.id, query.from_user.full_name, agency, locale
        )

    async def on_reply(self, message: Message) -> bool:
        """A staff member's reason or question after Reject / Request more information: a
        reply, by the one who tapped, to the bot's request for it."""
        user, replied = message.from_user, message.reply_to_message
        if user is None or message.text is None or replied is None:
            return False
        raw = await self.redis.get(self._pending_key(user.id))
        if raw is None:
            return False
        pending = json.loads(raw)
        if (pending["chat"], pending.get("prompt")) != (message.chat.id, replied.message_id):
            return False
        if not await self.redis.delete(self._pending_key(user.id)):
            return False  # taken by a concurrent update
        found = await self._agency_of(pending["ref"])
        if found is None or user.id not in found[1].staff_user_ids:
            return False
        locale = locale_for(None, user.language_code, default=self.default_locale, fallback="en")
        await self._act(
            pending["ref"],
            pending["status"],
            message.text[:1000],
            user.id,
            user.full_name,
            found[1],
            locale,
        )
        return True

    async def _act(
        self,
        reference: str,
        status: str,
        note: str,
        user_id: int,
        name: str,
        agency: Agency,
        locale: str,
    ) -> None:
        change = await self.desk.change(reference, status, note, f"staff:{user_id}")
        if change is None:
            return
        await self.bot.send_message(
            agency.staff_chat_id or user_id,
            self._t(
                locale,
                N_("{reference}: {status} by {name}. The founder has been told."),
                reference=reference,
                name=name,
                status=Text(STATUS_NAMES.get(status, status)),
            ),
        )


def create_staff_router(staff: StaffDesk) -> Router:
    """Buttons on cases, and replies in staff chats; other messages go on to the founders' router."""
    router = Router(name="staff")
    chats = frozenset(a.staff_chat_id for a in staff.agencies.all() if a.staff_chat_id is not None)

    @router.callback_query(CaseData.filter())
    async def on_case_button(query: CallbackQuery, callback_data: CaseData) -> None:
        await staff.on_button(query, callback_data)

    @router.message(F.chat.id.in_(chats))
    async def on_staff_chat(message: Message) -> None:
        await staff.on_reply(message)

    return router
