"""The engine's notes kind (free text over several messages until Done) and `Field.suggest`
(an answer offered from the profile when the question is shown, never copied into the draft)
on a toy flow: no service is involved."""

from __future__ import annotations

from datetime import date

from flows.engine.draft import SUMMARY
from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.engine.runner import FlowRunner
from flows.engine.spec import Completion, Context, Field, FlowSpec, Kind, Option
from flows.engine.text import Text
from flows.policy.loader import load_policy_data

POLICY = load_policy_data()


def ctx(profile=None) -> Context:
    return Context(policy=POLICY, today=date(2026, 11, 28), profile=profile or {})


def toy() -> FlowSpec:
    return FlowSpec(
        id="toy",
        code="toy",
        title="Toy",
        intro="Toy flow",
        articles=(1,),
        fields=(
            Field("story", "Story?", Kind.NOTES, limits={"max_len": 20, "warn_left": 5}),
            Field("named", "Named?", Kind.CHOICE, (Option("yes", "Yes"), Option("no", "No"))),
            Field(
                "nick",
                "Nickname?",
                Kind.TEXT,
                when=lambda a: a.get("named") == "yes",
                depends_on=("named",),
                suggest=lambda answers, c: c.profile.get("nick"),
            ),
        ),
        complete=lambda answers, c: Completion(blocks=((Text.raw("done"),),)),
    )


def act(runner: FlowRunner, draft, op: Op, value: str = "") -> Event:
    step = str(runner.spec.index(draft.step)) if draft.step != SUMMARY else "s"
    return Event.of_action(Action(op, "toy", step, value))


def texts(result) -> str:
    return repr([b for reply in result.replies for b in reply.blocks])


def test_notes_collect_messages_until_done_and_refuse_past_the_limit_whole():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    assert runner.screen(draft, c).typed
    runner.handle(draft, Event.of_text("abcdefgh"), c)
    result = runner.handle(draft, Event.of_text("ijklmn"), c)  # 8 + 1 + 6 = 15: 5 left
    assert draft.scratch["story"] == ["abcdefgh", "ijklmn"] and "story" not in draft.answers
    assert "Only {left} characters left" in texts(result)
    result = runner.handle(draft, Event.of_text("opqrstu"), c)  # would be 23
    assert "Nothing of it was added" in texts(result)
    assert draft.scratch["story"] == ["abcdefgh", "ijklmn"]
    runner.handle(draft, Event.of_text("done"), c)  # the Done button's name
    assert draft.answers["story"] == "abcdefgh\nijklmn" and draft.step == "named"


def test_notes_start_over_keep_and_empty_done():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    result = runner.handle(draft, act(runner, draft, Op.DONE), c)
    assert draft.step == "story" and "at least one message" in texts(result)
    runner.handle(draft, Event.of_text("first"), c)
    runner.handle(draft, act(runner, draft, Op.DONE), c)
    runner.handle(draft, act(runner, draft, Op.BACK), c)
    screen = runner.screen(draft, c)
    assert Op.KEEP in {b.action.op for row in screen.buttons for b in row}
    runner.handle(draft, Event.of_text("second"), c)  # added to the answer's text ...
    assert draft.scratch["story"] == ["first", "second"] and draft.answers["story"] == "first"
    runner.handle(draft, act(runner, draft, Op.KEEP), c)  # ... until kept unchanged
    assert draft.answers["story"] == "first" and "story" not in draft.scratch
    runner.handle(draft, act(runner, draft, Op.BACK), c)
    runner.handle(draft, act(runner, draft, Op.REMOVE), c)
    assert draft.scratch["story"] == [] and draft.answers["story"] == "first"
    runner.handle(draft, Event.of_text("third"), c)
    runner.handle(draft, act(runner, draft, Op.DONE), c)
    assert draft.answers["story"] == "third"


def test_a_suggestion_is_offered_when_asked_and_never_stored_before():
    runner, c = FlowRunner(toy()), ctx({"nick": "Ah Fu"})
    draft = runner.begin(0, {"nick": "Ah Fu"})
    assert draft.defaults == {}
    runner.handle(draft, Event.of_text("story"), c)
    runner.handle(draft, act(runner, draft, Op.DONE), c)
    assert "Ah Fu" not in repr(draft.to_json())
    runner.handle(draft, act(runner, draft, Op.PICK, "yes"), c)
    assert draft.step == "nick" and "Ah Fu" not in repr(draft.to_json())
    assert "Ah Fu" in repr(runner.screen(draft, c).blocks)
    runner.handle(draft, act(runner, draft, Op.KEEP), c)
    assert draft.answers["nick"] == "Ah Fu" and draft.step == SUMMARY


def test_no_suggestion_no_use_this_button():
    runner, c = FlowRunner(toy()), ctx()
    draft = runner.begin(0)
    runner.handle(draft, Event.of_text("story"), c)
    runner.handle(draft, act(runner, draft, Op.DONE), c)
    runner.handle(draft, act(runner, draft, Op.PICK, "yes"), c)
    ops = {b.action.op for row in runner.screen(draft, c).buttons for b in row}
    assert Op.KEEP not in ops
    runner.handle(draft, act(runner, draft, Op.KEEP), c)
    assert draft.step == "nick"
