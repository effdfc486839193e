"""Complaint deadlines, payment terms and late interest as policy data, and the deadline a
founder can expect."""

from __future__ import annotations

import copy
import dataclasses
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.deadlines import expected_by, expected_deadline
from flows.policy.loader import DEFAULT_PATH, PAYERS, PolicyData, load_policy_data
from flows.policy.loader import parse_policy_data as parse
from flows.policy.schema import quotable

D = date
LIMIT_SECTIONS = ("deadline", "payment_term", "late_interest")


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    return load_policy_data()


@pytest.fixture()
def raw() -> dict[str, Any]:
    with DEFAULT_PATH.open("rb") as file:
        return tomllib.load(file)


def test_the_rules_are_in_the_packaged_file(policy: PolicyData) -> None:
    assert {rule.id for rule in policy.deadlines} == {
        "business_env_ordinary",
        "business_env_difficult",
        "hotline_12345",
        "arrears_transfer",
        "arrears_decision",
        "credit_china_reply",
        "credit_authority_decision",
        "credit_shanghai_share",
    }
    assert {payer for term in policy.payment_terms for payer in term.payers} == set(PAYERS)
    assert policy.default_late_interest().daily_rate == Decimal("0.0005")
    with pytest.raises(KeyError):
        policy.deadline("nope")
    with pytest.raises(KeyError):
        policy.payment_term("nope")


def test_every_entry_of_every_section_has_source_grade_and_one_date(policy: PolicyData) -> None:
    entries = [
        entry
        for field in dataclasses.fields(policy)
        if isinstance(value := getattr(policy, field.name), tuple)
        for entry in value
    ]
    kinds = {type(entry).__name__ for entry in entries}
    assert len(entries) > 90 and {"DeadlineRule", "PaymentTerm", "LateInterest"} <= kinds
    for entry in entries:
        assert entry.source.strip(), entry
        assert entry.confidence in ("A", "B", "C"), entry
        assert (entry.verified_on is None) != (entry.transcribed_on is None), entry


def test_unverified_limits_are_not_quotable(policy: PolicyData) -> None:
    rules = (*policy.deadlines, *policy.payment_terms, *policy.late_interest)
    for rule in rules:
        assert quotable(rule) is (rule.verified_on is not None and rule.confidence in "AB")
    # Today every one of them was only transcribed from the domain notes.
    assert not any(quotable(rule) for rule in rules)
    assert policy.deadline("hotline_12345").days is None  # 12345's own limits: unverified


@pytest.mark.parametrize(
    ("rule_id", "submitted", "by", "latest", "approximate"),
    [
        # 5 working days from Fri 26 Sep 2025: 28 Sun 调休, 29, 30, 国庆 1–8 Oct, 9, 10.
        ("business_env_ordinary", D(2025, 9, 26), D(2025, 10, 10), None, False),
        # From Thu 12 Feb 2026: 13, 14 Sat 调休, 春节 15–23, 24, 25, 26.
        ("business_env_ordinary", D(2026, 2, 12), D(2026, 2, 26), None, False),
        # 15 working days from Tue 1 Dec 2026: 2–4, 7–11, 14–18, 21, 22 → Tue 22 Dec.
        ("business_env_difficult", D(2026, 12, 1), D(2026, 12, 22), None, False),
        # 15 from Mon 21 Dec 2026 runs into 2027 (Monday to Friday): approximate.
        ("business_env_difficult", D(2026, 12, 21), D(2027, 1, 11), None, True),
        # 10 working days from Fri 26 Sep 2025: 28, 29, 30, 9, 10, 11 Sat 调休, 13, 14, 15, 16.
        ("arrears_transfer", D(2025, 9, 26), D(2025, 10, 16), None, False),
        # Decision: 30 days from the transfer deadline 16 Oct = Sat 15 Nov → Mon 17 Nov;
        # 90 at most: 16 Oct + 90 = Wed 14 Jan 2026.
        ("arrears_decision", D(2025, 9, 26), D(2025, 11, 17), D(2026, 1, 14), False),
        # Transfer by Fri 4 Dec 2026; + 30 = Sun 3 Jan 2027 (unknown year) → Mon 4 Jan.
        ("arrears_decision", D(2026, 11, 20), D(2027, 1, 4), D(2027, 3, 4), True),
        # 12345: no known limit, so no date at all.
        ("hotline_12345", D(2026, 3, 2), None, None, False),
    ],
)
def test_expected_deadline(
    policy: PolicyData,
    rule_id: str,
    submitted: date,
    by: date | None,
    latest: date | None,
    approximate: bool,
) -> None:
    found = expected_deadline(policy, rule_id, submitted)
    assert (found.date, found.latest, found.approximate) == (by, latest, approximate)
    assert found.rule is policy.deadline(rule_id)
    assert not found.quotable


