"""`Context.roles`: the roles a founder holds (read with their state, `FounderState.roles`)
reach the flow, so a flow can offer commissioner entries to commissioners only."""

from __future__ import annotations

from datetime import date

from flows.engine.address import Address
from flows.engine.draft import FounderState
from flows.engine.events import Event
from flows.engine.spec import Completion, Context, Field, FlowSpec, Kind, Option
from flows.engine.text import Text
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation

POLICY = load_policy_data()
EVERYONE = Option("ask", "Ask a question")
COMMISSIONERS = Option("inspect", "Commissioner: inspect a case")


def entries(answers, ctx: Context) -> tuple[Option, ...]:
    return (EVERYONE, COMMISSIONERS) if "commissioner" in ctx.roles else (EVERYONE,)


def toy() -> FlowSpec:
    return FlowSpec(
        id="desk",
        code="desk",
        title="Desk",
        intro="Desk",
        articles=(1,),
        fields=(Field("entry", "What now?", Kind.CHOICE, choices=entries),),
        complete=lambda answers, ctx: Completion(blocks=((Text("Done"),),)),
    )


def offered(roles: dict[str, dict]) -> list[str]:
    state = FounderState(founder=Address.telegram(7), roles=roles)
    replies = Conversation([toy()], POLICY).handle(
        state, Event.of_command("start", "desk"), 1_796_000_000.0, date(2026, 12, 1), locale="en"
    )
    return [str(b.label.msgid) for r in replies for row in r.buttons for b in row]


def test_only_a_commissioner_is_offered_the_commissioner_entry():
    assert "Commissioner: inspect a case" not in offered({})
    assert "Commissioner: inspect a case" not in offered({"staff": {"agency": "hrss"}})
    with_role = offered({"commissioner": {"by": "telegram:1", "at": 0}})
    assert "Ask a question" in with_role and "Commissioner: inspect a case" in with_role
