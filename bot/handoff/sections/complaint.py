"""The complaint's section of a bundle: the category and the articles it rests on, whether it
is an anonymous tip-off, the deadline the founder was given, and the answers (respondent,
what happened, when, amount, the outcome wanted). An anonymous tip-off's bundle has no
applicant and no answer that names the founder (the common part sees to that)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.handoff.sections.base import Section, SectionSource

ANONYMOUS_ANSWERS = ("anonymous", "identity")  # how the flow may record the founder's choice


def anonymous(answers: Mapping[str, Any]) -> bool:
    """Whether the founder chose an anonymous tip-off."""
    return answers.get("anonymous") is True or answers.get("identity") == "anonymous"


def _category(source: SectionSource) -> dict[str, Any]:
    answers = (source.case or source.submission).answers
    category = str(answers.get("category") or source.submission.programme or "other")
    found = None
    lookup = getattr(source.policy, "complaint_category", None)
    if callable(lookup):
        try:
            found = lookup(category)
        except KeyError:
            found = None
    if found is None:
        return {"id": category}
    title = found.title
    return {
        "id": category,
        "title": {"zh": title.zh, "en": title.en},
        "articles": list(getattr(found, "articles", ())),
    }


def _deadline(answers: Mapping[str, Any]) -> dict[str, Any] | None:
    value = answers.get("deadline")
    if isinstance(value, str):
        return {"date": value}
    if isinstance(value, Mapping) and isinstance(value.get("date"), str):
        kept = ("date", "rule", "approximate")
        return {k: value[k] for k in kept if k in value}
    return None


def complaint_section(source: SectionSource) -> dict[str, Any]:
    """docs/bundle/v2/complaint.schema.json."""
    answers = (source.case or source.submission).answers
    drop = {"category", "deadline", *ANONYMOUS_ANSWERS}
    return {
        "category": _category(source),
        "anonymous": anonymous(answers),
        "deadline": _deadline(answers),
        "answers": {k: v for k, v in source.answers.items() if k not in drop},
    }


COMPLAINT = Section("complaint", complaint_section, anonymous=anonymous)
