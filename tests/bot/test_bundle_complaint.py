"""A complaint's bundle (version 2): the category, the deadline and the answers under
'complaint', validated against docs/bundle/v2/complaint.schema.json; an anonymous tip-off's
names no one; a complaint's follow-ups (supervision, a rating) travel as supplements with
their purpose."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from applications import ID_NUMBER, MOBILE

from bot.handoff.bundle import build_bundle_json, validate_bundle_json
from flows.engine.address import Address
from flows.engine.draft import Submission
from flows.policy.loader import load_policy_data

POLICY = load_policy_data()
REFERENCE = "SUB-20261201-CMPL01"
ANSWERS = {
    "category": "forced_charges",
    "respondent_type": "government_body",
    "respondent_name": "某街道办事处",
    "what": "要求企业缴纳赞助费 5000 元。",
    "happened_on": "2026-11-20",
    "outcome": "退还赞助费",
    "deadline": "2026-12-08",
    "deadline_rule": "business_env_difficult",
    "deadline_quotable": True,
    "deadline_approximate": False,
}


def complaint(anonymous: bool, **answers: Any) -> Submission:
    named = {} if anonymous else {"applicant_name": "张三", "mobile": MOBILE}
    return Submission(
        reference=REFERENCE,
        founder=Address.telegram(42).anonymous() if anonymous else Address.telegram(42),
        flow="complaint",
        programme="",
        office="district_sme_service_centre",
        district="xuhui",
        locale="zh_CN",
        answers={**ANSWERS, "anonymous": anonymous, **named, **answers},
        attachments=[],
        submitted_at=1_795_000_000.0,
    )


def bundle(submission: Submission, case: Submission | None = None) -> dict[str, Any]:
    data = build_bundle_json(submission, POLICY, [], case=case, version=2)
    validate_bundle_json(data)
    return dict(json.loads(data))


def test_a_real_name_complaint_carries_its_category_deadline_and_answers():
    data = bundle(complaint(anonymous=False))
    assert data["service"] == "complaint" and data["applicant"]["name"] == "张三"
    section = data["complaint"]
    assert section["category"]["id"] == "forced_charges" and section["anonymous"] is False
    assert section["deadline"] == {
        "date": "2026-12-08",
        "quotable": True,
        "rule": "business_env_difficult",
        "approximate": False,
    }
    assert section["answers"]["respondent_name"] == "某街道办事处"
    assert not {"deadline", "deadline_rule", "category", "anonymous"} & set(section["answers"])
    assert section["category"]["title"]["en"] and section["category"]["articles"]


def test_an_anonymous_tip_off_names_no_one_even_if_answers_did():
    leaky = complaint(anonymous=True, mobile=MOBILE, id_number=ID_NUMBER, applicant_name="张三")
    raw = build_bundle_json(leaky, POLICY, [], version=2)
    validate_bundle_json(raw)
    data = json.loads(raw)
    assert data["applicant"] is None and data["company"] is None
    assert data["complaint"]["anonymous"] is True
    text = raw.decode()
    assert MOBILE not in text and ID_NUMBER not in text and "张三" not in text and "42" not in text


def test_the_schema_refuses_an_anonymous_bundle_with_an_applicant():
    data = json.loads(build_bundle_json(complaint(anonymous=True), POLICY, [], version=2))
    data["applicant"] = {"name": "张三"}
    with pytest.raises(ValueError):
        validate_bundle_json(json.dumps(data).encode())


@pytest.mark.parametrize(
    ("purpose", "extra"),
    [
        ("escalation", {"escalate_to": "municipal_commission"}),
        ("rating", {"verdict": "dissatisfied"}),
    ],
)
def test_a_follow_up_travels_as_a_supplement_with_its_purpose(purpose, extra):
    case = complaint(anonymous=False)
    follow = replace(
        case,
        reference=f"{REFERENCE}-S1",
        parent=REFERENCE,
        office="municipal_commission" if purpose == "escalation" else case.office,
        answers={"question": "", "answer": "两周没有答复。", "purpose": purpose, **extra},
    )
    data = bundle(follow, case)
    assert data["kind"] == "supplement" and data["service"] == "complaint"
    assert data["supplement"]["purpose"] == purpose
    assert all(data["supplement"][k] == v for k, v in extra.items())
    assert data["supplement"]["case_reference"] == REFERENCE
