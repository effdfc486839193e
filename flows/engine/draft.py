"""A founder's partial application for one flow, and the founder's whole state, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from flows.engine.address import Address

SUMMARY = "summary"
DONE = "done"
DRAFT_SCHEMA = 1


@dataclass
class Draft:
    """Where a founder is in one flow and what they answered. Serialised as JSON.

    `remind_on` is the day (ISO date) the founder asked to be reminded of it, while a step
    waits for that day (`Field.wait`); storage keeps the draft until past it, and the bot's
    timed event reminds the founder only while the draft still holds that day."""

    flow: str
    step: str
    answers: dict[str, Any] = field(default_factory=dict)
    scratch: dict[str, Any] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    revision: int = 0
    created_at: float = 0.0
    updated_at: float = 0.0
    schema: int = DRAFT_SCHEMA
    remind_on: str = ""

    @property
    def finished(self) -> bool:
        return self.step == DONE

    def to_json(self) -> dict[str, Any]:
        """The draft as JSON-ready data; its dicts are copies (one level: the values in them are
        shared, and never changed in place once stored).

        Written out field by field: `dataclasses.asdict`, which copies every value deeply, was
        a measurable part of a form step."""
        return {
            "flow": self.flow,
            "step": self.step,
            "answers": dict(self.answers),
            "scratch": dict(self.scratch),
            "defaults": dict(self.defaults),
            "revision": self.revision,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "schema": self.schema,
            "remind_on": self.remind_on,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class Prefs:
    """Per-founder settings kept apart from drafts, so that cancelling a draft keeps them.

    The announcements subscription lives here too, written with the founder's own turn:
    `subscribed`, the `topics` chosen (ids of policy data topics; empty = every topic) and
    `since`, when they last opted in (epoch seconds; an opt-out marker older than it is void).
    `offered` is true while the offer to continue an unfinished draft (after /start) is the
    screen last shown: the founder is at it, not in the flow nor at the menu."""

    lang: str | None = None
    active: str | None = None
    subscribed: bool = False
    topics: list[str] = field(default_factory=list)
    since: float = 0.0
    offered: bool = False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.offered:
            del data["offered"]
        if not self.subscribed and not self.topics and not self.since:
            for name in ("subscribed", "topics", "since"):  # records as before subscriptions
                del data[name]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prefs:
        topics = data.get("topics")
        since = data.get("since")
        return cls(
            lang=data.get("lang"),
            active=data.get("active"),
            subscribed=data.get("subscribed") is True,
            topics=[str(t) for t in topics] if isinstance(topics, list) else [],
            since=float(since) if isinstance(since, int | float) else 0.0,
            offered=data.get("offered") is True,
        )


@dataclass
class Submission:
    """A completed application, immutable once written: what the receiving office gets.

    `answers` may hold sensitive values (ID numbers); storage encrypts those at rest. A
    supplement (the founder's answer to an office's question) names its case in `parent`.
    """

    reference: str
    founder: Address
    flow: str
    programme: str
    office: str
    district: str
    locale: str
    answers: dict[str, Any]
    attachments: list[dict[str, Any]]
    submitted_at: float
    status: str = "submitted"
    schema: int = DRAFT_SCHEMA
    parent: str = ""
    withdrawn: bool = False  # its founder erased their data before it was delivered

    def to_json(self) -> dict[str, Any]:
        data = asdict(self) | {"founder": str(self.founder)}
        if not self.withdrawn:
            del data["withdrawn"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Submission:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        # Records written before channels name the founder by Telegram user id.
        known["founder"] = Address.parse(str(data.get("founder", data.get("user_id"))))
        return cls(**known)

    def entry(self) -> dict[str, Any]:
        """The founder's index line for My applications (a supplement names its case)."""
        entry: dict[str, Any] = {
            "reference": self.reference,
            "flow": self.flow,
            "programme": self.programme,
            "office": self.office,
            "district": self.district,
            "status": self.status,
            "submitted_at": self.submitted_at,
        }
        if self.parent:
            entry["parent"] = self.parent
        deadline = quotable_deadline(self.answers)
        if deadline is not None:
            entry["deadline"] = deadline
        return entry


@dataclass
class FounderState:
    """Everything the bot knows about one founder; `changed` names the records to write back.

    `applications` is the founder's index of submissions (record 'applications');
    `new_submissions` are created by this update and written atomically with it.
    `request` asks the service for what only storage can do, after this turn: 'export' (send
    the founder everything stored about them), 'erase' (erase it instead of writing back) or
    'announce' (a commissioner's `announcement`, for the broadcast desk to preview).
    `roles` are the roles the bot's admins granted this founder (`storage.roles`: role → its
    grant as JSON, e.g. {"commissioner": {"by", "at", "districts"}}), read with the turn and
    never written back by it.
    """

    founder: Address
    prefs: Prefs = field(default_factory=Prefs)
    profile: dict[str, Any] = field(default_factory=dict)
    drafts: dict[str, Draft] = field(default_factory=dict)
    applications: list[dict[str, Any]] = field(default_factory=list)
    new_submissions: list[Submission] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)
    request: str = ""
    announcement: Any = None  # flows.engine.spec.Announcement, with request "announce"
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def submit(self, submission: Submission, *, listed: bool = True) -> None:
        """Record a new submission and (when `listed`) its index line; both are written with
        this update. An anonymous tip-off is not listed: nothing of the founder's links to it."""
        self.new_submissions.append(submission)
        if listed:
            self.applications.append(submission.entry())
            self.touch("applications")

    def touch(self, record: str) -> None:
        """Mark a record ('prefs', 'profile' or 'draft:<flow>') to be written back."""
        self.changed.add(record)

    def put_draft(self, draft: Draft) -> None:
        self.drafts[draft.flow] = draft
        self.touch(f"draft:{draft.flow}")

    def drop_draft(self, flow: str) -> None:
        self.drafts.pop(flow, None)
        self.touch(f"draft:{flow}")


def quotable_deadline(answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deadline a submission's answers hold when the bot may state it (its rule checked
    by a person): {"date": ISO date, "approximate": counted without the holiday calendar}.
    An unverified deadline is never shown as a date, nor watched (the office tells)."""
    value = answers.get("deadline")
    if isinstance(value, Mapping):  # {"date", "approximate", "quotable"}
        quotable, approximate = value.get("quotable", True), bool(value.get("approximate"))
        value = value.get("date")
    else:
        quotable = answers.get("deadline_quotable") is True
        approximate = bool(answers.get("deadline_approximate"))
    if not isinstance(value, str) or not quotable:
        return None
    return {"date": value, "approximate": approximate}
