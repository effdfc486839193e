"""A founder driving the pure conversation through the real renderer and the compiled catalogs:
every reply is rendered as a channel would send it, and kept for the checks."""

from __future__ import annotations

import itertools
from datetime import date
from pathlib import Path

from bot.core.i18n import Catalogs
from bot.core.render import RenderedMessage, Renderer
from flows.engine.address import Address
from flows.engine.draft import Draft, FounderState
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows

ROOT = Path(__file__).resolve().parent.parent
POLICY = load_policy_data()
FLOWS = all_flows(POLICY)
RENDERER = Renderer(Catalogs(ROOT / "locales"))
TODAY = date(2026, 11, 28)


class Chat:
    """One founder in one language; `sent` holds every message rendered so far."""

    def __init__(self, locale: str = "en", state: FounderState | None = None) -> None:
        self.locale = locale
        self.conv = Conversation(FLOWS, POLICY, spell=RENDERER.spellings)
        self.state = state or FounderState(founder=Address.telegram(42))
        self.screen: Reply | None = None
        self.replies: list[Reply] = []
        self.sent: list[RenderedMessage] = []
        self.refs = (f"SUB-20261128-{n:06d}" for n in itertools.count(1))

    def send(self, event: Event) -> list[RenderedMessage]:
        self.replies = self.conv.handle(
            self.state, event, 1.0, TODAY, locale=self.locale, reference=next(self.refs)
        )
        shown = [r for r in self.replies if r.buttons]
        if shown:
            self.screen = shown[-1]
        rendered = RENDERER.render_all(self.replies, self.locale)
        self.sent += rendered
        return rendered

    def command(self, name: str, arg: str = "") -> list[RenderedMessage]:
        return self.send(Event.of_command(name, arg))

    def type(self, text: str) -> list[RenderedMessage]:
        return self.send(Event.of_text(text))

    def actions(self) -> list[Action]:
        assert self.screen is not None, "no screen shown yet"
        return [b.action for row in self.screen.buttons for b in row]

    def tap(self, op: Op, value: str = "") -> list[RenderedMessage]:
        found = [a for a in self.actions() if a.op is op and (not value or a.value == value)]
        assert found, f"no {op} {value!r} on the screen: {self.actions()}"
        return self.send(Event.of_action(found[0]))

    def upload(self, name: str, mime: str = "application/pdf") -> list[RenderedMessage]:
        file = FileRef(f"id-{name}", name, mime, 1000, unique=f"u-{name}", sniffed=mime)
        return self.send(Event(EventKind.FILE, file=file))

    def draft(self, flow: str) -> Draft:
        return self.state.drafts[flow]

    @property
    def text(self) -> str:
        """The text of the messages the last event brought."""
        return "\n\n".join(m.text for m in RENDERER.render_all(self.replies, self.locale))
