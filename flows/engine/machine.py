"""The flow engine: one `transitions` Machine per flow, built once, with one model that is pointed
at the draft of each event (firing is synchronous, so no two events share it at once).

States are the fields, then `summary` and `done`. Triggers: `next` goes to the following
field that applies (else the summary), `back` to the previous one that applies, `edit` from
the summary to a chosen field, `confirm` from the summary to `done`. The linear edges are
generated from field order; a flow's `branches` are tried first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from transitions import EventData, Machine

from flows.engine.draft import DONE, SUMMARY, Draft
from flows.engine.spec import Answers, Field, FlowSpec, stamp_key

Condition = Callable[[EventData], bool]


def applies(field: Field, answers: Answers) -> bool:
    """Whether the field is asked, given the answers so far."""
    return field.when is None or bool(field.when(answers))


class _Walker:
    """The model `transitions` moves: a draft seen through its flow's spec."""

    trigger: Callable[..., bool]  # bound by Machine.add_model (annotation only: no attribute)

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.state = draft.step


def _answers(event: EventData) -> Answers:
    return cast(_Walker, event.model).draft.answers


def _named(name: str, func: Condition) -> Condition:
    func.__name__ = name
    func.__qualname__ = name
    return func


def _applicable(field: Field) -> Condition:
    return _named(f"has_{field.name}", lambda event: applies(field, _answers(event)))


def _targeted(field: Field) -> Condition:
    return _named(f"edit_{field.name}", lambda event: event.kwargs.get("target") == field.name)


def _validate(spec: FlowSpec) -> None:
    names = [f.name for f in spec.fields]
    if len(set(names)) != len(names) or {SUMMARY, DONE} & set(names):
        raise ValueError(f"flow {spec.id}: field names must be unique and not {SUMMARY}/{DONE}")
    if spec.fields[0].when is not None:
        raise ValueError(f"flow {spec.id}: the first field cannot be conditional")
    for i, f in enumerate(spec.fields):
        for dep in f.depends_on:
            if dep not in names[:i]:
                raise ValueError(f"flow {spec.id}: {f.name} depends on {dep}, not an earlier field")
        if f.when is not None and not f.depends_on:
            raise ValueError(f"flow {spec.id}: conditional field {f.name} must name depends_on")


def _chain(
    machine: Machine,
    trigger: str,
    source: str,
    ahead: list[Field] | tuple[Field, ...],
    end: str | None,
) -> None:
    """Edges from `source` to each field in `ahead` until one that is always asked; a field
    asked only under a condition gets an edge guarded by it, and the chain goes on past it."""
    for dst in ahead:
        if dst.when is None:
            machine.add_transition(trigger, source, dst.name)
            return
        machine.add_transition(trigger, source, dst.name, conditions=[_applicable(dst)])
    if end is not None:
        machine.add_transition(trigger, source, end)


def build_machine(spec: FlowSpec, machine_class: type[Machine] = Machine, **kwargs: Any) -> Machine:
    """The flow's state machine, with no model attached (or a GraphMachine for diagrams)."""
    _validate(spec)
    names = [f.name for f in spec.fields]
    machine = machine_class(
        model=None,
        states=[*names, SUMMARY, DONE],
        initial=names[0],
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=True,
        **kwargs,
    )
    for branch in spec.branches:
        machine.add_transition(**branch)
    for i, src in enumerate(spec.fields):
        _chain(machine, "next", src.name, spec.fields[i + 1 :], SUMMARY)
    for i, src_name in enumerate([*names, SUMMARY]):
        _chain(machine, "back", src_name, spec.fields[:i][::-1], None)
    for f in spec.fields:
        machine.add_transition("edit", SUMMARY, f.name, conditions=[_targeted(f)])
    machine.add_transition("confirm", SUMMARY, DONE)
    return machine


class FlowMachine:
    """Moves drafts of one flow. Pure: reads and writes the draft it is given, nothing else."""

    def __init__(self, spec: FlowSpec) -> None:
        self.spec = spec
        self._machine = build_machine(spec)
        self._names = frozenset(f.name for f in spec.fields)
        # What an answer can invalidate: only fields with a condition or dependencies.
        self._watched = [
            (f, frozenset(f.depends_on)) for f in spec.fields if f.when is not None or f.depends_on
        ]
        # Adding a model binds every trigger to it: done once, not on every event.
        self._walker = _Walker(Draft(flow=spec.id, step=spec.fields[0].name))
        self._machine.add_model(self._walker, initial=spec.fields[0].name)

    def fire(self, draft: Draft, trigger: str, **kwargs: Any) -> bool:
        """Fire a trigger on the draft; True when the step changed."""
        walker = self._walker
        walker.draft = draft
        self._machine.set_state(draft.step, model=walker)
        try:
            moved = bool(walker.trigger(trigger, **kwargs))
            if moved:
                draft.step = walker.state
        finally:
            walker.draft = _IDLE
        return moved

    def advance(self, draft: Draft) -> None:
        """Go on to the next question the founder has not answered yet, or to the summary.

        Each step is a real `next` transition; answered questions (after Back or an edit) are
        passed over, so the founder returns to where they were.
        """
        self.fire(draft, "next")
        while draft.step in self._names and draft.step in draft.answers:
            before = draft.step
            self.fire(draft, "next")
            if draft.step == before:  # a branch holds the founder here (e.g. no consent)
                return

    def applicable(self, answers: Answers) -> list[Field]:
        """The fields asked given these answers, in order."""
        return [f for f in self.spec.fields if applies(f, answers)]

    def set_answer(self, draft: Draft, name: str, value: Any) -> None:
        """Store an accepted answer; clear what depended on it and what no longer applies."""
        changed = draft.answers.get(name, _MISSING) != value
        draft.answers[name] = value
        draft.scratch.pop(name, None)
        draft.revision += 1
        if changed:
            self._invalidate(draft, {name})

    def clear(self, draft: Draft, name: str) -> None:
        """Forget an answer and what depended on it: all are asked again."""
        _forget(draft, name)
        draft.revision += 1
        self._invalidate(draft, {name})

    def _invalidate(self, draft: Draft, changed: set[str]) -> None:
        stale = set(changed)
        for f, depends_on in self._watched:
            if not stale.isdisjoint(depends_on) or not applies(f, draft.answers):
                if f.name in draft.answers or f.name in draft.scratch:
                    _forget(draft, f.name)
                    stale.add(f.name)
                elif not stale.isdisjoint(depends_on):
                    stale.add(f.name)


def _forget(draft: Draft, name: str) -> None:
    """A field's answer, its stamp and what is half-chosen for it, gone."""
    draft.answers.pop(name, None)
    draft.answers.pop(stamp_key(name), None)
    draft.scratch.pop(name, None)


_MISSING = object()
_IDLE = Draft(flow="", step="")
