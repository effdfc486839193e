"""The questions of credit repair: the record (a penalty, one of the two lists, or other
dishonesty information) and when it can be repaired; then the obligations, the proof, the
company and the commitment letter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.engine.confirming import credit_code_answer
from flows.engine.errors import NeedsConfirmation, ValidationFailed
from flows.engine.periods import Period
from flows.engine.spec import Answers, Context, Field, Kind, Option
from flows.engine.text import N_, Text
from flows.services.credit.decision import decision_number
from flows.services.credit.help import HELP
from flows.services.credit.screens import (
    COMMIT,
    CONTINUE,
    CURED,
    TOLD,
    authority_choices,
    cure_screen,
    day,
    grade_choices,
    is_abnormal,
    is_listing,
    is_penalty,
    letter_screen,
    not_published_choices,
    not_published_screen,
    published_penalty,
    reason_choices,
    record_choices,
    record_intro,
    told_choices,
    told_day,
    told_screen,
    unpublished_procedure,
    waits_until,
    window,
    window_choices,
    window_screen,
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
RECORD_TYPES = ("penalty", "abnormal_list", "serious_list", "other")
PLAUSIBLE_YEARS = 10  # a day the office names this far after the record is a typing slip
WINDOW_INPUTS: tuple[str, ...] = ("record_type", "procedure", "not_published", "decided_on")
WINDOW_INPUTS += ("sector", "grade", "listed_on")
LETTER_INPUTS: tuple[str, ...] = ("record_type", "decided_on", "decision_no", "authority")
LETTER_INPUTS += ("listed_on", "abnormal_reason", "record_note", "company_name", "credit_code")


def _obligations(answers: Answers) -> bool:
    """Past the record: for a penalty, the window screen answered; for the lists, too."""
    return answers.get("record_type") in RECORD_TYPES


def _window_applies(answers: Answers) -> bool:
    return published_penalty(answers) or (is_listing(answers) and not is_abnormal(answers))


def _record_date(answers: Answers) -> dt.date | None:
    return day(answers, "decided_on") or day(answers, "listed_on")


def _in_order(value: Any, recorded: dt.date | None, registered: dt.date | None) -> None:
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


def _after_record(value: Any, answers: Answers) -> None:
    """The date of establishment, against the record's date."""
    _in_order(value, _record_date(answers), dt.date.fromisoformat(str(value)))


def _before_registration(value: Any, answers: Answers) -> None:
    """The record's date, changed after the date of establishment was given."""
    _in_order(value, dt.date.fromisoformat(str(value)), day(answers, "registered_on"))


def record_fields() -> tuple[Field, ...]:
    """Which record, its details, and when it can be repaired."""
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
            N_("Nothing to repair"),
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
            check=_before_registration,
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
            free=True,
            limits={
                "max_len": 60,
                "letters": True,
                "unreadable": N_(
                    "Please type the authority's name in characters or letters, e.g. "
                    "上海市浦东新区市场监督管理局."
                ),
            },
            intro=_number_warning,
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
            intro=_grades,
            when=published_penalty,
            depends_on=("record_type", "procedure", "not_published"),
            label=N_("Grade"),
            help=HELP["grade"],
        ),
        Field(
            "listed_on",
            N_(
                "On which date was the record made (e.g. the day you were listed)? E.g. 2025-06-01."
            ),
            Kind.DATE,
            limits={"not_future": True},
            check=_before_registration,
            intro=record_intro,
            when=is_listing,
            depends_on=("record_type",),
            label=N_("Date of the record"),
            help=HELP["listed_on"],
        ),
        Field(
            "abnormal_reason",
            N_("Why were you put on the list?"),
            Kind.CHOICE,
            choices=reason_choices,
            columns=1,
            when=is_abnormal,
            depends_on=("record_type",),
            label=N_("Reason"),
            help=HELP["abnormal_reason"],
        ),
        Field(
            "district",
            N_("In which district is the company registered?"),
            Kind.DISTRICT,
            when=is_abnormal,
            depends_on=("record_type",),
            suggest=lambda answers, ctx: ctx.profile.get("district"),
            label=N_("District"),
            help=HELP["district"],
        ),
        Field(
            "cure",
            N_("Done it?"),
            Kind.CHOICE,
            CURED,
            intro=cure_screen,
            when=is_abnormal,
            depends_on=("record_type", "abnormal_reason", "listed_on"),
            label=N_("What to do"),
            help=HELP["cure"],
            counted=False,
            reviewed=False,
        ),
        Field(
            "record_note",
            N_("What does the record say, and who made it?"),
            Kind.TEXT,
            limits={"max_len": 300, "shown": 120},
            when=lambda a: a.get("record_type") == "other",
            depends_on=("record_type",),
            label=N_("About the record"),
            help=HELP["record_note"],
        ),
        Field(
            "window",
            N_("What next?"),
            Kind.CHOICE,
            choices=window_choices,
            intro=window_screen,
            wait=waits_until,
            when=_window_applies,
            depends_on=WINDOW_INPUTS,
            label=N_("When"),
            help=HELP["window"],
            counted=False,
            reviewed=False,
        ),
        Field(
            "told_on",
            N_(
                "From which date can you request the repair, as the office told you? E.g. 2027-03-15."
            ),
            Kind.DATE,
            check=_told_on,
            when=_told,
            depends_on=("window",),
            label=N_("Date the office named"),
            help=HELP["told_on"],
        ),
        Field(
            "told_wait",
            N_("What next?"),
            Kind.CHOICE,
            choices=told_choices,
            intro=told_screen,
            wait=told_day,
            when=_told,
            depends_on=("window", "told_on"),
            label=N_("When"),
            help=HELP["told_wait"],
            counted=False,
            reviewed=False,
        ),
    )


def _told(answers: Answers) -> bool:
    return answers.get("window") == TOLD.value


def _told_on(value: Any, answers: Answers) -> None:
    """Not before the record was made, and not implausibly far ahead (a typing slip)."""
    told, recorded = dt.date.fromisoformat(str(value)), _record_date(answers)
    if recorded is not None and told < recorded:
        raise ValidationFailed(
            N_("That is before the record was made ({recorded}). Please check the date."),
            recorded=recorded.isoformat(),
        )
    if recorded is not None and told > Period(years=PLAUSIBLE_YEARS).end(recorded):
        raise ValidationFailed(
            N_("That is more than {years} years after the record. Please check the year."),
            years=PLAUSIBLE_YEARS,
        )


def _number_warning(answers: Answers, ctx: Context) -> list[Text]:
    """The decision number was kept as typed: it does not have the usual form."""
    typed = answers.get("decision_no")
    if not isinstance(typed, str) or decision_number(typed).standard:
        return []
    return [
        Text(
            N_(
                "⚠️ I kept the number as you typed it, but it does not look like the usual form "
                "(e.g. 沪市监罚〔2025〕123号). Please check it against the decision; ⬅️ Back "
                "changes it."
            )
        )
    ]


def _grades(answers: Answers, ctx: Context) -> list[Text]:
    """One line per grade: how a founder can tell."""
    return [
        Text(N_("• {title}: {explain}"), {"title": g.title, "explain": g.explain})
        for g in ctx.policy.credit_grades
    ]


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
            when=_obligations,
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
            check=_after_record,
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


__all__ = ["CONTINUE", "company_fields", "record_fields", "window"]
