"""The bots the form-steps scenario drives: ours (the real dispatcher, service and store of
`bot/wiring.py`), the textbook aiogram baseline, each on its own key prefix of the same Redis, and
the textbook python-telegram-bot baseline (in-process state, a pickle file); and the hook for ours
on python-telegram-bot."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from cryptography.fernet import Fernet
from redis.asyncio import Redis
from telegram.ext import PicklePersistence

from bench import baseline, form, ptb_baseline
from bench.common import ROOT, BenchError, RoundTrips
from bench.ptb_telegram import feeder, ptb_client
from bench.telegram import BOT_ID, Client, Recorder, RecordingSession, aiogram_client, new_bot
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

Pick = Callable[[list[str], str, str], str | None]  # buttons, field, value -> callback data


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
    stored: Callable[[int], Awaitable[dict[str, Any]]]
    redis: Redis | None = None  # sides on Redis: round trips and commands are counted
    trips: RoundTrips | None = None
    session: RecordingSession | None = None  # aiogram sides (the breakdown times its calls)
    service: ConversationService | None = None  # ours only
    finish: Callable[[], Awaitable[dict[str, Any]]] | None = None  # after the last phase
    cleanup: Callable[[], Awaitable[None]] | None = None

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        if self.cleanup is not None:
            await self.cleanup()


def pick_action(buttons: list[str], field: str, value: str) -> str | None:
    """Our buttons: ActionData `a:<op>:<flow>:<step>:<value>`, a pick (`p`) of `value`."""
    return next((d for d in buttons if d.split(":")[1] == "p" and d.split(":")[-1] == value), None)


def pick_field(buttons: list[str], field: str, value: str) -> str | None:
    """The baselines' buttons: `pick:<field>:<value>`."""
    return next((d for d in buttons if d.split(":")[1:] == [field, value]), None)


def aiogram_side(
    name: str,
    dispatcher: Dispatcher,
    start: str,
    pick: Pick,
    stored: Callable[[int], Awaitable[dict[str, Any]]],
    redis: Redis,
    trips: RoundTrips,
    service: ConversationService | None = None,
) -> Side:
    """A side fed through `Dispatcher.feed_update` with the recording session."""
    bot, session = new_bot()

    async def feed(update: Any) -> None:
        await dispatcher.feed_update(bot, update)

    return Side(name, feed, aiogram_client(bot), session.record, start, pick, stored, redis, trips,
                session, service)  # fmt: skip


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

    async def stored(user_id: int) -> dict[str, Any]:
        draft = (await store.peek(user_id)).drafts.get(form.FLOW_ID)
        return {} if draft is None else dict(draft.answers)

    return aiogram_side("ours", create_dispatcher(service), f"/start {form.FLOW_ID}", pick_action,
                        stored, redis, trips, service)  # fmt: skip


def textbook(url: str, prefix: str) -> Side:
    """The baseline: StatesGroup + RedisStorage + RedisEventIsolation.

    Its pool may open 4096 connections: with redis-py's default (100, failing when exhausted), the
    burst's 1000 lock-polling updates fail with MaxConnectionsError instead of finishing."""
    redis, trips = _redis(url, max_connections=4096)
    dispatcher, storage = baseline.create_dispatcher(redis, prefix)

    async def stored(user_id: int) -> dict[str, Any]:
        return await baseline.stored(storage, BOT_ID, user_id)

    return aiogram_side("baseline", dispatcher, baseline.START, pick_field, stored, redis, trips)


async def ptb_textbook() -> Side:
    """The second baseline (`bench/ptb_baseline.py`): ConversationHandler, `context.user_data`,
    PicklePersistence on a temporary file; started like `run_polling` starts it, minus polling."""
    folder = Path(tempfile.mkdtemp(prefix="smebot-bench-ptb."))
    filepath = folder / "ptb_baseline.pickle"
    record = Recorder()
    app = ptb_baseline.create_application(filepath, record)
    await app.initialize()
    await app.start()

    async def stored(user_id: int) -> dict[str, Any]:
        return dict(app.user_data.get(user_id) or {})  # what `context.user_data` holds

    async def finish() -> dict[str, Any]:
        """Stop and shut down (the last write-back), then check the file holds what memory does."""
        periodic = list(app.persistence_runs)
        await app.stop()
        started = time.perf_counter()
        await app.shutdown()
        shutdown = time.perf_counter() - started
        reread = PicklePersistence(filepath=filepath)
        reread.set_bot(app.bot)
        on_disk = await reread.get_user_data()
        differ = [u for u, data in app.user_data.items() if on_disk.get(u) != data]
        if differ:
            raise BenchError(
                f"ptb_baseline: {len(differ)} founders' answers not in the pickle file"
            )
        return {
            "write_backs_while_running_s": [round(s, 3) for s in periodic],
            "shutdown_write_back_s": round(shutdown, 3),
            "founders_in_file": len(on_disk),
            "file_bytes": filepath.stat().st_size,
        }

    async def cleanup() -> None:
        if app.running:
            await app.stop()
        await app.shutdown()  # returns at once when `finish` shut it down already
        shutil.rmtree(folder, ignore_errors=True)

    return Side("ptb_baseline", feeder(app), ptb_client(app), record, baseline.START, pick_field,
                stored, finish=finish, cleanup=cleanup)  # fmt: skip


async def ours_ptb(url: str, prefix: str) -> Side:
    """Ours on python-telegram-bot — not built yet: the scenario records it as absent.

    Will build the `bot.channels.ptb` runtime's Application around our `ConversationService`
    (store, flows and renderer as `ours` builds them, on the client `create_redis` makes), its
    Bot API answered by `RecordingRequest(record)` and fed by `feeder(app)` with `ptb_client(app)`
    as `ptb_textbook` is; `pick_action` taps, `store.peek` reads back, `redis`/`trips` counted."""
    raise NotImplementedError("bot.channels.ptb (our python-telegram-bot runtime) is not built yet")
