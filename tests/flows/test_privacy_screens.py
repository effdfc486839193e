"""The data-rights screens: a summary that stays short however much is stored, a confirmation
before erasure with a way back to the open question, and the request handed to the service
only on the confirming tap."""

from __future__ import annotations

import pytest
from founder_chat import Chat

from flows.engine.outcome import Op

LIMIT = 1200  # characters of a message to a founder


def many_applications(chat: Chat, count: int) -> None:
    chat.state.applications = [
        {
            "reference": f"SUB-20261128-{n:06d}",
            "flow": "subsidy",
            "programme": "startup_loan",
            "status": "accepted",
        }
        for n in range(count)
    ]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_the_summary_stays_short_and_asks_for_the_file(locale):
    chat = Chat(locale)
    chat.command("start", "registration")
    many_applications(chat, 25)
    chat.state.profile = {"company_name": "上海示例科技有限公司" * 5}
    chat.state.changed.clear()  # as after a commit
    (summary,) = chat.command("mydata")
    assert len(summary.text) <= LIMIT
    assert "SUB-20261128-000003" in summary.text and "SUB-20261128-000004" not in summary.text
    assert "21" in summary.text  # … and 21 more in the file
    assert chat.state.request == "export" and not chat.state.changed  # writes nothing
    assert chat.actions()[0].op is Op.OPEN  # ▶️ Continue the open registration


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_erasure_asks_first_and_keeping_returns_to_the_question(locale):
    chat = Chat(locale)
    chat.command("start", "registration")
    chat.tap(Op.PICK, "llc")
    (ask,) = chat.command("deleteme")
    assert len(ask.text) <= LIMIT and chat.state.request == ""
    assert [a.op for a in chat.actions()] == [Op.ERASE, Op.OPEN]
    chat.tap(Op.OPEN)
    assert chat.state.request == "" and chat.state.prefs.active == "registration"
    chat.command("deleteme")
    assert chat.tap(Op.ERASE) == [] and chat.state.request == "erase"  # the service answers


def test_typing_the_label_does_not_erase():
    chat = Chat("en")
    chat.command("deleteme")
    chat.type("Yes, erase my data")
    assert chat.state.request == ""


def test_a_purged_application_says_where_its_answers_are():
    chat = Chat("en")
    many_applications(chat, 1)
    chat.state.applications[0] |= {"purged": True, "submitted_at": 1.0, "office": "district_hrss"}
    chat.command("apps")
    chat.tap(Op.VIEW, "SUB-20261128-000000")
    assert "removed from this bot 365 days after delivery" in chat.text
    assert "What you sent" not in chat.text
