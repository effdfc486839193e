"""Complaints through the conversation, rendered in both languages: every category to its
submission, the payment calculator and its refusals, the figures the confidence rule lets the
bot state, a description over several messages, real-name and anonymous, the deadline."""

from __future__ import annotations

import tomllib
from datetime import date

import pytest
from founder_chat import POLICY, RENDERER, TODAY, Chat

from flows.engine.address import Address
from flows.engine.draft import SUMMARY, FounderState
from flows.engine.outcome import Op
from flows.policy.deadlines import expected_deadline
from flows.policy.loader import DEFAULT_PATH, parse_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows

FLOW = "complaint"
CONTACT = ("applicant_name", "mobile")
PROFILE = {"applicant_name": "李四", "mobile": "13987654321", "district": "pudong"}
CATEGORIES = [c.id for c in POLICY.complaint_categories]
ARREARS = [("p", "government_body"), ("t", "2025-07-01"), ("t", "2025-08-01"), ("s", "")]
ARREARS += [("t", "12,000"), ("t", "0"), ("p", "go")]


def start(chat: Chat, category: str) -> None:
    chat.command("start", FLOW)
    chat.tap(Op.PICK, category)
    assert chat.draft(FLOW).step == "expect"
    chat.tap(Op.PICK, "go")


def steps(chat: Chat, path: list[tuple[str, str]]) -> None:
    for op, value in path:
        if op == "t":
            chat.type(value)
        elif op == "f":
            chat.upload(value)
        else:
            chat.tap(Op(op), value)


def describe(chat: Chat, category: str, *, amount: str = "5000") -> None:
    """Everything after the category (and calculator) up to real-name or anonymous."""
    if category == "arrears":
        steps(chat, ARREARS)
    else:
        steps(chat, [("p", "government_body")])
    steps(
        chat, [("t", "上海市某某局"), ("t", "对方要求我们赞助。"), ("t", "金额不小。"), ("d", "")]
    )
    steps(chat, [("t", "2026-10-15")])
    if category != "arrears":
        steps(chat, [("t", amount)])
    steps(chat, [("f", "notice.pdf"), ("d", ""), ("t", "停止摊派，退还费用")])
    assert chat.draft(FLOW).step == "identity"


def submitted(chat: Chat):
    """The submission the last confirm created (the founder state keeps it until committed)."""
    return chat.state.new_submissions[-1]


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
@pytest.mark.parametrize("category", CATEGORIES)
def test_every_category_reaches_its_office_real_name(category, locale):
    chat = Chat(locale, FounderState(founder=Address.telegram(5), profile=dict(PROFILE)))
    start(chat, category)
    describe(chat, category)
    chat.tap(Op.PICK, "real_name")
    assert "李四" in chat.text  # offered from the profile, to confirm
    chat.tap(Op.KEEP)
    assert "139****4321" in chat.text and "13987654321" not in chat.text
    chat.tap(Op.KEEP)
    assert chat.draft(FLOW).step == SUMMARY
    assert "139****4321" in chat.text and "13987654321" not in chat.text
    chat.tap(Op.CONFIRM)
    sub = submitted(chat)
    chosen = POLICY.complaint_category(category)
    assert (sub.flow, sub.programme, sub.office, sub.district) == (
        FLOW,
        category,
        chosen.office,
        "",
    )
    answers = sub.answers
    assert answers["category"] == category and answers["identity"] == "real_name"
    assert answers["anonymous"] is False
    assert (answers["applicant_name"], answers["mobile"]) == ("李四", "13987654321")
    assert answers["description"] == "对方要求我们赞助。\n金额不小。"
    assert answers["evidence"][0]["name"] == "notice.pdf"
    assert sub.attachments[0]["document"] == "evidence"
    assert "expect" not in answers and "arrears_result" not in answers
    expected = expected_deadline(POLICY, chosen.deadline, TODAY)
    assert answers["deadline"] == expected.date.isoformat()
    assert answers["deadline_rule"] == chosen.deadline
    assert answers["deadline_quotable"] is False
    if category == "arrears":
        assert answers["outstanding"] == "12000" and "amount" not in answers
        assert answers["term_days"] is None
    else:
        assert answers["amount"] == "5000" and answers["respondent_type"] == "government_body"
    assert chat.state.profile == PROFILE  # a complaint remembers nothing
    done = chat.text
    assert expected.date.isoformat() not in done  # the rule is only transcribed
    assert ("受理部门" if locale == "zh_CN" else "The office will tell you") in done


