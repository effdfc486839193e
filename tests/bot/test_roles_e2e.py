"""Roles end to end on both Telegram runtimes, over the stand-in Bot API with a real Redis: an
admin grants a commissioner by command and the member is told; a non-admin's /grant is refused;
a member granted the staff role for an agency in Redis acts on its cases, and is refused again
once it is revoked (checked on every tap and reply)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import botapi_stub_types as tg
import pytest
from test_handoff_e2e import (
    ADMIN,
    HRSS_CHAT,
    OUTSIDER,
    ZH_FOUNDER,
    Handoff,
    delivered_case,
    running_handoff,
)

from bot.core.commands import commands_menu
from flows.engine.address import Address
from storage.roles import COMMISSIONER, STAFF

T = Address.telegram
MEMBER = 7001


def private(handoff: Handoff, user_id: int, text: str, lang: str = "en") -> None:
    """A private command by `user_id`, numbered in the same series as the staff's updates."""
    user = tg.make_user(user_id, language_code=lang)
    content = {"text": text, "entities": tg.command_entities(text)}
    message = tg.message_object(next(handoff._message_ids), user, tg.private_chat(user), content)
    handoff.api.push_update({"message": message}, next(handoff._update_ids))


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


async def test_an_admin_grants_a_commissioner_who_is_told_and_a_non_admin_is_refused(
    polling, caplog
):
    api, roles = polling.api, polling.app.roles
    api.push_message(ADMIN, f"/grant commissioner {MEMBER} Pudong, 徐汇", "en")
    answer = await api.wait_for_message(ADMIN, lambda m: "commissioner" in m["text"])
    assert answer["text"] == (
        f"{MEMBER} is now a service commissioner for Pudong, Xuhui.\nThey have been told."
    )
    told = api.last_message(MEMBER)["text"]
    assert "浦东、徐汇" in told and "/announce" in told  # and how to begin
    assert (await roles.of(T(MEMBER)))[COMMISSIONER].districts == ("pudong", "xuhui")

    with caplog.at_level(logging.WARNING):
        api.push_message(OUTSIDER, f"/grant commissioner {OUTSIDER}", "en")
        refusal = await api.wait_for_message(OUTSIDER)
    assert refusal["text"] == "Only the bot's administrators can use /grant."
    assert await roles.of(T(OUTSIDER)) == {} and len(await roles.log()) == 1
    assert "refused grant" in caplog.text and str(OUTSIDER) not in caplog.text
    # the founders' commands menu offers none of the admins' commands
    menus = [c["command"] for commands in api.commands.values() for c in commands]
    assert menus and not {"grant", "revoke", "roles"} & set(menus)


async def test_staff_granted_in_redis_act_on_the_agencys_cases_until_revoked(polling):
    handoff, api = polling, polling.api
    ref, _document, summary = await delivered_case(handoff, ZH_FOUNDER, "zh_CN")
    refused = "Only this agency's listed staff can act on its cases."
    answer = await handoff.answer_to(handoff.tap(HRSS_CHAT, OUTSIDER, summary, f"c:a:{ref}", "en"))
    assert (answer.get("show_alert"), answer.get("text")) == (True, refused)

    private(handoff, ADMIN, f"/grant staff {OUTSIDER} hrss")
    await api.wait_for_message(ADMIN, lambda m: "is now staff" in m["text"])
    assert (await handoff.app.roles.of(T(OUTSIDER)))[STAFF].agency == "hrss"
    query = handoff.tap(HRSS_CHAT, OUTSIDER, summary, f"c:a:{ref}", "en")
    assert not (await handoff.answer_to(query)).get("show_alert")
    await api.wait_for_message(HRSS_CHAT, lambda m: "The founder has been told" in m["text"])
    assert (await handoff.history(ref))[-1][:2] == ("accepted", f"staff:{OUTSIDER}")

    # asked for a reason, then revoked before replying: the reply does nothing
    revision = api.revision
    handoff.tap(HRSS_CHAT, OUTSIDER, summary, f"c:r:{ref}", "en")
    prompt = await api.wait_for_message(HRSS_CHAT, lambda m: "reason" in m["text"], since=revision)
    private(handoff, ADMIN, f"/revoke staff {OUTSIDER}")
    await api.wait_for_message(ADMIN, lambda m: "no longer holds" in m["text"])
    handoff.say(HRSS_CHAT, OUTSIDER, "Expired licence.", reply_to=prompt)
    answer = await handoff.answer_to(handoff.tap(HRSS_CHAT, OUTSIDER, summary, f"c:d:{ref}", "en"))
    assert (answer.get("show_alert"), answer.get("text")) == (True, refused)
    assert [s for s, _, _ in await handoff.history(ref)] == ["delivered", "accepted"]
