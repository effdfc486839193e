"""The staff chat's case summary in both languages: no empty field shown with its separator, and
a founder's answer to the office's question quoted within Telegram's limit on one message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.core.i18n import Catalogs
from bot.core.messages import TEXT_LIMIT
from bot.core.render import Renderer
from bot.handoff.staff_summary import (
    ANSWER_SHOWN,
    FILES_SHOWN,
    NAME_SHOWN,
    QUESTION_SHOWN,
    case_summary,
)
from bot.handoff.types import Bundle
from flows.engine.address import Address
from flows.engine.draft import Submission

ROOT = Path(__file__).resolve().parents[2]
RENDERER = Renderer(Catalogs(ROOT / "locales"))
CASE = "SUB-20261128-7Q4K9M"


def bundle(reference: str, district: dict[str, Any] | None) -> Bundle:
    """A version 1 bundle.json: what the summary reads of it (title, office, district)."""
    document = {
        "schema_version": 1,
        "programme": {"id": "rent_subsidy", "title": {"zh": "房租补贴", "en": "Rent subsidy"}},
        "answers": {},
        "applicant": None,
        "company": None,
        "district": district,
        "office": {"name": {"zh": "人社局", "en": "HR&SS Bureau"}},
    }
    return Bundle(reference, "hrss", json.dumps(document).encode(), b"%PDF")


def submission(reference: str, parent: str = "", **answers: Any) -> Submission:
    files = answers.pop("files", [])
    return Submission(
        reference=reference,
        founder=Address.telegram(801),
        flow="supplement" if parent else "subsidy",
        programme="rent_subsidy",
        office="district_hrss",
        district="",
        locale="zh_CN",
        answers=answers,
        attachments=[{"file_id": f"f{i}", "name": name} for i, name in enumerate(files)],
        submitted_at=0.0,
        parent=parent,
    )


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh_CN", f"新申请 {CASE}：房租补贴。受理部门：人社局。"),
        ("en", f"New application {CASE}: Rent subsidy. Received by HR&SS Bureau."),
    ],
)
def test_a_case_without_a_district_leaves_it_out(locale, expected):
    assert case_summary(RENDERER, locale, submission(CASE), bundle(CASE, None)) == expected


def test_a_case_with_a_district_names_it():
    district = {"code": "xuhui", "name": {"zh": "徐汇区", "en": "Xuhui"}}
    summary = case_summary(RENDERER, "zh_CN", submission(CASE), bundle(CASE, district))
    assert summary == f"新申请 {CASE}：房租补贴，徐汇区。受理部门：人社局。"


def test_the_founders_answer_is_quoted_in_the_summary():
    reference = f"{CASE}-S1"
    supplement = submission(
        reference, CASE, question="请补充租赁合同第2页。", answer="已补拍。", files=["p2.pdf"]
    )
    summary = case_summary(RENDERER, "en", supplement, bundle(reference, None))
    assert summary == (
        f"The founder answered about {CASE}: supplement {reference} (Rent subsidy).\n\n"
        "The office asked: “请补充租赁合同第2页。”\n"
        "The founder's answer: “已补拍。”\n"
        "Files from the founder (1): p2.pdf"
    )


def test_a_long_answer_question_and_file_list_stay_within_one_message():
    reference = f"{CASE}-S2"
    names = [f"{'页' * 200}-{i}.pdf" for i in range(FILES_SHOWN + 5)]
    supplement = submission(reference, CASE, question="问" * 5000, answer="答" * 9000, files=names)
    summary = case_summary(RENDERER, "zh_CN", supplement, bundle(reference, None))
    assert len(summary) <= TEXT_LIMIT
    question, answer, files = summary.split("\n\n", 1)[1].splitlines()
    assert question == f"部门的问题：“{'问' * (QUESTION_SHOWN - 1)}…”"
    assert answer == f"创业者的答复：“{'答' * (ANSWER_SHOWN - 1)}…”"
    assert files.startswith(f"创业者提交的文件（{FILES_SHOWN + 5} 个）：") and files.endswith("、…")
    shown = files.partition("：")[2].split("、")
    assert shown == [f"{'页' * (NAME_SHOWN - 1)}…"] * FILES_SHOWN + ["…"]


def test_an_answer_of_files_only_shows_no_empty_quote():
    reference = f"{CASE}-S3"
    supplement = submission(reference, CASE, question="请补充。", answer="", files=["a.jpg"])
    summary = case_summary(RENDERER, "zh_CN", supplement, bundle(reference, None))
    assert "创业者的答复" not in summary and "“”" not in summary
    assert summary.endswith("创业者提交的文件（1 个）：a.jpg")
