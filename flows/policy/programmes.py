"""Startup subsidy programmes (Art. 36–38) and their supporting documents, as policy data.

Rules and document conditions test the *facts* a founder gives in the subsidy application
flow (`FACT_FIELDS`), not the registration profile. `flows.policy.loader` calls the parsers here.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final, Literal

from flows.engine.text import Localized
from flows.policy.entry import CONFIDENCES, ID, Entry
from flows.policy.schema import (
    DISTRICT_CODES,
    Condition,
    Confidence,
    FieldKind,
    all_hold,
    quotable,
)

FormField = Literal["lease_months", "monthly_rent", "loan_amount"]

# Codes the subsidy flow's facts may carry; yes/no answers arrive as "yes" / "no".
APPLICANTS: Final = (
    "graduate",
    "employment_difficulty",
    "veteran",
    "unemployed",
    "disabled",
    "returning_migrant",
    "other",
)
RESIDENCES: Final = ("hukou", "residence_permit", "talent_permit", "none")
ORG_TYPES: Final = ("small_micro", "individual", "cooperative", "non_enterprise", "other")
YES_NO: Final = ("yes", "no")
FORM_FIELDS: Final[tuple[FormField, ...]] = ("lease_months", "monthly_rent", "loan_amount")

# Fact name -> (kind, allowed codes), as PROFILE_FIELDS; count facts are whole numbers >= 0.
FACT_FIELDS: Final[Mapping[str, tuple[FieldKind, tuple[str, ...]]]] = MappingProxyType(
    {
        "applicant": ("code", APPLICANTS),
        "graduation_year": ("count", ()),
        "residence": ("code", RESIDENCES),
        "first_business": ("code", YES_NO),
        "registered": ("code", YES_NO),
        "registered_on": ("date", ()),
        "org_type": ("code", ORG_TYPES),
        "district": ("code", DISTRICT_CODES),
        "insured_staff": ("count", ()),
        "insured_since": ("date", ()),
        "lease": ("code", YES_NO),
        "dishonest": ("code", YES_NO),
    }
)


@dataclass(frozen=True)
class Document:
    """A supporting document an application may need, when it is needed, and `help`: what it
    is and where a founder gets it (shown by ❓ on its upload step)."""

    id: str
    name: Localized
    applies: tuple[Condition, ...]
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None
    help: Localized | None = None

    def applies_to(self, facts: Mapping[str, object]) -> bool:
        """Whether the founder's facts call for this document."""
        return all_hold(self.applies, facts)


@dataclass(frozen=True)
class Rule:
    """One eligibility condition of a programme and the short reason shown when it fails.
    `confidence` is the rule's own grade (the programme's unless the file says otherwise):
    a grade C rule never decides eligibility on its own."""

    when: Condition
    fail: Localized
    confidence: Confidence = "A"

    def holds(self, facts: Mapping[str, object]) -> bool:
        """Whether the facts pass this rule (an absent fact never does)."""
        return self.when.holds(facts)


@dataclass(frozen=True)
class Cap:
    """The most a programme gives, in CNY; quoted only when the programme is `quotable`."""

    amount: int
    note: Localized


@dataclass(frozen=True)
class Programme:
    """A startup subsidy programme one can apply for: who qualifies, where, with what."""

    id: str
    policy: str
    office: str
    rules: tuple[Rule, ...]
    documents: tuple[str, ...]
    fields: tuple[FormField, ...]
    cap: Cap | None
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None
    office_confidence: Confidence | None = None  # how sure that `office` takes applications
    once: bool = False  # a one-time programme: one application per founder

    @property
    def quotable_cap(self) -> Cap | None:
        """The cap if the bot may quote it (grade A or B and checked by a person), else None."""
        return self.cap if self.cap is not None and quotable(self) else None


def parse_document(e: Entry) -> Document:
    """Build a `Document` from its table."""
    ident, name = e.text("id", ID), e.localized("name")
    applies = e.conditions("applies", FACT_FIELDS, "fact")
    help = e.optional("help", e.localized)
    return Document(ident, name, applies, *e.provenance(), help=help)


def _rule(e: Entry, where: str, raw: object, grade: Confidence) -> Rule:
    r = e.nested(where, raw)
    when = r.condition("when", r.get("when"), FACT_FIELDS, "fact")
    own = r.optional("confidence", lambda key: r.choice(key, CONFIDENCES))
    rule = Rule(when, r.localized("fail"), own or grade)
    r.done()
    return rule


def _rules(e: Entry, grade: Confidence) -> tuple[Rule, ...]:
    value = e.get("rules")
    if not isinstance(value, list) or not value:
        e.fail("rules", "expected a non-empty list of { when = {...}, fail = {...} }")
    return tuple(_rule(e, f"rules[{i}]", raw, grade) for i, raw in enumerate(value))


def _cap(e: Entry, key: str) -> Cap:
    c = e.nested(key, e.get(key))
    cap = Cap(c.count("amount", least=1), c.localized("note"))
    c.done()
    return cap


def _fields(e: Entry) -> tuple[FormField, ...]:
    value = e.get("fields")
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        e.fail("fields", f"expected a list of distinct form fields from {FORM_FIELDS}")
    return tuple(e.choice("fields", FORM_FIELDS, item) for item in value)


def parse_programme(
    e: Entry, policies: Collection[str], offices: Collection[str], documents: Collection[str]
) -> Programme:
    """Build a `Programme` from its table; its ids must name known entries."""
    ident = e.text("id", ID)
    policy, office = e.ref("policy", policies, "policy"), e.ref("office", offices, "office")
    source, verified_on, confidence, transcribed_on = e.provenance()
    rules, docs = _rules(e, confidence), e.refs("documents", documents, "document")
    fields, cap = _fields(e), e.optional("cap", lambda key: _cap(e, key))
    office_grade = e.optional("office_confidence", lambda key: e.choice(key, CONFIDENCES))
    once = bool(e.optional("once", e.flag))
    return Programme(
        ident,
        policy,
        office,
        rules,
        docs,
        fields,
        cap,
        source,
        verified_on,
        confidence,
        transcribed_on,
        office_grade,
        once,
    )
