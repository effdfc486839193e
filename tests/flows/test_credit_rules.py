"""Credit repair dates (flows.policy.credit) and its policy data: the window of each grade, sector
and procedure, the listings, Civil Code boundary days, quotability, strict parsing."""

from __future__ import annotations

import copy
import dataclasses
import re
import tomllib
from datetime import date as D
from datetime import timedelta
from typing import Any

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.credit import (
    ABNORMAL_REASONS,
    GRADES,
    RECORD_TYPES,
    SECTORS,
    authority_for,
    escalation_date,
    listing_window,
    penalty_window,
    rule_for_grade,
)
from flows.policy.loader import DEFAULT_PATH, PolicyData, load_policy_data
from flows.policy.loader import parse_policy_data as parse
from flows.policy.schema import quotable

POLICY = load_policy_data()
FIVE = ("food", "drugs", "special_equipment", "production_safety", "fire_safety")
JAN31 = D(2026, 1, 31)


def raw() -> dict[str, Any]:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def verified(entry: Any) -> Any:
    return dataclasses.replace(entry, verified_on=D(2026, 12, 1), transcribed_on=None)


def checked(policy: PolicyData, *ids: str) -> PolicyData:
    """A copy whose credit rules (those named, or all) were checked against their sources."""
    rules = tuple(verified(r) if not ids or r.id in ids else r for r in policy.credit_rules)
    return dataclasses.replace(policy, credit_rules=rules)


def test_the_data_has_every_entry_the_flow_needs() -> None:
    assert {r.id for r in POLICY.credit_rules} == {
        "not_published",
        "minor_penalty",
        "general_penalty",
        "serious_penalty",
        "grade_unknown",
        "sector_minimum",
        "abnormal_to_serious",
        "serious_list",
        "other_dishonesty",
    }
    assert tuple(r.id for r in POLICY.credit_records) == RECORD_TYPES
    assert tuple(g.id for g in POLICY.credit_grades) == GRADES[:3]
    assert tuple(r.id for r in POLICY.abnormal_reasons) == ABNORMAL_REASONS
    assert len(POLICY.credit_authorities) == 11
    offices = {r.id: r.office for r in POLICY.credit_records}
    assert offices == {
        "penalty": "credit_china_shanghai",
        "abnormal_list": "district_amr",
        "serious_list": "samr_shanghai",
        "other": "credit_china_shanghai",
    }
    assert POLICY.credit_record("penalty").processing == (
        "credit_china_reply",
        "credit_authority_decision",
        "credit_shanghai_share",
    )
    assert [POLICY.deadline(i).days for i in POLICY.credit_record("penalty").processing] == [
        10,
        3,
        3,
    ]
    assert POLICY.credit_rule("sector_minimum").sectors == FIVE
    for entry in (
        *POLICY.credit_rules,
        *POLICY.credit_records,
        *POLICY.credit_grades,
        *POLICY.credit_authorities,
        *POLICY.abnormal_reasons,
        *POLICY.commitments,
    ):
        assert entry.transcribed_on == D(2026, 12, 1) and entry.verified_on is None, entry.id
        assert entry.source.strip() and not quotable(entry), entry.id


@pytest.mark.parametrize(
    "lookup",
    [
        POLICY.credit_rule,
        POLICY.credit_record,
        POLICY.credit_grade,
        POLICY.credit_authority,
        POLICY.abnormal_reason,
        POLICY.commitment,
    ],
)
def test_an_unknown_id_is_a_key_error(lookup: Any) -> None:
    with pytest.raises(KeyError):
        lookup("nope")


