"""Load and strictly validate the policy data file (`data/policy.toml`) into `PolicyData`.

Any problem raises `PolicyDataError` naming the section, the entry (id, or #n from 1) and field.
The startup subsidy programmes and their documents (optional sections) are read by
`flows.policy.programmes`; complaint deadlines, payment terms and late interest (optional
sections too) by `flows.policy.limits`; complaint categories by `flows.policy.complaints`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Final, Literal, TypeVar

from flows.engine.errors import PolicyDataError
from flows.policy.complaints import ComplaintCategory, parse_complaint_category
from flows.policy.credit import RULE_IDS as CREDIT_RULE_IDS
from flows.policy.credit_data import (
    ABNORMAL_REASONS,
    KNOWN_GRADES,
    RECORD_TYPES,
    AbnormalReason,
    Commitment,
    CreditAuthority,
    CreditGrade,
    CreditRecord,
    CreditRule,
    parse_abnormal_reason,
    parse_commitment,
    parse_credit_authority,
    parse_credit_grade,
    parse_credit_record,
    parse_credit_rule,
)
from flows.policy.entry import ID, LAST_ARTICLE, Entry
from flows.policy.limits import (
    PAYERS,
    DeadlineRule,
    LateInterest,
    PaymentTerm,
    parse_deadline,
    parse_late_interest,
    parse_payment_term,
)
from flows.policy.programmes import (
    FACT_FIELDS,
    Cap,
    Document,
    Programme,
    Rule,
    parse_document,
    parse_programme,
)
from flows.policy.schema import (
    BUSINESS_FORMS,
    DISTRICT_CODES,
    GROUPS,
    INDUSTRY_CODES,
    METRICS,
    PREMISES,
    PROFILE_FIELDS,
    SCOPES,
    SIZES,
    ChecklistItem,
    Condition,
    Confidence,
    Link,
    Metric,
    Office,
    Policy,
    PolicyData,
    Size,
    SmeIndustry,
    Thresholds,
)
from flows.policy.topics import TOPIC_IDS, Topic, parse_topic

__all__ = [
    "BUSINESS_FORMS",
    "DEFAULT_PATH",
    "DISTRICT_CODES",
    "FACT_FIELDS",
    "GROUPS",
    "INDUSTRY_CODES",
    "LAST_ARTICLE",
    "METRICS",
    "PAYERS",
    "PREMISES",
    "PROFILE_FIELDS",
    "SIZES",
    "Cap",
    "ChecklistItem",
    "ComplaintCategory",
    "Condition",
    "Confidence",
    "DeadlineRule",
    "Document",
    "LateInterest",
    "Link",
    "Metric",
    "Office",
    "PaymentTerm",
    "Policy",
    "PolicyData",
    "Programme",
    "Rule",
    "Size",
    "SmeIndustry",
    "Thresholds",
    "Topic",
    "load_policy_data",
    "parse_policy_data",
]

DEFAULT_PATH: Final = Path(__file__).parent / "data" / "policy.toml"
SCHEMA_VERSION: Final = 1
HALF_ROW_CHARS: Final = 20  # of an industry's `button`: what a phone shows of half a row
_SECTIONS: Final = (
    "link",
    "office",
    "policy",
    "sme_industry",
    "registration_step",
    "registration_material",
    "registration_permit",
    "document",
    "programme",
    "deadline",
    "payment_term",
    "late_interest",
    "complaint_category",
    "credit_rule",
    "credit_record",
    "credit_grade",
    "credit_authority",
    "abnormal_reason",
    "commitment",
    "topic",
)
_OFFICE_KINDS: Final[tuple[Literal["city", "district"], ...]] = ("city", "district")
_POLICY_KINDS: Final[tuple[Literal["policy", "service"], ...]] = ("policy", "service")
_T = TypeVar("_T")


def _link(e: Entry) -> Link:
    ident, title, url = e.text("id", ID), e.localized("title"), e.text("url")
    if not url.startswith(("https://", "tel:")):
        e.fail("url", f"expected an https:// or tel: address, got {url!r}")
    return Link(ident, title, url, *e.provenance())


def _office(e: Entry) -> Office:
    ident, kind, name = e.text("id", ID), e.choice("kind", _OFFICE_KINDS), e.localized("name")
    template = e.optional("name_template", e.localized)
    if template is None:
        if kind == "district":
            e.fail("name_template", "missing (required for kind 'district')")
    elif kind == "city":
        e.fail("name_template", "only offices of kind 'district' have one")
    else:
        for lang, name_text in (("zh", template.zh), ("en", template.en)):
            rest = name_text.replace("{district}", "", 1)
            if rest == name_text or "{" in rest or "}" in rest:
                e.fail(f"name_template.{lang}", "needs {district} once and no other braces")
    return Office(ident, kind, name, template, *e.provenance())


def _policy(e: Entry, offices: Collection[str], links: Collection[str]) -> Policy:
    ident, title, summary = e.text("id", ID), e.localized("title"), e.localized("summary")
    articles, kind = e.articles("articles"), e.choice("kind", _POLICY_KINDS)
    office = e.ref("office", offices, "office")
    link = e.optional("link", lambda key: e.ref(key, links, "link"))
    qualifies = e.conditions("qualifies")
    scope = e.optional("scope", lambda key: e.choice(key, SCOPES)) or "sme"
    amount = e.optional("amount", e.localized)  # quoted only when the entry is `quotable`
    source, verified_on, confidence, transcribed_on = e.provenance()
    return Policy(
        ident,
        title,
        summary,
        articles,
        kind,
        office,
        link,
        qualifies,
        scope,
        amount,
        source,
        verified_on,
        confidence,
        transcribed_on,
    )


def _industry(e: Entry) -> SmeIndustry:
    code = e.ref("code", INDUSTRY_CODES, "industry code")
    name, metrics = e.localized("name"), e.metrics("metrics")
    medium, small, ceiling = (e.thresholds(key, metrics) for key in ("medium", "small", "ceiling"))
    for metric in metrics:
        low, mid, top = (dict(bounds.items())[metric] for bounds in (small, medium, ceiling))
        if not low < mid < top:
            e.fail(
                "medium" if low >= mid else "ceiling",
                f"{metric}: expected small < medium < ceiling, got {low}, {mid}, {top}",
            )
    button = e.optional("button", e.localized)
    for lang, text in (("zh", button.zh), ("en", button.en)) if button else ():
        if len(text) > HALF_ROW_CHARS:
            e.fail(f"button.{lang}", f"{len(text)} characters; at most {HALF_ROW_CHARS}")
    return SmeIndustry(code, name, metrics, medium, small, ceiling, *e.provenance(), button=button)


def _checklist_item(
    e: Entry,
    kind: Literal["step", "material", "permit"],
    offices: Collection[str],
    links: Collection[str],
) -> ChecklistItem:
    ident, text, applies = e.text("id", ID), e.localized("text"), e.conditions("applies")
    cite = e.localized("cite")
    link = e.optional("link", lambda key: e.ref(key, links, "link"))
    office = e.optional("office", lambda key: e.ref(key, offices, "office"))
    return ChecklistItem(ident, kind, text, applies, cite, link, office, *e.provenance())


def _section(
    doc: Mapping[str, object],
    name: str,
    build: Callable[[Entry], _T],
    seen: set[str] | None = None,
    id_key: str = "id",
    required: bool = True,
) -> tuple[_T, ...]:
    if not required and name not in doc:
        return ()
    tables = doc.get(name)
    if not isinstance(tables, list) or not tables:
        raise PolicyDataError(f"{name}: expected a non-empty array of tables [[{name}]]")
    seen = set() if seen is None else seen
    built = []
    for index, raw in enumerate(tables, start=1):
        ident = raw.get(id_key) if isinstance(raw, dict) else None
        entry = Entry(name, f"'{ident}'" if isinstance(ident, str) else f"#{index}", raw)
        built.append(build(entry))
        entry.done()
        if ident in seen:
            entry.fail(id_key, f"duplicate id {ident!r}")
        seen.add(str(ident))
    return tuple(built)


def parse_policy_data(doc: Mapping[str, object]) -> PolicyData:
    """Validate an already-parsed TOML document and build the `PolicyData`."""
    for key in doc:
        if key not in ("schema", "meta", *_SECTIONS):
            raise PolicyDataError(f"{key}: unknown section")
    if (schema := doc.get("schema")) != SCHEMA_VERSION or isinstance(schema, bool):
        raise PolicyDataError(f"schema: expected {SCHEMA_VERSION}, got {schema!r}")
    meta = Entry("meta", "table", doc.get("meta"))
    title, _note = meta.text("title"), meta.text("note")
    meta.done()
    links = _section(doc, "link", _link)
    offices = _section(doc, "office", _office)
    link_ids, office_ids = {link.id for link in links}, {office.id for office in offices}
    policies = _section(doc, "policy", lambda e: _policy(e, office_ids, link_ids))
    industries = _section(doc, "sme_industry", _industry, id_key="code")
    if absent := [code for code in INDUSTRY_CODES if code not in {i.code for i in industries}]:
        raise PolicyDataError(f"sme_industry: missing industries {', '.join(absent)}")
    checklist_ids: set[str] = set()
    steps = _section(
        doc,
        "registration_step",
        lambda e: _checklist_item(e, "step", office_ids, link_ids),
        checklist_ids,
    )
    materials = _section(
        doc,
        "registration_material",
        lambda e: _checklist_item(e, "material", office_ids, link_ids),
        checklist_ids,
    )
    permits = _section(
        doc,
        "registration_permit",
        lambda e: _checklist_item(e, "permit", office_ids, link_ids),
        checklist_ids,
        required=False,
    )
    documents = _section(doc, "document", parse_document, required=False)
    policy_ids, document_ids = {p.id for p in policies}, {d.id for d in documents}
    programmes = _section(
        doc,
        "programme",
        lambda e: parse_programme(e, policy_ids, office_ids, document_ids),
        required=False,
    )
    deadlines, payment_terms, late_interest = _limits(doc)
    rule_ids = {rule.id for rule in deadlines}
    categories = _section(
        doc,
        "complaint_category",
        lambda e: parse_complaint_category(e, office_ids, link_ids, rule_ids),
        required=False,
    )
    if any(c.arrears for c in categories) and not (payment_terms and late_interest):
        raise PolicyDataError("complaint_category: arrears needs payment_term and late_interest")
    credit = _credit(doc, office_ids, rule_ids)
    topics = _topics(doc)
    return PolicyData(
        title,
        links,
        offices,
        policies,
        industries,
        steps,
        materials,
        programmes,
        documents,
        permits,
        deadlines,
        payment_terms,
        late_interest,
        categories,
        *credit,
        topics,
    )


def _topics(doc: Mapping[str, object]) -> tuple[Topic, ...]:
    """The optional announcement topics; once the section is there, every known topic."""
    topics = _section(doc, "topic", parse_topic, required=False)
    ids = {topic.id for topic in topics}
    if topics and (absent := [code for code in TOPIC_IDS if code not in ids]):
        raise PolicyDataError(f"topic: missing entries {', '.join(absent)}")
    return topics


def _limits(
    doc: Mapping[str, object],
) -> tuple[tuple[DeadlineRule, ...], tuple[PaymentTerm, ...], tuple[LateInterest, ...]]:
    """The optional time-limit sections; a payment term for every payer, one late interest."""
    known: set[str] = set()  # a deadline may count from one listed before it

    def deadline(e: Entry) -> DeadlineRule:
        rule = parse_deadline(e, known)
        known.add(rule.id)
        return rule

    deadlines = _section(doc, "deadline", deadline, required=False)
    taken: set[str] = set()
    terms = _section(doc, "payment_term", lambda e: parse_payment_term(e, taken), required=False)
    if terms and (absent := [payer for payer in PAYERS if payer not in taken]):
        raise PolicyDataError(f"payment_term: no term for payers {', '.join(absent)}")
    interest = _section(doc, "late_interest", parse_late_interest, required=False)
    if len(interest) > 1:
        raise PolicyDataError("late_interest: expected one entry, got several")
    return deadlines, terms, interest


_Credit = tuple[
    tuple[CreditRule, ...],
    tuple[CreditRecord, ...],
    tuple[CreditGrade, ...],
    tuple[CreditAuthority, ...],
    tuple[AbnormalReason, ...],
    tuple[Commitment, ...],
]


def _credit(
    doc: Mapping[str, object], offices: Collection[str], deadlines: Collection[str]
) -> _Credit:
    """The optional credit repair sections (`flows.policy.credit_data`); each record type, grade
    and abnormal listing reason has exactly one entry once its section is there."""
    rules = _section(doc, "credit_rule", parse_credit_rule, required=False)
    records = _section(
        doc, "credit_record", lambda e: parse_credit_record(e, offices, deadlines), required=False
    )
    grades = _section(doc, "credit_grade", parse_credit_grade, required=False)
    words: dict[str, str] = {}
    authorities = _section(
        doc, "credit_authority", lambda e: parse_credit_authority(e, words), required=False
    )
    reasons = _section(doc, "abnormal_reason", parse_abnormal_reason, required=False)
    commitments = _section(doc, "commitment", parse_commitment, required=False)
    for name, found, wanted in (
        ("credit_rule", rules, CREDIT_RULE_IDS),  # the rules flows.policy.credit counts with
        ("credit_record", records, RECORD_TYPES),
        ("credit_grade", grades, KNOWN_GRADES),
        ("abnormal_reason", reasons, ABNORMAL_REASONS),
    ):
        ids = {entry.id for entry in found}
        if found and (absent := [code for code in wanted if code not in ids]):
            raise PolicyDataError(f"{name}: missing entries {', '.join(absent)}")
    return rules, records, grades, authorities, reasons, commitments


def load_policy_data(path: Path | None = None) -> PolicyData:
    """Read and validate the policy data file (default: the packaged `data/policy.toml`)."""
    path = DEFAULT_PATH if path is None else path
    try:
        with path.open("rb") as file:
            doc = tomllib.load(file)
    except OSError as error:
        raise PolicyDataError(f"{path}: cannot read the policy data file ({error})") from error
    except tomllib.TOMLDecodeError as error:
        raise PolicyDataError(f"{path.name}: not valid TOML ({error})") from error
    return parse_policy_data(doc)
