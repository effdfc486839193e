"""The vocabulary flows are written in: fields, input kinds, options and the flow spec itself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from flows.engine.lifecycle import APPLICATION, Lifecycle
from flows.engine.text import Localized, Text, spellings

Answers = Mapping[str, Any]
Speller = Callable[[Text | Localized], Mapping[str, str]]  # a block as it reads, by locale


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
    NOTES = "notes"  # free text over several messages, kept until ✅ Done (flows.engine.notes)


BUTTON_KINDS = frozenset({Kind.CHOICE, Kind.MULTI})


@dataclass(frozen=True)
class Option:
    """One button of a choice: a short ASCII value (it travels in callback data), a label, and
    `synonyms` a founder may type instead of the label (either language, matched loosely)."""

    value: str
    label: str | Localized
    synonyms: tuple[str, ...] = ()

    def block(self) -> Text | Localized:
        """The label as a renderable block (a msgid, or policy data in both languages)."""
        return Text(self.label) if isinstance(self.label, str) else self.label


def stamp_key(name: str) -> str:
    """Where a `stamped` field's moment is kept in the answers."""
    return f"{name}_at"


@dataclass(frozen=True)
class Field:
    """One question of a flow.

    `when` shows the field only when earlier answers call for it; it may read only the
    fields named in `depends_on`, which must come earlier. A changed answer clears the
    answers of every field that depends on it, so they are asked again.

    `help` says what is asked, why and where to find it. For the step counter
    (`flows.engine.progress`): `part` names a part of the flow that begins here, a field not
    `counted` is no step of it, and `presume` is the answer assumed while it is open.

    `suggest` offers an answer to confirm when the question is shown (e.g. from the founder's
    profile, `Context.profile`): it is read then and only, never copied into the draft before
    the founder taps ✅ Use this, so a question that does not apply never holds it. A field not
    `reviewed` is a screen passed with a tap (an explanation): left off the summary.

    `wait` gives the day before which the step cannot be passed (a minimum period not over
    yet), or None: while that day is ahead, the field's `choices` offer no way on and the
    screen offers a reminder on that day (`Draft.remind_on`). `free` lets a CHOICE take typed
    text that names none of its options as the answer itself (parsed as TEXT with `limits`).
    A `stamped` field records when it was answered (RFC 3339 UTC, from `Context.now`) beside the
    answer, under `stamp_key(name)`: a confirmation's moment.
    """

    name: str
    prompt: str
    kind: Kind
    options: tuple[Option, ...] = ()
    optional: bool = False
    when: Callable[[Answers], bool] | None = None
    depends_on: tuple[str, ...] = ()
    help: str | Localized | None = None
    label: str | Localized | None = None
    limits: Mapping[str, Any] = field(default_factory=dict)
    check: Callable[[Any, Answers], None] | None = None
    columns: int = 2
    parse: Callable[[str, Context], Any] | None = None
    intro: Callable[[Answers, Context], Sequence[Text | Localized]] | None = None
    choices: Callable[[Answers, Context], tuple[Option, ...]] | None = None
    mask: Callable[[str], str] | None = None
    part: str = ""
    counted: bool = True
    presume: Any = None
    suggest: Callable[[Answers, Context], Any] | None = None
    reviewed: bool = True
    wait: Callable[[Answers, Context], Any] | None = None  # -> datetime.date | None
    free: bool = False
    stamped: bool = False

    @property
    def summary_label(self) -> Text | Localized:
        """How the field is named on the summary screen."""
        label = self.label or self.prompt
        return Text(label) if isinstance(label, str) else label

    def option(
        self, value: str, answers: Answers | None = None, ctx: Context | None = None
    ) -> Option | None:
        """The option with this value, if the field offers one (dynamic choices need answers and ctx)."""
        return next((o for o in self.offered(answers or {}, ctx) if o.value == value), None)

    def offered(self, answers: Answers, ctx: Context | None) -> tuple[Option, ...]:
        """The options shown now: static ones, or those `choices` computes from the answers."""
        if self.choices is not None and ctx is not None:
            return self.choices(answers, ctx)
        return self.options

    @property
    def sensitive(self) -> bool:
        """Masked fields hold personal data: masked on screens, encrypted at rest."""
        return self.mask is not None


@dataclass(frozen=True)
class Context:
    """What a flow may read besides the answers: policy data, the date, the founder's language,
    the reference number of a submission this update makes (`submission_reference`: the
    `reference` given, else one `draw` gives, drawn only if a flow asks), and `spell`, how a
    label reads in each language the bot speaks (to match typed labels; the renderer gives it).
    `profile`: the founder's profile, for a field's `suggest` (read, never written here).
    `roles`: the roles the founder holds ("commissioner", "staff"), to offer what only they see;
    `districts`: the district codes a commissioner's grant limits them to (empty: every one)."""

    policy: Any  # flows.policy.loader.PolicyData: the services read it, the engine never does
    today: Any  # datetime.date
    locale: str = "zh_CN"
    reference: str = ""
    draw: Callable[[], str] | None = field(default=None, compare=False, repr=False)
    draft_days: int = 30
    profile_days: int = 365
    retention_days: int = 365  # a delivered application's personal fields are kept this long
    applications: tuple[Mapping[str, Any], ...] = ()  # the founder's submissions, index lines
    spell: Speller = spellings
    profile: Mapping[str, Any] = field(default_factory=dict)
    now: float = 0.0  # epoch seconds of this update (a confirmation's time is recorded from it)
    roles: frozenset[str] = frozenset()
    districts: tuple[str, ...] = ()

    @cached_property
    def submission_reference(self) -> str:
        """The same number for the confirmation screen and the submission it confirms; drawn
        on first use (most updates submit nothing)."""
        return self.reference or (self.draw() if self.draw is not None else "")


