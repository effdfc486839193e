"""Turning typed text into stored answers per input kind, and stored answers back into text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from flows.engine import validators
from flows.engine.districts import by_code
from flows.engine.errors import ValidationFailed
from flows.engine.spec import Answers, Context, Field, Kind
from flows.engine.text import N_, Localized, Text, clip

MAX_MESSAGE = 1000

_EXPECTED: dict[Kind, str] = {
    Kind.CHOICE: N_("Please tap one of the buttons below, or type its name."),
    Kind.MULTI: N_("Please tap the options that apply, then tap Done."),
    Kind.FILE: N_("Please send a photo or a file (PDF, JPEG or PNG), or tap Done."),
    Kind.NOTES: N_("Please type your text (several messages are fine), then tap ✅ Done."),
}


def expected(field: Field) -> str:
    """A msgid saying what this field expects, for answers of the wrong kind."""
    return _EXPECTED.get(field.kind, N_("Please type your answer, or use the buttons below."))


def _parse_text(field: Field, text: str, ctx: Context) -> Any:
    if field.parse is not None:
        return field.parse(text, ctx)
    today: date = ctx.today
    limits = {key: value for key, value in field.limits.items() if key != "shown"}
    kind = field.kind
    if kind is Kind.NUMBER:
        return validators.parse_int(text, **limits)
    if kind is Kind.MONEY:
        return str(validators.parse_money(text, **limits))
    if kind is Kind.DATE:
        return validators.parse_date(text, today=today, **limits).isoformat()
    if kind is Kind.DISTRICT:
        return validators.parse_district(text)
    if kind is Kind.YESNO:
        return validators.parse_yes_no(text)
    if kind is Kind.TEXT or (kind is Kind.CHOICE and field.free):
        return validators.parse_free_text(text, **limits)
    raise ValidationFailed(expected(field))


def parse_answer(field: Field, text: str, ctx: Context) -> Any:
    """The JSON-ready value of a typed answer, or ValidationFailed saying what is expected
    (a text field words its own length limit)."""
    if field.kind is not Kind.TEXT and len(text) > MAX_MESSAGE:
        raise ValidationFailed(
            N_("That message is too long ({length} characters; at most {limit})."),
            length=len(text),
            limit=MAX_MESSAGE,
        )
    return _parse_text(field, text, ctx)


def _money(value: str) -> Text:
    amount = Decimal(value)
    shown = f"{amount:,.2f}".removesuffix(".00")
    return Text.raw(f"¥{shown}")


_DISPLAY: dict[Kind, Callable[[Field, Any], Text | Localized]] = {
    Kind.MONEY: lambda f, v: _money(v),
    Kind.YESNO: lambda f, v: Text(N_("Yes") if v else N_("No")),
    Kind.NUMBER: lambda f, v: Text.raw(str(v)),
    Kind.DATE: lambda f, v: Text.raw(str(v)),
    Kind.TEXT: lambda f, v: Text.raw(str(v)),
}


def display(
    field: Field,
    value: Any,
    answers: Answers | None = None,
    ctx: Context | None = None,
    *,
    limit: int = 700,
) -> Text | Localized:
    """How an answer reads on the summary screen (personal data masked; a long text cut to
    `limit` characters, or to the field's own `limits["shown"]` when shorter, so the screen
    stays short: the answer itself is kept whole)."""
    if value is None:
        return Text(N_("(skipped)"))
    if field.mask is not None:
        return Text.raw(field.mask(str(value)))
    if field.kind in (Kind.TEXT, Kind.NOTES):
        return Text.raw(clip(str(value), min(limit, int(field.limits.get("shown", limit)))))
    if field.kind is Kind.CHOICE:
        option = field.option(str(value), answers, ctx)
        return option.block() if option else Text.raw(str(value))
    if field.kind is Kind.MULTI:
        labels = tuple(o.block() for o in field.options if o.value in value)
        return Text("{items}", {"items": labels}) if labels else Text(N_("None of these"))
    if field.kind is Kind.DISTRICT:
        district = by_code(str(value))
        return Localized(district.zh, district.en) if district else Text.raw(str(value))
    if field.kind is Kind.FILE:
        return Text(N_("{count} file(s)"), {"count": len(value)})
    return _DISPLAY[field.kind](field, value)
