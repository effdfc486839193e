"""The broadcaster: with a clock the test moves and a scripted channel (rate, per-chat spacing,
429, 403, retries, reports), then for real against the stand-in Bot API enforcing Telegram's
limits, through aiogram's and PTB's own channels."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from botapi_limits import Limits
from botapi_stub import BotApiStub
from broadcasting import AUTHOR, Subscriptions, broadcast, chats, stub_channel

from bot.core.channel import Blocked, ChannelError, Channels, RateLimited, SendUnknown
from bot.core.i18n import Catalogs
from bot.core.render import RenderedMessage, Renderer
from bot.workers.broadcast_send import duration
from bot.workers.broadcaster import Broadcaster
from flows.engine.address import TELEGRAM, Address
from storage.broadcasts import Broadcast, BroadcastStore, Counts
from storage.keys import KeyBuilder

START = 1_790_000_000.0


class Clock:
    """A clock the broadcaster's `sleep` moves (so batch=1 keeps sends in order)."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


class Scripted:
    """A channel recording (time, chat, text) of each send; `errors[chat]` raised first, in turn."""

    name = TELEGRAM

    def __init__(self, clock: Clock, errors: dict[int, list[Exception]] | None = None) -> None:
        self.clock = clock
        self.errors = errors or {}
        self.sent: list[tuple[float, int, str]] = []
        self.fetched: list[str] = []

    async def send(
        self, chat: Address, messages: Sequence[RenderedMessage], *, edit: str | None = None
    ) -> list[str]:
        if self.errors.get(int(chat.id)):
            raise self.errors[int(chat.id)].pop(0)
        self.sent += [(self.clock(), int(chat.id), m.text) for m in messages]
        return [str(len(self.sent))]

    async def send_file(self, chat: Address, name: str, data: bytes, caption: str) -> str:
        self.sent.append((self.clock(), int(chat.id), f"{name}:{data.decode()}"))
        return str(len(self.sent))

    async def fetch(self, file_id: str) -> bytes:
        self.fetched.append(file_id)
        return b"%PDF"


@pytest.fixture
def store(redis: aioredis.Redis, key_prefix: str) -> BroadcastStore:
    return BroadcastStore(redis, KeyBuilder(key_prefix))


