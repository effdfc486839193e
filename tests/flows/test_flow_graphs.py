"""Graph checks on every flow: each step reachable, back/cancel/help/menu on every non-final
screen, callback data short enough, and the committed diagrams up to date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.engine.draft import DONE, SUMMARY, Draft
from flows.engine.machine import build_machine
from flows.engine.outcome import Op
from flows.engine.runner import FlowRunner
from flows.engine.spec import Context
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows

ROOT = Path(__file__).resolve().parents[2]
POLICY = load_policy_data()
FLOWS = all_flows(POLICY)
CTX = Context(policy=POLICY, today=date(2026, 11, 28))


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_every_step_is_reachable(spec):
    machine = build_machine(spec)
    seen, todo = {spec.fields[0].name}, [spec.fields[0].name]
    while todo:
        state = todo.pop()
        for event in machine.events.values():
            for transition in event.transitions.get(state, []):
                if transition.dest not in seen:
                    seen.add(transition.dest)
                    todo.append(transition.dest)
    assert seen == {f.name for f in spec.fields} | {SUMMARY, DONE}


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_every_screen_has_a_way_back_cancel_help_and_menu(spec):
    runner = FlowRunner(spec)
    for step in [f.name for f in spec.fields] + [SUMMARY]:
        screen = runner.screen(Draft(flow=spec.id, step=step), CTX)
        ops = {b.action.op for row in screen.buttons for b in row}
        assert {Op.CANCEL, Op.HELP, Op.MENU} <= ops, step
        if step != spec.fields[0].name:
            assert Op.BACK in ops, step


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_callback_data_fits_telegram(spec):
    for f in spec.fields:
        for option in f.options:
            packed = f"a:p:{spec.code}:{spec.index(f.name)}:{option.value}"
            assert len(packed.encode()) <= 64 and ":" not in option.value


@pytest.mark.parametrize("spec", FLOWS, ids=lambda s: s.id)
def test_committed_diagram_is_up_to_date(spec):
    from bot.diagrams import document

    path = ROOT / "docs" / "flows" / f"{spec.id}.md"
    assert path.exists(), "run `make diagrams`"
    assert path.read_text(encoding="utf-8") == document(spec), (
        "diagram out of date: run `make diagrams`"
    )
