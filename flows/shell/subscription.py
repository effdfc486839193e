"""The announcements screens: opt in, choose topics, opt out with one tap (also from under
every announcement). Pure: they change the founder's `Prefs` (written with their turn) and
return replies; the topics are policy data."""

from __future__ import annotations

from collections.abc import Sequence

from flows.engine.draft import FounderState
from flows.engine.labels import BACK_WORDS, MENU_WORDS
from flows.engine.outcome import Action, Block, Button, Op, Reply, rows
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData

ALL, DONE = "all", "done"  # Op.TOPICS values: choose every topic, save the choice
MENU_WORDS_ANNOUNCE = ("announcements", "通知", "公告")
SUBSCRIBE_WORDS = ("subscribe", "订阅")
UNSUBSCRIBE_WORDS = ("unsubscribe", "退订", "取消订阅", "不再接收")


def menu_button() -> Button:
    """The services menu's entry to the announcements screen."""
    return Button(Text(N_("🔔 Announcements")), Action(Op.SUBSCRIPTION), MENU_WORDS_ANNOUNCE)


def unsubscribe_button() -> Button:
    """🔕 Unsubscribe, carried by every announcement: one tap opts out, whatever flow is open."""
    return Button(Text(N_("🔕 Unsubscribe")), Action(Op.UNSUBSCRIBE), UNSUBSCRIBE_WORDS)


def subscribe_button() -> Button:
    """🔔 Subscribe: one tap opts in to every topic (the founder may narrow them next)."""
    return Button(Text(N_("🔔 Subscribe to announcements")), Action(Op.SUBSCRIBE), SUBSCRIBE_WORDS)


def _menu() -> Button:
    return Button(Text(N_("🏠 Menu")), Action(Op.MENU), MENU_WORDS)


def _topic_names(state: FounderState, policy: PolicyData) -> object:
    """The chosen topics' titles (a list the renderer joins), or 'all topics'."""
    chosen = [t.title for t in policy.topics if t.id in state.prefs.topics]
    return tuple(chosen) if chosen else Text(N_("all topics"))


def _change_topics() -> Button:
    return Button(
        Text(N_("🏷 Change topics")), Action(Op.TOPICS), ("topics", "change topics", "主题")
    )


def subscription(state: FounderState, policy: PolicyData, notice: Text | None = None) -> Reply:
    """What the founder receives now, and the one tap that changes it."""
    lead: list[Block] = [notice] if notice else []
    if not state.prefs.subscribed:
        text = Text(
            N_(
                "🔔 Announcements: short messages about new support policies, calls for "
                "applications and their deadlines, and urgent help, for your district, industry "
                "and size as your profile gives them. Usually a few a month; you can stop any "
                "time with one tap."
            )
        )
        return Reply((*lead, text), ((subscribe_button(),), (_menu(),)))
    text = Text(
        N_("🔔 You receive announcements on: {topics}."),
        {"topics": _topic_names(state, policy)},
    )
    return Reply((*lead, text), ((_change_topics(),), (unsubscribe_button(),), (_menu(),)))


def subscribe(state: FounderState, policy: PolicyData, now: float, locale: str = "") -> Reply:
    """Opt in (every topic unless some were chosen before), then offer to narrow the topics.
    Opting in again renews `since`, which voids an opt-out the broadcaster recorded before. A
    founder who never chose a language keeps the one they use now (`locale`, from their
    client), so announcements come in it."""
    state.prefs.subscribed, state.prefs.since = True, now
    if state.prefs.lang is None and locale:
        state.prefs.lang = locale
    state.touch("prefs")
    notice = Text(
        N_(
            "✅ Subscribed. Tap topics to narrow what you get, then ✅ Done; none chosen means all."
        ),
    )
    return topics(state, policy, notice)


def topics(state: FounderState, policy: PolicyData, notice: Text | None = None) -> Reply:
    """Every topic as a toggle (✅ chosen), 🌐 All topics, ✅ Done, back and menu."""
    if not state.prefs.subscribed:
        return subscription(state, policy)
    chosen = set(state.prefs.topics)
    toggles = [
        Button(
            Text(
                N_("{mark} {title}"),
                {"mark": Text.raw("✅" if t.id in chosen else "▫️"), "title": t.title},
            ),
            Action(Op.TOPIC, value=t.id),
            (t.title.zh, t.title.en),
        )
        for t in policy.topics
    ]
    every = Button(
        Text(N_("🌐 All topics")), Action(Op.TOPICS, value=ALL), ("all", "all topics", "全部")
    )
    done = Button(Text(N_("✅ Done")), Action(Op.TOPICS, value=DONE), ("done", "完成", "好了"))
    back = Button(Text(N_("⬅️ Back")), Action(Op.SUBSCRIPTION), BACK_WORDS)
    text = Text(
        N_("Which topics do you want announcements on? Now: {topics}."),
        {"topics": _topic_names(state, policy)},
    )
    blocks = (notice, text) if notice else (text,)
    buttons = (*rows(toggles, 2), (every, done), (unsubscribe_button(),), (back, _menu()))
    return Reply(blocks, buttons)


def toggle(state: FounderState, policy: PolicyData, topic: str) -> Reply:
    """Choose or drop one topic (an unknown id changes nothing); the screen is edited in place."""
    known = [t.id for t in policy.topics]
    if state.prefs.subscribed and topic in known:
        chosen = set(state.prefs.topics) ^ {topic}
        state.prefs.topics = [t for t in known if t in chosen]
        state.touch("prefs")
    screen = topics(state, policy)
    return Reply(screen.blocks, screen.buttons, replace=True)


def choose(state: FounderState, policy: PolicyData, value: str) -> Reply:
    """🌐 All topics (clears the choice) or ✅ Done (says what will be sent and how to stop)."""
    if not state.prefs.subscribed:
        return subscription(state, policy)
    if value == ALL:
        if state.prefs.topics:
            state.prefs.topics = []
            state.touch("prefs")
        screen = topics(state, policy)
        return Reply(screen.blocks, screen.buttons, replace=True)
    if value != DONE:
        return topics(state, policy)
    text = Text(
        N_(
            "✅ You will get announcements on {topics} that fit your district, industry and size "
            "(a part your profile does not give gets only the announcements meant for everyone). "
            "Usually a few a month. To stop, tap 🔕 Unsubscribe under any announcement or send "
            "/unsubscribe: it takes effect at once."
        ),
        {"topics": _topic_names(state, policy)},
    )
    return Reply((text,), ((_change_topics(),), (unsubscribe_button(),), (_menu(),)))


def unsubscribe(
    state: FounderState, policy: PolicyData, where: Sequence[Reply] = ()
) -> list[Reply]:
    """Opt out at once (the chosen topics are kept for a later opt-in); then back where the
    founder was (`where`: the open flow's screen), or the way to opt in again."""
    if state.prefs.subscribed:
        state.prefs.subscribed = False
        state.touch("prefs")
    text = Text(
        N_(
            "🔕 Unsubscribed: you will get no more announcements, none from those being sent "
            "now either. To opt in again, send /subscribe."
        )
    )
    if where:
        return [Reply((text,)), *where]
    return [Reply((text,), ((subscribe_button(),), (_menu(),)))]
