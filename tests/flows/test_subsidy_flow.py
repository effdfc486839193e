"""Startup subsidy applications through the pure conversation: eligibility, consent before the
ID number, the form, documents, review with masked personal data, and one submission."""

from __future__ import annotations

import itertools
import tomllib
from datetime import date

import pytest

from flows.engine.address import Address
from flows.engine.draft import SUMMARY, FounderState
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
from flows.policy.loader import DEFAULT_PATH, load_policy_data, parse_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows

T = Address.telegram

POLICY = load_policy_data()
TODAY = date(2026, 11, 28)
GOOD_ID = "11010519491231002X"
PDF = "application/pdf"


class Founder:
    """Drives the conversation the way a founder taps and types."""

    def __init__(self, state: FounderState | None = None) -> None:
        self.conv = Conversation(all_flows(POLICY), POLICY)
        self.state = state or FounderState(founder=T(9))
        self.screen: Reply | None = None
        self.replies: list[Reply] = []
        self.refs = (f"SUB-20261128-{n:06d}" for n in itertools.count(1))

    def send(self, event: Event) -> list[Reply]:
        self.replies = self.conv.handle(
            self.state, event, 1.0, TODAY, locale="en", reference=next(self.refs)
        )
        shown = [r for r in self.replies if r.buttons]
        if shown:
            self.screen = shown[-1]
        return self.replies

    def type(self, text: str) -> list[Reply]:
        return self.send(Event.of_text(text))

    def tap(self, op: Op, value: str = "") -> list[Reply]:
        assert self.screen is not None
        actions = [b.action for row in self.screen.buttons for b in row]
        found = [a for a in actions if a.op is op and (not value or a.value == value)]
        assert found, f"no {op} {value!r} on screen: {actions}"
        return self.send(Event.of_action(found[0]))

    def upload(self, name: str, mime: str = PDF, size: int = 1000) -> list[Reply]:
        """A file whose content is of type `mime`, as the core reads it before the turn."""
        file = FileRef(f"id-{name}", name, mime, size, sniffed=mime)
        return self.send(Event(EventKind.FILE, file=file))

    @property
    def draft(self):
        return self.state.drafts["subsidy"]

    def text_of(self, replies: list[Reply]) -> str:
        return repr([b for r in replies for b in r.blocks])


def eligibility(f: Founder, *, registered_on: str = "2024-06-01") -> None:
    f.send(Event.of_command("start", "subsidy"))
    f.tap(Op.PICK, "graduate")
    f.type("2023")
    f.tap(Op.PICK, "hukou")
    f.tap(Op.PICK, "yes")  # first business
    f.tap(Op.PICK, "yes")  # registered
    f.type(registered_on)
    f.tap(Op.PICK, "small_micro")
    f.type("浦东")
    f.type("2")  # insured staff
    f.type("2026-03-01")  # the longest-serving one employed since
    f.tap(Op.PICK, "yes")  # lease
    f.tap(Op.PICK, "no")  # not a dishonest debtor


def test_results_name_eligible_programmes_and_reasons():
    f = Founder()
    eligibility(f)
    assert f.draft.step == "programme"
    offered = {b.action.value for row in f.screen.buttons for b in row if b.action.op is Op.PICK}
    assert offered == {
        "startup_subsidy",
        "rent_subsidy",  # registered over 18 months ago: a grade C rule, so the office decides
        "startup_loan",
        "social_insurance_subsidy",
        "key_group_tax_relief",
    }
    shown = f.text_of(f.replies)
    assert "may apply; only the office can confirm" in shown and "❌" not in shown


def test_a_programme_ruled_out_cannot_be_picked():
    f = Founder()
    eligibility(f, registered_on="2026-06-01")  # under a year: no one-time startup subsidy (B)
    shown = f.text_of(f.replies)
    assert "❌ {title} ({articles}): {reason} → {office}" in shown
    f.send(
        Event.of_action(
            Action(
                Op.PICK,
                "sub",
                str(f.conv.runners["subsidy"].spec.index("programme")),
                "startup_subsidy",
            )
        )
    )
    assert f.draft.step == "programme" and "programme" not in f.draft.answers


def test_no_consent_no_id_number():
    f = Founder()
    eligibility(f)
    f.tap(Op.PICK, "startup_subsidy")
    assert f.draft.step == "consent"
    replies = f.tap(Op.PICK, "decline")
    assert f.draft.step == "consent" and f.draft.answers["consent"] == "decline"
    assert "Without your consent" in f.text_of(replies)
    f.tap(Op.PICK, "agree")
    assert f.draft.step == "applicant_name"


