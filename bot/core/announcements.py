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
from bot.core.announcement_view import audience_line, founder_reply, payload, when
from bot.core.channel import ChannelError, Channels
from bot.core.render import RenderedMessage, Renderer
from bot.core.roles import held, require
from flows.engine.address import Address
from flows.engine.audience import Audience
from flows.engine.events import Event, EventKind
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.spec import Announcement
from flows.engine.text import N_, Text
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
    "No subscriber matches this audience, so nothing was saved or sent. Compose it again with "
    "a wider audience: /announce"
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
    ) -> None:
        self.store, self.subscribers, self.roles, self.timers = store, subscribers, roles, timers
        self.renderer, self.channels, self.admins, self.clock = renderer, channels, admins, clock
        self.founders = founders  # the founders' profiles and languages, for /news
        self.default_locale = default_locale

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
    ) -> None:
        """The preview, exactly as founders will see it, and what to do with it."""
        allowed, districts = await self._may(author, "compose")
        if not allowed:
            await deliver(
                self._say(N_("Only service commissioners can send announcements."), locale), locale
            )
            return
        audience = Audience.from_json(dict(announcement.audience))
        if districts:
            chosen = audience.districts or frozenset(districts)
            if not chosen <= frozenset(districts):
                await deliver(
                    self._say(
                        N_(
                            "You can send only to your districts: {districts}. Please compose it again: /announce"
                        ),
                        locale,
                        districts=", ".join(districts),
                    ),
                    locale,
                )
                return
            audience = replace(audience, districts=chosen)
        by_lang: dict[str, int] = {}
        async for subscriber in self.subscribers.scan(audience):
            lang = subscriber.lang or self.default_locale
            by_lang[lang] = by_lang.get(lang, 0) + 1
        total = sum(by_lang.values())
        if not total:
            await deliver(self._say(NOBODY, locale), locale)
            return
        broadcast_id = uuid.uuid4().hex[:12]  # the link button carries it: known before
        content = payload(announcement, self.renderer, broadcast_id, str(author))
        content["locale"] = locale  # the author's: progress and report are told in it
        broadcast = await self.store.create(
            author, content, audience.to_json(), self.clock(), broadcast_id=broadcast_id
        )
        shown = self.renderer.render(founder_reply(announcement, locale, broadcast.id), locale)
        await deliver([shown], locale)  # what the payload holds for this language
        await self._attachment(author, content)
        await deliver(
            [self._control(broadcast, total, by_lang, locale, announcement.send_at)], locale
        )

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
                "audience": audience_line(broadcast.audience or {}),
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
