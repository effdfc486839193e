"""Startup subsidy programmes (Art. 36–38): eligibility per rule, documents, strict loading."""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from flows.engine.errors import PolicyDataError
from flows.policy.eligibility import Assessment, assess, check, documents_for
from flows.policy.loader import (
    DEFAULT_PATH,
    FACT_FIELDS,
    PROFILE_FIELDS,
    PolicyData,
    load_policy_data,
    parse_policy_data,
)
from flows.policy.schema import quotable

PROGRAMMES = [
    "startup_subsidy",
    "rent_subsidy",
    "startup_loan",
    "social_insurance_subsidy",
    "key_group_tax_relief",
]

TODAY = date(2026, 11, 28)
# A graduate's small company, registered 14 months ago, with rented premises and 2 insured
# staff employed for 9 months: fits every programme.
FOUNDER: dict[str, object] = {
    "today": TODAY,
    "applicant": "graduate",
    "graduation_year": 2024,
    "residence": "residence_permit",
    "first_business": "yes",
    "registered": "yes",
    "registered_on": "2025-09-28",
    "org_type": "small_micro",
    "district": "pudong",
    "insured_staff": 2,
    "insured_since": "2026-02-28",
    "lease": "yes",
    "dishonest": "no",
}
NOT_REGISTERED: dict[str, object] = {"registered": "no", "registered_on": None}


@pytest.fixture(scope="module")
def data() -> PolicyData:
    return load_policy_data()


def facts(**changes: object) -> dict[str, object]:
    """FOUNDER with some facts changed; None removes a fact."""
    found = {**FOUNDER, **changes}
    return {name: value for name, value in found.items() if value is not None}


def result(data: PolicyData, programme_id: str, found: dict[str, object]) -> Assessment:
    return check(data.programme(programme_id), found)


# --- the packaged programmes ----------------------------------------------------------------


def test_programmes_in_file_order_and_all_fit_the_model_founder(data: PolicyData) -> None:
    results = assess(FOUNDER, data)
    assert [r.programme.id for r in results] == PROGRAMMES
    assert all(r.eligible and r.reasons == () for r in results), results


@pytest.mark.parametrize(
    ("programme_id", "article"),
    [
        ("startup_subsidy", 38),
        ("rent_subsidy", 36),
        ("startup_loan", 37),
        ("social_insurance_subsidy", 38),
        ("key_group_tax_relief", 38),
    ],
)
def test_programme_reuses_its_policy_and_a_district_office(
    data: PolicyData, programme_id: str, article: int
) -> None:
    programme = data.programme(programme_id)
    assert article in data.policy(programme.policy).articles
    assert data.office(programme.office).kind == "district"
    assert programme.rules and programme.documents
    assert programme.documents[0] == "id_card"


def test_a_cap_only_transcribed_is_not_quoted(data: PolicyData) -> None:
    loan = data.programme("startup_loan")
    assert loan.cap is not None and loan.cap.amount == 500_000 and loan.confidence == "B"
    assert loan.verified_on is None and loan.transcribed_on is not None
    assert {p.id: p.quotable_cap for p in data.programmes} == dict.fromkeys(PROGRAMMES)


@pytest.mark.parametrize(("grade", "quoted"), [("A", True), ("B", True), ("C", False)])
def test_a_cap_checked_by_a_person_is_quoted_unless_grade_c(grade: str, quoted: bool) -> None:
    doc = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    loan = programme(doc, "startup_loan")
    loan.pop("transcribed_on")
    loan.update(verified_on=date(2026, 11, 30), confidence=grade)
    cap = parse_policy_data(doc).programme("startup_loan").quotable_cap
    assert (cap is not None) is quoted


def test_form_fields(data: PolicyData) -> None:
    fields = {p.id: p.fields for p in data.programmes}
    assert fields["rent_subsidy"] == ("lease_months", "monthly_rent")
    assert fields["startup_loan"] == ("loan_amount",)
    assert fields["startup_subsidy"] == ()


def test_every_reason_is_bilingual_and_distinct(data: PolicyData) -> None:
    for programme in data.programmes:
        texts = [rule.fail for rule in programme.rules]
        assert len({t.en for t in texts}) == len(texts), programme.id
        assert all(t.zh.strip() and t.en.strip() for t in texts), programme.id


# --- one failing rule at a time -------------------------------------------------------------

