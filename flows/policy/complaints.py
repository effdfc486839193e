"""Complaint categories as policy data: what a founder may complain about, the articles that
forbid it, who handles it, through which channels, the deadline rule that applies and one
screen of what the founder can expect. `flows.policy.loader` calls the parser here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Final

from flows.engine.text import Localized
from flows.policy.entry import ID, Entry
from flows.policy.schema import Confidence

EXPECT_CHARS: Final = 900  # of `expect` in either language: one screen with its heading
BUTTON_CHARS: Final = 32  # of `button`: what a phone shows of a button alone on its row


@dataclass(frozen=True)
class ComplaintCategory:
    """One kind of complaint. `articles` are the Regulations' (Art. 5, 15, 54, 57, 65 ...);
    `law` names another law the category rests on as well (the payment-arrears regulations).
    `office` receives the complaint; `channels` are the links where the founder can also
    complain; `deadline` the id of the rule for when the office should have acted;
    `arrears`: the flow works out the payment terms first. `expect` never states a figure.
    `button`: a shorter title for its button (a phone cuts a long one), when the title is long."""

    id: str
    title: Localized
    articles: tuple[int, ...]
    law: Localized | None
    office: str
    channels: tuple[str, ...]
    deadline: str
    arrears: bool
    expect: Localized
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None
    button: Localized | None = None


def parse_complaint_category(
    e: Entry, offices: Collection[str], links: Collection[str], deadlines: Collection[str]
) -> ComplaintCategory:
    """Build a `ComplaintCategory`; its office, channels and deadline must exist."""
    ident, title, articles = e.text("id", ID), e.localized("title"), e.articles("articles")
    law = e.optional("law", e.localized)
    office = e.ref("office", offices, "office")
    channels = e.refs("channels", links, "link")
    deadline = e.ref("deadline", deadlines, "deadline")
    arrears = bool(e.optional("arrears", e.flag))
    expect = e.localized("expect")
    button = e.optional("button", e.localized)
    for lang, text in (("zh", button.zh), ("en", button.en)) if button else ():
        if len(text) > BUTTON_CHARS:
            e.fail(f"button.{lang}", f"{len(text)} characters; at most {BUTTON_CHARS}")
    for lang, text in (("zh", expect.zh), ("en", expect.en)):
        if len(text) > EXPECT_CHARS:
            e.fail(f"expect.{lang}", f"{len(text)} characters; at most {EXPECT_CHARS}")
    return ComplaintCategory(
        ident,
        title,
        articles,
        law,
        office,
        channels,
        deadline,
        arrears,
        expect,
        *e.provenance(),
        button=button,
    )
