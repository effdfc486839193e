"""No message to a founder runs over 1,200 characters, in Chinese or in English: every screen of
every flow (with its help and a refusal), the checklist and every page of its sections, the
eligibility results, the consent, the reviews, My applications, the menus and the status
messages, walked with representative answers through the real renderer and catalogs."""

from __future__ import annotations

import pytest
from founder_chat import POLICY, RENDERER, Chat

from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.shell.menu import status_update
from flows.shell.results import PAGE_CHARACTERS
from flows.shell.statuses import STATUS_NAMES

LIMIT = 1200
LOCALES = ("zh_CN", "en")

Step = tuple[str, str]  # ("p", value) taps a pick, ("d", "") Done, ("t", text), ("f", name),
# ("k", "") Keep / Use this


def answer(chat: Chat, flow: str, steps: list[Step]) -> None:
    """Answer question after question; on each, first a refusal and ❓ Help, so that those
    screens are rendered too."""
    for op, value in steps:
        assert chat.state.prefs.active == flow, (flow, op, value)
        chat.type("🙂")
        chat.tap(Op.HELP)
        if op == "t":
            chat.type(value)
        elif op == "f":
            chat.upload(value)
        else:
            chat.tap(Op(op), value)


def review_and_confirm(chat: Chat) -> None:
    chat.type("🙂")
    chat.tap(Op.HELP)
    chat.tap(Op.CONFIRM)


def read_every_section(chat: Chat) -> int:
    """Open every section of the result on screen and turn every page; the pages read."""
    sections = [a for a in chat.actions() if a.op is Op.VIEW and a.step]
    read = 0
    for section in sections:
        chat.send(Event.of_action(section))
        read += 1
        while turn := [a for a in chat.actions() if a.op is Op.VIEW and a.step == _next(chat)]:
            chat.send(Event.of_action(turn[0]))
            read += 1
    return read


def _next(chat: Chat) -> str:
    """The step of the Next ▶️ button on the page shown, if it has one."""
    shown = [a.step for a in chat.actions() if a.op is Op.VIEW and a.step]
    pages = [b.action.step for row in chat.screen.buttons for b in row if "▶️" in str(b.label)]
    return pages[0] if pages and pages[0] in shown else "-"


REGISTRATIONS = {
    "software, graduate": [("p", "llc"), ("p", "software_it"), ("t", "25"), ("t", "400万")]
    + [("t", "浦东新区"), ("p", "leased"), ("p", "graduate"), ("p", "veteran"), ("d", "")],
    "construction, no premises": [("p", "partnership"), ("p", "construction")]
    + [("t", "3000000"), ("t", "3500000"), ("t", "Jing'an"), ("p", "none"), ("s", "")],
    "large": [("p", "llc"), ("p", "other"), ("t", "5000"), ("t", "崇明"), ("p", "owned")]
    + [("p", "disabled"), ("d", "")],
}


@pytest.mark.parametrize("path", REGISTRATIONS, ids=list(REGISTRATIONS))
@pytest.mark.parametrize("locale", LOCALES)
def test_registration_screens_and_checklist_are_short(locale, path):
    chat = Chat(locale)
    chat.command("start", "registration")
    answer(chat, "registration", REGISTRATIONS[path])
    review_and_confirm(chat)
    assert chat.draft("registration").finished
    assert read_every_section(chat) >= 5
    chat.command("apps")
    chat.tap(Op.VIEW, "registration")
    assert_short(chat)