INELIGIBLE: list[tuple[str, dict[str, object], str]] = [
    # (programme, changed facts, the only reason's English text contains)
    ("startup_subsidy", {"applicant": "veteran"}, "Only for graduates and people with employment"),
    ("startup_subsidy", {"applicant": "other"}, "returning migrant workers"),
    ("startup_subsidy", {"first_business": "no"}, "first business in Shanghai"),
    ("startup_subsidy", {"org_type": "cooperative"}, "small or micro enterprises and individual"),
    ("startup_subsidy", {"registered_on": "2025-11-29"}, "operated normally for a while"),
    ("rent_subsidy", {"org_type": "individual"}, "Only for small and micro enterprises."),
    ("rent_subsidy", {"lease": "no"}, "rented premises"),
    ("rent_subsidy", {"registered_on": "2025-05-27"}, "how long ago the business was registered"),
    ("rent_subsidy", {"insured_staff": 0}, "tied to staff whose social insurance you pay"),
    ("startup_loan", {"dishonest": "yes"}, "dishonest judgment debtor"),
    ("startup_loan", {"dishonest": None}, "dishonest judgment debtor"),
    ("social_insurance_subsidy", {"org_type": "other"}, "private non-enterprise units"),
    (
        "social_insurance_subsidy",
        {"registered_on": "2023-11-27"},
        "limited time after registration",
    ),
    ("social_insurance_subsidy", {"residence": "none"}, "legal representative needs"),
    ("social_insurance_subsidy", {"residence": None}, "legal representative needs"),
    ("social_insurance_subsidy", {"insured_staff": 0}, "five social insurances"),
    ("social_insurance_subsidy", {"insured_since": "2026-05-29"}, "employed for a minimum time"),
    ("key_group_tax_relief", {"applicant": "returning_migrant"}, "key groups"),
    ("key_group_tax_relief", {"org_type": "non_enterprise"}, "and individual businesses"),
]


@pytest.mark.parametrize(("programme_id", "changes", "reason"), INELIGIBLE)
def test_one_failing_rule_gives_its_reason(
    data: PolicyData, programme_id: str, changes: dict[str, object], reason: str
) -> None:
    found = result(data, programme_id, facts(**changes))
    assert not found.eligible
    [failed] = found.reasons + found.unconfirmed
    assert reason in failed.en
    rule = next(r for r in found.programme.rules if r.fail == failed)
    assert rule.when.field in changes
    # a rule the data holds at grade C never rules a programme out on its own
    assert found.status == ("confirm" if rule.confidence == "C" else "ineligible")
    assert found.may_apply is (rule.confidence == "C")


def test_every_rule_is_exercised_above(data: PolicyData) -> None:
    exercised = {(p, c) for p, changes, _ in INELIGIBLE for c in changes}
    for programme in data.programmes:
        for rule in programme.rules:
            if rule.when.field != "registered":  # covered by the not-registered test
                assert (programme.id, rule.when.field) in exercised, (programme.id, rule)


@pytest.mark.parametrize(
    "programme_id",
    ["startup_subsidy", "rent_subsidy", "social_insurance_subsidy", "key_group_tax_relief"],
)
def test_not_registered_yet_is_the_first_reason(data: PolicyData, programme_id: str) -> None:
    found = result(data, programme_id, facts(**NOT_REGISTERED))
    assert not found.eligible
    first = (found.reasons + found.unconfirmed)[0]
    assert "not registered yet" in first.en
    assert "尚未登记" in first.zh


def test_the_loan_needs_no_registration(data: PolicyData) -> None:
    assert result(data, "startup_loan", facts(**NOT_REGISTERED)).eligible


def test_several_failing_rules_keep_rule_order(data: PolicyData) -> None:
    found = result(
        data, "social_insurance_subsidy", facts(residence="none", insured_since="2026-11-01")
    )
    assert [r.en for r in found.reasons] == [
        rule.fail.en
        for rule in data.programme("social_insurance_subsidy").rules
        if rule.when.field in ("residence", "insured_since")
    ]


def test_no_facts_fail_every_rule(data: PolicyData) -> None:
    for assessment in assess({}, data):
        assert not assessment.eligible
        failed = assessment.reasons + assessment.unconfirmed
        assert len(failed) == len(assessment.programme.rules)


def test_mistyped_facts_fail(data: PolicyData) -> None:
    as_text = {name: str(value) for name, value in FOUNDER.items()}  # "14", not 14
    for assessment in assess(as_text, data):
        counts = any(r.when.op in ("min", "max") for r in assessment.programme.rules)
        assert assessment.eligible is not counts, assessment.programme.id
    for assessment in assess(facts(registered=True), data):  # the flow must send "yes"
        needs = any(r.when.field == "registered" for r in assessment.programme.rules)
        assert assessment.eligible is not needs, assessment.programme.id


