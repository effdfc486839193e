"""Working days on China's official public-holiday calendar, adjusted working days (调休)
included, from the maintained `chinesecalendar` package; and the counting rules for deadlines.

The counting rules, in this one place:
- **Working-day limits** ("within 5 working days"): the day of submission is not counted;
  counting starts the next day and the limit ends on the n-th working day after it. This is
  Civil Code (民法典) Art. 201 para. 1 ("开始的当日不计入，自下一日开始计算") applied to
  working days: an assumption, as the laws that set these limits do not restate it.
- **Calendar-day limits** ("within 30 days"): Art. 201 as in `flows.engine.periods`, then
  Art. 203: a period whose last day is a statutory rest day (法定休假日) ends on the next
  working day. We take every day the official calendar says is not a working day (weekends not
  moved by 调休, and public holidays) as a 法定休假日 (the practice since 民通意见 §198).
  Art. 204 lets a law or a contract set another method: that is the caller's decision, and
  `CalendarDeadline` keeps the unmoved last day beside the moved one.
- A year the installed package does not know (it knows `KNOWN_YEARS`) counts Monday to Friday
  as working days, and every result touching such a day is marked `approximate`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, NamedTuple

import chinese_calendar

from flows.engine.periods import Period

# The package's own rule (its `_validate_date`): the years between its first and last holiday.
KNOWN_YEARS: Final = range(
    min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1
)
_DAY = dt.timedelta(days=1)


class WorkingDay(NamedTuple):
    """Whether a day is a working day, and whether the official calendar for its year is known."""

    working: bool
    known: bool


@dataclass(frozen=True)
class WorkdayResult:
    """A day found by counting; `approximate` when a day counted over lies in an unknown year."""

    date: dt.date
    approximate: bool


@dataclass(frozen=True)
class WorkdayCount:
    """A number of working days; `approximate` as for `WorkdayResult`."""

    days: int
    approximate: bool


@dataclass(frozen=True)
class CalendarDeadline:
    """The last day of a calendar-day limit: `nominal` by Art. 201, `date` after Art. 203."""

    nominal: dt.date
    date: dt.date
    approximate: bool

    @property
    def moved(self) -> bool:
        """Whether Art. 203 moved the last day off a rest day."""
        return self.date != self.nominal


def is_working_day(day: dt.date) -> WorkingDay:
    """Whether `day` is a working day (调休 included), and whether its year's calendar is known."""
    if day.year in KNOWN_YEARS:
        return WorkingDay(bool(chinese_calendar.is_workday(day)), True)
    return WorkingDay(day.weekday() < 5, False)


def add_working_days(start: dt.date, n: int) -> WorkdayResult:
    """The n-th working day after `start` (not counted), e.g. the last day of a 5-working-day
    limit for a request submitted on `start`; n = 0 gives `start`."""
    if n < 0:
        raise ValueError(f"a number of working days is >= 0, not {n}")
    day, left, approximate = start, n, False
    while left:
        day += _DAY
        working, known = is_working_day(day)
        approximate = approximate or not known
        left -= working
    return WorkdayResult(day, approximate)


def working_days_between(start: dt.date, end: dt.date) -> WorkdayCount:
    """How many working days lie after `start` up to and including `end` (the inverse of
    `add_working_days`: from `start` to its result there are n)."""
    if end < start:
        raise ValueError(f"{end} is before {start}")
    count, approximate, day = 0, False, start
    while day < end:
        day += _DAY
        working, known = is_working_day(day)
        count += working
        approximate = approximate or not known
    return WorkdayCount(count, approximate)


def next_working_day(day: dt.date) -> WorkdayResult:
    """`day` itself if it is a working day, else the first working day after it."""
    working, known = is_working_day(day)
    approximate = not known
    while not working:
        day += _DAY
        working, known = is_working_day(day)
        approximate = approximate or not known
    return WorkdayResult(day, approximate)


def calendar_deadline(start: dt.date, days: int) -> CalendarDeadline:
    """The last day of a limit of `days` calendar days from `start` (not counted), moved to
    the next working day when it falls on a rest day (Civil Code Art. 201, 203)."""
    if days < 1:
        raise ValueError(f"a limit in days is >= 1, not {days}")
    nominal = Period(days=days).end(start)
    moved = next_working_day(nominal)
    return CalendarDeadline(nominal, moved.date, moved.approximate)
