"""application.pdf: the agency's readable copy of a bundle, in Chinese and English, on A4.

All text is set in reportlab's built-in CID font STSong-Light, so Chinese shows and can be
copied out without a font file. Personal data is shown in full: this is the office's copy.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from flows.engine.districts import by_code
from flows.engine.text import Localized

FONT = "STSong-Light"
SHANGHAI = timezone(timedelta(hours=8))
# Answer name -> (Chinese, English) label; the wording of the bot's catalogs.
LABELS: dict[str, tuple[str, str]] = {
    "applicant": ("申请人类别", "Applicant"),
    "graduation_year": ("毕业年份", "Graduation year"),
    "residence": ("户籍或居住证", "Hukou or residence permit"),
    "first_business": ("在沪首次创业", "First business in Shanghai"),
    "registered": ("已登记注册", "Business registered"),
    "registered_on": ("登记日期", "Registration date"),
    "org_type": ("组织类型", "Organisation type"),
    "district": ("所在区", "District"),
    "insured_staff": ("参保员工人数", "Insured staff"),
    "insured_since": ("最长在职员工入职日期", "Employed since"),
    "lease": ("经营场所租赁合同", "Premises lease"),
    "dishonest": ("失信被执行人", "Listed as dishonest judgment debtor"),
    "programme": ("申请项目", "Programme"),
    "consent": ("个人信息使用授权", "Consent to personal data use"),
    "applicant_name": ("姓名", "Name"),
    "id_number": ("居民身份证号码", "Resident ID number"),
    "mobile": ("手机号码", "Mobile number"),
    "company_name": ("企业名称", "Business name"),
    "credit_code": ("统一社会信用代码", "Unified social credit code"),
    "lease_months": ("租赁期限（月）", "Lease period (months)"),
    "monthly_rent": ("月租金", "Monthly rent"),
    "loan_amount": ("贷款金额", "Loan amount"),
}
# Codes of choice answers -> (Chinese, English).
CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "applicant": {
        "graduate": ("高校毕业生", "College graduate"),
        "employment_difficulty": ("就业困难人员", "Person with employment difficulty"),
        "veteran": ("退役军人", "Veteran"),
        "unemployed": ("登记失业人员", "Registered unemployed"),
        "disabled": ("残疾人", "Person with a disability"),
        "returning_migrant": ("返乡农民工", "Returning migrant worker"),
        "other": ("均不符合", "None of these"),
    },
    "residence": {
        "hukou": ("上海户籍", "Shanghai hukou"),
        "residence_permit": ("上海市居住证", "Shanghai residence permit"),
        "talent_permit": ("海外人才居住证", "Overseas talent residence permit"),
        "none": ("均不符合", "None of these"),
    },
    "org_type": {
        "small_micro": ("小型微型企业", "Small or micro enterprise"),
        "individual": ("个体工商户", "Individual business"),
        "cooperative": ("农民专业合作社", "Farmers' cooperative"),
        "non_enterprise": ("民办非企业单位", "Private non-enterprise unit"),
        "other": ("其他或尚未确定", "Other / not yet decided"),
    },
    "consent": {"agree": ("同意", "Agreed"), "decline": ("不同意", "Declined")},
}
MONEY = frozenset({"monthly_rent", "loan_amount"})
# Applicant fields of bundle.json and the answers they come from.
APPLICANT = (("applicant_name", "name"), ("id_number", "id_number"), ("mobile", "mobile"))
SHOWN_ABOVE = frozenset({"applicant_name", "id_number", "mobile", "company_name", "credit_code"})

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
_LABEL = ParagraphStyle("label", parent=_BODY, textColor=colors.HexColor("#333333"))
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=16, leading=22, spaceAfter=2)
_SUBTITLE = ParagraphStyle("subtitle", parent=_BODY, fontSize=12, leading=16, spaceAfter=8)
_HEADING = ParagraphStyle("heading", parent=_BODY, fontSize=11.5, leading=16, spaceBefore=8)
_WIDTHS = (62 * mm, 112 * mm)
_PADDING = 6


def _para(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


def _localized(value: Mapping[str, str]) -> str:
    return _both(value.get("zh", ""), value.get("en", ""))


def _when(stamp: str) -> str:
    """The UTC stamp, and the same moment in Shanghai time for the office."""
    try:
        moment = datetime.fromisoformat(stamp).astimezone(SHANGHAI)
    except ValueError:
        return stamp
    return f"{moment:%Y-%m-%d %H:%M} 北京时间 / Beijing time ({stamp})"


def _value(name: str, value: Any, bundle: Mapping[str, Any]) -> str:
    if value is None:
        return "— 未填 / skipped"
    if isinstance(value, bool):
        return "是 / Yes" if value else "否 / No"
    if isinstance(value, list):
        return "; ".join(_value(name, item, bundle) for item in value)
    if name == "programme" and value == bundle["programme"]["id"]:
        return _localized(bundle["programme"]["title"])
    if name == "district" and (district := by_code(str(value))) is not None:
        return _both(district.zh, district.en)
    if (choice := CHOICES.get(name, {}).get(str(value))) is not None:
        return _both(*choice)
    if name in MONEY:
        try:
            return f"¥{Decimal(str(value)):,} 元 / CNY"
        except InvalidOperation:
            pass
    return str(value)


def _label(name: str) -> str:
    zh, en = LABELS.get(name, (name, name))
    return _both(zh, en)


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """Text that fits on one line stays a plain string (drawn in the table's font); only longer
    text becomes a wrapping Paragraph, which costs most of a PDF's layout time."""
    if (
        "\n" not in text
        and pdfmetrics.stringWidth(text, FONT, style.fontSize) <= width - 2 * _PADDING
    ):
        return text
    return _para(text, style)


def _table(rows: list[tuple[str, str | Paragraph]]) -> Table:
    cells = [
        [
            _cell(label, _LABEL, _WIDTHS[0]),
            value if isinstance(value, Paragraph) else _cell(value, _BODY, _WIDTHS[1]),
        ]
        for label, value in rows
    ]
    table = Table(cells, colWidths=_WIDTHS)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), _BODY.fontSize),
                ("LEADING", (0, 0), (-1, -1), _BODY.leading),
                ("TEXTCOLOR", (0, 0), (0, -1), _LABEL.textColor),
                ("LEFTPADDING", (0, 0), (-1, -1), _PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), _PADDING),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


