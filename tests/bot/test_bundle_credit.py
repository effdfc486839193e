"""A credit repair's bundle (version 2): the record, the window, the obligations and the
commitment under 'credit', validated against docs/bundle/v2/credit.schema.json; the business
applies (company, no person needed); the commitment letter the bot writes travels as an
attachment, in bundle.json with its size and SHA-256, and in application.pdf's list."""

from __future__ import annotations

import hashlib
import json
from types import SimpleNamespace
from typing import Any

import pytest
from applications import COMMITMENT_TEXT, CREDIT_CODE, CREDIT_COMPANY, MOBILE, credit_answers
from pdfs import pdf_text

from bot.handoff.bundle import build_bundle, build_bundle_json, validate_bundle_json
from bot.handoff.sections import SectionSource
from bot.handoff.sections.credit import credit_section
from bot.handoff.transports import DirectoryTransport
from bot.handoff.types import UnsupportedBundle
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.engine.text import Localized
from flows.policy.loader import load_policy_data

POLICY = load_policy_data()
REFERENCE = "SUB-20261201-CRDT01"
COMMON = {
    "schema_version", "reference", "kind", "service", "submitted_at", "locale", "office",
    "district", "applicant", "company", "attachments",
}  # fmt: skip
PROOF = b"%PDF-1.4 fine paid"
TYPED = "上海市浦东新区市场监督管理局"  # the authority as the founder typed it


def credit(record_type: str = "penalty", **changes: Any) -> Submission:
    abnormal = record_type == "abnormal_list"
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "founder": Address.telegram(42),
        "flow": "credit",
        "programme": record_type,
        "office": "district_amr" if abnormal else "credit_china_shanghai",
        "district": "xuhui" if abnormal else "",
        "locale": "zh_CN",
        "answers": credit_answers(record_type),
        "attachments": [
            {
                "file_id": "tg-proof-1",
                "name": "receipt.pdf",
                "mime": "application/pdf",
                "document": "obligation_proof",
            }
        ],
        "submitted_at": 1_796_100_000,
    }
    return Submission(**(fields | changes))


def flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


async def fetch(file_id: str) -> bytes:
    assert file_id == "tg-proof-1"
    return PROOF


async def test_a_penalty_repair_carries_its_record_window_and_commitment():
    bundle = await build_bundle(credit(), POLICY, "credit_china_shanghai", fetch)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert set(data) == COMMON | {"credit"} and data["service"] == "credit"
    assert data["applicant"] is None  # the business applies; no person was asked
    assert data["company"] == {"name": CREDIT_COMPANY, "credit_code": CREDIT_CODE}
    section = data["credit"]
    assert section["record"] == {
        "type": "penalty",
        "procedure": "ordinary",
        "decided_on": "2025-06-01",
        "decision_no": "沪市监罚〔2025〕123号",
        "decision_no_standard": True,
        "authority": {"id": None, "name": {"zh": TYPED, "en": TYPED}},  # not in the data
        "sector": "food",
        "grade": "general",
    }
    assert section["window"] == {
        "earliest_on": "2025-09-01",
        "ends_on": "2026-06-01",
        "earliest_rule": "penalty_general_min",
        "ends_rule": "penalty_general_max",
        "quotable": True,
    }
    assert section["obligations_met"] is True
    assert section["commitment"] == {
        "text": COMMITMENT_TEXT,
        "confirmed_at": "2026-12-01T09:30:00Z",
        "document": "commitment_letter",
    }
    assert section["answers"] == {"registered_on": "2020-01-02"}  # nothing said twice


async def test_the_commitment_letter_is_an_attachment_with_its_size_and_digest(tmp_path):
    bundle = await build_bundle(credit(), POLICY, "credit_china_shanghai", fetch)
    data = json.loads(bundle.bundle_json)
    proof, letter = bundle.attachments
    assert (proof.name, proof.content, proof.document) == ("receipt.pdf", PROOF, "obligation_proof")
    assert (letter.name, letter.mime, letter.document) == (
        "信用承诺书.pdf",
        "application/pdf",
        "commitment_letter",
    )
    assert letter.content.startswith(b"%PDF-")
    listed = data["attachments"][1]
    assert listed == {
        "name": "信用承诺书.pdf",
        "mime": "application/pdf",
        "size": len(letter.content),
        "sha256": hashlib.sha256(letter.content).hexdigest(),
        "document": "commitment_letter",
    }
    text = pdf_text(bundle.pdf)
    assert "信用承诺书 / Credit commitment letter" in text and "信用承诺书.pdf" in text
    assert "信用修复申请" in text and CREDIT_COMPANY in text
    assert "匿名" not in text  # no applicant is not an anonymous tip-off
    await DirectoryTransport(tmp_path).deliver(bundle)  # travels like the founder's files
    assert (tmp_path / REFERENCE / "attachments" / "信用承诺书.pdf").read_bytes() == letter.content


