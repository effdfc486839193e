"""application.pdf as the agency's viewer sees it: an embedded CJK font, the declaration dated
when the founder confirmed, PDF dates from the submission, and no near-empty last page."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import reportlab
from applications import COMPANY, subsidy_answers
from cryptography.fernet import Fernet
from pdfs import STANDARD_14, fonts, page_texts, pdf_text, reader

from bot.handoff.bundle import bundle_document
from bot.handoff.fonts import DEFAULT_FONT_FILE, FONT_PACKAGE, FontError, load_font
from bot.handoff.pdf import render_application_pdf
from bot.handoff.types import Attachment
from bot.handoff.wording import DECLARATION
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData, load_policy_data

REFERENCE = "SUB-20261128-7Q4K9M"
SUBMITTED_AT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)  # 17:30 in Shanghai
ANSWERED_AT = datetime(2026, 11, 30, 0, 53, 20, tzinfo=UTC)  # 08:53 in Shanghai


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


def attachments(policy: PolicyData, count: int) -> list[Attachment]:
    kinds = [d.id for d in policy.documents]
    return [
        Attachment(f"scan-{i + 1}.pdf", "application/pdf", bytes([i]) * 99, kinds[i % len(kinds)])
        for i in range(count)
    ]


def render(policy: PolicyData, count: int = 2, **changes: Any) -> bytes:
    """The PDF of a startup-loan application with `count` attachments (or a supplement)."""
    fields: dict[str, Any] = {
        "reference": REFERENCE,
        "founder": "telegram:42",
        "flow": "subsidy",
        "programme": "startup_loan",
        "office": "district_hrss",
        "district": "xuhui",
        "locale": "zh_CN",
        "answers": subsidy_answers("startup_loan") | {"loan_amount": "300000"},
        "attachments": [],  # the files' records; bundle_document is given the files themselves
        "submitted_at": SUBMITTED_AT.timestamp(),
    }
    case = None
    if changes.pop("supplement", False):
        case = Submission(**fields)
        fields |= {
            "reference": f"{REFERENCE}-S1",
            "parent": REFERENCE,
            "answers": {"question": "请补充租赁合同第2页。", "answer": "已补充。"},
            "submitted_at": ANSWERED_AT.timestamp(),
        }
    document = bundle_document(
        Submission(**(fields | changes)), policy, attachments(policy, count), case=case
    )
    names = {d.id: d.name for d in policy.documents}
    return render_application_pdf(document, document_names=names)


def flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def test_chinese_is_set_in_an_embedded_truetype_subset(policy):
    used = fonts(render(policy))
    cjk = {f for f in used if "WenQuanYiMicroHei" in f.name}
    assert cjk, used
    for font in cjk:
        assert (font.subtype, font.file) == ("/TrueType", "/FontFile2")
        assert font.name[6] == "+"  # a subset: ABCDEF+WenQuanYiMicroHei
    assert not [f for f in used if "STSong" in f.name]
    # Only the standard 14 fonts, which every viewer has, may go without a font file.
    assert {f.name for f in used if f.file is None} <= STANDARD_14


def test_text_holds_the_company_and_the_declaration_dated_when_confirmed(policy):
    text = pdf_text(render(policy))
    assert COMPANY in text and "张三" in text
    assert flat(DECLARATION[0]) in flat(text)
    assert flat(DECLARATION[1]) in flat(text)
    assert "I declare that the information given is true, accurate and complete" in text
    assert "确认日期 / Date of confirmation" in text
    declaration = text[text.index("申请人声明") :]
    assert "2026-11-28 17:30 北京时间 / Beijing time" in declaration


def test_a_supplement_declares_at_its_own_answer(policy):
    pdf = render(policy, 1, supplement=True)
    declaration = pdf_text(pdf)[pdf_text(pdf).index("申请人声明") :]
    assert "2026-11-30 08:53 北京时间" in declaration
    assert reader(pdf).metadata.creation_date == ANSWERED_AT


def test_creation_and_modification_dates_are_the_submission_time(policy):
    metadata = reader(render(policy)).metadata
    assert metadata.creation_date == metadata.modification_date == SUBMITTED_AT
    assert metadata["/CreationDate"] == "D:20261128173000+08'00'"  # as the office's clock read


def test_a_typical_submission_and_a_supplement_fit_on_one_page(policy):
    for pdf in (render(policy, 2), render(policy, 3), render(policy, 1, supplement=True)):
        [page] = page_texts(pdf)
        assert COMPANY in page and "申请人声明 / Applicant's declaration" in page


@pytest.mark.parametrize("count", range(31))
def test_the_last_page_always_holds_the_last_attachment_and_the_declaration(policy, count):
    """Whatever the number of attachments, no page ends up holding a footer alone or a lone row:
    the declaration closes the PDF, with the last attachment beside it."""
    *pages, last = page_texts(render(policy, count))
    assert len(pages) <= count // 12 + 1
    assert (f"scan-{count}.pdf" if count else "无 / None") in last
    assert "申请人声明" in last and "确认日期" in last
    for page in pages:
        assert "申请人声明" not in page and len(page) > 600


def test_a_missing_or_unusable_font_is_refused_naming_the_file_and_the_fix(tmp_path):
    with pytest.raises(FontError) as missing:
        load_font(tmp_path / "missing.ttc")
    assert f"{tmp_path / 'missing.ttc'} not found" in str(missing.value)
    assert f"apt-get install {FONT_PACKAGE}" in str(missing.value)
    (tmp_path / "not-a-font.ttf").write_bytes(b"hello")
    with pytest.raises(FontError, match="not-a-font.ttf cannot be embedded"):
        load_font(tmp_path / "not-a-font.ttf")
    latin_only = Path(reportlab.__file__).parent / "fonts" / "Vera.ttf"
    with pytest.raises(FontError, match="Vera.ttf lacks"):
        load_font(latin_only)


def test_pdf_font_file_names_the_font_to_embed(policy, tmp_path):
    copy = tmp_path / "my-cjk.ttc"
    shutil.copyfile(DEFAULT_FONT_FILE, copy)
    font = load_font(copy)
    assert font != load_font() and font.file == copy.resolve() and load_font(copy) is font
    document = bundle_document(
        Submission(
            reference=REFERENCE,
            founder="telegram:42",
            flow="subsidy",
            programme="startup_loan",
            office="district_hrss",
            district="xuhui",
            locale="zh_CN",
            answers=subsidy_answers("startup_loan"),
            attachments=[],
            submitted_at=SUBMITTED_AT.timestamp(),
        ),
        policy,
        [],
    )
    assert COMPANY in pdf_text(render_application_pdf(document, font=font))


def test_start_up_stops_with_one_line_naming_a_missing_font(tmp_path, monkeypatch, capsys):
    from bot.__main__ import main

    monkeypatch.setenv("DATA_KEYS", Fernet.generate_key().decode())
    monkeypatch.setenv("PDF_FONT_FILE", str(tmp_path / "gone.ttc"))
    assert main(["check"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "Traceback" not in error
    assert error.startswith("configuration error: PDF_FONT_FILE: ")
    assert "gone.ttc not found" in error and FONT_PACKAGE in error
