"""Registration guidance, table-driven through the pure conversation (no Redis, no Telegram)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.engine.address import Address
from flows.engine.draft import DONE, SUMMARY, FounderState
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
from flows.engine.text import spellings
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows

T = Address.telegram

POLICY = load_policy_data()
TODAY = date(2026, 11, 28)


def conversation() -> Conversation:
    return Conversation(all_flows(POLICY), POLICY)


def buttons(reply: Reply) -> list[Action]:
    return [b.action for row in reply.buttons for b in row]


def press(conv: Conversation, state: FounderState, op: Op, value: str = "") -> list[Reply]:
    """Tap the button with this op (and value) on the last screen shown."""
    screen = state.__dict__.setdefault("_last", None)
    assert screen is not None, "no screen shown yet"
    matches = [a for a in buttons(screen) if a.op is op and (not value or a.value == value)]
    assert matches, f"no {op} {value!r} button on the screen: {buttons(screen)}"
    return send(conv, state, Event.of_action(matches[0]))


def send(conv: Conversation, state: FounderState, event: Event) -> list[Reply]:
    replies = conv.handle(state, event, now=1.0, today=TODAY)
    with_buttons = [r for r in replies if r.buttons]
    if with_buttons:
        state.__dict__["_last"] = with_buttons[-1]
    return replies


def start(conv: Conversation, state: FounderState) -> None:
    send(conv, state, Event.of_command("start", "registration"))


def answer(conv: Conversation, state: FounderState, step: str | tuple[str, str]) -> list[Reply]:
    if isinstance(step, tuple):
        return (
            press(conv, state, Op.PICK, step[1])
            if step[0] == "pick"
            else press(conv, state, Op(step[0]))
        )
    return send(conv, state, Event.of_text(step))


def draft(state: FounderState):
    return state.drafts["registration"]


CASES = [
    # software firm: staff and revenue asked, assets not
    (
        [
            ("pick", "llc"),
            ("pick", "software_it"),
            "25",
            "400万",
            "浦东",
            ("pick", "leased"),
            ("d", ""),
        ],
        SUMMARY,
        {
            "business_form": "llc",
            "industry": "software_it",
            "staff": 25,
            "revenue": "4000000",
            "district": "pudong",
            "premises": "leased",
            "groups": [],
        },
    ),
    # construction: revenue and assets, no staff
    (
        [
            ("pick", "individual"),
            ("pick", "construction"),
            "¥3,000,000",
            "3500000元",
            "Xuhui",
            ("pick", "none"),
            ("s", ""),
        ],
        SUMMARY,
        {
            "business_form": "individual",
            "industry": "construction",
            "revenue": "3000000",
            "assets": "3500000",
            "district": "xuhui",
            "premises": "none",
            "groups": None,
        },
    ),
    # agriculture: revenue only; old district name mapped
    (
        [("pick", "sole_prop"), ("pick", "agriculture"), "１２万", "南汇"],
        "premises",
        {
            "business_form": "sole_prop",
            "industry": "agriculture",
            "revenue": "120000",
            "district": "pudong",
        },
    ),
    # bad input keeps the step and the answers
    (
        [("pick", "partnership"), ("pick", "retail"), "many", "-3", "12.5"],
        "staff",
        {"business_form": "partnership", "industry": "retail"},
    ),
]


@pytest.mark.parametrize(("steps", "step", "answers"), CASES)
def test_answers_in_step_and_fields_out(steps, step, answers):
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    for s in steps:
        if s == ("d", ""):
            press(conv, state, Op.PICK, "graduate")
            press(conv, state, Op.PICK, "graduate")  # toggled off again
            answer(conv, state, ("d", ""))
            continue
        answer(conv, state, s)
    assert draft(state).step == step
    assert draft(state).answers == answers


def finish(conv: Conversation, state: FounderState) -> list[Reply]:
    start(conv, state)
    for s in [("pick", "llc"), ("pick", "software_it"), "25", "400万", "静安", ("pick", "none")]:
        answer(conv, state, s)
    press(conv, state, Op.PICK, "graduate")
    press(conv, state, Op.DONE)
    return press(conv, state, Op.CONFIRM)


def test_confirm_gives_checklist_and_saves_profile():
    conv, state = conversation(), FounderState(founder=T(1))
    replies = finish(conv, state)
    assert draft(state).step == DONE
    assert state.profile["size"] == "small" and state.profile["groups"] == ["graduate"]
    assert (
        state.prefs.active is None and {"profile", "prefs", "draft:registration"} <= state.changed
    )
    ids = [b.msgid for r in replies for b in r.blocks if hasattr(b, "msgid")]
    assert "✅ Your registration checklist" in ids
    sections = [a for a in buttons(replies[-1]) if a.op is Op.VIEW]
    assert [a.step for a in sections] == [
        "0.0",
        "1.0",
        "2.0",
        "3.0",
        "4.0",
        "5.0",
    ]  # size … licences …
    materials = send(conv, state, Event.of_action(sections[2]))
    texts = repr(materials)
    assert "makerspace" in texts.lower() or "众创空间" in texts  # Art. 34 address for no premises


def test_editing_industry_asks_its_figures_again():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    for s in [("pick", "llc"), ("pick", "software_it"), "25", "400万", "静安", ("pick", "owned")]:
        answer(conv, state, s)
    answer(conv, state, ("s", ""))
    assert draft(state).step == SUMMARY
    press(conv, state, Op.EDIT, "1")
    assert draft(state).step == "industry"
    press(conv, state, Op.PICK, "construction")
    # staff no longer applies; revenue depended on industry: asked again, then assets
    assert draft(state).step == "revenue"
    assert "staff" not in draft(state).answers and "district" in draft(state).answers
    answer(conv, state, "500万")
    answer(conv, state, "600万")
    assert draft(state).step == SUMMARY


@pytest.mark.parametrize(
    "typed", ["Agriculture, forestry, animal husbandry and fishery", "农、林、牧、渔业"]
)
def test_industry_buttons_fit_half_a_phone_row_and_full_names_are_understood(typed):
    """Two to a row: each name on a button is at most 20 characters in English (the
    classification's full name is kept for the checklist), and the full name typed picks it."""
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    answer(conv, state, ("pick", "llc"))
    assert draft(state).step == "industry"
    screen = state.__dict__["_last"]
    shown = [
        spellings(b.label)["en"] for row in screen.buttons for b in row if b.action.op is Op.PICK
    ]
    assert len(shown) == len(POLICY.industries) and max(map(len, shown)) <= 20
    assert "Agriculture" in shown
    answer(conv, state, typed)
    assert draft(state).answers["industry"] == "agriculture" and draft(state).step == "revenue"


def test_back_then_forward_returns_to_where_the_founder_was():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    for s in [("pick", "llc"), ("pick", "retail"), "12", "150万"]:
        answer(conv, state, s)
    assert draft(state).step == "district"
    press(conv, state, Op.BACK)
    press(conv, state, Op.BACK)
    assert draft(state).step == "staff"
    press(conv, state, Op.KEEP)
    assert draft(state).step == "district"  # revenue kept: straight back to the open question


def test_help_cancel_keep_discard():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    answer(conv, state, ("pick", "llc"))
    before = dict(draft(state).answers)
    press(conv, state, Op.HELP)
    assert draft(state).step == "industry" and draft(state).answers == before
    press(conv, state, Op.CANCEL)
    press(conv, state, Op.CONTINUE)
    assert draft(state).step == "industry"
    press(conv, state, Op.CANCEL)
    press(conv, state, Op.CANCEL_KEEP)
    assert state.prefs.active is None and draft(state).answers == before
    send(conv, state, Event.of_command("start"))  # offers to continue
    press(conv, state, Op.OPEN, "registration")
    assert draft(state).step == "industry"
    press(conv, state, Op.CANCEL)
    press(conv, state, Op.DISCARD)
    assert "registration" not in state.drafts


@pytest.mark.parametrize(
    "event",
    [
        Event(EventKind.UNSUPPORTED, what="sticker"),
        Event(EventKind.FILE, file=FileRef("f1", "a.pdf", "application/pdf", 10)),
        Event.of_text("x" * 5000),
        Event.of_text("还没想好"),  # text that names no button, where a button is expected
    ],
)
def test_wrong_kind_of_input_is_explained_and_loses_nothing(event):
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    before = (draft(state).step, dict(draft(state).answers), draft(state).revision)
    replies = send(conv, state, event)
    assert (draft(state).step, draft(state).answers, draft(state).revision) == before
    assert replies and replies[-1].blocks[0].msgid.startswith("⚠️")


def test_stale_button_is_recognised():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    old = state.__dict__["_last"]
    answer(conv, state, ("pick", "llc"))
    stale = next(a for a in buttons(old) if a.op is Op.PICK)
    replies = send(conv, state, Event.of_action(stale))
    assert draft(state).step == "industry" and draft(state).answers == {"business_form": "llc"}
    assert "earlier message" in replies[0].blocks[0].msgid


def test_forged_button_values_are_refused():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    send(conv, state, Event.of_action(Action(Op.PICK, "reg", "0", "evil")))
    send(conv, state, Event.of_action(Action(Op.EDIT, "reg", "0", "99")))
    send(conv, state, Event.of_action(Action(Op.OPEN, value="nope")))
    assert draft(state).step == "business_form" and draft(state).answers == {}


def test_completed_guidance_is_listed_and_can_be_viewed_again():
    conv, state = conversation(), FounderState(founder=T(1))
    finish(conv, state)
    apps = send(conv, state, Event.of_command("apps"))
    assert any(b.msgid == "• {title}: completed" for b in apps[0].blocks)
    replies = press(conv, state, Op.VIEW, "registration")
    assert replies[0].blocks[0].msgid == "✅ Your registration checklist"
    start(conv, state)  # a deep link to a finished flow starts a new draft
    assert draft(state).step == "business_form" and draft(state).answers == {}


@pytest.mark.parametrize(
    ("typed", "left"),
    # (English labels: these pure tests spell labels by their msgids; the bot's speller adds
    # each catalog's, tests/bot/test_typed_labels.py)
    [("🗑 Discard", "discarded"), ("discard", "discarded"), ("Keep for later", "kept"),
     ("keep", "kept"), ("continue answering", "answering"), ("Continue", "answering")],
)  # fmt: skip
def test_a_label_typed_on_the_cancel_question_is_that_button_not_an_answer(typed, left):
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    answer(conv, state, ("pick", "llc"))
    before = dict(draft(state).answers)
    press(conv, state, Op.CANCEL)
    send(conv, state, Event.of_text(typed))
    if left == "discarded":
        assert "registration" not in state.drafts
        return
    assert draft(state).answers == before and draft(state).step == "industry"
    assert state.prefs.active == ("registration" if left == "answering" else None)
    assert "_asked" not in draft(state).scratch  # the question is off the screen


def test_after_the_cancel_question_is_passed_over_typed_text_is_read_as_before():
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    press(conv, state, Op.CANCEL)
    press(conv, state, Op.CONTINUE)
    step = draft(state).step
    send(conv, state, Event.of_text("放弃"))  # no question on screen now: names no option here
    assert "registration" in state.drafts and draft(state).step == step
    assert state.prefs.active == "registration" and not draft(state).answers


@pytest.mark.parametrize("typed", ["Continue", "continue", "▶️ Continue"])
def test_a_label_typed_on_the_offer_to_continue_is_that_button_not_an_answer(typed):
    conv, state = conversation(), FounderState(founder=T(1))
    start(conv, state)
    answer(conv, state, ("pick", "llc"))
    answer(conv, state, ("pick", "software_it"))  # now at a typed step: the number of staff
    before, step = dict(draft(state).answers), draft(state).step
    send(conv, state, Event.of_command("start"))  # offers to continue
    send(conv, state, Event.of_text("25"))  # text at the offer: no answer to the step
    assert draft(state).answers == before and draft(state).step == step
    send(conv, state, Event.of_command("start"))
    send(conv, state, Event.of_text(typed))
    assert state.prefs.active == "registration"
    assert draft(state).answers == before and draft(state).step == step
