"""Where a founder stands in a flow, for "step n of total", and why a total changed.

A question is counted when it applies to the answers so far, or when that cannot be known yet
because a question it depends on is still open: then it is counted as applying. An open
question with a `presume` answer (the consent: agree) is counted as if given it, so what
follows is counted the way a founder going on will meet it. The total therefore changes only
when an answer changes which questions apply, and the next screen says so. A flow in `part`s
counts each part on its own; a field with `counted=False` (the consent) is not a step.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.engine.draft import Draft
from flows.engine.machine import applies
from flows.engine.spec import Answers, Field, FlowSpec
from flows.engine.text import N_, Text


@dataclass(frozen=True)
class Position:
    """A step's place in its part: `n` of `total` (`n` is 0 for a step not counted), and how
    many of the part's counted questions are answered. `part` is a msgid, '' for one part."""

    part: str
    n: int
    total: int
    answered: int


def counted(spec: FlowSpec, answers: Answers) -> list[Field]:
    """The counted questions of the whole flow, in order, given the answers so far."""
    assumed = dict(answers)
    for f in spec.fields:
        if f.name not in answers and f.presume is not None:
            assumed[f.name] = f.presume
    open_: set[str] = set()
    found: list[Field] = []
    for f in spec.fields:
        if applies(f, assumed) or open_.intersection(f.depends_on):
            if f.name not in assumed:
                open_.add(f.name)
            if f.counted:
                found.append(f)
    return found


def part_of(spec: FlowSpec, name: str) -> tuple[str, frozenset[str]]:
    """The part a field belongs to: its msgid ('' for one part) and the names of its fields."""
    return _parts(spec)[name]


_PARTS: dict[int, tuple[FlowSpec, dict[str, tuple[str, frozenset[str]]]]] = {}


def _parts(spec: FlowSpec) -> dict[str, tuple[str, frozenset[str]]]:
    """Each field's part, worked out once per spec (specs are few and never change); a step
    asks for it several times."""
    kept = _PARTS.get(id(spec))
    if kept is not None and kept[0] is spec:
        return kept[1]
    parts: list[tuple[str, list[str]]] = [("", [])]
    for f in spec.fields:
        if f.part:
            parts.append((f.part, []))
        parts[-1][1].append(f.name)
    found = {n: (label, frozenset(names)) for label, names in parts for n in names}
    _PARTS[id(spec)] = (spec, found)
    return found


def position(spec: FlowSpec, answers: Answers, step: str) -> Position:
    """Where `step` stands; the summary and the end count as the last step of the last part."""
    parts = _parts(spec)
    label, members = parts[step] if step in parts else parts[spec.fields[-1].name]
    asked = [f.name for f in counted(spec, answers) if f.name in members]
    answered = sum(1 for name in asked if name in answers)
    n = asked.index(step) + 1 if step in asked else (0 if step in parts else len(asked))
    return Position(label, n, len(asked), answered)


def recount(spec: FlowSpec, before: Position, draft: Draft) -> Text | None:
    """A line saying the total changed, when the answer just given changed it within the part
    the founder stays in (a new part's total is new anyway)."""
    if not spec.has_field(draft.step):
        return None
    after = position(spec, draft.answers, draft.step)
    if after.part != before.part or after.total == before.total or not after.n:
        return None
    return Text(
        N_("ℹ️ That answer changes which questions apply: {total} in all now, not {before}."),
        {"total": after.total, "before": before.total},
    )


def counter(spec: FlowSpec, draft: Draft, field: Field) -> Text:
    """'Registration guidance · step 3 of 7', with the part of a flow in parts; a step that is
    not counted (the consent) is named instead."""
    at = position(spec, draft.answers, field.name)
    title = Text(spec.title)
    if not at.n:
        return Text(N_("{title} · {label}"), {"title": title, "label": field.summary_label})
    if at.part:
        return Text(
            N_("{title} · {part} · step {n} of {total}"),
            {"title": title, "part": Text(at.part), "n": at.n, "total": at.total},
        )
    return Text(N_("{title} · step {n} of {total}"), {"title": title, "n": at.n, "total": at.total})