async def test_a_founder_file_of_the_same_name_keeps_it_and_the_letter_is_renamed():
    files = [{"file_id": "tg-proof-1", "name": "信用承诺书.pdf", "mime": "application/pdf"}]
    bundle = await build_bundle(credit(attachments=files), POLICY, "credit_china_shanghai", fetch)
    validate_bundle_json(bundle.bundle_json)
    assert [a.name for a in bundle.attachments] == ["信用承诺书.pdf", "信用承诺书 (2).pdf"]
    assert bundle.attachments[1].document == "commitment_letter"


async def test_an_abnormal_list_repair_names_its_listing_and_has_no_window():
    bundle = await build_bundle(credit("abnormal_list"), POLICY, "district_amr", fetch)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert data["office"]["id"] == "district_amr" and data["district"]["code"] == "xuhui"
    assert data["office"]["name"]["zh"].startswith("徐汇区")
    section = data["credit"]
    assert section["record"] == {
        "type": "abnormal_list",
        "listed_on": "2025-08-15",
        "abnormal_reason": "annual_report",
    }
    assert section["window"] is None
    assert section["answers"] == {"registered_on": "2020-01-02"}  # the district is above
    assert [a["document"] for a in data["attachments"]] == ["obligation_proof", "commitment_letter"]
    reason = "未按期报送年度报告 / Annual report not filed on time"
    assert flat(reason) in flat(pdf_text(bundle.pdf))


def test_an_authority_the_policy_data_knows_is_named_from_it():
    authority = SimpleNamespace(name=Localized("上海市市场监督管理局", "Shanghai AMR"))

    def credit_authority(authority_id: str) -> SimpleNamespace:
        if authority_id != "samr_sh":
            raise KeyError(authority_id)
        return authority

    policy = SimpleNamespace(credit_authority=credit_authority)
    known = credit(answers=credit_answers() | {"authority": "samr_sh"})
    section = credit_section(SectionSource(known, None, policy, {}))  # type: ignore[arg-type]
    assert section["record"]["authority"] == {
        "id": "samr_sh",
        "name": {"zh": "上海市市场监督管理局", "en": "Shanghai AMR"},
    }
    typed = credit(answers=credit_answers() | {"authority": "某区城管局"})
    section = credit_section(SectionSource(typed, None, policy, {}))  # type: ignore[arg-type]
    assert section["record"]["authority"] == {
        "id": None,
        "name": {"zh": "某区城管局", "en": "某区城管局"},
    }


async def test_a_contact_the_founder_gave_is_the_applicant():
    answers = credit_answers() | {"applicant_name": "张三", "mobile": MOBILE}
    bundle = await build_bundle(credit(answers=answers), POLICY, "credit_china_shanghai", fetch)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert data["applicant"] == {"name": "张三", "mobile": MOBILE}
    assert data["credit"]["answers"] == {"registered_on": "2020-01-02"}  # not said twice


async def test_a_supplement_to_a_repair_carries_no_second_letter():
    case = credit()
    answer = credit(
        reference=f"{REFERENCE}-S1",
        flow="supplement",
        parent=REFERENCE,
        answers={"question": "请补充缴款凭证。", "answer": "已补充。"},
        attachments=[],
        submitted_at=1_796_200_000,
    )
    bundle = await build_bundle(answer, POLICY, "credit_china_shanghai", fetch, case=case)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert data["service"] == "credit" and data["kind"] == "supplement"
    assert data["attachments"] == [] and bundle.attachments == ()
    assert data["credit"]["answers"] == {} and data["credit"]["record"]["type"] == "penalty"


async def test_version_1_agencies_cannot_take_a_repair_and_nothing_is_fetched():
    async def never(file_id: str) -> bytes:
        raise AssertionError(f"fetched {file_id}")

    with pytest.raises(UnsupportedBundle, match="bundle version 1 cannot carry service 'credit'"):
        await build_bundle(credit(), POLICY, "credit_china_shanghai", never, version=1)
    with pytest.raises(UnsupportedBundle, match="'credit'"):
        build_bundle_json(credit(), POLICY, [], version=1)


def test_a_repair_without_the_confirmed_letter_is_not_bundled():
    answers = {k: v for k, v in credit_answers().items() if k != "commitment_text"}
    with pytest.raises(ValueError, match="answers.commitment_text: missing"):
        build_bundle_json(credit(answers=answers), POLICY, [])


def test_the_schema_wants_the_business_named_in_a_repair():
    data = json.loads(build_bundle_json(credit(), POLICY, []))
    validate_bundle_json(json.dumps(data).encode())
    for change, path in (
        (lambda d: d.update(company=None), "$.company"),
        (lambda d: d["company"].pop("credit_code"), "$.company"),
        (lambda d: d["credit"]["record"].update(type="parking"), "$.credit.record.type"),
        (lambda d: d["credit"]["commitment"].update(document="letter"), "$.credit.commitment"),
        (lambda d: d["credit"].pop("commitment"), "$.credit"),
    ):
        broken = json.loads(json.dumps(data))
        change(broken)
        with pytest.raises(ValueError, match=path.replace("$", r"\$").replace(".", r"\.")):
            validate_bundle_json(json.dumps(broken).encode())
