"""The complaint's section of a bundle: the category and the articles it rests on, whether it
is an anonymous tip-off, the deadline the founder was given, and the answers (respondent,
what happened, when, amount, the outcome wanted). An anonymous tip-off's bundle has no
applicant and no answer that names the founder (the common part sees to that)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.handoff.sections.base import Section, SectionSource
from flows.engine.draft import quotable_deadline

ANONYMOUS_ANSWERS = ("anonymous", "identity")  # how the flow records the founder's choice
DEADLINE_ANSWERS = (
    "deadline",
    "deadline_latest",
    "deadline_rule",
    "deadline_quotable",
    "deadline_approximate",
)


def anonymous(answers: Mapping[str, Any]) -> bool:
    """Whether the founder chose an anonymous tip-off."""
    return answers.get("anonymous") is True or answers.get("identity") == "anonymous"


def _category(source: SectionSource) -> dict[str, Any]:
    answers = (source.case or source.submission).answers
    category = str(answers.get("category") or source.submission.programme or "other")
    try:
        found = source.policy.complaint_category(category)
    except KeyError:
        return {"id": category}
    return {
        "id": category,
        "title": {"zh": found.title.zh, "en": found.title.en},
        "articles": list(found.articles),
    }


def _deadline(answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deadline the founder was given, with its rule and whether the bot could state it
    (its rule checked by a person), or None when none was computed."""
    value = answers.get("deadline")
    if isinstance(value, Mapping):
        value = value.get("date")
    if not isinstance(value, str):
        return None
    found: dict[str, Any] = {"date": value, "quotable": quotable_deadline(answers) is not None}
    if isinstance(answers.get("deadline_rule"), str):
        found["rule"] = answers["deadline_rule"]
    if isinstance(answers.get("deadline_latest"), str):
        found["latest"] = answers["deadline_latest"]
    found["approximate"] = bool(answers.get("deadline_approximate"))
    return found


def complaint_section(source: SectionSource) -> dict[str, Any]:
    """docs/bundle/v2/complaint.schema.json."""
    answers = (source.case or source.submission).answers
    drop = {"category", *ANONYMOUS_ANSWERS, *DEADLINE_ANSWERS}
    return {
        "category": _category(source),
        "anonymous": anonymous(answers),
        "deadline": _deadline(answers),
        "answers": {k: v for k, v in source.answers.items() if k not in drop},
    }


COMPLAINT = Section("complaint", complaint_section, anonymous=anonymous)
