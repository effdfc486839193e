"""Credit repair (Art. 58, 16): which record, whether it is published, when a repair can be
requested (with a reminder on that day), the cure for the abnormal operations list, the
obligations and their proof, the company, the credit commitment letter, review, submission.

What a submission's answers hold for the bot side (the bundle section, the letter's PDF):
- `record_type` (also the submission's `programme`); a penalty: `procedure`, `decided_on`,
  `decision_no` (in the usual form where it had one) and `decision_no_standard`, `authority`
  (an authority id of the policy data, or the name as typed), `sector`, `grade`; the lists
  and other information: `listed_on`, the abnormal operations list `abnormal_reason` and
  `district`, other information `record_note`;
- the window, as computed on the day of submission: `earliest_on`, `ends_on` (ISO dates or
  None), `earliest_rule`, `ends_rule` (rule ids or None), `window_quotable`;
- `obligations_met` (True), `proof` (files, also the attachments, document "obligation_proof");
- `company_name`, `credit_code`, `registered_on`;
- `commitment` ("confirmed"), `commitment_at` (RFC 3339, UTC: when the founder tapped to make
  the commitment) and `commitment_text` ({"zh", "en"}: the letter as the founder confirmed it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flows.engine.machine import applies
from flows.engine.outcome import Block
from flows.engine.spec import (
    Answers,
    Completion,
    Context,
    Field,
    FlowSpec,
    SubmissionRequest,
    stamp_key,
)
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData
from flows.policy.schema import quotable
from flows.services.credit.conditions import company_fields
from flows.services.credit.decision import decision_number
from flows.services.credit.letter import letter_text
from flows.services.credit.listing import when_fields
from flows.services.credit.record import record_fields
from flows.services.credit.screens import receiving
from flows.services.credit.window import window

FLOW_ID = "credit"
DECLARATION = N_(
    "By tapping ✅ Confirm you declare that your answers and the proof are true, and you make "
    "the credit commitment above in your company's name."
)
DROPPED = frozenset({"not_published", "cure", "window", "told_wait", "not_yet", "letter"})


def _processing(ctx: Context, record_type: str) -> Block:
    """How long the office takes, from the policy data where a person checked it."""
    record = ctx.policy.credit_record(record_type)
    rules = [ctx.policy.deadline(rule_id) for rule_id in record.processing]
    if rules and all(quotable(r) and r.days is not None for r in rules):
        steps = tuple(
            Text(N_("{law}: {days} working days"), {"law": r.law, "days": r.days}) for r in rules
        )
        return Text(N_("What you can expect: {steps}."), {"steps": steps})
    return Text(N_("The office will tell you how long it takes."))


def submitted_answers(answers: Answers, fields: Sequence[Field], ctx: Context) -> dict[str, Any]:
    """What goes to the office: the questions that apply, the window, the letter."""
    kept = {
        f.name: answers[f.name]
        for f in fields
        if f.name in answers and f.name not in DROPPED and applies(f, answers)
    }
    if isinstance(kept.get("decision_no"), str):
        kept["decision_no_standard"] = decision_number(kept["decision_no"]).standard
    found = window(answers, ctx)
    kept |= {
        "earliest_on": None
        if found is None or found.earliest is None
        else found.earliest.isoformat(),
        "ends_on": None if found is None or found.ends is None else found.ends.isoformat(),
        "earliest_rule": None
        if found is None or found.earliest_rule is None
        else found.earliest_rule.id,
        "ends_rule": None if found is None or found.ends_rule is None else found.ends_rule.id,
        "window_quotable": bool(found and found.quotable),
    }
    letter = letter_text(answers, ctx)
    kept |= {
        "commitment": answers.get("letter"),
        "commitment_at": answers.get(stamp_key("letter")),
        "commitment_text": {"zh": letter.zh, "en": letter.en},
    }
    return kept


def complete(fields: Sequence[Field], answers: Answers, ctx: Context) -> Completion:
    """The application to the record's office, and the founder's confirmation."""
    record_type = str(answers["record_type"])
    record = ctx.policy.credit_record(record_type)
    district = str(answers.get("district", "")) if record_type == "abnormal_list" else ""
    done = (
        Text(N_("✅ Credit repair application submitted.")),
        Text(N_("Reference number: {reference}"), {"reference": ctx.submission_reference}),
        Text(N_("It goes to {office}. Status: submitted."), {"office": receiving(answers, ctx)}),
        _processing(ctx, record_type),
        Text(
            N_(
                "Under Art. 58 of the Regulations the office must check your application "
                "promptly and, if the conditions are met, repair the record and lift the "
                "sanctions."
            )
        ),
        Text(
            N_(
                "You will get a message here each time the office acts on it, and can check it "
                "any time under 🗂 My applications."
            )
        ),
    )
    proof = answers.get("proof") or []
    return Completion(
        blocks=(done,),
        profile={k: answers[k] for k in ("company_name", "credit_code") if k in answers},
        submission=SubmissionRequest(
            programme=record_type,
            office=record.office,
            district=district,
            answers=submitted_answers(answers, fields, ctx),
            attachments=tuple({**f, "document": "obligation_proof"} for f in proof),
        ),
    )


def build(policy: PolicyData) -> FlowSpec:
    """The credit-repair flow; its records, rules, offices and letter come from the policy data."""
    if not policy.credit_records:
        raise KeyError("the policy data holds no credit_record")
    policy.commitment("credit_repair")  # KeyError at start-up, not mid-application
    fields = (*record_fields(), *when_fields(), *company_fields())

    def finish(answers: Answers, ctx: Context) -> Completion:
        return complete(fields, answers, ctx)

    return FlowSpec(
        id=FLOW_ID,
        code="crd",
        icon="🧾",
        articles=(58, 16),
        title=N_("Credit repair"),
        synonyms=(
            "credit repair",
            "credit",
            "repair",
            "信用修复",
            "信用",
            "修复",
            "失信",
            "异常名录",
        ),
        intro=N_(
            "Credit repair (Art. 58 of the Regulations): say which record it is, learn whether "
            "and from when it can be repaired, add proof that the obligations are met, confirm "
            "the credit commitment letter and review it before it is sent. About 5 minutes."
        ),
        fields=fields,
        complete=finish,
        declaration=DECLARATION,
        review_help=N_(
            "Check each answer; tap ✏️ and an answer to change it (the questions that depend on "
            "it, and the commitment letter, are asked again). ✅ Confirm sends the application "
            "to the office: it cannot be changed afterwards, but the office can ask you for more."
        ),
    )
