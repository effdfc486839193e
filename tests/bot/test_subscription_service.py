"""The service keeps the subscribers' index in step with the founder's turns: opting in, a
profile from registration guidance, changing topics, opting out and erasure; a turn that
changes nothing of it costs no extra round trip."""

from __future__ import annotations

import io

from bot.channels.local.chat import LocalChat
from bot.config import Settings
from bot.wiring import create_service
from flows.engine.audience import Audience, Subscriber
from flows.engine.outcome import Op


def chat(redis, redis_url, key_prefix) -> tuple[LocalChat, io.StringIO]:
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix)
    out = io.StringIO()
    return LocalChat(create_service(settings, redis), user_id=88, out=out), out


def tap(local: LocalChat, op: Op, value: str = "") -> str:
    """The local chat's line for the first shown button doing `op` (with `value`)."""
    index = next(
        i
        for i, a in enumerate(local.channel.buttons)
        if getattr(a, "op", None) is op and (not value or a.value == value)
    )
    return f"#{index + 1}"


async def test_the_index_follows_the_founder(redis, redis_url, key_prefix):
    local, out = chat(redis, redis_url, key_prefix)
    subscribers = local.service.store.subscribers
    address = local.founder.address
    await local.send("/lang en")
    await local.send("/subscribe")
    assert "Subscribed" in out.getvalue()
    assert await subscribers.get(address) == Subscriber(address, "en")
    assert await subscribers.is_subscribed(address)
    await local.send(tap(local, Op.TOPIC, "financing"))
    assert (await subscribers.get(address)).topics == {"financing"}  # type: ignore[union-attr]
    await local.send("/start registration")
    for line in ("1", "11", "3", "50万", "Pudong", "3"):
        await local.send(line)
    await local.send(tap(local, Op.SKIP))
    await local.send(tap(local, Op.CONFIRM))
    assert "Your registration checklist" in out.getvalue()
    found = await subscribers.get(address)
    assert found is not None and (found.district, found.industry) == ("pudong", "software_it")
    assert found.size == "micro"
    assert await subscribers.count(Audience(districts=frozenset({"pudong"}))) == 1
    await local.send("/unsubscribe")
    assert await subscribers.get(address) is None and not await subscribers.is_subscribed(address)
    await local.send("/subscribe")
    await local.send("/deleteme")
    await local.send(tap(local, Op.ERASE))
    assert await subscribers.get(address) is None


async def test_registration_offers_the_subscription(redis, redis_url, key_prefix):
    local, _out = chat(redis, redis_url, key_prefix)
    await local.send("/lang en")
    await local.send("/start registration")
    for line in ("1", "11", "3", "50万", "Pudong", "3"):
        await local.send(line)
    await local.send(tap(local, Op.SKIP))
    await local.send(tap(local, Op.CONFIRM))
    await local.send(tap(local, Op.SUBSCRIBE))
    state = await local.service.store.peek(local.founder.address)
    assert state.prefs.subscribed
    assert await local.service.store.subscribers.get(local.founder.address) is not None


async def test_a_founder_the_broadcaster_opted_out_sees_it_and_can_opt_in_again(
    redis, redis_url, key_prefix
):
    local, out = chat(redis, redis_url, key_prefix)
    subscribers = local.service.store.subscribers
    address = local.founder.address
    await local.send("/lang en")
    await local.send("/subscribe")
    await subscribers.unsubscribe(address)  # a 403 during a broadcast: they had blocked the bot
    start = len(out.getvalue())
    await local.send("/menu")
    await local.send(tap(local, Op.SUBSCRIPTION))
    screen = out.getvalue()[start:]
    assert "🔔 Subscribe" in screen and "You receive announcements" not in screen
    await local.send(tap(local, Op.SUBSCRIBE))  # opting in again voids the marker
    assert await subscribers.is_subscribed(address)
    assert await subscribers.get(address) is not None
