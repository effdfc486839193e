"""Payment arrears owed to an SME (保障中小企业款项支付条例, 2025 revision): the legal due date,
days overdue, what is still owed and the late interest, from the policy data's payment terms.

Assumptions, in this one place:
- The term runs from `delivered_on`: the day of delivery, or the day the goods, works or
  services passed inspection or acceptance when the contract makes that the condition of
  payment. The day itself is not counted (Civil Code Art. 201).
- A due date falling on a rest day moves to the next working day (Civil Code Art. 203, as
  `flows.engine.workdays.calendar_deadline`); `nominal_due` keeps the unmoved day, and
  interest runs only from the day after the moved one (the lower claim).
- A contract term longer than the legal maximum is flagged and the maximum applies; a shorter
  or equal one applies as agreed (合同另有约定的，从其约定).
- Interest = amount late × daily rate × days late, computed exactly and rounded once, to the
  fen, ROUND_HALF_UP. A partial payment with a date after the due date was late for the days
  up to it; one without a date is taken as paid by the due date (no payment dates asked).
- Days overdue are 0 once nothing is outstanding (a late full payment still earns interest).
- Whether the 2025 revision governs a contract signed before it came into force is not
  decided here: `before_in_force` says so and the bot routes the founder to the office.
Amounts typed by a founder are read with `flows.engine.validators.parse_money` (12,000,
1.2万, ¥3000, 3000元), with `minimum=AMOUNT_MINIMUM` for the amount owed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Final, Literal, NamedTuple

from flows.engine.errors import ValidationFailed
from flows.engine.validators import MSG_AMOUNT_FEN, MSG_AT_LEAST, MSG_DATE_NOT_FUTURE
from flows.engine.workdays import calendar_deadline
from flows.policy.limits import LateInterest, Payer, PaymentTerm
from flows.policy.schema import PolicyData, quotable

AMOUNT_MINIMUM: Final = Decimal("0.01")
_FEN: Final = Decimal("0.01")
Decider = Literal["contract", "legal_default", "legal_maximum"]
Reason = Literal[
    "in_future",  # a date after today
    "before_contract",  # delivery or payment before the contract was signed
    "not_positive",  # an amount, term or rate of zero or less
    "more_than_fen",  # an amount with more than two decimals
    "paid_more_than_owed",
    "date_without_payment",  # a payment date but nothing paid
]


@dataclass(frozen=True)
class ArrearsClaim:
    """What the founder tells: who owes, the dates, the amounts in CNY, the contract's terms."""

    payer: Payer
    contract_on: dt.date
    delivered_on: dt.date
    owed: Decimal
    paid: Decimal = Decimal(0)
    paid_on: dt.date | None = None
    term_days: int | None = None  # the payment term the contract agrees, in days
    daily_rate: Decimal | None = None  # the late-interest rate the contract agrees, per day


@dataclass(frozen=True)
class ArrearsAssessment:
    """The computed claim with the rules that decided it (`term`, `interest_rule`, for citing).

    `due` is the last day to pay (`nominal_due` before a rest day moved it); `approximate` when
    a day looked at lies in a year the holiday calendar does not know yet."""

    term: PaymentTerm
    interest_rule: LateInterest
    decided_by: Decider
    term_days: int
    exceeds_legal_maximum: bool
    nominal_due: dt.date
    due: dt.date
    approximate: bool
    days_overdue: int
    outstanding: Decimal
    daily_rate: Decimal
    rate_agreed: bool  # the contract's rate, not the default
    interest: Decimal
    before_in_force: bool

    @property
    def rules(self) -> tuple[PaymentTerm | LateInterest, ...]:
        """The policy entries the result rests on, for citing (the default interest only when
        the contract agrees no rate)."""
        return (self.term,) if self.rate_agreed else (self.term, self.interest_rule)

    @property
    def quotable(self) -> bool:
        """Whether the bot may state the dates and figures: every rule used is quotable (a
        verified grade A/B entry); otherwise it cites the rules and sends the founder on."""
        return all(quotable(rule) for rule in self.rules)

    @property
    def overdue(self) -> bool:
        """Whether any amount is unpaid past the due date."""
        return self.days_overdue > 0 and self.outstanding > 0


class Problem(NamedTuple):
    """One thing wrong with a claim: the field (`ArrearsClaim`'s name) and why."""

    field: str
    reason: Reason


