"""Answering an office's question about a submitted application: the founder types the answer
and may add documents; the supplement goes to the same office, numbered after its case
(`SUB-20261128-7Q4K-S1`). Opened from the status message or My applications, not the menu."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.engine.lifecycle import APPLICATION
from flows.engine.outcome import Block
from flows.engine.spec import Answers, Completion, Context, Field, FlowSpec, Kind, SubmissionRequest
from flows.engine.text import DECLARATION, N_, Localized, Text, clip
from flows.policy.citing import office_name
from flows.policy.loader import PolicyData

FLOW_ID = "supplement"
CASE = "case"  # the answers' record of the case answered; not a question
MAX_ANSWER = 1000
QUESTION_SHOWN = 600  # characters of the office's question repeated on the answer's screen


def case_of(applications: Sequence[Mapping[str, Any]], reference: str) -> dict[str, Any] | None:
    """The case a supplement answers: the founder's application waiting for more information,
    with its question, office and the number the next supplement gets; None when it waits for
    nothing."""
    entry = next((e for e in applications if e.get("reference") == reference), None)
    if (
        entry is None
        or not APPLICATION.asks_founder(str(entry.get("status")))
        or entry.get("parent")
    ):
        return None
    earlier = sum(1 for e in applications if e.get("parent") == reference)
    return {
        "reference": reference,
        "question": str(entry.get("question") or ""),
        "programme": str(entry.get("programme") or ""),
        "office": str(entry.get("office") or ""),
        "district": str(entry.get("district") or ""),
        "number": earlier + 1,
    }


def _office(case: Mapping[str, Any], ctx: Context) -> Block:
    try:
        return office_name(ctx.policy, str(case["office"]), str(case["district"]))
    except KeyError:
        return Text.raw(str(case.get("office", "")))


def _question(answers: Answers, ctx: Context) -> Sequence[Text | Localized]:
    case = answers.get(CASE) or {}
    blocks: list[Text | Localized] = [
        Text(
            N_("{office} has a question about {reference}:"),
            {"office": _office(case, ctx), "reference": case.get("reference", "")},
        )
    ]
    if case.get("question"):  # told in full in the status message; cut here to keep it short
        question = Text.raw(clip(str(case["question"]), QUESTION_SHOWN))
        blocks.append(Text(N_("“{question}”"), {"question": question}))
    return blocks


def complete(answers: Answers, ctx: Context) -> Completion:
    """The supplement for the case's office, and the founder's confirmation."""
    case = answers[CASE]
    reference = f"{case['reference']}-S{int(case['number'])}"
    documents = answers.get("documents") or []
    done = (
        Text(N_("✅ Your answer was sent.")),
        Text(
            N_("Reference number: {reference} (for application {case})."),
            {"reference": reference, "case": case["reference"]},
        ),
        Text(
            N_("It goes to {office}. You will be told here when they act on it."),
            {"office": _office(case, ctx)},
        ),
    )
    return Completion(
        blocks=(done,),
        submission=SubmissionRequest(
            programme=str(case["programme"]),
            office=str(case["office"]),
            district=str(case["district"]),
            answers={"question": case["question"], "answer": answers.get("answer", "")},
            attachments=tuple({**f, "document": "supplement"} for f in documents),
            parent=str(case["reference"]),
            reference=reference,
        ),
    )


def build(policy: PolicyData) -> FlowSpec:
    """The supplement flow: an answer, optional documents, review, send."""
    del policy  # the office and programme come from the case
    return FlowSpec(
        id=FLOW_ID,
        code="sup",
        icon="✍️",
        articles=(),
        title=N_("Answer to an office's question"),
        intro=N_(
            "The office needs more information from you. Type your answer; you "
            "can add documents next. Nothing is sent until you confirm."
        ),
        fields=(
            Field(
                "answer",
                N_("Type your answer:"),
                Kind.TEXT,
                intro=_question,
                limits={
                    "max_len": MAX_ANSWER,
                    "too_long": N_(
                        "Your answer to the office can be at most {max_len} characters; this one "
                        "has {length}. Please shorten it, e.g. to the main facts: details can go "
                        "in a document next."
                    ),
                    "unreadable": N_(
                        "Please write your answer to the office in words, like one short "
                        "sentence: emoji or punctuation alone can't be passed on."
                    ),
                },
                label=N_("Your answer"),
                help=N_(
                    "Answer the office's question above in your own words; the office receives "
                    "exactly what you type, with your reference number. Papers it asked for can "
                    "be sent in the next step."
                ),
            ),
            Field(
                "documents",
                N_(
                    "Send any documents the office asked for (PDF, JPEG or PNG; several are "
                    "fine), then tap Done. Tap Skip if there are none."
                ),
                Kind.FILE,
                optional=True,
                label=N_("Documents"),
                help=N_(
                    "Photos or PDFs of what the office asked for (PDF, JPEG or PNG; several at "
                    "once are fine). Tap Skip if it asked for none."
                ),
            ),
        ),
        complete=complete,
        declaration=DECLARATION,
        review_help=N_(
            "Check your answer and documents; tap ✏️ to change one. ✅ Confirm sends them to the "
            "office: it cannot be changed afterwards."
        ),
    )
