"""The renderer: turns flow replies into text and buttons in the founder's language."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.callbacks import Payload
from bot.core.i18n import Catalogs
from flows.engine.outcome import Block, Reply
from flows.engine.text import Localized, Text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedButton:
    """A labelled button; `action` is a founder's action or a staff member's case action."""

    label: str
    action: Payload


@dataclass(frozen=True)
class RenderedMessage:
    """A message ready for any channel: plain text and rows of labelled actions."""

    text: str
    buttons: tuple[tuple[RenderedButton, ...], ...] = ()
    replace: bool = False
    typed: bool = False


class Renderer:
    """Translates with the catalogs; the only place where msgids become words."""

    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs

    def text(self, block: Block, locale: str) -> str:
        if isinstance(block, Localized):
            return block.pick(locale)
        if block.literal:
            return block.msgid
        message = self.catalogs.gettext(locale, block.msgid)
        if not block.params:
            return message
        params = {key: self._param(value, locale) for key, value in block.params.items()}
        try:
            return message.format(**params)
        except (KeyError, IndexError, ValueError):
            log.error("catalog %s: placeholders of %r do not match", locale, block.msgid)
            return block.msgid.format(**params)

    def _param(self, value: Any, locale: str) -> str:
        if isinstance(value, (Text, Localized)):
            return self.text(value, locale)
        if isinstance(value, (list, tuple)):
            return ("、" if locale.startswith("zh") else ", ").join(
                self._param(v, locale) for v in value
            )
        return str(value)

    def spellings(self, block: Block) -> dict[str, str]:
        """How a block reads in each language the catalogs hold (the flows' `Context.spell`):
        what a founder may type for a button's label, and how long a page runs."""
        return {locale: self.text(block, locale) for locale in self.catalogs.locales}

    def render(self, reply: Reply, locale: str) -> RenderedMessage:
        text = ""
        for block in reply.blocks:
            part = self.text(block, locale)
            text += ("\n" if part.startswith("•") else "\n\n") + part if text else part
        buttons = tuple(
            tuple(RenderedButton(self.text(b.label, locale), b.action) for b in row)
            for row in reply.buttons
        )
        return RenderedMessage(text, buttons, reply.replace, reply.typed)

    def render_all(self, replies: Sequence[Reply], locale: str) -> list[RenderedMessage]:
        return [self.render(r, locale) for r in replies]
