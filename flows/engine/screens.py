"""The screens of a flow as replies: a field's question, the summary, help and refusals."""

from __future__ import annotations

from typing import Any

from flows.engine import files, notes
from flows.engine.answers import display
from flows.engine.districts import DISTRICTS
from flows.engine.draft import Draft
from flows.engine.labels import (
    BACK_WORDS,
    CANCEL_WORDS,
    CONFIRM_WORDS,
    DONE_WORDS,
    HELP_WORDS,
    KEEP_WORDS,
    MENU_WORDS,
    SKIP_WORDS,
)
from flows.engine.machine import FlowMachine
from flows.engine.outcome import Action, Block, Button, Op, Reply, rows
from flows.engine.progress import counter
from flows.engine.spec import Context, Field, FlowSpec, Kind
from flows.engine.text import N_, Localized, Text
from flows.engine.waiting import offer

TYPED_KINDS = frozenset({Kind.TEXT, Kind.NUMBER, Kind.MONEY, Kind.DATE, Kind.NOTES})
_NO_ANSWER = object()


def suggested(field: Field, draft: Draft, ctx: Context) -> Any:
    """The answer offered to confirm: the draft's default, else the field's `suggest`
    (computed now, never stored); `_NO_ANSWER` when there is none."""
    if field.name in draft.defaults:
        return draft.defaults[field.name]
    if field.suggest is not None:
        value = field.suggest(draft.answers, ctx)
        if value is not None:
            return value
    return _NO_ANSWER


def has_suggestion(value: Any) -> bool:
    """Whether `suggested` found an answer to offer."""
    return value is not _NO_ANSWER


def pending_key(field: Field) -> str:
    """Where an answer awaiting the founder's confirmation waits in the draft's scratch."""
    return f"?{field.name}"


def act(spec: FlowSpec, draft: Draft, op: Op, value: str = "") -> Action:
    """An action bound to the draft's current step, so a stale button can be recognised."""
    step = str(spec.index(draft.step)) if spec.has_field(draft.step) else draft.step[:1]
    return Action(op, spec.code, step, value)


def nav_row(spec: FlowSpec, draft: Draft, *, back: bool = True) -> tuple[Button, ...]:
    """Back, help, cancel and menu: on every step of every flow."""
    buttons = [Button(Text(N_("⬅️ Back")), act(spec, draft, Op.BACK), BACK_WORDS)] if back else []
    buttons += [
        Button(Text(N_("❓ Help")), act(spec, draft, Op.HELP), HELP_WORDS),
        Button(Text(N_("✖️ Cancel")), act(spec, draft, Op.CANCEL), CANCEL_WORDS),
        Button(Text(N_("🏠 Menu")), Action(Op.MENU), MENU_WORDS),
    ]
    return tuple(buttons)


def _answer_buttons(
    spec: FlowSpec, draft: Draft, field: Field, ctx: Context
) -> list[tuple[Button, ...]]:
    def pick(label: Block, value: str, synonyms: tuple[str, ...] = ()) -> Button:
        return Button(label, act(spec, draft, Op.PICK, value), synonyms)

    if field.kind is Kind.CHOICE:
        options = field.offered(draft.answers, ctx)
        return rows([pick(o.block(), o.value, o.synonyms) for o in options], field.columns)
    if field.kind is Kind.MULTI:
        chosen = set(draft.scratch.get(field.name, draft.answers.get(field.name) or []))
        marked = [
            pick(
                Text(N_("✅ {label}") if o.value in chosen else "{label}", {"label": o.block()}),
                o.value,
                o.synonyms,
            )
            for o in field.offered(draft.answers, ctx)
        ]
        return [
            *rows(marked, field.columns),
            (Button(Text(N_("Done")), act(spec, draft, Op.DONE), DONE_WORDS),),
        ]
    if field.kind is Kind.YESNO:
        return [(pick(Text(N_("Yes")), "yes"), pick(Text(N_("No")), "no"))]
    if field.kind is Kind.DISTRICT:
        return rows([pick(Localized(d.short_zh, d.short_en), d.code) for d in DISTRICTS], 4)
    if field.kind is Kind.NOTES:
        done = Button(Text(N_("✅ Done")), act(spec, draft, Op.DONE), DONE_WORDS)
        again = Button(Text(N_("🗑 Start over")), act(spec, draft, Op.REMOVE))
        return [(done, again) if notes.received(draft, field) else (done,)]
    if field.kind is Kind.FILE:
        removes = [
            Button(Text(N_("🗑 {number}"), {"number": n}), act(spec, draft, Op.REMOVE, files.key(f)))
            for n, f in files.shown(files.received(draft, field))
        ]
        return [
            *rows(removes, 4),
            (
                Button(Text(N_("Done")), act(spec, draft, Op.DONE), DONE_WORDS),
                Button(Text(N_("📎 Upload later")), act(spec, draft, Op.CANCEL_KEEP)),
            ),
        ]
    return []


