"""What one delivery carries, built from a submission: bundle.json (docs/bundle.schema.json),
application.pdf and the attachments' bytes, fetched from the channel at delivery time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from bot.handoff.fonts import PdfFont
from bot.handoff.pdf import render_application_pdf
from bot.handoff.types import BUNDLE_SCHEMA_VERSION, Attachment, Bundle, safe_file_names
from flows.engine.districts import by_code
from flows.engine.draft import Submission
from flows.engine.text import Localized
from flows.policy.citing import office_name
from flows.policy.loader import PolicyData

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "bundle.schema.json"
Fetch = Callable[[str], Awaitable[bytes]]


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


def _company(answers: Mapping[str, Any]) -> dict[str, str] | None:
    if answers.get("company_name") is None and answers.get("credit_code") is None:
        return None
    return {
        "name": str(answers.get("company_name") or ""),
        "credit_code": str(answers.get("credit_code") or ""),
    }


def _supplement(submission: Submission, case: Submission | None) -> dict[str, str] | None:
    if (case is None) != (not submission.parent):
        raise ValueError("case: given exactly when the submission is a supplement")
    if case is None:
        return None
    if case.reference != submission.parent:
        raise ValueError(f"case: {case.reference} is not {submission.parent}")
    return {
        "case_reference": case.reference,
        "question": str(submission.answers.get("question") or ""),
        "text": str(submission.answers.get("answer") or ""),
        "answered_at": rfc3339(submission.submitted_at),
    }


def bundle_document(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    *,
    case: Submission | None = None,
) -> dict[str, Any]:
    """The content of bundle.json as a dict (KeyError/ValueError when the data cannot make one).

    A supplement (`submission.parent` set) is given its `case`, the submission it answers: the
    applicant and business come from the case, the question and answer go under `supplement`.
    """
    supplement = _supplement(submission, case)
    programme = policy.programme(submission.programme)
    title = policy.policy(programme.policy)
    district = by_code(submission.district)
    if district is None:
        raise ValueError(f"district: unknown district code {submission.district!r}")
    answers = (case or submission).answers
    own = {} if case else submission.answers
    document: dict[str, Any] = {
        "schema_version": BUNDLE_SCHEMA_VERSION,
        "reference": submission.reference,
        "kind": "supplement" if case else "submission",
        "flow": submission.flow,
        "programme": {
            "id": programme.id,
            "title": _localized(title.title),
            "articles": list(title.articles),
        },
        "submitted_at": rfc3339(submission.submitted_at),
        "locale": submission.locale,
        "office": {
            "id": submission.office,
            "name": _localized(office_name(policy, submission.office, district.code)),
        },
        "district": {"code": district.code, "name": {"zh": district.zh, "en": district.en}},
        "applicant": {
            "name": _required(answers, "applicant_name"),
            "id_number": _required(answers, "id_number"),
            "mobile": _required(answers, "mobile"),
        },
        "company": _company(answers),
        "answers": {k: v for k, v in own.items() if not _is_file_answer(k, v)},
        "attachments": [
            {
                "name": a.name,
                "mime": a.mime,
                "size": len(a.content),
                "sha256": hashlib.sha256(a.content).hexdigest(),
                "document": a.document,
            }
            for a in attachments
        ],
    }
    if supplement is not None:
        document["supplement"] = supplement
    return document


def _encode(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2).encode("utf-8")


def build_bundle_json(
    submission: Submission,
    policy: PolicyData,
    attachments: Sequence[Attachment],
    *,
    case: Submission | None = None,
) -> bytes:
    """bundle.json as UTF-8 bytes: keys sorted, Chinese as is, sizes and SHA-256 from the bytes."""
    return _encode(bundle_document(submission, policy, attachments, case=case))


async def build_bundle(
    submission: Submission,
    policy: PolicyData,
    agency_id: str,
    fetch: Fetch,
    *,
    case: Submission | None = None,
    font: PdfFont | None = None,
) -> Bundle:
    """Fetch the submission's files through `fetch(file_id)`, then build bundle.json and the PDF
    in `font` (a supplement is given its `case`)."""
    files = submission.attachments
    names = safe_file_names([str(f.get("name") or "") for f in files])
    attachments = [
        Attachment(
            name=name,
            mime=str(f.get("mime") or "application/octet-stream"),
            content=await fetch(str(f["file_id"])),
            document=str(f.get("document") or ""),
        )
        for name, f in zip(names, files, strict=True)
    ]
    document = bundle_document(submission, policy, attachments, case=case)
    document_names = {d.id: d.name for d in policy.documents}
    return Bundle(
        reference=submission.reference,
        agency=agency_id,
        bundle_json=_encode(document),
        pdf=render_application_pdf(document, document_names=document_names, font=font),
        attachments=tuple(attachments),
        kind=document["kind"],
    )


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # a dev dependency: tests and the receiver

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_bundle_json(data: bytes) -> None:
    """Check bundle.json against docs/bundle.schema.json; ValueError names the first bad path."""
    from jsonschema.exceptions import best_match

    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"$: not UTF-8 JSON ({error})") from error
    first = best_match(_validator().iter_errors(document))
    if first is not None:
        raise ValueError(f"{first.json_path}: {first.message}")
