"""application.pdf's building blocks: the styles for one font, section headings, two-column
tables, the page footer and a canvas dated when the founder confirmed."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

MARGIN = 18 * mm
WIDTHS = (70 * mm, 104 * mm)  # label and value columns: A4 less both margins
PADDING = 6
HEADING_ROOM = 24 * mm  # a heading starts a new page when less than this is left under it
Row = tuple[str, str | Paragraph]


@dataclass(frozen=True)
class Styles:
    """The paragraph styles of one PDF, all in its CJK font."""

    font: str
    body: ParagraphStyle
    label: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle


@cache
def styles(font: str) -> Styles:
    """The styles in the registered font `font`, made once per font."""
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    return Styles(
        font,
        body,
        ParagraphStyle("label", parent=body, textColor=colors.HexColor("#333333")),
        ParagraphStyle("title", parent=body, fontSize=15, leading=20, spaceAfter=1),
        ParagraphStyle("subtitle", parent=body, fontSize=11.5, leading=15, spaceAfter=5),
        ParagraphStyle("heading", parent=body, fontSize=11, leading=15, spaceBefore=5),
    )


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """Plain text (escaped, newlines kept) as a paragraph; text without Chinese is broken at
    spaces, many times faster than reportlab's CJK line breaking, which goes glyph by glyph."""
    return Paragraph(escape(text).replace("\n", "<br/>"), latin(style) if text.isascii() else style)


@cache
def latin(style: ParagraphStyle) -> ParagraphStyle:
    """`style` breaking lines at spaces only: for text without Chinese."""
    return ParagraphStyle(f"{style.name}-latin", parent=style, wordWrap=None)


def heading(text: str, s: Styles) -> list[Flowable]:
    """A section heading, on the next page when too little of this one is left for a row under
    it (the table below then splits wherever it must)."""
    return [CondPageBreak(HEADING_ROOM), para(text, s.heading)]


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """Text whose lines fit stays a plain string (drawn in the table's font, line by line); only
    longer text becomes a wrapping Paragraph, which costs most of a PDF's layout time."""
    room = width - 2 * PADDING
    widths = (
        pdfmetrics.stringWidth(line, style.fontName, style.fontSize) for line in text.split("\n")
    )
    return text if all(w <= room for w in widths) else para(text, style)


def table(s: Styles, rows: list[Row]) -> Table:
    """Label and value rows in a grid; tables set one under another line up."""
    cells = [
        [
            _cell(label, s.label, WIDTHS[0]),
            value if isinstance(value, Paragraph) else _cell(value, s.body, WIDTHS[1]),
        ]
        for label, value in rows
    ]
    grid = Table(cells, colWidths=WIDTHS)
    grid.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), s.font),
                ("FONTSIZE", (0, 0), (-1, -1), s.body.fontSize),
                ("LEADING", (0, 0), (-1, -1), s.body.leading),
                ("TEXTCOLOR", (0, 0), (0, -1), s.label.textColor),
                ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9a9a9a")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return grid


def footer(font: str, text: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """Draws `text` and the page number at the foot of every page."""

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    return draw


def dated(moment: datetime | None) -> Callable[..., Canvas]:
    """A canvas maker whose /CreationDate and /ModDate are `moment` (reportlab's invariant
    2000-01-01 when None)."""
    date = None if moment is None else moment.strftime("D:%Y%m%d%H%M%S") + _offset(moment)

    def make(*args: Any, **kwargs: Any) -> Canvas:
        canvas = Canvas(*args, **kwargs)
        if date is not None:
            canvas.setDateFormatter(lambda *_: date)
        return canvas

    return make


def _offset(moment: datetime) -> str:
    minutes = round((moment.utcoffset() or timedelta(0)).total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"


def render(
    story: list[Flowable],
    s: Styles,
    *,
    title: str,
    subject: str,
    footnote: str,
    moment: datetime | None,
    author: str,
) -> bytes:
    """An A4 document of `story` in the styles' font, `footnote` at the foot of every page,
    dated `moment` and otherwise invariant (no clock, no random id: the same input gives the
    same bytes)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=author,
        subject=subject,
        lang="zh-CN",
        invariant=True,
        initialFontName=s.font,
    )
    page_foot = footer(s.font, footnote)
    document.build(story, onFirstPage=page_foot, onLaterPages=page_foot, canvasmaker=dated(moment))
    return buffer.getvalue()
