"""Policy data as frozen records: links, offices, policies, SME size standards, the checklist.

Startup subsidy programmes and their documents are defined in `flows.policy.programmes`;
complaint deadlines, payment terms and late interest in `flows.policy.limits`; complaint
categories in `flows.policy.complaints`.
`flows.policy.loader` reads and validates `data/policy.toml` into these; import them from there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal, Protocol, TypeVar

from flows.engine.districts import DISTRICTS
from flows.engine.periods import Period, completed, within
from flows.engine.text import Localized

if TYPE_CHECKING:
    from flows.policy.complaints import ComplaintCategory
    from flows.policy.credit_data import (
        AbnormalReason,
        Commitment,
        CreditAuthority,
        CreditGrade,
        CreditRecord,
        CreditRule,
    )
    from flows.policy.limits import DeadlineRule, LateInterest, PaymentTerm
    from flows.policy.programmes import Document, Programme
    from flows.policy.topics import Topic

Confidence = Literal["A", "B", "C"]
Size = Literal["large", "medium", "small", "micro"]
Metric = Literal["staff", "revenue", "assets"]
Scope = Literal["small_micro", "sme", "anyone"]
SCOPES: Final[tuple[Scope, ...]] = ("small_micro", "sme", "anyone")
# Which sizes each scope reaches: the Regulations give some policies to small and micro
# enterprises (e.g. Art. 36, 38), the rest to SMEs (Art. 2); a few services serve anyone.
SCOPE_SIZES: Final[Mapping[Scope, frozenset[str]]] = MappingProxyType(
    {
        "small_micro": frozenset({"small", "micro"}),
        "sme": frozenset({"small", "micro", "medium"}),
        "anyone": frozenset({"small", "micro", "medium", "large"}),
    }
)
Operator = Literal["in", "not_in", "any_of", "min", "max", "completed", "within"]
FieldKind = Literal["code", "codes", "count", "date"]

# Codes a founder's profile may carry; the data file's conditions may only use these.
BUSINESS_FORMS: Final = ("llc", "sole_prop", "partnership", "individual")
INDUSTRY_CODES: Final = (
    "agriculture",
    "industry",
    "construction",
    "wholesale",
    "retail",
    "transport",
    "warehousing",
    "postal",
    "hospitality",
    "info_transmission",
    "software_it",
    "real_estate",
    "property_mgmt",
    "leasing_services",
    "other",
)
SIZES: Final = ("micro", "small", "medium", "large")
PREMISES: Final = ("owned", "leased", "none")
GROUPS: Final = (
    "graduate",
    "employment_difficulty",
    "veteran",
    "unemployed",
    "disabled",
    "returning_migrant",
)
DISTRICT_CODES: Final = tuple(district.code for district in DISTRICTS)
METRICS: Final[tuple[Metric, ...]] = ("staff", "revenue", "assets")

# Profile field -> (kind, allowed codes). code: one str; codes: list of str; count: int >= 0.
PROFILE_FIELDS: Final[Mapping[str, tuple[FieldKind, tuple[str, ...]]]] = MappingProxyType(
    {
        "business_form": ("code", BUSINESS_FORMS),
        "industry": ("code", INDUSTRY_CODES),
        "size": ("code", SIZES),
        "district": ("code", DISTRICT_CODES),
        "premises": ("code", PREMISES),
        "groups": ("codes", GROUPS),
        "staff": ("count", ()),
    }
)
OPERATORS: Final[Mapping[FieldKind, tuple[Operator, ...]]] = MappingProxyType(
    {
        "code": ("in", "not_in"),
        "codes": ("any_of",),
        "count": ("min", "max"),
        "date": (
            "completed",
            "within",
        ),  # a period from that date to `today` (flows.engine.periods)
    }
)
TODAY: Final = "today"  # the fact a date condition counts to: the day the founder answers


@dataclass(frozen=True)
class Condition:
    """One machine-checkable test on a founder's profile; a missing field never passes."""

    field: str
    op: Operator
    values: tuple[str, ...] = ()
    bound: int = 0
    period: Period | None = None

    def holds(self, profile: Mapping[str, object]) -> bool:
        """Whether the profile passes this test (missing or mistyped values fail)."""
        value = profile.get(self.field)
        if self.period is not None:
            start, today = _day(value), _day(profile.get(TODAY))
            if start is None or today is None:
                return False
            test = completed if self.op == "completed" else within
            return test(start, self.period, today)
        if self.op in ("in", "not_in"):
            return isinstance(value, str) and (value in self.values) == (self.op == "in")
        if self.op == "any_of":
            if not isinstance(value, (list, tuple, set, frozenset)):
                return False
            return any(item in self.values for item in value)
        if isinstance(value, bool) or not isinstance(value, int):
            return False
        return value >= self.bound if self.op == "min" else value <= self.bound


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def all_hold(conditions: Iterable[Condition], profile: Mapping[str, object]) -> bool:
    """Whether every condition holds for the profile (an empty list always does)."""
    return all(condition.holds(profile) for condition in conditions)


