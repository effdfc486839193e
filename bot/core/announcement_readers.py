"""The desk's readers: the commissioners' history (/broadcasts), the founders' /news, the opens
of an announcement's linked service, and forgetting a founder who erased their data. The
desk (`bot.core.announcements`) inherits them and supplies the stores and the role check."""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core import announcement_lists as lists
from bot.core.announcement_lists import HISTORY_SHOWN
from bot.core.render import RenderedMessage, Renderer
from flows.engine.address import Address
from flows.engine.audience import Subscriber
from flows.engine.text import N_
from flows.policy.loader import PolicyData
from storage.broadcasts import BroadcastStore
from storage.errors import StorageError
from storage.founders import FounderStore
from storage.subscribers import SubscriberStore, subscriber_of

log = logging.getLogger(__name__)


class Readers:
    """The lists and counts of the desk."""

    store: BroadcastStore
    subscribers: SubscriberStore
    founders: FounderStore | None
    renderer: Renderer
    policy: PolicyData | None

    async def _may(self, member: Address, action: str) -> tuple[bool, tuple[str, ...]]:
        raise NotImplementedError

    def _say(self, msgid: str, locale: str, **params: object) -> list[RenderedMessage]:
        raise NotImplementedError

    async def history(self, member: Address, locale: str) -> list[RenderedMessage]:
        """/broadcasts: the announcements, newest first, with their figures."""
        allowed, _ = await self._may(member, "broadcasts")
        if not allowed:
            return self._say(
                N_("Only service commissioners can see the announcements sent."), locale
            )
        recent = await self.store.recent(HISTORY_SHOWN)
        opens = await self.store.opens(b.id for b in recent)
        return [self.renderer.render(lists.history(recent, opens, self.policy), locale)]

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

    async def forget(self, founder: Address) -> None:
        """A founder erased their data: the broadcasts' records no longer name them."""
        await self.store.forget(founder)

    async def opened(self, founder: Address, value: str) -> str:
        """An announcement's link was tapped: counted once per founder; the flow to open."""
        flow, _, broadcast_id = value.partition(".")
        if broadcast_id:
            try:
                await self.store.opened(broadcast_id, founder)
            except StorageError as exc:  # the count is extra: the founder still gets the service
                log.warning("broadcast %s: open not counted: %s", broadcast_id, type(exc).__name__)
        return flow
