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

from bot.core import announcement_lists as lists
from bot.core.announcement_lists import HISTORY_SHOWN
from bot.core.announcement_view import STATUS_NAMES as STATUS_NAME
from bot.core.announcement_view import audience_line, founder_reply, payload, when
from bot.core.channel import Channels
from bot.core.render import RenderedMessage, Renderer
from bot.core.roles import held, require
from flows.engine.address import Address
from flows.engine.audience import Audience, Subscriber
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.spec import Announcement
from flows.engine.text import N_, Text
from storage.broadcasts import Broadcast, BroadcastNotFound, BroadcastStore
from storage.errors import StorageError
from storage.founders import FounderStore
from storage.roles import COMMISSIONER, RoleStore
from storage.subscribers import SubscriberStore, subscriber_of
from storage.timers import TimedEvent, TimerStore

log = logging.getLogger(__name__)
START = "broadcast.start"  # the timed event of a scheduled broadcast
Deliver = Callable[[list[RenderedMessage], str], Awaitable[None]]
DESK_COMMANDS = frozenset({"announce", "broadcasts", "news"})
DESK_OPS = frozenset(
    {Op.BC_SEND, Op.BC_SCHEDULE, Op.BC_DISCARD, Op.BC_PAUSE, Op.BC_RESUME, Op.BC_CANCEL}
)
NOBODY = N_(
    "No subscriber matches this audience, so nothing was saved or sent. Compose it again with "
    "a wider audience: /announce"
)


def start_id(broadcast_id: str) -> str:
    return f"broadcast.{broadcast_id}"