@dataclass(frozen=True)
class Link:
    """A web address or phone link the bot may show."""

    id: str
    title: Localized
    url: str
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class Office:
    """A body founders are routed to: one for the city, or one per district."""

    id: str
    kind: Literal["city", "district"]
    name: Localized
    name_template: Localized | None
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None

    def name_for(self, locale: str, district_name: str | None) -> str:
        """The office's name in `locale`, for the given district when it has one per district."""
        if self.name_template is None or district_name is None:
            return self.name.pick(locale)
        return self.name_template.pick(locale).replace("{district}", district_name)


@dataclass(frozen=True)
class Policy:
    """A business support policy or public service (Art. 9's two lists) and who qualifies."""

    id: str
    title: Localized
    summary: Localized
    articles: tuple[int, ...]
    kind: Literal["policy", "service"]
    office: str
    link: str | None
    qualifies: tuple[Condition, ...]
    scope: Scope
    amount: Localized | None
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None

    def applies_to(self, profile: Mapping[str, object]) -> bool:
        """Whether the founder meets every condition of this policy and is in its scope."""
        return self.in_scope(profile) and all_hold(self.qualifies, profile)

    def in_scope(self, profile: Mapping[str, object]) -> bool:
        """Whether the founder's size (when known) is one the policy is given to."""
        size = profile.get("size")
        if not isinstance(size, str):  # unknown: only a small-and-micro policy needs it known
            return self.scope != "small_micro"
        return size in SCOPE_SIZES[self.scope]


@dataclass(frozen=True)
class Thresholds:
    """Values per size metric (staff in people, revenue and assets in 万元); None = not used."""

    staff: Decimal | None = None
    revenue: Decimal | None = None
    assets: Decimal | None = None

    def items(self) -> tuple[tuple[Metric, Decimal], ...]:
        """The metrics in use with their values, in METRICS order."""
        values = {"staff": self.staff, "revenue": self.revenue, "assets": self.assets}
        return tuple((metric, v) for metric in METRICS if (v := values[metric]) is not None)


@dataclass(frozen=True)
class SmeIndustry:
    """One industry's row of the SME size classification standard (工信部联企业〔2011〕300号)."""

    code: str
    name: Localized
    metrics: tuple[Metric, ...]
    medium: Thresholds
    small: Thresholds
    ceiling: Thresholds
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None
    button: Localized | None = None  # a shorter name for its button (two share a phone's row)


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the personalised registration checklist: a step or a material."""

    id: str
    kind: Literal["step", "material", "permit"]
    text: Localized
    applies: tuple[Condition, ...]
    cite: Localized
    link: str | None
    office: str | None
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None

    def applies_to(self, profile: Mapping[str, object]) -> bool:
        """Whether this line belongs on the founder's checklist."""
        return all_hold(self.applies, profile)


class Graded(Protocol):
    """Anything with a confidence grade: an entry, or one rule of a programme."""

    @property
    def confidence(self) -> Confidence: ...


class Sourced(Graded, Protocol):
    """What every policy data entry carries: where it comes from and how sure that is."""

    @property
    def source(self) -> str: ...
    @property
    def verified_on(self) -> date | None: ...


def decides(entry: Graded) -> bool:
    """Whether an entry may decide on its own (grade A or B): a grade C condition never
    decides eligibility, a grade C office is named with "please confirm"."""
    return entry.confidence in ("A", "B")


def quotable(entry: Sourced) -> bool:
    """Whether the bot may quote the entry's figures as numbers: grade A or B, and checked by a
    person against its source (`verified_on`), not only transcribed."""
    return decides(entry) and entry.verified_on is not None


_Entry = TypeVar("_Entry", Link, Office, Policy, SmeIndustry)


def _find(entries: tuple[_Entry, ...], key: str, what: str) -> _Entry:
    for entry in entries:
        if (entry.code if isinstance(entry, SmeIndustry) else entry.id) == key:
            return entry
    raise KeyError(f"unknown {what} {key!r}")


