"""The vocabulary flows are written in: fields, input kinds, options and the flow spec itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flows.text import Localized, Text

if TYPE_CHECKING:
    from flows.policy import PolicyData

Answers = Mapping[str, Any]


class Kind(StrEnum):
    """How a field is answered, and so which buttons and parser it gets."""

    CHOICE = "choice"
    MULTI = "multi"
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DISTRICT = "district"
    YESNO = "yesno"
    FILE = "file"


BUTTON_KINDS = frozenset({Kind.CHOICE, Kind.MULTI})


@dataclass(frozen=True)
class Option:
    """One button of a choice: a short ASCII value (it travels in callback data) and a label."""

    value: str
    label: str | Localized

    def block(self) -> Text | Localized:
        """The label as a renderable block (a msgid, or policy data in both languages)."""
        return Text(self.label) if isinstance(self.label, str) else self.label


@dataclass(frozen=True)
class Field:
    """One question of a flow.

    `when` shows the field only when earlier answers call for it; it may read only the
    fields named in `depends_on`, which must come earlier. A changed answer clears the
    answers of every field that depends on it, so they are asked again.
    """

    name: str
    prompt: str
    kind: Kind
    options: tuple[Option, ...] = ()
    optional: bool = False
    when: Callable[[Answers], bool] | None = None
    depends_on: tuple[str, ...] = ()
    help: str | None = None
    label: str | None = None
    limits: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Any, Answers], None] | None = None
    columns: int = 2

    @property
    def summary_label(self) -> str:
        return self.label or self.prompt

    def option(self, value: str) -> Option | None:
        """The option with this value, if the field has one."""
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Context:
    """What a flow may read besides the answers: policy data and the date."""

    policy: PolicyData
    today: Any  # datetime.date; Any keeps this module free of a runtime import cycle


@dataclass(frozen=True)
class Completion:
    """What a finished flow shows, what it stores in the founder's profile, what it offers next."""

    blocks: tuple[tuple[Text | Localized, ...], ...]
    profile: Mapping[str, Any] = field(default_factory=dict)
    next_flows: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowSpec:
    """A conversation as data. Linear order comes from `fields`; `branches` are the only
    hand-written transitions (dicts for `Machine.add_transition`, tried before the generated)."""

    id: str
    code: str
    title: str
    intro: str
    articles: tuple[int, ...]
    fields: tuple[Field, ...]
    complete: Callable[[Answers, Context], Completion]
    branches: tuple[Mapping[str, Any], ...] = ()
    icon: str = ""

    def field(self, name: str) -> Field:
        """The field called `name` (KeyError when there is none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def index(self, name: str) -> int:
        """Position of a field, used as the short step id in callback data."""
        return [f.name for f in self.fields].index(name)
