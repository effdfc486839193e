"""The questions about a listing or other information (its date, the abnormal list's reason,
district and cure) and, for every record, when a repair can be requested: the day the rules
name, or the day the office named, each with a reminder while it is ahead."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flows.engine.errors import ValidationFailed
from flows.engine.periods import Period
from flows.engine.spec import Answers, Field, Kind
from flows.engine.text import N_
from flows.services.credit.answers import (
    PLAUSIBLE_YEARS,
    WINDOW_INPUTS,
    chose_told,
    is_abnormal,
    is_listing,
    record_date,
    window_applies,
)
from flows.services.credit.help import HELP
from flows.services.credit.record import before_registration
from flows.services.credit.screens import reason_choices, record_intro
from flows.services.credit.window import (
    CURED,
    cure_screen,
    told_choices,
    told_day,
    told_screen,
    waits_until,
    window_choices,
    window_screen,
)


def told_on_check(value: Any, answers: Answers) -> None:
    """Not before the record was made, and not implausibly far ahead (a typing slip)."""
    told, recorded = dt.date.fromisoformat(str(value)), record_date(answers)
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


def when_fields() -> tuple[Field, ...]:
    """The listing's questions, then when a repair can be requested."""
    return (
        Field(
            "listed_on",
            N_(
                "On which date was the record made (e.g. the day you were listed)? E.g. 2025-06-01."
            ),
            Kind.DATE,
            limits={"not_future": True},
            check=before_registration,
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
            when=window_applies,
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
            check=told_on_check,
            when=chose_told,
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
            when=chose_told,
            depends_on=("window", "told_on"),
            label=N_("When"),
            help=HELP["told_wait"],
            counted=False,
            reviewed=False,
        ),
    )
