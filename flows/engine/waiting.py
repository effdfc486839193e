"""A step that waits for a day (`Field.wait`): a minimum period not over yet. Until that day
the step cannot be passed; the founder may ask to be reminded on it, and the draft records
the day (`Draft.remind_on`). The bot's timed event does the reminding (bot.core.reminders);
here is only what the draft says and what the screen offers.

A reminder stands while some step that applies still waits for exactly that day: an answer
changed so that the day moves, or the step no longer applies, drops it (`settle`)."""

from __future__ import annotations

from datetime import date

from flows.engine.draft import Draft
from flows.engine.errors import ValidationFailed
from flows.engine.machine import applies
from flows.engine.outcome import Action, Block, Button
from flows.engine.spec import Context, Field, FlowSpec
from flows.engine.text import N_, Text

ON, OFF = "on", "off"  # Op.REMIND's values: ask for the reminder, cancel it


def waiting_for(field: Field, draft: Draft, ctx: Context) -> date | None:
    """The day this step waits for, when it is still ahead; else None."""
    if field.wait is None:
        return None
    day = field.wait(draft.answers, ctx)
    return day if isinstance(day, date) and day > ctx.today else None


def offer(
    field: Field, draft: Draft, ctx: Context, act: Action
) -> tuple[list[Block], list[Button]]:
    """What a waiting step adds to its screen: the reminder set, or a button to set one."""
    day = waiting_for(field, draft, ctx)
    if day is None:
        return [], []
    shown = {"date": Text.raw(day.isoformat())}
    if draft.remind_on == day.isoformat():
        blocks: list[Block] = [
            Text(
                N_("🔔 I will remind you here on {date}, with a button back to these answers."),
                shown,
            )
        ]
        cancel = Action(act.op, act.flow, act.step, OFF)
        return blocks, [Button(Text(N_("🔕 Cancel the reminder")), cancel)]
    remind = Action(act.op, act.flow, act.step, ON)
    return [], [Button(Text(N_("🔔 Remind me on {date}"), shown), remind)]


def toggle(field: Field, draft: Draft, ctx: Context, value: str) -> Text:
    """Set or cancel the reminder from the step's button; the notice to show. The day is
    computed again here: a button only says on or off."""
    day = waiting_for(field, draft, ctx)
    if day is None:
        raise ValidationFailed(N_("This step is not waiting for a day any more."))
    if value == ON:
        draft.remind_on = day.isoformat()
        draft.revision += 1
        return Text(
            N_(
                "🔔 Reminder set for {date}. Your answers are kept until then; you can leave now "
                "and come back with the button I will send."
            ),
            {"date": Text.raw(day.isoformat())},
        )
    if value == OFF and draft.remind_on:
        draft.remind_on = ""
        draft.revision += 1
        return Text(N_("🔕 Reminder cancelled. Your answers are still kept."))
    raise ValidationFailed(N_("Please tap one of the buttons below."))


def settle(spec: FlowSpec, draft: Draft, ctx: Context) -> bool:
    """Drop a reminder no step waits for any more (its day moved, or the step does not
    apply); whether the draft changed."""
    if not draft.remind_on:
        return False
    for field in spec.fields:
        if field.wait is None or not applies(field, draft.answers):
            continue
        day = field.wait(draft.answers, ctx)
        if isinstance(day, date) and day.isoformat() == draft.remind_on:
            return False
    draft.remind_on = ""
    draft.revision += 1
    return True
