"""What a service's bundle section is made from, and how one is declared (see __init__)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from bot.handoff.fonts import PdfFont
from bot.handoff.types import Attachment
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData

SERVICE_ID: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
# The common part's keys: a section, named after its service, cannot take one of them.
COMMON_KEYS: Final = frozenset({
    "schema_version", "reference", "kind", "service", "submitted_at", "locale", "office",
    "district", "applicant", "company", "attachments", "supplement",
})  # fmt: skip
# Answers that name the applicant: bundle.json's `applicant`, never kept in an anonymous one.
PERSONAL_ANSWERS: Final = ("applicant_name", "id_number", "mobile", "company_name", "credit_code")


@dataclass(frozen=True)
class SectionSource:
    """What a section builder is given: the submission delivered (for a supplement, the
    founder's answer), its case (a supplement's submission, else None), the policy data, and
    the submission's own answers without file answers (empty for a supplement; none that name
    the applicant when the bundle is anonymous)."""

    submission: Submission
    case: Submission | None
    policy: PolicyData
    answers: Mapping[str, Any]


SectionBuilder = Callable[[SectionSource], dict[str, Any]]
# Files a service makes at bundle time (a letter the founder confirmed), set in `font`.
SectionDocuments = Callable[[SectionSource, PdfFont], tuple[Attachment, ...]]


def _never(answers: Mapping[str, Any]) -> bool:
    del answers
    return False


def _no_documents(source: SectionSource, font: PdfFont) -> tuple[Attachment, ...]:
    del source, font
    return ()


@dataclass(frozen=True)
class Section:
    """One service's part of a version 2 bundle, under the key `service` (the flow id).

    `build` makes the section (docs/bundle/v2/<service>.schema.json); `requires_applicant`:
    the bundle is refused without the applicant's name, ID number and mobile; `anonymous`
    tells from the case's answers that the founder chose not to be named (then `applicant` and
    `company` are null and no answer names them); `v1`: version 1 can carry it (the subsidy,
    whose fields version 1 was made for: `programme`, `answers`); `documents` makes the
    files the bot itself writes for the service (none by default), delivered after the
    founder's own and listed in bundle.json's attachments like them.
    """

    service: str
    build: SectionBuilder
    requires_applicant: bool = False
    anonymous: Callable[[Mapping[str, Any]], bool] = _never
    v1: bool = False
    documents: SectionDocuments = _no_documents

    @property
    def makes_documents(self) -> bool:
        """Whether the bot writes files of its own for this service (then `documents` is run
        where PDFs are rendered, off the event loop)."""
        return self.documents is not _no_documents
