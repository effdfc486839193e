"""The announcements screens in both languages: the menu entry, one tap to opt in, topics as
toggles with Done, all topics by default, one tap to opt out (also from inside a flow, and
the founder is returned there), back and menu everywhere, typed labels, and registration
guidance offering the subscription."""

from __future__ import annotations

import pytest
from founder_chat import POLICY, Chat

from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from flows.shell.subscription import unsubscribe_button

LIMIT = 1200  # characters of a message to a founder


def opened(locale: str) -> Chat:
    chat = Chat(locale)
    chat.command("start")
    chat.tap(Op.SUBSCRIPTION)
    return chat


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_opt_in_choose_topics_and_confirm(locale):
    chat = opened(locale)
    assert not chat.state.prefs.subscribed and "prefs" not in chat.state.changed
    assert {Op.SUBSCRIBE, Op.MENU} <= {a.op for a in chat.actions()}
    chat.tap(Op.SUBSCRIBE)
    prefs = chat.state.prefs
    assert prefs.subscribed and prefs.topics == [] and prefs.since == 1.0
    assert "prefs" in chat.state.changed
    toggles = [a.value for a in chat.actions() if a.op is Op.TOPIC]
    assert toggles == [t.id for t in POLICY.topics]
    assert {Op.BACK} & {a.op for a in chat.actions()} == set()  # back is a screen, not a flow op
    assert Action(Op.SUBSCRIPTION) in chat.actions() and Action(Op.MENU) in chat.actions()
    shown = chat.sent[-1].text
    assert POLICY.topic("tax").title.pick(locale) in str(chat.sent[-1].buttons)
    chat.tap(Op.TOPIC, "tax")
    assert chat.replies[-1].replace and chat.state.prefs.topics == ["tax"]
    chat.tap(Op.TOPIC, "financing")
    assert chat.state.prefs.topics == ["financing", "tax"]  # in the data's order
    chat.tap(Op.TOPIC, "tax")
    assert chat.state.prefs.topics == ["financing"]
    chat.tap(Op.TOPICS, "done")
    text = chat.text
    assert POLICY.topic("financing").title.pick(locale) in text and "/unsubscribe" in text
    assert len(text) <= LIMIT and len(shown) <= LIMIT
    assert {Op.TOPICS, Op.UNSUBSCRIBE, Op.MENU} <= {a.op for a in chat.actions()}


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_all_topics_clears_the_choice_and_back_returns(locale):
    chat = opened(locale)
    chat.tap(Op.SUBSCRIBE)
    chat.tap(Op.TOPIC, "rights")
    chat.tap(Op.TOPICS, "all")
    assert chat.state.prefs.topics == [] and chat.state.prefs.subscribed
    chat.tap(Op.SUBSCRIPTION)  # ⬅️ Back: the announcements screen, subscribed
    assert {Op.TOPICS, Op.UNSUBSCRIBE} <= {a.op for a in chat.actions()}
    chat.tap(Op.MENU)
    assert Action(Op.SUBSCRIPTION) in chat.actions()


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_one_tap_opts_out_and_keeps_the_topics(locale):
    chat = opened(locale)
    chat.tap(Op.SUBSCRIBE)
    chat.tap(Op.TOPIC, "tax")
    chat.state.changed.clear()
    chat.tap(Op.UNSUBSCRIBE)
    assert not chat.state.prefs.subscribed and chat.state.prefs.topics == ["tax"]
    assert "prefs" in chat.state.changed
    assert {Op.SUBSCRIBE, Op.MENU} <= {a.op for a in chat.actions()}
    assert "/subscribe" in chat.text


def test_unsubscribe_from_an_announcement_returns_to_the_open_flow():
    chat = Chat("en")
    chat.command("subscribe")
    assert chat.state.prefs.subscribed
    chat.command("start", "registration")
    chat.tap(Op.PICK, "llc")
    step = chat.draft("registration").step
    chat.send(Event.of_action(unsubscribe_button().action))
    assert not chat.state.prefs.subscribed
    assert "Unsubscribed" in chat.text and chat.state.prefs.active == "registration"
    assert chat.draft("registration").step == step
    assert any(a.op is Op.PICK for a in chat.actions())  # the flow's question again


def test_commands_and_typed_labels():
    chat = Chat("en")
    chat.command("start")
    chat.type("Announcements")  # the menu button's label
    assert Action(Op.SUBSCRIBE) in chat.actions()
    chat.type("订阅")
    assert chat.state.prefs.subscribed
    chat.type("Done")  # no flow open: typed text is read at the menu, not the topics screen
    chat.type("退订")
    assert not chat.state.prefs.subscribed
    chat.command("subscribe")
    assert chat.state.prefs.subscribed
    chat.command("unsubscribe")
    assert not chat.state.prefs.subscribed


def test_a_foreign_topic_changes_nothing():
    chat = opened("en")
    chat.tap(Op.SUBSCRIBE)
    chat.send(Event.of_action(Action(Op.TOPIC, value="lottery")))
    assert chat.state.prefs.topics == []
    chat.command("unsubscribe")
    chat.send(Event.of_action(Action(Op.TOPIC, value="tax")))
    assert chat.state.prefs.topics == [] and not chat.state.prefs.subscribed


def finish_registration(chat: Chat) -> None:
    chat.command("start", "registration")
    for value in ("llc", "software_it"):
        chat.tap(Op.PICK, value)
    for typed in ("25", "400万", "静安"):
        chat.type(typed)
    chat.tap(Op.PICK, "none")
    chat.tap(Op.SKIP)
    chat.tap(Op.CONFIRM)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_registration_offers_the_subscription_and_names_sources(locale):
    chat = Chat(locale)
    finish_registration(chat)
    assert Action(Op.SUBSCRIBE) in chat.actions()
    sections = [a for a in chat.actions() if a.op is Op.VIEW]
    for index in (4, 5):  # 🎯 Policies, 🤝 Services (the Art. 9 lists)
        chat.send(Event.of_action(sections[index]))
        source = (
            "来源：" if locale == "zh_CN" else "Source:"
        )  # the entry's source, as the data words it
        assert chat.text.count(source) >= 1 and "Regulations Art." in chat.text
        assert all(len(m.text) <= LIMIT for m in chat.sent[-1:])
    chat.send(Event.of_action(Action(Op.VIEW, value="registration")))  # the overview again
    assert Action(Op.SUBSCRIBE) in chat.actions()
    chat.tap(Op.SUBSCRIBE)
    assert chat.state.prefs.subscribed
    chat.tap(Op.MENU)
    chat.tap(Op.APPS)
    chat.tap(Op.VIEW, "registration")
    assert Action(Op.SUBSCRIBE) not in chat.actions()  # subscribed: not offered again


def test_every_policy_and_service_line_names_its_source():
    chat = Chat("en")
    finish_registration(chat)
    lines: list[str] = []
    for section in (4, 5):  # every page of 🎯 Policies and 🤝 Services
        page = 0
        while True:
            chat.send(
                Event.of_action(Action(Op.VIEW, step=f"{section}.{page}", value="registration"))
            )
            lines += [ln for ln in chat.text.split("\n") if ln.startswith("• ")]
            assert len(chat.text) <= LIMIT
            if not any(a.step == f"{section}.{page + 1}" for a in chat.actions()):
                break
            page += 1
    expected = [p.source for p in POLICY.policies_for(chat.state.profile)]
    assert len(lines) == len(expected) and all("Source: " in line for line in lines), lines
    assert all(any(source in line for line in lines) for source in expected)
