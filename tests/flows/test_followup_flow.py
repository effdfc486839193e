"""The founder's part of a complaint's closed loop through the pure conversation: supervision
(督办) is offered only when the case is past its deadline, a rating only after the office's
last word; each becomes a supplement of the case, sent to the chosen department or the office,
with the status its delivery records."""

from __future__ import annotations

from dataclasses import replace

import pytest
from founder_chat import FLOWS, POLICY, RENDERER, Chat

from flows.engine.address import Address
from flows.engine.draft import FounderState
from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.services.complaint.lifecycle import COMPLAINT
from flows.services.followup import CASE_STATUS
from flows.shell.conversation import Conversation

CASE_REF = "SUB-20261201-CMPL01"
# A stand-in for the complaint service (its conversation comes separately): its lifecycle.
COMPLAINTS = replace(
    next(s for s in FLOWS if s.id == "subsidy"),
    id="complaint",
    code="cmp",
    lifecycle=COMPLAINT,
    listed=False,
)


def founder(status: str, locale: str = "en") -> Chat:
    chat = Chat(locale, FounderState(founder=Address.telegram(9)))
    chat.conv = Conversation([*FLOWS, COMPLAINTS], POLICY, spell=RENDERER.spellings)
    chat.state.applications = [
        {
            "reference": CASE_REF,
            "flow": "complaint",
            "programme": "",
            "office": "district_sme_service_centre",
            "district": "xuhui",
            "status": status,
            "submitted_at": 1.0,
        }
    ]
    return chat


def ops(chat: Chat) -> list[Op]:
    return [a.op for a in chat.actions()]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_an_overdue_complaint_offers_supervision_and_sends_it_with_the_case(locale):
    chat = founder("overdue", locale)
    chat.command("apps")
    assert Op.ESCALATE in ops(chat) and Op.RATE not in ops(chat)
    chat.tap(Op.ESCALATE, CASE_REF)
    assert chat.state.prefs.active == "escalation"
    chat.tap(Op.PICK, "municipal_commission")
    chat.type("两周没有回音。" if locale == "zh_CN" else "No answer for two weeks.")
    chat.tap(Op.CONFIRM)
    (sent,) = chat.state.new_submissions
    assert (sent.parent, sent.reference, sent.office) == (
        CASE_REF,
        f"{CASE_REF}-S1",
        "municipal_commission",  # the coordinating department receives it, with the case
    )
    assert sent.answers["purpose"] == "escalation"
    assert CASE_STATUS[sent.answers["purpose"]] == "escalated"
    assert CASE_REF in chat.text


@pytest.mark.parametrize("status", ["closed", "rejected"])
def test_a_complaint_the_office_finished_can_be_rated_once(status):
    chat = founder(status)
    chat.command("apps")
    assert Op.RATE in ops(chat) and Op.ESCALATE not in ops(chat)
    chat.tap(Op.RATE, CASE_REF)
    chat.tap(Op.PICK, "dissatisfied")
    chat.tap(Op.SKIP)
    chat.tap(Op.CONFIRM)
    (sent,) = chat.state.new_submissions
    assert sent.office == "district_sme_service_centre"
    assert (sent.answers["purpose"], sent.answers["verdict"]) == ("rating", "dissatisfied")
    assert COMPLAINT.allowed(status, CASE_STATUS["rating"], "founder")


@pytest.mark.parametrize("status", ["delivered", "accepted", "transferred", "rated"])
def test_neither_is_possible_in_other_statuses_even_with_a_forged_button(status):
    chat = founder(status)
    chat.command("apps")
    assert Op.ESCALATE not in ops(chat) and Op.RATE not in ops(chat)
    from flows.engine.events import Event
    from flows.engine.outcome import Action

    chat.send(Event.of_action(Action(Op.ESCALATE, value=CASE_REF)))
    assert "not possible" in chat.text and chat.state.prefs.active is None
    chat.send(Event.of_action(Action(Op.RATE, value=CASE_REF)))
    assert chat.state.new_submissions == []


def test_an_application_of_another_service_is_never_escalated():
    chat = founder("overdue")
    chat.state.applications[0]["flow"] = "subsidy"  # the common lifecycle has no supervision
    chat.command("apps")
    assert Op.ESCALATE not in ops(chat)


def test_my_applications_shows_an_open_complaints_deadline():
    chat = founder("transferred")
    chat.state.applications[0]["deadline"] = {"date": "2026-12-08", "approximate": False}
    chat.command("apps")
    assert "answer expected by 2026-12-08" in chat.text
    chat.tap(Op.VIEW, CASE_REF)
    assert "Answer expected by 2026-12-08." in chat.text
    chat.state.applications[0]["status"] = "closed"
    chat.command("apps")
    assert "answer expected" not in chat.text  # closed: no deadline any more
    for status in ("overdue", "closed"):  # passed or moot: not on the detail screen either
        chat.state.applications[0]["status"] = status
        chat.send(Event.of_action(Action(Op.VIEW, value=CASE_REF)))
        assert CASE_REF in chat.text and "Answer expected" not in chat.text
    for late in ("overdue", "escalated"):  # past it: no answer is "expected by" it any more
        chat.state.applications[0]["status"] = late
        chat.command("apps")
        assert "answer expected" not in chat.text and "2026-12-08" not in chat.text


def test_a_deadline_counted_without_the_holiday_calendar_says_about():
    chat = founder("delivered", "zh_CN")
    chat.state.applications[0]["deadline"] = {"date": "2027-01-12", "approximate": True}
    chat.command("apps")
    chat.tap(Op.VIEW, CASE_REF)
    assert "2027-01-12" in chat.text and "约" in chat.text


def test_start_over_on_an_unfinished_rating_rates_the_same_case_again():
    chat = founder("closed")
    chat.command("apps")
    chat.tap(Op.RATE, CASE_REF)
    chat.tap(Op.PICK, "dissatisfied")
    chat.command("start")
    assert "Welcome back" in chat.text
    chat.tap(Op.RESTART, "rating")
    assert "earlier message" not in chat.text and CASE_REF in chat.text
    draft = chat.draft("rating")
    assert draft.step == "verdict" and "verdict" not in draft.answers
    assert draft.answers["case"]["reference"] == CASE_REF
    chat.tap(Op.PICK, "satisfied")
    chat.tap(Op.SKIP)
    chat.tap(Op.CONFIRM)
    (sent,) = chat.state.new_submissions
    assert (sent.parent, sent.answers["verdict"]) == (CASE_REF, "satisfied")


def test_the_rating_confirms_sending_the_rating_not_a_legal_declaration():
    chat = founder("closed")
    chat.command("apps")
    chat.tap(Op.RATE, CASE_REF)
    chat.tap(Op.PICK, "satisfied")
    chat.tap(Op.SKIP)
    assert "send your rating" in chat.text and "declare" not in chat.text
    chat.command("start")  # an unfinished rating is called one, not an application
    chat.command("help")
    assert "/news" in chat.text


def test_an_unfinished_rating_is_offered_as_a_rating():
    chat = founder("closed", "zh_CN")
    chat.command("apps")
    chat.tap(Op.RATE, CASE_REF)
    chat.command("start")
    assert "未完成的评价" in chat.text and "申请" not in chat.text
