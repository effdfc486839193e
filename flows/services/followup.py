"""The founder's part in a complaint's closed loop (Art. 10: 诉求分派、督办、反馈) after it is
filed: escalating a case the office left past its deadline (督办), to the municipal
coordinating department (Art. 4) or the 12345 hotline, and rating the handling once the office
has given its last word. Each is sent as a supplement of the case (`<case>-S<n>`, `purpose`
`escalation` or `rating`); its delivery records `escalated` or `rated` on the case. Opened
from the status message or My applications, never from the menu."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.engine.outcome import Block
from flows.engine.spec import (
    Answers,
    Completion,
    Context,
    Field,
    FlowSpec,
    Kind,
    Option,
    SubmissionRequest,
)
from flows.engine.text import DECLARATION, N_, Text
from flows.policy.citing import office_name
from flows.policy.loader import PolicyData

ESCALATION, RATING = "escalation", "rating"
CASE = "case"  # the answers' record of the case followed up; not a question
MAX_COMMENT = 1000
# purpose → the status its delivery records on the case (the lifecycle's founder changes)
CASE_STATUS = {"answer": "supplied", ESCALATION: "escalated", RATING: "rated"}
ESCALATE_TO = (
    Option(
        "municipal_commission",
        N_("🏛 Municipal Commission of Economy and Informatization (Art. 4)"),
        ("municipal", "commission", "市经济信息化委", "经信委", "市经信委"),
    ),
    Option("hotline_12345", N_("☎️ 12345 citizen service hotline"), ("12345", "hotline", "热线")),
)
VERDICTS = (
    Option("satisfied", N_("👍 Satisfied"), ("satisfied", "yes", "满意", "好")),
    Option("dissatisfied", N_("👎 Not satisfied"), ("not satisfied", "no", "不满意", "不好")),
)


def case_for(
    applications: Sequence[Mapping[str, Any]], reference: str, purpose: str
) -> dict[str, Any] | None:
    """The case to follow up from the founder's index line, and the number its supplement
    gets; None when it is not theirs or is a supplement itself."""
    entry = next((e for e in applications if e.get("reference") == reference), None)
    if entry is None or entry.get("parent"):
        return None
    earlier = sum(1 for e in applications if e.get("parent") == reference)
    return {
        "reference": reference,
        "purpose": purpose,
        "flow": str(entry.get("flow") or ""),
        "programme": str(entry.get("programme") or ""),
        "office": str(entry.get("office") or ""),
        "district": str(entry.get("district") or ""),
        "number": earlier + 1,
    }


def _office(ctx: Context, office: str, district: str) -> Block:
    try:
        return office_name(ctx.policy, office, district)
    except KeyError:
        return Text.raw(office)


def _case_line(answers: Answers, ctx: Context) -> Sequence[Text]:
    case = answers.get(CASE) or {}
    return [
        Text(
            N_("About your complaint {reference}, handled by {office}."),
            {
                "reference": case.get("reference", ""),
                "office": _office(ctx, str(case.get("office")), str(case.get("district"))),
            },
        )
    ]


def _complete(answers: Answers, ctx: Context) -> Completion:
    case = answers[CASE]
    purpose = str(case["purpose"])
    reference = f"{case['reference']}-S{int(case['number'])}"
    comment = str(answers.get("comment") or "")
    if purpose == ESCALATION:
        office = str(answers["escalate_to"])  # the coordinating office receives it, with the case
        sent = Text(
            N_("✅ Your request for supervision of {case} was sent to {office}: {reference}."),
            {"case": case["reference"], "office": _office(ctx, office, ""), "reference": reference},
        )
        details: dict[str, Any] = {"purpose": purpose, "escalate_to": office, "comment": comment}
    else:
        office = str(case["office"])
        sent = Text(
            N_("✅ Thank you: your rating of {case} was sent to {office}: {reference}."),
            {"case": case["reference"], "office": _office(ctx, office, ""), "reference": reference},
        )
        details = {"purpose": purpose, "verdict": answers["verdict"], "comment": comment}
    return Completion(
        blocks=((sent,),),
        submission=SubmissionRequest(
            programme=str(case["programme"]),
            office=office,
            district=str(case["district"]),
            answers={"question": "", "answer": comment, **details},
            parent=str(case["reference"]),
            reference=reference,
        ),
    )


def _comment(prompt: str, label: str, help_: str) -> Field:
    return Field(
        "comment",
        prompt,
        Kind.TEXT,
        optional=True,
        limits={
            "max_len": MAX_COMMENT,
            "too_long": N_(
                "A comment can be at most {max_len} characters; this one has {length}. Please "
                "shorten it to the main points."
            ),
        },
        label=label,
        help=help_,
    )


def build_escalation(policy: PolicyData) -> FlowSpec:
    """督办: where to escalate, why, review, send."""
    del policy
    return FlowSpec(
        id=ESCALATION,
        code="esc",
        icon="📣",
        articles=(4, 10),
        title=N_("Request for supervision (督办)"),
        intro=N_(
            "The office has not answered your complaint by its deadline. You can ask for "
            "supervision: your request goes, with the case, to the department you choose "
            "(Art. 4 and 10). Nothing is sent until you confirm."
        ),
        fields=(
            Field(
                "escalate_to",
                N_("Where should the request go?"),
                Kind.CHOICE,
                options=ESCALATE_TO,
                intro=_case_line,
                label=N_("Sent to"),
                help=N_(
                    "The Municipal Commission of Economy and Informatization coordinates SME "
                    "work in Shanghai (Art. 4). 12345 is the citizen service hotline: it "
                    "passes your request to the department in charge."
                ),
            ),
            _comment(
                N_("Anything to add for them? Type it, or tap Skip."),
                N_("Your comment"),
                N_("For example, when you last heard from the office and what you need now."),
            ),
        ),
        complete=_complete,
        declaration=DECLARATION,
        review_help=N_("✅ Confirm sends the request with your case; it cannot be undone."),
    )


def build_rating(policy: PolicyData) -> FlowSpec:
    """反馈: satisfied or not, a comment, review, send."""
    del policy
    return FlowSpec(
        id=RATING,
        code="rat",
        icon="⭐",
        articles=(10,),
        title=N_("Rating of the handling"),
        intro=N_(
            "Your complaint has been dealt with. Tell the office whether you are satisfied: "
            "your rating is recorded with the case and sent to the office (Art. 10)."
        ),
        fields=(
            Field(
                "verdict",
                N_("Are you satisfied with how your complaint was handled?"),
                Kind.CHOICE,
                options=VERDICTS,
                intro=_case_line,
                label=N_("Your rating"),
                help=N_("Your rating helps the office and its supervisors see what worked."),
            ),
            _comment(
                N_("Why? Type a comment, or tap Skip."),
                N_("Your comment"),
                N_("For example, what was solved, and what was not."),
            ),
        ),
        complete=_complete,
        declaration=N_("Tap ✅ Confirm to send your rating to the office."),
        review_help=N_("✅ Confirm sends your rating; it cannot be changed afterwards."),
        noun="rating",
    )
