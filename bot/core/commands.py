"""What every Telegram runtime sets up the same way: the updates it asks for and the commands
menu, in Chinese and English (and the default language for clients in other languages)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.core.channel import Channel
from bot.core.render import Renderer
from flows.engine.text import Text
from flows.shell.menu import COMMANDS, LOCALES

ALLOWED_UPDATES = ["message", "callback_query"]
# language code ('' for every other client) -> (command, description)
Menu = dict[str, list[tuple[str, str]]]


def commands_menu(renderer: Renderer, default_locale: str) -> Menu:
    """The commands menu per client language."""
    menu: Menu = {}
    for locale in LOCALES:
        menu[locale.split("_")[0]] = [(c, renderer.text(Text(d), locale)) for c, d in COMMANDS]
        if locale == default_locale:
            menu[""] = menu[locale.split("_")[0]]
    return menu


class BadUpdate(ValueError):
    """A webhook body that is not a Telegram update."""


class TelegramRuntime(Protocol):
    """A Telegram library running the bot: the same behaviour whichever it is (`BOT_RUNTIME`)."""

    @property
    def channel(self) -> Channel:
        """The runtime's way out."""
        ...

    async def start(self, menu: Menu) -> None:
        """Connect, and set the commands menu."""
        ...

    async def poll(self, stop: asyncio.Event) -> None:
        """Long polling until `stop` is set."""
        ...

    def accept(self, update: dict[str, Any]) -> Callable[[], Coroutine[Any, Any, None]]:
        """Read one webhook update (`BadUpdate` if it is none); the call that processes it."""
        ...

    async def set_webhook(self, url: str, secret: str) -> None: ...

    async def close(self) -> None: ...