def _attachments(bundle: Mapping[str, Any], names: Mapping[str, Localized]) -> list[Flowable]:
    if not bundle["attachments"]:
        return [_para("无 / None")]
    rows: list[tuple[str, str | Paragraph]] = []
    for index, item in enumerate(bundle["attachments"], start=1):
        document = names.get(item["document"])
        kind = _both(document.zh, document.en) if document else item["document"] or "—"
        about = escape(f"{item['name']} ({item['mime']}, {item['size']:,} bytes), SHA-256:")
        digest = f'<font name="Courier" size="7.5">{escape(item["sha256"])}</font>'
        rows.append((f"{index}. {kind}", Paragraph(f"{about}<br/>{digest}", _BODY)))
    return [_table(rows)]


@cache
def _register_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _footer(reference: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.drawString(
            18 * mm, 10 * mm, f"{reference}  上海中小企业服务助手 / Shanghai SME founders' bot"
        )
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    return draw


def render_application_pdf(
    bundle: Mapping[str, Any], *, document_names: Mapping[str, Localized] | None = None
) -> bytes:
    """The bundle as a readable A4 application; `document_names` names the attachments' documents."""
    _register_font()
    title, office, district = bundle["programme"]["title"], bundle["office"], bundle["district"]
    supplement = bundle.get("supplement")
    heading = "补充材料 / Supplement" if supplement else "申请表 / Application"
    applicant, company = bundle["applicant"], bundle["company"]
    story: list[Flowable] = [
        _para(title["zh"], _TITLE),
        _para(f"{title['en']} — {heading}", _SUBTITLE),
        _table(
            [
                ("编号 / Reference", bundle["reference"]),
                ("提交时间 / Submitted at", _when(bundle["submitted_at"])),
                ("受理机构 / Receiving office", _localized(office["name"])),
                ("所在区 / District", _localized(district["name"])),
                (
                    "依据 / Articles",
                    ", ".join(f"Art. {a}" for a in bundle["programme"]["articles"]),
                ),
            ]
        ),
        _para("申请人 / Applicant", _HEADING),
        _table([(_label(k), applicant[v]) for k, v in APPLICANT]),
        _para("企业 / Business", _HEADING),
        _table(
            [
                (_label("company_name"), company["name"]),
                (_label("credit_code"), company["credit_code"]),
            ]
            if company
            else [("状态 / Status", "尚未登记 / Not registered yet")]
        ),
    ]
    if supplement:
        story += [
            _para("补充 / Supplement", _HEADING),
            _table(
                [
                    ("原申请编号 / Case reference", supplement["case_reference"]),
                    ("问题 / Question", supplement["question"] or "—"),
                    ("回答 / Answer", supplement["text"] or "—"),
                    ("回答时间 / Answered at", _when(supplement["answered_at"])),
                ]
            ),
        ]
    # Answers the applicant and business tables above already show are not repeated.
    answers = {k: v for k, v in bundle["answers"].items() if k not in SHOWN_ABOVE}
    story += [
        _para("填报内容 / Answers", _HEADING),
        _table([(_label(k), _value(k, v, bundle)) for k, v in answers.items()] or [("—", "—")]),
        _para("附件 / Attachments", _HEADING),
        *_attachments(bundle, document_names or {}),
        Spacer(1, 4 * mm),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{bundle['reference']} {title['en']}",
        author="上海中小企业服务助手 / Shanghai SME founders' bot",
        subject=title["zh"],
        lang="zh-CN",
        invariant=True,
    )
    footer = _footer(bundle["reference"])
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
