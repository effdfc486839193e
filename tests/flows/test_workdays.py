"""Working days on the official calendar (调休 included), and the counting rules."""

from __future__ import annotations

from datetime import date

import pytest

from flows.engine.workdays import (
    KNOWN_YEARS,
    WorkdayCount,
    WorkdayResult,
    add_working_days,
    calendar_deadline,
    is_working_day,
    next_working_day,
    working_days_between,
)

D = date


def test_the_installed_calendar_knows_2004_to_2026() -> None:
    assert (KNOWN_YEARS.start, KNOWN_YEARS.stop - 1) == (2004, 2026)


@pytest.mark.parametrize(
    ("day", "working", "known"),
    [
        (D(2026, 2, 14), True, True),  # Saturday, 调休 working day before 春节 2026
        (D(2026, 2, 16), False, True),  # Monday in 春节 (15–23 Feb 2026)
        (D(2025, 9, 28), True, True),  # Sunday, 调休 working day before 国庆 2025
        (D(2025, 10, 8), False, True),  # Wednesday, last day of 国庆 + 中秋 2025
        (D(2025, 10, 11), True, True),  # Saturday, 调休 working day after 国庆 2025
        (D(2026, 3, 7), False, True),  # an ordinary Saturday
        (D(2027, 1, 1), True, False),  # unknown year: a Friday counts (really New Year's Day)
        (D(2028, 2, 29), True, False),  # unknown leap day, a Tuesday
        (D(2027, 1, 2), False, False),  # unknown year: a Saturday does not
    ],
)
def test_is_working_day(day: date, working: bool, known: bool) -> None:
    assert is_working_day(day) == (working, known)


@pytest.mark.parametrize(
    ("start", "n", "end", "approximate"),
    [
        # Fri 13 Feb 2026: the submission day is not counted; Sat 14 is a 调休 working day (1).
        (D(2026, 2, 13), 1, D(2026, 2, 14), False),
        # ... then 春节 15–23 Feb; Tue 24 Feb is the 2nd.
        (D(2026, 2, 13), 2, D(2026, 2, 24), False),
        # Thu 12 Feb: 13 (1), 14 Sat 调休 (2), 24 (3), 25 (4), 26 (5).
        (D(2026, 2, 12), 5, D(2026, 2, 26), False),
        # Fri 26 Sep 2025: 28 Sun 调休 (1), 29 (2), 30 (3), 国庆 1–8 Oct, 9 (4), 10 (5).
        (D(2025, 9, 26), 5, D(2025, 10, 10), False),
        # Tue 30 Sep 2025: 9 Oct (1), 10 (2), 11 Sat 调休 (3), 13 (4), 14 (5).
        (D(2025, 9, 30), 5, D(2025, 10, 14), False),
        # Wed 30 Sep 2026: 国庆 1–7 Oct, 8 (1), 9 (2), 10 Sat 调休 (3), 12 (4), 13 (5).
        (D(2026, 9, 30), 5, D(2026, 10, 13), False),
        # A Saturday submission: counting starts the next day, Mon 9 Mar 2026 is the 1st.
        (D(2026, 3, 7), 1, D(2026, 3, 9), False),
        # Month end: Fri 30 Jan 2026, Sat/Sun rest, Mon 2 Feb.
        (D(2026, 1, 30), 1, D(2026, 2, 2), False),
        # Into an unknown year: Fri 1 Jan 2027 counts Monday-to-Friday, so approximate.
        (D(2026, 12, 31), 1, D(2027, 1, 1), True),
        # 31 Dec (1, known), 1 Jan 2027 (2, guessed), Mon 4 Jan (3).
        (D(2026, 12, 30), 3, D(2027, 1, 4), True),
        # Leap year beyond the library: Mon 28 Feb 2028 → Tue 29 Feb.
        (D(2028, 2, 28), 1, D(2028, 2, 29), True),
        # Fri 25 Feb 2028: 28 (1), 29 (2), 1 Mar (3).
        (D(2028, 2, 25), 3, D(2028, 3, 1), True),
        (D(2026, 2, 13), 0, D(2026, 2, 13), False),
    ],
)
def test_add_working_days(start: date, n: int, end: date, approximate: bool) -> None:
    assert add_working_days(start, n) == WorkdayResult(end, approximate)
    assert working_days_between(start, end) == WorkdayCount(n, approximate)


def test_working_days_between() -> None:
    # After Fri 13 Feb 2026 up to Mon 2 Mar: 14 (调休), 24, 25, 26, 27, 28 (Sat 调休), 2 Mar.
    assert working_days_between(D(2026, 2, 13), D(2026, 3, 2)) == WorkdayCount(7, False)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 13)) == WorkdayCount(0, False)
    with pytest.raises(ValueError):
        working_days_between(D(2026, 2, 13), D(2026, 2, 12))
    with pytest.raises(ValueError):
        add_working_days(D(2026, 2, 13), -1)


def test_next_working_day() -> None:
    assert next_working_day(D(2026, 2, 16)) == WorkdayResult(D(2026, 2, 24), False)
    assert next_working_day(D(2026, 2, 24)) == WorkdayResult(D(2026, 2, 24), False)
    assert next_working_day(D(2027, 1, 2)) == WorkdayResult(D(2027, 1, 4), True)


@pytest.mark.parametrize(
    ("start", "days", "nominal", "end", "approximate"),
    [
        # 1 Sep 2025 + 30 days = 1 Oct (国庆): moved to Thu 9 Oct (Art. 203).
        (D(2025, 9, 1), 30, D(2025, 10, 1), D(2025, 10, 9), False),
        # 1 Jan 2026 + 30 = Sat 31 Jan: moved to Mon 2 Feb.
        (D(2026, 1, 1), 30, D(2026, 1, 31), D(2026, 2, 2), False),
        # 15 Jan 2026 + 30 = Sat 14 Feb, a 调休 working day: not moved.
        (D(2026, 1, 15), 30, D(2026, 2, 14), D(2026, 2, 14), False),
        # Leap year: 30 Jan 2028 + 30 = Tue 29 Feb 2028, guessed a working day.
        (D(2028, 1, 30), 30, D(2028, 2, 29), D(2028, 2, 29), True),
    ],
)
def test_calendar_deadline(
    start: date, days: int, nominal: date, end: date, approximate: bool
) -> None:
    found = calendar_deadline(start, days)
    assert (found.nominal, found.date, found.approximate) == (nominal, end, approximate)
    assert found.moved is (nominal != end)