def test_full_application_submits_once_with_masked_review():
    f = Founder()
    eligibility(f)
    f.tap(Op.PICK, "startup_subsidy")
    f.tap(Op.PICK, "agree")
    f.type("张三")
    f.type("130402198207290622")  # bad check digit: refused
    assert f.draft.step == "id_number"
    f.type(GOOD_ID.lower())
    f.type("+86 138-1234-5678")
    f.type("上海某某科技有限公司")
    f.type("91130600738737199A")  # fails the checksum: asked to confirm
    assert f.draft.step == "credit_code"
    f.tap(Op.ACCEPT)
    assert f.draft.answers["credit_code"] == "91130600738737199A"
    steps = []
    while f.draft.step.startswith("doc_"):
        steps.append(f.draft.step)
        f.upload("scan.exe", "application/x-msdownload")  # refused: wrong type
        f.upload(f"{f.draft.step}.pdf")
        f.upload(f"{f.draft.step}-2.jpg", "image/jpeg")
        f.tap(Op.DONE)
    assert steps == [
        "doc_id_card",
        "doc_business_licence",
        "doc_graduation_certificate",
    ]
    assert f.draft.step == SUMMARY
    review = f.text_of([f.screen])
    assert GOOD_ID not in review and "110105********002X" in review and "138****5678" in review
    f.tap(Op.CONFIRM)
    assert len(f.state.new_submissions) == 1
    submission = f.state.new_submissions[0]
    assert submission.programme == "startup_subsidy" and submission.office == "district_hrss"
    assert submission.district == "pudong" and submission.answers["id_number"] == GOOD_ID
    assert len(submission.attachments) == 6 and {a["document"] for a in submission.attachments} >= {
        "id_card"
    }
    assert "subsidy" not in f.state.drafts  # personal data leaves the draft with the submission
    assert f.state.applications[0]["reference"] == submission.reference
    f.send(Event.of_action(Action(Op.CONFIRM, "sub", "s")))  # double tap
    assert len(f.state.new_submissions) == 1
    apps = f.send(Event.of_command("apps"))
    assert submission.reference in f.text_of(apps)

    # A second application: the one-time subsidy is not offered again, a repeat is warned
    # about, and every answer given before comes back to confirm, not to type again.
    f.state.new_submissions.clear()
    f.send(Event.of_command("start", "subsidy"))
    for _ in range(12):
        if f.draft.step == "programme":
            break
        f.tap(Op.KEEP)
    assert f.draft.step == "programme"
    assert (
        f.draft.answers["registered_on"] == "2024-06-01"
        and f.draft.answers["applicant"] == "graduate"
    )
    shown = f.text_of(f.replies)
    assert "A one-time programme is not offered again" in shown and submission.reference in shown
    offered = {b.action.value for row in f.screen.buttons for b in row if b.action.op is Op.PICK}
    assert "startup_subsidy" not in offered and "startup_loan" in offered
    f.tap(Op.PICK, "startup_loan")
    f.tap(Op.PICK, "agree")
    for name in ("applicant_name", "id_number", "mobile"):
        assert f.draft.step == name and name in f.draft.defaults
        f.tap(Op.KEEP)
    assert f.draft.answers["id_number"] == GOOD_ID and f.draft.answers["applicant_name"] == "张三"


def test_withdrawing_consent_clears_personal_data():
    f = Founder()
    eligibility(f)
    f.tap(Op.PICK, "startup_loan")
    f.tap(Op.PICK, "agree")
    f.type("李四")
    f.type(GOOD_ID)
    f.type("13812345678")
    assert f.draft.answers["id_number"] == GOOD_ID
    while f.draft.step != "consent":
        f.tap(Op.BACK)
    f.tap(Op.PICK, "decline")
    assert f.draft.step == "consent"
    assert not {"applicant_name", "id_number", "mobile"} & set(f.draft.answers)
    f.tap(Op.KEEP)  # keeping "no" does not get past consent
    assert f.draft.step == "consent"
    f.tap(Op.PICK, "agree")
    assert f.draft.step == "applicant_name"


