"""Announcements end to end on both Telegram runtimes, over the stand-in Bot API with a real
Redis: an admin grants the commissioner role; founders subscribe (one in English); the
commissioner composes an announcement with a link into a service, sees the preview exactly as
founders will with the number of recipients, and sends it; the broadcaster delivers it once to
each subscriber in their language, with 🔕 Unsubscribe; a founder opens the linked service
(counted in the history); /news shows it; a founder who is not a commissioner is refused
/announce and the desk's buttons."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from botapi_stub import BotApiStub
from telegram_harness import tap
from test_handoff_e2e import ADMIN, Handoff, running_handoff

from bot.core.commands import commands_menu
from flows.engine.address import Address
from flows.policy.loader import load_policy_data
from flows.shell.registry import all_flows

SPEC = next(s for s in all_flows(load_policy_data()) if s.id == "announce")
COMMISSIONER, ZH_A, ZH_B, EN_C, OUTSIDER = 7101, 7102, 7103, 7104, 7105


@pytest.fixture
async def polling(api, redis, redis_url, key_prefix, tmp_path, runtime) -> AsyncIterator[Handoff]:
    async with running_handoff(api, redis, redis_url, key_prefix, tmp_path, runtime) as handoff:
        app = handoff.app
        await handoff.runtime.start(commands_menu(app.renderer, app.settings.default_locale))
        stop = asyncio.Event()
        task = asyncio.create_task(handoff.runtime.poll(stop))
        try:
            yield handoff
        finally:
            stop.set()
            await asyncio.wait_for(task, 10)


def at(name: str):
    index = str(SPEC.index(name))
    return lambda m: any(
        d.split(":")[2:4] == ["ann", index] for _l, d in BotApiStub.buttons(m) if d.startswith("a:")
    )


async def subscribe(api: BotApiStub, user: int, lang: str) -> None:
    api.push_message(user, "/subscribe", language_code=lang)
    await api.wait_for_message(
        user,
        lambda m: (
            "🔕" in str(BotApiStub.buttons(m)) or "退订" in m["text"] or "nsubscribe" in m["text"]
        ),
    )


async def texts_composed(api: BotApiStub, zh: str, en: str, lang: str) -> dict[str, Any]:
    """/announce, no attachment, the two texts: the commissioner's link step, shown."""
    api.push_message(COMMISSIONER, "/announce", language_code=lang)
    first = await api.wait_for_message(COMMISSIONER, at("attachment"))
    await tap(api, COMMISSIONER, first, "s", "", lang)
    await api.wait_for_message(COMMISSIONER, at("text_zh"))
    api.push_message(COMMISSIONER, zh, language_code=lang)
    await api.wait_for_message(COMMISSIONER, at("text_en"))
    api.push_message(COMMISSIONER, en, language_code=lang)
    return await api.wait_for_message(COMMISSIONER, at("link"))