@pytest.mark.parametrize(
    ("programme_id", "changes", "eligible"),
    [
        ("startup_subsidy", {"applicant": "employment_difficulty"}, True),
        ("startup_subsidy", {"applicant": "returning_migrant", "org_type": "individual"}, True),
        ("startup_subsidy", {"registered_on": "2025-11-28"}, True),  # a year to the day
        ("rent_subsidy", {"registered_on": "2025-05-28", "insured_staff": 1}, True),  # 18 months
        (
            "social_insurance_subsidy",
            {"org_type": "cooperative", "residence": "talent_permit"},
            True,
        ),
        (
            "social_insurance_subsidy",
            {"registered_on": "2023-11-28", "insured_since": "2026-05-28"},
            True,
        ),
        ("startup_subsidy", {"registered_on": "2025-11-28", "today": date(2026, 11, 27)}, False),
        (
            "social_insurance_subsidy",
            {"registered_on": "2024-02-29", "today": date(2027, 2, 28)},
            True,
        ),
        (
            "social_insurance_subsidy",
            {"registered_on": "2024-02-29", "today": date(2027, 3, 1)},
            False,
        ),
        ("key_group_tax_relief", {"applicant": "disabled", "org_type": "individual"}, True),
        ("key_group_tax_relief", {"applicant": "employment_difficulty"}, False),
    ],
)
def test_boundaries_and_other_groups(
    data: PolicyData, programme_id: str, changes: dict[str, object], eligible: bool
) -> None:
    assert result(data, programme_id, facts(**changes)).eligible is eligible


# --- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("programme_id", "changes", "expected"),
    [
        (
            "startup_subsidy",
            {},
            ["id_card", "business_licence", "graduation_certificate"],
        ),
        ("startup_subsidy", {"applicant": "returning_migrant"}, ["id_card", "business_licence"]),
        (
            "startup_subsidy",
            {"applicant": "employment_difficulty", **NOT_REGISTERED},
            ["id_card"],
        ),
        (
            "rent_subsidy",
            {},
            ["id_card", "business_licence", "lease_contract", "social_insurance_record"],
        ),
        ("rent_subsidy", {"lease": "no", "insured_staff": 0}, ["id_card", "business_licence"]),
        ("startup_loan", NOT_REGISTERED, ["id_card"]),
        (
            "social_insurance_subsidy",
            {},
            ["id_card", "business_licence", "social_insurance_record"],
        ),
        (
            "key_group_tax_relief",
            {"applicant": "veteran"},
            ["id_card", "business_licence", "veteran_certificate"],
        ),
        (
            "key_group_tax_relief",
            {"applicant": "disabled"},
            ["id_card", "business_licence", "disability_certificate"],
        ),
        (
            "key_group_tax_relief",
            {"applicant": "unemployed"},
            ["id_card", "business_licence", "employment_certificate"],
        ),
    ],
)
def test_documents_for(
    data: PolicyData, programme_id: str, changes: dict[str, object], expected: list[str]
) -> None:
    found = documents_for(data.programme(programme_id), facts(**changes), data)
    assert [document.id for document in found] == expected


def test_documents_are_named_in_both_languages(data: PolicyData) -> None:
    names = {d.id: d.name for d in data.documents}
    assert names["business_licence"].zh == "营业执照"
    assert names["employment_certificate"].zh == "就业创业证"
    assert names["employment_certificate"].en == "Employment and Entrepreneurship Certificate"
    assert {"id_card", "lease_contract", "social_insurance_record"} <= set(names)


def test_lookups(data: PolicyData) -> None:
    assert data.document("id_card").applies == ()
    assert data.programme("startup_loan").policy == "startup_loan"
    for lookup in (data.programme, data.document):
        with pytest.raises(KeyError):
            lookup("nope")


def test_facts_are_not_the_profile() -> None:
    assert "applicant" in FACT_FIELDS and "applicant" not in PROFILE_FIELDS
    assert "premises" in PROFILE_FIELDS and "premises" not in FACT_FIELDS
    assert FACT_FIELDS["registered"] == ("code", ("yes", "no"))
    assert FACT_FIELDS["registered_on"] == ("date", ())


# --- invalid entries ------------------------------------------------------------------------


@pytest.fixture
def doc() -> dict[str, Any]:
    with DEFAULT_PATH.open("rb") as file:
        return copy.deepcopy(tomllib.load(file))


def programme(doc: dict[str, Any], ident: str = "startup_subsidy") -> dict[str, Any]:
    found: dict[str, Any] = next(p for p in doc["programme"] if p["id"] == ident)
    return found


