"""The questions after the record: the obligations (not met: what to do first), the proof, the
company (a record older than the company asks to confirm) and the commitment letter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.engine.confirming import credit_code_answer
from flows.engine.spec import Answers, Field, Kind
from flows.engine.text import N_, Text
from flows.services.credit.answers import LETTER_INPUTS, past_record, record_date
from flows.services.credit.help import HELP
from flows.services.credit.letter import COMMIT, letter_screen
from flows.services.credit.record import in_order


def after_record(value: Any, answers: Answers) -> None:
    """The date of establishment, against the record's date."""
    in_order(value, record_date(answers), dt.date.fromisoformat(str(value)))


def company_fields() -> tuple[Field, ...]:
    """The obligations and their proof, the company, the commitment letter."""
    return (
        Field(
            "obligations_met",
            N_(
                "Have you met every obligation the record asks for (e.g. paid the fine, "
                "corrected the conduct, filed what was missing)?"
            ),
            Kind.YESNO,
            when=past_record,
            depends_on=("record_type",),
            label=N_("Obligations met"),
            help=HELP["obligations_met"],
            part=N_("Conditions and proof"),
        ),
        Field(
            "not_yet",
            N_("Meet the obligations first"),
            Kind.CHOICE,
            (),
            intro=lambda answers, ctx: [
                Text(
                    N_(
                        "A repair is granted only once the obligations are met and the conduct "
                        "corrected. Do that first and keep the proof (receipts, a rectification "
                        "report). Your answers are kept: come back then, and tap ⬅️ Back to "
                        "change your answer."
                    )
                )
            ],
            when=lambda a: a.get("obligations_met") is False,
            depends_on=("obligations_met",),
            label=N_("Obligations"),
            help=HELP["not_yet"],
            counted=False,
            reviewed=False,
        ),
        Field(
            "proof",
            N_(
                "Send photos or PDFs proving the obligations are met (several are fine), then tap Done."
            ),
            Kind.FILE,
            when=lambda a: a.get("obligations_met") is True,
            depends_on=("obligations_met",),
            label=N_("Proof"),
            help=HELP["proof"],
        ),
        Field(
            "company_name",
            N_("The company's full registered name, e.g. 上海某某科技有限公司:"),
            Kind.TEXT,
            suggest=lambda answers, ctx: ctx.profile.get("company_name"),
            limits={
                "max_len": 100,
                "letters": True,
                "unreadable": N_(
                    "Please type the name as on the business licence, e.g. 上海某某科技有限公司."
                ),
            },
            label=N_("Company name"),
            help=HELP["company_name"],
            part=N_("Company and commitment"),
        ),
        Field(
            "credit_code",
            N_("The unified social credit code (18 characters):"),
            Kind.TEXT,
            suggest=lambda answers, ctx: ctx.profile.get("credit_code"),
            parse=credit_code_answer,
            label=N_("Unified social credit code"),
            help=HELP["credit_code"],
        ),
        Field(
            "registered_on",
            N_("On which date was the company established (成立日期)? E.g. 2020-05-20."),
            Kind.DATE,
            limits={"not_future": True},
            check=after_record,
            label=N_("Date of establishment"),
            help=HELP["registered_on"],
        ),
        Field(
            "letter",
            N_("Do you make this commitment?"),
            Kind.CHOICE,
            COMMIT,
            columns=1,
            intro=letter_screen,
            stamped=True,
            depends_on=LETTER_INPUTS,
            label=N_("Credit commitment letter"),
            help=HELP["letter"],
        ),
    )
