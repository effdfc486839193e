"""What bot.handoff.subsetting keeps from one PDF to the next changes no byte: its subsets are
reportlab's own, and application.pdf and the commitment letter, rendered one after another and
again, are the PDFs stock reportlab makes of them."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from applications import COMMITMENT_TEXT, CREDIT_CODE, subsidy_answers
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

from bot.handoff.bundle import bundle_document
from bot.handoff.fonts import load_font
from bot.handoff.letter import render_commitment_letter
from bot.handoff.pdf import render_application_pdf
from bot.handoff.subsetting import CachingFace, CachingTTFont
from bot.handoff.types import Attachment
from flows.engine.draft import Submission
from flows.policy.loader import PolicyData, load_policy_data

SUBMITTED_AT = datetime(2026, 11, 28, 9, 30, tzinfo=UTC).timestamp()
RNG = random.Random(20261128)
# More distinct characters than one subset holds (256), and some the font lacks.
MANY = "".join(chr(c) for c in RNG.sample(range(0x4E00, 0x9FA5), 700))
ODD = "王𠮷 Zoë Łukasz & <b>「引号」</b> ½ ﬁ ① ㈱ ｈｅｌｌｏ ☃ 😀 عربى"


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


@pytest.fixture(scope="module")
def face() -> CachingFace:
    font = pdfmetrics.getFont(load_font().name)
    assert isinstance(font, CachingTTFont) and isinstance(font.face, CachingFace)
    return font.face


@pytest.fixture
def stock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], None]]:
    """Calling it puts a stock reportlab TTFont of the same file under our font's name."""
    ours = load_font()

    def use_stock() -> None:
        font = TTFont(ours.name, str(ours.file), subfontIndex=0)
        monkeypatch.setitem(pdfmetrics._fonts, ours.name, font)

    yield use_stock


def application(policy: PolicyData, reference: str, count: int, **answers: Any) -> bytes:
    kinds = [d.id for d in policy.documents]
    files = [
        Attachment(f"附件-{i}.pdf", "application/pdf", bytes([i]) * 99, kinds[i % len(kinds)])
        for i in range(count)
    ]
    submission = Submission(
        reference=reference,
        founder="telegram:42",
        flow="subsidy",
        programme="startup_loan",
        office="district_hrss",
        district="xuhui",
        locale="zh_CN",
        answers=subsidy_answers("startup_loan") | {"loan_amount": "300000"} | answers,
        attachments=[],
        submitted_at=SUBMITTED_AT,
    )
    document = bundle_document(submission, policy, files)
    names = {d.id: d.name for d in policy.documents}
    return render_application_pdf(document, document_names=names)


def letter(company: str, text: dict[str, str]) -> bytes:
    return render_commitment_letter(
        reference="SUB-20261201-CRDT01",
        company={"name": company, "credit_code": CREDIT_CODE},
        record={
            "type": "penalty",
            "decided_on": "2025-06-01",
            "decision_no": "沪市监罚〔2025〕123号",
        },
        commitment={"text": text, "confirmed_at": "2026-12-01T09:30:00Z"},
    )


def renders(policy: PolicyData) -> list[Callable[[], bytes]]:
    """Documents that share most of their characters, and some that share few."""
    return [
        lambda: application(policy, "SUB-20261128-7Q4K9M", 2),
        lambda: application(
            policy, "SUB-20261128-ODD001", 1, applicant_name="李四", company_name="某某" + ODD
        ),
        lambda: application(policy, "SUB-20261128-MANY01", 14, note=MANY, more=MANY[::-1]),
        lambda: letter("上海某某科技有限公司", COMMITMENT_TEXT),
        lambda: letter("某某" + ODD, {"zh": MANY[:300], "en": COMMITMENT_TEXT["en"]}),
    ]


def test_a_subset_is_the_one_reportlab_makes(face):
    """The glyphs kept give reportlab's subset for the code points asked, in the order asked:
    common characters, composite glyphs, characters the font lacks, a subset met again."""
    codes = sorted(face.charToGlyph)
    composite = [c for c in codes if (g := face._glyph(face.charToGlyph[c])) and g.components]
    assert composite  # the font has composite glyphs, whose components are renumbered
    subsets = [
        list(range(32, 128)),
        [0, *RNG.sample(codes, 255)],
        [0, *RNG.sample(composite, 200), 0x20000, 0x1F600, *RNG.sample(codes, 40)],
        [0, 32] + [ord(c) for c in dict.fromkeys(MANY)][:254],
    ]
    for subset in [*subsets, *subsets[::-1]]:  # again: from the subsets kept
        assert face.makeSubset(subset) == TTFontFile.makeSubset(face, subset)


def test_pdfs_rendered_in_turn_and_again_are_stock_reportlabs(policy, stock):
    made = renders(policy)
    ours = [render() for render in [*made, *made[::-1]]]
    stock()
    theirs = [render() for render in made]
    assert ours[: len(made)] == theirs
    assert ours[len(made) :] == theirs[::-1]
    assert len(set(theirs)) == len(theirs)
