"""Reminders a founder asked for on a step that waits for a day (flows.engine.waiting): a
durable timed event per founder and flow, fired at REMIND_AT Shanghai time on that day, with
a button back into the saved draft.

What a draft says is the truth, and the event follows it: the service compares each draft's
`remind_on` before and after a turn and schedules a new day *before* the commit (a commit
that fails leaves an event no draft asks for), cancels a dropped one *after* it (a crash in
between leaves the same). So the handler checks the draft first: it reminds only when the
draft is still open and still holds that day. Submitting, discarding, cancelling the
reminder, changing the answer the day came from, or erasing one's data all leave nothing to
remind of. A marker in the founder's key space, set before sending, makes it arrive once
even when the event fires again after a lost lease; a send that fails clears it, so the
event is tried again."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from flows.engine.address import Address
from flows.engine.draft import FounderState
from flows.engine.outcome import Action, Button, Op, Reply
from flows.engine.periods import SHANGHAI
from flows.engine.text import N_, Text
from storage.timers import TimedEvent, TimerStore

if TYPE_CHECKING:
    from bot.core.channel import Channels
    from bot.core.render import Renderer
    from storage.founders import FounderStore

log = logging.getLogger(__name__)
REMINDER = "draft.reminder"  # the timed event's kind
REMIND_AT = time(9, 0)
MARK_TTL_S = 40 * 86_400  # the once-marker outlives any redelivery of its event


def reminder_id(founder: Address, flow: str) -> str:
    return f"remind.{founder.key}.{flow}"


def remind_time(day: date) -> float:
    """REMIND_AT Shanghai time on `day`, in epoch seconds."""
    return datetime.combine(day, REMIND_AT, SHANGHAI).timestamp()


def planned(state: FounderState) -> dict[str, str]:
    """flow id → the day its open draft asks to be reminded on."""
    return {
        flow: draft.remind_on
        for flow, draft in state.drafts.items()
        if draft.remind_on and not draft.finished
    }


class DraftReminders:
    """Schedules, cancels and sends the reminders drafts ask for. `titles`: flow id → its
    title msgid, for the message; `default_locale` when the founder chose none."""

    def __init__(
        self,
        timers: TimerStore,
        founders: FounderStore,
        renderer: Renderer,
        channels: Channels,
        titles: Mapping[str, str],
        default_locale: str = "zh_CN",
    ) -> None:
        self.timers = timers
        self.founders = founders
        self.renderer = renderer
        self.channels = channels
        self.titles = titles
        self.default_locale = default_locale

    async def schedule(
        self, founder: Address, before: Mapping[str, str], after: Mapping[str, str]
    ) -> None:
        """Before the commit: an event for each day asked for anew (the same id replaces)."""
        for flow, day in after.items():
            if before.get(flow) == day:
                continue
            payload = {"founder": str(founder), "flow": flow, "on": day}
            when = remind_time(date.fromisoformat(day))
            await self.timers.schedule(reminder_id(founder, flow), REMINDER, when, payload)
            log.info("founder %s: reminder for %s on %s", founder, flow, day)

    async def cancel(
        self, founder: Address, before: Mapping[str, str], after: Mapping[str, str]
    ) -> None:
        """After the commit: the events no draft asks for any more."""
        for flow in before:
            if flow not in after and await self.timers.cancel(reminder_id(founder, flow)):
                log.info("founder %s: reminder for %s cancelled", founder, flow)

    async def fire(self, event: TimedEvent) -> None:
        """The timed event's handler: remind once, if the draft still asks for it."""
        try:
            founder = Address.parse(str(event.payload["founder"]))
            flow, day = str(event.payload["flow"]), str(event.payload["on"])
        except (KeyError, ValueError):
            log.error("reminder %s: malformed payload, dropped", event.id)
            return
        state = await self.founders.peek(founder)
        draft = state.drafts.get(flow)
        if draft is None or draft.finished or draft.remind_on != day:
            log.info("founder %s: reminder for %s on %s no longer asked for", founder, flow, day)
            return
        mark = self.founders.keys.founder(founder, "reminded", flow, day)
        if not await self.founders.redis.set(mark, "1", nx=True, ex=MARK_TTL_S):
            log.info("founder %s: reminder for %s on %s sent before", founder, flow, day)
            return
        locale = state.prefs.lang or self.default_locale
        try:
            await self.channels.send(
                founder, [self.renderer.render(self._message(flow, day), locale)]
            )
        except BaseException:
            await self.founders.redis.delete(mark)
            raise
        log.info("founder %s: reminded of %s", founder, flow)

    def _message(self, flow: str, day: str) -> Reply:
        title = Text(self.titles.get(flow, flow))
        shown = {"date": Text.raw(day), "title": title}
        return Reply(
            (
                Text(N_("🔔 Today, {date}, is the day you asked me to remind you of."), shown),
                Text(N_("Your answers to {title} are saved: continue where you stopped."), shown),
            ),
            (
                (Button(Text(N_("▶️ Continue {title}"), shown), Action(Op.OPEN, value=flow)),),
                (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),),
            ),
        )
