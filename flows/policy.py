"""Load and strictly validate the policy data file (`data/policy.toml`) into `PolicyData`.

Any problem raises `PolicyDataError` naming the section, the entry (id, or #n from 1) and field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Final, Literal, NoReturn, TypeVar

from flows.errors import PolicyDataError
from flows.policy_schema import (
    BUSINESS_FORMS,
    DISTRICT_CODES,
    GROUPS,
    INDUSTRY_CODES,
    METRICS,
    OPERATORS,
    PREMISES,
    PROFILE_FIELDS,
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
from flows.text import Localized

__all__ = [
    "BUSINESS_FORMS",
    "DEFAULT_PATH",
    "DISTRICT_CODES",
    "GROUPS",
    "INDUSTRY_CODES",
    "METRICS",
    "PREMISES",
    "PROFILE_FIELDS",
    "SIZES",
    "ChecklistItem",
    "Condition",
    "Confidence",
    "Link",
    "Metric",
    "Office",
    "Policy",
    "PolicyData",
    "Size",
    "SmeIndustry",
    "Thresholds",
    "load_policy_data",
    "parse_policy_data",
]

DEFAULT_PATH: Final = Path(__file__).parent / "data" / "policy.toml"
SCHEMA_VERSION: Final = 1
LAST_ARTICLE: Final = 66  # the Regulations have 66 articles
_SECTIONS: Final = (
    "link",
    "office",
    "policy",
    "sme_industry",
    "registration_step",
    "registration_material",
)
_ID: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
_CONFIDENCES: Final[tuple[Confidence, ...]] = ("A", "B", "C")
_OFFICE_KINDS: Final[tuple[Literal["city", "district"], ...]] = ("city", "district")
_POLICY_KINDS: Final[tuple[Literal["policy", "service"], ...]] = ("policy", "service")
_T = TypeVar("_T")


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__


class _Entry:
    """One table of the file, read key by key; keys never read are reported as unknown."""

    def __init__(self, section: str, label: str, raw: object) -> None:
        if not isinstance(raw, dict):
            raise PolicyDataError(f"{section} {label}: expected a table, got {_kind(raw)}")
        self.section, self.label, self.raw = section, label, raw
        self.read: set[str] = set()

    def fail(self, key: str, problem: str) -> NoReturn:
        raise PolicyDataError(f"{self.section} {self.label}: field '{key}': {problem}")

    def get(self, key: str) -> object:
        self.read.add(key)
        if key not in self.raw:
            self.fail(key, "missing")
        return self.raw[key]

    def optional(self, key: str, read: Callable[[str], _T]) -> _T | None:
        self.read.add(key)
        return read(key) if key in self.raw else None

    def done(self) -> None:
        for key in self.raw:
            if key not in self.read:
                self.fail(key, "unknown key")

    def text(self, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected a non-empty string, got {value!r}")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(key, f"expected a short ascii id (a-z, 0-9, _), got {value!r}")
        return value

    def ref(self, key: str, known: Collection[str], what: str) -> str:
        value = self.text(key)
        if value not in known:
            self.fail(key, f"unknown {what} {value!r}")
        return value

    def choice(self, key: str, options: tuple[_T, ...], value: object = None) -> _T:
        value = self.get(key) if value is None else value
        for option in options:
            if value == option:
                return option
        self.fail(key, f"expected one of {', '.join(map(repr, options))}, got {value!r}")

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {_kind(value)}")
        return value

    def day(self, key: str) -> date:
        value = self.get(key)
        if not isinstance(value, date) or isinstance(value, datetime):
            self.fail(key, f"expected a TOML date like 2026-01-31, got {_kind(value)}")
        if value > date.today() + timedelta(days=1):  # a day of slack for time zones
            self.fail(key, f"{value} is in the future")
        return value

    def localized(self, key: str) -> Localized:
        value = self.get(key)
        if not isinstance(value, dict) or set(value) != {"zh", "en"}:
            self.fail(key, 'expected an inline table { zh = "...", en = "..." }')
        for lang in ("zh", "en"):
            if not isinstance(value[lang], str) or not value[lang].strip():
                self.fail(f"{key}.{lang}", "expected a non-empty string")
        return Localized(zh=value["zh"], en=value["en"])

    def provenance(self) -> tuple[str, date, Confidence]:
        return self.text("source"), self.day("verified_on"), self.choice("confidence", _CONFIDENCES)

    def articles(self, key: str) -> tuple[int, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value or len(set(value)) != len(value):
            self.fail(key, "expected a non-empty list of distinct article numbers")
        for number in value:
            if isinstance(number, bool) or not isinstance(number, int):
                self.fail(key, f"expected article numbers, got {number!r}")
            if not 1 <= number <= LAST_ARTICLE:
                self.fail(key, f"article {number} is not between 1 and {LAST_ARTICLE}")
        return tuple(value)

    def conditions(self, key: str) -> tuple[Condition, ...]:
        value = self.get(key)
        if not isinstance(value, list):
            self.fail(key, f"expected a list of conditions (may be empty), got {_kind(value)}")
        return tuple(self._condition(f"{key}[{i}]", raw) for i, raw in enumerate(value))

    def _condition(self, where: str, raw: object) -> Condition:
        if not isinstance(raw, dict) or "field" not in raw:
            self.fail(where, 'expected an inline table like { field = "groups", any_of = [...] }')
        name = raw["field"]
        if not isinstance(name, str) or name not in PROFILE_FIELDS:
            self.fail(where, f"unknown profile field {name!r}")
        kind, codes = PROFILE_FIELDS[name]
        keys = [key for key in raw if key != "field"]
        if len(keys) != 1:
            self.fail(where, f"expected exactly one operator besides 'field', got {keys}")
        if not any(keys[0] in ops for ops in OPERATORS.values()):
            self.fail(where, f"unknown operator {keys[0]!r}")
        if keys[0] not in OPERATORS[kind]:
            self.fail(
                where,
                f"operator {keys[0]!r} does not apply to {name!r}; use "
                + " or ".join(OPERATORS[kind]),
            )
        op, operand = self.choice(where, OPERATORS[kind], keys[0]), raw[keys[0]]
        if kind == "count":
            if isinstance(operand, bool) or not isinstance(operand, int) or operand < 0:
                self.fail(where, f"expected a whole number >= 0, got {operand!r}")
            return Condition(name, op, bound=operand)
        if not isinstance(operand, list) or not operand or len(set(operand)) != len(operand):
            self.fail(where, f"expected a non-empty list of distinct {name} codes")
        for code in operand:
            if code not in codes:
                self.fail(where, f"unknown {name} code {code!r}")
        return Condition(name, op, values=tuple(operand))

    def metrics(self, key: str) -> tuple[Metric, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value or len(set(map(str, value))) != len(value):
            self.fail(key, f"expected a non-empty list of distinct metrics from {METRICS}")
        return tuple(self.choice(key, METRICS, item) for item in value)

    def thresholds(self, key: str, metrics: tuple[Metric, ...]) -> Thresholds:
        value = self.get(key)
        if not isinstance(value, dict) or set(value) != set(metrics):
            self.fail(key, f"expected an inline table with exactly the metrics {list(metrics)}")
        for metric, number in value.items():
            if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
                self.fail(f"{key}.{metric}", f"expected a whole number > 0, got {number!r}")
        return Thresholds(**{metric: Decimal(number) for metric, number in value.items()})


def _link(e: _Entry) -> Link:
    ident, title, url = e.text("id", _ID), e.localized("title"), e.text("url")
    if not url.startswith(("https://", "tel:")):
        e.fail("url", f"expected an https:// or tel: address, got {url!r}")
    return Link(ident, title, url, *e.provenance())


def _office(e: _Entry) -> Office:
    ident, kind, name = e.text("id", _ID), e.choice("kind", _OFFICE_KINDS), e.localized("name")
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


def _policy(e: _Entry, offices: Collection[str], links: Collection[str]) -> Policy:
    ident, title, summary = e.text("id", _ID), e.localized("title"), e.localized("summary")
    articles, kind = e.articles("articles"), e.choice("kind", _POLICY_KINDS)
    office = e.ref("office", offices, "office")
    link = e.optional("link", lambda key: e.ref(key, links, "link"))
    qualifies, verified = e.conditions("qualifies"), e.flag("verified")
    amount = e.optional("amount", e.localized)
    source, verified_on, confidence = e.provenance()
    if amount is not None and not verified:
        e.fail("amount", "an amount may only be quoted with verified = true")
    if verified and confidence == "C":
        e.fail("verified", "grade C facts are never quoted; verify them to grade A or B first")
    return Policy(
        ident,
        title,
        summary,
        articles,
        kind,
        office,
        link,
        qualifies,
        verified,
        amount,
        source,
        verified_on,
        confidence,
    )


def _industry(e: _Entry) -> SmeIndustry:
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
    return SmeIndustry(code, name, metrics, medium, small, ceiling, *e.provenance())


def _checklist_item(
    e: _Entry, kind: Literal["step", "material"], offices: Collection[str], links: Collection[str]
) -> ChecklistItem:
    ident, text, applies = e.text("id", _ID), e.localized("text"), e.conditions("applies")
    cite = e.localized("cite")
    link = e.optional("link", lambda key: e.ref(key, links, "link"))
    office = e.optional("office", lambda key: e.ref(key, offices, "office"))
    return ChecklistItem(ident, kind, text, applies, cite, link, office, *e.provenance())


def _section(
    doc: Mapping[str, object],
    name: str,
    build: Callable[[_Entry], _T],
    seen: set[str] | None = None,
    id_key: str = "id",
) -> tuple[_T, ...]:
    tables = doc.get(name)
    if not isinstance(tables, list) or not tables:
        raise PolicyDataError(f"{name}: expected a non-empty array of tables [[{name}]]")
    seen = set() if seen is None else seen
    built = []
    for index, raw in enumerate(tables, start=1):
        ident = raw.get(id_key) if isinstance(raw, dict) else None
        entry = _Entry(name, f"'{ident}'" if isinstance(ident, str) else f"#{index}", raw)
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
    meta = _Entry("meta", "table", doc.get("meta"))
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
    return PolicyData(title, links, offices, policies, industries, steps, materials)


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