def _amount_problems(field: str, value: Decimal, positive: bool) -> list[Problem]:
    if value < 0 or (positive and value == 0):
        return [Problem(field, "not_positive")]
    return [Problem(field, "more_than_fen")] if value != value.quantize(_FEN) else []


def arrears_problems(claim: ArrearsClaim, today: dt.date) -> tuple[Problem, ...]:
    """Every problem with the claim, in field order (empty: it can be assessed)."""
    found = [
        Problem(name, "in_future")
        for name, day in (
            ("contract_on", claim.contract_on),
            ("delivered_on", claim.delivered_on),
            ("paid_on", claim.paid_on),
        )
        if day is not None and day > today
    ]
    if claim.delivered_on < claim.contract_on:
        found.append(Problem("delivered_on", "before_contract"))
    if claim.paid_on is not None and claim.paid_on < claim.contract_on:
        found.append(Problem("paid_on", "before_contract"))
    found += _amount_problems("owed", claim.owed, positive=True)
    found += _amount_problems("paid", claim.paid, positive=False)
    if claim.paid > claim.owed > 0:
        found.append(Problem("paid", "paid_more_than_owed"))
    if claim.paid_on is not None and claim.paid == 0:
        found.append(Problem("paid_on", "date_without_payment"))
    if claim.term_days is not None and claim.term_days <= 0:
        found.append(Problem("term_days", "not_positive"))
    if claim.daily_rate is not None and claim.daily_rate <= 0:
        found.append(Problem("daily_rate", "not_positive"))
    order = [field.name for field in fields(ArrearsClaim)]
    return tuple(sorted(found, key=lambda problem: order.index(problem.field)))


def refusal(problem: Problem, today: dt.date) -> ValidationFailed | None:
    """The refusal the validators already word for this problem (a date in the future, a
    fraction of a fen, an amount or term too small), or None: the reason has no wording yet."""
    if problem.reason == "in_future":
        return ValidationFailed(MSG_DATE_NOT_FUTURE, example=today.isoformat())
    if problem.reason == "more_than_fen":
        return ValidationFailed(MSG_AMOUNT_FEN)
    if problem.reason == "not_positive" and problem.field in ("owed", "paid", "term_days"):
        least = {"owed": AMOUNT_MINIMUM, "paid": Decimal(0), "term_days": 1}[problem.field]
        example = 30 if problem.field == "term_days" else Decimal(12_000)
        return ValidationFailed(MSG_AT_LEAST, minimum=least, example=example)
    return None


def _term(term: PaymentTerm, agreed: int | None) -> tuple[int, Decider, bool]:
    """(days, what decided them, whether the agreed term exceeds the legal maximum)."""
    if agreed is None:
        return term.days, "legal_default", False
    if term.contract_max_days is not None and agreed > term.contract_max_days:
        return term.contract_max_days, "legal_maximum", True
    return agreed, "contract", False


def assess_arrears(policy: PolicyData, claim: ArrearsClaim, today: dt.date) -> ArrearsAssessment:
    """Assess a claim that `arrears_problems` passed (ValueError otherwise) as of `today`."""
    if problems := arrears_problems(claim, today):
        raise ValueError(f"claim has problems: {problems}")
    term, interest_rule = policy.payment_term(claim.payer), policy.default_late_interest()
    days, decided_by, exceeds = _term(term, claim.term_days)
    deadline = calendar_deadline(claim.delivered_on, days)
    due = deadline.date
    outstanding = claim.owed - claim.paid
    rate = interest_rule.daily_rate if claim.daily_rate is None else claim.daily_rate
    days_overdue = max(0, (today - due).days) if outstanding else 0
    paid_late = 0 if claim.paid_on is None else max(0, (claim.paid_on - due).days)
    exact = rate * (outstanding * days_overdue + claim.paid * paid_late)
    return ArrearsAssessment(
        term=term,
        interest_rule=interest_rule,
        decided_by=decided_by,
        term_days=days,
        exceeds_legal_maximum=exceeds,
        nominal_due=deadline.nominal,
        due=due,
        approximate=deadline.approximate,
        days_overdue=days_overdue,
        outstanding=outstanding,
        daily_rate=rate,
        rate_agreed=claim.daily_rate is not None,
        interest=exact.quantize(_FEN, rounding=ROUND_HALF_UP),
        before_in_force=claim.contract_on < term.in_force_from,
    )
