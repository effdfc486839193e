"""The subsidy application's section of a bundle: the programme applied for and the answers."""

from __future__ import annotations

from typing import Any

from bot.handoff.sections.base import Section, SectionSource


def subsidy_section(source: SectionSource) -> dict[str, Any]:
    """{"programme": {id, title, articles}, "answers": {...}} (docs/bundle/v2/subsidy.schema.json)."""
    programme = source.policy.programme(source.submission.programme)
    policy = source.policy.policy(programme.policy)
    return {
        "programme": {
            "id": programme.id,
            "title": {"zh": policy.title.zh, "en": policy.title.en},
            "articles": list(policy.articles),
        },
        "answers": dict(source.answers),
    }


SUBSIDY = Section("subsidy", subsidy_section, requires_applicant=True, v1=True)