@pytest.mark.parametrize("category", CATEGORIES)
def test_anonymous_never_asks_offers_or_stores_contact(category):
    state = FounderState(founder=Address.telegram(6), profile=dict(PROFILE))
    chat = Chat("en", state)
    start(chat, category)
    describe(chat, category)
    chat.tap(Op.PICK, "anonymous")
    draft = chat.draft(FLOW)
    assert draft.step == SUMMARY
    for record in (draft.answers, draft.defaults, draft.scratch):
        assert not set(CONTACT) & set(record)
    shown = "\n".join(m.text for m in chat.sent)
    assert "13987654321" not in shown and "139****4321" not in shown
    assert "李四" not in shown
    chat.tap(Op.CONFIRM)
    sub = submitted(chat)
    assert sub.answers["identity"] == "anonymous" and sub.answers["anonymous"] is True
    assert not set(CONTACT) & set(sub.answers)
    assert "13987654321" not in repr(sub.to_json()) and "李四" not in repr(sub.to_json())
    assert "no status updates can follow" in chat.text


def test_no_contact_is_copied_into_the_draft_before_a_real_name_complaint_asks():
    chat = Chat("en", FounderState(founder=Address.telegram(7), profile=dict(PROFILE)))
    chat.command("start", FLOW)
    draft = chat.draft(FLOW)
    assert draft.defaults == {} and not set(CONTACT) & set(draft.answers)


def test_switching_to_anonymous_drops_the_contact_given():
    chat = Chat("en", FounderState(founder=Address.telegram(8)))
    start(chat, "forced_charges")
    describe(chat, "forced_charges")
    steps(chat, [("p", "real_name"), ("t", "王五"), ("t", "+86 139 1234 5678")])
    draft = chat.draft(FLOW)
    assert draft.step == SUMMARY and draft.answers["mobile"] == "13912345678"
    identity = chat.conv.runners[FLOW].spec.index("identity")
    chat.tap(Op.EDIT, str(identity))
    chat.tap(Op.PICK, "anonymous")
    assert draft.step == SUMMARY and not set(CONTACT) & set(draft.answers)
    chat.tap(Op.CONFIRM)
    assert not set(CONTACT) & set(submitted(chat).answers)


def test_calculator_refuses_bad_dates_and_amounts_and_reads_common_forms():
    chat = Chat("en")
    start(chat, "arrears")
    chat.tap(Op.PICK, "large_enterprise")
    draft = chat.draft(FLOW)
    chat.type("2026-12-01")  # after today
    assert draft.step == "contract_on" and "no later than today" in chat.text
    chat.type("2025-07-01")
    chat.type("2025-06-30")  # delivered before the contract
    assert draft.step == "delivered_on" and "cannot be before the contract date" in chat.text
    chat.type("2026-12-02")
    assert draft.step == "delivered_on"
    chat.type("2025年8月1日")
    assert draft.answers["delivered_on"] == "2025-08-01"
    chat.type("45天")
    assert draft.answers["term_days"] == 45
    for bad in ("12,000.001", "abc", "0", "-5"):
        chat.type(bad)
        assert draft.step == "owed", bad
    assert "at least" in chat.text  # "-5": a positive amount is asked for
    chat.type("1.2万")
    assert draft.answers["owed"] == "12000"
    chat.type("¥13000")  # more than owed
    assert draft.step == "paid" and "cannot be more than the amount owed" in chat.text
    chat.type("3000.555")
    assert draft.step == "paid" and "two decimals" in chat.text
    chat.type("¥3000")
    assert draft.answers["paid"] == "3000" and draft.step == "arrears_result"
    back_to = chat.conv.runners[FLOW].spec
    assert back_to.index("arrears_result") > back_to.index("paid")