ELIGIBLE_FOR_ALL = [("p", "graduate"), ("t", "2023"), ("p", "hukou"), ("p", "yes")]
ELIGIBLE_FOR_ALL += [("p", "yes"), ("t", "2025-09-01"), ("p", "small_micro"), ("t", "浦东")]
ELIGIBLE_FOR_ALL += [("t", "2"), ("t", "2025-06-01"), ("p", "yes"), ("p", "no")]
FORM = [("t", "欧阳娜娜"), ("t", "11010519491231002X"), ("t", "13812345678")]
FORM += [("t", "上海浦东新区某某信息科技发展有限公司"), ("t", "91130600738737199K")]
EXTRA = {"lease_months": "24", "monthly_rent": "6000", "loan_amount": "20万"}
PROGRAMMES = ("startup_subsidy", "rent_subsidy", "startup_loan", "social_insurance_subsidy")
PROGRAMMES += ("key_group_tax_relief",)


def apply(chat: Chat, programme: str) -> None:
    """Eligibility (every programme fits), the programme, consent, form, documents, review."""
    chat.command("start", "subsidy")
    answer(chat, "subsidy", ELIGIBLE_FOR_ALL)
    offered = {a.value for a in chat.actions() if a.op is Op.PICK}
    once = {"startup_subsidy"} & {e["programme"] for e in chat.state.applications}
    assert offered == set(PROGRAMMES) - once  # a one-time programme is not offered again
    answer(chat, "subsidy", [("p", programme), ("p", "decline"), ("p", "agree"), *FORM])
    draft = chat.draft("subsidy")
    while draft.step != "summary":
        if draft.step.startswith("doc_"):
            answer(chat, "subsidy", [("f", f"{draft.step}.pdf"), ("d", "")])
        else:
            answer(chat, "subsidy", [("t", EXTRA[draft.step])])
    review_and_confirm(chat)


@pytest.mark.parametrize("programme", PROGRAMMES)
@pytest.mark.parametrize("locale", LOCALES)
def test_subsidy_screens_are_short_for_every_programme(locale, programme):
    chat = Chat(locale)
    apply(chat, programme)
    assert chat.state.applications[-1]["programme"] == programme
    chat.command("apps")
    assert_short(chat)


@pytest.mark.parametrize("locale", LOCALES)
def test_eligibility_results_are_short_when_nothing_fits(locale):
    chat = Chat(locale)
    chat.command("start", "subsidy")
    answer(chat, "subsidy", [("p", "other"), ("p", "none"), ("p", "no"), ("p", "no")])
    answer(chat, "subsidy", [("p", "other"), ("t", "浦东"), ("p", "no"), ("p", "yes")])
    assert chat.draft("subsidy").step == "programme"
    chat.tap(Op.HELP)
    assert_short(chat)


CALCULATOR = [("p", "government_body"), ("t", "2025-03-01"), ("t", "2025-04-01"), ("t", "90")]
CALCULATOR += [("t", "120万"), ("t", "3000.50"), ("p", "go")]
LONG_STORY = [("t", "对方以检查为名多次要求我们购买指定的服务，否则不予通过。" * 40)] * 3
COMPLAINT_PATHS = {
    "anonymous": [("p", "anonymous")],
    "real-name": [("p", "real_name"), ("k", ""), ("k", "")],
}


@pytest.mark.parametrize("identity", COMPLAINT_PATHS)
@pytest.mark.parametrize("category", [c.id for c in POLICY.complaint_categories])
@pytest.mark.parametrize("locale", LOCALES)
def test_complaint_screens_are_short_for_every_category(locale, category, identity):
    """Each category's explanation, the calculator's result, a description at its limit (the
    warning and the refusal), evidence, both identities, the review and the confirmation."""
    chat = Chat(locale)
    chat.state.profile |= {"applicant_name": "欧阳娜娜", "mobile": "13987654321"}
    chat.command("start", "complaint")
    answer(chat, "complaint", [("p", category), ("p", "go")])
    if category == "arrears":
        answer(chat, "complaint", CALCULATOR)
    else:
        answer(chat, "complaint", [("p", "association")])
    answer(
        chat, "complaint", [("t", "上海浦东新区某某信息科技发展有限公司"), *LONG_STORY, ("d", "")]
    )
    answer(chat, "complaint", [("t", "2026-10-15")])
    if category != "arrears":
        answer(chat, "complaint", [("t", "1.2万")])
    answer(chat, "complaint", [("f", "a.pdf"), ("f", "b.jpg"), ("d", ""), ("t", "退还" * 200)])
    answer(chat, "complaint", COMPLAINT_PATHS[identity])
    review_and_confirm(chat)
    assert chat.state.new_submissions[-1].flow == "complaint"
    if identity == "anonymous":  # not listed: nothing of the founder's links to it
        assert chat.state.applications == []
        return
    chat.command("apps")
    chat.tap(Op.VIEW, chat.state.applications[-1]["reference"])
    assert_short(chat)