def document(doc: dict[str, Any], ident: str) -> dict[str, Any]:
    found: dict[str, Any] = next(d for d in doc["document"] if d["id"] == ident)
    return found


def rule(doc: dict[str, Any], index: int = 0) -> dict[str, Any]:
    found: dict[str, Any] = programme(doc)["rules"][index]
    return found


Edit = Callable[[dict[str, Any]], None]
PROG = "programme 'startup_subsidy'"
BAD: list[tuple[str, Edit, str]] = [
    (
        "unknown-key",
        lambda d: programme(d).update(colour="red"),
        f"{PROG}: field 'colour': unknown key",
    ),
    (
        "unknown-policy",
        lambda d: programme(d).update(policy="nope"),
        f"{PROG}: field 'policy': unknown policy 'nope'",
    ),
    (
        "unknown-office",
        lambda d: programme(d).update(office="nope"),
        f"{PROG}: field 'office': unknown office 'nope'",
    ),
    (
        "unknown-document",
        lambda d: programme(d)["documents"].append("passport"),
        f"{PROG}: field 'documents': unknown document 'passport'",
    ),
    (
        "duplicate-document",
        lambda d: programme(d)["documents"].append("id_card"),
        f"{PROG}: field 'documents': expected a list of distinct document ids",
    ),
    (
        "unknown-fact",
        lambda d: rule(d)["when"].update(field="age"),
        f"{PROG}: field 'rules[0].when': unknown fact 'age'",
    ),
    (
        "profile-field-is-not-a-fact",
        lambda d: rule(d).update(when={"field": "groups", "any_of": ["graduate"]}),
        f"{PROG}: field 'rules[0].when': unknown fact 'groups'",
    ),
    (
        "unknown-code",
        lambda d: rule(d)["when"].update({"in": ["astronaut"]}),
        f"{PROG}: field 'rules[0].when': unknown applicant code 'astronaut'",
    ),
    (
        "yes-no-code",
        lambda d: rule(d, 1)["when"].update({"in": [True]}),
        f"{PROG}: field 'rules[1].when': unknown first_business code True",
    ),
    (
        "wrong-operator",
        lambda d: rule(d, 3).update(when={"field": "registered", "min": 1}),
        f"{PROG}: field 'rules[3].when': operator 'min' does not apply to 'registered'",
    ),
    (
        "bad-period",
        lambda d: rule(d, 4)["when"].update(completed="P1W"),
        f"{PROG}: field 'rules[4].when': expected a period like P1Y",
    ),
    (
        "negative-bound",
        lambda d: rule(d, 4).update(when={"field": "insured_staff", "min": -1}),
        f"{PROG}: field 'rules[4].when': expected a whole number >= 0",
    ),
    (
        "rule-grade",
        lambda d: rule(d, 4).update(confidence="D"),
        f"{PROG}: field 'rules[4].confidence'",
    ),
    (
        "rule-without-fail",
        lambda d: rule(d, 1).pop("fail"),
        f"{PROG}: field 'rules[1].fail': missing",
    ),
    (
        "rule-fail-one-language",
        lambda d: rule(d).update(fail={"en": "Only graduates."}),
        f"{PROG}: field 'rules[0].fail'",
    ),
    (
        "rule-unknown-key",
        lambda d: rule(d).update(because="Art. 38"),
        f"{PROG}: field 'rules[0].because': unknown key",
    ),
    (
        "rule-not-a-table",
        lambda d: programme(d)["rules"].insert(0, "graduates only"),
        f"{PROG}: field 'rules[0]': expected an inline table",
    ),
    ("no-rules", lambda d: programme(d).update(rules=[]), f"{PROG}: field 'rules'"),
    (
        "unknown-form-field",
        lambda d: programme(d).update(fields=["salary"]),
        f"{PROG}: field 'fields': expected one of",
    ),
    (
        "missing-source",
        lambda d: programme(d).pop("source"),
        f"{PROG}: field 'source': missing",
    ),
    (
        "bad-id",
        lambda d: programme(d).update(id="创业补贴"),
        "programme '创业补贴': field 'id'",
    ),
    (
        "duplicate-programme",
        lambda d: d["programme"].append(copy.deepcopy(programme(d))),
        f"{PROG}: field 'id': duplicate id",
    ),
    (
        "verified-and-transcribed",
        lambda d: programme(d, "startup_loan").update(verified_on=date(2026, 11, 30)),
        "programme 'startup_loan': field 'verified_on': give verified_on",
    ),
    (
        "neither-date",
        lambda d: programme(d, "startup_loan").pop("transcribed_on"),
        "programme 'startup_loan': field 'verified_on': give verified_on",
    ),
    (
        "cap-zero",
        lambda d: programme(d, "startup_loan")["cap"].update(amount=0),
        "programme 'startup_loan': field 'cap.amount': expected a whole number >= 1",
    ),
    (
        "cap-unknown-key",
        lambda d: programme(d, "startup_loan")["cap"].update(currency="CNY"),
        "programme 'startup_loan': field 'cap.currency': unknown key",
    ),
    (
        "cap-not-a-table",
        lambda d: programme(d, "startup_loan").update(cap=500000),
        "programme 'startup_loan': field 'cap': expected an inline table",
    ),
    (
        "document-unknown-key",
        lambda d: document(d, "id_card").update(colour="red"),
        "document 'id_card': field 'colour': unknown key",
    ),
    (
        "document-profile-field",
        lambda d: document(d, "lease_contract")["applies"][0].update(field="premises"),
        "document 'lease_contract': field 'applies[0]': unknown fact 'premises'",
    ),
    (
        "document-unknown-code",
        lambda d: document(d, "lease_contract")["applies"][0].update({"in": ["maybe"]}),
        "document 'lease_contract': field 'applies[0]': unknown lease code 'maybe'",
    ),
    (
        "document-without-name",
        lambda d: document(d, "id_card").pop("name"),
        "document 'id_card': field 'name': missing",
    ),
    (
        "duplicate-document-id",
        lambda d: document(d, "lease_contract").update(id="id_card"),
        "document 'id_card': field 'id': duplicate id",
    ),
    (
        "programmes-without-documents",
        lambda d: d.pop("document"),
        f"{PROG}: field 'documents': unknown document 'id_card'",
    ),
    (
        "empty-programme-section",
        lambda d: d.update(programme=[]),
        "programme: expected a non-empty array of tables",
    ),
    (
        "policy-may-not-use-facts",
        lambda d: d["policy"][0]["qualifies"].append({"field": "applicant", "in": ["graduate"]}),
        "policy 'startup_subsidy': field 'qualifies[1]': unknown profile field 'applicant'",
    ),
]


