"""Typing a button's label works as tapping it, in either language, with 全角 characters, case,
spaces and punctuation ignored, by a synonym or by the start or a part of a label; text that
fits several buttons is refused naming them; where a typed answer is asked, text stays text."""

from __future__ import annotations

import pytest
from founder_chat import Chat

from flows.engine.outcome import Op

REG_FIRST = [("business_form", "llc"), ("industry", "software_it")]


def at(chat: Chat, flow: str, answers: list[tuple[str, object]]) -> None:
    """Open `flow` and tap through `answers` (field, value) to the next question."""
    chat.command("start", flow)
    for name, value in answers:
        assert chat.draft(flow).step == name
        chat.tap(Op.PICK, str(value))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("有限责任公司", "llc"),  # the Chinese label
        ("Limited company", "llc"),  # the English label
        ("limited COMPANY!", "llc"),  # case and punctuation
        ("ＬＩＭＩＴＥＤ　ｃｏｍｐａｎｙ", "llc"),  # 全角 letters and space
        ("有限公司", "llc"),  # a synonym
        ("LLC", "llc"),
        ("个体户", "individual"),
        ("个体工商户。", "individual"),
        ("  Partnership ", "partnership"),
        ("partner", "partnership"),  # the start of a label
        ("独资", "sole_prop"),
        ("sole", "sole_prop"),
    ],
)
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_a_typed_business_form_is_picked(locale, typed, expected):
    chat = Chat(locale)
    chat.command("start", "registration")
    chat.type(typed)
    assert chat.draft("registration").answers == {"business_form": expected}
    assert chat.draft("registration").step == "industry"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("软件", "software_it"),  # the start of 软件和信息技术服务业
        ("餐饮", "hospitality"),  # a part of 住宿业和餐饮业
        ("Retail", "retail"),
        ("construction", "construction"),
        ("批发业", "wholesale"),
    ],
)
def test_a_typed_industry_is_picked(typed, expected):
    chat = Chat("zh_CN")
    at(chat, "registration", REG_FIRST[:1])
    chat.type(typed)
    assert chat.draft("registration").answers["industry"] == expected


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_text_that_fits_several_buttons_is_refused_naming_them(locale):
    chat = Chat(locale)
    at(chat, "registration", REG_FIRST[:1])
    chat.type("服务")  # in 软件和信息技术服务业, 租赁和商务服务业 …
    assert chat.draft("registration").step == "industry"
    assert "industry" not in chat.draft("registration").answers
    first = chat.sent[-1].text.split("\n\n")[0]
    assert first.startswith("⚠️") and "服务" in first
    names = ("软件和信息技术服务业", "租赁和商务服务业")
    if locale == "en":
        names = ("Software and IT", "Business services")  # as their buttons read
    assert all(name in first for name in names), first


def test_text_that_fits_no_button_says_so_and_keeps_the_step():
    chat = Chat("en")
    chat.command("start", "registration")
    chat.type("a spaceship company")
    assert chat.draft("registration").answers == {}
    assert "is not one of the options" in chat.sent[-1].text


def test_premises_and_groups_by_typing():
    chat = Chat("zh_CN")
    at(chat, "registration", REG_FIRST)
    for text in ("25", "400万", "静安"):
        chat.type(text)
    chat.type("租的")
    assert chat.draft("registration").answers["premises"] == "leased"
    chat.type("毕业生")  # toggles College graduate, as a tap does
    chat.type("退役军人")
    chat.type("退役军人")  # … and off again
    chat.type("完成")
    assert chat.draft("registration").answers["groups"] == ["graduate"]
    chat.type("确认")  # ✅ Confirm on the summary
    assert chat.draft("registration").finished


def test_a_skip_by_typing_none():
    chat = Chat("en")
    at(chat, "registration", REG_FIRST)
    for text in ("25", "400万", "Jing'an", "No premises yet"):
        chat.type(text)
    assert chat.draft("registration").answers["premises"] == "none"
    chat.type("none")  # the optional groups: Skip
    assert chat.draft("registration").answers["groups"] is None


@pytest.mark.parametrize(
    ("typed", "value"),
    [("是", True), ("Ｙｅｓ", True), ("yes", True), ("不是", False), ("no", False), ("否", False)],
)
def test_yes_no_by_typing(typed, value):
    chat = Chat("zh_CN")
    at(chat, "subsidy", [("applicant", "other"), ("residence", "none")])
    chat.type(typed)
    assert chat.draft("subsidy").answers["first_business"] is value


@pytest.mark.parametrize(
    ("typed", "value"), [("同意", "agree"), ("我同意", "agree"), ("我不同意", "decline")]
)
def test_consent_by_typing(typed, value):
    chat = Chat("zh_CN")
    at(
        chat,
        "subsidy",
        [("applicant", "other"), ("residence", "none"), ("first_business", "yes")],
    )
    chat.tap(Op.PICK, "no")  # not registered
    chat.tap(Op.PICK, "small_micro")
    chat.type("普陀")
    for _ in ("lease", "dishonest"):
        chat.tap(Op.PICK, "no")
    chat.type("创业担保贷款")  # the only programme offered, by the start of its title
    assert chat.draft("subsidy").answers["programme"] == "startup_loan"
    chat.type(typed)
    assert chat.draft("subsidy").answers["consent"] == value


def test_navigation_by_typing():
    chat = Chat("zh_CN")
    at(chat, "registration", REG_FIRST[:1])
    chat.type("返回")  # ⬅️ 上一步
    assert chat.draft("registration").step == "business_form"
    chat.type("帮助")
    assert len(chat.replies) == 2 and chat.draft("registration").step == "business_form"
    chat.type("菜单")
    assert chat.state.prefs.active is None
    chat.type("补贴")  # at the menu: the subsidy service
    assert chat.state.prefs.active == "subsidy"


def test_where_a_typed_answer_is_asked_a_valid_answer_stays_an_answer():
    """Text that is a valid answer is the answer; text that is not, but names a button of the
    screen exactly ("back"), acts as the button; anything else is refused as before."""
    chat = Chat("en")
    at(chat, "registration", REG_FIRST)
    chat.type("twelve")  # the staff question wants a number
    assert chat.draft("registration").step == "staff"
    assert "whole number" in chat.sent[-1].text
    chat.type("back")  # no number, but the name of ⬅️ Back
    assert chat.draft("registration").step == "industry"


@pytest.mark.parametrize(
    ("typed", "locale"), [("English", "en"), ("中文", "zh_CN"), ("英文", "en")]
)
def test_a_language_by_typing_its_name_at_the_menu(typed, locale):
    chat = Chat("zh_CN" if locale == "en" else "en")
    chat.command("menu")
    chat.type(typed)
    assert chat.state.prefs.lang == locale


def test_a_service_by_typing_at_the_menu():
    chat = Chat("en")
    chat.command("menu")
    chat.type("registration")
    assert chat.state.prefs.active == "registration"
    chat.type("菜单")
    chat.type("s")  # too short to mean anything: the menu again
    assert chat.state.prefs.active is None and "choose a service" in chat.sent[-1].text
