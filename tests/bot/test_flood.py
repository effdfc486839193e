"""Flood control: a founder sending 50 messages in a second is slowed and told once; others are
not held up; memory stays bounded however many founders there are."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.core.flood import FloodGate
from bot.core.service import Founder
from bot.wiring import create_app
from flows.engine.address import Address
from flows.engine.events import Event


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_rate_and_one_notice():
    clock = Clock()
    gate = FloodGate(rate=2, burst=5, clock=clock)
    who = Address.telegram(1)
    seen = [gate.admit(who) for _ in range(8)]
    assert [a for a, _ in seen] == [True] * 5 + [False] * 3
    assert [t for _, t in seen] == [False] * 5 + [True, False, False]  # told once
    clock.now = 1.0  # two tokens back
    assert [gate.admit(who)[0] for _ in range(3)] == [True, True, False]
    assert gate.admit(Address.telegram(2)) == (True, False)  # someone else is not affected


def test_the_local_chat_is_not_limited():
    gate = FloodGate(rate=1, burst=1)
    assert all(gate.admit(Address("local", "1")) == (True, False) for _ in range(50))


def test_the_buckets_are_bounded():
    gate = FloodGate(capacity=100)
    for n in range(1000):
        gate.admit(Address.telegram(n))
    assert len(gate) == 100


async def test_a_flooding_founder_does_not_hold_up_another(redis, redis_url, key_prefix):
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix, flood_burst=5)
    app = create_app(settings, redis)
    told: dict[int, list[str]] = {1: [], 2: []}  # one entry per answer, its messages joined

    def deliver_to(user: int):
        async def deliver(messages, locale):
            told[user].append("\n".join(m.text for m in messages))

        return deliver

    flooder, other = Founder(Address.telegram(101), "en"), Founder(Address.telegram(102), "en")
    flood = [
        app.service.handle(flooder, Event.of_text(f"spam {n}"), deliver_to(1), 1000 + n)
        for n in range(50)
    ]
    calm = app.service.handle(other, Event.of_command("start"), deliver_to(2), 5000)
    await asyncio.gather(*flood, calm)
    notices = [t for t in told[1] if "faster than I can answer" in t]
    assert len(notices) == 1
    assert len(told[1]) == 5 + 1  # the burst answered, then the one notice
    assert told[2] and "faster" not in told[2][0]