def test_amount_forms_of_a_complaint():
    chat = Chat("en")
    start(chat, "association_fees")
    steps(chat, [("p", "association"), ("t", "某某行业协会"), ("t", "强制入会"), ("d", "")])
    steps(chat, [("t", "2026-09-01")])
    draft = chat.draft(FLOW)
    for bad in ("1.234", "¥", "0"):
        chat.type(bad)
        assert draft.step == "amount", bad
    chat.type("12,000")
    assert draft.answers["amount"] == "12000"


def test_arrears_result_withholds_the_figures_of_transcribed_rules():
    chat = Chat("en")
    start(chat, "arrears")
    steps(chat, [("p", "government_body"), ("t", "2025-07-01"), ("t", "2025-08-01")])
    steps(chat, [("t", "90"), ("t", "12000"), ("t", "2000")])
    shown = chat.text
    assert chat.draft(FLOW).step == "arrears_result"
    assert "¥10,000 is still unpaid" in shown  # the founder's own figures
    assert "not yet checked against the law" in shown
    assert "may be longer than the law allows" in shown  # 90 days to a public payer
    assert "may not retaliate" in shown and "Art. 54" in shown
    for figure in ("Legal due date", "424", "0.05", "2025-09-30", "¥2,120"):
        assert figure not in shown


def verified_policy():
    doc = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    for entry in (*doc["payment_term"], *doc["late_interest"], *doc["deadline"]):
        entry.pop("transcribed_on")
        entry["verified_on"] = date(2026, 11, 30)
    return parse_policy_data(doc)


def test_arrears_result_states_figures_once_the_rules_are_verified():
    policy = verified_policy()
    chat = Chat("en")
    chat.conv = Conversation(all_flows(policy), policy, spell=RENDERER.spellings)
    start(chat, "arrears")
    steps(chat, [("p", "government_body"), ("t", "2025-07-01"), ("t", "2025-08-01")])
    steps(chat, [("t", "90"), ("t", "12000"), ("t", "2000")])
    shown = chat.text
    # 60 days at most for a public payer: 2025-09-30, a working day
    assert "Legal due date: 2025-09-30" in shown and "the legal maximum" in shown
    assert "longer than the 60 days the law allows" in shown
    assert "424 days overdue" in shown  # 2025-09-30 to 2026-11-28
    assert "¥2,120" in shown  # 10,000 × 0.05% × 424
    assert "checked 2026-11-30" in shown
    steps(chat, [("p", "go"), ("t", "上海市某某局"), ("t", "欠款未付"), ("d", "")])
    steps(chat, [("t", "2025-10-08"), ("s", ""), ("t", "付清欠款"), ("p", "anonymous")])
    chat.tap(Op.CONFIRM)
    expected = expected_deadline(policy, "arrears_decision", TODAY)
    assert submitted(chat).answers["deadline_quotable"] is True
    assert "The office should act by" in chat.text and expected.date.isoformat() in chat.text


def test_description_over_several_messages_with_the_warning_at_the_limit():
    chat = Chat("en")
    start(chat, "other")
    steps(chat, [("p", "enterprise"), ("t", "某某公司")])
    draft = chat.draft(FLOW)
    chat.tap(Op.DONE)  # nothing yet
    assert draft.step == "description" and "at least one message" in chat.text
    chat.type("🙂🙂")
    assert draft.step == "description" and "in words" in chat.text
    chat.type("甲" * 1500)
    chat.type("乙" * 1100)
    assert "Added (2601 characters so far)" in chat.text
    assert "Only" not in chat.text  # 399 left: above the warning
    chat.type("丙" * 150)
    assert "Only 248 characters left" in chat.text
    chat.type("丁" * 300)  # would pass 3,000: refused whole, never cut
    assert "Nothing of it was added" in chat.text and "at most 247 characters" in chat.text
    assert len(draft.scratch["description"]) == 3
    chat.type("好了")  # a button's name: Done, not more text
    assert draft.answers["description"] == "\n".join(["甲" * 1500, "乙" * 1100, "丙" * 150])
    assert draft.step == "happened_on"
    chat.tap(Op.BACK)
    assert "So far 1 message(s), 2752" in chat.text  # the answer is the start of the text
    chat.type("补充一句。")
    chat.tap(Op.REMOVE)
    assert draft.scratch["description"] == [] and len(draft.answers["description"]) == 2752
    chat.type("重写的经过。")
    chat.tap(Op.DONE)
    assert draft.answers["description"] == "重写的经过。"
    assert all(len(m.text) <= 1200 for m in chat.sent)


