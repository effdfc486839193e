"""信用承诺书, the credit commitment letter as the agency's viewer sees it: an embedded CJK
subset, the business, its code and record, the confirmed text in Chinese then English, the
moment it was confirmed; the same letter gives the same bytes, and long text wraps."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

from applications import COMMITMENT_TEXT, CREDIT_CODE, CREDIT_COMPANY
from pdfs import STANDARD_14, fonts, page_texts, pdf_text, reader
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics

from bot.handoff.fonts import DEFAULT_FONT_FILE, load_font
from bot.handoff.letter import render_commitment_letter
from bot.handoff.pdf_layout import MARGIN

REFERENCE = "SUB-20261201-CRDT01"
CONFIRMED_AT = "2026-12-01T09:30:00Z"  # 17:30 in Shanghai
RECORD = {
    "type": "penalty",
    "decided_on": "2025-06-01",
    "decision_no": "沪市监罚〔2025〕123号",
    "authority": {
        "id": None,
        "name": {"zh": "上海市浦东新区市场监督管理局", "en": "上海市浦东新区市场监督管理局"},
    },
}


def letter(
    company: str = CREDIT_COMPANY, text: dict[str, str] = COMMITMENT_TEXT, **changes: Any
) -> bytes:
    return render_commitment_letter(
        reference=REFERENCE,
        company={"name": company, "credit_code": CREDIT_CODE},
        record=changes.pop("record", RECORD),
        commitment={"text": text, "confirmed_at": CONFIRMED_AT, "document": "commitment_letter"},
        **changes,
    )


def flat(text: str) -> str:
    return text.replace("\n", "").replace(" ", "")


def test_the_letter_is_set_in_an_embedded_truetype_subset():
    used = fonts(letter())
    cjk = {f for f in used if "WenQuanYiMicroHei" in f.name}
    assert cjk, used
    for font in cjk:
        assert (font.subtype, font.file) == ("/TrueType", "/FontFile2")
        assert font.name[6] == "+"  # a subset: ABCDEF+WenQuanYiMicroHei
    assert {f.name for f in used if f.file is None} <= STANDARD_14


def test_the_letter_names_the_business_its_record_and_the_confirmed_text():
    pdf = letter()
    text = pdf_text(pdf)
    assert text.startswith(f"{REFERENCE}  信用承诺书 / Credit commitment letter")  # the footer
    assert "信用承诺书" in text and "Credit commitment letter" in text
    assert CREDIT_COMPANY in text and CREDIT_CODE in text
    assert "承诺主体 / Committing party" in text
    assert "行政处罚信息 / Administrative penalty" in text and "沪市监罚〔2025〕123号" in text
    assert "上海市浦东新区市场监督管理局" in text and "2025-06-01" in text
    body = flat(text)
    chinese, english = (
        body.index(flat(COMMITMENT_TEXT["zh"])),
        body.index(flat(COMMITMENT_TEXT["en"])),
    )
    assert chinese < body.index(flat("英文译文（仅供参考，以中文为准）")) < english
    assert "由申请人于2026-12-0117:30（北京时间）在上海中小企业服务助手中确认。" in body
    assert (
        "Confirmed by the applicant in the Shanghai SME founders' bot at 2026-12-01 17:30" in text
    )


def test_the_same_letter_gives_the_same_bytes_dated_when_confirmed():
    assert letter() == letter()
    assert letter() != letter(company="上海另一家科技有限公司")
    metadata = reader(letter()).metadata
    assert metadata.creation_date == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert metadata["/CreationDate"] == "D:20261201173000+08'00'"
    assert metadata.title == f"{REFERENCE} Credit commitment letter"


def test_a_long_name_and_a_long_commitment_wrap_inside_the_page():
    company = "上海" + "某" * 70 + "科技有限公司"
    text = {"zh": COMMITMENT_TEXT["zh"] * 12, "en": COMMITMENT_TEXT["en"] * 12}
    pdf = letter(company=company, text=text)
    font, room = load_font().name, A4[0] - 2 * MARGIN
    pages = page_texts(pdf)
    for page in pages:
        for line in page.splitlines():
            assert pdfmetrics.stringWidth(line, font, 9) <= room + 1, line
    body = flat("".join(pages))
    assert flat(company) in body
    assert flat(text["zh"][:200]) in body  # wrapped, not cut


def test_a_letter_in_another_font_file_embeds_that_font(tmp_path):
    copy = tmp_path / "my-cjk.ttc"
    shutil.copyfile(DEFAULT_FONT_FILE, copy)
    assert CREDIT_COMPANY in pdf_text(letter(font=load_font(copy)))
