"""Redis restarted, and Redis stalled beyond the client's socket timeout, under 24 founders
mid-form, through the real `ConversationService` (as every channel calls it) on the production
client (`create_redis`) and a redis-server of the test's own with an append-only file.

Whatever a founder is told matches what is stored: an answer told as saved is in its question,
one told as not saved is not; and the next answers land in the right questions."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from redis.exceptions import RedisError
from redis_server import RedisServer

from bot.config import Settings
from bot.core.render import RenderedMessage
from bot.core.service import Founder
from bot.wiring import App, create_app, create_redis
from flows.engine.address import Address
from flows.engine.events import Event
from flows.engine.outcome import Action, Op
from storage.founders import FounderStore, Turn

FOUNDERS = 24
ORDER = ("business_form", "industry", "staff", "revenue", "assets", "district")
CANT_SAVE = "can't save your answer"


@dataclass
class Founding:
    """One founder answering the registration questions; what each answer was told."""

    app: App
    number: int
    told: list[list[RenderedMessage]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def founder(self) -> Founder:
        return Founder(Address.telegram(9000 + self.number), "en")

    async def send(self, event: Event) -> list[RenderedMessage]:
        told: list[RenderedMessage] = []

        async def deliver(messages: list[RenderedMessage], locale: str) -> None:
            told.extend(messages)

        update_id = self.number * 1000 + next(self.ids)
        await self.app.service.handle(self.founder, event, deliver, update_id)
        self.told.append(told)
        return told

    async def tap(self, value: str) -> list[RenderedMessage]:
        actions = [b.action for m in self.told[-1] for row in m.buttons for b in row]
        picks = [a for a in actions if isinstance(a, Action) and a.op is Op.PICK]
        return await self.send(Event.of_action(next(a for a in picks if a.value == value)))

    async def answers(self) -> tuple[str, dict[str, object]]:
        draft = (await self.app.store.peek(self.founder.address)).drafts["registration"]
        return draft.step, dict(draft.answers)


def shown(told: list[RenderedMessage]) -> str | None:
    """The question the founder was shown (by the step its buttons carry), if any."""
    steps = {
        b.action.step
        for m in told
        for row in m.buttons
        for b in row
        if isinstance(b.action, Action) and b.action.flow == "reg" and b.action.step.isdigit()
    }
    return ORDER[int(steps.pop())] if len(steps) == 1 else None


def saved(told: list[RenderedMessage]) -> bool:
    return not any(CANT_SAVE in m.text for m in told)


@pytest.fixture
async def server(tmp_path) -> AsyncIterator[RedisServer]:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.shutdown()


async def founders_at_staff(server: RedisServer, prefix: str, **settings: object) -> list[Founding]:
    client = create_redis(Settings(redis_url=server.url, redis_prefix=prefix, **settings))
    app = create_app(Settings(redis_url=server.url, redis_prefix=prefix, **settings), client)
    founders = [Founding(app, n) for n in range(FOUNDERS)]

    async def walk(f: Founding) -> None:
        await f.send(Event.of_command("start", "registration"))
        await f.tap("llc")
        assert shown(await f.tap("software_it")) == "staff"

    await asyncio.gather(*(walk(f) for f in founders))
    return founders


async def test_a_stalled_redis_fails_a_command_after_one_socket_timeout(server):
    """Not after redis-py's retries and reconnects, about 13 timeouts (over a minute at 5 s)."""
    client = create_redis(Settings(redis_url=server.url, redis_socket_timeout=0.2))
    await client.set("k", "v")
    server.stall()
    started = time.monotonic()
    with pytest.raises(RedisError):
        await client.get("k")
    server.resume()
    assert time.monotonic() - started < 0.6
    assert await client.get("k") == b"v"  # and works again once Redis does
    await client.aclose()


async def test_a_redis_restart_loses_no_answer(server, key_prefix):
    founders = await founders_at_staff(server, key_prefix)
    server.restart()  # every pooled connection is now stale
    told = await asyncio.gather(*(f.send(Event.of_text(str(10 + f.number))) for f in founders))
    for f, reply in zip(founders, told, strict=True):
        assert saved(reply) and shown(reply) == "revenue", [m.text for m in reply]
        assert await f.answers() == ("revenue", {**BEFORE, "staff": 10 + f.number})
    told = await asyncio.gather(*(f.send(Event.of_text("400万")) for f in founders))
    for f, reply in zip(founders, told, strict=True):
        assert saved(reply) and shown(reply) == "district"
        step, answers = await f.answers()
        assert step == "district" and answers["staff"] == 10 + f.number
        assert str(answers["revenue"]) == "4000000"
    await founders[0].app.redis.aclose()


BEFORE = {"business_form": "llc", "industry": "software_it"}


