"""The day by which a founder can expect an office to act on a complaint, from the policy
data's deadline rules (`flows.policy.limits.DeadlineRule`).

Counting follows `flows.engine.workdays` (submission day not counted; working days on the
official calendar; a calendar-day limit ending on a rest day moves to the next working day).
Assumption: the day of submission is the day the office formally accepts (正式受理) the
complaint; when acceptance comes later, every date here moves later with it. A rule counted
`after` another starts on the last day the earlier one allows (the latest expectation).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flows.engine.workdays import WorkdayResult, add_working_days, calendar_deadline
from flows.policy.limits import Counting, DeadlineRule
from flows.policy.schema import PolicyData, quotable


@dataclass(frozen=True)
class ExpectedDeadline:
    """When an office should have acted under `rule` (for citing): by `date`, or by `latest`
    when it extends the limit as far as the rule allows. Both None for a rule whose limit is
    not known. `approximate`: a day counted over lies in a year the holiday calendar does not
    know yet (Monday to Friday were counted). `after`: the deadline this one counts from."""

    rule: DeadlineRule
    date: dt.date | None
    latest: dt.date | None
    approximate: bool
    after: ExpectedDeadline | None = None

    @property
    def quotable(self) -> bool:
        """Whether the bot may name the date: a known limit from a verified grade A/B entry,
        and so is every deadline it counts from."""
        earlier = self.after is None or self.after.quotable
        return self.date is not None and quotable(self.rule) and earlier


def _count(start: dt.date, counting: Counting, days: int) -> WorkdayResult:
    if counting == "working_days":
        return add_working_days(start, days)
    found = calendar_deadline(start, days)
    return WorkdayResult(found.date, found.approximate)


def expected_by(policy: PolicyData, rule: DeadlineRule, submitted: dt.date) -> ExpectedDeadline:
    """The deadline under `rule` for a complaint submitted on `submitted`."""
    start, approximate, earlier = submitted, False, None
    if rule.after is not None:
        earlier = expected_by(policy, policy.deadline(rule.after), submitted)
        if earlier.date is None:
            return ExpectedDeadline(rule, None, None, earlier.approximate, earlier)
        start, approximate = earlier.date, earlier.approximate
    if rule.counting is None or rule.days is None:
        return ExpectedDeadline(rule, None, None, approximate, earlier)
    end = _count(start, rule.counting, rule.days)
    latest = None if rule.at_most is None else _count(start, rule.counting, rule.at_most)
    return ExpectedDeadline(
        rule,
        end.date,
        None if latest is None else latest.date,
        approximate or end.approximate or (latest is not None and latest.approximate),
        earlier,
    )


def expected_deadline(policy: PolicyData, rule_id: str, submitted: dt.date) -> ExpectedDeadline:
    """The deadline under the rule with this id (KeyError if unknown) for a complaint submitted
    on `submitted`."""
    return expected_by(policy, policy.deadline(rule_id), submitted)
