"""application.pdf: the agency's readable copy of a bundle, in Chinese and English, on A4.

Text is set in a CJK TrueType font embedded as a subset (bot.handoff.fonts), so Chinese shows in
any viewer and can be copied out. It ends with the applicant's declaration, is dated when the
founder confirmed, and the same bundle gives the same bytes. Personal data is shown in full:
this is the office's copy; an anonymous one (applicant null) shows none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.platypus import Flowable, KeepTogether, Paragraph

from bot.handoff import wording as w
from bot.handoff.fonts import PdfFont, load_font
from bot.handoff.pdf_layout import (
    Row,
    Styles,
    heading,
    latin,
    para,
    render,
    styles,
    table,
)
from bot.handoff.view import BundleView, read_bundle
from flows.engine.text import Localized

# Applicant fields of bundle.json and the answers they come from.
APPLICANT = (("applicant_name", "name"), ("id_number", "id_number"), ("mobile", "mobile"))
SHOWN_ABOVE = frozenset({"applicant_name", "id_number", "mobile", "company_name", "credit_code"})
BOT = w.BOT


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


def _closing(s: Styles, view: BundleView, attachments: list[Row]) -> list[Flowable]:
    """The attachments, then the declaration with the moment the founder confirmed; it never
    stands alone on a last page: the last attachment goes over with it. An anonymous one is
    signed by no name."""
    confirmed = f"{w.when(view.bundle['submitted_at'], utc=False)}\n{w.CONFIRMED_HOW}"
    signed: list[Row] = [(w.CONFIRMED, confirmed)]
    if view.applicant and view.applicant.get("name"):
        signed.insert(0, (w.label("applicant_name"), view.applicant["name"]))
    elif view.company and view.company.get("name"):  # the business applies (a credit repair)
        signed.insert(0, (w.label("company_name"), view.company["name"]))
    declaration = [
        para(w.DECLARATION_HEADING, s.heading),
        *(para(text, s.body) for text in w.DECLARATION),
        table(s, signed),
    ]
    return [
        *heading("附件 / Attachments", s),
        *([table(s, attachments[:-1])] if len(attachments) > 1 else []),
        KeepTogether([table(s, attachments[-1:]), *declaration]),
    ]


def _who(s: Styles, view: BundleView) -> list[Flowable]:
    """The applicant and the business; for an anonymous submission (no applicant, no
    business) one line instead, and for a business applying without a person, its table."""
    applicant, company = view.applicant, view.company
    if applicant is None and not company:
        return [para(w.both(*w.ANONYMOUS), s.heading)]
    if company:
        business = [
            (w.label("company_name"), company["name"]),
            (w.label("credit_code"), company["credit_code"]),
        ]
    elif view.answers.get("registered") is False or view.programme is not None:
        business = [("状态 / Status", "尚未登记 / Not registered yet")]
    else:
        business = [("—", w.both(*w.NO_BUSINESS))]
    shown: list[Row] = [("—", w.both(*w.THE_BUSINESS))]  # the business itself, no person
    if applicant is not None:
        shown = [(w.label(k), applicant[v]) for k, v in APPLICANT if v in applicant]
    return [
        *heading("申请人 / Applicant", s),
        table(s, shown),
        *heading("企业 / Business", s),
        table(s, business),
    ]


def _supplement(s: Styles, supplement: Mapping[str, str]) -> list[Flowable]:
    rows: list[Row] = [("原申请编号 / Case reference", supplement["case_reference"])]
    if "purpose" in supplement:  # a complaint's follow-up: escalation or rating, a comment
        rows += [
            (w.label(k), w.value(k, supplement[k]))
            for k in ("purpose", "escalate_to", "verdict")
            if k in supplement
        ]
        rows.append(("意见 / Comment", supplement["text"] or "—"))
    else:
        rows += [
            ("问题 / Question", supplement["question"] or "—"),
            ("回答 / Answer", supplement["text"] or "—"),
        ]
    rows.append(("回答时间 / Answered at", w.when(supplement["answered_at"])))
    return [*heading("补充 / Supplement", s), table(s, rows)]


def _story(s: Styles, view: BundleView, names: Mapping[str, Localized]) -> list[Flowable]:
    bundle, title = view.bundle, view.title
    supplement = bundle.get("supplement")
    kind = "补充材料 / Supplement" if supplement else "申请表 / Application"
    facts: list[Row] = [
        ("编号 / Reference", bundle["reference"]),
        ("提交时间 / Submitted at", w.when(bundle["submitted_at"])),
        ("受理机构 / Receiving office", w.localized(bundle["office"]["name"])),
    ]
    if view.district is not None:
        facts.append(("所在区 / District", w.localized(view.district["name"])))
    if view.articles:
        facts.append(("依据 / Articles", ", ".join(f"Art. {a}" for a in view.articles)))
    # Answers the applicant and business tables above already show are not repeated.
    fields = {**view.details, **{k: v for k, v in view.answers.items() if k not in SHOWN_ABOVE}}
    shown: list[Row] = [(w.label(k), w.value(k, v, view.programme)) for k, v in fields.items()]
    return [
        para(title["zh"], s.title),
        para(f"{title['en']} — {kind}", s.subtitle),
        table(s, facts),
        *_who(s, view),
        *(_supplement(s, supplement) if supplement else []),
        *heading("填报内容 / Answers", s),
        table(s, shown or [("—", "—")]),
        *_closing(s, view, _attachments(s, bundle, names)),
    ]


def render_application_pdf(
    bundle: Mapping[str, Any],
    *,
    document_names: Mapping[str, Localized] | None = None,
    font: PdfFont | None = None,
) -> bytes:
    """The bundle (version 1 or 2) as a readable A4 application; `document_names` names the
    attachments' documents, `font` is the CJK font to embed (PDF_FONT_FILE's, checked at
    start-up; the default if None)."""
    # registered in this process too (a render process is not the one that checked it)
    s = styles(load_font(font.file if font else None).name)
    view = read_bundle(bundle)
    return render(
        _story(s, view, document_names or {}),
        s,
        title=f"{bundle['reference']} {view.title['en']}",
        subject=view.title["zh"],
        footnote=f"{bundle['reference']}  {BOT}",
        moment=w.moment(bundle["submitted_at"]),  # the dates are the founder's confirmation
        author=BOT,
    )
