"""Telling founders what happened to their applications, in their own language."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.render import RenderedMessage, Renderer
from flows.menu import STATUS_NAMES, answer_button
from flows.outcome import Action, Block, Button, Op, Reply
from flows.policy import PolicyData
from flows.text import N_, Text
from storage.founders import FounderStore
from storage.statuses import StatusChange

log = logging.getLogger(__name__)
Send = Callable[[int, RenderedMessage], Awaitable[None]]


class FounderNotifier:
    """Sends a status change to the founder: their chosen language, else the submission's."""

    def __init__(
        self, renderer: Renderer, founders: FounderStore, policy: PolicyData, send: Send
    ) -> None:
        self.renderer = renderer
        self.founders = founders
        self.policy = policy
        self.send = send

    def message(self, change: StatusChange, programme: str) -> Reply:
        """The founder's message for one status change."""
        try:
            title: Block = self.policy.policy(programme).title
        except KeyError:
            title = Text.raw(programme)
        blocks: list[Text] = [
            Text(
                N_("📬 Your application {reference} ({title}): {status}."),
                {
                    "reference": change.reference,
                    "title": title,
                    "status": Text(STATUS_NAMES.get(change.status, N_("unknown"))),
                },
            )
        ]
        apps = Button(Text(N_("🗂 My applications")), Action(Op.APPS))
        if change.status == "more_info":
            if change.note:
                blocks.append(
                    Text(N_("The office asks: “{note}”"), {"note": Text.raw(change.note)})
                )
            blocks.append(Text(N_("Tap the button below to answer; you can add documents.")))
            return Reply(tuple(blocks), ((answer_button(change.reference),), (apps,)))
        if change.note:
            blocks.append(Text(N_("Note from the office: {note}"), {"note": Text.raw(change.note)}))
        return Reply(tuple(blocks), ((apps,),))

    async def status_changed(self, change: StatusChange, programme: str, locale: str) -> None:
        chosen = (await self.founders.prefs(change.user_id)).lang or locale
        rendered = self.renderer.render(self.message(change, programme), chosen)
        try:
            await self.send(change.user_id, rendered)
        except Exception as exc:  # noqa: BLE001 - recorded anyway; shown under My applications
            log.warning(
                "could not notify founder %s of %s: %s",
                change.user_id,
                change.reference,
                type(exc).__name__,
            )
