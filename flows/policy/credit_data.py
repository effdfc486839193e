"""Credit repair as policy data (Regulations Art. 58): the rules on how long a record is published
and when its repair may be requested, the kinds of record and grade, the issuing authorities a
founder may name, why a business lands on the abnormal operations list, the credit commitment
letter. `flows.policy.loader` calls the parsers here; `flows.policy.credit` counts the dates."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal, TypeVar

from flows.engine.periods import Period
from flows.engine.text import Localized
from flows.policy.entry import ID, Entry
from flows.policy.limits import article_numbers
from flows.policy.schema import Confidence

RecordType = Literal["penalty", "abnormal_list", "serious_list", "other"]
RECORD_TYPES: Final[tuple[RecordType, ...]] = ("penalty", "abnormal_list", "serious_list", "other")
Sector = Literal["food", "drugs", "special_equipment", "production_safety", "fire_safety", "other"]
SECTORS: Final[tuple[Sector, ...]] = (
    "food",
    "drugs",
    "special_equipment",
    "production_safety",
    "fire_safety",
    "other",
)
Grade = Literal["minor", "general", "serious", "unknown"]
GRADES: Final[tuple[Grade, ...]] = ("minor", "general", "serious", "unknown")
KNOWN_GRADES: Final[tuple[Grade, ...]] = ("minor", "general", "serious")  # what data may name
Procedure = Literal["ordinary", "simplified", "warning"]
PROCEDURES: Final[tuple[Procedure, ...]] = ("ordinary", "simplified", "warning")
AbnormalReasonId = Literal["annual_report", "not_published", "unreachable", "false_info"]
ABNORMAL_REASONS: Final[tuple[AbnormalReasonId, ...]] = (
    "annual_report",
    "not_published",
    "unreachable",
    "false_info",
)
COMMITMENT_FIELDS: Final = ("company", "credit_code", "record")
COMMITMENT_CHARS: Final = {"zh": 350, "en": 700}
_PLACEHOLDER: Final = re.compile(r"\{([a-z_]*)\}")
_T = TypeVar("_T")


@dataclass(frozen=True)
class CreditRule:
    """One rule on a kind of record: those it covers (`records`, and where given `grades`,
    `sectors`, `procedures`; empty = any), articles of `law` (may be empty), `minimum` (repair may
    be requested once it is complete; P0D: at once, once duties are met; None: the office
    decides), `maximum` (publicity ends by itself), `escalates_after` (the record moves to the
    list of seriously illegal and dishonest entities), `published` False: never published."""

    id: str
    title: Localized
    law: Localized
    articles: tuple[int, ...]
    records: tuple[RecordType, ...]
    grades: tuple[Grade, ...]
    sectors: tuple[Sector, ...]
    procedures: tuple[Procedure, ...]
    minimum: Period | None
    maximum: Period | None
    escalates_after: Period | None
    published: bool
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class CreditRecord:
    """A kind of record a founder may want repaired, the office the request goes to and the
    deadline rules (ids) of its processing, in order."""

    id: RecordType
    title: Localized
    explain: Localized
    phrase: Localized  # how the commitment letter names such a record (PHRASE_FIELDS in braces)
    office: str
    processing: tuple[str, ...]
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class CreditGrade:
    """A grade of dishonesty information, with how a founder tells which one theirs is."""

    id: Grade
    title: Localized
    explain: Localized
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class CreditAuthority:
    """An authority that issues penalties in Shanghai; `words`: what founders type for it."""

    id: str
    name: Localized
    words: tuple[str, ...]
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class AbnormalReason:
    """Why a business is on the abnormal operations list, and how it gets off it."""

    id: AbnormalReasonId
    title: Localized
    cure: Localized
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None


@dataclass(frozen=True)
class Commitment:
    """A commitment letter's body, with the placeholders {company}, {credit_code}, {record}."""

    id: str
    text: Localized
    source: str
    verified_on: date | None
    confidence: Confidence
    transcribed_on: date | None = None

    def filled(self, locale: str, *, company: str, credit_code: str, record: str) -> str:
        """The letter in `locale` with the founder's details put in."""
        values = {"company": company, "credit_code": credit_code, "record": record}
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.text.pick(locale))  # one pass


def _codes(e: Entry, key: str, options: tuple[_T, ...], *, empty: bool = True) -> tuple[_T, ...]:
    value = e.get(key)
    if not isinstance(value, list) or len(set(map(str, value))) != len(value):
        e.fail(key, f"expected a list of distinct codes from {', '.join(map(str, options))}")
    if not value and not empty:
        e.fail(key, "expected at least one code")
    return tuple(e.choice(key, options, item) for item in value)


