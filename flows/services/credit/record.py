"""The questions about the record: which kind, and for a penalty how it was decided (one not
published stops here), when, its number, who issued it, the field and the grade."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.engine.errors import NeedsConfirmation
from flows.engine.spec import Answers, Field, Kind, Option
from flows.engine.text import N_
from flows.services.credit.answers import day, is_penalty, published_penalty, unpublished_procedure
from flows.services.credit.decision import decision_number
from flows.services.credit.help import HELP
from flows.services.credit.screens import (
    authority_choices,
    grade_choices,
    grades_intro,
    not_published_choices,
    not_published_screen,
    number_warning,
    record_choices,
    record_intro,
)

PROCEDURES = (
    Option(
        "ordinary",
        N_("Ordinary procedure (written decision)"),
        ("一般程序", "普通程序", "ordinary"),
    ),
    Option(
        "simplified",
        N_("Simplified procedure (on the spot)"),
        ("简易程序", "当场处罚", "simplified"),
    ),
    Option("warning", N_("Warning only"), ("警告", "仅警告", "warning")),
)


SECTORS = (
    Option("food", N_("Food"), ("食品", "餐饮", "food")),
    Option("drugs", N_("Drugs"), ("药品", "医药", "drugs", "medicine")),
    Option("special_equipment", N_("Special equipment"), ("特种设备", "电梯", "锅炉")),
    Option("production_safety", N_("Production safety"), ("安全生产", "安全", "safety")),
    Option("fire_safety", N_("Fire safety"), ("消防", "fire")),
    Option("other", N_("Something else"), ("其他", "别的", "other")),
)


def in_order(value: Any, recorded: dt.date | None, registered: dt.date | None) -> None:
    """A record older than the company is possible (it may follow a predecessor), but usually
    a typing slip: the founder confirms `value`, the answer being given."""
    if recorded is not None and registered is not None and registered > recorded:
        raise NeedsConfirmation(
            value,
            N_(
                "The record is dated {recorded}, before the company was registered on "
                "{registered}. Please check both dates; tap ✅ Use it anyway if they are right."
            ),
            recorded=recorded.isoformat(),
            registered=registered.isoformat(),
        )


def before_registration(value: Any, answers: Answers) -> None:
    """The record's date, changed after the date of establishment was given."""
    in_order(value, dt.date.fromisoformat(str(value)), day(answers, "registered_on"))


def record_fields() -> tuple[Field, ...]:
    """Which record; a penalty's procedure, date, number, authority, field and grade."""
    return (
        Field(
            "record_type",
            N_("Which record do you want repaired?"),
            Kind.CHOICE,
            choices=record_choices,
            columns=1,
            label=N_("Record"),
            help=HELP["record_type"],
        ),
        Field(
            "procedure",
            N_("How was the penalty decided?"),
            Kind.CHOICE,
            PROCEDURES,
            columns=1,
            intro=record_intro,
            when=is_penalty,
            depends_on=("record_type",),
            label=N_("Procedure"),
            help=HELP["procedure"],
        ),
        Field(
            "not_published",
            N_("What next?"),
            Kind.CHOICE,
            choices=not_published_choices,
            intro=not_published_screen,
            when=unpublished_procedure,
            depends_on=("record_type", "procedure"),
            label=N_("Published"),
            help=HELP["not_published"],
            counted=False,
            reviewed=False,
        ),
        Field(
            "decided_on",
            N_("On which date was the penalty decided? E.g. 2025-06-01."),
            Kind.DATE,
            limits={"not_future": True},
            check=before_registration,
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published"),
            label=N_("Decision date"),
            help=HELP["decided_on"],
        ),
        Field(
            "decision_no",
            N_("The decision's number, as printed on it, e.g. 沪市监罚〔2025〕123号:"),
            Kind.TEXT,
            parse=lambda text, ctx: decision_number(text).text,
            limits={"max_len": 60},
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published"),
            label=N_("Decision number"),
            help=HELP["decision_no"],
        ),
        Field(
            "authority",
            N_("Which authority issued it? Tap it, or type its name."),
            Kind.CHOICE,
            choices=authority_choices,
            columns=1,  # official names, too long for two to a phone's row
            free=True,
            limits={
                "max_len": 60,
                "letters": True,
                "unreadable": N_(
                    "Please type the authority's name in characters or letters, e.g. "
                    "上海市浦东新区市场监督管理局."
                ),
            },
            intro=number_warning,
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published", "decision_no"),
            label=N_("Issuing authority"),
            help=HELP["authority"],
        ),
        Field(
            "sector",
            N_("Which field does the penalty concern?"),
            Kind.CHOICE,
            SECTORS,
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published"),
            label=N_("Field"),
            help=HELP["sector"],
        ),
        Field(
            "grade",
            N_("How serious was it judged to be?"),
            Kind.CHOICE,
            choices=grade_choices,
            columns=1,
            intro=grades_intro,
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published"),
            label=N_("Grade"),
            help=HELP["grade"],
        ),
    )
