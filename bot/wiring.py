"""Builds the running parts from settings: policy data, flows, Redis, stores, catalogs, the
conversation service, and the hand-off (agencies, statuses, notifier, worker)."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from redis.asyncio import BlockingConnectionPool, Redis

from bot.channels.aiogram.adapter import send
from bot.channels.aiogram.staff import StaffDesk
from bot.config import Settings, SettingsError
from bot.core.i18n import Catalogs
from bot.core.notify import FounderNotifier, Send
from bot.core.render import RenderedMessage, Renderer
from bot.core.service import ConversationService
from bot.handoff.agencies import Agencies, load_agencies
from bot.handoff.delivery import Deliverer, Fetch, local_fetch
from bot.handoff.status import StatusDesk
from bot.handoff.types import DeliveryFailed
from bot.workers.outbox import OnDead, OutboxWorker
from flows.engine.text import N_, Text
from flows.policy.loader import PolicyData, load_policy_data
from flows.shell.conversation import Conversation
from flows.shell.registry import all_flows
from storage.crypto import FieldCipher
from storage.founders import FounderStore
from storage.keys import KeyBuilder
from storage.outbox import OutboxEntry, OutboxStore
from storage.statuses import StatusStore
from storage.submissions import SubmissionStore

log = logging.getLogger(__name__)


def create_redis(settings: Settings) -> Redis:
    """A client whose pool waits for a free connection under a burst (up to 10 s) instead of
    failing the turn: REDIS_MAX_CONNECTIONS bounds what one process opens."""
    pool = BlockingConnectionPool.from_url(
        settings.redis_url, max_connections=settings.redis_max_connections, timeout=10
    )
    return Redis.from_pool(pool)


@dataclass
class App:
    """Everything a process needs, validated at start-up: a bad policy file, agencies file or
    catalog stops here with a message naming the entry and field."""

    settings: Settings
    redis: Redis
    policy: PolicyData
    agencies: Agencies
    renderer: Renderer
    store: FounderStore
    statuses: StatusStore
    outbox: OutboxStore
    service: ConversationService

    @property
    def submissions(self) -> SubmissionStore:
        return self.store.submissions

    def desk(self, send: Send | None) -> StatusDesk:
        """Status changes, told to founders through `send` (logged only when there is none)."""
        notifier = FounderNotifier(self.renderer, self.store, self.policy, send or _log_only)
        return StatusDesk(self.statuses, self.submissions, notifier)

    def worker(self, bot: Bot | None, *, consumer: str | None = None) -> OutboxWorker:
        """The delivery worker; with a bot it fetches Telegram files, tells founders and staff."""
        desk = self.desk(telegram_send(bot) if bot else None)
        fetch = local_fetch(telegram_fetch(bot) if bot else None)
        post_case = self.staff(bot, desk).post_bundle if bot else None
        deliverer = Deliverer(self.submissions, self.policy, self.agencies, desk, fetch, post_case)
        return OutboxWorker(
            self.outbox,
            deliverer,
            consumer=consumer or f"{socket.gethostname()}-{os.getpid()}",
            max_age=timedelta(hours=self.settings.delivery_max_age_hours),
            reclaim_idle_ms=self.agencies.takeover_after_ms(),
            on_dead=self._tell_admins(bot),
        )

    def staff(self, bot: Bot, desk: StatusDesk) -> StaffDesk:
        """The agencies' staff desk in Telegram, recording through `desk`."""
        return StaffDesk(
            bot,
            self.agencies,
            desk,
            self.submissions,
            self.renderer,
            self.redis,
            self.store.keys,
            self.settings.default_locale,
        )

    def _tell_admins(self, bot: Bot | None) -> OnDead:
        admins = self.settings.admins()

        async def on_dead(entry: OutboxEntry, reason: str) -> None:
            log.error("delivery of %s failed for good: %s", entry.reference, reason)
            if bot is None:
                return
            text = self.renderer.text(
                Text(
                    N_(
                        "⚠️ Delivery of {reference} failed for good and was moved to the "
                        "dead-letter stream. Reason: {reason}"
                    ),
                    {"reference": entry.reference, "reason": Text.raw(reason)},
                ),
                self.settings.default_locale,
            )
            for admin in admins:
                await bot.send_message(admin, text)

        return on_dead


def create_app(settings: Settings, redis: Redis) -> App:
    """Build and validate everything from settings."""
    policy = load_policy_data(settings.policy_file)
    flows = all_flows(policy)
    agencies = load_agencies(settings.agencies_file, [o.id for o in policy.offices])
    keys = KeyBuilder(settings.redis_prefix)
    try:
        cipher = FieldCipher.from_keys(settings.encryption_keys())
    except ValueError as exc:
        raise SettingsError(f"DATA_KEYS / DATA_KEY_FILE: {exc}") from exc
    store = FounderStore(
        redis,
        [spec.id for spec in flows],
        cipher=cipher,
        sensitive=frozenset().union(*(spec.sensitive_fields for spec in flows)),
        keys=keys,
        draft_ttl=timedelta(days=settings.draft_ttl_days),
        profile_ttl=timedelta(days=settings.profile_ttl_days),
    )
    renderer = Renderer(Catalogs(settings.locales_dir))
    service = ConversationService(
        Conversation(flows, policy, draft_days=round(settings.draft_ttl_days)),
        store,
        renderer,
        default_locale=settings.default_locale,
        fallback_locale=settings.fallback_locale,
    )
    return App(
        settings,
        redis,
        policy,
        agencies,
        renderer,
        store,
        StatusStore(redis, keys),
        OutboxStore(redis, keys),
        service,
    )


def create_service(settings: Settings, redis: Redis) -> ConversationService:
    """The conversation service alone (local chat and tests)."""
    return create_app(settings, redis).service


def telegram_send(bot: Bot) -> Send:
    """Messages to a founder's private chat, sent as the adapter sends replies (long texts
    split, buttons as an inline keyboard)."""

    async def to_founder(user_id: int, message: RenderedMessage) -> None:
        await send(bot, user_id, [message])

    return to_founder


def telegram_fetch(bot: Bot) -> Fetch:
    """Downloads a founder's file; one Telegram no longer has (400) cannot come back: the
    delivery goes to the dead letters at once and the admins are told, rather than retrying
    for days. Other failures (network, 5xx, flood control) are retried."""

    async def fetch(file_id: str) -> bytes:
        try:
            return await _download(file_id)
        except TelegramBadRequest as exc:
            raise DeliveryFailed(
                f"Telegram refused file {file_id[:12]}…: {exc.message}", retryable=False
            ) from exc

    async def _download(file_id: str) -> bytes:
        file = await bot.get_file(file_id)
        if file.file_path is None:
            raise FileNotFoundError(file_id)
        data = await bot.download_file(file.file_path)
        assert data is not None
        return data.read()

    return fetch


async def _log_only(user_id: int, message: RenderedMessage) -> None:
    log.info("founder %s has a status update (no Telegram bot in this process)", user_id)