# (decided_on, grade, sector) -> earliest, ends, rule, earliest_rule, ends_rule, ends_first
@pytest.mark.parametrize(
    ("decided", "grade", "sector", "earliest", "ends", "rules", "first"),
    [
        # minor: any time once duties are met; publicity at most 3 months (31 Jan → 30 Apr).
        (JAN31, "minor", "other", JAN31, D(2026, 4, 30), ("minor_penalty",) * 3, False),
        (
            JAN31,
            "general",
            "other",
            D(2026, 4, 30),
            D(2027, 1, 31),
            ("general_penalty",) * 3,
            False,
        ),
        (
            JAN31,
            "serious",
            "other",
            D(2027, 1, 31),
            D(2029, 1, 31),
            ("serious_penalty",) * 3,
            False,
        ),
        # 29 February: + 1 year ends on 28 February; + 3 months on 29 May.
        (
            D(2028, 2, 29),
            "general",
            "other",
            D(2028, 5, 29),
            D(2029, 2, 28),
            ("general_penalty",) * 3,
            False,
        ),
        (
            D(2028, 2, 29),
            "serious",
            "other",
            D(2029, 2, 28),
            D(2031, 2, 28),
            ("serious_penalty",) * 3,
            False,
        ),
        (
            D(2025, 11, 30),
            "general",
            "other",
            D(2026, 2, 28),
            D(2026, 11, 30),
            ("general_penalty",) * 3,
            False,
        ),
        # The five sectors: at least a year, on top of the grade (the later earliest wins).
        (
            JAN31,
            "minor",
            "food",
            D(2027, 1, 31),
            D(2026, 4, 30),
            ("minor_penalty", "sector_minimum", "minor_penalty"),
            True,
        ),
        (
            JAN31,
            "general",
            "fire_safety",
            D(2027, 1, 31),
            D(2027, 1, 31),
            ("general_penalty", "sector_minimum", "general_penalty"),
            True,
        ),
        # A tie keeps the grade's rule.
        (
            JAN31,
            "serious",
            "drugs",
            D(2027, 1, 31),
            D(2029, 1, 31),
            ("serious_penalty",) * 3,
            False,
        ),
        # Grade unknown: only a sector minimum is known; no end.
        (JAN31, "unknown", "other", None, None, ("grade_unknown", None, None), False),
        (
            JAN31,
            "unknown",
            "special_equipment",
            D(2027, 1, 31),
            None,
            ("grade_unknown", "sector_minimum", None),
            False,
        ),
        (
            JAN31,
            "unknown",
            "production_safety",
            D(2027, 1, 31),
            None,
            ("grade_unknown", "sector_minimum", None),
            False,
        ),
    ],
)
def test_penalty_window(
    decided: D,
    grade: str,
    sector: str,
    earliest: D | None,
    ends: D | None,
    rules: tuple[str | None, str | None, str | None],
    first: bool,
) -> None:
    found = penalty_window(
        POLICY, decided_on=decided, procedure="ordinary", sector=sector, grade=grade
    )
    assert found.published
    assert (found.earliest, found.ends) == (earliest, ends)
    ids = (
        found.rule.id,
        found.earliest_rule and found.earliest_rule.id,
        found.ends_rule and found.ends_rule.id,
    )
    assert ids == rules
    assert found.ends_first() is first
    assert not found.quotable or found.earliest_rule is None and found.ends_rule is None


@pytest.mark.parametrize("procedure", ["simplified", "warning"])
@pytest.mark.parametrize("grade", GRADES)
@pytest.mark.parametrize("sector", SECTORS)
def test_simplified_and_warning_penalties_are_not_published(
    procedure: str, grade: str, sector: str
) -> None:
    found = penalty_window(
        POLICY, decided_on=JAN31, procedure=procedure, sector=sector, grade=grade
    )
    assert not found.published
    assert (found.earliest, found.ends, found.earliest_rule, found.ends_rule) == (None,) * 4
    assert found.rule.id == "not_published"
    assert found.open_on(JAN31) and not found.ends_first()


@pytest.mark.parametrize(
    ("grade", "offset", "open_"),
    [
        ("general", -1, False),
        ("general", 0, True),
        ("general", 1, True),
        ("serious", -1, False),
        ("serious", 0, True),
        ("serious", 1, True),
    ],
)
def test_open_on_the_day_before_on_and_after_earliest(grade: str, offset: int, open_: bool) -> None:
    found = penalty_window(
        POLICY, decided_on=JAN31, procedure="ordinary", sector="other", grade=grade
    )
    assert found.earliest is not None
    assert found.open_on(found.earliest + timedelta(days=offset)) is open_