def _period(e: Entry, key: str) -> Period:
    text = e.text(key)
    try:
        return Period.parse(text)
    except ValueError as error:
        e.fail(key, str(error))


def _months(period: Period) -> tuple[int, int]:
    return (period.years * 12 + period.months, period.days)


def parse_credit_rule(e: Entry) -> CreditRule:
    """Build a `CreditRule`; a rule never published has no periods; minimum <= maximum."""
    ident, title, law = e.text("id", ID), e.localized("title"), e.localized("law")
    articles = article_numbers(e, "articles")
    records = _codes(e, "records", RECORD_TYPES, empty=False)
    grades = _codes(e, "grades", KNOWN_GRADES)
    sectors = _codes(e, "sectors", SECTORS)
    procedures = _codes(e, "procedures", PROCEDURES)
    minimum, maximum, escalates = (
        e.optional(key, lambda k: _period(e, k))
        for key in ("minimum", "maximum", "escalates_after")
    )
    published = e.optional("published", e.flag)
    published = True if published is None else published
    if not published and (minimum or maximum or escalates):
        e.fail("published", "a record never published has no minimum, maximum or escalates_after")
    if minimum and maximum and _months(minimum) > _months(maximum):
        e.fail("maximum", f"expected at least the minimum ({minimum}), got {maximum}")
    return CreditRule(
        ident,
        title,
        law,
        articles,
        records,
        grades,
        sectors,
        procedures,
        minimum,
        maximum,
        escalates,
        published,
        *e.provenance(),
    )


PHRASE_FIELDS = ("date", "number", "authority", "reason", "note")


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `{name}` replaced by its value, in one pass (a value's own braces
    stay as they are)."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def parse_credit_record(
    e: Entry, offices: Collection[str], deadlines: Collection[str]
) -> CreditRecord:
    """Build a `CreditRecord`; its office and processing deadlines must exist."""
    ident = e.choice("id", RECORD_TYPES)
    title, explain, phrase = e.localized("title"), e.localized("explain"), e.localized("phrase")
    for text in (phrase.zh, phrase.en):
        unknown = set(re.findall(r"\{(\w*)\}", text)) - set(PHRASE_FIELDS)
        if unknown:
            e.fail("phrase", f"unknown placeholder {{{min(unknown)}}}; expected {PHRASE_FIELDS}")
    office = e.ref("office", offices, "office")
    processing = e.refs("processing", deadlines, "deadline")
    return CreditRecord(ident, title, explain, phrase, office, processing, *e.provenance())


def parse_credit_grade(e: Entry) -> CreditGrade:
    """Build a `CreditGrade` (minor, general or serious)."""
    ident = e.choice("id", KNOWN_GRADES)
    return CreditGrade(ident, e.localized("title"), e.localized("explain"), *e.provenance())


def parse_credit_authority(e: Entry, taken: dict[str, str]) -> CreditAuthority:
    """Build a `CreditAuthority`; a typed word names one authority only (`taken` collects them)."""
    ident, name = e.text("id", ID), e.localized("name")
    words = e.get("words")
    if not isinstance(words, list) or not words:
        e.fail("words", "expected a non-empty list of words founders type")
    for word in words:
        if not isinstance(word, str) or not word.strip():
            e.fail("words", f"expected non-empty strings, got {word!r}")
        if (other := taken.setdefault(word.casefold(), ident)) != ident:
            e.fail("words", f"{word!r} names {other!r} already")
    return CreditAuthority(ident, name, tuple(words), *e.provenance())


def parse_abnormal_reason(e: Entry) -> AbnormalReason:
    """Build an `AbnormalReason`."""
    ident = e.choice("id", ABNORMAL_REASONS)
    return AbnormalReason(ident, e.localized("title"), e.localized("cure"), *e.provenance())


def parse_commitment(e: Entry) -> Commitment:
    """Build a `Commitment`: each placeholder once, no other braces, within the length limits."""
    ident, text = e.text("id", ID), e.localized("text")
    for lang, body in (("zh", text.zh), ("en", text.en)):
        found = _PLACEHOLDER.findall(body)
        if sorted(found) != sorted(COMMITMENT_FIELDS):
            e.fail(f"text.{lang}", "needs {company}, {credit_code} and {record} once each")
        if "{" in _PLACEHOLDER.sub("", body) or "}" in _PLACEHOLDER.sub("", body):
            e.fail(f"text.{lang}", "braces only around {company}, {credit_code}, {record}")
        if len(body) > COMMITMENT_CHARS[lang]:
            e.fail(f"text.{lang}", f"{len(body)} characters; at most {COMMITMENT_CHARS[lang]}")
    return Commitment(ident, text, *e.provenance())
