"""The payment-arrears calculator: due dates per payer, contract terms, interest, bad inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from flows.engine.validators import (
    MSG_AMOUNT_FEN,
    MSG_AT_LEAST,
    MSG_DATE_NOT_FUTURE,
    parse_money,
)
from flows.policy.arrears import (
    AMOUNT_MINIMUM,
    ArrearsClaim,
    Problem,
    arrears_problems,
    assess_arrears,
    refusal,
)
from flows.policy.loader import PolicyData, load_policy_data

D = date
M = Decimal
CONTRACT = D(2026, 1, 2)


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


def claim(**changes: object) -> ArrearsClaim:
    fields: dict[str, object] = {
        "payer": "government_body",
        "contract_on": CONTRACT,
        "delivered_on": D(2026, 3, 2),
        "owed": M("10000"),
    }
    fields.update(changes)
    return ArrearsClaim(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "nominal", "due", "decided_by", "term_days", "exceeds"),
    [
        # Government body, no agreed term: 2 Mar 2026 + 30 days = Wed 1 Apr, a working day.
        ({}, D(2026, 4, 1), D(2026, 4, 1), "legal_default", 30, False),
        # Public institution, same rule: 1 Sep + 30 = 1 Oct (国庆 1–7 Oct) → Thu 8 Oct.
        (
            {"payer": "public_institution", "delivered_on": D(2026, 9, 1)},
            D(2026, 10, 1),
            D(2026, 10, 8),
            "legal_default",
            30,
            False,
        ),
        # Large enterprise: 5 Jan + 60 = 6 Mar (26 days of Jan + 28 of Feb + 6), a Friday.
        (
            {"payer": "large_enterprise", "delivered_on": D(2026, 1, 5)},
            D(2026, 3, 6),
            D(2026, 3, 6),
            "legal_default",
            60,
            False,
        ),
        # Government body, contract says 90: flagged, the legal maximum 60 applies;
        # 2 Mar + 60 = 1 May (劳动节 1–5 May) → Wed 6 May.
        ({"term_days": 90}, D(2026, 5, 1), D(2026, 5, 6), "legal_maximum", 60, True),
        # Government body, contract says 45 (within 60): 2 Mar + 45 = Thu 16 Apr.
        ({"term_days": 45}, D(2026, 4, 16), D(2026, 4, 16), "contract", 45, False),
        # Exactly the maximum is allowed: 2 Mar + 60, as above.
        ({"term_days": 60}, D(2026, 5, 1), D(2026, 5, 6), "contract", 60, False),
        # Large enterprise, contract says 90 (no number caps it): 5 Jan + 90 = Sun 5 Apr
        # (清明 4–6 Apr) → Tue 7 Apr.
        (
            {"payer": "large_enterprise", "delivered_on": D(2026, 1, 5), "term_days": 90},
            D(2026, 4, 5),
            D(2026, 4, 7),
            "contract",
            90,
            False,
        ),
    ],
)
def test_due_dates(
    policy: PolicyData,
    changes: dict[str, object],
    nominal: date,
    due: date,
    decided_by: str,
    term_days: int,
    exceeds: bool,
) -> None:
    found = assess_arrears(policy, claim(**changes), D(2026, 11, 30))
    assert (found.nominal_due, found.due, found.decided_by) == (nominal, due, decided_by)
    assert (found.term_days, found.exceeds_legal_maximum) == (term_days, exceeds)
    assert not found.approximate and not found.before_in_force
    assert found.term is policy.payment_term(str(changes.get("payer", "government_body")))
    assert found.term.articles == (9,) and found.interest_rule.daily_rate == M("0.0005")


@pytest.mark.parametrize(
    ("changes", "today", "days_overdue", "outstanding", "interest"),
    [
        # Due 1 Apr 2026; 8 May is 37 days later (29 days left in April + 8).
        # 123,456.78 × 0.0005 × 37 = 2,283.950430 → 2,283.95.
        ({"owed": M("123456.78")}, D(2026, 5, 8), 37, M("123456.78"), M("2283.95")),
        # Not yet due, and on the due day itself: nothing overdue.
        ({}, D(2026, 3, 20), 0, M("10000"), M("0.00")),
        ({}, D(2026, 4, 1), 0, M("10000"), M("0.00")),
        # One day late: 10.00 × 0.0005 × 1 = 0.005 → 0.01 (ROUND_HALF_UP; half-even gives 0.00).
        ({"owed": M("10")}, D(2026, 4, 2), 1, M("10"), M("0.01")),
        # Partial payment without a date, taken as on time: 6,000 × 0.0005 × 30 = 90.00
        # (due 1 Apr, 1 May is 30 days later).
        ({"paid": M("4000")}, D(2026, 5, 1), 30, M("6000"), M("90.00")),
        # ... paid on 11 Apr, 10 days late: 0.0005 × (6,000 × 30 + 4,000 × 10) = 110.00.
        (
            {"paid": M("4000"), "paid_on": D(2026, 4, 11)},
            D(2026, 5, 1),
            30,
            M("6000"),
            M("110.00"),
        ),
        # ... paid before the due date: as without a date.
        ({"paid": M("4000"), "paid_on": D(2026, 3, 20)}, D(2026, 5, 1), 30, M("6000"), M("90.00")),
        # Paid in full 5 days late: nothing outstanding, 5,000 × 0.0005 × 5 = 12.50.
        (
            {"owed": M("5000"), "paid": M("5000"), "paid_on": D(2026, 4, 6)},
            D(2026, 5, 1),
            0,
            M("0"),
            M("12.50"),
        ),
        # The contract's own rate: 10,000 × 0.0003 × 30 = 90.00.
        ({"daily_rate": M("0.0003")}, D(2026, 5, 1), 30, M("10000"), M("90.00")),
    ],
)
def test_overdue_and_interest(
    policy: PolicyData,
    changes: dict[str, object],
    today: date,
    days_overdue: int,
    outstanding: Decimal,
    interest: Decimal,
) -> None:
    found = assess_arrears(policy, claim(**changes), today)
    assert (found.days_overdue, found.outstanding, found.interest) == (
        days_overdue,
        outstanding,
        interest,
    )
    assert str(found.interest) == str(interest)  # always to the fen
    assert found.overdue is (days_overdue > 0)
    assert found.rate_agreed is ("daily_rate" in changes)
    assert found.rules == (
        (found.term,) if found.rate_agreed else (found.term, found.interest_rule)
    )
    assert not found.quotable  # the payment terms are transcribed, not yet verified


def test_a_due_date_in_a_year_the_calendar_does_not_know_is_approximate(
    policy: PolicyData,
) -> None:
    # 15 Dec 2026 + 30 = Thu 14 Jan 2027, guessed a working day.
    found = assess_arrears(policy, claim(delivered_on=D(2026, 12, 15)), D(2026, 12, 31))
    assert (found.due, found.approximate, found.days_overdue) == (D(2027, 1, 14), True, 0)
    # Leap year: 30 Jan 2028 + 30 = Tue 29 Feb 2028; 10 Mar is 10 days later.
    leap = claim(contract_on=D(2028, 1, 3), delivered_on=D(2028, 1, 30), owed=M("1000"))
    found = assess_arrears(policy, leap, D(2028, 3, 10))
    assert (found.due, found.approximate, found.days_overdue) == (D(2028, 2, 29), True, 10)
    assert found.interest == M("5.00")  # 1,000 × 0.0005 × 10


def test_a_contract_before_the_2025_revision_is_flagged(policy: PolicyData) -> None:
    early = claim(contract_on=D(2025, 5, 20), delivered_on=D(2025, 6, 10))
    assert assess_arrears(policy, early, D(2026, 11, 30)).before_in_force


TODAY = D(2026, 6, 1)


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        (
            {"contract_on": D(2026, 6, 2)},
            [("contract_on", "in_future"), ("delivered_on", "before_contract")],
        ),
        ({"delivered_on": D(2026, 6, 2)}, [("delivered_on", "in_future")]),
        (
            {"paid": M("1"), "paid_on": D(2026, 6, 2)},
            [("paid_on", "in_future")],
        ),
        ({"delivered_on": D(2026, 1, 1)}, [("delivered_on", "before_contract")]),
        ({"paid": M("1"), "paid_on": D(2026, 1, 1)}, [("paid_on", "before_contract")]),
        ({"owed": M("0")}, [("owed", "not_positive")]),
        ({"owed": M("-5")}, [("owed", "not_positive")]),
        ({"owed": M("1.234")}, [("owed", "more_than_fen")]),
        ({"paid": M("-1")}, [("paid", "not_positive")]),
        ({"paid": M("0.001")}, [("paid", "more_than_fen")]),
        ({"paid": M("10000.01")}, [("paid", "paid_more_than_owed")]),
        ({"paid_on": D(2026, 4, 1)}, [("paid_on", "date_without_payment")]),
        ({"term_days": 0}, [("term_days", "not_positive")]),
        ({"daily_rate": M("0")}, [("daily_rate", "not_positive")]),
        # Several at once, in field order.
        (
            {"contract_on": D(2026, 7, 1), "owed": M("0")},
            [
                ("contract_on", "in_future"),
                ("delivered_on", "before_contract"),
                ("owed", "not_positive"),
            ],
        ),
    ],
)
def test_bad_claims(
    policy: PolicyData, changes: dict[str, object], problems: list[tuple[str, str]]
) -> None:
    bad = claim(**changes)
    assert arrears_problems(bad, TODAY) == tuple(Problem(*p) for p in problems)
    with pytest.raises(ValueError):
        assess_arrears(policy, bad, TODAY)


def test_a_good_claim_has_no_problems() -> None:
    assert arrears_problems(claim(paid=M("10000"), paid_on=TODAY), TODAY) == ()


@pytest.mark.parametrize(
    ("problem", "msgid", "params"),
    [
        (Problem("delivered_on", "in_future"), MSG_DATE_NOT_FUTURE, {"example": "2026-06-01"}),
        (Problem("owed", "more_than_fen"), MSG_AMOUNT_FEN, {}),
        (
            Problem("owed", "not_positive"),
            MSG_AT_LEAST,
            {"minimum": AMOUNT_MINIMUM, "example": M(12_000)},
        ),
        (Problem("term_days", "not_positive"), MSG_AT_LEAST, {"minimum": 1, "example": 30}),
    ],
)
def test_refusals_reuse_the_validators_wording(
    problem: Problem, msgid: str, params: dict[str, object]
) -> None:
    error = refusal(problem, TODAY)
    assert error is not None and (error.msgid, error.params) == (msgid, params)


@pytest.mark.parametrize(
    "problem",
    [
        Problem("delivered_on", "before_contract"),
        Problem("paid_on", "before_contract"),
        Problem("paid", "paid_more_than_owed"),
        Problem("paid_on", "date_without_payment"),
        Problem("daily_rate", "not_positive"),
    ],
)
def test_reasons_without_wording_yet(problem: Problem) -> None:
    assert refusal(problem, TODAY) is None


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12,000", "12000"),
        ("1.2万", "12000"),
        ("¥3000", "3000"),
        ("￥3,000.50", "3000.50"),
        ("3000元", "3000"),
        ("123,456.78", "123456.78"),
    ],
)
def test_amounts_are_read_by_the_one_money_parser(text: str, amount: str) -> None:
    assert parse_money(text, minimum=AMOUNT_MINIMUM) == M(amount)
