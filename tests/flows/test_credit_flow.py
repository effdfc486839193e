"""The credit-repair flow on its own (no Redis, no channel): which record, whether it is
published, when it can be repaired (named only from rules a person checked; then a reminder
on the day), the cure for the abnormal operations list, obligations, proof, the company, the
commitment letter and the submission it makes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from flows.engine.draft import SUMMARY, Draft
from flows.engine.events import Event, EventKind, FileRef
from flows.engine.outcome import Action, Op, Reply
from flows.engine.periods import Period
from flows.engine.runner import FlowRunner
from flows.engine.spec import Context
from flows.engine.text import spellings
from flows.policy.loader import load_policy_data
from flows.services.credit.flow import build
from tests.policy_files import checked_text

TODAY = dt.date(2026, 12, 1)
SHIPPED = load_policy_data()
CODE = "91310115MA1K3YJ12G"  # passes the GB 32100 check


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("policy") / "policy.toml"
    path.write_text(checked_text("credit_rule"), encoding="utf-8")
    return load_policy_data(path)


def ctx(policy: Any, today: dt.date = TODAY) -> Context:
    return Context(policy=policy, today=today, reference="SUB-20261201-CRD001", now=1_796_100_000)


def said(reply: Reply) -> str:
    return "\n".join(spellings(block)["en"] for block in reply.blocks)


def labels(reply: Reply) -> list[str]:
    return [spellings(b.label)["en"] for row in reply.buttons for b in row]


def tap(runner: FlowRunner, draft: Draft, op: Op, value: str = "") -> Event:
    step = str(runner.spec.index(draft.step)) if draft.step != SUMMARY else "s"
    return Event.of_action(Action(op, runner.spec.code, step, value))


def pick(runner: FlowRunner, draft: Draft, c: Context, value: str) -> Reply:
    result = runner.handle(draft, tap(runner, draft, Op.PICK, value), c)
    return result.replies[-1]


def typed(runner: FlowRunner, draft: Draft, c: Context, text: str) -> Reply:
    return runner.handle(draft, Event.of_text(text), c).replies[-1]


def penalty(
    policy: Any,
    decided: str,
    *,
    sector: str = "other",
    grade: str = "general",
    today: dt.date = TODAY,
) -> tuple[FlowRunner, Draft, Context, Reply]:
    runner, c = FlowRunner(build(policy)), ctx(policy, today)
    draft = runner.begin(0)
    pick(runner, draft, c, "penalty")
    pick(runner, draft, c, "ordinary")
    typed(runner, draft, c, decided)
    typed(runner, draft, c, "沪市监罚（2025）123号")
    pick(runner, draft, c, "samr_shanghai")
    pick(runner, draft, c, sector)
    screen = pick(runner, draft, c, grade)
    return runner, draft, c, screen


def test_a_general_penalty_waits_for_its_day_and_offers_a_reminder(checked: Any) -> None:
    runner, draft, c, screen = penalty(checked, "2026-10-15")
    assert draft.step == "window"
    text = said(screen)
    assert "from 2027-01-15" in text and "ends by itself on 2027-10-15" in text
    assert "checked 2026-12-01" in text
    assert "▶️ Continue" not in labels(screen)
    assert "🔔 Remind me on 2027-01-15" in labels(screen)
    result = runner.handle(draft, tap(runner, draft, Op.REMIND, "on"), c)
    assert draft.remind_on == "2027-01-15" and result.saved
    # on the day, the same draft goes on, and the reminder is no longer offered
    later = ctx(checked, dt.date(2027, 1, 15))
    screen = runner.screen(draft, later)
    assert "▶️ Continue" in labels(screen) and not any("Remind" in x for x in labels(screen))
    pick(runner, draft, later, "go")
    assert draft.step == "obligations_met"


def test_unchecked_rules_name_no_date_and_decide_nothing() -> None:
    *_, screen = penalty(SHIPPED, "2026-10-15")
    text = said(screen)
    assert "2027" not in text and "not yet checked" in text
    assert "Credit China (Shanghai)" in text
    assert "▶️ Continue" in labels(screen) and not any("Remind" in x for x in labels(screen))


def test_food_and_fire_safety_wait_longer(checked: Any) -> None:
    *_, screen = penalty(checked, "2026-06-01", sector="food", grade="serious")
    assert "from 2027-06-01" in said(screen) and "2029-06-01" in said(screen)
    *_, screen = penalty(checked, "2026-06-01", sector="food", grade="unknown")
    text = said(screen)  # the sector's rule decides the day; nothing says when it ends
    assert "from 2027-06-01" in text and "Art. 67" in text and "ends" not in text


def test_the_rule_that_ends_publicity_is_named_when_another_decides_the_day(checked: Any) -> None:
    policy = dataclasses.replace(
        checked,
        credit_rules=tuple(
            dataclasses.replace(r, maximum=Period(years=3)) if r.id == "general_penalty" else r
            for r in checked.credit_rules
        ),
    )
    *_, screen = penalty(policy, "2026-06-01", sector="drugs", grade="general")
    text = said(screen)
    assert "from 2027-06-01" in text and "Art. 67" in text  # the sector's minimum
    assert "ends by itself on 2029-06-01 (General" in text  # the grade's maximum, named


def test_publicity_that_ends_first_leaves_nothing_to_apply_for(checked: Any) -> None:
    *_, screen = penalty(checked, "2026-06-01", sector="fire_safety", grade="general")
    assert "nothing to apply for" in said(screen)
    assert "▶️ Continue" not in labels(screen)


@pytest.mark.parametrize("procedure", ["simplified", "warning"])
def test_a_penalty_that_is_not_published_stops_with_the_rule(checked: Any, procedure: str) -> None:
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    pick(runner, draft, c, "penalty")
    screen = pick(runner, draft, c, procedure)
    assert draft.step == "not_published"
    assert "nothing to repair" in said(screen) and "Art. 67" in said(screen)
    assert labels(screen) == ["⬅️ Back", "❓ Help", "✖️ Cancel", "🏠 Menu"]


def test_an_unchecked_not_published_rule_lets_the_founder_go_on() -> None:
    runner, c = FlowRunner(build(SHIPPED)), ctx(SHIPPED)
    draft = runner.begin(0)
    pick(runner, draft, c, "penalty")
    screen = pick(runner, draft, c, "warning")
    assert "not yet checked" in said(screen) and "It is published" in labels(screen)
    pick(runner, draft, c, "shown")
    assert draft.step == "decided_on"


def test_decision_numbers_are_normalised_or_kept_with_a_warning(checked: Any) -> None:
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    pick(runner, draft, c, "penalty")
    pick(runner, draft, c, "ordinary")
    typed(runner, draft, c, "2026-05-01")
    screen = typed(runner, draft, c, "沪市监罚［２０２５］１２３号")
    assert draft.answers["decision_no"] == "沪市监罚〔2025〕123号"
    assert "usual form" not in said(screen)
    runner.handle(draft, tap(runner, draft, Op.BACK), c)
    screen = typed(runner, draft, c, "罚单A-17")
    assert draft.answers["decision_no"] == "罚单A-17" and draft.step == "authority"
    assert "does not look like the usual form" in said(screen)


def test_a_future_decision_date_is_refused_and_the_draft_kept(checked: Any) -> None:
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    pick(runner, draft, c, "penalty")
    pick(runner, draft, c, "ordinary")
    before = dict(draft.answers)
    screen = typed(runner, draft, c, "2027-01-01")
    assert draft.answers == before and draft.step == "decided_on" and "⚠️" in said(screen)


def at_authority(runner: FlowRunner, draft: Draft, c: Context) -> Reply:
    """A penalty by ordinary procedure, dated and numbered: the authority's step, shown."""
    for step in ("penalty", "ordinary"):
        pick(runner, draft, c, step)
    typed(runner, draft, c, "2026-05-01")
    return typed(runner, draft, c, "沪市监罚〔2026〕9号")


