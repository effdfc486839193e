"""信用承诺书, the credit commitment letter a credit repair carries: the business, the record,
the text the founder confirmed (Chinese, then English for reference) and when, on A4 in the
embedded CJK font; the same letter gives the same bytes, dated when the founder confirmed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reportlab.platypus import Flowable

from bot.handoff import wording as w
from bot.handoff.fonts import PdfFont, load_font
from bot.handoff.pdf_layout import Row, Styles, heading, para, render, styles, table

BOT = w.BOT


def _confirmed(s: Styles, confirmed_at: str) -> list[Flowable]:
    moment = w.moment(confirmed_at)
    shanghai = f"{moment:%Y-%m-%d %H:%M}" if moment else confirmed_at
    (zh, en), (zh_time, en_time) = w.LETTER["confirmed"], w.LETTER["time"]
    return [
        para(zh.format(when=zh_time.format(when=shanghai)), s.body),
        para(en.format(when=en_time.format(when=shanghai, utc=confirmed_at)), s.body),
    ]


def _story(
    s: Styles,
    reference: str,
    company: Mapping[str, str],
    record: Mapping[str, Any],
    commitment: Mapping[str, Any],
) -> list[Flowable]:
    subject: list[Row] = [
        (w.both(*w.LETTER["subject"]), company.get("name") or "—"),
        (w.label("credit_code"), company.get("credit_code") or "—"),
        ("编号 / Reference", reference),
    ]
    shown: list[Row] = [
        (w.label(w.RECORD_KEYS.get(k, k)), w.value(w.RECORD_KEYS.get(k, k), v))
        for k, v in record.items()
    ]
    text = commitment["text"]
    zh, en = w.DOCUMENTS["commitment_letter"]
    return [
        para(zh, s.title),
        para(en, s.subtitle),
        table(s, subject),
        *heading(w.both(*w.LETTER["record"]), s),
        table(s, shown),
        *heading(w.both(*w.LETTER["text"]), s),
        para(text["zh"], s.body),
        *heading(w.both(*w.LETTER["translation"]), s),
        para(text["en"], s.body),
        *heading(w.label("commitment_at"), s),
        *_confirmed(s, str(commitment["confirmed_at"])),
    ]


def render_commitment_letter(
    *,
    reference: str,
    company: Mapping[str, str],
    record: Mapping[str, Any],
    commitment: Mapping[str, Any],
    font: PdfFont | None = None,
) -> bytes:
    """The letter as a PDF: `company` {name, credit_code}, `record` and `commitment` as in the
    bundle's credit section (docs/bundle/v2/credit.schema.json), set in `font`."""
    # registered in this process too (a render process is not the one that checked it)
    s = styles(load_font(font.file if font else None).name)
    zh, en = w.DOCUMENTS["commitment_letter"]
    return render(
        _story(s, reference, company, record, commitment),
        s,
        title=f"{reference} {en}",
        subject=zh,
        footnote=f"{reference}  {zh} / {en}",
        moment=w.moment(str(commitment["confirmed_at"])),  # dated when the founder confirmed
        author=BOT,
    )
