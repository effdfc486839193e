"""Answering an office's question through the pure conversation: opened from the status message
or My applications, never from the menu; the answer becomes a supplement numbered after its
case, and the case stops waiting."""

from __future__ import annotations

import pytest
from test_subsidy_flow import Founder

from flows.engine.address import Address
from flows.engine.draft import SUMMARY, FounderState
from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.services.supplement import CASE
from flows.shell.menu import applications

T = Address.telegram

CASE_REF = "SUB-20261120-AB12CD"
QUESTION = "请补充租赁合同第2页。"


def waiting(status: str = "more_info", **extra: object) -> FounderState:
    """A founder whose submitted application is in `status`, with the office's question."""
    entry = {
        "reference": CASE_REF,
        "flow": "subsidy",
        "programme": "rent_subsidy",
        "office": "district_hrss",
        "district": "xuhui",
        "status": status,
        "submitted_at": 1.0,
        "question": QUESTION,
        **extra,
    }
    return FounderState(founder=T(9), applications=[entry])


def actions(f: Founder) -> list[tuple[Op, str]]:
    assert f.screen is not None
    return [(b.action.op, b.action.value) for row in f.screen.buttons for b in row]


def test_the_answer_is_a_supplement_numbered_after_its_case():
    f = Founder(waiting())
    f.send(Event.of_command("apps"))
    assert (Op.SUPPLY, CASE_REF) in actions(f)
    shown = f.text_of(f.tap(Op.SUPPLY, CASE_REF))
    assert QUESTION in shown and CASE_REF in shown
    assert f.state.prefs.active == "supplement"

    f.type("  第2页已补拍，见附件。 ")
    f.upload("lease-p2.pdf")
    f.upload("lease-p2.pdf")  # the same file twice is kept once
    f.tap(Op.DONE)
    assert f.state.drafts["supplement"].step == SUMMARY
    f.tap(Op.CONFIRM)

    [new] = f.state.new_submissions
    assert new.reference == f"{CASE_REF}-S1" and new.parent == CASE_REF
    assert (new.office, new.district, new.programme) == ("district_hrss", "xuhui", "rent_subsidy")
    assert new.answers == {"question": QUESTION, "answer": "第2页已补拍，见附件。"}
    assert [a["name"] for a in new.attachments] == ["lease-p2.pdf"]
    assert "supplement" not in f.state.drafts
    case = f.state.applications[0]
    assert case["status"] == "supplied" and "question" not in case
    assert f.state.applications[1]["parent"] == CASE_REF
    assert f"{CASE_REF}-S1" in f.text_of(f.replies)


def test_a_second_question_gets_a_second_number():
    earlier = {
        "reference": f"{CASE_REF}-S1",
        "flow": "supplement",
        "programme": "rent_subsidy",
        "status": "delivered",
        "parent": CASE_REF,
        "submitted_at": 2.0,
    }
    f = Founder(waiting())
    f.state.applications.append(earlier)
    f.send(Event.of_command("apps"))
    f.tap(Op.SUPPLY, CASE_REF)
    f.type("已补充。")
    f.tap(Op.SKIP)
    f.tap(Op.CONFIRM)
    assert f.state.new_submissions[0].reference == f"{CASE_REF}-S2"
    assert f.state.new_submissions[0].attachments == []


def test_a_question_about_a_complaint_does_not_call_it_an_application():
    """The same screens serve every kind of case: they name it by its reference, not by kind."""
    f = Founder(waiting(flow="complaint", programme=None))
    shown = f.text_of(f.send(Event.of_action(Action(Op.SUPPLY, value=CASE_REF))))
    assert QUESTION in shown and CASE_REF in shown and "application" not in shown.lower()
    f.state.applications[0]["status"] = "accepted"
    shown = f.text_of(f.send(Event.of_action(Action(Op.SUPPLY, value=CASE_REF))))
    assert "{reference} is not waiting" in shown  # not "Application {reference} is not waiting"


@pytest.mark.parametrize("status", ["submitted", "delivered", "accepted", "supplied", "resolved"])
def test_an_application_not_waiting_cannot_be_answered(status):
    f = Founder(waiting(status))
    f.send(Event.of_command("apps"))
    assert (Op.SUPPLY, CASE_REF) not in actions(f)
    shown = f.text_of(f.send(Event.of_action(Action(Op.SUPPLY, value=CASE_REF))))
    assert "not waiting" in shown
    assert "supplement" not in f.state.drafts and not f.state.new_submissions


