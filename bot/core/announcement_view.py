"""How an announcement reads: the founders' messages in each language (the commissioner's text,
a button into the linked service, 🔕 Unsubscribe) as the payload a broadcast stores, and the
lines the commissioners see about it (the preview's question, the history).

The payload is what the broadcaster sends (`bot.workers.broadcast_send`): rendered text and
buttons by language, so the preview is exactly what founders get."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core.callbacks import pack
from bot.core.render import RenderedMessage, Renderer
from flows.engine.districts import DISTRICTS
from flows.engine.outcome import Action, Block, Button, Op, Reply
from flows.engine.periods import SHANGHAI
from flows.engine.spec import Announcement
from flows.engine.text import N_, Localized, Text
from flows.policy.loader import PolicyData
from flows.services.announce.fields import LINKS, SIZES
from flows.shell.subscription import unsubscribe_button

LANGUAGES = ("zh_CN", "en")
SERVICE_TITLES = {o.value: o.block() for o in LINKS if o.value != "none"}  # the composer's
STATUS_NAMES = {
    "scheduled": N_("waiting"),
    "running": N_("sending"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "done": N_("sent"),
}


def when(epoch: float) -> str:
    """A moment as commissioners read it: Shanghai time, to the minute."""
    return f"{datetime.fromtimestamp(epoch, SHANGHAI):%Y-%m-%d %H:%M}"


def founder_reply(announcement: Announcement, locale: str, broadcast_id: str) -> Reply:
    """The announcement as a founder of `locale` gets it: their language's text, else the
    other's; the link button counts who opened the service from it."""
    text = announcement.texts.get(locale) or next(iter(announcement.texts.values()))
    buttons: list[tuple[Button, ...]] = []
    if announcement.link:
        label = Text(N_("▶️ {service}"), {"service": SERVICE_TITLES[announcement.link]})
        opened = Action(Op.NEWS_OPEN, value=f"{announcement.link}.{broadcast_id}")
        buttons.append((Button(label, opened),))
    buttons.append((unsubscribe_button(),))
    return Reply((Text.raw(text),), tuple(buttons))


def as_json(message: RenderedMessage) -> dict[str, Any]:
    """A rendered message as the broadcast payload keeps it."""
    rows = [[{"label": b.label, "data": pack(b.action)} for b in row] for row in message.buttons]
    return {"text": message.text, "buttons": rows}


def payload(
    announcement: Announcement, renderer: Renderer, broadcast_id: str, author: str
) -> dict[str, Any]:
    """What the broadcast stores: the messages in both languages, the attachment to fetch,
    and what the history shows (the texts, the link, the send time)."""
    messages = {
        locale: [
            as_json(renderer.render(founder_reply(announcement, locale, broadcast_id), locale))
        ]
        for locale in LANGUAGES
    }
    found: dict[str, Any] = {
        "messages": messages,
        "texts": dict(announcement.texts),
        "link": announcement.link,
        "send_at": announcement.send_at,
    }
    if announcement.attachment:
        file = announcement.attachment
        found["attachment"] = {
            "owner": author,
            "file_id": str(file["file_id"]),
            "name": str(file.get("name") or "attachment"),
        }
    return found


def audience_line(audience: Mapping[str, Any], policy: PolicyData | None = None) -> Text:
    """Who a broadcast goes to, in words of the reader's language: every subscriber, or those of
    the districts (names from the district data), then the industries, sizes and topics chosen
    (names from `policy` when given)."""
    chosen = {k: tuple(map(str, v)) for k, v in audience.items() if v}
    if not chosen:
        return Text(N_("all subscribers"))
    districts = chosen.get("districts")
    line = (
        Text(N_("subscribers in {districts}"), {"districts": names("districts", districts, policy)})
        if districts
        else Text(N_("subscribers"))
    )
    for dimension, msgid in MORE:
        if chosen.get(dimension):
            found = names(dimension, chosen[dimension], policy)
            line = Text(msgid, {"audience": line, "names": found})
    return line


MORE = (
    ("industries", N_("{audience}; industries: {names}")),
    ("sizes", N_("{audience}; sizes: {names}")),
    ("topics", N_("{audience}; topics: {names}")),
)
SIZE_NAMES = {o.value: o.block() for o in SIZES}


def names(dimension: str, codes: tuple[str, ...], policy: PolicyData | None) -> tuple[Block, ...]:
    """Each code's name in both languages (the code itself when the data has none)."""
    known: dict[str, Block] = {}
    if dimension == "districts":
        known = {d.code: Localized(d.zh, d.en) for d in DISTRICTS}
    elif dimension == "sizes":
        known = dict(SIZE_NAMES)
    elif dimension == "industries" and policy is not None:
        known = {i.code: i.name for i in policy.industries}
    elif dimension == "topics" and policy is not None:
        known = {t.id: t.title for t in getattr(policy, "topics", ())}
    return tuple(known.get(code) or Text.raw(code) for code in codes)
