"""The commissioner's buttons on a broadcast: send now, schedule (a durable timed event that
starts it, unless it was cancelled meanwhile), discard, pause, resume, cancel. Each checks the
role again (`Desk._may`); the desk (`bot.core.announcements`) inherits them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.core.announcement_view import STATUS_NAMES as STATUS_NAME
from bot.core.announcement_view import when
from bot.core.render import RenderedMessage, Renderer
from flows.engine.address import Address
from flows.engine.audience import Audience
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.text import N_, Text
from storage.broadcasts import Broadcast, BroadcastNotFound, BroadcastStore
from storage.subscribers import SubscriberStore
from storage.timers import TimedEvent, TimerStore

log = logging.getLogger(__name__)
START = "broadcast.start"  # the timed event of a scheduled broadcast


def start_id(broadcast_id: str) -> str:
    return f"broadcast.{broadcast_id}"


class Steering:
    """The buttons' side of the desk; the desk supplies the stores and the role check."""

    store: BroadcastStore
    subscribers: SubscriberStore
    timers: TimerStore
    renderer: Renderer
    clock: Callable[[], float]
    default_locale: str

    async def _may(self, member: Address, action: str) -> tuple[bool, tuple[str, ...]]:
        raise NotImplementedError

    def _say(self, msgid: str, locale: str, **params: object) -> list[RenderedMessage]:
        raise NotImplementedError

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
            counts = await self.store.counts(broadcast.id)
            return self._say(
                N_(
                    "✖️ Cancelled: nobody else will get it. Delivered {delivered} of {total}, "
                    "blocked {blocked}, failed {failed}."
                ),
                locale,
                delivered=counts.delivered,
                total=counts.total,
                blocked=counts.blocked,
                failed=counts.failed,
            )
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
                    N_(
                        "📤 Sending to {total} founders. A message of its own shows the progress, "
                        "kept up to date, and then the report."
                    ),
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