class AnnouncementDesk:
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
        broadcast = await self.store.create(
            author, content, audience.to_json(), self.clock(), broadcast_id=broadcast_id
        )
        shown = self.renderer.render(founder_reply(announcement, locale, broadcast.id), locale)
        await deliver([shown], locale)  # what the payload holds for this language
        await deliver(
            [self._control(broadcast, total, by_lang, locale, announcement.send_at)], locale
        )

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

    # -- the commissioner's buttons ------------------------------------------------------------

    async def on_action(
        self, member: Address, action: Action, locale: str
    ) -> list[RenderedMessage]:
        """Send now, schedule, discard, pause, resume or cancel: the commissioner's answer."""
        allowed, _districts = await self._may(member, f"broadcast {action.op.name.lower()}")
        if not allowed:
            return self._say(N_("Only service commissioners can do that."), locale)
        try:
            broadcast = await self.store.get(action.value)
        except BroadcastNotFound:
            return self._say(N_("That announcement is no longer there."), locale)
        now = self.clock()
        if action.op is Op.BC_SEND and broadcast.status == "scheduled":
            counts = await self.store.start(broadcast.id, await self._recipients(broadcast), now)
            return [self._steering(broadcast.id, "running", locale, sent=counts.total)]
        if action.op is Op.BC_SCHEDULE and broadcast.status == "scheduled":
            at = broadcast.payload.get("send_at")
            if not isinstance(at, (int, float)) or at <= now:
                return self._say(
                    N_("That time has passed. Send it now, or compose it again."), locale
                )
            await self.timers.schedule(
                start_id(broadcast.id), START, float(at), {"id": broadcast.id}
            )
            cancel = Button(Text(N_("✖️ Cancel it")), Action(Op.BC_CANCEL, value=broadcast.id))
            reply = Reply(
                (Text(N_("🕘 Scheduled for {time}."), {"time": when(float(at))}),), ((cancel,),)
            )
            return [self.renderer.render(reply, locale)]
        if action.op in (Op.BC_DISCARD, Op.BC_CANCEL) and await self.store.cancel(
            broadcast.id, now
        ):
            await self.timers.cancel(start_id(broadcast.id))
            return self._say(N_("✖️ Cancelled: nobody else will get it."), locale)
        if action.op is Op.BC_PAUSE and await self.store.pause(broadcast.id, now):
            return [self._steering(broadcast.id, "paused", locale)]
        if action.op is Op.BC_RESUME and await self.store.resume(broadcast.id, now):
            return [self._steering(broadcast.id, "running", locale)]
        status = Text(STATUS_NAME.get(broadcast.status, broadcast.status))
        return self._say(
            N_("Not possible now: the announcement is {status}."), locale, status=status
        )

    def _steering(
        self, broadcast_id: str, status: str, locale: str, sent: int = 0
    ) -> RenderedMessage:
        """The buttons while it runs (pause, cancel) or is paused (resume, cancel)."""
        cancel = Button(Text(N_("✖️ Cancel")), Action(Op.BC_CANCEL, value=broadcast_id))
        if status == "paused":
            text = Text(N_("⏸ Paused. Nobody else gets it until you resume."))
            row = (Button(Text(N_("▶️ Resume")), Action(Op.BC_RESUME, value=broadcast_id)), cancel)
        else:
            text = (
                Text(
                    N_("📤 Sending to {total} founders; I will keep you posted in one message."),
                    {"total": sent},
                )
                if sent
                else Text(N_("▶️ Sending again."))
            )
            row = (Button(Text(N_("⏸ Pause")), Action(Op.BC_PAUSE, value=broadcast_id)), cancel)
        return self.renderer.render(Reply((text,), (row,)), locale)

    async def _recipients(self, broadcast: Broadcast) -> list[tuple[Address, str]]:
        audience = Audience.from_json(dict(broadcast.audience or {}))
        found = self.subscribers.scan(audience)
        return [(s.address, s.lang or self.default_locale) async for s in found]

    async def fire(self, event: TimedEvent) -> None:
        """A scheduled broadcast's time: start it, unless it was cancelled meanwhile."""
        try:
            broadcast = await self.store.get(str(event.payload.get("id", "")))
        except BroadcastNotFound:
            return
        if broadcast.status != "scheduled":
            log.info("broadcast %s: not started, it is %s", broadcast.id, broadcast.status)
            return
        await self.store.start(broadcast.id, await self._recipients(broadcast), self.clock())
        log.info("broadcast %s: started on schedule", broadcast.id)

    # -- commands and the founders' side -------------------------------------------------------

    async def history(self, member: Address, locale: str) -> list[RenderedMessage]:
        """/broadcasts: the announcements, newest first, with their figures."""
        allowed, _ = await self._may(member, "broadcasts")
        if not allowed:
            return self._say(
                N_("Only service commissioners can see the announcements sent."), locale
            )
        recent = await self.store.recent(HISTORY_SHOWN)
        opens = await self.store.opens(b.id for b in recent)
        return [self.renderer.render(lists.history(recent, opens), locale)]

    async def news(self, founder: Address, locale: str) -> list[RenderedMessage]:
        """/news: the recent announcements that reach this founder, in their language."""
        state = await self.founders.peek(founder) if self.founders is not None else None
        reader = subscriber_of(state) if state is not None else None
        subscribed = reader is not None and await self.subscribers.is_subscribed(founder)
        if reader is None and state is not None:  # not subscribed: matched by their profile
            reader = subscriber_of(replace(state, prefs=replace(state.prefs, subscribed=True)))
        recent = await self.store.recent(20)
        reply = lists.news(recent, reader or Subscriber(founder, locale), locale, subscribed)
        return [self.renderer.render(reply, locale)]

    async def opened(self, founder: Address, value: str) -> str:
        """An announcement's link was tapped: counted once per founder; the flow to open."""
        flow, _, broadcast_id = value.partition(".")
        if broadcast_id:
            try:
                await self.store.opened(broadcast_id, founder)
            except StorageError as exc:  # the count is extra: the founder still gets the service
                log.warning("broadcast %s: open not counted: %s", broadcast_id, type(exc).__name__)
        return flow