def verified(rule: Any) -> Any:
    return dataclasses.replace(rule, verified_on=D(2026, 12, 1), transcribed_on=None)


def test_a_verified_rule_is_quotable_unless_it_counts_from_an_unverified_one(
    policy: PolicyData,
) -> None:
    ordinary = verified(policy.deadline("business_env_ordinary"))
    assert expected_by(policy, ordinary, D(2026, 3, 2)).quotable
    decision = verified(policy.deadline("arrears_decision"))
    assert not expected_by(policy, decision, D(2026, 3, 2)).quotable  # the transfer is not
    checked = dataclasses.replace(
        policy, deadlines=tuple(verified(rule) for rule in policy.deadlines)
    )
    assert expected_deadline(checked, "arrears_decision", D(2026, 3, 2)).quotable
    assert not expected_deadline(checked, "hotline_12345", D(2026, 3, 2)).quotable  # no date


def edit(raw: dict[str, Any], section: str, index: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(raw)
    entry = doc[section][index]
    for key, value in changes.items():
        if value is None:
            entry.pop(key)
        else:
            entry[key] = value
    return doc


@pytest.mark.parametrize(
    ("section", "index", "changes", "message"),
    [
        ("deadline", 0, {"counting": None}, "give days and counting together"),
        ("deadline", 0, {"counting": "hours"}, "expected one of"),
        ("deadline", 0, {"days": 0}, "expected a whole number >= 1"),
        ("deadline", 4, {"at_most": 30}, "expected more than days"),
        ("deadline", 0, {"after": "arrears_transfer"}, "unknown earlier deadline"),
        ("deadline", 0, {"articles": [0]}, "article numbers >= 1"),
        ("deadline", 0, {"transcribed_on": None}, "exactly one"),
        ("deadline", 0, {"verified_on": D(2026, 12, 1)}, "exactly one"),
        ("deadline", 0, {"confidence": "D"}, "expected one of"),
        ("deadline", 0, {"unknown": 1}, "unknown key"),
        ("deadline", 1, {"id": "business_env_ordinary"}, "duplicate id"),
        ("payment_term", 0, {"payers": ["government_body"]}, "no term for payers"),
        ("payment_term", 1, {"payers": ["public_institution"]}, "has a payment term already"),
        ("payment_term", 0, {"payers": ["ministry"]}, "expected one of"),
        ("payment_term", 0, {"contract_max_days": 20}, "expected at least days"),
        ("payment_term", 0, {"in_force_from": None}, "missing"),
        ("payment_term", 0, {"in_force_from": "2025-06-01"}, "expected a TOML date"),
        ("late_interest", 0, {"daily_rate": "five"}, "decimal string"),
        ("late_interest", 0, {"daily_rate": "0.05"}, "between 0 and"),
        ("late_interest", 0, {"daily_rate": "NaN"}, "between 0 and"),
        ("late_interest", 0, {"source": ""}, "non-empty string"),
    ],
)
def test_bad_limit_entries_are_refused(
    raw: dict[str, Any], section: str, index: int, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(PolicyDataError, match=message) as caught:
        parse(edit(raw, section, index, **changes))
    assert str(caught.value).startswith(section)


def test_one_late_interest_only(raw: dict[str, Any]) -> None:
    raw["late_interest"].append(dict(raw["late_interest"][0], id="another"))
    with pytest.raises(PolicyDataError, match="expected one entry"):
        parse(raw)


def test_the_limit_sections_are_optional(raw: dict[str, Any]) -> None:
    del raw["complaint_category"]  # its categories name deadlines: optional with them
    del raw["credit_record"]  # so do the credit records' processing steps
    for section in LIMIT_SECTIONS:
        del raw[section]
    data = parse(raw)
    assert (data.deadlines, data.payment_terms, data.late_interest) == ((), (), ())
    with pytest.raises(KeyError):
        data.default_late_interest()