def test_an_unknown_authority_is_taken_as_typed(checked: Any) -> None:
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    at_authority(runner, draft, c)
    typed(runner, draft, c, "上海市某某区某某局")
    assert draft.answers["authority"] == "上海市某某区某某局" and draft.step == "sector"


def test_authorities_are_offered_one_to_a_row(checked: Any) -> None:
    """Their official names are too long for two to a phone's row."""
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    screen = at_authority(runner, draft, c)
    assert draft.step == "authority"
    choice_rows = list(screen.buttons)[:-1]  # the last row: navigation
    assert len(choice_rows) == len(checked.credit_authorities) > 1
    assert all(len(row) == 1 for row in choice_rows)


def test_the_abnormal_list_gives_the_cure_and_the_day_it_leads_to_the_serious_list(
    checked: Any,
) -> None:
    runner, c = FlowRunner(build(checked)), ctx(checked)
    draft = runner.begin(0)
    pick(runner, draft, c, "abnormal_list")
    typed(runner, draft, c, "2024-03-01")
    pick(runner, draft, c, "annual_report")
    screen = pick(runner, draft, c, "xuhui")
    assert draft.step == "cure"
    text = said(screen)
    assert "annual report" in text and "2027-03-01" in text
    assert "seriously illegal and dishonest" in text
    pick(runner, draft, c, "go")
    assert draft.step == "obligations_met"


def test_unchecked_the_abnormal_list_warning_names_no_date() -> None:
    runner, c = FlowRunner(build(SHIPPED)), ctx(SHIPPED)
    draft = runner.begin(0)
    pick(runner, draft, c, "abnormal_list")
    typed(runner, draft, c, "2024-03-01")
    pick(runner, draft, c, "annual_report")
    text = said(pick(runner, draft, c, "xuhui"))
    assert "2027" not in text and "seriously illegal and dishonest" in text


