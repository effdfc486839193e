"""The application form of the subsidy flow: asked only after consent, with the chosen
programme's own fields; personal data masked on screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flows.engine import validators
from flows.engine.spec import Answers, Field, Kind
from flows.engine.text import N_
from flows.engine.validators import mask_mobile
from flows.policy.loader import PolicyData
from flows.services.subsidy.fields import Parser, has_agreed, is_registered, mask_id
from flows.services.subsidy.help import HELP


def _programme_needs(policy: PolicyData, name: str) -> Callable[[Answers], bool]:
    def needs(answers: Answers) -> bool:
        try:
            programme = policy.programme(str(answers.get("programme", "")))
        except KeyError:
            return False
        return has_agreed(answers) and name in programme.fields

    return needs


def form_fields(
    credit_code: Parser, loan_check: Callable[[Any, Answers], None], policy: PolicyData
) -> tuple[Field, ...]:
    """The application form: asked only after consent; personal data masked on screens."""
    consent = ("consent",)
    return (
        Field(
            "applicant_name",
            N_("Your full name, as on your ID card:"),
            Kind.TEXT,
            when=has_agreed,
            depends_on=consent,
            limits={
                "max_len": 40,
                "letters": True,
                "too_long": N_(
                    "A full name has at most {max_len} characters here, like 欧阳娜娜 or Zhang "
                    "San. Please type it exactly as on your ID card."
                ),
                "unreadable": N_(
                    "Please type your full name in Chinese characters or letters, as on your ID "
                    "card, e.g. 张三 or Zhang San."
                ),
            },
            label=N_("Name"),
            help=HELP["applicant_name"],
        ),
        Field(
            "id_number",
            N_("Your 18-character resident ID number:"),
            Kind.TEXT,
            when=has_agreed,
            depends_on=consent,
            mask=mask_id,
            label=N_("Resident ID number"),
            help=HELP["id_number"],
            parse=lambda text, ctx: validators.parse_resident_id(text, today=ctx.today),
        ),
        Field(
            "mobile",
            N_("Your mobile number, e.g. 13812345678:"),
            Kind.TEXT,
            when=has_agreed,
            depends_on=consent,
            mask=mask_mobile,
            label=N_("Mobile number"),
            help=HELP["mobile"],
            parse=lambda text, ctx: validators.parse_mobile(text),
        ),
        Field(
            "company_name",
            N_("The business's registered name, as on the licence:"),
            Kind.TEXT,
            when=lambda a: has_agreed(a) and is_registered(a),
            depends_on=("consent", "registered"),
            limits={
                "max_len": 100,
                "letters": True,
                "too_long": N_(
                    "A registered business name has at most {max_len} characters here, like "
                    "上海某某科技有限公司. Please type it exactly as on the licence."
                ),
                "unreadable": N_(
                    "Please type the business's registered name in characters or letters, as on "
                    "the licence, e.g. 上海某某科技有限公司."
                ),
            },
            label=N_("Business name"),
            help=HELP["company_name"],
        ),
        Field(
            "credit_code",
            N_("Its 18-character unified social credit code (USCC):"),
            Kind.TEXT,
            when=lambda a: has_agreed(a) and is_registered(a),
            depends_on=("consent", "registered"),
            parse=credit_code,
            label=N_("USCC"),
            help=HELP["credit_code"],
        ),
        Field(
            "lease_months",
            N_("How many months does the lease run? E.g. 24."),
            Kind.NUMBER,
            when=_programme_needs(policy, "lease_months"),
            depends_on=("programme", "consent"),
            limits={"minimum": 1, "maximum": 240},
            label=N_("Lease period (months)"),
            help=HELP["lease_months"],
        ),
        Field(
            "monthly_rent",
            N_("What is the monthly rent in CNY? E.g. 6000."),
            Kind.MONEY,
            when=_programme_needs(policy, "monthly_rent"),
            depends_on=("programme", "consent"),
            label=N_("Monthly rent"),
            help=HELP["monthly_rent"],
        ),
        Field(
            "loan_amount",
            N_("How much do you want to borrow, in CNY? E.g. 300000."),
            Kind.MONEY,
            when=_programme_needs(policy, "loan_amount"),
            depends_on=("programme", "consent"),
            check=loan_check,
            limits={"minimum": 1},
            label=N_("Loan amount"),
            help=HELP["loan_amount"],
        ),
    )
