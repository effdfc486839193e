"""What the agency's staff chat reads about a case posted to it: one summary, beside the buttons,
in the chat's language; a founder's answer to the office's question is quoted in it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.core.messages import TEXT_LIMIT
from bot.core.render import Renderer
from bot.handoff.types import Bundle
from bot.handoff.view import read_bundle
from flows.engine.draft import Submission
from flows.engine.text import N_, Text, clip
from flows.services.followup import ESCALATION, RATING, VERDICTS

QUESTION_SHOWN = 600  # characters of the office's question repeated above the answer
ANSWER_SHOWN = 2000  # characters of the founder's answer (the flow allows 1,000)
FILES_SHOWN = 10  # file names listed (all are counted)
NAME_SHOWN = 80  # characters of one file name


def case_summary(renderer: Renderer, locale: str, submission: Submission, bundle: Bundle) -> str:
    """The staff chat's summary of a delivered submission: a new case, a founder's answer, a
    rating or a request for supervision (a district, when the bundle has none, is left out)."""
    language = "zh" if locale.startswith("zh") else "en"
    data: Mapping[str, Any] = json.loads(bundle.bundle_json)
    view = read_bundle(data)
    facts: dict[str, object] = {
        "reference": submission.reference,
        "case": submission.parent or "",
        "title": view.title[language],
        "office": data["office"]["name"][language],
    }
    if view.district:
        facts["district"] = view.district["name"][language]
    purpose = submission.answers.get("purpose") if submission.parent else None
    verdict = next((o for o in VERDICTS if o.value == submission.answers.get("verdict")), None)
    lines: list[Text] = []  # the first says what arrived; a founder's answer follows it
    if purpose == RATING and verdict is not None:
        msgid = N_("The founder rated the handling of {case}: {verdict} ({reference}, {title}).")
        lines.append(Text(msgid, facts | {"verdict": verdict.block()}))
    elif purpose == ESCALATION:
        msgid = N_(
            "The founder requests supervision (督办) of {case}, past its deadline: "
            "{reference} ({title}). Received by {office}."
        )
        lines.append(Text(msgid, facts))
    elif submission.parent:
        msgid = (
            N_("The founder answered about {case}: supplement {reference} ({title}, {district}).")
            if "district" in facts
            else N_("The founder answered about {case}: supplement {reference} ({title}).")
        )
        lines += [Text(msgid, facts), *_answer(submission)]
    else:
        msgid = (
            N_("New application {reference}: {title}, {district}. Received by {office}.")
            if "district" in facts
            else N_("New application {reference}: {title}. Received by {office}.")
        )
        lines.append(Text(msgid, facts))
    head, *rest = (renderer.text(line, locale) for line in lines)
    return clip("\n\n".join([head, "\n".join(rest)]) if rest else head, TEXT_LIMIT)


def _answer(submission: Submission) -> list[Text]:
    """The office's question, the founder's typed answer and the names of the files sent."""
    lines: list[Text] = []
    question = str(submission.answers.get("question") or "").strip()
    answer = str(submission.answers.get("answer") or "").strip()
    if question:
        shown = Text.raw(clip(question, QUESTION_SHOWN))
        lines.append(Text(N_("The office asked: “{question}”"), {"question": shown}))
    if answer:
        shown = Text.raw(clip(answer, ANSWER_SHOWN))
        lines.append(Text(N_("The founder's answer: “{answer}”"), {"answer": shown}))
    names = [clip(str(a.get("name") or "?"), NAME_SHOWN) for a in submission.attachments]
    if names:
        files = tuple(Text.raw(name) for name in names[:FILES_SHOWN])
        files += (Text.raw("…"),) if len(names) > FILES_SHOWN else ()
        lines.append(
            Text(
                N_("Files from the founder ({count}): {files}"),
                {"count": len(names), "files": files},
            )
        )
    return lines