@dataclass(frozen=True)
class SubmissionRequest:
    """What a completed application hands on: programme, receiving office, answers, files.

    A supplement sets `parent` (the case it answers) and its own `reference`; otherwise the
    update's fresh reference numbers the submission."""

    programme: str
    office: str
    district: str
    answers: Mapping[str, Any]
    attachments: tuple[Mapping[str, Any], ...] = ()
    parent: str = ""
    reference: str = ""
    anonymous: bool = False  # a tip-off: no one's address with it, not in their applications


@dataclass(frozen=True)
class Announcement:
    """A policy announcement a service commissioner composed (Art. 11): its text by locale
    (Chinese always, English when given), an attachment (a file answer) or None, the service a
    link button opens ('' for none), the audience (dimension → the codes chosen; a dimension
    left out means everyone), and when to send it (epoch seconds; None: when the commissioner
    says so, after the preview)."""

    texts: Mapping[str, str]
    attachment: Mapping[str, Any] | None
    link: str
    audience: Mapping[str, tuple[str, ...]]
    send_at: float | None = None


@dataclass(frozen=True)
class Section:
    """One part of a long result, opened by its own button: a heading and its items (a long
    section is shown a page of items at a time)."""

    button: Text | Localized
    heading: Text | Localized
    items: tuple[Text | Localized, ...]


@dataclass(frozen=True)
class Completion:
    """What a finished flow shows, what it stores in the founder's profile, what it offers next.

    `blocks` are its messages; a long result keeps them short (a summary) and puts the rest in
    `sections`, each opened by a button under the summary. The result is computed again from
    the finished draft when a section is opened, so it needs no record of its own."""

    blocks: tuple[tuple[Text | Localized, ...], ...]
    profile: Mapping[str, Any] = field(default_factory=dict)
    next_flows: tuple[str, ...] = ()
    submission: SubmissionRequest | None = None
    sections: tuple[Section, ...] = ()
    announcement: Announcement | None = None  # a commissioner's, for the broadcast desk
    subscribe: bool = False  # offers the announcements subscription to a founder without it


@dataclass(frozen=True)
class FlowSpec:
    """A conversation as data. Linear order comes from `fields`; `branches` are the only
    hand-written transitions (dicts for `Machine.add_transition`, tried before the generated).
    A flow not `listed` is left out of the services menu (the registry sets it from its menu):
    it is opened from somewhere else. `synonyms`: words a founder may type at the menu for it;
    `review_help`: ❓ on the summary (what ✅ Confirm does here); `declaration`: what the founder
    declares by tapping ✅ Confirm, shown above it (the application PDF records it);
    `lifecycle`: the statuses its submissions go through and who changes them; `noun`: what
    the founder's screens call one of its submissions ('application', 'complaint', 'rating'). A
    flow of a `desk` (a commissioner's announcement composer, opened by that command) is no
    application of the founder's: My applications and the offer to continue leave its draft
    out, and leaving it says how to come back (the command) instead of showing the services
    menu."""

    id: str
    code: str
    title: str
    intro: str
    articles: tuple[int, ...]
    fields: tuple[Field, ...]
    complete: Callable[[Answers, Context], Completion]
    branches: tuple[Mapping[str, Any], ...] = ()
    icon: str = ""
    prefill: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    listed: bool = True
    synonyms: tuple[str, ...] = ()
    review_help: str = ""
    declaration: str = ""
    lifecycle: Lifecycle = APPLICATION  # what happens to its submissions after they are sent
    noun: str = "application"
    desk: str = ""  # the command of the desk it belongs to ("announce"): not a founder's service

    @property
    def sensitive_fields(self) -> frozenset[str]:
        """Names of the fields holding personal data to encrypt at rest."""
        return frozenset(f.name for f in self.fields if f.sensitive)

    def field(self, name: str) -> Field:
        """The field called `name` (KeyError when there is none)."""
        return self.fields[self._indexes[name]]

    def index(self, name: str) -> int:
        """Position of a field, used as the short step id in callback data (ValueError when
        there is none)."""
        try:
            return self._indexes[name]
        except KeyError:
            raise ValueError(f"{name!r} is not a field of {self.id}") from None

    def has_field(self, name: str) -> bool:
        return name in self._indexes

    @cached_property
    def _indexes(self) -> dict[str, int]:
        """Each field's position by name, worked out once: a step looks fields up many times."""
        return {f.name: i for i, f in enumerate(self.fields)}