async def test_a_commissioner_announces_and_subscribers_get_it_once_in_their_language(polling):
    handoff, api = polling, polling.api
    api.push_message(ADMIN, f"/grant commissioner {COMMISSIONER}", "en")
    await api.wait_for_message(ADMIN, lambda m: "commissioner" in m["text"])
    for user, lang in ((ZH_A, "zh-hans"), (ZH_B, "zh-hans"), (EN_C, "en")):
        await subscribe(api, user, lang)

    # someone else may not compose, nor press the desk's buttons
    api.push_message(OUTSIDER, "/announce", language_code="en")
    refused = await api.wait_for_message(OUTSIDER, lambda m: "commissioners" in m["text"])
    assert "Only service commissioners" in refused["text"]

    lang = "en"
    link = await texts_composed(
        api, "2027年创业补贴开始申报。", "Applications for 2027 startup subsidies are open.", lang
    )
    await tap(api, COMMISSIONER, link, "p", "subsidy", lang)
    who = await api.wait_for_message(COMMISSIONER, at("who"))
    await tap(api, COMMISSIONER, who, "p", "all", lang)
    sending = await api.wait_for_message(COMMISSIONER, at("when"))
    await tap(api, COMMISSIONER, sending, "p", "now", lang)
    summary = await api.wait_for_message(
        COMMISSIONER, lambda m: "a:y:ann" in str(BotApiStub.buttons(m))
    )
    await tap(api, COMMISSIONER, summary, "y", "", lang)
    control = await api.wait_for_message(COMMISSIONER, lambda m: "Recipients: 3" in m["text"])
    assert "2 in Chinese, 1 in English" in control["text"]
    preview = [
        m for m in api.messages_to(COMMISSIONER) if "startup subsidies are open" in m["text"]
    ]
    assert preview and "🔕 Unsubscribe" in str(BotApiStub.buttons(preview[-1]))
    # what the Chinese readers get is previewed too, with their button
    [zh_preview] = [
        m for m in api.messages_to(COMMISSIONER) if m["text"] == "2027年创业补贴开始申报。"
    ]
    assert "🔕 退订" in str(BotApiStub.buttons(zh_preview))
    [send_now] = [d for label, d in BotApiStub.buttons(control) if "Send now" in label]
    [bid] = [d.split(":")[-1] for _l, d in BotApiStub.buttons(control) if ":bx:" in d]

    outsider_before = len(api.messages_to(OUTSIDER))
    api.push_callback(OUTSIDER, send_now, refused["message_id"], language_code="en")  # forged
    await api.wait_for_message(OUTSIDER, lambda m: "commissioners" in m["text"])
    assert len(api.messages_to(OUTSIDER)) == outsider_before + 1
    assert (await handoff.app.broadcasts.get(bid)).status == "scheduled"  # nothing started

    api.push_callback(COMMISSIONER, send_now, control["message_id"], language_code=lang)
    await api.wait_for_message(COMMISSIONER, lambda m: "Sending to 3" in m["text"])
    broadcaster = handoff.app.broadcaster()
    for _ in range(20):
        await broadcaster.run_once()
        if (await handoff.app.broadcasts.get(bid)).status == "done":
            break
    await broadcaster.run_once()  # sees it done and reports
    broadcast = await handoff.app.broadcasts.get(bid)
    assert broadcast.status == "done" and broadcast.counts.delivered == 3
    report = await api.wait_for_message(
        COMMISSIONER, lambda m: "Broadcast finished" in m["text"], since=0
    )
    assert "delivered 3" in report["text"] and "blocked 0" in report["text"]

    zh = await api.wait_for_message(ZH_A, lambda m: "创业补贴开始申报" in m["text"], since=0)
    en = await api.wait_for_message(
        EN_C, lambda m: "startup subsidies are open" in m["text"], since=0
    )
    assert "🔕" in str(BotApiStub.buttons(zh)) and "🔕" in str(BotApiStub.buttons(en))
    for user in (ZH_A, ZH_B, EN_C):
        got = [m for m in api.messages_to(user) if "2027" in m["text"]]
        assert len(got) == 1, user  # once each

    [open_data] = [d for _l, d in BotApiStub.buttons(en) if ":nw:" in d]
    api.push_callback(EN_C, open_data, en["message_id"], language_code="en")
    await api.wait_for_message(EN_C, lambda m: "subsid" in m["text"].lower() and m is not en)
    assert (await handoff.app.broadcasts.opens([bid]))[bid] == 1

    api.push_message(COMMISSIONER, "/broadcasts", language_code=lang)
    listed = await api.wait_for_message(COMMISSIONER, lambda m: "newest first" in m["text"])
    assert "delivered 3 of 3" in listed["text"] and "opened the service 1" in listed["text"]
    api.push_message(ZH_B, "/news", language_code="zh-hans")
    news = await api.wait_for_message(ZH_B, lambda m: "创业补贴开始申报" in m["text"])
    assert news["text"].count("创业补贴开始申报") == 1

    # a founder unsubscribes from the announcement, one tap: the next one skips them
    [off] = [d for _l, d in BotApiStub.buttons(zh) if ":ub:" in d]
    api.push_callback(ZH_A, off, zh["message_id"], language_code="zh-hans")
    await asyncio.sleep(0.3)
    assert not await handoff.app.store.subscribers.is_subscribed(Address.telegram(ZH_A))


async def test_a_district_limited_commissioner_is_sent_back_to_the_audience_with_the_draft_kept(
    polling,
):
    """In Chinese: a commissioner limited to Pudong is offered no wider audience; when nobody
    there has subscribed, the preview says so in words and the composer goes back to "who gets
    it", the texts kept and nothing saved; /apps does not list the composer's draft."""
    handoff, api = polling, polling.api
    api.push_message(ADMIN, f"/grant commissioner {COMMISSIONER} 浦东", "en")
    await api.wait_for_message(ADMIN, lambda m: "commissioner" in m["text"])
    await subscribe(api, ZH_A, "zh-hans")  # no district of theirs known: not in Pudong

    lang = "zh-hans"
    link = await texts_composed(
        api, "浦东新区创业补贴开始申报。", "Pudong startup subsidies are open.", lang
    )
    await tap(api, COMMISSIONER, link, "p", "none", lang)
    who = await api.wait_for_message(COMMISSIONER, at("who"))
    labels = [label for label, _d in BotApiStub.buttons(who)]
    assert "我负责区的全部订阅者" in labels and "全部订阅者" not in labels
    await tap(api, COMMISSIONER, who, "p", "all", lang)
    sending = await api.wait_for_message(COMMISSIONER, at("when"))
    await tap(api, COMMISSIONER, sending, "p", "now", lang)
    summary = await api.wait_for_message(
        COMMISSIONER, lambda m: "a:y:ann" in str(BotApiStub.buttons(m))
    )
    count = len(api.messages_to(COMMISSIONER))
    await tap(api, COMMISSIONER, summary, "y", "", lang)
    again = await api.wait_for_message(COMMISSIONER, at("who"), since=count)
    told = [m["text"] for m in api.messages_to(COMMISSIONER)[count:]]
    nobody = next(t for t in told if "没有订阅者符合" in t)
    assert "浦东新区" in nobody and "pudong" not in nobody and "districts:" not in nobody
    assert "我负责区的全部订阅者" in [label for label, _d in BotApiStub.buttons(again)]
    draft = (await handoff.app.store.peek(Address.telegram(COMMISSIONER))).drafts["announce"]
    assert draft.step == "who" and draft.answers["text_zh"] == "浦东新区创业补贴开始申报。"
    assert await handoff.app.broadcasts.recent(5) == []  # nothing saved or sent

    api.push_message(COMMISSIONER, "/apps", language_code=lang)
    apps = await api.wait_for_message(COMMISSIONER, lambda m: "申请" in m["text"])
    assert "通知" not in apps["text"]  # the composer's draft is no application of theirs
