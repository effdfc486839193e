"""The first questions of the complaint: the category and its explanation, and the payment
calculator (arrears only). The rest are in `details`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flows.engine import validators
from flows.engine.errors import ValidationFailed
from flows.engine.spec import Answers, Field, Kind, Option
from flows.engine.text import N_
from flows.policy.arrears import AMOUNT_MINIMUM, arrears_problems, refusal
from flows.services.complaint.calculator import CALCULATOR, claim
from flows.services.complaint.help import HELP
from flows.services.complaint.screens import (
    arrears_screen,
    category_choices,
    category_screen,
)

GO = (Option("go", N_("▶️ Continue"), ("continue", "go on", "next", "ok", "继续", "下一步")),)
PAYERS = (
    Option("government_body", N_("Government body"), ("机关", "政府", "国家机关", "政府部门")),
    Option("public_institution", N_("Public institution"), ("事业单位", "医院", "学校")),
    Option("large_enterprise", N_("Large enterprise"), ("大型企业", "大企业", "国企", "large")),
)
RESPONDENTS = (
    *PAYERS,
    Option("association", N_("Association or chamber"), ("协会", "商会", "行业协会", "chamber")),
    Option("enterprise", N_("Another business"), ("企业", "公司", "business", "company")),
    Option("official", N_("An official"), ("工作人员", "公务员", "官员", "official")),
    Option("other", N_("Someone else"), ("其他", "别的", "other")),
)


def is_arrears(answers: Answers) -> bool:
    """Whether the complaint is about payment arrears (the calculator is asked)."""
    return answers.get("category") == "arrears"


def not_arrears(answers: Answers) -> bool:
    """Whether a category other than payment arrears was chosen."""
    return "category" in answers and not is_arrears(answers)


def _checked(field: str) -> Callable[[Any, Answers], None]:
    """A check refusing the answer to `field` when `arrears_problems` finds a problem with it."""

    def check(value: Any, answers: Answers) -> None:
        found = claim({**answers, field: value})
        for problem in arrears_problems(found, dt.date.max):  # the parser refuses future dates
            if problem.field != field:
                continue
            worded = refusal(problem, dt.date.max)
            if worded is not None:
                raise worded
            if problem.reason == "before_contract":
                raise ValidationFailed(
                    N_(
                        "The delivery or acceptance date cannot be before the contract date "
                        "({contract}). Please check both dates on your contract."
                    ),
                    contract=found.contract_on.isoformat(),
                )
            if problem.reason == "paid_more_than_owed":
                raise ValidationFailed(
                    N_(
                        "The amount paid cannot be more than the amount owed (¥{owed}). "
                        "Please enter what was paid, e.g. 0 if nothing."
                    ),
                    owed=f"{found.owed:,}",
                )

    return check


def money(text: str, minimum: Decimal) -> str:
    """An amount in CNY as the answer stores it (`parse_money`'s forms, at least `minimum`)."""
    return str(validators.parse_money(text, minimum=minimum))


def category_fields() -> tuple[Field, ...]:
    """The category (buttons from the policy data) and the screen explaining it."""
    return (
        Field(
            "category",
            N_("What is your complaint about?"),
            Kind.CHOICE,
            choices=category_choices,
            columns=1,
            label=N_("Category"),
            help=HELP["category"],
        ),
        Field(
            "expect",
            N_("Go on with this complaint?"),
            Kind.CHOICE,
            GO,
            intro=category_screen,
            depends_on=("category",),
            label=N_("What you can expect"),
            help=HELP["expect"],
            counted=False,
            reviewed=False,
        ),
    )


def calculator_fields() -> tuple[Field, ...]:
    """Payment arrears: who owes, the dates, the agreed term, the amounts; then the result."""
    return (
        Field(
            "payer_type",
            N_("Who owes you the money?"),
            Kind.CHOICE,
            PAYERS,
            columns=1,
            label=N_("Payer"),
            help=HELP["payer_type"],
            when=is_arrears,
            depends_on=("category",),
        ),
        Field(
            "contract_on",
            N_("On which date was the contract signed? E.g. 2025-07-01."),
            Kind.DATE,
            limits={"not_future": True},
            label=N_("Contract date"),
            help=HELP["contract_on"],
            when=is_arrears,
            depends_on=("category",),
        ),
        Field(
            "delivered_on",
            N_(
                "On which date did you deliver (or did the work pass acceptance, if the "
                "contract makes that the condition of payment)? E.g. 2025-09-01."
            ),
            Kind.DATE,
            when=is_arrears,
            depends_on=("category", "contract_on"),
            limits={"not_future": True},
            check=_checked("delivered_on"),
            label=N_("Delivery or acceptance date"),
            help=HELP["delivered_on"],
        ),
        Field(
            "term_days",
            N_("How many days after delivery does the contract give the payer to pay? E.g. 30."),
            Kind.NUMBER,
            optional=True,
            limits={"minimum": 1, "maximum": 3650},
            label=N_("Agreed payment term (days)"),
            help=HELP["term_days"],
            when=is_arrears,
            depends_on=("category",),
        ),
        Field(
            "owed",
            N_("How much does the payer owe under the contract, in CNY? E.g. 120000."),
            Kind.MONEY,
            parse=lambda text, ctx: money(text, AMOUNT_MINIMUM),
            label=N_("Amount owed"),
            help=HELP["owed"],
            when=is_arrears,
            depends_on=("category",),
        ),
        Field(
            "paid",
            N_("How much of it has been paid, in CNY? 0 if nothing."),
            Kind.MONEY,
            when=is_arrears,
            depends_on=("category", "owed"),
            parse=lambda text, ctx: money(text, Decimal(0)),
            check=_checked("paid"),
            label=N_("Amount paid"),
            help=HELP["paid"],
        ),
        Field(
            "arrears_result",
            N_("Go on to describe your complaint?"),
            Kind.CHOICE,
            GO,
            when=is_arrears,
            depends_on=("category", *CALCULATOR),
            intro=arrears_screen,
            label=N_("What the payment rules say"),
            help=HELP["arrears_result"],
            counted=False,
            reviewed=False,
        ),
    )