def test_a_respondent_named_only_with_symbols_is_refused():
    chat = Chat("zh_CN")
    start(chat, "inspections")
    chat.tap(Op.PICK, "government_body")
    for symbols in ("!!!", "？？", "……", "@#¥%", "123"):
        chat.type(symbols)
        assert chat.draft(FLOW).step == "respondent", symbols
    assert "只有符号无法转交" in chat.text
    chat.type("某区市场监督管理局")
    assert chat.draft(FLOW).answers["respondent"] == "某区市场监督管理局"


def test_typed_labels_and_synonyms_choose():
    chat = Chat("zh_CN")
    chat.command("start", FLOW)
    chat.type("拖欠")
    assert chat.draft(FLOW).answers["category"] == "arrears"
    chat.type("继续")
    chat.type("事业单位")
    assert chat.draft(FLOW).answers["payer_type"] == "public_institution"
    chat.tap(Op.BACK)
    chat.tap(Op.BACK)
    chat.tap(Op.BACK)
    assert chat.draft(FLOW).step == "category"
    chat.type("Inspections out of proportion")  # the English label, in a Chinese chat
    assert chat.draft(FLOW).answers["category"] == "inspections"
    chat.type("go on")
    chat.type("商会")
    assert chat.draft(FLOW).answers["respondent_type"] == "association"


def test_happened_on_must_be_past_and_outcome_is_asked():
    chat = Chat("en")
    start(chat, "market_access")
    steps(chat, [("p", "other"), ("t", "某招标代理公司"), ("t", "要求本地注册"), ("d", "")])
    chat.type("2027-01-01")
    assert chat.draft(FLOW).step == "happened_on"
    chat.type("2026-11-28")
    steps(chat, [("s", ""), ("s", "")])
    assert chat.draft(FLOW).step == "outcome"
    chat.type("x" * 501)
    assert chat.draft(FLOW).step == "outcome"


def test_the_summary_leaves_out_the_explanation_screens():
    chat = Chat("en")
    start(chat, "arrears")
    describe(chat, "arrears")
    chat.tap(Op.PICK, "anonymous")
    labels = [str(b.label) for row in chat.screen.buttons for b in row]
    assert not any("What you can expect" in label for label in labels)
    assert "What you can expect" not in chat.text and "What the payment rules say" not in chat.text


def test_my_applications_names_the_category():
    chat = Chat("en")
    start(chat, "inspections")
    describe(chat, "inspections")
    chat.tap(Op.PICK, "real_name")
    steps(chat, [("t", "张三"), ("t", "13812345678")])
    chat.tap(Op.CONFIRM)
    chat.command("apps")
    assert "Inspections out of proportion to credit and risk" in chat.text


def test_an_anonymous_tip_off_is_not_listed_and_names_no_one():
    chat = Chat("en")
    start(chat, "inspections")
    describe(chat, "inspections")
    chat.tap(Op.PICK, "anonymous")
    chat.tap(Op.CONFIRM)
    (tip,) = chat.state.new_submissions
    assert tip.founder == chat.state.founder.anonymous() and not tip.founder.reachable
    assert chat.state.applications == []
    assert "no status updates can follow" in chat.text
    chat.command("apps")
    assert "Inspections out of proportion" not in chat.text


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_category_buttons_fit_a_phone_and_the_full_title_typed_still_picks_one(locale):
    """One per row, a category's button shows its short title (a phone cuts a long one); the
    full title, typed, still picks it."""
    chat = Chat(locale)
    chat.command("start", FLOW)
    labels = [b.label for row in chat.sent[-1].buttons for b in row]
    assert len(labels) >= len(POLICY.complaint_categories)
    assert all(len(label) <= 32 for label in labels[: len(POLICY.complaint_categories)]), labels
    arrears = POLICY.complaint_category("arrears").title
    chat.type(arrears.en if locale == "en" else arrears.zh)
    assert chat.draft(FLOW).answers.get("category") == "arrears"
