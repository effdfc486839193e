"""Periods on calendar dates, one rule for every time limit the bot checks ("operating for at
least a year", "registered within 18 months", "employed for six months").

The rule is the Civil Code's (民法典 Art. 201–202): the day a period starts from is not
counted; a period in years or months ends on the corresponding day of the last month, or on
that month's last day when it has no such day (31 January + 1 month ends 28 or 29 February;
29 February + 1 year ends 28 February). A period of one year from 2025-03-15 ends on
2026-03-15: it is *complete* on that day, and a date is *within* it up to that day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8))  # the founders' clock: UTC+8, no daylight saving
_ISO = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?")


@dataclass(frozen=True)
class Period:
    """A length of time in years, months and days (ISO 8601 `P1Y`, `P18M`, `P6M`, `P10D`)."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str) -> Period:
        """`P1Y6M` → Period(1, 6, 0); ValueError for anything else or an empty period."""
        found = _ISO.fullmatch(text)
        if found is None or not any(found.groups()) or text == "P":
            raise ValueError(f"expected a period like P1Y, P18M or P10D, not {text!r}")
        years, months, days = (int(g or 0) for g in found.groups())
        return cls(years, months, days)

    def end(self, start: date) -> date:
        """The last day of the period that starts from `start` (not counted)."""
        month0 = start.month - 1 + self.months + 12 * self.years
        year, month = start.year + month0 // 12, month0 % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return date(year, month, day) + timedelta(days=self.days)

    def __str__(self) -> str:
        parts = (f"{self.years}Y" * bool(self.years), f"{self.months}M" * bool(self.months))
        return "P" + "".join(parts) + (f"{self.days}D" if self.days else "")


def completed(start: date, period: Period, today: date) -> bool:
    """Whether `period` from `start` has run its course by `today` (its last day counts)."""
    return today >= period.end(start)


def within(start: date, period: Period, today: date) -> bool:
    """Whether `today` still falls inside `period` from `start` (up to its last day)."""
    return start <= today <= period.end(start)
