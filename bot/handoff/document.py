"""bundle.json's content, in either version an agency takes (docs/bundle/v1/, docs/bundle/v2/).

Version 2 is a common part for every service plus one section under the service's key, made
by the service's registered `Section` (bot.handoff.sections); version 1 is the subsidy's
original layout, kept for agencies integrated on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.handoff.sections import PERSONAL_ANSWERS, SECTIONS, Section, Sections, SectionSource
from bot.handoff.types import (
    BUNDLE_SCHEMA_VERSION,
    BUNDLE_VERSIONS,
    Attachment,
    UnsupportedBundle,
)
from flows.engine.districts import by_code
from flows.engine.draft import Submission
from flows.engine.text import Localized
from flows.policy.citing import office_name
from flows.policy.loader import PolicyData

APPLICANT = (("applicant_name", "name"), ("id_number", "id_number"), ("mobile", "mobile"))


def rfc3339(moment: float | str) -> str:
    """A Unix time as RFC 3339 UTC (2026-11-28T09:30:00Z); a string is taken as already one."""
    if isinstance(moment, str):
        return moment
    when = datetime.fromtimestamp(moment, UTC)
    return when.isoformat(timespec="seconds").replace("+00:00", "Z")


def _localized(text: Localized) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _is_file_answer(name: str, value: Any) -> bool:
    if name.startswith("doc_"):
        return True
    return isinstance(value, list) and any(isinstance(v, dict) and "file_id" in v for v in value)


def _required(answers: Mapping[str, Any], name: str) -> str:
    value = answers.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"answers.{name}: missing; a bundle needs the applicant's {name}")
    return value


def _applicant(answers: Mapping[str, Any], *, required: bool) -> dict[str, str] | None:
    """The applicant from the answers: all three fields when `required`, else those given
    (None when there are none)."""
    if required:
        return {key: _required(answers, name) for name, key in APPLICANT}
    given = {key: answers[name] for name, key in APPLICANT if answers.get(name)}
    return {key: str(value) for key, value in given.items()} or None


def _company(answers: Mapping[str, Any], *, partial: bool = False) -> dict[str, str] | None:
    """The business from the answers: both fields (version 1), or those given (`partial`)."""
    if answers.get("company_name") is None and answers.get("credit_code") is None:
        return None
    company = {
        "name": str(answers.get("company_name") or ""),
        "credit_code": str(answers.get("credit_code") or ""),
    }
    return ({k: v for k, v in company.items() if v} or None) if partial else company


FOLLOW_UP_FIELDS = ("escalate_to", "verdict")  # what a request for supervision or a rating adds


def _supplement(submission: Submission, case: Submission | None) -> dict[str, str] | None:
    if (case is None) != (not submission.parent):
        raise ValueError("case: given exactly when the submission is a supplement")
    if case is None:
        return None
    if case.reference != submission.parent:
        raise ValueError(f"case: {case.reference} is not {submission.parent}")
    supplement = {
        "case_reference": case.reference,
        "question": str(submission.answers.get("question") or ""),
        "text": str(submission.answers.get("answer") or ""),
        "answered_at": rfc3339(submission.submitted_at),
    }
    # a complaint's follow-up (version 2 only: an answer to a question has no purpose field)
    purpose = str(submission.answers.get("purpose") or "answer")
    if purpose != "answer":
        supplement["purpose"] = purpose
        for name in FOLLOW_UP_FIELDS:
            if submission.answers.get(name):
                supplement[name] = str(submission.answers[name])
    return supplement


def _district(code: str, *, optional: bool) -> dict[str, Any] | None:
    if not code and optional:
        return None
    district = by_code(code)
    if district is None:
        raise ValueError(f"district: unknown district code {code!r}")
    return {"code": district.code, "name": {"zh": district.zh, "en": district.en}}


def _attachments(attachments: Sequence[Attachment]) -> list[dict[str, Any]]:
    return [
        {
            "name": a.name,
            "mime": a.mime,
            "size": len(a.content),
            "sha256": hashlib.sha256(a.content).hexdigest(),
            "document": a.document,
        }
        for a in attachments
    ]


def service_of(submission: Submission, case: Submission | None = None) -> str:
    """The service a delivery belongs to: its flow, or for a supplement its case's flow."""
    return (case or submission).flow


