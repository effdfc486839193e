"""The step counter: going forward, "step n of total" counts up by one and keeps its total
unless an answer changed which questions apply, and then that screen says so; a flow in parts
counts each part; the consent is named, not counted; My applications counts the same way."""

from __future__ import annotations

from datetime import date

import pytest

from flows.engine.address import Address
from flows.engine.draft import SUMMARY, FounderState
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Op, Reply
from flows.engine.progress import counted, position
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows

POLICY = load_policy_data()
FLOWS = {spec.id: spec for spec in all_flows(POLICY)}
RECOUNT = "ℹ️ That answer changes which questions apply: {total} in all now, not {before}."
COUNTERS = ("{title} · step {n} of {total}", "{title} · {part} · step {n} of {total}")


def walk(flow: str, steps: list) -> list[tuple[str, Reply]]:
    """Each question screen shown on the way, with the step it was shown for."""
    conv, state = Conversation(list(FLOWS.values()), POLICY), FounderState(Address.telegram(3))
    shown: list[tuple[str, Reply]] = []
    screen: Reply | None = None
    for step in [("open", flow), *steps]:
        if step[0] == "open":
            event = Event.of_command("start", flow)
        elif step[0] == "file":
            event = Event(
                EventKind.FILE,
                file=FileRef(step[1], step[1], "application/pdf", 9, sniffed="application/pdf"),
            )
        elif step[0] == "type":
            event = Event.of_text(step[1])
        else:
            assert screen is not None
            op, value = Op(step[0]), step[1]
            actions = [b.action for row in screen.buttons for b in row]
            event = Event.of_action(
                next(a for a in actions if a.op is op and (not value or a.value == value))
            )
        replies = conv.handle(state, event, 1.0, date(2026, 11, 28), locale="en")
        screen = next((r for r in reversed(replies) if r.buttons), screen)
        draft = state.drafts[flow]
        if draft.step != SUMMARY and screen is not None:
            shown.append((draft.step, screen))
    return shown


def count(screen: Reply) -> tuple[str, int, int, bool]:
    """(part, n, total, whether the screen explains a new total) read off a question screen."""
    recounted = any(getattr(b, "msgid", "") == RECOUNT for b in screen.blocks)
    header = next(b for b in screen.blocks if getattr(b, "msgid", "").startswith("{title} · "))
    if header.msgid not in COUNTERS:
        return "", 0, 0, recounted
    part = header.params.get("part")
    return (part.msgid if part else ""), header.params["n"], header.params["total"], recounted


def pick(value: str) -> tuple[str, str]:
    return ("p", value)


def typed(text: str) -> tuple[str, str]:
    return ("type", text)


REGISTRATION = {
    "software": [pick("llc"), pick("software_it"), typed("25"), typed("400万"), typed("静安")]
    + [pick("none"), ("s", "")],
    "other industry": [pick("individual"), pick("other"), typed("3"), typed("浦东")]
    + [pick("leased"), pick("graduate"), ("d", "")],
}
ELIGIBLE = [pick("graduate"), typed("2023"), pick("hukou"), pick("yes"), pick("yes")]
ELIGIBLE += [
    typed("2025-01-01"),
    pick("small_micro"),
    typed("浦东"),
    typed("2"),
    typed("2025-06-01"),
]
ELIGIBLE += [pick("yes"), pick("no")]
FORM = [typed("张三"), typed("11010519491231002X"), typed("13812345678"), typed("某某有限公司")]
FORM += [typed("91130600738737199K")]
SUBSIDY = {
    "startup subsidy": [*ELIGIBLE, pick("startup_subsidy"), pick("agree"), *FORM]
    + [x for n in range(3) for x in (("file", f"f{n}.pdf"), ("d", ""))],
    "not registered, loan": [pick("other"), pick("none"), pick("yes"), pick("no")]
    + [pick("individual"), typed("普陀"), pick("no"), pick("no"), pick("startup_loan")]
    + [pick("decline"), pick("agree"), typed("王五"), typed("11010519491231002X")]
    + [typed("13812345678"), typed("20万"), ("file", "id.pdf"), ("d", "")],
}
PATHS = [("registration", k, v) for k, v in REGISTRATION.items()]
PATHS += [("subsidy", k, v) for k, v in SUBSIDY.items()]


@pytest.mark.parametrize(
    ("flow", "path"), [(f, p) for f, _, p in PATHS], ids=[n for _, n, _ in PATHS]
)
def test_going_forward_counts_up_by_one_and_keeps_its_total(flow, path):
    shown = walk(flow, path)
    last = ("?", 0, 0)
    for step, screen in shown:
        part, n, total, recounted = count(screen)
        if not n:  # not counted (the consent): named instead
            continue
        if (part, n) == last[:2]:  # the same question again (a refusal, a file received)
            assert total == last[2] or recounted, step
            continue
        if part != last[0]:
            assert n == 1, f"{step}: a new part starts at step 1"
        else:
            assert n == last[1] + 1, f"{step}: jumped from {last[1]} to {n}"
            assert total == last[2] or recounted, f"{step}: {last[2]} → {total} unexplained"
        last = (part, n, total)
    assert last[1] == last[2], "the last question is step total of total"


def test_the_registration_total_is_explained_when_the_industry_settles_it():
    shown = walk("registration", REGISTRATION["software"])
    counts = {step: count(screen) for step, screen in shown}
    assert counts["business_form"][1:3] == (1, 8)  # staff, revenue, assets: not known yet
    assert counts["staff"] == ("", 3, 7, True)  # software: assets not asked
    assert counts["revenue"] == ("", 4, 7, False)


def test_the_subsidy_counts_its_two_parts_and_names_the_consent():
    shown = dict(walk("subsidy", SUBSIDY["startup subsidy"]))
    assert count(shown["applicant"])[:3] == ("Eligibility check", 1, 13)
    assert count(shown["programme"])[:3] == ("Eligibility check", 13, 13)
    header = shown["consent"].blocks[0]
    assert header.msgid == "{title} · {label}"  # not "step 14 of 14"
    assert count(shown["applicant_name"])[:3] == ("Application", 1, 8)  # 5 form, 3 documents
    assert count(shown["doc_graduation_certificate"])[:3] == ("Application", 8, 8)


def test_an_answer_that_drops_questions_says_so():
    shown = walk("subsidy", [pick("other")])  # not a graduate: no graduation year
    assert count(shown[-1][1]) == ("Eligibility check", 2, 12, True)


def test_open_questions_count_as_applying_and_presumed_answers_as_given():
    spec = FLOWS["subsidy"]
    names = [f.name for f in counted(spec, {})]
    assert "graduation_year" in names and "consent" not in names  # open; not a step
    chosen = {"programme": "startup_loan", "registered": False, "lease": False}
    chosen |= {"applicant": "other", "insured_staff": 0}
    after = [f.name for f in counted(spec, chosen)]
    assert "applicant_name" in after and "loan_amount" in after  # the consent presumed given
    assert "lease_months" not in after and "company_name" not in after


def test_my_applications_count_as_the_screens_do():
    spec = FLOWS["registration"]
    at = position(spec, {"business_form": "llc"}, "industry")
    assert (at.n, at.total, at.answered) == (2, 8, 1)
