"""The commissioners' broadcast desk, channel-neutral: the preview of a composed announcement
with the number of recipients, then send now, schedule (a durable timed event) or discard;
pause, resume and cancel while it runs; the history (/broadcasts); the founders' /news and the
opens of a linked service. Every privileged button and command checks the role on the server
(`bot.core.roles.require`), every time, against Redis."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.core.announcement_readers import Readers
from bot.core.announcement_steering import Steering
from bot.core.announcement_view import (
    LANGUAGES,
    audience_line,
    founder_reply,
    names,
    payload,
    when,
)
from bot.core.channel import ChannelError, Channels
from bot.core.render import RenderedMessage, Renderer
from bot.core.roles import held, require
from flows.engine.address import Address
from flows.engine.audience import Audience
from flows.engine.events import Event, EventKind
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.spec import Announcement
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData
from storage.broadcasts import Broadcast, BroadcastStore
from storage.founders import FounderStore
from storage.roles import COMMISSIONER, RoleStore
from storage.subscribers import SubscriberStore
from storage.timers import TimerStore

log = logging.getLogger(__name__)
Deliver = Callable[[list[RenderedMessage], str], Awaitable[None]]
DESK_COMMANDS = frozenset({"announce", "broadcasts", "news"})
DESK_OPS = frozenset(
    {Op.BC_SEND, Op.BC_SCHEDULE, Op.BC_DISCARD, Op.BC_PAUSE, Op.BC_RESUME, Op.BC_CANCEL}
)
NOBODY = N_(
    "No subscriber matches this audience ({audience}), so nothing was saved or sent. Your "
    "announcement is kept: choose a wider audience."
)
OUTSIDE = N_(
    "You can send only to your districts: {districts}. Your announcement is kept: choose who "
    "gets it again."
)


class AnnouncementDesk(Steering, Readers):
    """Previews, sends, schedules and steers commissioners' broadcasts."""

    def __init__(
        self,
        store: BroadcastStore,
        subscribers: SubscriberStore,
        roles: RoleStore,
        timers: TimerStore,
        renderer: Renderer,
        channels: Channels,
        admins: frozenset[int] = frozenset(),
        *,
        founders: FounderStore | None = None,
        default_locale: str = "zh_CN",
        clock: Callable[[], float] = time.time,
        policy: PolicyData | None = None,
    ) -> None:
        self.store, self.subscribers, self.roles, self.timers = store, subscribers, roles, timers
        self.renderer, self.channels, self.admins, self.clock = renderer, channels, admins, clock
        self.founders = founders  # the founders' profiles and languages, for /news
        self.default_locale = default_locale
        self.policy = policy  # the names of industries and topics in audience lines

    async def _may(self, member: Address, action: str) -> tuple[bool, tuple[str, ...]]:
        """Whether `member` is a commissioner now (an admin grants themselves the role to
        send), and the districts they are limited to (empty: all)."""
        grants = await self.roles.of(member)
        allowed = require(COMMISSIONER, member, held(member, grants, self.admins), action=action)
        grant = grants.get(COMMISSIONER)
        return allowed, tuple(grant.districts) if grant is not None else ()

    async def may_compose(self, member: Address, locale: str) -> list[RenderedMessage]:
        """/announce: nothing for a commissioner (the conversation opens the composer), a
        refusal for anyone else (logged)."""
        allowed, _ = await self._may(member, "announce")
        if allowed:
            return []
        return self._say(N_("Only service commissioners can send announcements."), locale)

    def _say(self, msgid: str, locale: str, **params: object) -> list[RenderedMessage]:
        return [self.renderer.render(Reply((Text(msgid, dict(params)),)), locale)]

    async def compose(
        self, author: Address, announcement: Announcement, locale: str, deliver: Deliver
    ) -> bool:
        """The preview, exactly as founders will see it in each language it goes out in, and
        what to do with it. False when the commissioner must choose the audience again (told
        why: districts they may not send to, or nobody there): the composer keeps the rest."""
        allowed, districts = await self._may(author, "compose")
        if not allowed:
            await deliver(
                self._say(N_("Only service commissioners can send announcements."), locale), locale
            )
            return True
        audience = Audience.from_json(dict(announcement.audience))
        if districts:
            chosen = audience.districts or frozenset(districts)
            if not chosen <= frozenset(districts):
                mine = names("districts", districts, self.policy)
                await deliver(self._say(OUTSIDE, locale, districts=mine), locale)
                return False
            audience = replace(audience, districts=chosen)
        by_lang: dict[str, int] = {}
        async for subscriber in self.subscribers.scan(audience):
            lang = subscriber.lang or self.default_locale
            by_lang[lang] = by_lang.get(lang, 0) + 1
        total = sum(by_lang.values())
        if not total:
            shown_audience = audience_line(audience.to_json(), self.policy)
            await deliver(self._say(NOBODY, locale, audience=shown_audience), locale)
            return False
        broadcast_id = uuid.uuid4().hex[:12]  # the link button carries it: known before
        content = payload(announcement, self.renderer, broadcast_id, str(author))
        content["locale"] = locale  # the author's: progress and report are told in it
        broadcast = await self.store.create(
            author, content, audience.to_json(), self.clock(), broadcast_id=broadcast_id
        )
        await deliver(self._previews(announcement, broadcast.id, by_lang, locale), locale)
        await self._attachment(author, content)
        await deliver(
            [self._control(broadcast, total, by_lang, locale, announcement.send_at)], locale
        )
        return True

    def _previews(
        self, announcement: Announcement, broadcast_id: str, by_lang: dict[str, int], locale: str
    ) -> list[RenderedMessage]:
        """What founders get, in each language some recipient reads (the payload's messages):
        a language without a text of its own gets another's, so it is shown once."""
        going = [lang for lang in LANGUAGES if by_lang.get(lang)] or [locale]
        going.sort(key=lambda lang: lang != locale)  # the commissioner's own first
        shown: list[RenderedMessage] = []
        texts: set[str] = set()
        for lang in going:
            text = announcement.texts.get(lang) or next(iter(announcement.texts.values()))
            if text in texts:
                continue
            texts.add(text)
            reply = founder_reply(announcement, lang, broadcast_id)
            shown.append(self.renderer.render(reply, lang))
        return shown

    async def _attachment(self, author: Address, content: dict[str, Any]) -> None:
        """The attachment, after the text, as founders get it (best effort in a preview)."""
        file = content.get("attachment")
        if not file:
            return
        try:
            data = await self.channels.fetch(author, str(file["file_id"]))
            await self.channels.send_file(author, str(file["name"]), data, "")
        except ChannelError as exc:
            log.warning("broadcast preview: attachment not shown: %s", type(exc).__name__)

    def _control(
        self,
        broadcast: Broadcast,
        total: int,
        by_lang: dict[str, int],
        locale: str,
        send_at: float | None,
    ) -> RenderedMessage:
        lines = Text(
            N_(
                "👆 That is how founders will see it. Recipients: {total} ({zh} in Chinese, {en} "
                "in English); audience: {audience}."
            ),
            {
                "total": total,
                "zh": by_lang.get("zh_CN", 0),
                "en": total - by_lang.get("zh_CN", 0),
                "audience": audience_line(broadcast.audience or {}, self.policy),
            },
        )
        go = (
            Button(
                Text(N_("🕘 Send at {time}"), {"time": when(send_at)}),
                Action(Op.BC_SCHEDULE, value=broadcast.id),
            )
            if send_at is not None
            else Button(Text(N_("📤 Send now")), Action(Op.BC_SEND, value=broadcast.id))
        )
        discard = Button(Text(N_("🗑 Discard")), Action(Op.BC_DISCARD, value=broadcast.id))
        return self.renderer.render(Reply((lines,), ((go, discard),)), locale)

    @staticmethod
    def wants(event: Event) -> bool:
        """Whether `intercept` has anything to do with this event (decided without Redis, so
        the founders' ordinary answers and taps cost nothing more)."""
        action = event.action
        if event.kind is EventKind.COMMAND:
            return event.command in DESK_COMMANDS
        return action is not None and (action.op in DESK_OPS or action.op is Op.NEWS_OPEN)

    async def intercept(
        self, member: Address, event: Event, locale: str
    ) -> tuple[list[RenderedMessage] | None, Event]:
        """What the desk answers before the conversation, the same for every channel: its
        commands (/news, /broadcasts; /announce refused to anyone but a commissioner) and
        buttons, with the replies; an announcement's link counted and turned into opening its
        service. (None, the event to go on with) when the conversation should take it."""
        action = event.action
        if event.kind is EventKind.COMMAND and event.command in DESK_COMMANDS:
            if event.command == "news":
                return await self.news(member, locale), event
            if event.command == "broadcasts":
                return await self.history(member, locale), event
            refusal = await self.may_compose(member, locale)
            return (refusal or None), event
        if action is not None and action.op in DESK_OPS:
            return await self.on_action(member, action, locale), event
        if action is not None and action.op is Op.NEWS_OPEN:
            flow = await self.opened(member, action.value)
            return None, Event.of_action(Action(Op.OPEN, value=flow))
        return None, event
