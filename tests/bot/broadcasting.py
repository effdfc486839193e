"""Shared pieces of the broadcaster tests: a broadcast of many founders, a channel on either
runtime pointed at the stand-in Bot API, and the subscription callbacks the broadcaster takes."""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.channel import Channel
from flows.engine.address import Address
from storage.broadcasts import BroadcastStore
from storage.keys import KeyBuilder

AUTHOR = 7
FIRST = 10_000  # founders' chat ids start here
PAYLOAD = {
    "messages": {
        "zh_CN": [{"text": "新政策", "buttons": [[{"label": "看看", "data": "a:m:-:-:news"}]]}],
        "en": [{"text": "A new policy"}],
    }
}


def chats(n: int) -> list[int]:
    return list(range(FIRST, FIRST + n))


async def broadcast(store: BroadcastStore, n: int, now: float, payload: dict | None = None) -> str:
    """A running broadcast to `n` founders, half in each language."""
    b = await store.create(Address.telegram(AUTHOR), payload or PAYLOAD, {"all": True}, now)
    await store.start(
        b.id, ((Address.telegram(c), "en" if c % 2 else "zh_CN") for c in chats(n)), now
    )
    return b.id


async def subscribe_all(redis: Any, keys: KeyBuilder, n: int, now: float) -> None:
    """The `n` founders of `chats(n)` subscribed, as their own turns would have written it
    (for a worker process, which reads the subscriptions from Redis)."""
    prefs = json.dumps({"subscribed": True, "topics": [], "since": now})
    async with redis.pipeline(transaction=False) as pipe:
        for chat in chats(n):
            pipe.set(keys.founder(Address.telegram(chat), "prefs"), prefs)
        await pipe.execute()


def stub_channel(runtime: str, api_url: str) -> tuple[Channel, Callable[[], Awaitable[None]]]:
    """The runtime's own channel (aiogram's or PTB's Bot) talking to the stub."""
    module = importlib.import_module(f"bot.channels.{runtime}.runtime")
    made: tuple[Channel, Callable[[], Awaitable[None]]] = module.channel("123456:TEST", api_url)
    return made


class Subscriptions:
    """Who is subscribed (everyone but `opted_out`) and whom the broadcaster unsubscribed."""

    def __init__(self) -> None:
        self.opted_out: set[Address] = set()
        self.unsubscribed: list[Address] = []

    async def is_subscribed(self, founder: Address) -> bool:
        return founder not in self.opted_out

    async def unsubscribe(self, founder: Address) -> None:
        self.unsubscribed.append(founder)
        self.opted_out.add(founder)
