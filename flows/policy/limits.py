"""Time limits and rates from laws other than the Regulations, as policy data: how long an
office takes with a complaint (`DeadlineRule`), when a payer must pay an SME (`PaymentTerm`)
and the default late interest (`LateInterest`). `flows.policy.loader` calls the parsers here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final, Literal

from flows.engine.text import Localized
from flows.policy.entry import ID, Entry
from flows.policy.schema import Confidence

Counting = Literal["working_days", "calendar_days"]
COUNTINGS: Final[tuple[Counting, ...]] = ("working_days", "calendar_days")
Payer = Literal["government_body", "public_institution", "large_enterprise"]
# 机关 / 事业单位 / 大型企业 (保障中小企业款项支付条例 Art. 2)
PAYERS: Final[tuple[Payer, ...]] = ("government_body", "public_institution", "large_enterprise")
_MAX_RATE: Final = Decimal("0.01")  # 1% a day: far above any real rate, catches a typo


@dataclass(frozen=True)
class DeadlineRule:
    """How long an office has for a complaint or request. `days` is None where the limit is not
    known: the bot cites the rule and names no date. `after`: the id of a rule whose deadline
    this one counts from (a decision counted from the transfer), else the submission day.
    `at_most`: the longest an extension may run, counted the same way."""

    id: str
    law: Localized
    articles: tuple[int, ...]
    counting: Counting | None
    days: int | None
    at_most: int | None
    after: str | None
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class PaymentTerm:
    """When a payer of the given kinds must pay an SME: `days` calendar days from delivery (or
    from passing an agreed inspection or acceptance), unless the contract agrees otherwise, and
    then at most `contract_max_days` (None: the law sets no number)."""

    id: str
    payers: tuple[Payer, ...]
    law: Localized
    articles: tuple[int, ...]
    days: int
    contract_max_days: int | None
    in_force_from: date
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class LateInterest:
    """The daily rate of late interest when the contract agrees none."""

    id: str
    law: Localized
    articles: tuple[int, ...]
    daily_rate: Decimal
    in_force_from: date
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


def article_numbers(e: Entry, key: str) -> tuple[int, ...]:
    """Distinct article numbers of the rule's law; empty while a number is still to be found."""
    value = e.get(key)
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        e.fail(key, "expected a list of distinct article numbers (may be empty)")
    for number in value:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            e.fail(key, f"expected article numbers >= 1, got {number!r}")
    return tuple(value)


def _in_force_from(e: Entry) -> date:
    """The day the rule's law takes effect; unlike a checking date it may lie ahead."""
    value = e.get("in_force_from")
    if not isinstance(value, date) or isinstance(value, datetime):
        e.fail("in_force_from", "expected a TOML date like 2025-06-01")
    return value


def parse_deadline(e: Entry, known: Collection[str]) -> DeadlineRule:
    """Build a `DeadlineRule`; `after` must name a rule listed before it (in `known`)."""
    ident, law, articles = e.text("id", ID), e.localized("law"), article_numbers(e, "articles")
    counting = e.optional("counting", lambda key: e.choice(key, COUNTINGS))
    days = e.optional("days", lambda key: e.count(key, least=1))
    at_most = e.optional("at_most", lambda key: e.count(key, least=1))
    after = e.optional("after", lambda key: e.ref(key, known, "earlier deadline"))
    if (counting is None) != (days is None):
        e.fail("days", "give days and counting together, or neither (a limit not known)")
    if at_most is not None and (days is None or at_most <= days):
        e.fail("at_most", f"expected more than days ({days}), got {at_most}")
    return DeadlineRule(ident, law, articles, counting, days, at_most, after, *e.provenance())


def parse_payment_term(e: Entry, taken: set[str]) -> PaymentTerm:
    """Build a `PaymentTerm`; no payer kind may have two (`taken` collects them)."""
    ident, law, articles = e.text("id", ID), e.localized("law"), article_numbers(e, "articles")
    payers = e.get("payers")
    if not isinstance(payers, list) or not payers:
        e.fail("payers", f"expected a non-empty list from {PAYERS}")
    kinds = tuple(e.choice("payers", PAYERS, payer) for payer in payers)
    if twice := [kind for kind in kinds if kind in taken or kinds.count(kind) > 1]:
        e.fail("payers", f"{twice[0]!r} has a payment term already")
    taken.update(kinds)
    days = e.count("days", least=1)
    most = e.optional("contract_max_days", lambda key: e.count(key, least=1))
    if most is not None and most < days:
        e.fail("contract_max_days", f"expected at least days ({days}), got {most}")
    in_force = _in_force_from(e)
    return PaymentTerm(ident, kinds, law, articles, days, most, in_force, *e.provenance())


def parse_late_interest(e: Entry) -> LateInterest:
    """Build a `LateInterest`; `daily_rate` is a decimal string ("0.0005" = 0.05% a day)."""
    ident, law, articles = e.text("id", ID), e.localized("law"), article_numbers(e, "articles")
    text = e.text("daily_rate")
    try:
        rate = Decimal(text)
    except InvalidOperation:
        e.fail("daily_rate", f'expected a decimal string like "0.0005", got {text!r}')
    if not rate.is_finite() or not 0 < rate < _MAX_RATE:
        e.fail("daily_rate", f"expected a daily rate between 0 and {_MAX_RATE}, got {text!r}")
    in_force = _in_force_from(e)
    return LateInterest(ident, law, articles, rate, in_force, *e.provenance())
