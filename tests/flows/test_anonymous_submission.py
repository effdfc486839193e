"""An anonymous tip-off is submitted without anyone's address and is not listed among the
founder's applications: nothing in the founder's records links them to it, and nobody is told
of its statuses."""

from __future__ import annotations

from datetime import date

from flows.engine.address import ERASED, Address
from flows.engine.draft import Draft, FounderState
from flows.engine.spec import Context, SubmissionRequest
from flows.policy.loader import load_policy_data
from flows.shell.submission import submit

FOUNDER = Address.telegram(4711)


def request(anonymous: bool) -> SubmissionRequest:
    return SubmissionRequest(
        programme="",
        office="district_sme_service_centre",
        district="xuhui",
        answers={"category": "levies", "what": "收取赞助费"},
        anonymous=anonymous,
    )


def filed(anonymous: bool) -> FounderState:
    state = FounderState(founder=FOUNDER)
    draft = Draft(flow="complaint", step="done", answers={"what": "收取赞助费"})
    state.put_draft(draft)
    ctx = Context(policy=load_policy_data(), today=date(2026, 12, 1), reference="SUB-1")
    submit(state, draft, request(anonymous), 1.0, ctx)
    return state


def test_an_anonymous_tip_off_names_no_one_and_is_not_listed():
    state = filed(anonymous=True)
    (tip,) = state.new_submissions
    assert tip.founder == Address("telegram", "anonymous") and not tip.founder.reachable
    assert str(FOUNDER.id) not in str(tip.to_json())
    assert state.applications == [] and "applications" not in state.changed
    assert "complaint" not in state.drafts  # its draft goes, as every submitted one


def test_a_real_name_complaint_is_the_founders_and_listed():
    state = filed(anonymous=False)
    (complaint,) = state.new_submissions
    assert complaint.founder == FOUNDER and complaint.founder.reachable
    assert [e["reference"] for e in state.applications] == ["SUB-1"]


def test_nobody_is_reachable_at_an_erased_or_anonymous_address():
    assert not ERASED.reachable and not FOUNDER.anonymous().reachable and FOUNDER.reachable
