"""Reading one table of the policy data file key by key, strictly (used by the loaders).

Every problem raises `PolicyDataError` naming the section, the entry and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final, NoReturn, TypeVar

from flows.engine.errors import PolicyDataError
from flows.engine.periods import Period
from flows.engine.text import Localized
from flows.policy.schema import (
    METRICS,
    OPERATORS,
    PROFILE_FIELDS,
    Condition,
    Confidence,
    FieldKind,
    Metric,
    Thresholds,
)

LAST_ARTICLE: Final = 66  # the Regulations have 66 articles
ID: Final = re.compile(r"[a-z][a-z0-9_]{0,31}")
CONFIDENCES: Final[tuple[Confidence, ...]] = ("A", "B", "C")
_T = TypeVar("_T")


def kind_of(value: object) -> str:
    """The TOML-ish name of a value's type, for error messages."""
    return "nothing" if value is None else type(value).__name__


class Entry:
    """One table of the file, read key by key; keys never read are reported as unknown.

    A nested table (a rule, a cap) is read by an `Entry` whose `prefix` names it ("rules[0].").
    """

    def __init__(self, section: str, label: str, raw: object, prefix: str = "") -> None:
        if not isinstance(raw, dict):
            raise PolicyDataError(f"{section} {label}: expected a table, got {kind_of(raw)}")
        self.section, self.label, self.raw, self.prefix = section, label, raw, prefix
        self.read: set[str] = set()

    def fail(self, key: str, problem: str) -> NoReturn:
        raise PolicyDataError(f"{self.section} {self.label}: field '{self.prefix}{key}': {problem}")

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

    def nested(self, key: str, raw: object) -> Entry:
        """An `Entry` for an inline table found under `key` (which may carry an index)."""
        if not isinstance(raw, dict):
            self.fail(key, f"expected an inline table, got {kind_of(raw)}")
        return Entry(self.section, self.label, raw, f"{self.prefix}{key}.")

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

    def refs(self, key: str, known: Collection[str], what: str) -> tuple[str, ...]:
        """A list of distinct ids, each one of `known` (may be empty)."""
        value = self.get(key)
        if not isinstance(value, list) or len(set(map(str, value))) != len(value):
            self.fail(key, f"expected a list of distinct {what} ids")
        for item in value:
            if not isinstance(item, str) or item not in known:
                self.fail(key, f"unknown {what} {item!r}")
        return tuple(value)

    def choice(self, key: str, options: tuple[_T, ...], value: object = None) -> _T:
        value = self.get(key) if value is None else value
        for option in options:
            if value == option:
                return option
        self.fail(key, f"expected one of {', '.join(map(repr, options))}, got {value!r}")

    def flag(self, key: str) -> bool:
        value = self.get(key)
        if not isinstance(value, bool):
            self.fail(key, f"expected true or false, got {kind_of(value)}")
        return value

    def count(self, key: str, least: int = 0) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            self.fail(key, f"expected a whole number >= {least}, got {value!r}")
        return value

    def day(self, key: str) -> date:
        value = self.get(key)
        if not isinstance(value, date) or isinstance(value, datetime):
            self.fail(key, f"expected a TOML date like 2026-01-31, got {kind_of(value)}")
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

    def provenance(self) -> tuple[str, date | None, Confidence, date | None]:
        """(source, verified_on, confidence, transcribed_on): exactly one of the two dates, so an
        entry says whether a person checked it against its source or only copied it."""
        verified, transcribed = (
            self.optional(k, self.day) for k in ("verified_on", "transcribed_on")
        )
        if (verified is None) == (transcribed is None):
            self.fail(
                "verified_on",
                "give verified_on (the day a person checked the entry against its source) or "
                "transcribed_on (the day it was copied without that check), exactly one",
            )
        return self.text("source"), verified, self.choice("confidence", CONFIDENCES), transcribed

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

    def conditions(
        self,
        key: str,
        fields: Mapping[str, tuple[FieldKind, tuple[str, ...]]] = PROFILE_FIELDS,
        what: str = "profile field",
    ) -> tuple[Condition, ...]:
        """A list of conditions over `fields` (the profile unless told otherwise)."""
        value = self.get(key)
        if not isinstance(value, list):
            self.fail(key, f"expected a list of conditions (may be empty), got {kind_of(value)}")
        return tuple(
            self.condition(f"{key}[{i}]", raw, fields, what) for i, raw in enumerate(value)
        )

    def condition(
        self,
        where: str,
        raw: object,
        fields: Mapping[str, tuple[FieldKind, tuple[str, ...]]],
        what: str,
    ) -> Condition:
        """One condition like { field = "size", in = [...] }, checked against `fields`."""
        if not isinstance(raw, dict) or "field" not in raw:
            self.fail(where, 'expected an inline table like { field = "groups", any_of = [...] }')
        name = raw["field"]
        if not isinstance(name, str) or name not in fields:
            self.fail(where, f"unknown {what} {name!r}")
        kind, codes = fields[name]
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
        if kind == "date":
            try:
                return Condition(name, op, period=Period.parse(str(operand)))
            except ValueError as exc:
                self.fail(where, str(exc))
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
