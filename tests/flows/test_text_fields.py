"""Names and free text refuse input with no letters or characters (only emoji, punctuation, or
for a name only digits), each field in its own words; length limits name their field."""

from __future__ import annotations

import pytest
from test_subsidy_flow import Founder, eligibility
from test_supplement_flow import CASE_REF, waiting

from flows.engine import validators as v
from flows.engine.errors import ValidationFailed
from flows.engine.events import Event
from flows.engine.outcome import Action, Op


@pytest.mark.parametrize("text", ["👍👍", "。。。", "!!!", "🙂 ！", "——", "🇨🇳"])
@pytest.mark.parametrize("letters", [False, True])
def test_no_letters_is_unreadable(text, letters):
    with pytest.raises(ValidationFailed) as refused:
        v.parse_free_text(text, letters=letters)
    assert refused.value.msgid == v.MSG_TEXT_UNREADABLE


@pytest.mark.parametrize(
    ("text", "letters", "ok"),
    [
        ("12345", False, True),  # free text: a number may be the answer
        ("12345", True, False),  # a name: it is not one
        ("张三", True, True),
        ("Zhang San", True, True),
        ("O'Brien-Smith", True, True),
        ("阿卜杜·热合曼", True, True),
        ("👍 好的", False, True),
    ],
)
def test_letters_or_digits_make_text_readable(text, letters, ok):
    try:
        v.parse_free_text(text, letters=letters)
    except ValidationFailed as refused:
        assert not ok and refused.msgid == v.MSG_TEXT_UNREADABLE
    else:
        assert ok


def at_name() -> Founder:
    f = Founder()
    eligibility(f)
    f.tap(Op.PICK, "startup_subsidy")
    f.tap(Op.PICK, "agree")
    assert f.draft.step == "applicant_name"
    return f


def refusal(f: Founder) -> tuple[str, dict]:
    notice = f.replies[-1].blocks[0]
    assert notice.msgid == "⚠️ {reason}", notice
    reason = notice.params["reason"]
    return reason.msgid, reason.params


@pytest.mark.parametrize("text", ["🙂", "12345", "、、"])
def test_a_name_without_letters_is_refused_as_a_name(text):
    f = at_name()
    f.type(text)
    msgid, _ = refusal(f)
    assert f.draft.step == "applicant_name" and "full name" in msgid and "张三" in msgid


def test_a_long_name_is_refused_as_a_name():
    f = at_name()
    f.type("张" * 41)
    msgid, params = refusal(f)
    assert "full name has at most {max_len}" in msgid and params["max_len"] == 40


def test_the_business_name_has_its_own_words():
    f = at_name()
    for text in ("张三", "11010519491231002X", "13812345678"):
        f.type(text)
    assert f.draft.step == "company_name"
    f.type("……")
    assert "registered name" in refusal(f)[0]
    f.type("某" * 101)
    msgid, params = refusal(f)
    assert "registered business name has at most" in msgid and params["max_len"] == 100


def test_an_answer_to_the_office_has_its_own_words():
    f = Founder(waiting())
    f.send(Event.of_action(Action(Op.SUPPLY, value=CASE_REF)))
    f.type("🙏🙏")
    assert "answer to the office in words" in refusal(f)[0]
    f.type("页" * 1001)
    msgid, params = refusal(f)
    assert "answer to the office can be at most" in msgid
    assert (params["max_len"], params["length"]) == (1000, 1001)
    assert f.state.drafts["supplement"].step == "answer"