def scripted(
    store: BroadcastStore, channel: Scripted, subs: Subscriptions, **kw: object
) -> tuple[Broadcaster, list[tuple[str, Counts]]]:
    told: list[tuple[str, Counts]] = []

    async def progress(b: Broadcast, counts: Counts) -> None:
        told.append(("progress", counts))

    async def done(b: Broadcast, counts: Counts) -> None:
        told.append(("done", counts))

    sender = Broadcaster(
        store,
        Channels(channel),
        is_subscribed=subs.is_subscribed,
        on_blocked=subs.unsubscribe,
        on_progress=progress,
        on_done=done,
        clock=channel.clock,
        sleep=channel.clock.sleep,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return sender, told


async def drain(sender: Broadcaster) -> None:
    while await sender.run_once():
        pass
    await sender.run_once()  # sees it done and reports


async def test_sends_at_the_rate_and_spaces_one_chats_parts(store: BroadcastStore) -> None:
    clock = Clock()
    channel = Scripted(clock)
    long = {"messages": {"en": [{"text": ("x" * 3000 + "\n\n") * 2}], "zh_CN": [{"text": "短"}]}}
    bid = await broadcast(store, 20, clock(), long)
    sender, told = scripted(store, channel, Subscriptions(), rate_per_s=10, batch=1)
    await drain(sender)
    times = [t for t, _, _ in channel.sent]
    assert len(channel.sent) == 30  # ten in English in two parts, ten in Chinese in one
    assert all(b - a >= 0.1 - 1e-6 for a, b in itertools.pairwise(times))
    per_chat: dict[int, list[float]] = {}
    for t, chat, _ in channel.sent:
        per_chat.setdefault(chat, []).append(t)
    assert all(ts[1] - ts[0] >= 1.0 - 1e-6 for ts in per_chat.values() if len(ts) == 2)
    assert told[-1] == ("done", (await store.get(bid)).counts)
    assert [kind for kind, _ in told].count("done") == 1
    assert (await store.get(bid)).counts.delivered == 20


async def test_an_attachment_is_fetched_once_and_follows_the_text(store: BroadcastStore) -> None:
    clock = Clock()
    channel = Scripted(clock)
    attached = {
        "messages": {"en": [{"text": "See the notice"}]},
        "attachment": {"owner": "telegram:7", "file_id": "F1", "name": "notice.pdf"},
    }
    await broadcast(store, 3, clock(), attached)
    sender, _ = scripted(store, channel, Subscriptions(), rate_per_s=10, batch=1)
    await drain(sender)
    assert channel.fetched == ["F1"]
    assert [text for _, _, text in channel.sent] == ["See the notice", "notice.pdf:%PDF"] * 3
    assert channel.sent[1][0] - channel.sent[0][0] >= 1.0 - 1e-6  # one chat, a second apart


async def test_429_holds_the_sender_403_unsubscribes_other_errors_retry(
    store: BroadcastStore,
) -> None:
    clock = Clock()
    first, blocked, flaky, broken = chats(4)
    errors: dict[int, list[Exception]] = {
        first: [RateLimited(3.0)],
        blocked: [Blocked("blocked")],
        flaky: [ChannelError("timeout"), ChannelError("timeout")],
        broken: [ChannelError("bad")] * 3,
    }
    channel = Scripted(clock, errors)
    subs = Subscriptions()
    bid = await broadcast(store, 6, clock(), None)
    subs.opted_out.add(Address.telegram(chats(6)[-1]))
    sender, _ = scripted(store, channel, subs, rate_per_s=100, batch=1, retry_delay_s=0.5)
    await drain(sender)
    assert channel.sent[0][:2] == (pytest.approx(START + 3.0), first)  # waited, sent again
    assert Counter(chat for _, chat, _ in channel.sent) == {first: 1, flaky: 1, chats(6)[4]: 1}
    assert subs.unsubscribed == [Address.telegram(blocked)]
    counts = (await store.get(bid)).counts
    assert (counts.delivered, counts.blocked, counts.failed, counts.skipped) == (3, 1, 1, 1)


async def test_a_pause_takes_effect_between_sends(store: BroadcastStore) -> None:
    clock = Clock()
    channel = Scripted(clock)
    bid = await broadcast(store, 10, clock(), None)
    sender, _ = scripted(store, channel, Subscriptions(), rate_per_s=10, batch=5)
    real_send = channel.send

    async def pausing(
        chat: Address, messages: Sequence[RenderedMessage], **kw: object
    ) -> list[str]:
        if len(channel.sent) == 2:
            await store.pause(bid, clock())
        return await real_send(chat, messages)

    channel.send = pausing  # type: ignore[method-assign]
    await sender.run_once()
    counts = (await store.get(bid)).counts
    assert (counts.delivered, counts.sending, counts.pending) == (
        len(channel.sent),
        0,
        10 - len(channel.sent),
    )
    assert len(channel.sent) <= 5
    assert await sender.run_once() == 0
    await store.resume(bid, clock())
    await drain(sender)
    assert sorted(chat for _, chat, _ in channel.sent) == chats(10)


# -- for real, against the stand-in Bot API ---------------------------------------------------


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_thousands_at_the_rate_exactly_once_blocked_and_opted_out(
    api: BotApiStub, store: BroadcastStore, runtime: str
) -> None:
    """2,000 founders at 400/s with Telegram's limits at 500/s: no 429, each reached once."""
    api.limits = Limits(global_per_s=500)
    everyone = chats(2000)
    api.limits.blocked = set(everyone[100:110])
    subs = Subscriptions()
    late = {Address.telegram(c) for c in everyone[1500:1600]}
    channel, close = stub_channel(runtime, api.base_url)

    async def opting_out(founder: Address) -> bool:
        if sum(api.limits.sent.values()) >= 500:
            subs.opted_out |= late  # they opt out while the broadcast runs
        return await subs.is_subscribed(founder)

    bid = await broadcast(store, 2000, 0.0)
    sender = Broadcaster(
        store,
        Channels(channel),
        is_subscribed=opting_out,
        on_blocked=subs.unsubscribe,
        rate_per_s=400,
    )
    try:
        while (await store.get(bid)).status == "running":
            await sender.run_once()
    finally:
        await close()
    assert api.limits.too_many == 0
    assert set(api.limits.sent) == set(everyone) - set(everyone[100:110]) - {
        c for c in everyone[1500:1600]
    }
    assert set(api.limits.sent.values()) == {1}
    assert sorted(subs.unsubscribed, key=str) == sorted(
        (Address.telegram(c) for c in everyone[100:110]), key=str
    )
    counts = (await store.get(bid)).counts
    assert (counts.delivered, counts.blocked, counts.skipped, counts.failed) == (1890, 10, 100, 0)
    zh = api.messages_to(everyone[0])[0]
    assert zh["text"] == "新政策" and BotApiStub.buttons(zh) == [("看看", "a:m:-:-:news")]


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_an_injected_429_holds_everything_and_the_message_is_sent_again(
    api: BotApiStub, store: BroadcastStore, runtime: str
) -> None:
    api.limits = Limits(global_per_s=500)
    channel, close = stub_channel(runtime, api.base_url)
    bid = await broadcast(store, 300, 0.0)
    subs = Subscriptions()

    injected = False

    async def injecting(founder: Address) -> bool:
        nonlocal injected  # once, after about 100 (sends in flight may step past exactly 100)
        if sum(api.limits.sent.values()) >= 100 and not injected:
            api.limits.inject_429(2)
            injected = True
        return True

    sender = Broadcaster(
        store,
        Channels(channel),
        is_subscribed=injecting,
        on_blocked=subs.unsubscribe,
        rate_per_s=200,
        batch=20,
    )
    try:
        while (await store.get(bid)).status == "running":
            await sender.run_once()
    finally:
        await close()
    assert api.limits.too_many == 1  # nothing else was sent while it held
    assert sorted(api.limits.sent) == chats(300) and set(api.limits.sent.values()) == {1}
    at = api.limits.accepted_at
    assert max(b - a for a, b in itertools.pairwise(at)) >= 2.0
    assert (await store.get(bid)).counts.delivered == 300


async def test_two_workers_on_one_broadcast_reach_everyone_once(
    api: BotApiStub, redis_url: str, key_prefix: str, store: BroadcastStore
) -> None:
    api.limits = Limits(global_per_s=500)
    bid = await broadcast(store, 800, 0.0)
    made = [stub_channel(rt, api.base_url) for rt in ("aiogram", "ptb")]
    clients = [aioredis.from_url(redis_url) for _ in made]
    stop = asyncio.Event()
    senders = [
        Broadcaster(
            BroadcastStore(c, KeyBuilder(key_prefix)),
            Channels(channel),
            is_subscribed=Subscriptions().is_subscribed,
            on_blocked=Subscriptions().unsubscribe,
            rate_per_s=200,
            poll_s=0.05,
        )
        for c, (channel, _) in zip(clients, made, strict=True)
    ]
    tasks = [asyncio.create_task(s.run(stop)) for s in senders]
    try:
        while (await store.get(bid)).status == "running":
            await asyncio.sleep(0.1)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for (_, close), c in zip(made, clients, strict=True):
            await close()
            await c.aclose()
    assert sorted(api.limits.sent) == chats(800) and set(api.limits.sent.values()) == {1}
    assert api.limits.too_many == 0
    assert (await store.get(bid)).counts.delivered == 800
    assert AUTHOR not in api.limits.sent


async def test_broadcasters_share_the_rate(store: BroadcastStore) -> None:
    clock = Clock()
    subs = Subscriptions()
    made = [
        scripted(store, Scripted(clock), subs, rate_per_s=20, name=f"w{i}")[0] for i in range(2)
    ]
    await made[0].run_once()
    assert made[0].pacer.interval == pytest.approx(1 / 20)  # alone
    await made[1].run_once()
    await made[0].run_once()
    assert [s.pacer.interval for s in made] == [pytest.approx(2 / 20)] * 2  # half each
    clock.now += 11  # the second fell silent: the first sends at the whole rate again
    await made[0].run_once()
    assert made[0].pacer.interval == pytest.approx(1 / 20)
    await made[1].run_once()
    stop = asyncio.Event()
    stop.set()
    await made[1].run(stop)  # stopping leaves at once
    await made[0].run_once()
    assert made[0].pacer.interval == pytest.approx(1 / 20)


async def test_a_send_whose_outcome_is_unknown_is_never_sent_again(store: BroadcastStore) -> None:
    clock = Clock()
    lost, fine = chats(2)
    channel = Scripted(clock, {lost: [SendUnknown("TimedOut")]})
    bid = await broadcast(store, 2, clock(), None)
    sender, _ = scripted(store, channel, Subscriptions(), rate_per_s=100, batch=1)
    await drain(sender)
    assert [chat for _, chat, _ in channel.sent] == [fine]  # the timed-out one not retried
    counts = (await store.get(bid)).counts
    assert (counts.delivered, counts.unknown, counts.failed) == (1, 1, 0)


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [(1, "1秒", "1 s"), (185, "3分5秒", "3 min 5 s"), (3720, "1小时2分钟", "1 h 2 min")],
)
def test_how_long_a_broadcast_took_reads_in_the_reader_s_language(seconds, zh, en) -> None:
    """Not "用时1 s" on a Chinese screen."""
    renderer = Renderer(Catalogs(Path(__file__).resolve().parents[2] / "locales"))
    assert renderer.text(duration(seconds), "zh_CN") == zh
    assert renderer.text(duration(seconds), "en") == en