@pytest.mark.parametrize(("edit", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_invalid_entry_names_entry_and_field(doc: dict[str, Any], edit: Edit, message: str) -> None:
    edit(doc)
    with pytest.raises(PolicyDataError) as error:
        parse_policy_data(doc)
    assert message in str(error.value)


def test_programme_and_document_sections_are_optional(doc: dict[str, Any]) -> None:
    del doc["programme"], doc["document"]
    data = parse_policy_data(doc)
    assert data.programmes == () and data.documents == ()
    assert assess(FOUNDER, data) == []


def test_a_reason_quotes_no_figure_nobody_checked(data: PolicyData) -> None:
    """A period or threshold is quoted as a number only from a programme a person checked
    against its source; a citation in brackets (an article, a document number) is no figure."""
    for programme in data.programmes:
        if quotable(programme):
            continue
        for rule in programme.rules:
            for text in (rule.fail.zh, rule.fail.en):
                bare = re.sub(r"[（(][^）)]*[）)]", "", text)
                assert not re.search(r"\d", bare), (programme.id, text)


def test_every_grade_acts_as_the_rule_says(data: PolicyData) -> None:
    """For each programme and each of its rules: failing that rule alone rules the programme out
    when the rule is grade A or B, and leaves it to the office when grade C."""
    for programme in data.programmes:
        for index, rule in enumerate(programme.rules):
            others = [r for i, r in enumerate(programme.rules) if i != index]
            facts: dict[str, object] = {"today": TODAY}
            for r in programme.rules:  # make every rule hold
                facts |= _satisfying(r)
            found = check(programme, facts)
            assert found.status == "eligible", (programme.id, rule, found)
            found = check(programme, {k: v for k, v in facts.items() if k != rule.when.field})
            if rule.when.field in {r.when.field for r in others}:
                continue  # the same fact decides another rule too
            expected = "confirm" if rule.confidence == "C" else "ineligible"
            assert found.status == expected, (programme.id, rule.when.field)


def _satisfying(rule: Any) -> dict[str, object]:
    when = rule.when
    if when.op == "in":
        return {when.field: when.values[0]}
    if when.op == "min":
        return {when.field: when.bound}
    if when.op == "max":
        return {when.field: 0}
    if when.op == "completed":
        return {when.field: "2020-01-01"}
    if when.op == "within":
        return {when.field: TODAY.isoformat()}
    raise AssertionError(when)
