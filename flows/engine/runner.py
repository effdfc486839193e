"""Applies one founder event to a draft of one flow and says what to show next."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from flows.engine import files, notes
from flows.engine.answers import expected, parse_answer
from flows.engine.districts import by_code
from flows.engine.draft import SUMMARY, Draft
from flows.engine.errors import NeedsConfirmation, ValidationFailed
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.labels import named_exactly, quoted, tapped, typed_button
from flows.engine.machine import FlowMachine
from flows.engine.outcome import Action, Op, Reply
from flows.engine.progress import position, recount
from flows.engine.screens import (
    cancel_question,
    has_suggestion,
    multi_update,
    pending_key,
    question,
    refusal,
    step_help,
    suggested,
    summary,
)
from flows.engine.spec import BUTTON_KINDS, Completion, Context, Field, FlowSpec, Kind, stamp_key
from flows.engine.text import N_, Text
from flows.engine.waiting import settle, toggle


@dataclass
class StepResult:
    """Replies to send; `saved` when the draft changed; `completion` when the flow just ended;
    `leave` is 'keep' or 'discard' when the founder left the flow; `tap` a button outside the
    flow (🏠 Menu) whose label the founder typed, for the caller to act on."""

    replies: list[Reply] = field(default_factory=list)
    saved: bool = False
    completion: Completion | None = None
    leave: str = ""
    tap: Action | None = None


# In a draft's scratch while the Cancel question is on screen instead of the step's: typed text
# is read against that question's buttons first ("放弃", "Keep for later"), not as an answer.
ASKED = "_asked"


class FlowRunner:
    """Pure: reads and changes the draft it is given; saving and sending are the caller's."""

    def __init__(self, spec: FlowSpec) -> None:
        self.spec = spec
        self.machine = FlowMachine(spec)

    def begin(self, now: float, profile: Mapping[str, Any] | None = None) -> Draft:
        """A new draft at the flow's first question, with defaults pre-filled from the profile."""
        defaults = self.spec.prefill(profile or {}) if self.spec.prefill else {}
        return Draft(
            flow=self.spec.id,
            step=self.spec.fields[0].name,
            defaults=defaults,
            created_at=now,
            updated_at=now,
        )

    def reopen(self, draft: Draft, name: str) -> None:
        """Take a draft (finished or not) back to question `name`, its answer and those that
        depended on it cleared; the other answers are kept and not asked again."""
        self.machine.clear(draft, name)
        draft.step = name

    def screen(self, draft: Draft, ctx: Context, notice: Text | None = None) -> Reply:
        """The screen for where the draft stands now."""
        if draft.step == SUMMARY:
            return summary(self.machine, draft, ctx, notice=notice)
        return question(self.machine, draft, ctx, notice=notice)

    def handle(self, draft: Draft, event: Event, ctx: Context) -> StepResult:
        asked = draft.scratch.pop(ASKED, None)
        if asked is not None and event.kind is EventKind.TEXT:
            named = typed_button(cancel_question(self.spec, draft), event.text, ctx.spell).action
            event = Event.of_action(named) if named is not None else event
        result = self._guarded(draft, event, ctx)
        if settle(self.spec, draft, ctx):  # the day a reminder was asked for moved or went
            result.saved = True
        if asked is not None and ASKED not in draft.scratch and not result.saved:
            draft.revision += 1  # the question answered (or passed over) is no longer on screen
            result.saved = True
        return result

    def _guarded(self, draft: Draft, event: Event, ctx: Context) -> StepResult:
        try:
            return self._handle(draft, event, ctx)
        except NeedsConfirmation as unusual:
            draft.scratch[pending_key(self.spec.field(draft.step))] = unusual.value
            draft.revision += 1
            notice = refusal(unusual.msgid, unusual.params)
            return StepResult([self.screen(draft, ctx, notice)], saved=True)
        except ValidationFailed as refused:
            return StepResult([self.screen(draft, ctx, refusal(refused.msgid, refused.params))])

    def _handle(self, draft: Draft, event: Event, ctx: Context) -> StepResult:
        if event.kind is EventKind.TEXT:
            typed = self._typed(draft, event.text, ctx)
            if typed is not None and not typed.flow:
                return StepResult(tap=typed)
            if typed is not None:
                event = Event.of_action(typed)
        action = event.action
        if action is not None:
            if action.op is Op.HELP:
                return StepResult([step_help(self.machine, draft), self.screen(draft, ctx)])
            if action.op is Op.CANCEL:
                draft.scratch[ASKED] = "cancel"
                draft.revision += 1
                return StepResult([cancel_question(self.spec, draft)], saved=True)
            if action.op in (Op.CANCEL_KEEP, Op.DISCARD):
                return StepResult(leave="keep" if action.op is Op.CANCEL_KEEP else "discard")
            if action.op is Op.CONTINUE:
                return StepResult([self.screen(draft, ctx)])
            if action.op is Op.BACK:
                if not self.machine.fire(draft, "back"):
                    raise ValidationFailed(
                        N_("This is the first question. Tap ✖️ Cancel or 🏠 Menu to leave.")
                    )
                return self._moved(draft, ctx)
        if draft.step == SUMMARY:
            return self._at_summary(draft, event, ctx)
        return self._at_field(draft, self.spec.field(draft.step), event, ctx)

    def _typed(self, draft: Draft, text: str, ctx: Context) -> Action | None:
        """The button whose label the founder typed, where the screen asks for a tap."""
        screen = self.screen(draft, ctx)
        return None if screen.typed else tapped(screen, text, ctx.spell)

    def _moved(self, draft: Draft, ctx: Context) -> StepResult:
        draft.revision += 1
        return StepResult([self.screen(draft, ctx)], saved=True)

    def _at_summary(self, draft: Draft, event: Event, ctx: Context) -> StepResult:
        action = event.action
        if action is not None and action.op is Op.EDIT and action.value.isdigit():
            index = int(action.value)
            target = self.spec.fields[index].name if index < len(self.spec.fields) else ""
            if target and self.machine.fire(draft, "edit", target=target):
                return self._moved(draft, ctx)
        if action is not None and action.op is Op.CONFIRM and self.machine.fire(draft, "confirm"):
            draft.revision += 1
            completion = self.spec.complete(draft.answers, ctx)
            return StepResult(saved=True, completion=completion)
        raise ValidationFailed(
            N_("Tap ✅ Confirm if everything is right, or tap an answer to change it.")
        )

    def _at_field(self, draft: Draft, field: Field, event: Event, ctx: Context) -> StepResult:
        action = event.action
        if event.kind is EventKind.TEXT and field.free and field.kind is Kind.CHOICE:
            return self._accept(draft, field, parse_answer(field, event.text, ctx), ctx)
        if event.kind is EventKind.TEXT and field.kind in BUTTON_KINDS:
            raise ValidationFailed(
                N_("“{typed}” is not one of the options. Tap one below, or type its name."),
                typed=quoted(event.text),
            )
        if event.kind is EventKind.TEXT and field.kind is Kind.NOTES:
            named = named_exactly(self.screen(draft, ctx), event.text, ctx.spell)
            if named is not None:  # "done", "返回": a button's name, not a part of the text
                return self._handle(draft, Event.of_action(named), ctx)
            notice = notes.add(draft, field, event.text)
            return StepResult([self.screen(draft, ctx, notice)], saved=True)
        if event.kind is EventKind.TEXT and field.optional:  # "Skip" typed is no answer
            named = named_exactly(self.screen(draft, ctx), event.text, ctx.spell)
            if named is not None and named.op is Op.SKIP:
                return self._handle(draft, Event.of_action(named), ctx)
        if event.kind is EventKind.TEXT:
            try:
                value = parse_answer(field, event.text, ctx)
            except ValidationFailed:  # not an answer: perhaps a button's name ("keep", "返回")
                named = named_exactly(self.screen(draft, ctx), event.text, ctx.spell)
                if named is None:
                    raise
                return self._handle(draft, Event.of_action(named), ctx)
            return self._accept(draft, field, value, ctx)
        if event.kind is EventKind.FILE and event.file is not None:
            if field.kind is Kind.FILE:
                return self._file(draft, field, event.file, ctx)
            raise ValidationFailed(
                N_("A file isn't needed here. {expected}"), expected=Text(expected(field))
            )
        if event.kind is EventKind.UNSUPPORTED:
            raise ValidationFailed(
                N_("I can't read that kind of message here. {expected}"),
                expected=Text(expected(field)),
            )
        if action is None:
            raise ValidationFailed(expected(field))
        if action.op is Op.PICK:
            return self._pick(draft, field, action.value, ctx)
        if action.op is Op.REMIND:
            notice = toggle(field, draft, ctx, action.value)
            return StepResult([self.screen(draft, ctx, notice)], saved=True)
        if action.op is Op.DONE and field.kind in (Kind.MULTI, Kind.FILE):
            return self._done(draft, field, ctx)
        if action.op is Op.DONE and field.kind is Kind.NOTES:
            return self._accept(draft, field, notes.done(draft, field), ctx)
        if action.op is Op.REMOVE and field.kind is Kind.FILE:
            return self._remove(draft, field, action.value, ctx)
        if action.op is Op.REMOVE and field.kind is Kind.NOTES:
            notice = notes.start_over(draft, field)
            return StepResult([self.screen(draft, ctx, notice)], saved=True)
        if action.op is Op.SKIP and field.optional:
            return self._accept(draft, field, None, ctx)
        if action.op is Op.ACCEPT and pending_key(field) in draft.scratch:
            pending = draft.scratch.pop(pending_key(field))
            return self._accept(draft, field, pending, ctx, confirmed=True)
        if action.op is Op.KEEP and field.name in draft.answers:
            if field.kind is Kind.NOTES:
                draft.scratch.pop(field.name, None)
            self.machine.advance(draft)
            return self._moved(draft, ctx)
        if action.op is Op.KEEP and has_suggestion(offered := suggested(field, draft, ctx)):
            return self._accept(draft, field, offered, ctx)
        raise ValidationFailed(expected(field))

    def _done(self, draft: Draft, field: Field, ctx: Context) -> StepResult:
        chosen = draft.scratch.get(field.name, draft.answers.get(field.name) or [])
        if field.kind is Kind.MULTI:
            if not chosen and not field.optional:
                raise ValidationFailed(N_("Please choose at least one option."))
            return self._accept(
                draft,
                field,
                [o.value for o in field.offered(draft.answers, ctx) if o.value in chosen],
                ctx,
            )
        if not chosen and not field.optional:
            raise ValidationFailed(
                N_("Please send at least one file, or tap 📎 Upload later to come back to it.")
            )
        return self._accept(draft, field, list(chosen), ctx)

    def _pick(self, draft: Draft, field: Field, value: str, ctx: Context) -> StepResult:
        if field.kind is Kind.CHOICE and field.option(value, draft.answers, ctx):
            return self._accept(draft, field, value, ctx)
        if field.kind is Kind.YESNO and value in ("yes", "no"):
            return self._accept(draft, field, value == "yes", ctx)
        if field.kind is Kind.DISTRICT and by_code(value):
            return self._accept(draft, field, value, ctx)
        if field.kind is Kind.MULTI and field.option(value, draft.answers, ctx):
            chosen = list(draft.scratch.get(field.name, draft.answers.get(field.name) or []))
            chosen.remove(value) if value in chosen else chosen.append(value)
            draft.scratch[field.name] = chosen
            draft.revision += 1
            return StepResult([multi_update(self.machine, draft, ctx)], saved=True)
        raise ValidationFailed(expected(field))

    def _file(self, draft: Draft, field: Field, file: FileRef, ctx: Context) -> StepResult:
        notice, changed = files.add(self.machine, draft, field, file)
        return StepResult([self.screen(draft, ctx, notice)], saved=changed)

    def _remove(self, draft: Draft, field: Field, key: str, ctx: Context) -> StepResult:
        notice = files.remove(self.machine, draft, field, key)
        return StepResult([replace(self.screen(draft, ctx, notice), replace=True)], saved=True)

    def _accept(
        self, draft: Draft, field: Field, value: object, ctx: Context, *, confirmed: bool = False
    ) -> StepResult:
        """Store an accepted answer and go on. A check asking for confirmation is not asked
        again for the answer the founder `confirmed` (✅ Use it anyway)."""
        if field.check is not None and value is not None:
            try:
                field.check(value, draft.answers)
            except NeedsConfirmation:
                if not confirmed:
                    raise
        before = position(self.spec, draft.answers, field.name)
        draft.scratch.pop(pending_key(field), None)
        self.machine.set_answer(draft, field.name, value)
        if field.stamped:
            moment = dt.datetime.fromtimestamp(ctx.now, dt.UTC)
            draft.answers[stamp_key(field.name)] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.machine.advance(draft)
        return StepResult([self.screen(draft, ctx, recount(self.spec, before, draft))], saved=True)