@pytest.mark.parametrize("cache", [0, 5000], ids=["turns", "warm"])
async def test_a_stall_beyond_the_socket_timeout_tells_each_founder_the_truth(
    server, key_prefix, cache
):
    """Read from Redis, an answer's first request (begin) times out: not saved, and said so.
    Warm (the state kept), its one request is the commit: it lands when Redis wakes, and the
    settling finds it by its update id: saved, and said so."""
    # 0.5 s: well below the 4 s stall, well above what a loaded 2-core machine adds to a reply
    founders = await founders_at_staff(
        server, key_prefix, redis_socket_timeout=0.5, state_cache_size=cache
    )
    server.stall()
    answering = [asyncio.create_task(f.send(Event.of_text(str(10 + f.number)))) for f in founders]
    await asyncio.sleep(4.0)  # beyond the client's patience (its retries included)
    server.resume()
    told = await asyncio.wait_for(asyncio.gather(*answering), timeout=60)
    outcomes = {"saved": 0, "not saved": 0}
    for f, reply in zip(founders, told, strict=True):
        step, answers = await f.answers()
        if saved(reply):
            outcomes["saved"] += 1
            assert shown(reply) == "revenue", [m.text for m in reply]
            assert (step, answers) == ("revenue", {**BEFORE, "staff": 10 + f.number})
        else:
            outcomes["not saved"] += 1
            assert (step, answers) == ("staff", BEFORE), f"told not saved, stored {answers}"
    if cache:
        assert outcomes == {"saved": FOUNDERS, "not saved": 0}, outcomes
    else:
        assert outcomes["not saved"], outcomes  # the stall did outlast the client's patience

    async def carry_on(f: Founding, reply: list[RenderedMessage]) -> None:
        if not saved(reply):  # as told: try again
            assert shown(await f.send(Event.of_text(str(10 + f.number)))) == "revenue"
        assert shown(await f.send(Event.of_text("400万"))) == "district"

    started = time.monotonic()
    await asyncio.wait_for(
        asyncio.gather(*(carry_on(f, r) for f, r in zip(founders, told, strict=True))), 60
    )
    # a begin that reached Redis only after the client gave up no longer holds the founder's
    # line for its 10 s lease: the next begin ends it
    assert time.monotonic() - started < 3
    for f in founders:
        step, answers = await f.answers()
        assert step == "district" and answers["staff"] == 10 + f.number
        assert str(answers["revenue"]) == "4000000"
    await founders[0].app.redis.aclose()


class StallAtCommit(FounderStore):
    """Real commits on the test's Redis; once every founder has begun its turn, Redis stalls
    just as their commits go out (their outcome is unknown to the client), for `seconds`."""

    def __init__(self, server: RedisServer, waiting: int, seconds: float, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.server, self.waiting, self.seconds = server, waiting, seconds
        self.all_in = asyncio.Event()
        self.armed = True

    async def commit(self, turn: Turn, said: str | None = None) -> str:
        if self.armed:
            self.waiting -= 1
            if self.waiting == 0:
                self.armed = False
                self.server.stall()
                asyncio.get_running_loop().call_later(self.seconds, self.server.resume)
                self.all_in.set()
            await self.all_in.wait()
        return await super().commit(turn, said)


async def test_a_stall_while_commits_are_in_flight_tells_each_founder_the_truth(server, key_prefix):
    # 0.5 s: well below the 4 s stall, well above what a loaded 2-core machine adds to a reply
    founders = await founders_at_staff(server, key_prefix, redis_socket_timeout=0.5)
    app = founders[0].app
    real = app.store
    app.service.store = StallAtCommit(
        server,
        FOUNDERS,
        4.0,
        real.redis,
        real.flows,
        cipher=real.cipher,
        sensitive=real.sensitive,
        keys=real.keys,
    )
    told = await asyncio.wait_for(
        asyncio.gather(*(f.send(Event.of_text(str(10 + f.number))) for f in founders)), 60
    )
    await asyncio.sleep(0.5)  # whatever Redis still had buffered has run
    outcomes = {"saved": 0, "not saved": 0}
    for f, reply in zip(founders, told, strict=True):
        step, answers = await f.answers()
        if saved(reply):
            outcomes["saved"] += 1
            assert shown(reply) == "revenue", [m.text for m in reply]
            assert (step, answers) == ("revenue", {**BEFORE, "staff": 10 + f.number})
        else:
            outcomes["not saved"] += 1
            assert (step, answers) == ("staff", BEFORE), f"told not saved, stored {answers}"
    assert sum(outcomes.values()) == FOUNDERS
    for f, reply in zip(founders, told, strict=True):
        if not saved(reply):
            assert shown(await f.send(Event.of_text(str(10 + f.number)))) == "revenue"
        assert shown(await f.send(Event.of_text("400万"))) == "district"
        step, answers = await f.answers()
        assert step == "district" and answers["staff"] == 10 + f.number
    await app.redis.aclose()
