"""The two bots the form-steps scenario drives: ours (the real dispatcher, service and store of
`bot/wiring.py`) and the textbook baseline, each on its own key prefix of the same Redis."""

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
from bench.telegram import BOT_ID, Client, RecordingSession, new_bot
from bot.channels.aiogram.runtime import create_dispatcher
from bot.config import Settings
from bot.core.i18n import Catalogs
from bot.core.render import Renderer
from bot.core.service import ConversationService
from bot.wiring import create_redis
from flows.policy.loader import load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder


@dataclass
class Side:
    """One bot under test and how a founder taps its buttons and reads back its answers."""

    name: str
    dispatcher: Dispatcher
    bot: Bot
    session: RecordingSession
    client: Client
    redis: Redis
    trips: RoundTrips
    start: str
    pick: Callable[[list[str], str, str], str | None]  # buttons, field, value -> callback data
    stored: Callable[[int], Awaitable[dict[str, Any]]]
    service: ConversationService | None = None  # ours only

    async def close(self) -> None:
        await self.redis.aclose()


def _redis(url: str, **options: Any) -> tuple[Redis, RoundTrips]:
    redis = Redis.from_url(url, decode_responses=False, **options)
    return redis, RoundTrips(redis)


def create_store(
    redis: Redis, prefix: str, extra_flows: tuple[Any, ...] = ()
) -> tuple[FounderStore, list[Any], Any]:
    """The store as `create_app` builds it (every production flow, sealing on) plus `extra_flows`."""
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
    )
    return store, flows, policy


def ours(url: str, prefix: str, max_connections: int | None = None) -> Side:
    """Our bot: `create_dispatcher` over a `ConversationService` built like `create_app`'s, on
    the client `create_redis` makes (a blocking pool of REDIS_MAX_CONNECTIONS, default 256)."""
    settings = Settings(redis_url=url)
    if max_connections is not None:
        settings = Settings(redis_url=url, redis_max_connections=max_connections)
    redis = create_redis(settings)
    trips = RoundTrips(redis)
    store, flows, policy = create_store(redis, prefix, (form.build,))
    renderer = Renderer(Catalogs(ROOT / "locales"))
    service = ConversationService(Conversation(flows, policy, draft_days=30), store, renderer)
    bot, session = new_bot()

    def pick(buttons: list[str], field: str, value: str) -> str | None:
        # ActionData: a:<op>:<flow>:<step>:<value>
        return next(
            (d for d in buttons if d.split(":")[1] == "p" and d.split(":")[-1] == value), None
        )

    async def stored(user_id: int) -> dict[str, Any]:
        draft = (await store.peek(user_id)).drafts.get(form.FLOW_ID)
        return {} if draft is None else dict(draft.answers)

    return Side("ours", create_dispatcher(service), bot, session, Client(bot), redis, trips,
                f"/start {form.FLOW_ID}", pick, stored, service)  # fmt: skip


def textbook(url: str, prefix: str) -> Side:
    """The baseline: StatesGroup + RedisStorage + RedisEventIsolation.

    Its pool may open 4096 connections: with redis-py's default (100, failing when exhausted), the
    burst's 1000 lock-polling updates fail with MaxConnectionsError instead of finishing."""
    redis, trips = _redis(url, max_connections=4096)
    dispatcher, storage = baseline.create_dispatcher(redis, prefix)
    bot, session = new_bot()

    def pick(buttons: list[str], field: str, value: str) -> str | None:
        return next((d for d in buttons if d.split(":")[1:] == [field, value]), None)

    async def stored(user_id: int) -> dict[str, Any]:
        return await baseline.stored(storage, BOT_ID, user_id)

    return Side("baseline", dispatcher, bot, session, Client(bot), redis, trips, baseline.START,
                pick, stored)  # fmt: skip
