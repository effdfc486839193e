"""bundle.json version 1 (what agencies with `bundle_version = 1` get) against its schema, and
application.pdf's text, built from a real submission."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from applications import COMPANY, ID_NUMBER, MOBILE, subsidy_answers
from pdfs import pdf_text

from bot.handoff.bundle import (
    build_bundle,
    build_bundle_json,
    validate_bundle_json,
)
from bot.handoff.types import Attachment, safe_file_names
from bot.handoff.wording import LABELS
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData, load_policy_data
from flows.services.subsidy.flow import build

REFERENCE = "SUB-20261128-7Q4K9M"
FILES = {
    "tg-file-1": b"%PDF-1.4 licence",
    "tg-file-2": b"\xff\xd8\xff\xe0 id card photo",
}


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


def submission(**changes: Any) -> Submission:
    answers: dict[str, Any] = subsidy_answers("startup_loan") | {
        "loan_amount": "300000",
        "doc_id_card": [{"file_id": "tg-file-2", "name": "photo-1.jpg"}],
        "doc_business_licence": [{"file_id": "tg-file-1", "name": "licence.pdf"}],
    }
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "founder": "telegram:42",
        "flow": "subsidy",
        "programme": "startup_loan",
        "office": "district_hrss",
        "district": "xuhui",
        "locale": "zh_CN",
        "answers": answers,
        "attachments": [
            {
                "file_id": "tg-file-1",
                "name": "licence.pdf",
                "mime": "application/pdf",
                "size": 16,
                "document": "business_licence",
            },
            {
                "file_id": "tg-file-2",
                "name": "photo-1.jpg",
                "mime": "image/jpeg",
                "size": 20,
                "document": "id_card",
            },
        ],
        "submitted_at": 1_795_858_200.25,
    }
    return Submission(**(fields | changes))


async def fetch(file_id: str) -> bytes:
    return FILES[file_id]


async def test_submission_bundle_validates_and_carries_everything(policy):
    bundle = await build_bundle(submission(), policy, "xuhui-hrss", fetch, version=1)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert (bundle.reference, bundle.agency, bundle.kind) == (REFERENCE, "xuhui-hrss", "submission")
    assert data["schema_version"] == 1 and data["kind"] == "submission"
    assert data["submitted_at"] == "2026-11-28T09:30:00Z"
    assert data["applicant"] == {"name": "张三", "id_number": ID_NUMBER, "mobile": MOBILE}
    assert data["company"] == {"name": COMPANY, "credit_code": "91310000MA1FL4XQ8K"}
    assert data["answers"]["id_number"] == ID_NUMBER and data["answers"]["mobile"] == MOBILE
    assert data["answers"]["registered"] is True and data["answers"]["loan_amount"] == "300000"
    assert not [name for name in data["answers"] if name.startswith("doc_")]
    assert data["programme"]["title"]["en"] == "Startup guarantee loan and interest subsidy"
    assert data["office"] == {
        "id": "district_hrss",
        "name": {"zh": "徐汇区人力资源和社会保障局", "en": "Xuhui District HR&SS Bureau"},
    }
    assert data["district"]["name"]["zh"] == "徐汇区"
    assert [a["document"] for a in data["attachments"]] == ["business_licence", "id_card"]
    for entry, attachment in zip(data["attachments"], bundle.attachments, strict=True):
        content = FILES["tg-file-1" if entry["name"] == "licence.pdf" else "tg-file-2"]
        assert attachment.content == content and attachment.name == entry["name"]
        assert entry["size"] == len(content)
        assert entry["sha256"] == hashlib.sha256(content).hexdigest()
    assert COMPANY in bundle.bundle_json.decode("utf-8")  # ensure_ascii=False


async def test_pdf_text_has_company_reference_title_and_hashes(policy):
    bundle = await build_bundle(submission(), policy, "xuhui-hrss", fetch, version=1)
    text = pdf_text(bundle.pdf)
    assert bundle.pdf.startswith(b"%PDF")
    for expected in (COMPANY, REFERENCE, "Startup guarantee loan", "创业担保贷款", ID_NUMBER):
        assert expected in text.replace("\n", " ")
    assert "居民身份证号码" in text and "徐汇区人力资源和社会保障局" in text
    assert hashlib.sha256(FILES["tg-file-1"]).hexdigest() in text


async def test_the_same_submission_gives_the_same_bytes(policy):
    first = await build_bundle(submission(), policy, "xuhui-hrss", fetch, version=1)
    again = await build_bundle(submission(), policy, "xuhui-hrss", fetch, version=1)
    assert (first.bundle_json, first.pdf) == (again.bundle_json, again.pdf)


async def test_supplement_bundle_names_its_case_and_repeats_the_applicant(policy):
    answer = submission(
        reference=f"{REFERENCE}-S1",
        parent=REFERENCE,
        answers={"question": "请补充租赁合同第2页。", "answer": "已补充。"},
        attachments=[
            {
                "file_id": "tg-file-1",
                "name": "lease p2.pdf",
                "mime": "application/pdf",
                "size": 16,
                "document": "supplement",
            }
        ],
        submitted_at=1_796_000_000,
    )
    bundle = await build_bundle(answer, policy, "xuhui-hrss", fetch, case=submission(), version=1)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert bundle.kind == data["kind"] == "supplement"
    assert data["reference"] == f"{REFERENCE}-S1"
    assert data["supplement"] == {
        "case_reference": REFERENCE,
        "question": "请补充租赁合同第2页。",
        "text": "已补充。",
        "answered_at": "2026-11-30T00:53:20Z",
    }
    assert data["applicant"]["name"] == submission().answers["applicant_name"]
    assert data["answers"] == {}
    assert [a["name"] for a in data["attachments"]] == ["lease p2.pdf"]
    text = pdf_text(bundle.pdf)
    assert "请补充租赁合同第2页。" in text and REFERENCE in text


async def test_a_supplement_needs_its_own_case(policy):
    answer = submission(reference=f"{REFERENCE}-S1", parent=REFERENCE, answers={})
    with pytest.raises(ValueError, match="case"):
        await build_bundle(answer, policy, "xuhui-hrss", fetch)
    with pytest.raises(ValueError, match="case"):
        await build_bundle(
            answer, policy, "xuhui-hrss", fetch, case=submission(reference="SUB-20261128-OTHER1")
        )


def test_unregistered_business_has_no_company(policy):
    answers = {
        k: v
        for k, v in submission().answers.items()
        if k not in ("company_name", "credit_code", "registered_on")
    }
    data = build_bundle_json(
        submission(answers=answers | {"registered": False}), policy, [], version=1
    )
    validate_bundle_json(data)
    assert json.loads(data)["company"] is None and json.loads(data)["attachments"] == []


def test_a_submission_that_is_no_supplement_takes_no_case(policy):
    with pytest.raises(ValueError, match="case"):
        build_bundle_json(submission(), policy, [], case=submission())


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d.pop("reference"), "'reference' is a required property"),
        (lambda d: d.update(extra=1), "'extra' was unexpected"),
        (lambda d: d["attachments"][0].update(sha256="abc"), "$.attachments[0].sha256"),
        (lambda d: d["applicant"].update(mobile="12"), "$.applicant.mobile"),
        (lambda d: d.update(kind="supplement"), "'supplement' is a required property"),
        (lambda d: d.update(schema_version=3), "$.schema_version"),
    ],
)
def test_invalid_bundles_are_refused_naming_the_path(policy, change, path):
    attachment = Attachment("licence.pdf", "application/pdf", b"x", "business_licence")
    data = json.loads(build_bundle_json(submission(), policy, [attachment], version=1))
    change(data)
    with pytest.raises(ValueError) as refused:
        validate_bundle_json(json.dumps(data).encode())
    assert path in str(refused.value)
    assert str(refused.value).startswith("$")


def test_not_json_is_refused():
    with pytest.raises(ValueError, match="not UTF-8 JSON"):
        validate_bundle_json(b"{")


def test_safe_file_names_are_flat_unique_and_not_reserved():
    names = ["../etc/passwd", "a.pdf", "A.pdf", "bundle.json", "", 'say "hi".png', "photo"]
    assert safe_file_names(names) == [
        "_etc_passwd",
        "a.pdf",
        "A (2).pdf",
        "bundle (2).json",
        "file-5",
        "say _hi_.png",
        "photo",
    ]
    (long,) = safe_file_names(["营业执照" * 40 + ".pdf"])
    assert long.startswith("营业执照") and long.endswith(".pdf") and len(long.encode()) <= 200
    assert safe_file_names(names) == safe_file_names(safe_file_names(names))


def test_every_subsidy_field_has_a_bilingual_label(policy):
    names = {f.name for f in build(policy).fields if not f.name.startswith("doc_")}
    assert names <= set(LABELS)