def to_the_loan_amount(f: Founder) -> None:
    """An individual (not registered yet) applying for the startup loan, at its amount."""
    f.send(Event.of_command("start", "subsidy"))
    f.tap(Op.PICK, "other")
    f.tap(Op.PICK, "none")
    f.tap(Op.PICK, "yes")
    f.tap(Op.PICK, "no")  # not registered: applies as an individual
    f.tap(Op.PICK, "other")
    f.type("Xuhui")
    f.tap(Op.PICK, "no")
    f.tap(Op.PICK, "no")
    f.tap(Op.PICK, "startup_loan")
    f.tap(Op.PICK, "agree")
    f.type("王五")
    f.type(GOOD_ID)
    f.type("13812345678")


def test_loan_cap_for_individuals():
    f = Founder()
    to_the_loan_amount(f)
    assert f.draft.step == "loan_amount"
    f.type("80万")  # the cap is only transcribed: not checked here, the office decides
    assert f.draft.answers["loan_amount"] == "800000"


def test_a_cap_checked_by_a_person_is_enforced(tmp_path):
    doc = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    loan = next(p for p in doc["programme"] if p["id"] == "startup_loan")
    loan.pop("transcribed_on")
    loan["verified_on"] = date(2026, 11, 30)
    policy = parse_policy_data(doc)
    f = Founder()
    f.conv = Conversation(all_flows(policy), policy)
    to_the_loan_amount(f)
    f.type("80万")
    assert f.draft.step == "loan_amount"
    f.type("30万")
    assert f.draft.answers["loan_amount"] == "300000"


def test_registration_profile_prefills_and_founder_confirms():
    state = FounderState(
        founder=T(9),
        profile={
            "district": "jingan",
            "premises": "leased",
            "size": "micro",
            "business_form": "llc",
            "groups": ["veteran"],
        },
    )
    f = Founder(state)
    f.send(Event.of_command("start", "subsidy"))
    assert f.draft.defaults == {
        "district": "jingan",
        "lease": True,
        "org_type": "small_micro",
        "applicant": "veteran",
    }
    assert "From your profile" in f.text_of(f.replies)
    f.tap(Op.KEEP)  # ✅ Use this
    assert f.draft.answers["applicant"] == "veteran"


@pytest.mark.parametrize("kind", ["sticker", "voice"])
def test_unsupported_messages_keep_the_draft(kind):
    f = Founder()
    eligibility(f)
    before = dict(f.draft.answers)
    f.send(Event(EventKind.UNSUPPORTED, what=kind))
    assert f.draft.answers == before and f.draft.step == "programme"


def test_my_applications_opens_what_was_sent_and_its_history():
    f = Founder()
    eligibility(f)
    f.tap(Op.PICK, "startup_loan")
    f.tap(Op.PICK, "agree")
    f.type("张三")
    f.type(GOOD_ID)
    f.type("13812345678")
    f.type("上海某某科技有限公司")
    f.type("91130600738737199K")
    f.type("30万")
    while f.draft.step.startswith("doc_"):
        f.upload(f"{f.draft.step}.pdf")
        f.tap(Op.DONE)
    f.tap(Op.CONFIRM)
    [entry] = f.state.applications
    sent = dict(entry["sent"])
    assert sent["id_number"] == "110105********002X" and sent["mobile"] == "138****5678"
    assert sent["doc_id_card"] == ["doc_id_card.pdf"] and "programme" not in sent
    assert GOOD_ID not in str(entry) and "13812345678" not in str(entry)
    entry["history"] = [{"status": "delivered", "at": 1_795_000_000.0}]
    f.send(Event.of_command("apps"))
    f.tap(Op.VIEW, entry["reference"])
    shown = f.text_of(f.replies)
    assert entry["reference"] in shown and "110105********002X" in shown
    assert "What you sent:" in shown and "2026-11-18" in shown  # the delivery, Shanghai date
    assert "please confirm" in shown  # no source names the office that takes loan applications


def test_a_button_name_typed_where_an_answer_is_asked_acts_as_the_button():
    """A number question with a default from the profile: "keep" is no number but the name of
    ✅ Use this; "返回" goes back; a real number is still the answer."""
    state = FounderState(founder=T(9), profile={"applicant": "graduate", "graduation_year": 2024})
    f = Founder(state)
    f.send(Event.of_command("start", "subsidy"))
    f.tap(Op.KEEP)
    assert f.draft.step == "graduation_year" and "graduation_year" in f.draft.defaults
    f.type("keep")
    assert f.draft.answers["graduation_year"] == 2024 and f.draft.step == "residence"
    f.type("返回")
    assert f.draft.step == "graduation_year"
    f.type("2023")
    assert f.draft.answers["graduation_year"] == 2023
