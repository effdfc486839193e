"""Announcement topics as policy data: what a founder may subscribe to (subsidies, financing,
tax …), each with the Regulations' articles it relates to. `flows.policy.loader` calls the
parser here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from flows.engine.text import Localized
from flows.policy.entry import ID, Entry
from flows.policy.schema import Confidence

# The ids the screens and the broadcasts know; the data must give each one, and no other.
TOPIC_IDS: Final = (
    "subsidies",
    "financing",
    "tax",
    "innovation",
    "procurement",
    "training",
    "rights",
    "emergency",
)


@dataclass(frozen=True)
class Topic:
    """One announcement topic. `articles` are the Regulations' articles that say they are about
    it (empty where none says so plainly)."""

    id: str
    title: Localized
    articles: tuple[int, ...]
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


def parse_topic(e: Entry) -> Topic:
    """Build a `Topic`; its id must be one of `TOPIC_IDS`."""
    ident, title = e.choice("id", TOPIC_IDS, e.text("id", ID)), e.localized("title")
    articles = e.articles("articles") if e.get("articles") != [] else ()
    return Topic(ident, title, articles, *e.provenance())