NOTE = "请补充租赁合同第2页和近三个月的社保缴费记录。Please add page 2 of the lease."


@pytest.mark.parametrize("locale", LOCALES)
def test_answering_an_office_and_my_applications_are_short(locale):
    chat = Chat(locale)
    chat.command("start", "registration")
    answer(chat, "registration", REGISTRATIONS["software, graduate"])
    review_and_confirm(chat)
    for programme in PROGRAMMES:
        apply(chat, programme)
    case = chat.state.applications[0]
    case |= {"status": "more_info", "question": NOTE}
    chat.send(Event.of_action(Action(Op.SUPPLY, value=case["reference"])))
    answer(chat, "supplement", [("t", "第2页已补拍，社保记录见附件。"), ("f", "p2.pdf"), ("d", "")])
    review_and_confirm(chat)
    chat.command("start", "subsidy")  # an unfinished draft …
    chat.command("start")  # … offered on /start
    for command in ("apps", "help", "language", "menu"):
        chat.command(command)
    chat.command("start", "subsidy")
    chat.tap(Op.CANCEL)
    assert_short(chat)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_longest_question_and_answer_stay_short(locale):
    """An office's question of the 1,000 characters a note keeps, and an answer as long as
    a message may carry: repeated on the screens only in part."""
    chat = Chat(locale)
    chat.state.applications.append(
        {
            "reference": "SUB-20261128-7Q4K9M",
            "flow": "subsidy",
            "programme": "key_group_tax_relief",
            "office": "district_tax",
            "district": "pudong",
            "status": "more_info",
            "question": LONGEST_NOTE,
        }
    )
    chat.send(Event.of_action(Action(Op.SUPPLY, value="SUB-20261128-7Q4K9M")))
    answer(chat, "supplement", [("t", "已补。" * 333)])
    chat.tap(Op.BACK)  # the answer shown again as the current one
    chat.tap(Op.KEEP)
    answer(chat, "supplement", [("s", "")])
    review_and_confirm(chat)
    assert chat.state.applications[-1]["parent"] == "SUB-20261128-7Q4K9M"
    assert_short(chat)


LONGEST_NOTE = "请补充材料。" * 166  # the status desk keeps 1,000 characters of a note


@pytest.mark.parametrize("note", ["", NOTE, LONGEST_NOTE])
@pytest.mark.parametrize("status", sorted(STATUS_NAMES))
@pytest.mark.parametrize("locale", LOCALES)
def test_status_messages_are_short(locale, status, note):
    chat = Chat(locale)
    reference = "SUB-20261128-7Q4K9M-S1"
    update = status_update(reference, "key_group_tax_relief", status, note, chat.conv.policy)
    text = RENDERER.render(update, locale).text
    assert len(text) <= LIMIT, (len(text), text[:200])


def test_section_pages_leave_room_for_their_heading_and_buttons():
    assert PAGE_CHARACTERS + 150 <= LIMIT  # a heading, "Page 2 of 3", the line breaks


def assert_short(chat: Chat) -> None:
    long = [(len(m.text), m.text[:80]) for m in chat.sent if len(m.text) > LIMIT]
    assert not long, f"{chat.locale}: messages over {LIMIT} characters: {long}"
    assert len(chat.sent) > 10
