"""The credit repair's section of a bundle: the record to repair (a penalty, a listing), the
window in which repair may be asked, whether the obligations are met, and the commitment the
founder confirmed, whose letter (信用承诺书) the bot writes as a PDF attachment. The applicant
is the business: `company` names it; `applicant` holds only what the founder gave, if anything."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.handoff.fonts import PdfFont
from bot.handoff.letter import render_commitment_letter
from bot.handoff.sections.base import PERSONAL_ANSWERS, Section, SectionSource
from bot.handoff.types import Attachment, safe_file_names

LETTER_DOCUMENT = "commitment_letter"
LETTER_NAME = "信用承诺书.pdf"
# record field -> the answer it comes from (authority is resolved apart)
RECORD = {
    "type": "record_type",
    "procedure": "procedure",
    "decided_on": "decided_on",
    "decision_no": "decision_no",
    "decision_no_standard": "decision_no_standard",
    "sector": "sector",
    "grade": "grade",
    "listed_on": "listed_on",
    "abnormal_reason": "abnormal_reason",
    "note": "record_note",
}
WINDOW = {
    "earliest_on": "earliest_on",
    "ends_on": "ends_on",
    "earliest_rule": "earliest_rule",
    "ends_rule": "ends_rule",
    "quotable": "window_quotable",
}
COMMITMENT = ("commitment", "commitment_at", "commitment_text")
# shown elsewhere: the common part's applicant and company, and the section's own fields
SHOWN = frozenset({
    *RECORD.values(), "authority", *WINDOW.values(), "window", "obligations_met", *COMMITMENT,
    *PERSONAL_ANSWERS,
})  # fmt: skip


def _answers(source: SectionSource) -> Mapping[str, Any]:
    return (source.case or source.submission).answers


def _authority(source: SectionSource, value: str) -> dict[str, Any]:
    """An authority id of the policy data with its name, else the name the founder typed."""
    lookup = getattr(source.policy, "credit_authority", None)
    if callable(lookup):
        try:
            name = lookup(value).name
        except (KeyError, LookupError, AttributeError):
            name = None
        if name is not None:
            return {"id": value, "name": {"zh": name.zh, "en": name.en}}
    return {"id": None, "name": {"zh": value, "en": value}}


def _record(source: SectionSource) -> dict[str, Any]:
    answers = _answers(source)
    record: dict[str, Any] = {
        "type": str(answers.get("record_type") or source.submission.programme)
    }
    for key, name in RECORD.items():
        if key != "type" and answers.get(name) is not None:
            record[key] = answers[name]
    if isinstance(answers.get("authority"), str) and answers["authority"]:
        record["authority"] = _authority(source, answers["authority"])
    return record


def _window(answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """When repair may be asked for (the flow's `window`, or its parts as answers), or None
    when no date or rule was computed."""
    found = answers.get("window")
    given = found if isinstance(found, Mapping) else answers
    window = {key: given.get(name, given.get(key)) for key, name in WINDOW.items()}
    if all(v is None for k, v in window.items() if k != "quotable"):
        return None
    window["quotable"] = window["quotable"] is True
    return window


def _stamp(moment: Any) -> str:
    if isinstance(moment, (int, float)) and not isinstance(moment, bool):
        return (
            datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        )
    if not isinstance(moment, str) or not moment:
        raise ValueError("answers.commitment_at: missing; a credit repair needs its commitment")
    return moment


def _commitment(answers: Mapping[str, Any]) -> dict[str, Any]:
    text = answers.get("commitment_text")
    if not isinstance(text, Mapping) or not text.get("zh") or not text.get("en"):
        raise ValueError("answers.commitment_text: missing; a credit repair needs its commitment")
    return {
        "text": {"zh": str(text["zh"]), "en": str(text["en"])},
        "confirmed_at": _stamp(answers.get("commitment_at")),
        "document": LETTER_DOCUMENT,
    }


def credit_section(source: SectionSource) -> dict[str, Any]:
    """docs/bundle/v2/credit.schema.json."""
    answers = _answers(source)
    district = source.submission.district
    return {
        "record": _record(source),
        "window": _window(answers),
        "obligations_met": answers.get("obligations_met") is True,
        "commitment": _commitment(answers),
        "answers": {
            k: v
            for k, v in source.answers.items()
            if k not in SHOWN and not (k == "district" and v == district)
        },
    }


def commitment_letter(source: SectionSource, font: PdfFont) -> tuple[Attachment, ...]:
    """The credit commitment letter the founder confirmed, as a PDF (none for a supplement:
    its case carried it)."""
    if source.case is not None:
        return ()
    answers = source.submission.answers
    section = credit_section(source)
    pdf = render_commitment_letter(
        reference=source.submission.reference,
        company={
            "name": str(answers.get("company_name") or ""),
            "credit_code": str(answers.get("credit_code") or ""),
        },
        record=section["record"],
        commitment=section["commitment"],
        font=font,
    )
    [name] = safe_file_names([LETTER_NAME])
    return (Attachment(name, "application/pdf", pdf, LETTER_DOCUMENT),)


CREDIT = Section("credit", credit_section, requires_applicant=False, documents=commitment_letter)
