"""application.pdf: the agency's readable copy of a bundle, in Chinese and English, on A4.

Text is set in a CJK TrueType font embedded as a subset (bot.handoff.fonts), so Chinese shows in
any viewer and can be copied out. It ends with the applicant's declaration, is dated when the
founder confirmed, and the same bundle gives the same bytes. Personal data is shown in full:
this is the office's copy.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate

from bot.handoff import wording as w
from bot.handoff.fonts import PdfFont, load_font
from bot.handoff.pdf_layout import (
    MARGIN,
    Row,
    Styles,
    dated,
    footer,
    heading,
    latin,
    para,
    styles,
    table,
)
from flows.engine.text import Localized

# Applicant fields of bundle.json and the answers they come from.
APPLICANT = (("applicant_name", "name"), ("id_number", "id_number"), ("mobile", "mobile"))
SHOWN_ABOVE = frozenset({"applicant_name", "id_number", "mobile", "company_name", "credit_code"})
BOT = "上海中小企业服务助手 / Shanghai SME founders' bot"


def _attachments(s: Styles, bundle: Mapping[str, Any], names: Mapping[str, Localized]) -> list[Row]:
    rows: list[Row] = []
    for index, item in enumerate(bundle["attachments"], start=1):
        document = names.get(item["document"])
        kind = w.both(document.zh, document.en) if document else item["document"] or "—"
        about = escape(f"{item['name']} ({item['mime']}, {item['size']:,} bytes), SHA-256:")
        digest = f'<font name="Courier" size="7">{escape(item["sha256"])}</font>'
        style = latin(s.body) if item["name"].isascii() else s.body
        rows.append((f"{index}. {kind}", Paragraph(f"{about}<br/>{digest}", style)))
    return rows or [("—", "无 / None")]


def _closing(s: Styles, bundle: Mapping[str, Any], attachments: list[Row]) -> list[Flowable]:
    """The attachments, then the declaration with the moment the founder confirmed; it never
    stands alone on a last page: the last attachment goes over with it."""
    confirmed = f"{w.when(bundle['submitted_at'], utc=False)}\n{w.CONFIRMED_HOW}"
    declaration = [
        para(w.DECLARATION_HEADING, s.heading),
        *(para(text, s.body) for text in w.DECLARATION),
        table(
            s, [(w.label("applicant_name"), bundle["applicant"]["name"]), (w.CONFIRMED, confirmed)]
        ),
    ]
    return [
        *heading("附件 / Attachments", s),
        *([table(s, attachments[:-1])] if len(attachments) > 1 else []),
        KeepTogether([table(s, attachments[-1:]), *declaration]),
    ]


def _story(s: Styles, bundle: Mapping[str, Any], names: Mapping[str, Localized]) -> list[Flowable]:
    title, office, district = bundle["programme"]["title"], bundle["office"], bundle["district"]
    supplement = bundle.get("supplement")
    kind = "补充材料 / Supplement" if supplement else "申请表 / Application"
    applicant, company = bundle["applicant"], bundle["company"]
    articles = ", ".join(f"Art. {a}" for a in bundle["programme"]["articles"])
    story: list[Flowable] = [
        para(title["zh"], s.title),
        para(f"{title['en']} — {kind}", s.subtitle),
        table(
            s,
            [
                ("编号 / Reference", bundle["reference"]),
                ("提交时间 / Submitted at", w.when(bundle["submitted_at"])),
                ("受理机构 / Receiving office", w.localized(office["name"])),
                ("所在区 / District", w.localized(district["name"])),
                ("依据 / Articles", articles),
            ],
        ),
        *heading("申请人 / Applicant", s),
        table(s, [(w.label(k), applicant[v]) for k, v in APPLICANT]),
        *heading("企业 / Business", s),
        table(
            s,
            [
                (w.label("company_name"), company["name"]),
                (w.label("credit_code"), company["credit_code"]),
            ]
            if company
            else [("状态 / Status", "尚未登记 / Not registered yet")],
        ),
    ]
    if supplement:
        story += [
            *heading("补充 / Supplement", s),
            table(
                s,
                [
                    ("原申请编号 / Case reference", supplement["case_reference"]),
                    ("问题 / Question", supplement["question"] or "—"),
                    ("回答 / Answer", supplement["text"] or "—"),
                    ("回答时间 / Answered at", w.when(supplement["answered_at"])),
                ],
            ),
        ]
    # Answers the applicant and business tables above already show are not repeated.
    answers = {k: v for k, v in bundle["answers"].items() if k not in SHOWN_ABOVE}
    shown: list[Row] = [(w.label(k), w.value(k, v, bundle)) for k, v in answers.items()]
    return [
        *story,
        *heading("填报内容 / Answers", s),
        table(s, shown or [("—", "—")]),
        *_closing(s, bundle, _attachments(s, bundle, names)),
    ]


def render_application_pdf(
    bundle: Mapping[str, Any],
    *,
    document_names: Mapping[str, Localized] | None = None,
    font: PdfFont | None = None,
) -> bytes:
    """The bundle as a readable A4 application; `document_names` names the attachments' documents,
    `font` is the CJK font to embed (PDF_FONT_FILE's, checked at start-up; the default if None)."""
    s = styles((font or load_font()).name)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"{bundle['reference']} {bundle['programme']['title']['en']}",
        author=BOT,
        subject=bundle["programme"]["title"]["zh"],
        lang="zh-CN",
        invariant=True,  # no clock and no random id; the dates are the founder's confirmation
        initialFontName=s.font,
    )
    page_foot = footer(s.font, f"{bundle['reference']}  {BOT}")
    document.build(
        _story(s, bundle, document_names or {}),
        onFirstPage=page_foot,
        onLaterPages=page_foot,
        canvasmaker=dated(w.moment(bundle["submitted_at"])),
    )
    return buffer.getvalue()
