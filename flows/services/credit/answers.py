"""What the credit-repair answers say: which kind of record, whether a penalty is published,
which date the record has, and the names the other modules share."""

from __future__ import annotations

import datetime as dt

from flows.engine.spec import Answers, Option
from flows.engine.text import N_

GO = "go"  # the value of every ▶️ Continue
SHOWN = "shown"  # "it is published anyway" where the not-published rule is only transcribed
RECORD_TYPES = ("penalty", "abnormal_list", "serious_list", "other")
PLAUSIBLE_YEARS = 10  # a day the office names this far after the record is a typing slip
# The answers the window is computed from, and those the commitment letter is filled from: a
# change to one asks that screen again.
WINDOW_INPUTS: tuple[str, ...] = (
    "record_type",
    "procedure",
    "not_published",
    "decided_on",
    "sector",
    "grade",
)
WINDOW_INPUTS += ("listed_on",)
LETTER_INPUTS: tuple[str, ...] = (
    "record_type",
    "decided_on",
    "decision_no",
    "authority",
    "listed_on",
)
LETTER_INPUTS += ("abnormal_reason", "record_note", "company_name", "credit_code")
TOLD = Option(
    "told", N_("📅 The office told me the date"), ("i know the date", "date", "知道日期", "日期")
)


def day(answers: Answers, name: str) -> dt.date | None:
    """The answer `name` as a date, if it is one."""
    value = answers.get(name)
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def is_penalty(answers: Answers) -> bool:
    """An administrative penalty."""
    return answers.get("record_type") == "penalty"


def unpublished_procedure(answers: Answers) -> bool:
    """A penalty decided under the simplified procedure, or a warning only."""
    return is_penalty(answers) and answers.get("procedure") in ("simplified", "warning")


def published_penalty(answers: Answers) -> bool:
    """A penalty that is published: the ordinary procedure, or shown on Credit China anyway."""
    if not is_penalty(answers) or "procedure" not in answers:
        return False
    return answers.get("procedure") == "ordinary" or answers.get("not_published") == SHOWN


def is_listing(answers: Answers) -> bool:
    """A record dated by the day it was made: the two lists and other information."""
    return answers.get("record_type") in ("abnormal_list", "serious_list", "other")


def is_abnormal(answers: Answers) -> bool:
    """The abnormal operations list."""
    return answers.get("record_type") == "abnormal_list"


def past_record(answers: Answers) -> bool:
    """Whether the questions after the record apply (a kind of record was chosen; the record's
    own screens hold the founder until they can go on)."""
    return answers.get("record_type") in RECORD_TYPES


def window_applies(answers: Answers) -> bool:
    """Whether the "when" screen is shown (the abnormal list has its cure screen instead)."""
    return published_penalty(answers) or (is_listing(answers) and not is_abnormal(answers))


def record_date(answers: Answers) -> dt.date | None:
    """The record's date: the decision's, or the day it was made."""
    return day(answers, "decided_on") or day(answers, "listed_on")


def chose_told(answers: Answers) -> bool:
    """Whether the founder gives the day the office named."""
    return answers.get("window") == TOLD.value
