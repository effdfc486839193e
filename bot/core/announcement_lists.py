"""The lists about announcements: the commissioners' history (/broadcasts: each with its
figures and how many recipients opened its linked service) and the founders' /news (recent
announcements that reach them, in their language)."""

from __future__ import annotations

from bot.core.announcement_view import STATUS_NAMES, audience_line, when
from flows.engine.audience import Audience, Subscriber, matches
from flows.engine.outcome import Reply
from flows.engine.text import N_, Text, clip
from flows.policy.loader import PolicyData
from flows.shell.subscription import subscribe_button
from storage.broadcasts import Broadcast

HISTORY_SHOWN, NEWS_SHOWN = 10, 3
NEWS_CHARS = 1000  # of the founder's /news message: it stays within a phone's screenful


def history(
    broadcasts: list[Broadcast], opens: dict[str, int], policy: PolicyData | None = None
) -> Reply:
    """Past announcements, newest first: when, the text's start, status, the figures."""
    if not broadcasts:
        return Reply((Text(N_("No announcements yet. Compose one with /announce.")),))
    lines: list[Text] = [Text(N_("📢 Announcements, newest first:"))]
    for b in broadcasts[:HISTORY_SHOWN]:
        texts = b.payload.get("texts") or {}
        first = clip(str(texts.get("zh_CN") or next(iter(texts.values()), "")), 40)
        c = b.counts
        lines.append(
            Text(
                N_(
                    "• {time} · {text} · {status} · {audience}: delivered {delivered} of "
                    "{total}, blocked {blocked}, failed {failed}; opened the service {opened}"
                ),
                {
                    "time": when(b.created_at),
                    "text": Text.raw(first),
                    "status": Text(STATUS_NAMES.get(b.status, b.status)),
                    "audience": audience_line(b.audience or {}, policy),
                    "delivered": c.delivered,
                    "total": c.total,
                    "blocked": c.blocked,
                    "failed": c.failed,
                    "opened": opens.get(b.id, 0),
                },
            )
        )
    return Reply(tuple(lines))


def news(broadcasts: list[Broadcast], reader: Subscriber, locale: str, subscribed: bool) -> Reply:
    """The announcements sent lately that reach this founder, in their language."""
    shown: list[Text] = []
    used = 0
    for b in broadcasts:
        if b.status not in ("running", "done"):
            continue
        if not matches(Audience.from_json(dict(b.audience or {})), reader):
            continue
        texts = b.payload.get("texts") or {}
        text = str(texts.get(locale) or texts.get("zh_CN") or "")
        room = min(NEWS_CHARS - used, 400)
        if room < 40 or len(shown) >= NEWS_SHOWN:
            break
        entry = clip(text, room)
        used += len(entry) + 20
        shown.append(
            Text(N_("📢 {time}\n{text}"), {"time": when(b.created_at), "text": Text.raw(entry)})
        )
    buttons = () if subscribed else ((subscribe_button(),),)
    if not shown:
        return Reply((Text(N_("No announcements for you yet.")),), buttons)
    return Reply((Text(N_("Recent announcements:")), *shown), buttons)