@dataclass(frozen=True)
class PolicyData:
    """The whole validated data file, with the queries the flows need."""

    title: str
    links: tuple[Link, ...]
    offices: tuple[Office, ...]
    policies: tuple[Policy, ...]
    industries: tuple[SmeIndustry, ...]
    steps: tuple[ChecklistItem, ...]
    materials: tuple[ChecklistItem, ...]
    programmes: tuple[Programme, ...] = ()
    documents: tuple[Document, ...] = ()
    permits: tuple[ChecklistItem, ...] = ()
    deadlines: tuple[DeadlineRule, ...] = ()
    payment_terms: tuple[PaymentTerm, ...] = ()
    late_interest: tuple[LateInterest, ...] = ()  # one entry, or none in a file without it
    complaint_categories: tuple[ComplaintCategory, ...] = ()
    credit_rules: tuple[CreditRule, ...] = ()
    credit_records: tuple[CreditRecord, ...] = ()
    credit_grades: tuple[CreditGrade, ...] = ()
    credit_authorities: tuple[CreditAuthority, ...] = ()
    abnormal_reasons: tuple[AbnormalReason, ...] = ()
    commitments: tuple[Commitment, ...] = ()
    topics: tuple[Topic, ...] = ()  # announcement topics (flows.policy.topics)

    def policies_for(self, profile: Mapping[str, object]) -> list[Policy]:
        """Policies and services whose conditions all hold for the profile, in file order."""
        return [policy for policy in self.policies if policy.applies_to(profile)]

    def out_of_scope(self, profile: Mapping[str, object]) -> list[Policy]:
        """Policies the founder would meet but for their size: the checklist says why they are
        absent."""
        return [
            p for p in self.policies if not p.in_scope(profile) and all_hold(p.qualifies, profile)
        ]

    def checklist_for(self, profile: Mapping[str, object]) -> list[ChecklistItem]:
        """Registration steps, materials, then licences and permits that apply to the profile,
        in file order."""
        found = (*self.steps, *self.materials, *self.permits)
        return [item for item in found if item.applies_to(profile)]

    def topic(self, topic_id: str) -> Topic:
        """The announcement topic with this id (KeyError if unknown)."""
        for topic in self.topics:
            if topic.id == topic_id:
                return topic
        raise KeyError(f"unknown topic {topic_id!r}")

    def policy(self, policy_id: str) -> Policy:
        """The policy or service with this id (KeyError if unknown)."""
        return _find(self.policies, policy_id, "policy")

    def office(self, office_id: str) -> Office:
        """The office with this id (KeyError if unknown)."""
        return _find(self.offices, office_id, "office")

    def link(self, link_id: str) -> Link:
        """The link with this id (KeyError if unknown)."""
        return _find(self.links, link_id, "link")

    def industry(self, code: str) -> SmeIndustry:
        """The size standard of the industry with this code (KeyError if unknown)."""
        return _find(self.industries, code, "industry")

    def programme(self, programme_id: str) -> Programme:
        """The startup subsidy programme with this id (KeyError if unknown)."""
        for programme in self.programmes:
            if programme.id == programme_id:
                return programme
        raise KeyError(f"unknown programme {programme_id!r}")

    def document(self, document_id: str) -> Document:
        """The supporting document with this id (KeyError if unknown)."""
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(f"unknown document {document_id!r}")

    def deadline(self, rule_id: str) -> DeadlineRule:
        """The complaint deadline rule with this id (KeyError if unknown)."""
        for rule in self.deadlines:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"unknown deadline {rule_id!r}")

    def payment_term(self, payer: str) -> PaymentTerm:
        """The payment term that binds this kind of payer (KeyError if none does)."""
        for term in self.payment_terms:
            if payer in term.payers:
                return term
        raise KeyError(f"no payment term for payer {payer!r}")

    def complaint_category(self, category_id: str) -> ComplaintCategory:
        """The complaint category with this id (KeyError if unknown)."""
        for category in self.complaint_categories:
            if category.id == category_id:
                return category
        raise KeyError(f"unknown complaint category {category_id!r}")

    def default_late_interest(self) -> LateInterest:
        """The late interest due when a contract agrees no rate (KeyError if the file has none)."""
        if not self.late_interest:
            raise KeyError("no late_interest entry")
        return self.late_interest[0]

    def credit_rule(self, rule_id: str) -> CreditRule:
        """The credit repair rule with this id (KeyError if unknown)."""
        return _by_id(self.credit_rules, rule_id, "credit rule")

    def credit_record(self, record_type: str) -> CreditRecord:
        """The kind of credit record with this id (KeyError if unknown)."""
        return _by_id(self.credit_records, record_type, "credit record")

    def credit_grade(self, grade: str) -> CreditGrade:
        """The grade of dishonesty information with this id (KeyError if unknown)."""
        return _by_id(self.credit_grades, grade, "credit grade")

    def credit_authority(self, authority_id: str) -> CreditAuthority:
        """The issuing authority with this id (KeyError if unknown)."""
        return _by_id(self.credit_authorities, authority_id, "credit authority")

    def abnormal_reason(self, reason_id: str) -> AbnormalReason:
        """The abnormal operations listing reason with this id (KeyError if unknown)."""
        return _by_id(self.abnormal_reasons, reason_id, "abnormal reason")

    def commitment(self, commitment_id: str) -> Commitment:
        """The commitment letter with this id (KeyError if unknown)."""
        return _by_id(self.commitments, commitment_id, "commitment")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


_Found = TypeVar("_Found", bound=_Identified)


def _by_id(entries: tuple[_Found, ...], key: str, what: str) -> _Found:
    for entry in entries:
        if entry.id == key:
            return entry
    raise KeyError(f"unknown {what} {key!r}")
