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
from bot.core.announcements import AnnouncementDesk
from bot.core.channel import Channel
from bot.core.inbound import Inbound
from bot.core.render import RenderedMessage
from bot.core.service import ConversationService, Founder
from flows.engine.address import Address
from flows.engine.events import Event

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
        event = inbound.event
        if self.desk is not None:
            answered, event = await self._desk(inbound, event)
            if answered is not None:
                await channel.send(inbound.chat, answered)
                return

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await channel.send(inbound.chat, messages)

        founder = Founder(inbound.sender, inbound.language_code)
        await self.service.handle(founder, event, deliver, inbound.update_id)

    async def _desk(
        self, inbound: Inbound, event: Event
    ) -> tuple[list[RenderedMessage] | None, Event]:
        """The broadcast desk's answer, or the event to give the conversation."""
        assert self.desk is not None
        if not self.desk.wants(event):
            return None, event  # ordinary answers and taps: no Redis read for them
        locale = await self.service.stored_locale(Founder(inbound.sender, inbound.language_code))
        return await self.desk.intercept(inbound.sender, event, locale)

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
        event = inbound.event
        if self.desk is not None:
            replies, event = await self._desk(inbound, event)
            if replies is not None:
                await answer(None)
                await channel.send(inbound.chat, replies)
                return
        answered = asyncio.create_task(answer(None))

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            await channel.send(inbound.chat, messages, edit=inbound.message_id)

        founder = Founder(inbound.sender, inbound.language_code)
        try:
            await self.service.handle(founder, event, deliver, inbound.update_id)
        finally:
            await answered