def finish_penalty(policy: Any) -> tuple[FlowRunner, Draft, Context]:
    runner, draft, c, _ = penalty(policy, "2026-06-01")
    pick(runner, draft, c, "go")
    screen = pick(runner, draft, c, "no")
    assert draft.step == "not_yet" and "obligations are met" in said(screen)
    assert labels(screen) == ["⬅️ Back", "❓ Help", "✖️ Cancel", "🏠 Menu"]
    runner.handle(draft, tap(runner, draft, Op.BACK), c)
    pick(runner, draft, c, "yes")
    proof = FileRef("F1", "receipt.pdf", "application/pdf", 1000, "U1", "application/pdf")
    runner.handle(draft, Event(EventKind.FILE, file=proof), c)
    runner.handle(draft, tap(runner, draft, Op.DONE), c)
    typed(runner, draft, c, "上海某某科技有限公司")
    typed(runner, draft, c, CODE)
    assert draft.step == "registered_on"
    return runner, draft, c


def test_a_company_registered_after_the_record_is_asked_to_confirm(checked: Any) -> None:
    runner, draft, c = finish_penalty(checked)
    screen = typed(runner, draft, c, "2026-07-01")
    assert draft.step == "registered_on" and "before the company was registered" in said(screen)
    runner.handle(draft, tap(runner, draft, Op.ACCEPT), c)
    assert draft.answers["registered_on"] == "2026-07-01" and draft.step == "letter"


def test_the_letter_is_shown_confirmed_with_its_time_and_submitted(checked: Any) -> None:
    runner, draft, c = finish_penalty(checked)
    screen = typed(runner, draft, c, "2020-05-20")
    assert draft.step == "letter"
    text = said(screen)
    assert "上海某某科技有限公司" in text and "沪市监罚〔2025〕123号" in text
    assert len(text) <= 1200
    pick(runner, draft, c, "confirmed")
    assert draft.answers["letter_at"] == "2026-12-01T04:40:00Z"
    assert draft.step == SUMMARY
    result = runner.handle(draft, tap(runner, draft, Op.CONFIRM), c)
    done = result.completion
    assert done is not None and done.submission is not None
    sent = done.submission
    assert (sent.programme, sent.office, sent.district) == ("penalty", "credit_china_shanghai", "")
    answers = sent.answers
    assert answers["decision_no"] == "沪市监罚〔2025〕123号" and answers["decision_no_standard"]
    assert answers["commitment"] == "confirmed"
    assert answers["commitment_at"] == "2026-12-01T04:40:00Z"
    assert "上海某某科技有限公司" in answers["commitment_text"]["zh"]
    assert "上海市市场监督管理局于2026-06-01作出的行政处罚" in answers["commitment_text"]["zh"]
    assert answers["earliest_on"] == "2026-09-01" and answers["window_quotable"] is True
    assert not {"window", "not_yet", "letter", "cure", "not_published"} & answers.keys()
    assert [a["document"] for a in sent.attachments] == ["obligation_proof"]
    shown = "\n".join(spellings(b)["en"] for b in done.blocks[0])
    assert "SUB-20261201-CRD001" in shown and "Credit China (Shanghai)" in shown
    assert "The office will tell you how long it takes" in shown  # processing rules unchecked


def test_changing_the_company_asks_for_the_commitment_again(checked: Any) -> None:
    runner, draft, c = finish_penalty(checked)
    typed(runner, draft, c, "2020-05-20")
    pick(runner, draft, c, "confirmed")
    runner.machine.set_answer(draft, "company_name", "上海另一家有限公司")
    assert "letter" not in draft.answers and "letter_at" not in draft.answers


def test_where_the_bot_cannot_name_the_day_the_office_s_day_gets_the_reminder() -> None:
    runner, draft, c, screen = penalty(SHIPPED, "2026-10-15")
    assert "📅 The office told me the date" in labels(screen)
    pick(runner, draft, c, "told")
    refused = typed(runner, draft, c, "2026-01-01")
    assert "before the record was made" in said(refused) and "told_on" not in draft.answers
    screen = typed(runner, draft, c, "2027-02-01")
    assert draft.step == "told_wait" and "from 2027-02-01" in said(screen)
    assert labels(screen)[0] == "🔔 Remind me on 2027-02-01" and "▶️ Continue" not in labels(screen)
    runner.handle(draft, tap(runner, draft, Op.REMIND, "on"), c)
    assert draft.remind_on == "2027-02-01"
    # the founder corrects the day: the reminder for the old one goes
    runner.handle(draft, tap(runner, draft, Op.BACK), c)
    result = runner.handle(draft, Event.of_text("2027-03-01"), c)
    assert draft.remind_on == "" and result.saved
    later = ctx(SHIPPED, dt.date(2027, 3, 1))
    pick(runner, draft, later, "go")
    assert draft.step == "obligations_met"


def test_a_decision_date_changed_to_before_the_company_asks_to_confirm_it(checked: Any) -> None:
    runner, draft, c = finish_penalty(checked)
    typed(runner, draft, c, "2020-05-20")
    pick(runner, draft, c, "confirmed")
    draft.step = "decided_on"  # ✏️ from the summary
    screen = typed(runner, draft, c, "2019-01-10")
    assert "before the company was registered on 2020-05-20" in said(screen)
    assert draft.answers["decided_on"] == "2026-06-01"  # kept until confirmed
    runner.handle(draft, tap(runner, draft, Op.ACCEPT), c)
    assert draft.answers["decided_on"] == "2019-01-10"
