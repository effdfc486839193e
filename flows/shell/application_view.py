"""A submitted application as its founder sees it under My applications: what was sent, when,
to whom, and every status change since, from the founder's index line (no extra read)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from flows.engine.answers import display
from flows.engine.outcome import Action, Block, Button, Op, Reply
from flows.engine.periods import SHANGHAI
from flows.engine.spec import Answers, Context, FlowSpec, Kind
from flows.engine.text import N_, Text
from flows.policy.citing import office_label
from flows.shell.statuses import status_name

SKIPPED = ("programme", "consent")  # shown in the heading, or not an answer
SHOWN = 12  # answers shown at most: the screen stays short on a phone


def day(seconds: object) -> str:
    """A timestamp as the Shanghai calendar date it fell on."""
    moment = datetime.fromtimestamp(float(str(seconds)), tz=UTC).astimezone(SHANGHAI)
    return date.isoformat(moment.date())


def sent_summary(spec: FlowSpec, answers: Answers, applicable: list[str]) -> list[list[Any]]:
    """What the index line keeps of a submission: each answer as [field, value], personal data
    already masked, files as their names only."""
    kept: list[list[Any]] = []
    for field in spec.fields:
        value = answers.get(field.name)
        skipped = field.name in SKIPPED or not field.reviewed
        if field.name not in applicable or skipped or value is None:
            continue
        if field.mask is not None:
            value = field.mask(str(value))
        elif field.kind is Kind.FILE:
            value = [str(f.get("name", "")) for f in value]
        kept.append([field.name, value])
    return kept


def application_detail(
    entry: Mapping[str, Any], spec: FlowSpec | None, title: Block, ctx: Context
) -> Reply:
    """The application behind one My applications line, with its status history."""
    names = {"reference": str(entry.get("reference", "")), "title": title}
    try:
        grade = ctx.policy.programme(str(entry.get("programme", ""))).office_confidence
    except KeyError:
        grade = None
    where = (str(entry.get("office", "")), str(entry.get("district", "")))
    office = office_label(ctx.policy, *where, grade)
    blocks: list[Block] = [
        Text(N_("📄 {title} · {reference}"), names),
        Text(
            N_("Sent on {date} to {office}."),
            {"date": Text.raw(day(entry.get("submitted_at", 0))), "office": office},
        ),
    ]
    deadline = entry.get("deadline")
    lifecycle = spec.lifecycle if spec is not None else None
    state = lifecycle.statuses.get(str(entry.get("status"))) if lifecycle else None
    if state is not None and (state.final or state.late):
        deadline = None  # passed or moot: the history says what happened
    if isinstance(deadline, dict) and deadline.get("date"):
        msgid = (
            N_(
                "Answer expected by about {date} (counted Monday to Friday: that year's holiday calendar is not out yet)."
            )
            if deadline.get("approximate")
            else N_("Answer expected by {date}.")
        )
        blocks.append(Text(msgid, {"date": Text.raw(str(deadline["date"]))}))
    for change in entry.get("history") or []:
        blocks.append(
            Text(
                N_("• {date}: {status}"),
                {
                    "date": Text.raw(day(change.get("at", 0))),
                    "status": status_name(change.get("status"), spec.lifecycle if spec else None),
                },
            )
        )
    sent = [item for item in entry.get("sent") or [] if spec and _known(spec, item[0])]
    if spec is not None and any(f.name == "consent" for f in spec.fields):
        form = spec.index("consent")  # the form and documents first, the eligibility facts after
        sent.sort(key=lambda item: spec.index(item[0]) < form)
    if spec is not None and sent:
        blocks.append(Text(N_("What you sent:")))
        answers = dict(sent)
        for name, value in sent[:SHOWN]:
            field = spec.field(name)
            shown = display(field, value, answers, ctx)
            label = {"label": field.summary_label, "value": shown}
            blocks.append(Text(N_("• {label}: {value}"), label))
        if len(sent) > SHOWN:
            blocks.append(Text(N_("… and {count} more."), {"count": len(sent) - SHOWN}))
    if entry.get("purged"):
        blocks.append(
            Text(
                N_(
                    "Your answers and files were removed from this bot {days} days after "
                    "delivery; the office keeps its own record."
                ),
                {"days": ctx.retention_days},
            )
        )
    apps = Button(Text(N_("🗂 My applications")), Action(Op.APPS))
    return Reply(tuple(blocks), ((apps,), (Button(Text(N_("🏠 Menu")), Action(Op.MENU)),)))


def _known(spec: FlowSpec, name: str) -> bool:
    try:
        spec.field(name)
    except KeyError:
        return False
    return True
