"""The warm path: a founder's next answer applied to the state this process last committed and
saved in one Redis round trip, and every way that state can be out of date sending the answer
back to a turn read from Redis (another process wrote, a role was granted, a turn is running,
the update came before), against a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import redis.asyncio as aioredis
from test_local_chat import counting_client

from bot.config import Settings
from bot.core.render import RenderedMessage
from bot.core.service import Founder
from bot.wiring import App, create_app
from flows.engine.address import Address
from flows.engine.events import Event
from storage.roles import COMMISSIONER, RoleStore

FOUNDER = Founder(Address.telegram(5_150), "en")
ANSWERS = ("Limited company", "Software and IT services", "3", "50万")
EXPECTED = {"business_form": "llc", "industry": "software_it", "staff": 3, "revenue": "500000"}


@dataclass
class Process:
    """One bot process: its app (its own cache), a client counting requests, what it said."""

    app: App
    client: aioredis.Redis
    sent: list[bytes]
    said: list[str] = field(default_factory=list)

    async def answer(self, update_id: int, event: Event) -> list[str]:
        """Handle one update; the texts it answered with."""
        before = len(self.said)

        async def deliver(messages: list[RenderedMessage], _locale: str) -> None:
            self.said.extend(m.text for m in messages)

        await self.app.service.handle(FOUNDER, event, deliver, update_id)
        return self.said[before:]

    async def requests(self, update_id: int, event: Event) -> int:
        """Handle one update; how many requests (round trips) it sent to Redis."""
        self.sent.clear()
        await self.answer(update_id, event)
        return len(self.sent)


@pytest.fixture
async def processes(redis_url: str, key_prefix: str) -> AsyncIterator[list[Process]]:
    """Two bot processes sharing one Redis, each with its cache."""
    made = []
    for _ in range(2):
        client, sent = counting_client(redis_url)
        app = create_app(Settings(redis_url=redis_url, redis_prefix=key_prefix), client)
        made.append(Process(app, client, sent))
    yield made
    for process in made:
        await process.client.aclose()


async def start(process: Process) -> None:
    """/lang en and /start registration, cold then warm: the scripts loaded, the state kept."""
    await process.answer(1, Event.of_command("lang", "en"))
    await process.answer(2, Event.of_command("start", "registration"))


async def test_a_warm_answer_costs_one_round_trip_and_is_saved(processes, redis) -> None:
    one = processes[0]
    await start(one)
    for update_id, text in enumerate(ANSWERS, start=10):
        assert await one.requests(update_id, Event.of_text(text)) == 1, one.sent
        assert b"EVALSHA" in one.sent[0]
    stored = await one.app.store.peek(FOUNDER.address)
    assert stored.drafts["registration"].answers == EXPECTED  # in Redis, not only kept here
    assert "In which district" in one.said[-1]


async def test_an_answer_saved_by_another_process_is_read_before_the_next(processes) -> None:
    one, two = processes
    await start(one)
    await one.answer(10, Event.of_text(ANSWERS[0]))  # one keeps the state at this revision
    await two.answer(11, Event.of_text(ANSWERS[1]))  # two: cold, a turn; the revision moves on
    requests = await one.requests(12, Event.of_text(ANSWERS[2]))
    assert requests == 3  # its one round trip refused (stale), then a turn: begin and commit
    await one.answer(13, Event.of_text(ANSWERS[3]))
    stored = await one.app.store.peek(FOUNDER.address)
    assert stored.drafts["registration"].answers == EXPECTED  # nothing lost, in order


async def test_a_redelivered_update_is_answered_once(processes) -> None:
    one = processes[0]
    await start(one)
    assert await one.answer(10, Event.of_text(ANSWERS[0]))
    revision = await one.client.get(one.app.store.keys.founder(FOUNDER.address, "rev"))
    assert await one.answer(10, Event.of_text(ANSWERS[0])) == []  # Telegram sent it again
    assert await one.client.get(one.app.store.keys.founder(FOUNDER.address, "rev")) == revision
    await one.answer(11, Event.of_text(ANSWERS[1]))  # and the next answer goes on from there
    stored = await one.app.store.peek(FOUNDER.address)
    assert stored.drafts["registration"].answers == {
        k: EXPECTED[k] for k in ("business_form", "industry")
    }


async def test_a_role_granted_between_answers_is_seen_by_the_next(processes, redis) -> None:
    one = processes[0]
    await start(one)
    await one.answer(10, Event.of_text(ANSWERS[0]))
    roles = RoleStore(redis, one.app.store.keys)
    await roles.grant(FOUNDER.address, COMMISSIONER, Address.telegram(1))  # the revision moves
    said = await one.answer(11, Event.of_command("announce", ""))
    assert said and not any("Only service commissioners" in text for text in said), said
    turn = one.app.store.cached(FOUNDER.address, 12)
    assert turn is not None and COMMISSIONER in turn.state.roles


async def test_a_turn_running_elsewhere_is_waited_for(processes) -> None:
    one, two = processes
    await start(one)
    await one.answer(10, Event.of_text(ANSWERS[0]))
    running = await two.app.store.begin(FOUNDER.address, 99)  # another process mid-turn
    assert running is not None

    async def finish_later() -> None:
        await asyncio.sleep(0.2)
        running.state.prefs.lang = "en"
        running.state.touch("prefs")
        await two.app.store.commit(running)

    finishing = asyncio.create_task(finish_later())
    await one.answer(11, Event.of_text(ANSWERS[1]))  # busy: it queues behind the running turn
    await finishing
    stored = await one.app.store.peek(FOUNDER.address)
    assert stored.drafts["registration"].answers["industry"] == "software_it"


async def test_with_the_cache_off_every_answer_is_a_turn(redis_url, key_prefix) -> None:
    client, sent = counting_client(redis_url)
    settings = Settings(redis_url=redis_url, redis_prefix=key_prefix, state_cache_size=0)
    process = Process(create_app(settings, client), client, sent)
    try:
        await start(process)
        assert await process.requests(10, Event.of_text(ANSWERS[0])) == 2  # begin, commit
    finally:
        async for key in client.scan_iter(match=f"{key_prefix}:*"):
            await client.delete(key)
        await client.aclose()


async def test_an_update_saved_by_a_process_that_died_before_replying_shows_where_it_left(
    processes,
) -> None:
    """Process one commits an answer and dies before sending its replies; Telegram sends the
    update again, to process two: it finds it handled and shows the founder the next question
    (which its saved answer led to), so they never answer a question they were not shown."""
    one, two = processes
    await start(one)
    await one.app.service._apply(FOUNDER, Event.of_text(ANSWERS[0]), 10)  # saved, not sent
    said = await two.answer(10, Event.of_text(ANSWERS[0]))
    assert len(said) == 1 and "Which industry" in said[0], said
    stored = await two.app.store.peek(FOUNDER.address)
    assert stored.drafts["registration"].answers == {"business_form": "llc"}  # once
    assert await one.answer(11, Event.of_text(ANSWERS[1]))  # and the founder goes on