def test_a_stale_draft_answer_to_an_older_question_is_replaced():
    f = Founder(waiting())
    f.send(Event.of_command("apps"))
    f.tap(Op.SUPPLY, CASE_REF)
    f.type("旧的回答")
    f.tap(Op.CANCEL)
    f.tap(Op.CANCEL_KEEP)
    assert f.state.drafts["supplement"].answers["answer"] == "旧的回答"
    # The office asks again with a new question before the founder sends the old answer.
    f.state.applications[0]["question"] = "还需要法定代表人身份证。"
    f.send(Event.of_command("apps"))
    f.tap(Op.SUPPLY, CASE_REF)
    draft = f.state.drafts["supplement"]
    assert "answer" not in draft.answers
    assert draft.answers[CASE]["question"] == "还需要法定代表人身份证。"


def test_leaving_and_coming_back_continues_the_answer():
    f = Founder(waiting())
    f.send(Event.of_command("apps"))
    f.tap(Op.SUPPLY, CASE_REF)
    f.type("先写一半")
    f.send(Event.of_command("menu"))
    f.send(Event.of_command("apps"))
    shown = f.text_of(f.tap(Op.SUPPLY, CASE_REF))
    assert "Continuing where you stopped" in shown
    assert f.state.drafts["supplement"].step == "documents"


def test_the_answer_flow_is_not_on_the_menu_nor_a_deep_link():
    f = Founder(FounderState(founder=T(9)))
    f.send(Event.of_command("start"))
    assert all(value != "supplement" for _, value in actions(f))
    f.send(Event.of_command("start", "supplement"))
    assert "supplement" not in f.state.drafts and f.state.prefs.active is None


def test_my_applications_lists_supplements_under_their_case():
    other = {"reference": "SUB-20261121-ZZZZZZ", "programme": "startup_loan", "status": "submitted"}
    supplement = {"reference": f"{CASE_REF}-S1", "parent": CASE_REF, "status": "delivered"}
    state = waiting("supplied")
    state.applications += [other, supplement]
    f = Founder(state)
    lines = [b for b in applications(state, f.conv.runners, f.conv.policy).blocks]
    references = [getattr(b, "params", {}).get("reference") for b in lines]
    assert references[1:] == [CASE_REF, f"{CASE_REF}-S1", "SUB-20261121-ZZZZZZ"]


def half_answered(*, with_file: bool = True) -> Founder:
    """A founder who began answering the office (text, and a PDF), left, and sent /start."""
    f = Founder(waiting())
    f.send(Event.of_command("apps"))
    f.tap(Op.SUPPLY, CASE_REF)
    f.type("先写一半")
    if with_file:
        f.upload("lease-p2.pdf")
    f.send(Event.of_command("start"))
    return f


def test_start_over_at_the_offer_restarts_the_answer_to_the_same_case():
    """🔄 Start over on an unfinished answer begins that answer again, for that case; it is
    never refused as a stale button with the typed answer dropped (found walking by hand)."""
    f = half_answered()
    assert "Welcome back" in f.text_of(f.replies)
    shown = f.text_of(f.tap(Op.RESTART, "supplement"))
    assert "earlier message" not in shown
    assert QUESTION in shown and CASE_REF in shown
    draft = f.state.drafts["supplement"]
    assert draft.step == "answer" and "answer" not in draft.answers
    assert draft.answers[CASE]["reference"] == CASE_REF
    assert f.state.prefs.active == "supplement"
    f.type("重新写的回答")
    f.tap(Op.SKIP)
    f.tap(Op.CONFIRM)
    [new] = f.state.new_submissions
    assert new.reference == f"{CASE_REF}-S1" and new.answers["answer"] == "重新写的回答"


def test_continue_at_the_offer_continues_the_answer():
    f = half_answered()
    shown = f.text_of(f.tap(Op.OPEN, "supplement"))
    assert "Continuing where you stopped" in shown
    draft = f.state.drafts["supplement"]
    assert draft.answers["answer"] == "先写一半" and draft.step == "documents"
    assert [d["name"] for d in draft.scratch.get("documents", [])] == ["lease-p2.pdf"]


def test_start_over_once_the_case_no_longer_waits_keeps_the_answer():
    """The office withdrew its question: Start over cannot begin a new answer, and the one
    written is not dropped for it."""
    f = half_answered(with_file=False)
    f.state.applications[0]["status"] = "approved"
    shown = f.text_of(f.tap(Op.RESTART, "supplement"))
    assert "not waiting" in shown
    assert f.state.drafts["supplement"].answers["answer"] == "先写一半"
