"""The engine's waiting steps (`Field.wait`: a reminder on the day, `Draft.remind_on`),
choices that also take typed text (`Field.free`), answers that record their moment
(`Field.stamped`) and checks that ask for confirmation once (✅ Use it anyway), on a toy flow."""

from __future__ import annotations

from datetime import date

from flows.engine.draft import SUMMARY
from flows.engine.errors import NeedsConfirmation
from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.engine.runner import FlowRunner
from flows.engine.spec import Completion, Context, Field, FlowSpec, Kind, Option
from flows.engine.text import Text
from flows.policy.loader import load_policy_data

POLICY = load_policy_data()
GO = (Option("go", "Go on"),)


def ctx(today: date = date(2026, 12, 1), now: float = 1_796_000_000.0) -> Context:
    return Context(policy=POLICY, today=today, now=now)


def opens_on(answers, c=None) -> date | None:
    value = answers.get("start")
    return date.fromisoformat(value) if value else None


def not_before_start(value, answers) -> None:
    if value < answers.get("start", ""):
        raise NeedsConfirmation(value, "Before the start: sure?")


def toy() -> FlowSpec:
    return FlowSpec(
        id="toy",
        code="toy",
        title="Toy",
        intro="Toy flow",
        articles=(1,),
        fields=(
            Field("start", "From when?", Kind.DATE),
            Field(
                "gate",
                "Go on?",
                Kind.CHOICE,
                choices=lambda a, c: () if (opens_on(a) or c.today) > c.today else GO,
                wait=opens_on,
                depends_on=("start",),
                reviewed=False,
            ),
            Field(
                "who",
                "Who?",
                Kind.CHOICE,
                (Option("samr", "Market regulation", ("市监局",)), Option("tax", "Tax bureau")),
                free=True,
                limits={"max_len": 10},
            ),
            Field("since", "Since?", Kind.DATE, check=not_before_start),
            Field(
                "sign",
                "Sign?",
                Kind.CHOICE,
                (Option("yes", "I sign"),),
                stamped=True,
                depends_on=("who",),
            ),
        ),
        complete=lambda answers, c: Completion(blocks=((Text.raw("done"),),)),
    )


def act(runner: FlowRunner, draft, op: Op, value: str = "") -> Event:
    step = str(runner.spec.index(draft.step)) if draft.step != SUMMARY else "s"
    return Event.of_action(Action(op, "toy", step, value))


def buttons(reply) -> dict[str, Action]:
    return {b.label.msgid: b.action for row in reply.buttons for b in row}


def test_a_step_waiting_for_a_day_offers_a_reminder_and_no_way_on():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    runner.handle(draft, Event.of_text("2027-03-15"), c)
    assert draft.step == "gate"
    shown = buttons(runner.screen(draft, c))
    assert "Go on" not in shown
    remind = shown["🔔 Remind me on {date}"]
    assert remind.op is Op.REMIND and remind.value == "on"
    result = runner.handle(draft, Event.of_action(remind), c)
    assert result.saved and draft.remind_on == "2027-03-15"
    shown = buttons(result.replies[0])
    assert "🔕 Cancel the reminder" in shown and "🔔 Remind me on {date}" not in shown
    result = runner.handle(draft, Event.of_action(shown["🔕 Cancel the reminder"]), c)
    assert result.saved and draft.remind_on == ""


def test_the_reminder_day_comes_from_the_answers_not_the_button():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    runner.handle(draft, Event.of_text("2027-03-15"), c)
    runner.handle(draft, act(runner, draft, Op.REMIND, "on"), c)
    assert draft.remind_on == "2027-03-15"
    forged = act(runner, draft, Op.REMIND, "2030-01-01")
    result = runner.handle(draft, forged, c)
    assert not result.saved and draft.remind_on == "2027-03-15"


def test_changing_the_answer_the_day_came_from_drops_the_reminder():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    runner.handle(draft, Event.of_text("2027-03-15"), c)
    runner.handle(draft, act(runner, draft, Op.REMIND, "on"), c)
    runner.handle(draft, act(runner, draft, Op.BACK), c)
    assert draft.remind_on == "2027-03-15"  # going back alone changes nothing
    result = runner.handle(draft, Event.of_text("2027-04-01"), c)
    assert result.saved and draft.remind_on == ""
    assert "🔔 Remind me on {date}" in buttons(result.replies[0])


def test_a_day_that_has_come_opens_the_step_and_offers_no_reminder():
    runner = FlowRunner(toy())
    draft = runner.begin(0)
    runner.handle(draft, Event.of_text("2026-11-30"), ctx())
    shown = buttons(runner.screen(draft, ctx()))
    assert "Go on" in shown and not any(a.op is Op.REMIND for a in shown.values())
    result = runner.handle(draft, act(runner, draft, Op.REMIND, "on"), ctx())
    assert draft.remind_on == "" and "not waiting" in repr(result.replies)


def test_a_free_choice_takes_a_tap_a_typed_label_or_any_other_name():
    runner, c = FlowRunner(toy()), ctx()
    for typed, stored in (
        ("市监局", "samr"),
        ("Tax bureau", "tax"),
        ("浦东新区某某局", "浦东新区某某局"),
    ):
        draft = runner.begin(0)
        draft.answers.update(start="2026-01-01", gate="go")
        draft.step = "who"
        runner.handle(draft, Event.of_text(typed), c)
        assert draft.answers["who"] == stored and draft.step == "since"
    draft.step = "who"
    result = runner.handle(draft, Event.of_text("x" * 11), c)
    assert draft.answers["who"] == "浦东新区某某局" and "⚠️" in repr(result.replies)


def test_a_check_asks_for_confirmation_once_and_the_confirmed_answer_is_kept():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    draft.answers.update(start="2026-06-01", gate="go", who="tax")
    draft.step = "since"
    result = runner.handle(draft, Event.of_text("2026-01-01"), c)
    assert "since" not in draft.answers and "Before the start" in repr(result.replies)
    runner.handle(draft, act(runner, draft, Op.ACCEPT), c)
    assert draft.answers["since"] == "2026-01-01" and draft.step == "sign"


def test_a_stamped_answer_records_its_moment_and_loses_it_with_the_answer():
    runner = FlowRunner(toy())
    draft = runner.begin(0)
    draft.answers.update(start="2026-06-01", gate="go", who="tax", since="2026-07-01")
    draft.step = "sign"
    runner.handle(draft, act(runner, draft, Op.PICK, "yes"), ctx(now=1_796_000_000.0))
    assert draft.answers["sign_at"] == "2026-11-30T00:53:20Z"
    runner.machine.set_answer(draft, "since", "2026-08-01")  # sign does not depend on it
    assert "sign_at" in draft.answers
    runner.machine.set_answer(draft, "who", "samr")  # signed on another answer: asked again
    assert "sign" not in draft.answers and "sign_at" not in draft.answers
