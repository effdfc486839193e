"""The bots the form-steps scenario drives on aiogram: ours (the real dispatcher, front, service
and store of `bot/wiring.py`) and the textbook aiogram baseline, each on its own key prefix of the
same Redis; the `Side` every scenario drives (the PTB sides are in `bench/ptb_sides.py`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from bench import baseline, form
from bench.common import ROOT, RoundTrips
from bench.telegram import BOT_ID, Client, Recorder, RecordingSession, aiogram_client, new_bot
from bot.channels.aiogram.channel import AiogramChannel
from bot.channels.aiogram.runtime import create_dispatcher
from bot.config import Settings
from bot.core.front import Front
from bot.core.i18n import Catalogs
from bot.core.render import Renderer
from bot.core.service import ConversationService
from bot.wiring import create_redis
from flows.engine.address import Address
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder

Pick = Callable[[list[str], str, str], str | None]  # buttons, field, value -> callback data
Stored = Callable[[int], Awaitable[dict[str, Any]]]  # founder -> the answers the bot keeps


@dataclass
class Side:
    """One bot under test: how an update reaches it, how a founder taps its buttons and how its
    answers are read back."""

    name: str
    feed: Callable[[Any], Awaitable[None]]  # one parsed update, until the bot has replied
    client: Client  # builds the updates, parsed for this side's library
    record: Recorder  # what the bot sent
    start: str
    pick: Pick
    stored: Stored
    redis: Redis | None = None  # sides on Redis: round trips and commands are counted
    trips: RoundTrips | None = None
    session: RecordingSession | None = None  # aiogram sides (the breakdown times its calls)
    service: ConversationService | None = None  # ours only
    settle: Callable[[], Awaitable[float]] | None = None  # after each timed phase: deferred
    # writes (PTB's persistence write-back), outside the clock; its seconds
    finish: Callable[[], Awaitable[dict[str, Any]]] | None = None  # after the last phase
    cleanup: Callable[[], Awaitable[None]] | None = None

    async def close(self) -> None:
        if self.cleanup is not None:
            await self.cleanup()
        if self.redis is not None:
            await self.redis.aclose()


def pick_action(buttons: list[str], field: str, value: str) -> str | None:
    """Our buttons: ActionData `a:<op>:<flow>:<step>:<value>`, a pick (`p`) of `value`."""
    return next((d for d in buttons if d.split(":")[1] == "p" and d.split(":")[-1] == value), None)


def pick_field(buttons: list[str], field: str, value: str) -> str | None:
    """The baselines' buttons: `pick:<field>:<value>`."""
    return next((d for d in buttons if d.split(":")[1:] == [field, value]), None)


def aiogram_side(
    name: str,
    dispatcher: Callable[[Bot], Dispatcher],
    start: str,
    pick: Pick,
    stored: Stored,
    redis: Redis,
    trips: RoundTrips,
    service: ConversationService | None = None,
) -> Side:
    """A side fed through `Dispatcher.feed_update`, its Bot on the recording session."""
    bot, session = new_bot()
    dp = dispatcher(bot)

    async def feed(update: Any) -> None:
        await dp.feed_update(bot, update)

    return Side(name, feed, aiogram_client(bot), session.record, start, pick, stored, redis, trips,
                session, service)  # fmt: skip


def _redis(url: str, **options: Any) -> tuple[Redis, RoundTrips]:
    redis = Redis.from_url(url, decode_responses=False, **options)
    return redis, RoundTrips(redis)


def create_store(
    redis: Redis, prefix: str, extra_flows: tuple[Any, ...] = ()
) -> tuple[FounderStore, list[Any], Any]:
    """The store as `create_app` builds it (every production flow, sealing on, the states kept
    for the warm path: STATE_CACHE_SIZE's default) plus `extra_flows`."""
    policy = load_policy_data()
    flows = [*all_flows(policy), *(build(policy) for build in extra_flows)]
    store = FounderStore(
        redis,
        [spec.id for spec in flows],
        cipher=FieldCipher.from_keys([Fernet.generate_key().decode()]),
        sensitive=frozenset().union(*(spec.sensitive_fields for spec in flows)),
        keys=KeyBuilder(prefix),
        draft_ttl=timedelta(days=30),
        profile_ttl=timedelta(days=365),
        cache_size=Settings().state_cache_size,
    )
    return store, flows, policy


def create_service(redis: Redis, prefix: str) -> ConversationService:
    """A `ConversationService` as `create_app` builds it (store, flows, catalogs), plus the form."""
    store, flows, policy = create_store(redis, prefix, (form.build,))
    renderer = Renderer(Catalogs(ROOT / "locales"))
    return ConversationService(Conversation(flows, policy, draft_days=30), store, renderer)


def stored_in(store: FounderStore) -> Stored:
    """Our answers to the form for a Telegram founder, read back from the store (unsealed)."""

    async def stored(user_id: int) -> dict[str, Any]:
        draft = (await store.peek(Address.telegram(user_id))).drafts.get(form.FLOW_ID)
        return {} if draft is None else dict(draft.answers)

    return stored


def ours(url: str, prefix: str, max_connections: int | None = None) -> Side:
    """Our bot on aiogram: `create_dispatcher` over a `Front` and a `ConversationService` built
    like `create_app`'s (no staff desk), on the client `create_redis` makes (a bounded pool of
    REDIS_MAX_CONNECTIONS, default 256)."""
    settings = Settings(redis_url=url)
    if max_connections is not None:
        settings = Settings(redis_url=url, redis_max_connections=max_connections)
    redis = create_redis(settings)
    trips = RoundTrips(redis)
    service = create_service(redis, prefix)
    front = Front(service)
    return aiogram_side("ours", lambda bot: create_dispatcher(front, AiogramChannel(bot)),
                        f"/start {form.FLOW_ID}", pick_action, stored_in(service.store), redis,
                        trips, service)  # fmt: skip


def textbook(url: str, prefix: str) -> Side:
    """The baseline: StatesGroup + RedisStorage + RedisEventIsolation.

    Its pool may open 4096 connections: with redis-py's default (100, failing when exhausted), the
    burst's 1000 lock-polling updates fail with MaxConnectionsError instead of finishing."""
    redis, trips = _redis(url, max_connections=4096)
    dispatcher, storage = baseline.create_dispatcher(redis, prefix)

    async def stored(user_id: int) -> dict[str, Any]:
        return await baseline.stored(storage, BOT_ID, user_id)

    return aiogram_side("baseline", lambda bot: dispatcher, baseline.START, pick_field, stored,
                        redis, trips)  # fmt: skip
