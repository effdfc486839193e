"""The front door every channel's updates come through: staff chats and case buttons go to the
staff desk, admin commands (/grant, /revoke, /roles) in a private chat to the admin desk, a
founder's other private messages and taps to the conversation service.

A runtime narrows its library's update (`bot.core.inbound`) and calls `message` or `tap`; it
decides nothing. `Answer` stops the client's spinner on a tap, with a notice where there is one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Protocol

from bot.core.admin import AdminDesk
from bot.core.announcements import DESK_COMMANDS, DESK_OPS, AnnouncementDesk
from bot.core.channel import Channel
from bot.core.inbound import Inbound
from bot.core.render import RenderedMessage
from bot.core.service import ConversationService, Founder
from flows.engine.address import Address
from flows.engine.events import Event, EventKind
from flows.engine.outcome import Action, Op

Answer = Callable[
    [str | None], Coroutine[Any, Any, None]
]  # answer a tap, with an alert text or not


class StaffHandler(Protocol):
    """What the front needs of a staff desk (the hand-off's `StaffDesk`)."""

    @property
    def chats(self) -> Collection[Address]:
        """The staff chats: messages there are the staff's."""
        ...

    async def on_tap(self, tap: Inbound, channel: Channel) -> str | None:
        """Act on a case button; an alert to show the one who tapped, or None."""
        ...

    async def on_reply(self, message: Inbound, channel: Channel) -> bool:
        """Take a staff member's reason or question; whether it was one."""
        ...


class Front:
    """Routes narrowed updates; the same for every runtime."""

    def __init__(
        self,
        service: ConversationService,
        staff: StaffHandler | None = None,
        admin: AdminDesk | None = None,
        desk: AnnouncementDesk | None = None,
    ) -> None:
        self.service = service
        self.staff = staff
        self.admin = admin
        self.desk = desk  # the commissioners' broadcasts and the founders' /news

    async def message(self, inbound: Inbound, channel: Channel) -> None:
        """A message: a reply in a staff chat, else a founder's answer in a private chat."""
        if self.staff is not None and inbound.chat in self.staff.chats:
            await self.staff.on_reply(inbound, channel)
            return
        if not inbound.private:
            return
        if self.admin is not None and self.admin.handles(inbound):
            await self.admin.on_command(inbound, channel)
            return
        if self.desk is not None and await self._desk_command(inbound, channel):
            return

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await channel.send(inbound.chat, messages)

        founder = Founder(inbound.sender, inbound.language_code)
        await self.service.handle(founder, inbound.event, deliver, inbound.update_id)

    async def tap(self, inbound: Inbound, channel: Channel, answer: Answer) -> None:
        """A button: a staff member's on a case, else a founder's (answered at once, so the
        spinner stops while the turn runs; a `replace` reply edits the tapped message)."""
        if inbound.tap is not None:
            alert = await self.staff.on_tap(inbound, channel) if self.staff is not None else None
            await answer(alert)
            return
        if not inbound.private:  # a founder's buttons live in their private chat only
            await answer(None)
            return
        action = inbound.event.action
        if self.desk is not None and action is not None and action.op in DESK_OPS:
            await answer(None)
            locale = self.service.locale(None, Founder(inbound.sender, inbound.language_code))
            await channel.send(
                inbound.chat, await self.desk.on_action(inbound.sender, action, locale)
            )
            return
        event = inbound.event
        if self.desk is not None and action is not None and action.op is Op.NEWS_OPEN:
            flow = await self.desk.opened(inbound.sender, action.value)
            event = Event.of_action(Action(Op.OPEN, value=flow))
        answered = asyncio.create_task(answer(None))

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await channel.send(inbound.chat, messages, edit=inbound.message_id)

        founder = Founder(inbound.sender, inbound.language_code)
        try:
            await self.service.handle(founder, event, deliver, inbound.update_id)
        finally:
            await answered

    async def _desk_command(self, inbound: Inbound, channel: Channel) -> bool:
        """/broadcasts and /news answered by the broadcast desk; /announce refused there for
        anyone but a commissioner (logged), else left to the conversation, which opens the
        composer. Whether the desk answered."""
        assert self.desk is not None
        event = inbound.event
        if event.kind is not EventKind.COMMAND or event.command not in DESK_COMMANDS:
            return False
        founder = Founder(inbound.sender, inbound.language_code)
        stored = await self.service.store.prefs(inbound.sender)
        locale = self.service.locale(stored.lang, founder)
        if event.command == "news":
            await channel.send(inbound.chat, await self.desk.news(inbound.sender, locale))
            return True
        if event.command == "broadcasts":
            await channel.send(inbound.chat, await self.desk.history(inbound.sender, locale))
            return True
        refusal = await self.desk.may_compose(inbound.sender, locale)
        if refusal:
            await channel.send(inbound.chat, refusal)
        return bool(refusal)
