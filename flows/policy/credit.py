"""When a credit record may be repaired and when its publicity ends (Regulations Art. 58), from the
policy data's credit rules (`flows.policy.credit_data.CreditRule`).

Periods run from the decision date (or the day of listing) and are counted by
`flows.engine.periods` (Civil Code): a period is complete on `Period.end(start)`, so a repair may
be requested from that day, and publicity's last day is the maximum's end. The rules are found
by id (`RULE_IDS`); which sectors and procedures they cover is read from the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from flows.policy.credit_data import (
    ABNORMAL_REASONS,
    GRADES,
    PROCEDURES,
    RECORD_TYPES,
    SECTORS,
    AbnormalReason,
    Commitment,
    CreditAuthority,
    CreditGrade,
    CreditRecord,
    CreditRule,
)
from flows.policy.schema import PolicyData, quotable

__all__ = [
    "ABNORMAL_REASONS",
    "GRADES",
    "LISTING_RULES",
    "PROCEDURES",
    "RECORD_TYPES",
    "RULE_IDS",
    "SECTORS",
    "AbnormalReason",
    "Commitment",
    "CreditAuthority",
    "CreditGrade",
    "CreditRecord",
    "CreditRule",
    "RepairWindow",
    "authority_for",
    "escalation_date",
    "listing_window",
    "penalty_window",
    "rule_for_grade",
]

# The penalty rule of each grade. "unknown": the founder does not know the grade; its rule
# (grade_unknown) names no period, the office that decided tells the grade.
GRADE_RULES: Final = {
    "minor": "minor_penalty",
    "general": "general_penalty",
    "serious": "serious_penalty",
    "unknown": "grade_unknown",
}
NOT_PUBLISHED: Final = "not_published"  # its `procedures`: penalties that are never published
SECTOR_MINIMUM: Final = "sector_minimum"  # its `sectors`: where the minimum is longer
LISTING_RULES: Final = {
    "abnormal_list": "abnormal_to_serious",
    "serious_list": "serious_list",
    "other": "other_dishonesty",
}
RULE_IDS: Final = (
    *GRADE_RULES.values(),
    NOT_PUBLISHED,
    SECTOR_MINIMUM,
    *LISTING_RULES.values(),
)


@dataclass(frozen=True)
class RepairWindow:
    """When a record may be repaired. `earliest`: the first day a repair may be requested (None:
    the rules do not say, the office decides); `ends`: the last day of publicity, after which it
    ends by itself (None: unknown); `earliest_rule` / `ends_rule` decided them, `rule` is the
    main rule that applies; `quotable`: every rule deciding a date may be quoted as a number
    (`schema.quotable`; vacuously True when no rule decides a date)."""

    published: bool
    earliest: date | None
    ends: date | None
    earliest_rule: CreditRule | None
    ends_rule: CreditRule | None
    rule: CreditRule
    quotable: bool

    def open_on(self, today: date) -> bool:
        """Whether a repair may be requested on `today` (always, when no rule says otherwise)."""
        return self.earliest is None or self.earliest <= today

    def ends_first(self) -> bool:
        """Whether publicity ends by itself no later than a repair could first be requested."""
        return self.earliest is not None and self.ends is not None and self.ends <= self.earliest


def _window(
    rule: CreditRule,
    earliest: tuple[date, CreditRule] | None,
    ends: tuple[date, CreditRule] | None,
) -> RepairWindow:
    deciding = [found[1] for found in (earliest, ends) if found is not None]
    return RepairWindow(
        published=rule.published,
        earliest=None if earliest is None else earliest[0],
        ends=None if ends is None else ends[0],
        earliest_rule=None if earliest is None else earliest[1],
        ends_rule=None if ends is None else ends[1],
        rule=rule,
        quotable=all(quotable(found) for found in deciding),
    )


def _check(value: str, options: tuple[str, ...], what: str) -> None:
    if value not in options:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(options)}")


def rule_for_grade(policy: PolicyData, grade: str) -> CreditRule:
    """The penalty rule of a grade, "unknown" included (KeyError if the data lacks it)."""
    _check(grade, GRADES, "grade")
    return policy.credit_rule(GRADE_RULES[grade])


def penalty_window(
    policy: PolicyData, *, decided_on: date, procedure: str, sector: str, grade: str
) -> RepairWindow:
    """The repair window of an administrative penalty decided on `decided_on`. A penalty under
    the simplified procedure or only a warning is not published. Otherwise the grade's minimum
    and maximum apply, and a sector with a longer minimum moves `earliest` later (the later one
    wins). Unknown grade: only a sector minimum is known; publicity's end is not."""
    _check(procedure, PROCEDURES, "procedure")
    _check(sector, SECTORS, "sector")
    hidden = policy.credit_rule(NOT_PUBLISHED)
    if procedure in hidden.procedures:
        return _window(hidden, None, None)
    rule = rule_for_grade(policy, grade)
    earliest = None if rule.minimum is None else (rule.minimum.end(decided_on), rule)
    ends = None if rule.maximum is None else (rule.maximum.end(decided_on), rule)
    by_sector = policy.credit_rule(SECTOR_MINIMUM)
    if sector in by_sector.sectors and by_sector.minimum is not None:
        day = by_sector.minimum.end(decided_on)
        if earliest is None or day > earliest[0]:
            earliest = (day, by_sector)
    return _window(rule, earliest, ends)


def listing_window(policy: PolicyData, record_type: str, listed_on: date) -> RepairWindow:
    """The repair window of a listing (abnormal_list, serious_list, other) from `listed_on`
    (for "other", the decision date). A penalty's needs `penalty_window`."""
    _check(record_type, tuple(LISTING_RULES), "listing record type")
    rule = policy.credit_rule(LISTING_RULES[record_type])
    earliest = None if rule.minimum is None else (rule.minimum.end(listed_on), rule)
    ends = None if rule.maximum is None else (rule.maximum.end(listed_on), rule)
    return _window(rule, earliest, ends)


def escalation_date(policy: PolicyData, listed_on: date) -> tuple[date, CreditRule]:
    """The day a business on the abnormal operations list since `listed_on` moves to the list of
    seriously illegal and dishonest entities if still unresolved, and the rule that says so
    (quote the date only when `quotable(rule)`)."""
    rule = policy.credit_rule(LISTING_RULES["abnormal_list"])
    if rule.escalates_after is None:
        raise KeyError(f"credit rule {rule.id!r} has no escalates_after")
    return rule.escalates_after.end(listed_on), rule


def authority_for(policy: PolicyData, typed: str) -> CreditAuthority | None:
    """The issuing authority a founder's text names: an exact word or name first, else the one
    whose longest word the text contains; None when nothing matches."""
    text = typed.strip().casefold()
    best: tuple[int, CreditAuthority] | None = None
    for authority in policy.credit_authorities:
        names = (authority.name.zh, authority.name.en, *authority.words)
        if text in (name.casefold() for name in names):
            return authority
        for word in authority.words:
            if word.casefold() in text and (best is None or len(word) > best[0]):
                best = (len(word), authority)
    return None if best is None else best[1]