def _common(
    submission: Submission, policy: PolicyData, case: Submission | None, *, optional: bool
) -> dict[str, Any]:
    """The fields both versions share, in the same words."""
    district = _district(submission.district, optional=optional)
    return {
        "reference": submission.reference,
        "kind": "supplement" if case else "submission",
        "submitted_at": rfc3339(submission.submitted_at),
        "locale": submission.locale,
        "office": {
            "id": submission.office,
            "name": _localized(office_name(policy, submission.office, submission.district)),
        },
        "district": district,
    }


def _own_answers(submission: Submission, case: Submission | None) -> dict[str, Any]:
    """The submission's answers without file answers (a supplement's are its own: none)."""
    own = {} if case else submission.answers
    return {k: v for k, v in own.items() if not _is_file_answer(k, v)}


def section_source(
    submission: Submission, policy: PolicyData, case: Submission | None, section: Section
) -> SectionSource:
    """What `section` builds from (and makes its documents from) in a version 2 bundle."""
    own = _own_answers(submission, case)
    if section.anonymous((case or submission).answers):
        own = {k: v for k, v in own.items() if k not in PERSONAL_ANSWERS}
    return SectionSource(submission, case, policy, own)


def _v2(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    case: Submission | None,
    section: Section,
) -> dict[str, Any]:
    answers = (case or submission).answers
    anonymous = section.anonymous(answers)
    applicant = None if anonymous else _applicant(answers, required=section.requires_applicant)
    return {
        "schema_version": 2,
        "service": section.service,
        **_common(submission, policy, case, optional=True),
        "applicant": applicant,
        "company": None if anonymous else _company(answers, partial=True),
        "attachments": _attachments(attachments),
        section.service: section.build(section_source(submission, policy, case, section)),
    }


def _v1(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    case: Submission | None,
    section: Section,
) -> dict[str, Any]:
    answers = (case or submission).answers
    own = _own_answers(submission, case)
    part = section.build(SectionSource(submission, case, policy, own))
    return {
        "schema_version": 1,
        "flow": submission.flow,
        **_common(submission, policy, case, optional=False),
        "programme": part["programme"],
        "applicant": _applicant(answers, required=True),
        "company": _company(answers),
        "answers": own,
        "attachments": _attachments(attachments),
    }


def section_for(
    submission: Submission,
    case: Submission | None = None,
    *,
    version: int = BUNDLE_SCHEMA_VERSION,
    sections: Sections = SECTIONS,
) -> Section:
    """The registered section of the delivery's service, checked against `version`:
    `UnsupportedBundle` for an unknown version, service or one version 1 cannot carry."""
    section = sections[service_of(submission, case)]
    if version not in BUNDLE_VERSIONS:
        raise UnsupportedBundle(f"bundle version {version}: unknown (1 or 2)")
    if version == 1 and not section.v1:
        raise UnsupportedBundle(
            f"bundle version 1 cannot carry service {section.service!r} (only the subsidy): "
            "the agency must take bundle_version = 2"
        )
    if section.requires_applicant and section.anonymous((case or submission).answers):
        raise UnsupportedBundle(f"service {section.service!r} cannot be anonymous")
    return section


def bundle_document(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    *,
    case: Submission | None = None,
    version: int = BUNDLE_SCHEMA_VERSION,
    sections: Sections = SECTIONS,
) -> dict[str, Any]:
    """The content of bundle.json as a dict, in bundle `version` (KeyError/ValueError when the
    data cannot make one; `UnsupportedBundle` when this version cannot carry the service).

    A supplement (`submission.parent` set) is given its `case`, the submission it answers: the
    applicant and business come from the case, the question and answer go under `supplement`.
    """
    supplement = _supplement(submission, case)
    section = section_for(submission, case, version=version, sections=sections)
    build = _v1 if version == 1 else _v2
    document = build(submission, policy, attachments, case, section)
    if supplement is not None:
        document["supplement"] = supplement
    return document
