"""The complaint: category and what to expect, the payment calculator for arrears, the
complaint itself, real-name or anonymous, review, submission to the category's office.

What a submission's answers hold for the bot side (the bundle section, the deadline timer):
- `category`: the complaint category id (also the submission's `programme`);
- `identity`: "real_name" or "anonymous", and `anonymous`: True / False beside it. An
  anonymous tip-off holds no contact field at all: `applicant_name` and `mobile` are never
  asked, never offered from the profile and never in the answers; nothing goes to the profile;
- real-name: `applicant_name`, `mobile` (sensitive: masked, sealed at rest);
- `respondent_type` (not for arrears: `payer_type` instead), `respondent`, `description`
  (one text, the founder's messages joined by line breaks), `happened_on` (ISO date),
  `amount` (CNY string, may be None; not for arrears), `outcome`;
- `evidence`: the files (a file answer, also in the attachments as document "evidence");
- arrears: `payer_type`, `contract_on`, `delivered_on`, `term_days` (None: none agreed),
  `owed`, `paid`, and `outstanding` (owed − paid, the founder's own figures);
- the deadline the founder may expect (`flows.policy.deadlines.expected_deadline` from the
  submission day): `deadline` (ISO date, or None when the rule knows no limit),
  `deadline_latest` (ISO date of the longest extension, or None), `deadline_rule` (the rule's
  id) and `deadline_quotable` (whether the bot may name the date to the founder).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import partial
from typing import Any

from flows.engine.machine import applies
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Completion, Context, Field, FlowSpec, SubmissionRequest
from flows.engine.text import N_, Text
from flows.policy.deadlines import ExpectedDeadline, expected_deadline
from flows.policy.loader import PolicyData
from flows.services.complaint.details import complaint_fields, identity_fields
from flows.services.complaint.fields import calculator_fields, category_fields, is_arrears
from flows.services.complaint.lifecycle import COMPLAINT
from flows.services.complaint.screens import category, receiving

FLOW_ID = "complaint"
CONTACT = ("applicant_name", "mobile")
DECLARATION = N_(
    "By tapping ✅ Confirm you declare that what you describe is true to the best of your "
    "knowledge and the evidence genuine, and you accept the legal consequences of a false "
    "accusation."
)


def _deadline_answers(found: ExpectedDeadline) -> dict[str, Any]:
    return {
        "deadline": None if found.date is None else found.date.isoformat(),
        "deadline_latest": None if found.latest is None else found.latest.isoformat(),
        "deadline_rule": found.rule.id,
        "deadline_quotable": found.quotable,
        "deadline_approximate": found.approximate,
    }


def _deadline_text(found: ExpectedDeadline) -> Text:
    """When the office should act, as far as the bot may say it."""
    rule = found.rule
    if found.quotable and found.date is not None:
        shown = {
            "date": Text.raw(found.date.isoformat()),
            "law": rule.law,
            "source": Text.raw(rule.source),
            "checked": Text.raw(str(rule.verified_on)),
        }
        if found.approximate:
            msgid = N_(
                "The office should act by about {date} ({law}; the holiday calendar of that year "
                "is not out yet). (Source: {source}, checked {checked}.)"
            )
        else:
            msgid = N_(
                "The office should act by {date} ({law}). (Source: {source}, checked {checked}.)"
            )
        return Text(msgid, shown)
    return Text(
        N_(
            "The office will tell you how long it takes: the time limits I hold for this ({law}) "
            "are not yet checked against their source. Under Art. 59 of the Regulations it must "
            "investigate and tell you the result within the set time."
        ),
        {"law": rule.law},
    )


def submitted_answers(answers: Answers, fields: Sequence[Field]) -> dict[str, Any]:
    """The answers that go to the office: only questions that apply and are reviewed (never
    the explanation screens, never contact details of an anonymous tip-off)."""
    kept = {
        f.name: answers[f.name]
        for f in fields
        if f.reviewed and f.name in answers and applies(f, answers)
    }
    anonymous = answers.get("identity") == "anonymous"
    if anonymous:
        for name in CONTACT:
            kept.pop(name, None)
    kept["anonymous"] = anonymous
    if is_arrears(answers) and "owed" in answers and "paid" in answers:
        kept["outstanding"] = str(Decimal(str(answers["owed"])) - Decimal(str(answers["paid"])))
    return kept


def complete(fields: Sequence[Field], answers: Answers, ctx: Context) -> Completion:
    """The submission for the category's office, and the founder's confirmation."""
    chosen = category(answers, ctx)
    if chosen is None:
        raise KeyError(f"unknown complaint category {answers.get('category')!r}")
    expected = expected_deadline(ctx.policy, chosen.deadline, ctx.today)
    sent = submitted_answers(answers, fields) | _deadline_answers(expected)
    anonymous = bool(sent["anonymous"])
    office = receiving(chosen, ctx)
    follow: Block = (
        Text(N_("It names no one, so no status updates can follow: the office cannot reach you."))
        if anonymous
        else Text(
            N_(
                "You will get a message here each time the office acts on it, and can check it "
                "any time under 🗂 My applications."
            )
        )
    )
    done = (
        Text(N_("✅ Anonymous tip-off sent.") if anonymous else N_("✅ Complaint submitted.")),
        Text(N_("Reference number: {reference}"), {"reference": ctx.submission_reference}),
        Text(N_("It goes to {office}. Status: submitted."), {"office": office}),
        _deadline_text(expected),
        follow,
    )
    evidence = answers.get("evidence") or []
    return Completion(
        blocks=(done,),
        submission=SubmissionRequest(
            programme=chosen.id,
            office=chosen.office,
            district="",
            answers=sent,
            attachments=tuple({**f, "document": "evidence"} for f in evidence),
            anonymous=anonymous,  # under no one's address, not in the founder's applications
        ),
    )


def build(policy: PolicyData) -> FlowSpec:
    """The complaint flow; its categories, offices and deadlines come from the policy data."""
    if not policy.complaint_categories:
        raise KeyError("the policy data holds no complaint_category")
    fields = (*category_fields(), *calculator_fields(), *complaint_fields(), *identity_fields())
    return FlowSpec(
        id=FLOW_ID,
        code="cmp",
        icon="📣",
        articles=(54, 59),
        title=N_("Complaints and tip-offs"),
        synonyms=("complaint", "complain", "tip-off", "report", "投诉", "举报", "拖欠", "维权"),
        intro=N_(
            "Complaint or tip-off (Art. 54, 59 of the Regulations): choose what it is about and "
            "read what you can expect, describe what happened and add evidence, then choose a "
            "real-name complaint or an anonymous tip-off and review it before it is sent. "
            "About 5 minutes."
        ),
        fields=fields,
        complete=partial(complete, fields),
        declaration=DECLARATION,
        review_help=N_(
            "Check each answer; tap ✏️ and an answer to change it (the questions that depend on "
            "it are asked again). ✅ Confirm sends the complaint to the office: it cannot be "
            "changed afterwards, but the office can ask you for more."
        ),
        lifecycle=COMPLAINT,
        noun="complaint",
    )
