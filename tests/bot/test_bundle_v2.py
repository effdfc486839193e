"""bundle.json version 2: one common part for every service and one section under the service's
key, validated against docs/bundle/v2/; a service with no applicant; versions per agency."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from applications import COMPANY, ID_NUMBER, MOBILE, subsidy_answers
from pdfs import fonts, pdf_text

from bot.handoff.agencies import parse_agencies
from bot.handoff.bundle import (
    SCHEMA_PATHS,
    build_bundle,
    build_bundle_json,
    bundle_document,
    validate_bundle_json,
)
from bot.handoff.delivery import Deliverer
from bot.handoff.pdf import render_application_pdf
from bot.handoff.sections import SECTIONS, Section, Sections, SectionSource
from bot.handoff.types import Attachment, DeliveryFailed, UnsupportedBundle
from bot.handoff.wording import ANONYMOUS
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData, load_policy_data
from storage.outbox import OutboxEntry

REFERENCE = "SUB-20261128-7Q4K9M"
TIP_OFF = "TIP-20261201-4K9M7Q"
COMMON = {
    "schema_version", "reference", "kind", "service", "submitted_at", "locale", "office",
    "district", "applicant", "company", "attachments",
}  # fmt: skip
FILES = {"tg-file-1": b"%PDF-1.4 licence", "tg-file-2": b"%PDF-1.4 contract"}


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


def subsidy(**changes: Any) -> Submission:
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "founder": Address.telegram(42),
        "flow": "subsidy",
        "programme": "startup_loan",
        "office": "district_hrss",
        "district": "xuhui",
        "locale": "zh_CN",
        "answers": subsidy_answers("startup_loan")
        | {
            "loan_amount": "300000",
            "doc_business_licence": [{"file_id": "tg-file-1", "name": "licence.pdf"}],
        },
        "attachments": [
            {
                "file_id": "tg-file-1",
                "name": "licence.pdf",
                "mime": "application/pdf",
                "document": "business_licence",
            }
        ],
        "submitted_at": 1_795_858_200,
    }
    return Submission(**(fields | changes))


def supplement(**changes: Any) -> Submission:
    return subsidy(
        reference=f"{REFERENCE}-S1",
        flow="supplement",
        parent=REFERENCE,
        answers={"question": "请补充租赁合同第2页。", "answer": "已补充。"},
        submitted_at=1_796_000_000,
        **changes,
    )


# A test-only service shaped like the coming complaints: real-name or an anonymous tip-off.
def tip_off_section(source: SectionSource) -> dict[str, Any]:
    answers = dict(source.answers)
    return {"category": answers.pop("category"), "answers": answers}


TIP_OFFS = Section(
    "tipoff", tip_off_section, anonymous=lambda answers: answers.get("identity") == "anonymous"
)
WITH_TIP_OFFS = SECTIONS.adding(TIP_OFFS)


def tip_off(identity: str = "anonymous", **changes: Any) -> Submission:
    answers = {
        "identity": identity,
        "category": "government_arrears",
        "respondent": "某区某局",
        "description": "工程款逾期未付。",
        "amount": "120000",
        "outcome": "付清欠款",
        # Given while real-name was chosen, then switched: never in an anonymous bundle.
        "applicant_name": "李四",
        "mobile": MOBILE,
        "company_name": COMPANY,
        "evidence": [{"file_id": "tg-file-2", "name": "contract.pdf"}],
    }
    fields: dict[str, Any] = {
        "reference": TIP_OFF,
        "founder": Address.telegram(777000111),
        "flow": "tipoff",
        "programme": "",
        "office": "hotline_12345",
        "district": "",
        "locale": "zh_CN",
        "answers": answers,
        "attachments": [
            {"file_id": "tg-file-2", "name": "contract.pdf", "mime": "application/pdf"}
        ],
        "submitted_at": 1_796_100_000,
    }
    return Submission(**(fields | changes))


async def fetch(file_id: str) -> bytes:
    return FILES[file_id]


def document(submission: Submission, policy: PolicyData, **kwargs: Any) -> dict[str, Any]:
    data = build_bundle_json(submission, policy, [], sections=WITH_TIP_OFFS, **kwargs)
    validate_bundle_json(data)
    return json.loads(data)


async def test_a_v2_subsidy_bundle_has_the_common_part_and_one_subsidy_section(policy):
    bundle = await build_bundle(subsidy(), policy, "hrss", fetch)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert bundle.version == data["schema_version"] == 2
    assert set(data) == COMMON | {"subsidy"}
    assert (data["service"], data["kind"], data["reference"]) == (
        "subsidy",
        "submission",
        REFERENCE,
    )
    assert data["applicant"] == {"name": "张三", "id_number": ID_NUMBER, "mobile": MOBILE}
    assert data["company"] == {"name": COMPANY, "credit_code": "91310000MA1FL4XQ8K"}
    assert data["district"]["code"] == "xuhui" and data["office"]["id"] == "district_hrss"
    section = data["subsidy"]
    assert set(section) == {"programme", "answers"}
    assert section["programme"]["id"] == "startup_loan" and section["programme"]["articles"]
    assert section["answers"]["loan_amount"] == "300000"
    assert not [name for name in section["answers"] if name.startswith("doc_")]
    v1 = json.loads(build_bundle_json(subsidy(), policy, [], version=1))
    assert section == {"programme": v1["programme"], "answers": v1["answers"]}
    assert [a["name"] for a in data["attachments"]] == ["licence.pdf"]


async def test_a_v2_supplement_names_its_case_under_the_case_service(policy):
    bundle = await build_bundle(supplement(), policy, "hrss", fetch, case=subsidy())
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert set(data) == COMMON | {"subsidy", "supplement"}
    assert (bundle.kind, data["kind"], data["service"]) == ("supplement", "supplement", "subsidy")
    assert data["subsidy"]["answers"] == {} and data["subsidy"]["programme"]["id"] == "startup_loan"
    assert data["supplement"]["case_reference"] == REFERENCE
    assert data["supplement"]["answered_at"] == "2026-11-30T00:53:20Z"
    assert data["applicant"]["name"] == "张三"  # the case's
    assert "请补充租赁合同第2页。" in pdf_text(bundle.pdf)


def test_the_subsidy_still_needs_the_applicant_in_full(policy):
    answers = {k: v for k, v in subsidy().answers.items() if k != "mobile"}
    with pytest.raises(ValueError, match="answers.mobile: missing"):
        bundle_document(subsidy(answers=answers), policy, [])


async def test_an_anonymous_tip_off_names_no_one(policy):
    bundle = await build_bundle(tip_off(), policy, "hotline", fetch, sections=WITH_TIP_OFFS)
    validate_bundle_json(bundle.bundle_json)
    data = json.loads(bundle.bundle_json)
    assert set(data) == COMMON | {"tipoff"}
    assert (data["service"], data["applicant"], data["company"], data["district"]) == (
        "tipoff",
        None,
        None,
        None,
    )
    assert data["tipoff"]["category"] == "government_arrears"
    assert data["tipoff"]["answers"] == {
        "identity": "anonymous",
        "respondent": "某区某局",
        "description": "工程款逾期未付。",
        "amount": "120000",
        "outcome": "付清欠款",
    }
    text = bundle.bundle_json.decode("utf-8")
    for personal in ("李四", MOBILE, COMPANY, "777000111", "telegram"):
        assert personal not in text
    assert [a["name"] for a in data["attachments"]] == ["contract.pdf"]


def test_a_real_name_tip_off_carries_what_was_given_and_no_service_needs_an_applicant(policy):
    data = document(tip_off("real_name"), policy)
    assert data["applicant"] == {"name": "李四", "mobile": MOBILE}  # no ID number asked
    assert data["company"] == {"name": COMPANY}  # no credit code asked
    bare = tip_off("real_name", answers={"category": "other", "description": "…"})
    assert document(bare, policy)["applicant"] is None  # never raises for want of one


def test_a_service_without_a_section_or_a_version_cannot_be_bundled(policy):
    with pytest.raises(UnsupportedBundle, match="no bundle section is registered for 'tipoff'"):
        bundle_document(tip_off(), policy, [])
    with pytest.raises(UnsupportedBundle, match="bundle version 1 cannot carry service 'tipoff'"):
        bundle_document(tip_off(), policy, [], version=1, sections=WITH_TIP_OFFS)
    with pytest.raises(UnsupportedBundle, match="bundle version 3"):
        bundle_document(subsidy(), policy, [], version=3)


def test_the_registry_refuses_a_second_or_malformed_service():
    with pytest.raises(ValueError, match="'subsidy': registered twice"):
        SECTIONS.adding(Section("subsidy", tip_off_section))
    with pytest.raises(ValueError, match="'Tip-off': not a service id"):
        Sections([Section("Tip-off", tip_off_section)])
    with pytest.raises(ValueError, match="'company': not a service id"):  # a common key
        Sections([Section("company", tip_off_section)])


def test_every_registered_service_has_its_schema_referenced_from_the_common_one():
    folder = SCHEMA_PATHS[2].parent
    common = json.loads(SCHEMA_PATHS[2].read_text(encoding="utf-8"))
    referenced = {
        rule["if"]["properties"]["service"]["const"]: rule["then"]["properties"]
        for rule in common["allOf"]
        if "service" in rule["if"]["properties"]
    }
    for section in SECTIONS:
        schema = json.loads((folder / f"{section.service}.schema.json").read_text("utf-8"))
        assert schema["$id"] == f"urn:smebot:bundle:2:{section.service}"
        assert referenced[section.service][section.service] == {"$ref": schema["$id"]}
    assert set(referenced) == {section.service for section in SECTIONS}


def changed(data: dict[str, Any], change: Any) -> bytes:
    change(data)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("subsidy"), "'subsidy' is a required property"),
        (lambda d: d.update(service="tipoff"), "$"),  # a section not named by the service
        (lambda d: d.update(other={"answers": {}}), "$"),  # a second section
        (lambda d: d.update(schema_version=1), "$"),  # a v2 layout claiming version 1
        (lambda d: d.update(service="reference"), "$"),
        (lambda d: d["applicant"].pop("id_number"), "'id_number' is a required property"),
        (lambda d: d["subsidy"].update(extra=1), "$.subsidy"),
        (lambda d: d["subsidy"]["programme"].pop("title"), "$.subsidy.programme"),
        (lambda d: d.update(applicant=None), "$"),  # the subsidy's applicant is required
    ],
)
def test_the_v2_schema_refuses_wrong_shapes(policy, change, message):
    data = json.loads(build_bundle_json(subsidy(), policy, []))
    with pytest.raises(ValueError) as refused:
        validate_bundle_json(changed(data, change))
    assert message in str(refused.value) and str(refused.value).startswith("$"), refused.value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["tipoff"]["answers"].update(id_number=ID_NUMBER), "$.tipoff.answers"),
        (lambda d: d["tipoff"]["answers"].update(mobile=MOBILE), "$.tipoff.answers"),
        (lambda d: d.update(company={"name": COMPANY, "credit_code": ""}), "$.company"),
        (lambda d: d.update(applicant={}), "$.applicant"),
        (lambda d: d["tipoff"].pop("answers"), "'answers' is a required property"),
        (lambda d: d.update(kind="supplement"), "'supplement' is a required property"),
    ],
)
def test_the_v2_schema_keeps_an_anonymous_bundle_anonymous(policy, change, message):
    data = document(tip_off(), policy)
    with pytest.raises(ValueError) as refused:
        validate_bundle_json(changed(data, change))
    assert message in str(refused.value) and str(refused.value).startswith("$"), refused.value


def test_a_v2_subsidy_pdf_is_the_v1_pdf(policy):
    attachments = [Attachment("licence.pdf", "application/pdf", b"x", "business_licence")]
    v1, v2 = (bundle_document(subsidy(), policy, attachments, version=v) for v in (1, 2))
    assert render_application_pdf(v1) == render_application_pdf(v2)


def test_an_anonymous_pdf_has_no_applicant_and_embeds_the_font(policy):
    data = document(tip_off(), policy)
    pdf = render_application_pdf(data)
    text = pdf_text(pdf)
    assert "匿名举报" in text and "Anonymous tip-off" in text and ANONYMOUS[0] in text
    for absent in ("申请人 / Applicant", "姓名", "企业 / Business", "李四", MOBILE, COMPANY):
        assert absent not in text
    assert "某区某局" in text and "工程款逾期未付。" in text and "government_arrears" in text
    assert "申请人声明" in text and "2026-12-01" in text  # still declared, by no name
    cjk = [f for f in fonts(pdf) if "WenQuanYiMicroHei" in f.name]
    assert cjk and all((f.subtype, f.file) == ("/TrueType", "/FontFile2") for f in cjk)


class Submissions:
    """The calls the deliverer makes of the submission store (a record is its reference here)."""

    def __init__(self, *submissions: Submission) -> None:
        self.by_reference = {s.reference: s for s in submissions}

    async def get(self, reference: str) -> Submission | None:
        return self.by_reference.get(reference)

    async def stored(self, reference: str) -> str | None:
        return reference if reference in self.by_reference else None

    def decode(self, record: str) -> Submission:
        return self.by_reference[record]


def v1_agencies(policy: PolicyData, tmp_path: Path) -> Any:
    offices = [o.id for o in policy.offices]
    table = {
        "id": "old_receiver",
        "name": {"zh": "旧接收系统", "en": "Receiver on version 1"},
        "offices": offices,
        "transport": "directory",
        "path": str(tmp_path),
        "bundle_version": 1,
    }
    return parse_agencies({"agency": [table]}, offices)


async def test_a_v1_agency_gets_a_service_v1_cannot_carry_as_a_final_failure(policy, tmp_path):
    fetched: list[str] = []

    async def fetch_file(founder: Address, file_id: str) -> bytes:
        fetched.append(file_id)
        return FILES[file_id]

    deliverer = Deliverer(
        Submissions(tip_off(), subsidy()),  # type: ignore[arg-type]
        policy,
        v1_agencies(policy, tmp_path),
        None,  # type: ignore[arg-type] # never reached
        fetch_file,
        sections=WITH_TIP_OFFS,
    )
    with pytest.raises(DeliveryFailed) as failed:
        await deliverer(OutboxEntry("1-0", {"reference": TIP_OFF}))
    assert not failed.value.retryable and fetched == [] and list(tmp_path.iterdir()) == []
    assert failed.value.reason.startswith("agency old_receiver: bundle version 1 cannot carry")
    assert "bundle_version = 2" in failed.value.reason


def test_the_documented_validation_runs_as_written(policy, monkeypatch):
    """The jsonschema snippet of docs/agency-integration.md, run from the project folder."""
    root = SCHEMA_PATHS[2].parents[3]
    text = (root / "docs" / "agency-integration.md").read_text(encoding="utf-8")
    section = text.split("## bundle.json's versions", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    good = build_bundle_json(subsidy(), policy, [])
    exec(code, {"bundle_json": good})  # noqa: S102 - our own docs
    bad = changed(json.loads(good), lambda d: d.pop("subsidy"))
    with pytest.raises(Exception, match="'subsidy' is a required property"):
        exec(code, {"bundle_json": bad})  # noqa: S102 - our own docs
