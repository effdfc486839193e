"""The engine on a toy flow that uses every input kind and a hand-written branch."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from flows.engine.draft import DONE, SUMMARY
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.machine import build_machine
from flows.engine.outcome import Action, Op
from flows.engine.runner import FlowRunner
from flows.engine.spec import Completion, Context, Field, FlowSpec, Kind, Option
from flows.engine.text import Text
from flows.policy.loader import load_policy_data

CTX = Context(policy=load_policy_data(), today=date(2026, 11, 28))


def toy(branches=()) -> FlowSpec:
    return FlowSpec(
        id="toy",
        code="toy",
        title="Toy",
        intro="Toy flow",
        articles=(1,),
        fields=(
            Field("kind", "Kind?", Kind.CHOICE, (Option("a", "A"), Option("b", "B"))),
            Field("founded", "Founded?", Kind.DATE, limits={"not_future": True}),
            Field("insured", "Insured staff?", Kind.YESNO),
            Field("note", "Note?", Kind.TEXT, optional=True, limits={"max_len": 20}),
            Field(
                "papers",
                "Papers?",
                Kind.FILE,
                when=lambda a: a.get("kind") == "b",
                depends_on=("kind",),
                limits={"max_bytes": 1000},
            ),
            Field("amount", "Amount?", Kind.MONEY),
        ),
        complete=lambda answers, ctx: Completion(blocks=((Text.raw(str(dict(answers))),),)),
        branches=tuple(branches),
    )


def act(runner: FlowRunner, draft, op: Op, value: str = "") -> Action:
    return Action(
        op, "toy", str(runner.spec.index(draft.step)) if draft.step != SUMMARY else "s", value
    )


def test_every_kind_validates_and_stores_json_ready_values():
    runner = FlowRunner(toy())
    draft = runner.begin(0)
    runner.handle(draft, Event.of_action(act(runner, draft, Op.PICK, "b")), CTX)
    for text in ("2026-12-01", "2025年13月1日"):  # future, impossible: both refused
        runner.handle(draft, Event.of_text(text), CTX)
        assert draft.step == "founded"
    runner.handle(draft, Event.of_text("2025年3月15日"), CTX)
    runner.handle(draft, Event.of_text("maybe"), CTX)
    assert draft.step == "insured"
    runner.handle(draft, Event.of_text("是"), CTX)
    runner.handle(draft, Event.of_text("x" * 21), CTX)
    assert draft.step == "note"
    runner.handle(draft, Event.of_action(act(runner, draft, Op.SKIP)), CTX)
    assert draft.step == "papers"
    runner.handle(
        draft, Event.of_action(act(runner, draft, Op.DONE)), CTX
    )  # nothing sent yet: refused
    for bad in (
        FileRef("1", "a.exe", "application/x-msdownload", 10, sniffed=""),
        FileRef("2", "big.pdf", "application/pdf", 5000, sniffed="application/pdf"),
    ):
        result = runner.handle(draft, Event(EventKind.FILE, file=bad), CTX)
        assert result.replies[0].blocks[0].msgid.startswith("⚠️")
    for good in (
        FileRef("3", "licence.pdf", "application/pdf", 900, "u3", "application/pdf", "aa"),
        FileRef("4", "id.jpg", "image/jpeg", 800, "u4", "image/jpeg", "bb"),
    ):
        runner.handle(draft, Event(EventKind.FILE, file=good), CTX)
    runner.handle(draft, Event.of_action(act(runner, draft, Op.DONE)), CTX)
    runner.handle(draft, Event.of_text("¥1.2万"), CTX)
    assert draft.step == SUMMARY
    assert draft.answers == {
        "kind": "b",
        "founded": "2025-03-15",
        "insured": True,
        "note": None,
        "papers": [
            {
                "file_id": "3",
                "name": "licence.pdf",
                "mime": "application/pdf",
                "size": 900,
                "unique": "u3",
                "digest": "aa",
            },
            {
                "file_id": "4",
                "name": "id.jpg",
                "mime": "image/jpeg",
                "size": 800,
                "unique": "u4",
                "digest": "bb",
            },
        ],
        "amount": "12000",
    }
    result = runner.handle(draft, Event.of_action(act(runner, draft, Op.CONFIRM)), CTX)
    assert draft.step == DONE and result.completion is not None


def test_changing_a_choice_drops_the_answers_that_no_longer_apply():
    runner = FlowRunner(toy())
    draft = runner.begin(0)
    draft.answers = {
        "kind": "b",
        "founded": "2025-01-01",
        "insured": False,
        "note": None,
        "papers": [{"file_id": "3"}],
        "amount": "1",
    }
    draft.step = SUMMARY
    runner.handle(draft, Event.of_action(act(runner, draft, Op.EDIT, "0")), CTX)
    runner.handle(draft, Event.of_action(act(runner, draft, Op.PICK, "a")), CTX)
    assert "papers" not in draft.answers and draft.step == SUMMARY


def test_a_hand_written_branch_wins_over_the_generated_order():
    skip_to_amount = {
        "trigger": "next",
        "source": "kind",
        "dest": "amount",
        "conditions": [lambda event: event.model.draft.answers.get("kind") == "a"],
    }
    runner = FlowRunner(toy([skip_to_amount]))
    draft = runner.begin(0)
    runner.handle(draft, Event.of_action(act(runner, draft, Op.PICK, "a")), CTX)
    assert draft.step == "amount"
    other = runner.begin(0)
    runner.handle(other, Event.of_action(act(runner, other, Op.PICK, "b")), CTX)
    assert other.step == "founded"


def test_specs_that_cannot_work_are_refused():
    spec = toy()
    conditional_first = replace(spec, fields=(spec.field("papers"), spec.field("kind")))
    with pytest.raises(ValueError, match="first field"):
        build_machine(conditional_first)
    depends_on_later = replace(
        spec, fields=(spec.field("kind"), spec.field("amount"), spec.field("papers"))
    )
    build_machine(depends_on_later)  # depends on an earlier field: fine
    no_deps = Field("x", "X?", Kind.TEXT, when=lambda a: True)
    with pytest.raises(ValueError, match="depends_on"):
        build_machine(replace(spec, fields=(spec.field("kind"), no_deps)))