def test_decided_today() -> None:
    today = D(2026, 12, 1)
    minor, general = (
        penalty_window(POLICY, decided_on=today, procedure="ordinary", sector="other", grade=g)
        for g in ("minor", "general")
    )
    assert minor.earliest == today and minor.open_on(today)
    assert not general.open_on(today) and general.open_on(D(2027, 3, 1))


@pytest.mark.parametrize(
    ("record", "earliest", "rule"),
    [
        ("abnormal_list", JAN31, "abnormal_to_serious"),  # leave it once the report is filed
        ("serious_list", None, "serious_list"),  # the office decides
        ("other", None, "other_dishonesty"),
    ],
)
def test_listing_window(record: str, earliest: D | None, rule: str) -> None:
    found = listing_window(POLICY, record, JAN31)
    assert found.published and found.rule.id == rule
    assert (found.earliest, found.ends) == (earliest, None)
    assert found.open_on(JAN31) and not found.ends_first()


def test_escalation_to_the_serious_list() -> None:
    day, rule = escalation_date(POLICY, D(2024, 2, 29))
    assert day == D(2027, 2, 28) and rule.id == "abnormal_to_serious" and not quotable(rule)
    assert escalation_date(POLICY, JAN31)[0] == D(2029, 1, 31)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (lambda: listing_window(POLICY, "penalty", JAN31), "unknown listing record type"),
        (
            lambda: penalty_window(
                POLICY, decided_on=JAN31, procedure="oral", sector="other", grade="minor"
            ),
            "unknown procedure 'oral'",
        ),
        (
            lambda: penalty_window(
                POLICY, decided_on=JAN31, procedure="ordinary", sector="mining", grade="minor"
            ),
            "unknown sector 'mining'",
        ),
        (lambda: rule_for_grade(POLICY, "huge"), "unknown grade 'huge'"),
    ],
)
def test_unknown_codes_are_refused(call: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        call()


def test_dates_are_quotable_only_from_verified_rules() -> None:
    window: dict[str, Any] = {"decided_on": JAN31, "procedure": "ordinary"}
    assert not penalty_window(POLICY, sector="other", grade="general", **window).quotable
    everything = checked(POLICY)
    for sector in SECTORS:
        for grade in GRADES:
            assert penalty_window(everything, sector=sector, grade=grade, **window).quotable
    only_grade = checked(POLICY, "general_penalty")
    assert penalty_window(only_grade, sector="other", grade="general", **window).quotable
    # The sector's minimum decides `earliest` and is still transcribed.
    assert not penalty_window(only_grade, sector="food", grade="general", **window).quotable
    assert listing_window(everything, "abnormal_list", JAN31).quotable
    assert not listing_window(POLICY, "abnormal_list", JAN31).quotable


def test_grade_c_rules_never_become_quotable() -> None:
    rule = verified(POLICY.credit_rule("grade_unknown"))
    assert rule.confidence == "C" and not quotable(rule)


def test_explanations_state_no_figure() -> None:
    digits = re.compile(r"[0-9０-９一二三四五六七八九十]+[个年月日天]")
    texts = [
        *(e.explain for e in (*POLICY.credit_records, *POLICY.credit_grades)),
        *(r.cure for r in POLICY.abnormal_reasons),
    ]
    for block in texts:
        for text in (block.zh, block.en):
            assert not re.search(r"[0-9]", text) and not digits.search(text), text


def test_the_commitment_letter_fills_in() -> None:
    letter = POLICY.commitment("credit_repair")
    assert len(letter.text.zh) <= 350 and len(letter.text.en) <= 700
    zh = letter.filled("zh_CN", company="某某公司", credit_code="91130600738737199K", record="处罚")
    assert "某某公司" in zh and "91130600738737199K" in zh and "{" not in zh
    en = letter.filled("en", company="ACME Ltd", credit_code="91130600738737199K", record="a fine")
    assert en.startswith("ACME Ltd") and "{" not in en


@pytest.mark.parametrize(
    ("typed", "authority"),
    [
        ("市监局", "samr_shanghai"),
        ("黄浦区市场监督管理局", "district_amr"),
        ("上海市市场监管局", "samr_shanghai"),
        ("浦东新区市场监管局", "district_amr"),  # 区市场监管局 is the longest word in it
        ("徐汇区市场监管所", "district_amr"),
        ("国家税务总局上海市税务局", "sh_tax"),
        ("消防", "sh_fire"),
        ("城管", "sh_urban_management"),
        ("Housing and construction", "sh_housing"),
        ("公安局", None),
    ],
)
def test_authority_for_what_a_founder_types(typed: str, authority: str | None) -> None:
    found = authority_for(POLICY, typed)
    assert (found and found.id) == authority


def edit(section: str, index: int, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(RAW)
    doc[section][index] |= changes
    return doc


RAW = raw()


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        (edit("credit_rule", 2, colour="red"), "credit_rule 'general_penalty': field 'colour'"),
        (edit("credit_rule", 2, minimum="3 months"), "expected a period like P1Y"),
        (edit("credit_rule", 2, minimum="P2Y"), "expected at least the minimum (P2Y)"),
        (edit("credit_rule", 2, grades=["huge"]), "expected one of 'minor'"),
        (edit("credit_rule", 2, records=[]), "expected at least one code"),
        (edit("credit_rule", 0, maximum="P1Y"), "a record never published has no minimum"),
        (edit("credit_rule", 2, articles=[0]), "expected article numbers >= 1"),
        (edit("credit_record", 0, office="nowhere"), "unknown office 'nowhere'"),
        (edit("credit_record", 0, processing=["never"]), "unknown deadline 'never'"),
        (edit("credit_record", 0, id="fine"), "expected one of 'penalty'"),
        (edit("credit_grade", 0, colour="red"), "credit_grade 'minor': field 'colour'"),
        (edit("credit_authority", 1, words=["市监局"]), "'市监局' names 'samr_shanghai' already"),
        (edit("abnormal_reason", 0, cure="x"), "expected an inline table"),
        (
            edit("commitment", 0, text={"zh": "{company}{record}", "en": "x"}),
            "needs {company}, {credit_code} and {record} once each",
        ),
        (
            edit(
                "commitment",
                0,
                text={"zh": "{company}{credit_code}{record}" + "长" * 340, "en": "x"},
            ),
            "text.zh': 370 characters; at most 350",
        ),
        (edit("credit_rule", 2, verified_on=D(2026, 12, 1)), "exactly one"),
    ],
)
def test_bad_credit_entries_are_refused(doc: dict[str, Any], problem: str) -> None:
    with pytest.raises(PolicyDataError, match=re.escape(problem)):
        parse(doc)


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("credit_rule", "credit_rule: missing entries sector_minimum"),
        ("credit_record", "credit_record: missing entries other"),
        ("abnormal_reason", "abnormal_reason: missing entries false_info"),
    ],
)
def test_a_missing_entry_is_named(section: str, problem: str) -> None:
    doc = copy.deepcopy(RAW)
    doc[section] = [
        e for e in doc[section] if e["id"] not in ("sector_minimum", "other", "false_info")
    ]
    with pytest.raises(PolicyDataError, match=re.escape(problem)):
        parse(doc)


def test_the_credit_sections_are_optional() -> None:
    doc = copy.deepcopy(RAW)
    for section in (
        "credit_rule",
        "credit_record",
        "credit_grade",
        "credit_authority",
        "abnormal_reason",
        "commitment",
    ):
        del doc[section]
    data = parse(doc)
    assert data.credit_rules == data.commitments == ()
