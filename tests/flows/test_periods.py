"""Periods on calendar dates (民法典 Art. 201–202), at and around every boundary."""

from __future__ import annotations

from datetime import date

import pytest

from flows.engine.periods import Period, completed, within

D = date.fromisoformat


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("P1Y", Period(years=1)),
        ("P18M", Period(months=18)),
        ("P6M", Period(months=6)),
        ("P3Y", Period(years=3)),
        ("P10D", Period(days=10)),
        ("P1Y6M", Period(years=1, months=6)),
    ],
)
def test_periods_read_iso_8601(text, period):
    assert Period.parse(text) == period and str(period) == text


@pytest.mark.parametrize("text", ["", "P", "1Y", "P1W", "P-1M", "P1.5Y", "P1Y2"])
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text)


@pytest.mark.parametrize(
    ("start", "period", "end"),
    [
        ("2025-03-15", "P1Y", "2026-03-15"),
        ("2025-01-31", "P1M", "2025-02-28"),  # no 31 February: the month's last day
        ("2024-01-31", "P1M", "2024-02-29"),  # a leap year's February
        ("2024-02-29", "P1Y", "2025-02-28"),  # a leap day + 1 year
        ("2024-02-29", "P4Y", "2028-02-29"),
        ("2025-08-31", "P6M", "2026-02-28"),
        ("2025-03-31", "P18M", "2026-09-30"),
        ("2025-12-15", "P1M", "2026-01-15"),  # across a year end
        ("2025-03-15", "P10D", "2025-03-25"),
    ],
)
def test_a_period_ends_on_the_corresponding_day_or_the_month_end(start, period, end):
    assert Period.parse(period).end(D(start)) == D(end)


@pytest.mark.parametrize(
    ("start", "period", "today", "done"),
    [
        ("2025-03-15", "P1Y", "2026-03-14", False),  # the day before
        ("2025-03-15", "P1Y", "2026-03-15", True),  # the last day of the year counts
        ("2025-03-15", "P1Y", "2026-03-16", True),
        ("2024-02-29", "P1Y", "2025-02-27", False),
        ("2024-02-29", "P1Y", "2025-02-28", True),
        ("2025-08-31", "P6M", "2026-02-27", False),
        ("2025-08-31", "P6M", "2026-02-28", True),
    ],
)
def test_completed(start, period, today, done):
    assert completed(D(start), Period.parse(period), D(today)) is done


@pytest.mark.parametrize(
    ("start", "period", "today", "inside"),
    [
        ("2025-03-31", "P18M", "2026-09-29", True),
        ("2025-03-31", "P18M", "2026-09-30", True),  # the last day is still within
        ("2025-03-31", "P18M", "2026-10-01", False),
        ("2023-12-01", "P3Y", "2026-12-01", True),
        ("2023-12-01", "P3Y", "2026-12-02", False),
        ("2026-12-02", "P3Y", "2026-12-01", False),  # a start in the future is not within
    ],
)
def test_within(start, period, today, inside):
    assert within(D(start), Period.parse(period), D(today)) is inside
