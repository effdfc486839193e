"""The questions of the complaint: the category and its explanation, the payment calculator
(arrears only), the complaint itself, and real-name or anonymous."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flows.engine import validators
from flows.engine.errors import ValidationFailed
from flows.engine.spec import Answers, Field, Kind, Option
from flows.engine.text import N_
from flows.engine.validators import mask_mobile
from flows.policy.arrears import AMOUNT_MINIMUM, arrears_problems, refusal
from flows.services.complaint.calculator import CALCULATOR, claim
from flows.services.complaint.help import HELP
from flows.services.complaint.screens import (
    arrears_screen,
    category_choices,
    category_screen,
    identity_screen,
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
IDENTITIES = (
    Option("real_name", N_("👤 Real-name complaint"), ("实名", "实名投诉", "real name", "named")),
    Option("anonymous", N_("🕶 Anonymous tip-off"), ("匿名", "匿名举报", "举报", "anonymous")),
)
DESCRIPTION_CHARS = 3000


def is_arrears(answers: Answers) -> bool:
    """Whether the complaint is about payment arrears (the calculator is asked)."""
    return answers.get("category") == "arrears"


def not_arrears(answers: Answers) -> bool:
    return "category" in answers and not is_arrears(answers)


def real_name(answers: Answers) -> bool:
    """Whether the founder chose a real-name complaint (contact details are asked)."""
    return answers.get("identity") == "real_name"


def _checked(name: str, field: str) -> Any:
    """A check refusing the answer when `arrears_problems` finds a problem with `field`."""

    def check(value: Any, answers: Answers) -> None:
        found = claim({**answers, name: value})
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


def _money(text: str, minimum: Decimal) -> str:
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
            check=_checked("delivered_on", "delivered_on"),
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
            parse=lambda text, ctx: _money(text, AMOUNT_MINIMUM),
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
            parse=lambda text, ctx: _money(text, Decimal(0)),
            check=_checked("paid", "paid"),
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


def complaint_fields() -> tuple[Field, ...]:
    """Whom it is about, what happened and when, the money, the evidence, the outcome wanted."""
    return (
        Field(
            "respondent_type",
            N_("Whom is your complaint about?"),
            Kind.CHOICE,
            RESPONDENTS,
            columns=2,
            when=not_arrears,
            depends_on=("category",),
            label=N_("Complaint about"),
            help=HELP["respondent_type"],
        ),
        Field(
            "respondent",
            N_("Their full name, e.g. 上海市某某局 or 某某集团有限公司:"),
            Kind.TEXT,
            limits={
                "max_len": 100,
                "letters": True,
                "too_long": N_(
                    "A name has at most {max_len} characters here. Please type the name as on "
                    "their notices or contract, e.g. 某某集团有限公司."
                ),
                "unreadable": N_(
                    "Please type the name in characters or letters, e.g. 上海市某某局 or "
                    "某某集团有限公司: symbols alone can't be passed on."
                ),
            },
            label=N_("Name of the body or business"),
            help=HELP["respondent"],
        ),
        Field(
            "description",
            N_(
                "What happened? Describe it in your own words; you can send several "
                "messages. Tap ✅ Done when you have finished."
            ),
            Kind.NOTES,
            limits={
                "max_len": DESCRIPTION_CHARS,
                "warn_left": 300,
                "shown": 240,  # on the review: the office gets it whole
                "unreadable": N_(
                    "Please describe what happened in words: emoji or punctuation alone can't "
                    "be passed on."
                ),
            },
            label=N_("What happened"),
            help=HELP["description"],
        ),
        Field(
            "happened_on",
            N_("When did it happen (or begin)? E.g. 2026-10-15."),
            Kind.DATE,
            limits={"not_future": True},
            label=N_("When it happened"),
            help=HELP["happened_on"],
        ),
        Field(
            "amount",
            N_("How much money is involved, in CNY? E.g. 5000. Tap Skip if none."),
            Kind.MONEY,
            optional=True,
            when=not_arrears,
            depends_on=("category",),
            parse=lambda text, ctx: _money(text, AMOUNT_MINIMUM),
            label=N_("Amount involved"),
            help=HELP["amount"],
        ),
        Field(
            "evidence",
            N_(
                "Send photos or PDFs of your evidence (several are fine), then tap Done. Tap "
                "Skip if you have none."
            ),
            Kind.FILE,
            optional=True,
            label=N_("Evidence"),
            help=HELP["evidence"],
        ),
        Field(
            "outcome",
            N_("What do you want to achieve? E.g. payment of what is owed, or a refund."),
            Kind.TEXT,
            limits={
                "max_len": 500,
                "shown": 120,
                "too_long": N_(
                    "Please say what you want in at most {max_len} characters; the details "
                    "belong in the description."
                ),
            },
            label=N_("Outcome wanted"),
            help=HELP["outcome"],
        ),
    )


def identity_fields() -> tuple[Field, ...]:
    """Real-name complaint (contact details, offered from the profile) or anonymous tip-off
    (nothing asked, nothing offered)."""
    return (
        Field(
            "identity",
            N_("A real-name complaint or an anonymous tip-off?"),
            Kind.CHOICE,
            IDENTITIES,
            columns=1,
            intro=identity_screen,
            label=N_("Complaint or tip-off"),
            help=HELP["identity"],
        ),
        Field(
            "applicant_name",
            N_("Your full name, as on your ID card:"),
            Kind.TEXT,
            when=real_name,
            depends_on=("identity",),
            suggest=lambda answers, ctx: ctx.profile.get("applicant_name"),
            limits={
                "max_len": 40,
                "letters": True,
                "unreadable": N_(
                    "Please type your full name in Chinese characters or letters, e.g. 张三 or "
                    "Zhang San."
                ),
            },
            label=N_("Name"),
            help=HELP["applicant_name"],
        ),
        Field(
            "mobile",
            N_("Your mobile number, e.g. 13812345678:"),
            Kind.TEXT,
            when=real_name,
            depends_on=("identity",),
            suggest=lambda answers, ctx: ctx.profile.get("mobile"),
            mask=mask_mobile,
            parse=lambda text, ctx: validators.parse_mobile(text),
            label=N_("Mobile number"),
            help=HELP["mobile"],
        ),
    )