def question(
    machine: FlowMachine, draft: Draft, ctx: Context, *, notice: Text | None = None
) -> Reply:
    """The screen of the draft's current field: progress, the question, its buttons."""
    spec = machine.spec
    field = spec.field(draft.step)
    blocks: list[Block] = [notice] if notice is not None else []
    blocks.append(counter(spec, draft, field))
    if field.intro is not None:
        blocks += field.intro(draft.answers, ctx)
    waited, reminder = offer(field, draft, ctx, act(spec, draft, Op.REMIND))
    blocks += waited  # the reminder set, above the question
    blocks.append(Text(field.prompt))
    extra: list[Button] = list(reminder)
    offered = suggested(field, draft, ctx)
    if field.kind is Kind.FILE:  # the list of files received is the answer so far
        blocks += files.listing(files.received(draft, field))
    elif field.kind is Kind.NOTES:  # the text so far is the answer so far
        blocks += notes.listing(draft, field)
        if field.name in draft.answers and field.name not in draft.scratch:
            keep = act(spec, draft, Op.KEEP)
            extra.append(Button(Text(N_("Keep this answer")), keep, KEEP_WORDS))
    elif field.name in draft.answers:
        value = display(field, draft.answers[field.name], draft.answers, ctx, limit=200)
        blocks.append(Text(N_("Current answer: {value}"), {"value": value}))
        keep = act(spec, draft, Op.KEEP)
        extra.append(Button(Text(N_("Keep this answer")), keep, KEEP_WORDS))
    elif has_suggestion(offered):
        value = display(field, offered, draft.answers, ctx, limit=200)
        blocks.append(Text(N_("From your profile: {value}"), {"value": value}))
        extra.append(Button(Text(N_("✅ Use this")), act(spec, draft, Op.KEEP), KEEP_WORDS))
    if pending_key(field) in draft.scratch:
        extra.append(Button(Text(N_("✅ Use it anyway")), act(spec, draft, Op.ACCEPT)))
    if field.optional:
        extra.append(Button(Text(N_("Skip")), act(spec, draft, Op.SKIP), SKIP_WORDS))
    buttons = _answer_buttons(spec, draft, field, ctx)
    if extra:
        buttons.append(tuple(extra))
    first = field.name == spec.fields[0].name
    buttons.append(nav_row(spec, draft, back=not first))
    return Reply(tuple(blocks), tuple(buttons), typed=field.kind in TYPED_KINDS)


def multi_update(machine: FlowMachine, draft: Draft, ctx: Context) -> Reply:
    """The same question with the toggled options re-drawn, replacing the old message."""
    reply = question(machine, draft, ctx)
    return Reply(reply.blocks, reply.buttons, replace=True, typed=reply.typed)


def summary(
    machine: FlowMachine, draft: Draft, ctx: Context, *, notice: Text | None = None
) -> Reply:
    """All answers, one line each, with a button to change any of them and one to confirm."""
    spec = machine.spec
    asked = [f for f in machine.applicable(draft.answers) if f.reviewed]
    lines: list[Block] = [notice] if notice is not None else []
    lines.append(Text(N_("Please check your answers:")))
    for f in asked:
        lines.append(
            Text(
                N_("• {label}: {value}"),
                {
                    "label": f.summary_label,
                    "value": display(f, draft.answers.get(f.name), draft.answers, ctx),
                },
            )
        )
    if spec.declaration:
        lines.append(Text(spec.declaration))
    edits = [
        Button(
            Text(N_("✏️ {label}"), {"label": f.summary_label}),
            act(spec, draft, Op.EDIT, str(spec.index(f.name))),
        )
        for f in asked
    ]
    buttons = [
        *rows(edits, 2),
        (Button(Text(N_("✅ Confirm")), act(spec, draft, Op.CONFIRM), CONFIRM_WORDS),),
        nav_row(spec, draft),
    ]
    return Reply(tuple(lines), tuple(buttons))


def refusal(msgid: str, params: dict[str, Any]) -> Text:
    """An explanation of why an answer was not accepted, shown above the repeated question."""
    return Text(N_("⚠️ {reason}"), {"reason": Text(msgid, params)})


def step_help(machine: FlowMachine, draft: Draft) -> Reply:
    """Help for the current step: what it asks, why and where to find it (the field's own
    help; on the summary what ✅ Confirm does), and how to move; the step is unchanged."""
    spec = machine.spec
    names = {f.name for f in spec.fields}
    help = spec.field(draft.step).help if draft.step in names else spec.review_help
    blocks: list[Block] = []
    if help:
        blocks.append(Text(help) if isinstance(help, str) else help)
    blocks.append(Text(MOVING.get(spec.noun, MOVING["application"])))
    return Reply(tuple(blocks))


# how to move in a flow, naming what the founder is filling in (FlowSpec.noun)
MOVING = {
    "application": N_(
        "Your answers are saved after each step: you can leave and come back at any time, "
        "on any device. ⬅️ Back returns to the previous question, ✖️ Cancel lets you keep "
        "or discard this application, 🏠 Menu leaves it for later."
    ),
    "complaint": N_(
        "Your answers are saved after each step: you can leave and come back at any time, "
        "on any device. ⬅️ Back returns to the previous question, ✖️ Cancel lets you keep "
        "or discard this complaint, 🏠 Menu leaves it for later."
    ),
    "rating": N_(
        "Your answers are saved after each step: you can leave and come back at any time, "
        "on any device. ⬅️ Back returns to the previous question, ✖️ Cancel lets you keep "
        "or discard this rating, 🏠 Menu leaves it for later."
    ),
}


def cancel_question(spec: FlowSpec, draft: Draft) -> Reply:
    """Asked on Cancel: keep the draft for later, discard it, or go on answering."""
    return Reply(
        (
            Text(
                N_("Leave {title}? You can keep your answers for later or discard them."),
                {"title": Text(spec.title)},
            ),
        ),
        (
            (
                Button(Text(N_("💾 Keep for later")), act(spec, draft, Op.CANCEL_KEEP)),
                Button(Text(N_("🗑 Discard")), act(spec, draft, Op.DISCARD)),
            ),
            (Button(Text(N_("↩️ Continue answering")), act(spec, draft, Op.CONTINUE)),),
        ),
    )
